;; A start function would run on instantiation, before any gas is metered.
(module
  (import "env" "memory" (memory 1 1))
  (func $start (loop $l (br $l)))
  (start $start)
  (func (export "call"))
  (func (export "deploy")))
