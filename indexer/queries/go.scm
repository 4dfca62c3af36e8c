(function_declaration name: (identifier) @name) @definition.function
(method_declaration
  receiver: (parameter_list (parameter_declaration type: [(pointer_type (type_identifier) @receiver) (type_identifier) @receiver (pointer_type (generic_type type: (type_identifier) @receiver)) (generic_type type: (type_identifier) @receiver)]))
  name: (field_identifier) @name) @definition.method
; A lone `type X ...` is defined by the whole declaration, so that its signature keeps `type`;
; in a `type ( ... )` group each spec is a definition of its own.
((type_declaration (type_spec name: (type_identifier) @name type: (struct_type))) @definition.struct
  (#not-match? @definition.struct "^type\\s*\\("))
((type_declaration (type_spec name: (type_identifier) @name type: (interface_type))) @definition.interface
  (#not-match? @definition.interface "^type\\s*\\("))
((type_declaration (type_spec name: (type_identifier) @name
    type: [(type_identifier) (qualified_type) (function_type) (map_type) (slice_type) (generic_type)])) @definition.type
  (#not-match? @definition.type "^type\\s*\\("))
(type_declaration "(" (type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct)
(type_declaration "(" (type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface)
(type_declaration "(" (type_spec name: (type_identifier) @name
  type: [(type_identifier) (qualified_type) (function_type) (map_type) (slice_type) (generic_type)]) @definition.type)

(call_expression function: [(identifier) (selector_expression)] @name) @reference.call
(import_spec path: (interpreted_string_literal) @name) @reference.import
(struct_type (field_declaration_list (field_declaration !name type: [(type_identifier) (qualified_type) (pointer_type)] @name))) @reference.inherit
