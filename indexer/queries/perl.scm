; `package Geometry::Circle;` holds the subs after it, up to the next package; `package Name { ... }` its block.
(package_statement name: (package) @name ";") @definition.module @open
(package_statement name: (package) @name (block)) @definition.module
; A forward declaration (`sub as_string;`) is no definition; the grammar may hand it the rest of the file.
((subroutine_declaration_statement name: (bareword) @name body: (block) @_body) (#match? @_body "^\\{"))
  @definition.function

(function_call_expression function: (function) @name) @reference.call
(ambiguous_function_call_expression function: (function) @name) @reference.call
(method_call_expression method: (method) @name) @reference.call
(use_statement module: (package) @name) @reference.import
(require_expression (bareword) @name) @reference.import
((use_statement module: (package) @_base (string_literal (string_content) @name))
  (#any-of? @_base "parent" "base")) @reference.inherit
