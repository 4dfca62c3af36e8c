; A function's equations are each a definition of its name (`area (Circle r) = ...`, `area (Rect w h) = ...`);
; a class's signatures are its methods; an instance is a scope, so `instance HasArea Shape` defines on Shape.
(function name: (variable) @name) @definition.function
(bind name: (variable) @name) @definition.function
(class name: (name) @name) @definition.interface
(class_declarations (signature name: (variable) @name) @definition.method)
(instance patterns: (type_patterns . [(name) (qualified)] @name)) @scope
; `instance ToJSON (Either a b)` defines on Either.
(instance patterns: (type_patterns . (parens type: (apply constructor: [(name) (qualified)] @name)))) @scope
(instance patterns: (type_patterns . (parens type: (apply constructor: (apply constructor: [(name) (qualified)] @name))))) @scope
(instance patterns: (type_patterns
  . (parens type: (apply constructor: (apply constructor: (apply constructor: [(name) (qualified)] @name)))))) @scope
(data_type name: (name) @name) @definition.type
(newtype name: (name) @name) @definition.type
(type_synomym name: (name) @name) @definition.type
(type_family name: (name) @name) @definition.type

(apply function: [(variable) (qualified)] @name) @reference.call
(infix left_operand: (_) operator: (infix_id [(variable) (qualified)] @name)) @reference.call
(import module: (module) @name) @reference.import
(instance name: (name) @name) @reference.inherit
