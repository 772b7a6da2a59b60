;; debug_message of 16 bytes starting 8 bytes before the end of memory, then a normal return.
;; pallet-contracts 51 reads the message only when a debug buffer collects it (dry runs).
(module
  (import "seal0" "seal_debug_message" (func $debug (param i32 i32) (result i32)))
  (import "env" "memory" (memory 1 1))
  (func (export "call") (drop (call $debug (i32.const 65528) (i32.const 16))))
  (func (export "deploy")))
