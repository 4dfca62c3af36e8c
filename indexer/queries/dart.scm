; Dart's grammar keeps a function's or method's body beside its signature, not inside it: `@body`
; extends the definition over it.
(class_definition name: (identifier) @name) @definition.class
(mixin_declaration (identifier) @name) @definition.class
(enum_declaration name: (identifier) @name) @definition.enum
(extension_declaration name: (identifier) @name) @definition.class
; `extension on Circle { ... }` adds to Circle, as a Swift extension does.
(extension_declaration !name class: (type_identifier) @name) @scope
((function_signature name: (identifier) @name) @definition.function . (function_body) @body)
((method_signature [(function_signature name: (identifier) @name) (getter_signature name: (identifier) @name)
                    (setter_signature name: (identifier) @name)]) @definition.function . (function_body) @body)
(declaration (function_signature name: (identifier) @name)) @definition.function
(declaration (constructor_signature name: (identifier) @name)) @definition.function

; A call is a name followed by its arguments: `print(x)`, `shapes.map(f)`.
((identifier) @name @reference.call . (selector (argument_part)))
((selector (unconditional_assignable_selector (identifier) @name @reference.call)) . (selector (argument_part)))
(import_specification (configurable_uri (uri (string_literal) @name))) @reference.import
(superclass (type_identifier) @name) @reference.inherit
