;; Stores 8 bytes, then reads them back into a buffer of 1 byte.
(module
  (import "seal1" "seal_set_storage" (func $set (param i32 i32 i32) (result i32)))
  (import "seal0" "seal_get_storage" (func $get (param i32 i32 i32) (result i32)))
  (import "env" "memory" (memory 1 1))
  (func (export "call")
    (drop (call $set (i32.const 0) (i32.const 64) (i32.const 8)))
    (i32.store (i32.const 128) (i32.const 1))
    (drop (call $get (i32.const 0) (i32.const 256) (i32.const 128))))
  (func (export "deploy")))
