(function_declaration name: (identifier) @name) @definition.function
(method_declaration
  receiver: (parameter_list (parameter_declaration type: [(pointer_type (type_identifier) @receiver) (type_identifier) @receiver (pointer_type (generic_type type: (type_identifier) @receiver)) (generic_type type: (type_identifier) @receiver)]))
  name: (field_identifier) @name) @definition.method
(type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct
(type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface
(type_spec name: (type_identifier) @name type: [(type_identifier) (qualified_type) (function_type) (map_type) (slice_type) (generic_type)]) @definition.type

(call_expression function: [(identifier) (selector_expression)] @name) @reference.call
(import_spec path: (interpreted_string_literal) @name) @reference.import
(struct_type (field_declaration_list (field_declaration !name type: [(type_identifier) (qualified_type) (pointer_type)] @name))) @reference.inherit
