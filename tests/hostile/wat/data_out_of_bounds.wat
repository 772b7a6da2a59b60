;; A data segment that ends one byte past the single page.
(module
  (import "env" "memory" (memory 1 1))
  (data (i32.const 65535) "\01\02")
  (func (export "call"))
  (func (export "deploy")))
