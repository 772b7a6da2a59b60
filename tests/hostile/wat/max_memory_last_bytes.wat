;; The largest memory (16 pages = 1 MiB), a data segment at its very end, returned by `call`.
(module
  (import "seal0" "seal_return" (func $return (param i32 i32 i32)))
  (import "env" "memory" (memory 16 16))
  (data (i32.const 1048572) "LAST")
  (func (export "call") (call $return (i32.const 0) (i32.const 1048572) (i32.const 4)))
  (func (export "deploy")))
