;; seal_input into a buffer that claims 100 bytes of room 2 bytes before the end of memory.
(module
  (import "seal0" "seal_input" (func $input (param i32 i32)))
  (import "env" "memory" (memory 1 1))
  (func (export "call")
    (i32.store (i32.const 0) (i32.const 100))
    (call $input (i32.const 65534) (i32.const 0)))
  (func (export "deploy")))
