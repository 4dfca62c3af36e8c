; A schema's types, their fields as members (`Query.products`), and a document's operations and fragments.
(object_type_definition (name) @name) @definition.class
(interface_type_definition (name) @name) @definition.interface
(input_object_type_definition (name) @name) @definition.struct
(enum_type_definition (name) @name) @definition.enum
(union_type_definition (name) @name) @definition.type
(scalar_type_definition (name) @name) @definition.type
(field_definition (name) @name) @definition.method
(operation_definition (name) @name) @definition.function
(fragment_definition (fragment_name (name) @name)) @definition.function

(named_type (name) @name) @reference.call
(fragment_spread (fragment_name (name) @name)) @reference.call
(implements_interfaces (named_type (name) @name)) @reference.inherit
