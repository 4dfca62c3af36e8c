(function_definition declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name) (destructor_name)] @name)) @definition.function
(function_definition declarator: (function_declarator declarator: (qualified_identifier) @name)) @definition.method
(function_definition declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))) @definition.function
(function_definition declarator: (reference_declarator (function_declarator declarator: [(identifier) (field_identifier)] @name))) @definition.function
; A member's prototype, `Iterator* NewIterator();` and `const Slice& key() const;` too.
(field_declaration declarator: [(function_declarator declarator: (field_identifier) @name)
  (pointer_declarator declarator: (function_declarator declarator: (field_identifier) @name))
  (reference_declarator (function_declarator declarator: (field_identifier) @name))]) @definition.method
(class_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.class
(struct_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.struct
(union_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.struct
(enum_specifier name: (type_identifier) @name body: (enumerator_list)) @definition.enum
(namespace_definition name: (_) @name) @definition.module
(type_definition declarator: (type_identifier) @name) @definition.type

(base_class_clause (type_identifier) @name) @reference.inherit
(base_class_clause (qualified_identifier) @name) @reference.inherit
(call_expression function: [(identifier) (field_expression) (qualified_identifier)] @name) @reference.call
(preproc_include path: (_) @name) @reference.import

; `class LEVELDB_EXPORT DB { ... }`: an export macro between `class` and the name (Qt, LLVM, Chromium, LevelDB)
; makes the grammar read the class as a function `DB` returning `class LEVELDB_EXPORT`, its body as statements,
; and its members' prototypes as declarations, some under an access label, some under a pointer, a reference
; or an `= 0` (`virtual Iterator* NewIterator(...) = 0;`). Its bases are left in an error node: after the
; name (`: public Env`, then the function's "name"), or before a base read as the name (`DB : public`, then
; `Store` or `std::streambuf`).
(function_definition type: (class_specifier) . declarator: (identifier) @name body: (compound_statement)) @definition.class
(function_definition type: (struct_specifier) . declarator: (identifier) @name body: (compound_statement)) @definition.struct
(function_definition type: (class_specifier) . declarator: (identifier) . (ERROR (identifier) @name) @reference.inherit)
(function_definition type: (class_specifier) . (ERROR . (identifier) @name)
  . declarator: [(identifier) (qualified_identifier)] body: (compound_statement)) @definition.class
(function_definition type: (struct_specifier) . (ERROR . (identifier) @name)
  . declarator: [(identifier) (qualified_identifier)] body: (compound_statement)) @definition.struct
(function_definition type: [(class_specifier) (struct_specifier)] . (ERROR)
  . declarator: [(identifier) (qualified_identifier)] @name) @reference.inherit
(function_definition type: [(class_specifier) (struct_specifier)]
  body: (compound_statement
    [(declaration declarator: [(function_declarator declarator: (_) @name)
                 (_ [(function_declarator declarator: (_) @name)
                     (_ (function_declarator declarator: (_) @name))])]) @definition.method
     (labeled_statement (declaration declarator: [(function_declarator declarator: (_) @name)
                 (_ [(function_declarator declarator: (_) @name)
                     (_ (function_declarator declarator: (_) @name))])]) @definition.method)]))
