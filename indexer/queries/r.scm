; `area <- function(r) ...` (or `=`, `<<-`); inside a class's `methods = list(...)`, a named argument that
; is a function is a method; elsewhere it is a function of that name.
(binary_operator lhs: (identifier) @name rhs: (function_definition)) @definition.function
(argument name: (identifier) @name value: (function_definition)) @definition.function
; Reference classes and R6 (`Circle <- R6Class("Circle", ...)`), S4 (`setClass("Circle", ...)`).
(binary_operator lhs: (identifier) @name
  rhs: (call function: (identifier) @_make) (#any-of? @_make "setRefClass" "R6Class")) @definition.class
(call function: (identifier) @_make arguments: (arguments . (argument value: (string (string_content) @name)))
  (#eq? @_make "setClass")) @definition.class
(call function: (identifier) @_make arguments: (arguments . (argument value: (string (string_content) @name)))
  (#eq? @_make "setGeneric")) @definition.function
(call function: (identifier) @_make
  arguments: (arguments . (argument value: (string (string_content) @name)) . (comma)
                          . (argument value: (string (string_content) @receiver)))
  (#eq? @_make "setMethod")) @definition.method

(call function: [(identifier) (namespace_operator rhs: (identifier))] @name) @reference.call
(call function: (extract_operator rhs: (identifier) @name)) @reference.call
((call function: (identifier) @_load arguments: (arguments . (argument value: [(identifier) (string (string_content))] @name)))
  (#any-of? @_load "library" "require" "requireNamespace" "source")) @reference.import
