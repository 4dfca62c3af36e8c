(class name: (_) @name) @definition.class
(module name: (_) @name) @definition.module
(method name: (_) @name) @definition.method
(singleton_method name: (_) @name) @definition.method

(class superclass: (superclass (_) @name)) @reference.inherit
(call method: (identifier) @name) @reference.call
(call method: (identifier) @_m arguments: (argument_list (string (string_content) @name)) (#match? @_m "^require")) @reference.import
