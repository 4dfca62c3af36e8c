(class_definition name: (identifier) @name) @definition.class
(object_definition name: (identifier) @name) @definition.class
(trait_definition name: (identifier) @name) @definition.trait
(function_definition name: (identifier) @name) @definition.function

(extends_clause type: (_) @name) @reference.inherit
(call_expression function: [(identifier) (field_expression)] @name) @reference.call
; The grammar has no node for the dotted path: each segment is an @name (up to eight; quantifiers
; and fields here match one segment at a time), and the parser joins them with dots.
; `import a.b`, `import a.b._`, `import a.{b, c}`: the path, up to any selectors.
(import_declaration . (identifier) @name . (identifier)? @name . (identifier)? @name . (identifier)? @name
  . (identifier)? @name . (identifier)? @name . (identifier)? @name . (identifier)? @name
  . [(namespace_selectors) (namespace_wildcard)]? .) @reference.import
; `import a.b as c`, `import a.{b => c}`, `import a.{b as c}`: the real name, a.b (not a hidden `b => _`).
(import_declaration . (identifier) @name . (identifier)? @name . (identifier)? @name . (identifier)? @name
  . (identifier)? @name . (identifier)? @name . (identifier)? @name . (identifier)? @name
  . [(as_renamed_identifier name: (identifier) @name)
     (namespace_selectors [(arrow_renamed_identifier name: (identifier) @name alias: (identifier))
                           (as_renamed_identifier name: (identifier) @name alias: (identifier))])]) @reference.import
