(class_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(annotation_type_declaration name: (identifier) @name) @definition.interface
(method_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.method

(superclass (_) @name) @reference.inherit
(super_interfaces (type_list (_) @name)) @reference.inherit
(extends_interfaces (type_list (_) @name)) @reference.inherit
(method_invocation name: (identifier) @name) @reference.call
(object_creation_expression type: (_) @name) @reference.call
(import_declaration (scoped_identifier) @name) @reference.import
