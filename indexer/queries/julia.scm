(module_definition name: (identifier) @name) @definition.module
; `function area(c)`, `function area(c)::Float64`, `function area(c::T) where T`, `function Base.show(io, c)`
(function_definition (signature (call_expression . [(identifier) (field_expression)] @name))) @definition.function
(function_definition (signature [(typed_expression . (call_expression . [(identifier) (field_expression)] @name))
                                  (where_expression . (call_expression . [(identifier) (field_expression)] @name))])) @definition.function
(assignment . (call_expression . [(identifier) (field_expression)] @name) (operator) @_eq (#eq? @_eq "=")) @definition.function
(macro_definition (signature (call_expression . (identifier) @name))) @definition.macro
(struct_definition (type_head [(identifier) @name
                               (parametrized_type_expression . (identifier) @name)
                               (binary_expression . [(identifier) @name (parametrized_type_expression . (identifier) @name)])])) @definition.struct
(abstract_definition (type_head [(identifier) @name (binary_expression . (identifier) @name)])) @definition.type

(call_expression . [(identifier) (field_expression)] @name) @reference.call
(using_statement [(identifier) @name (import_path) @name (selected_import . [(identifier) (import_path)] @name)]) @reference.import
(import_statement [(identifier) @name (import_path) @name (selected_import . [(identifier) (import_path)] @name)]) @reference.import
(struct_definition (type_head (binary_expression (operator) . [(identifier) (parametrized_type_expression . (identifier))] @name))) @reference.inherit
