(function_declaration name: (identifier) @name) @definition.function
; `function M.new()` and `function M:area()` define on the table M; so does `M.helper = function() end`.
(function_declaration name: (dot_index_expression table: (_) @receiver field: (identifier) @name)) @definition.method
(function_declaration name: (method_index_expression table: (_) @receiver method: (identifier) @name)) @definition.method
(assignment_statement
  (variable_list . name: (dot_index_expression table: (_) @receiver field: (identifier) @name) .)
  (expression_list . value: (function_definition) .)) @definition.method
(assignment_statement
  (variable_list . name: (identifier) @name .)
  (expression_list . value: (function_definition) .)) @definition.function

(function_call name: [(identifier) (dot_index_expression)] @name) @reference.call
; `s:area()` calls s.area (with s as self); a method of a longer expression is known by its name.
(function_call name: (method_index_expression table: (identifier) @name method: (identifier) @name)) @reference.call
(function_call name: (method_index_expression table: (_) @_table method: (identifier) @name)
  (#not-match? @_table "^\\w+$")) @reference.call
((function_call name: (identifier) @_require arguments: (arguments . (string content: (string_content) @name)))
  (#eq? @_require "require")) @reference.import
