;; seal_input whose length pointer is 0xfffffffe: reading the u32 capacity wraps around.
(module
  (import "seal0" "seal_input" (func $input (param i32 i32)))
  (import "env" "memory" (memory 1 1))
  (func (export "call") (call $input (i32.const 0) (i32.const -2)))
  (func (export "deploy")))
