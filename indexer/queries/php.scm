(class_declaration name: (name) @name) @definition.class
(interface_declaration name: (name) @name) @definition.interface
(trait_declaration name: (name) @name) @definition.trait
(enum_declaration name: (name) @name) @definition.enum
(function_definition name: (name) @name) @definition.function
(method_declaration name: (name) @name) @definition.method
(namespace_definition name: (namespace_name) @name body: (_)) @definition.module
(namespace_definition name: (namespace_name) @name !body) @definition.module @open

(base_clause (_) @name) @reference.inherit
(class_interface_clause (_) @name) @reference.inherit
(function_call_expression function: (_) @name) @reference.call
(member_call_expression name: (name) @name) @reference.call
(scoped_call_expression name: (name) @name) @reference.call
(object_creation_expression (name) @name) @reference.call
(namespace_use_clause (qualified_name) @name) @reference.import
