;; The smallest contract the pallet accepts: the base the malformed cases are cut from.
(module
  (import "env" "memory" (memory 1 1))
  (func (export "call"))
  (func (export "deploy")))
