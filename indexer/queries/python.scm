(class_definition name: (identifier) @name) @definition.class
(function_definition name: (identifier) @name) @definition.function

(class_definition superclasses: (argument_list [(identifier) (attribute)] @name)) @reference.inherit
(call function: [(identifier) (attribute)] @name) @reference.call
(import_statement name: [(dotted_name) @name (aliased_import name: (dotted_name) @name)]) @reference.import
(import_from_statement module_name: [(dotted_name) (relative_import)] @name) @reference.import
