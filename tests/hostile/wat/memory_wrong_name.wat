;; Imports its memory under another name.
(module
  (import "env" "mem" (memory 1 1))
  (func (export "call"))
  (func (export "deploy")))
