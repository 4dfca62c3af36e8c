(function_definition name: (word) @name) @definition.function

(command name: (command_name (word) @name)) @reference.call
; `source lib.sh` and `. lib.sh` read another script in.
((command name: (command_name (word) @_source) argument: [(word) (string) (raw_string)] @name)
  (#any-of? @_source "source" "."))  @reference.import
