;; The dev runtime has no chain extension.
(module
  (import "seal0" "call_chain_extension" (func (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "memory" (memory 1 1))
  (func (export "call"))
  (func (export "deploy")))
