(class_definition name: (identifier) @name) @definition.class
(object_definition name: (identifier) @name) @definition.class
(trait_definition name: (identifier) @name) @definition.trait
(function_definition name: (identifier) @name) @definition.function

(extends_clause type: (_) @name) @reference.inherit
(call_expression function: [(identifier) (field_expression)] @name) @reference.call
(import_declaration path: (_) @name) @reference.import
