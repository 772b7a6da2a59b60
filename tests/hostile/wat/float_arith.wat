;; Floating point arithmetic in `call`: not deterministic, refused on upload.
(module
  (import "env" "memory" (memory 1 1))
  (func (export "call") (drop (f32.add (f32.const 1.5) (f32.const 2.25))))
  (func (export "deploy")))
