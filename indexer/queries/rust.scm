(struct_item name: (type_identifier) @name) @definition.struct
(enum_item name: (type_identifier) @name) @definition.enum
(trait_item name: (type_identifier) @name) @definition.trait
(union_item name: (type_identifier) @name) @definition.struct
(type_item name: (type_identifier) @name) @definition.type
(function_item name: (identifier) @name) @definition.function
(function_signature_item name: (identifier) @name) @definition.function
(mod_item name: (identifier) @name) @definition.module
(macro_definition name: (identifier) @name) @definition.macro
(impl_item type: [(type_identifier) (generic_type type: (type_identifier)) (scoped_type_identifier)] @name) @scope

(impl_item trait: (_) @name) @reference.inherit
(call_expression function: [(identifier) (field_expression) (scoped_identifier)] @name) @reference.call
(macro_invocation macro: (_) @name) @reference.call
(use_declaration argument: (_) @name) @reference.import
