;; A third exported function.
(module
  (import "env" "memory" (memory 1 1))
  (func (export "call"))
  (func (export "deploy"))
  (func (export "backdoor")))
