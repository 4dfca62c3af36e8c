; Class fields that hold a function: `handle = (e) => {...}`.
(field_definition property: (property_identifier) @name value: [(arrow_function) (function_expression)]) @definition.method

(class_heritage (_) @name) @reference.inherit
