;; No memory at all.
(module
  (func (export "call"))
  (func (export "deploy")))
