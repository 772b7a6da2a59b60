;; memory.grow past the maximum fails with -1, up to it succeeds; `call` returns both results
;; and the final size in pages.
(module
  (import "seal0" "seal_return" (func $return (param i32 i32 i32)))
  (import "env" "memory" (memory 1))
  (func (export "call")
    (i32.store (i32.const 0) (memory.grow (i32.const 16)))
    (i32.store (i32.const 4) (memory.grow (i32.const 15)))
    (i32.store (i32.const 8) (memory.size))
    (call $return (i32.const 0) (i32.const 0) (i32.const 12)))
  (func (export "deploy")))
