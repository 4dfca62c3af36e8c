; What JavaScript, TypeScript and TSX share (languages.py reads this file before each one's own).
(class_declaration name: (_) @name) @definition.class
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(method_definition name: (_) @name) @definition.method
(variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @definition.function
; An object literal's functions, named by the variable that holds it: `const utils = {parse(s) {...},
; format: function (v) {...}}` defines `utils.parse` and `utils.format`; in `module.exports = {...}`
; or an argument, the bare name. An arrow function is one with a body: `{onClick: () => go(1)}` is a
; callback, not a definition worth its own chunk.
(pair key: (property_identifier) @name value: [(function_expression) (arrow_function body: (statement_block))]) @definition.method
(variable_declarator name: (identifier) @name value: (object)) @scope
; Methods defined by assignment, named as a class's are: `res.send = function send(body) {...}` is
; `res.send`, `Router.prototype.route = ...` is `Router.route`, `app.response.shout = ...` is
; `response.shout`, and `this.go = ...` in a constructor is its `go`. `module.exports = function ...`
; exports, and names nothing of its own.
(expression_statement (assignment_expression
  left: (member_expression object: (identifier) @receiver property: (property_identifier) @name)
  right: [(function_expression) (arrow_function)]) (#not-eq? @receiver "module")) @definition.method
(expression_statement (assignment_expression
  left: (member_expression
    object: (member_expression object: (identifier) @receiver property: (property_identifier) @_prototype)
    property: (property_identifier) @name)
  right: [(function_expression) (arrow_function)]) (#eq? @_prototype "prototype")) @definition.method
(expression_statement (assignment_expression
  left: (member_expression
    object: (member_expression property: (property_identifier) @receiver)
    property: (property_identifier) @name)
  right: [(function_expression) (arrow_function)]) (#not-eq? @receiver "prototype")) @definition.method
(expression_statement (assignment_expression
  left: (member_expression object: (this) property: (property_identifier) @name)
  right: [(function_expression) (arrow_function)])) @definition.method

(call_expression function: [(identifier) (member_expression)] @name) @reference.call
(new_expression constructor: [(identifier) (member_expression)] @name) @reference.call
(import_statement source: (string (string_fragment) @name)) @reference.import
(call_expression function: (identifier) @_req arguments: (arguments (string (string_fragment) @name)) (#eq? @_req "require")) @reference.import
