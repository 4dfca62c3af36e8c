; Terraform: a resource or data source is named as Terraform addresses it, `aws_s3_bucket.uploads`, whole
; (its label is often `this` or `main`: the type says what it is); a variable, an output, a module call and a
; provider by their one label.
(block (identifier) @_kind . (string_lit (template_literal) @name) . (string_lit (template_literal) @name)
  (#eq? @_kind "resource")) @definition.resource
(block (identifier) @_kind . (string_lit (template_literal) @name) . (string_lit (template_literal) @name)
  (#eq? @_kind "data")) @definition.data
(block (identifier) @_kind . (string_lit (template_literal) @name) . (block_start) (#eq? @_kind "variable")) @definition.variable
(block (identifier) @_kind . (string_lit (template_literal) @name) . (block_start) (#eq? @_kind "output")) @definition.output
(block (identifier) @_kind . (string_lit (template_literal) @name) . (block_start) (#eq? @_kind "module")) @definition.module
(block (identifier) @_kind . (string_lit (template_literal) @name) . (block_start) (#eq? @_kind "provider")) @definition.provider
(block (identifier) @_kind (body (attribute (identifier) @name) @definition.local) (#eq? @_kind "locals"))

(function_call (identifier) @name) @reference.call
; `aws_s3_bucket.uploads.arn`, `var.bucket_name`, `module.network.id`: the first two parts name what is used.
(expression (variable_expr (identifier) @name) . (get_attr (identifier) @name)) @reference.call
((attribute (identifier) @_source (expression (literal_value (string_lit (template_literal) @name))))
  (#eq? @_source "source")) @reference.import
