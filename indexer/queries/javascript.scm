(class_declaration name: (_) @name) @definition.class
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(method_definition name: (_) @name) @definition.method
(variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @definition.function
; CommonJS and prototype methods: `res.send = function send(body) {...}`, `Router.prototype.route = ...`.
; `module.exports = function ...` exports, and names nothing of its own.
(expression_statement (assignment_expression left: (member_expression) @name right: [(function_expression) (arrow_function)])
  (#not-eq? @name "module.exports")) @definition.method
; Class fields that hold a function: `handle = (e) => {...}`.
(field_definition property: (property_identifier) @name value: [(arrow_function) (function_expression)]) @definition.method

(class_heritage (_) @name) @reference.inherit
(call_expression function: [(identifier) (member_expression)] @name) @reference.call
(new_expression constructor: [(identifier) (member_expression)] @name) @reference.call
(import_statement source: (string (string_fragment) @name)) @reference.import
(call_expression function: (identifier) @_req arguments: (arguments (string (string_fragment) @name)) (#eq? @_req "require")) @reference.import
