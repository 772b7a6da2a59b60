;; An event payload of u32::MAX bytes.
(module
  (import "seal0" "seal_deposit_event" (func $event (param i32 i32 i32 i32)))
  (import "env" "memory" (memory 1 1))
  (func (export "call") (call $event (i32.const 0) (i32.const 0) (i32.const 0) (i32.const -1)))
  (func (export "deploy")))
