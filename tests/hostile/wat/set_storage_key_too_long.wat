;; A variable-length key of 129 bytes (MaxStorageKeyLen is 128).
(module
  (import "seal2" "set_storage" (func $set (param i32 i32 i32 i32) (result i32)))
  (import "env" "memory" (memory 1 1))
  (func (export "call") (drop (call $set (i32.const 0) (i32.const 129) (i32.const 256) (i32.const 4))))
  (func (export "deploy")))
