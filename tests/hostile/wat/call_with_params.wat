;; `call` takes a parameter: the entry points must be () -> () or () -> i32.
(module
  (import "env" "memory" (memory 1 1))
  (func (export "call") (param i32))
  (func (export "deploy")))
