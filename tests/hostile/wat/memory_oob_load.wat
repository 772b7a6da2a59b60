;; Loads from an address past the end of the single page.
(module
  (import "env" "memory" (memory 1 1))
  (func (export "call") (drop (i32.load (i32.const 0xfffffff0))))
  (func (export "deploy")))
