; `-module(cowboy_req).` holds the forms after it: its functions are `cowboy_req.reply`, as Erlang calls them.
(module_attribute name: (atom) @name) @definition.module @open

; The grammar makes each clause of a function a `fun_decl` of its own, ended by `;` or, the last, by `.`:
; a function is its first clause, its range reaching to the last as @body. Its `-spec` right above belongs
; to it (and holds its doc comment, and its types for the signature).
((spec fun: (atom) @_spec) @definition.function . (comment)*
  . (fun_decl clause: (function_clause name: (atom) @name) ".") @body
  (#eq? @_spec @name))
((spec fun: (atom) @_spec) @definition.function . (comment)*
  . (fun_decl clause: (function_clause name: (atom) @name) ";")
  . [(fun_decl ";") (comment)]*
  . (fun_decl clause: (function_clause name: (atom) @_last) ".") @body
  (#eq? @_spec @name) (#eq? @name @_last))
; Else a first clause is one after no clause ending `;`, nor its spec (nor comments after those).
((_) @_before . (comment)*
  . (fun_decl clause: (function_clause name: (atom) @name) ".") @definition.function
  (#not-match? @_before "^(%|-spec)|;$"))
((_) @_before . (comment)*
  . (fun_decl clause: (function_clause name: (atom) @name) ";") @definition.function
  . [(fun_decl ";") (comment)]*
  . (fun_decl clause: (function_clause name: (atom) @_last) ".") @body
  (#not-match? @_before "^(%|-spec)|;$") (#eq? @name @_last))
((spec fun: (atom) @_spec) . (comment)*
  . (fun_decl clause: (function_clause name: (atom) @name) ".") @definition.function
  (#not-eq? @_spec @name))
((spec fun: (atom) @_spec) . (comment)*
  . (fun_decl clause: (function_clause name: (atom) @name) ";") @definition.function
  . [(fun_decl ";") (comment)]*
  . (fun_decl clause: (function_clause name: (atom) @_last) ".") @body
  (#not-eq? @_spec @name) (#eq? @name @_last))
(source_file . (comment)*
  . (fun_decl clause: (function_clause name: (atom) @name) ".") @definition.function)
(source_file . (comment)*
  . (fun_decl clause: (function_clause name: (atom) @name) ";") @definition.function
  . [(fun_decl ";") (comment)]*
  . (fun_decl clause: (function_clause name: (atom) @_last) ".") @body
  (#eq? @name @_last))

(record_decl name: (atom) @name) @definition.struct
(type_alias name: (type_name name: (atom) @name)) @definition.type
(opaque name: (type_name name: (atom) @name)) @definition.type
(nominal name: (type_name name: (atom) @name)) @definition.type
; A behaviour module's `-callback`s are what its implementers must define.
(callback fun: (atom) @name) @definition.method
(pp_define lhs: (macro_lhs name: (_) @name)) @definition.macro

; `m:f(X)` is named `m.f`; `?MODULE:f(X)` is a local call. A call whose module is a variable names no module.
(call expr: (remote module: (remote_module module: (atom) @name) fun: (atom) @name)) @reference.call
(call expr: (remote module: (remote_module module: (macro_call_expr name: (_) @_m)) fun: (atom) @name)
  (#eq? @_m "MODULE")) @reference.call
; Types in specs and records are calls to the grammar (`float()`): the built-in ones are no code's.
((call expr: (atom) @name) @reference.call
  (#not-match? @name "^(any|none|no_return|term|dynamic|atom|binary|bitstring|nonempty_binary|nonempty_bitstring|boolean|bool|byte|char|float|integer|number|non_neg_integer|pos_integer|neg_integer|pid|port|reference|tuple|list|nonempty_list|maybe_improper_list|nonempty_maybe_improper_list|nonempty_improper_list|string|nonempty_string|iodata|iolist|map|fun|function|module|mfa|node|timeout|arity|identifier|nil)$"))
(internal_fun fun: (atom) @name) @reference.call
(external_fun module: (module name: (atom) @name) fun: (atom) @name) @reference.call
((macro_call_expr name: (_) @name) @reference.call
  (#not-match? @name "^(MODULE|MODULE_STRING|FILE|LINE|MACHINE|FUNCTION_NAME|FUNCTION_ARITY|OTP_RELEASE)$"))

(pp_include file: (string) @name) @reference.import
(pp_include_lib file: (string) @name) @reference.import
(import_attribute module: (atom) @name) @reference.import
(behaviour_attribute name: (atom) @name) @reference.inherit
