; Read for both `.ml` (grammar ocaml) and `.mli` (ocaml_interface). Only a structure's or a file's own
; `let` defines: a `let ... in` inside an expression is local. A binding is a function when it takes
; parameters, is a `fun`/`function`, is typed as one or names another (`let map = List.map`); plain
; values (`let pi = 3.14`, `let src = Logs.Src.create "x"`) are not symbols.
; Each `let_binding` is its own definition, so `let rec even n = ... and odd n = ...` gives both.
((compilation_unit (_ (let_binding pattern: [(value_name) @name (parenthesized_operator (_) @name)]
  [(parameter) body: (fun_expression) body: (function_expression) body: (value_path)
   type: (function_type) type: (polymorphic_type)]) @definition.function))
 (#not-match? @name "^_$"))
((structure (value_definition (let_binding pattern: [(value_name) @name (parenthesized_operator (_) @name)]
  [(parameter) body: (fun_expression) body: (function_expression) body: (value_path)
   type: (function_type) type: (polymorphic_type)]) @definition.function))
 (#not-match? @name "^_$"))
; `val area : shape -> float` in an `.mli` or a `sig`; in a `module type` it becomes a method.
(value_specification [(value_name) @name (parenthesized_operator (_) @name)]
  type: [(function_type) (polymorphic_type type: (function_type)) (parenthesized_type (function_type))]) @definition.function
(external [(value_name) @name (parenthesized_operator (_) @name)]) @definition.function
; ppx_inline_test and ppx_expect: `let%test "adds" = ...`, `let%expect_test "prints" = ...`.
((value_definition (attribute_id) @_ppx (let_binding pattern: (string) @name))
  (#any-of? @_ppx "test" "test_unit" "expect_test" "test_module")) @definition.test

; Variants, records, aliases and abstract types alike; `type t += A` extends t, it does not define it.
(type_binding name: (type_constructor) @name) @definition.type
(exception_definition (constructor_declaration . (constructor_name) @name)) @definition.type
; `module Geo = struct ... end`, functors and `module M : sig ... end`; not `let module M = ... in`.
(compilation_unit (module_definition (module_binding (module_name) @name) @definition.module))
(structure (module_definition (module_binding (module_name) @name) @definition.module))
(signature (module_definition (module_binding (module_name) @name) @definition.module))
(module_type_definition (module_type_name) @name) @definition.interface
(class_binding (class_name) @name) @definition.class
(class_type_binding (class_type_name) @name) @definition.interface
(method_definition (method_name) @name) @definition.method
(method_specification (method_name) @name) @definition.method

; `Geo.area s` is named `Geo.area`; a constructor (`Circle r`) is no call.
(application_expression function: (value_path) @name) @reference.call
(infix_expression operator: (rel_operator) @_op right: (value_path) @name (#eq? @_op "|>")) @reference.call
(infix_expression left: (value_path) @name operator: (concat_operator) @_op (#eq? @_op "@@")) @reference.call
(method_invocation method: (method_name) @name) @reference.call
; A functor's application, `module M = Make (X)`, calls it.
(module_application functor: (module_path) @name) @reference.call
; `open M`, `open! M`, `let open M in` and `M.(expr)`.
(open_module module: (_) @name) @reference.import
(local_open_expression . (module_path) @name) @reference.import
; `include M` takes in all of M, as a mixin does; `inherit c` in a class.
(include_module module: [(module_path) @name (module_application functor: (module_path) @name)]) @reference.inherit
; `include S with type t := u` and `include module type of M` in a signature.
(include_module_type module_type: [(module_type_path) @name (module_type_of module: (_) @name)
  (module_type_constraint module_type: [(module_type_path) @name (module_type_of module: (_) @name)])]) @reference.inherit
(inheritance_definition class: (class_path) @name) @reference.inherit
