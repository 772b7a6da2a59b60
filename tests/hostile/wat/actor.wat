;; The actor: runs the list of operations it gets as input (as `call`) or as constructor data
;; (as `deploy`), so one contract plays every role of the reentrancy and termination cases.
;; Operations (little-endian):
;;   0x01 CALL      flags:u32 callee:[u8;32] len:u32 input:[u8;len]   seal1::call, all gas, no value;
;;                  a non-zero return code ends this frame successfully with the code as output
;;                  (so the callee's ContractTrapped event is kept)
;;   0x02 TERMINATE beneficiary:[u8;32]                               seal1::terminate
;;   0x03 STORE     key:[u8;32]                                       seal1::set_storage of 4 bytes
;;   0x04 REVERT                                                      seal_return(REVERT, no data)
;; Memory: 0..16 the zero value (u128), 16 output capacity, 32 return code, 0x0ff0 input capacity,
;; 0x1000.. input, 0x8000..0x10000 callee output.
(module
  (import "seal0" "seal_input" (func $input (param i32 i32)))
  (import "seal0" "seal_return" (func $return (param i32 i32 i32)))
  (import "seal1" "seal_call" (func $call (param i32 i32 i64 i32 i32 i32 i32 i32) (result i32)))
  (import "seal1" "seal_terminate" (func $terminate (param i32)))
  (import "seal1" "seal_set_storage" (func $set_storage (param i32 i32 i32) (result i32)))
  (import "env" "memory" (memory 2 2))

  (func $run (local $p i32) (local $end i32) (local $op i32) (local $len i32) (local $rc i32)
    (i32.store (i32.const 0x0ff0) (i32.const 0x7000))
    (call $input (i32.const 0x1000) (i32.const 0x0ff0))
    (local.set $p (i32.const 0x1000))
    (local.set $end (i32.add (i32.const 0x1000) (i32.load (i32.const 0x0ff0))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $op (i32.load8_u (local.get $p)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (if (i32.eq (local.get $op) (i32.const 1))
          (then
            (local.set $len (i32.load (i32.add (local.get $p) (i32.const 36))))
            (i32.store (i32.const 16) (i32.const 0x8000))
            (local.set $rc
              (call $call
                (i32.load (local.get $p))
                (i32.add (local.get $p) (i32.const 4))
                (i64.const 0)
                (i32.const 0)
                (i32.add (local.get $p) (i32.const 40))
                (local.get $len)
                (i32.const 0x8000)
                (i32.const 16)))
            (if (local.get $rc)
              (then
                (i32.store (i32.const 32) (local.get $rc))
                (call $return (i32.const 0) (i32.const 32) (i32.const 4))))
            (local.set $p (i32.add (local.get $p) (i32.add (i32.const 40) (local.get $len))))
            (br $next)))
        (if (i32.eq (local.get $op) (i32.const 2))
          (then
            (call $terminate (local.get $p))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (br $next)))
        (if (i32.eq (local.get $op) (i32.const 3))
          (then
            (drop (call $set_storage (local.get $p) (i32.const 32) (i32.const 4)))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (br $next)))
        (if (i32.eq (local.get $op) (i32.const 4))
          (then (call $return (i32.const 1) (i32.const 0) (i32.const 0))))
        unreachable)))

  (func (export "call") (call $run))
  (func (export "deploy") (call $run)))
