;; Exports `call` only.
(module
  (import "env" "memory" (memory 1 1))
  (func (export "call")))
