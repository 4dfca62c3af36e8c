; A class is declared by its @interface (in the header) and defined by its @implementation; a method
; is named by its selector's first part (`circleWithRadius:` is circleWithRadius).
(class_interface . (identifier) @name) @definition.class
(class_implementation . (identifier) @name) @definition.class
(protocol_declaration . (identifier) @name) @definition.interface
(method_declaration (method_type) . (identifier) @name) @definition.method
(method_definition (method_type) . (identifier) @name) @definition.method
(function_definition declarator: (function_declarator declarator: (identifier) @name)) @definition.function
(struct_specifier name: (type_identifier) @name body: (_)) @definition.struct
(enum_specifier name: (type_identifier) @name body: (_)) @definition.enum

(message_expression . receiver: (_) . method: (identifier) @name) @reference.call
(call_expression function: (identifier) @name) @reference.call
(preproc_include path: [(string_literal (string_content) @name) (system_lib_string) @name]) @reference.import
(class_interface superclass: (identifier) @name) @reference.inherit
(class_interface (parameterized_arguments (type_name (type_identifier) @name))) @reference.inherit
(protocol_declaration (protocol_reference_list (identifier) @name)) @reference.inherit
