;; call_runtime with bytes that are not a runtime call.
(module
  (import "seal0" "call_runtime" (func $dispatch (param i32 i32) (result i32)))
  (import "env" "memory" (memory 1 1))
  (data (i32.const 0) "\ff\ff\ff\ff")
  (func (export "call") (drop (call $dispatch (i32.const 0) (i32.const 4))))
  (func (export "deploy")))
