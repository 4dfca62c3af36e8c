; `const Circle = struct { ... }` names a container; its functions are its methods.
(Decl (FnProto function: (IDENTIFIER) @name)) @definition.function
((Decl (VarDecl variable_type_function: (IDENTIFIER) @name
   (ErrorUnionExpr (SuffixExpr (ContainerDecl (ContainerDeclType) @_type)))))
  (#match? @_type "^(struct|union|opaque)")) @definition.struct
((Decl (VarDecl variable_type_function: (IDENTIFIER) @name
   (ErrorUnionExpr (SuffixExpr (ContainerDecl (ContainerDeclType) @_type)))))
  (#match? @_type "^enum")) @definition.enum
; `test "area of a unit circle" { ... }`: a unit test beside the code.
(TestDecl (STRINGLITERALSINGLE) @name) @definition.test

(FieldOrFnCall function_call: (IDENTIFIER) @name) @reference.call
(SuffixExpr variable_type_function: (IDENTIFIER) @name . (FnCallArguments)) @reference.call
((SuffixExpr (BUILTINIDENTIFIER) @_import (FnCallArguments (ErrorUnionExpr (SuffixExpr (STRINGLITERALSINGLE) @name))))
  (#eq? @_import "@import")) @reference.import
