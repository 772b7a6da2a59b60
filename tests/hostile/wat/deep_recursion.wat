;; Unbounded recursion with a large frame (8 i64 locals), until the stack is exhausted.
(module
  (import "env" "memory" (memory 1 1))
  (func $down (param $n i64) (result i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64)
    (i64.add (call $down (i64.add (local.get $n) (i64.const 1))) (i64.const 1)))
  (func (export "call") (drop (call $down (i64.const 0))))
  (func (export "deploy")))
