;; Imports a host function that does not exist.
(module
  (import "seal0" "seal_steal_everything" (func (param i32)))
  (import "env" "memory" (memory 1 1))
  (func (export "call"))
  (func (export "deploy")))
