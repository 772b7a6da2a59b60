;; An event payload of payload_len + 1 = 16385 bytes.
(module
  (import "seal0" "seal_deposit_event" (func $event (param i32 i32 i32 i32)))
  (import "env" "memory" (memory 1 1))
  (func (export "call") (call $event (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 16385)))
  (func (export "deploy")))
