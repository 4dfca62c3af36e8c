; One node, class_declaration, holds classes, structs, actors, enums and extensions; its keyword tells them apart.
(class_declaration declaration_kind: ["class" "actor"] name: (type_identifier) @name) @definition.class
(class_declaration declaration_kind: "struct" name: (type_identifier) @name) @definition.struct
(class_declaration declaration_kind: "enum" name: (type_identifier) @name) @definition.enum
; `extension Circle { ... }` adds to Circle: its members are Circle's, as a Rust impl's are.
(class_declaration declaration_kind: "extension" name: (user_type (type_identifier) @name)) @scope
(protocol_declaration name: (type_identifier) @name) @definition.interface
(function_declaration name: (simple_identifier) @name) @definition.function
(protocol_function_declaration name: (simple_identifier) @name) @definition.function
(init_declaration "init" @name) @definition.function
(typealias_declaration name: (type_identifier) @name) @definition.type

(call_expression . (simple_identifier) @name) @reference.call
; `shapes.map(...)` calls shapes.map; in a chain, `a.b().c()`, the call is known by its name, `c`.
(call_expression . (navigation_expression target: [(simple_identifier) (self_expression)]) @name) @reference.call
(call_expression . (navigation_expression target: (_) @_target suffix: (navigation_suffix suffix: (simple_identifier) @name))
  (#not-match? @_target "^[\\w$]+$")) @reference.call
(import_declaration (identifier) @name) @reference.import
(inheritance_specifier inherits_from: (user_type) @name) @reference.inherit
