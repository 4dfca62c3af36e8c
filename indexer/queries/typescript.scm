(abstract_class_declaration name: (_) @name) @definition.class
(interface_declaration name: (_) @name) @definition.interface
(enum_declaration name: (_) @name) @definition.enum
(type_alias_declaration name: (_) @name) @definition.type
(method_signature name: (_) @name) @definition.method
; Class fields that hold a function: `handle = (e) => {...}`.
(public_field_definition name: (property_identifier) @name value: [(arrow_function) (function_expression)]) @definition.method
(internal_module name: (_) @name) @definition.module

(extends_clause value: (_) @name) @reference.inherit
(implements_clause (_) @name) @reference.inherit
(extends_type_clause type: (_) @name) @reference.inherit
