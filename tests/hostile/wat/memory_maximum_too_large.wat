;; One page, but a maximum of 65536 pages (4 GiB).
(module
  (import "env" "memory" (memory 1 65536))
  (func (export "call"))
  (func (export "deploy")))
