; Protocol Buffers: the messages, enums and services an API is made of, and each service's calls.
(message (message_name (identifier) @name)) @definition.struct
(enum (enum_name (identifier) @name)) @definition.enum
(service (service_name (identifier) @name)) @definition.interface
(rpc (rpc_name (identifier) @name)) @definition.method

(import path: (string) @name) @reference.import
(rpc (message_or_enum_type) @name) @reference.call
