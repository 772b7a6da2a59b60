;; No float instruction at all, only a function type with an f64 parameter.
(module
  (import "env" "memory" (memory 1 1))
  (func $unused (param f64))
  (func (export "call"))
  (func (export "deploy")))
