(class_definition name: (identifier) @name) @definition.class
(object_definition name: (identifier) @name) @definition.class
(trait_definition name: (identifier) @name) @definition.trait
(function_definition name: (identifier) @name) @definition.function

(extends_clause type: (_) @name) @reference.inherit
(call_expression function: [(identifier) (field_expression)] @name) @reference.call
; The grammar has no node for the dotted path: each segment is an @name (up to eight; quantifiers
; and fields here match one segment at a time), and the parser spans them.
(import_declaration . (identifier) @name . (identifier)? @name . (identifier)? @name . (identifier)? @name
  . (identifier)? @name . (identifier)? @name . (identifier)? @name . (identifier)? @name) @reference.import
