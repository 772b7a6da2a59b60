;; Loops forever in `call`.
(module
  (import "env" "memory" (memory 1 1))
  (func (export "call") (loop $forever (br $forever)))
  (func (export "deploy")))
