;; `call` returns an i64.
(module
  (import "env" "memory" (memory 1 1))
  (func (export "call") (result i64) (i64.const 0))
  (func (export "deploy")))
