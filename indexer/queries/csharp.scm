(class_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name) @definition.class
(struct_declaration name: (identifier) @name) @definition.struct
(interface_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(method_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.method
(namespace_declaration name: (_) @name) @definition.module
(file_scoped_namespace_declaration name: (_) @name) @definition.module @open

(base_list (_) @name) @reference.inherit
(invocation_expression function: [(identifier) (member_access_expression)] @name) @reference.call
(object_creation_expression type: (_) @name) @reference.call
(using_directive (_) @name) @reference.import
