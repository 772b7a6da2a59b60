;; seal_return with flag bits other than REVERT.
(module
  (import "seal0" "seal_return" (func $return (param i32 i32 i32)))
  (import "env" "memory" (memory 1 1))
  (func (export "call") (call $return (i32.const 0xfffe) (i32.const 0) (i32.const 4)))
  (func (export "deploy")))
