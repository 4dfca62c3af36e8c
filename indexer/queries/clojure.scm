; Clojure is s-expressions: a definition is a list whose first symbol is a def-form. A name is the
; symbol's `sym_name`, without its `^:private` metadata or a `ns/` qualifier (`(defmethod ig/init-key ...)`).
; `(ns geo.shapes ...)` does not enclose what follows it, and every form is a `list_lit`, so `@open`
; would end it at the next form: the file (`source`) is the namespace's module instead.
(source (list_lit . (sym_lit) @_ns . (sym_lit name: (sym_name) @name) (#eq? @_ns "ns"))) @definition.module

(list_lit . (sym_lit) @_def . (sym_lit name: (sym_name) @name)
  (#any-of? @_def "defn" "defn-" "defmulti")) @definition.function
(list_lit . (sym_lit) @_def . (sym_lit name: (sym_name) @name) (#eq? @_def "defmacro")) @definition.macro
; A multimethod's implementation is named by the multimethod, as its callers name it.
(list_lit . (sym_lit) @_def . (sym_lit name: (sym_name) @name) (#eq? @_def "defmethod")) @definition.method
(list_lit . (sym_lit) @_def . (sym_lit name: (sym_name) @name)
  (#any-of? @_def "defprotocol" "definterface")) @definition.interface
(list_lit . (sym_lit) @_def . (sym_lit name: (sym_name) @name) (#eq? @_def "defrecord")) @definition.struct
(list_lit . (sym_lit) @_def . (sym_lit name: (sym_name) @name) (#eq? @_def "deftype")) @definition.class
(list_lit . (sym_lit) @_def . (sym_lit name: (sym_name) @name) (#eq? @_def "deftest")) @definition.test
; `(def area (fn [r] ...))`, `(def area "Doc." #(...))`: a function by value; a plain `(def x 1)` is data.
(list_lit . (sym_lit) @_def . (sym_lit name: (sym_name) @name) . (str_lit)?
  . (list_lit . (sym_lit) @_fn) . (#eq? @_def "def")
  (#any-of? @_fn "fn" "fn*" "memoize" "partial" "comp" "complement" "juxt" "some-fn" "every-pred")) @definition.function
(list_lit . (sym_lit) @_def . (sym_lit name: (sym_name) @name) . (str_lit)? . (anon_fn_lit) .
  (#eq? @_def "def")) @definition.function

; A protocol's or interface's method signatures, and a record's or type's implementations: `(area [this])`.
(list_lit . (sym_lit) @_def . (sym_lit) (list_lit . (sym_lit name: (sym_name) @name)) @definition.method
  (#any-of? @_def "defprotocol" "definterface" "defrecord" "deftype"))
; `(extend-type String Shape (area [s] ...))` and `(extend-protocol Shape String (area [s] ...) nil ...)`:
; the methods are the type's, the nearest type before them in extend-protocol.
(list_lit . (sym_lit) @_def . [(sym_lit) (nil_lit)] @receiver (list_lit . (sym_lit name: (sym_name) @name)) @definition.method
  (#eq? @_def "extend-type"))
(list_lit . (sym_lit) @_def . (sym_lit) [(sym_lit) (nil_lit)] @receiver . [(list_lit) (comment)]*
  . (list_lit . (sym_lit name: (sym_name) @name)) @definition.method (#eq? @_def "extend-protocol"))

(list_lit . (sym_lit) @_def . (sym_lit) . (vec_lit) (sym_lit) @name
  (#any-of? @_def "defrecord" "deftype")) @reference.inherit

; A call is the first symbol of a list or `#(...)`, as written (`str/join`; the index's short name is `join`),
; but not a special form, def-form or binding or control macro, which read as syntax, nor an operator
; (`->`, `+`), nor a dotted name without `/` (`java.util` heading an import list; `Foo.` and `.foo` are calls).
([(list_lit . (sym_lit !meta) @name) (anon_fn_lit . (sym_lit !meta) @name)]
  (#not-match? @name "^[-+*/<>=!.]+$")
  (#not-match? @name "^[^./][^/]*[.][^/]*[^./]$")
  (#not-match? @name "^(def|defn-?|defmacro|defmulti|defmethod|defprotocol|defrecord|deftype|definterface|defonce|defstruct|deftest)$")
  (#not-match? @name "^(ns|in-ns|require|use|import|refer|refer-clojure|comment|extend|extend-type|extend-protocol|reify|proxy)$")
  (#not-match? @name "^(if|do|let|letfn|quote|var|fn|loop|recur|throw|try|catch|finally|monitor-enter|monitor-exit|new|set!)$")
  (#not-match? @name "^(let|fn|loop|letfn|case|reify|deftype|import)[*]$")
  (#not-match? @name "^(if-not|if-let|if-some|when|when-not|when-let|when-some|when-first|cond|condp|case|and|or)$")
  (#not-match? @name "^(binding|with-open|doseq|dotimes|for|as->|some->>?|cond->>?|doto)$")) @reference.call

; `(ns a (:require [b.c :as d] e.f ["react" :as r] #?(:clj [g.h]) (i [j :as k])) (:import (java.util Date) java.io.File))`
; and a script's `(require '[b.c :as d])`, `(import '(java.util Date))`: a prefix list's parts are joined
; with dots (`i.j`, `java.util.Date`).
(list_lit . (sym_lit) @_ns (list_lit . (kwd_lit) @_key [
    (sym_lit) @name (str_lit) @name (vec_lit . [(sym_lit) (str_lit)] @name)
    (read_cond_lit [(sym_lit) @name (vec_lit . [(sym_lit) (str_lit)] @name)])
    (splicing_read_cond_lit (vec_lit [(sym_lit) @name (vec_lit . [(sym_lit) (str_lit)] @name)]))
    (list_lit . (sym_lit) @name [(sym_lit) @name (vec_lit . (sym_lit) @name)])])
  (#eq? @_ns "ns") (#any-of? @_key ":require" ":use" ":require-macros" ":use-macros")) @reference.import
(list_lit . (sym_lit) @_ns (list_lit . (kwd_lit) @_key [
    (sym_lit) @name (list_lit . (sym_lit) @name (sym_lit) @name) (vec_lit . (sym_lit) @name (sym_lit) @name)])
  (#eq? @_ns "ns") (#eq? @_key ":import")) @reference.import
(list_lit . (sym_lit) @_req (quoting_lit [(sym_lit) @name (vec_lit . (sym_lit) @name)])
  (#any-of? @_req "require" "use")) @reference.import
(list_lit . (sym_lit) @_imp (quoting_lit [
    (sym_lit) @name (list_lit . (sym_lit) @name (sym_lit) @name) (vec_lit . (sym_lit) @name (sym_lit) @name)])
  (#eq? @_imp "import")) @reference.import
