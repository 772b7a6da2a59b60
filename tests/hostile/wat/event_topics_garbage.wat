;; Topics that are not a SCALE Vec<H256>: a length prefix of 2 followed by 3 bytes.
(module
  (import "seal0" "seal_deposit_event" (func $event (param i32 i32 i32 i32)))
  (import "env" "memory" (memory 1 1))
  (data (i32.const 0) "\08\ff\ff\ff")
  (func (export "call") (call $event (i32.const 0) (i32.const 4) (i32.const 0) (i32.const 4)))
  (func (export "deploy")))
