//! The sandbox through the real executor: `WASM_BINARY` (this crate compiled to Wasm) runs in
//! sc-executor's wasmtime-based `WasmExecutor` with the node's host functions, and drives a
//! contract on the host through `sp_sandbox`'s runtime interface. Every scenario must give the
//! same [`Report`] natively and through the Wasm runtime, on both backends.

use sp_sandbox::{Backend, Error, ReturnValue, Trap, TrapKind, Value};
use sp_sandbox_test_runtime::{
	harness::{externalities, fresh_cache, run_in_runtime, run_native, Executor},
	Report, CHARGE_COST, FAIL_CODE,
};

const GAS: u64 = 10_000_000;

/// Runs `wat`'s `export` natively and through the Wasm runtime on both backends; asserts all
/// four reports are identical and returns it.
fn run_everywhere(wat: &str, export: &str, gas: u64) -> Report {
	let code = wat::parse_str(wat).expect("valid WAT");
	let executor = Executor::builder().build();
	let mut reports = Vec::new();
	for backend in [Backend::Wasmi, Backend::Wasmtime] {
		let native = run_native(&mut externalities(backend, fresh_cache()), &code, export, gas);
		let mut ext = externalities(backend, fresh_cache());
		let in_runtime = run_in_runtime(&executor, &mut ext, &code, export, gas);
		assert_eq!(native, in_runtime, "native vs Wasm runtime on {backend:?}");
		reports.push(in_runtime);
	}
	let wasmtime = reports.pop().expect("two reports");
	let wasmi = reports.pop().expect("two reports");
	// wasmi reports no frames (the trap issue symbolicates wasmi traps by other means);
	// everything else must be identical, and wasmtime must locate every trap.
	assert_eq!(without_frames(&wasmi), without_frames(&wasmtime), "wasmi vs wasmtime");
	if let Err(Error::Trap(trap)) = &wasmtime.result {
		assert!(!trap.frames.is_empty(), "wasmtime locates the trap: {trap:?}");
	}
	wasmtime
}

fn without_frames(report: &Report) -> Report {
	let mut report = report.clone();
	if let Err(Error::Trap(trap)) = &mut report.result {
		trap.frames.clear();
	}
	report
}

#[test]
fn many_host_calls_round_trip_through_the_runtime() {
	let report = run_everywhere(
		r#"(module
			(import "env" "memory" (memory 1 1))
			(import "env" "count" (func $count (param i32)))
			(func (export "call") (local $i i32)
				(loop $next
					(call $count (local.get $i))
					(local.set $i (i32.add (local.get $i) (i32.const 1)))
					(br_if $next (i32.lt_u (local.get $i) (i32.const 10000))))))"#,
		"call",
		GAS,
	);
	assert_eq!(report.result, Ok(ReturnValue::Unit));
	assert_eq!(report.host_calls, 10_000);
	assert_eq!(report.counted, (0..10_000i64).sum::<i64>());
	assert!(report.gas_left < GAS);
}

#[test]
fn host_functions_read_and_write_contract_memory() {
	let report = run_everywhere(
		r#"(module
			(import "env" "memory" (memory 1 1))
			(import "env" "reverse" (func $reverse (param i32 i32) (result i32)))
			(data (i32.const 0) "hello, sandbox")
			(func (export "call") (result i32)
				(i32.store (i32.const 32) (call $reverse (i32.const 0) (i32.const 14)))
				(i32.load (i32.const 32))))"#,
		"call",
		GAS,
	);
	let sum: i32 = b"hello, sandbox".iter().map(|b| i32::from(*b)).sum();
	assert_eq!(report.result, Ok(ReturnValue::Value(Value::I32(sum))));
	assert_eq!(&report.memory_head[..14], b"xobdnas ,olleh");
	assert_eq!(report.memory_head[32..36], sum.to_le_bytes());
	assert_eq!(report.host_calls, 1);
}

#[test]
fn priced_host_calls_charge_gas_identically() {
	let wat = r#"(module
		(import "env" "memory" (memory 1 1))
		(import "env" "charge" (func $charge))
		(func (export "call") (call $charge) (call $charge) (call $charge)))"#;
	let report = run_everywhere(wat, "call", GAS);
	assert_eq!(report.result, Ok(ReturnValue::Unit));
	let used = GAS - report.gas_left;
	assert!(used > 3 * CHARGE_COST && used < 3 * CHARGE_COST + 100, "used {used}");

	// Enough gas for two charges only: the third host call runs out.
	let report = run_everywhere(wat, "call", 2 * CHARGE_COST + 50);
	assert_eq!(report.host_calls, 3);
	assert!(matches!(report.result, Err(Error::Trap(Trap { kind: TrapKind::Host(3), .. }))));
}

#[test]
fn traps_come_back_with_the_same_kind() {
	let host = run_everywhere(
		r#"(module
			(import "env" "memory" (memory 1 1))
			(import "env" "fail" (func $fail))
			(func (export "call") (call $fail) unreachable))"#,
		"call",
		GAS,
	);
	assert!(matches!(host.result, Err(Error::Trap(Trap { kind: TrapKind::Host(FAIL_CODE), .. }))));

	let out_of_gas = run_everywhere(
		r#"(module
			(import "env" "memory" (memory 1 1))
			(func (export "call") (loop $forever (br $forever))))"#,
		"call",
		100_000,
	);
	assert!(matches!(out_of_gas.result, Err(Error::Trap(Trap { kind: TrapKind::OutOfGas, .. }))));

	let division = run_everywhere(
		r#"(module
			(import "env" "memory" (memory 1 1))
			(func (export "call") (result i32) (i32.div_u (i32.const 1) (i32.const 0))))"#,
		"call",
		GAS,
	);
	assert!(matches!(
		division.result,
		Err(Error::Trap(Trap { kind: TrapKind::IntegerDivisionByZero, .. }))
	));
}

#[test]
fn invalid_modules_are_rejected_through_the_runtime_too() {
	let floats = run_everywhere(
		r#"(module
			(import "env" "memory" (memory 1 1))
			(func (export "call") (result f32) (f32.const 1)))"#,
		"call",
		GAS,
	);
	assert_eq!(floats.result, Err(Error::FloatsNotAllowed));
	let forbidden = run_everywhere(
		r#"(module
			(import "env" "memory" (memory 1 1))
			(import "env" "not_a_host_function" (func))
			(func (export "call")))"#,
		"call",
		GAS,
	);
	assert_eq!(forbidden.result, Err(Error::ForbiddenImport));
}
