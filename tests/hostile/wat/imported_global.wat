;; Imports a global from the host.
(module
  (import "env" "memory" (memory 1 1))
  (import "env" "gas_left" (global i64))
  (func (export "call"))
  (func (export "deploy")))
