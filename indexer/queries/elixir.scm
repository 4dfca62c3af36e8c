; Elixir defines by calling macros: `defmodule Geo.Circle do`, `def area(shape) do`, `defp`, `defmacro`.
(call target: (identifier) @_macro (arguments . (alias) @name)
  (#any-of? @_macro "defmodule" "defimpl")) @definition.module
(call target: (identifier) @_macro (arguments . (alias) @name)
  (#any-of? @_macro "defprotocol")) @definition.interface
(call target: (identifier) @_macro
  (arguments . [
    (identifier) @name
    (call target: (identifier) @name)
    (binary_operator left: (call target: (identifier) @name) operator: "when")])
  (#any-of? @_macro "def" "defp" "defmacro" "defmacrop" "defguard" "defguardp" "defdelegate")) @definition.function

(call target: (dot left: (alias) right: (identifier)) @name) @reference.call
; A call of a local function; the macros that define and import are not calls of the project's code.
(call target: (identifier) @name
  (#not-match? @name "^(def|defp|defmacro|defmacrop|defguard|defguardp|defdelegate|defmodule|defimpl|defprotocol|defstruct|defexception|import|alias|require|use)$")) @reference.call
(call target: (identifier) @_directive (arguments . (alias) @name)
  (#any-of? @_directive "import" "alias" "require" "use")) @reference.import
