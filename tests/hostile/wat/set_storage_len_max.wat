;; A storage value of u32::MAX bytes.
(module
  (import "seal1" "seal_set_storage" (func $set (param i32 i32 i32) (result i32)))
  (import "env" "memory" (memory 1 1))
  (func (export "call") (drop (call $set (i32.const 0) (i32.const 32) (i32.const -1))))
  (func (export "deploy")))
