(class_declaration name: (_) @name) @definition.class
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(method_definition name: (_) @name) @definition.method
(variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @definition.function

(class_heritage (_) @name) @reference.inherit
(call_expression function: [(identifier) (member_expression)] @name) @reference.call
(new_expression constructor: [(identifier) (member_expression)] @name) @reference.call
(import_statement source: (string (string_fragment) @name)) @reference.import
(call_expression function: (identifier) @_req arguments: (arguments (string (string_fragment) @name)) (#eq? @_req "require")) @reference.import
