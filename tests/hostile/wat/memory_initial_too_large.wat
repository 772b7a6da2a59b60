;; 17 initial pages: one more than `Schedule::limits.memory_pages` (16).
(module
  (import "env" "memory" (memory 17))
  (func (export "call"))
  (func (export "deploy")))
