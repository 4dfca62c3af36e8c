(function_statement (function_name) @name) @definition.function
(class_statement . (simple_name) @name) @definition.class
(class_method_definition (simple_name) @name) @definition.method
(enum_statement . (simple_name) @name) @definition.enum

(command command_name: (command_name) @name) @reference.call
(invokation_expression (member_name) @name) @reference.call
((command command_name: (command_name) @_import command_elements: (command_elements (generic_token) @name))
  (#match? @_import "^([Ii]mport-[Mm]odule|using)$")) @reference.import
(command (command_invokation_operator) command_name: (command_name_expr) @name) @reference.import
(class_statement . (simple_name) (simple_name) @name) @reference.inherit
