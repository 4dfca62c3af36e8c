; A script is a class: `class_name Player` names the whole file (the `source` node), so `extends`
; and members above the line are Player's too; a script without it has top-level functions.
(source (class_name_statement name: (name) @name)) @definition.class
(class_definition name: (name) @name) @definition.class
(function_definition name: (name) @name) @definition.function
(constructor_definition "_init" @name) @definition.function
; A signal is part of the class's interface, declared with parameters: a method (kind from nesting).
(signal_statement name: (name) @name) @definition.function
(enum_definition name: (name) @name) @definition.enum
; `const Bullet = preload("res://bullet.gd")` names a script or scene as a class_name does; plain
; value constants are left out.
(const_statement name: (name) @name value: (call . (identifier) @_f (#any-of? @_f "preload" "load"))) @definition.type

(extends_statement [(type) (string)] @name) @reference.inherit
; `preload("res://x.gd")` is an import (below), not a call.
(call . (identifier) @name (#not-eq? @name "preload")) @reference.call
; `obj.foo()` and `a.b.foo()` by their dotted name; `Foo.new()` constructs Foo. (A quantified
; `(identifier)+` between anchors does not match in this tree-sitter, hence one pattern per length.)
(attribute . (identifier) @name . (attribute_call . (identifier) @name @_m) (#not-eq? @_m "new")) @reference.call
(attribute . (identifier) @name . (identifier) @name . (attribute_call . (identifier) @name @_m) (#not-eq? @_m "new")) @reference.call
(attribute . (identifier) @name . (attribute_call . (identifier) @_m) (#eq? @_m "new")) @reference.call
(attribute . (identifier) @name . (identifier) @name . (attribute_call . (identifier) @_m) (#eq? @_m "new")) @reference.call
; In a chain, `get_node("x").show()`, `$Sprite.play()`, `a.b().c()`, `a.b.c.d()`, the call is known by its name.
(attribute (_) @_prev . (attribute_call . (identifier) @name) (#not-match? @_prev "^[A-Za-z_]\\w*$")) @reference.call
(attribute (_) @_prev (identifier) . (attribute_call . (identifier) @name) (#not-match? @_prev "^[A-Za-z_]\\w*$")) @reference.call
(attribute . (identifier) . (identifier) . (identifier) (attribute_call . (identifier) @name)) @reference.call
(call . (identifier) @_f . (arguments . (string) @name) (#any-of? @_f "preload" "load")) @reference.import
