;; seal1::call to an account that is not a contract with an input of u32::MAX bytes.
(module
  (import "seal1" "seal_call" (func $call (param i32 i32 i64 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "memory" (memory 1 1))
  (func (export "call")
    (drop (call $call (i32.const 0) (i32.const 0) (i64.const 0) (i32.const 0)
      (i32.const 0) (i32.const -1) (i32.const -1) (i32.const 0))))
  (func (export "deploy")))
