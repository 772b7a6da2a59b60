;; Loops forever in the constructor.
(module
  (import "env" "memory" (memory 1 1))
  (func (export "call"))
  (func (export "deploy") (loop $forever (br $forever))))
