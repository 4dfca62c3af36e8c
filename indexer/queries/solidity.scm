(contract_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(library_declaration name: (identifier) @name) @definition.module
(function_definition name: (identifier) @name) @definition.function
(modifier_definition name: (identifier) @name) @definition.function
(event_definition name: (identifier) @name) @definition.event
(error_declaration name: (identifier) @name) @definition.error
(struct_declaration name: (identifier) @name) @definition.struct
(enum_declaration name: (identifier) @name) @definition.enum

(call_expression function: (expression [(identifier) (member_expression)] @name)) @reference.call
(emit_statement name: (expression (identifier) @name)) @reference.call
(modifier_invocation (identifier) @name) @reference.call
(import_directive source: (string) @name) @reference.import
(inheritance_specifier ancestor: (user_defined_type) @name) @reference.inherit
