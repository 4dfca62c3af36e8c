(class_declaration (type_identifier) @name) @definition.class
(object_declaration (type_identifier) @name) @definition.class
(function_declaration (simple_identifier) @name) @definition.function

(delegation_specifier (user_type (type_identifier) @name)) @reference.inherit
(delegation_specifier (constructor_invocation (user_type (type_identifier) @name))) @reference.inherit
(call_expression [(simple_identifier) (navigation_expression)] @name) @reference.call
(import_header (identifier) @name) @reference.import
