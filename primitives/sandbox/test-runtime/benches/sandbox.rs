//! Sandbox benchmarks, measured side by side in one run (medians of repeated runs):
//!
//! 1. host-call round trip (suspend → runtime → resume), natively and through the Wasm runtime;
//! 2. a compute loop of ~1.4·10^7 Wasm instructions on wasmi and wasmtime vs the same loop in
//!    native Rust;
//! 3. the first call of an uncached ~7 KiB module vs a cached one, per backend;
//! 4. metering overhead: the sandbox (instrumented, metered, suspendable) vs the raw engine
//!    running the uninstrumented module.
//!
//! Run: `cargo bench -p sp-sandbox-test-runtime`. Results go in docs/BENCHMARKS.md.

use sp_sandbox::{Backend, ReturnValue, Value};
use sp_sandbox_test_runtime::harness::{
	externalities, fresh_cache, run_in_runtime, run_native, Executor,
};
use std::{
	hint::black_box,
	time::{Duration, Instant},
};

const HOST_CALLS: u32 = 20_000;
const LOOP_ITERATIONS: u32 = 1_000_000;
const GAS: u64 = u64::MAX / 2;

fn median(mut samples: Vec<Duration>) -> Duration {
	samples.sort();
	samples[samples.len() / 2]
}

fn measure(runs: usize, mut f: impl FnMut()) -> Duration {
	f(); // warm up
	median(
		(0..runs)
			.map(|_| {
				let start = Instant::now();
				f();
				start.elapsed()
			})
			.collect(),
	)
}

fn round_trip_module(calls: u32) -> Vec<u8> {
	wat::parse_str(format!(
		r#"(module
			(import "env" "memory" (memory 1 1))
			(import "env" "count" (func $count (param i32)))
			(func (export "call") (local $i i32)
				(loop $next
					(call $count (local.get $i))
					(local.set $i (i32.add (local.get $i) (i32.const 1)))
					(br_if $next (i32.lt_u (local.get $i) (i32.const {calls}))))))"#
	))
	.expect("valid WAT")
}

/// xorshift32 `n` times; 14 instructions per iteration.
fn compute_module() -> Vec<u8> {
	wat::parse_str(format!(
		r#"(module
			(import "env" "memory" (memory 1 1))
			(func (export "call") (result i32) (local $x i32) (local $i i32)
				(local.set $x (i32.const 2463534242))
				(loop $next
					(local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
					(local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
					(local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
					(local.set $i (i32.add (local.get $i) (i32.const 1)))
					(br_if $next (i32.lt_u (local.get $i) (i32.const {LOOP_ITERATIONS}))))
				(local.get $x)))"#
	))
	.expect("valid WAT")
}

fn native_xorshift(n: u32) -> i32 {
	let mut x: u32 = 2463534242;
	for _ in 0..black_box(n) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
	}
	x as i32
}

/// About 7 KiB of code: many small functions, like a contract's.
fn seven_kib_module() -> Vec<u8> {
	let mut funcs = String::new();
	for i in 0..160 {
		funcs.push_str(&format!(
			"(func $f{i} (param i32) (result i32) (local i32)
				(local.set 1 (i32.mul (local.get 0) (i32.const {i})))
				(if (i32.gt_u (local.get 1) (i32.const 1000))
					(then (local.set 1 (i32.sub (local.get 1) (i32.const 7)))))
				(i32.add (local.get 1) (i32.load (i32.const {off}))))\n",
			off = (i * 4) % 60_000
		));
	}
	let code = wat::parse_str(format!(
		r#"(module (import "env" "memory" (memory 1 1)) {funcs}
			(func (export "call") (result i32) (call $f159 (i32.const 3))))"#
	))
	.expect("valid WAT");
	assert!((6_000..9_000).contains(&code.len()), "module is {} bytes", code.len());
	code
}

fn raw_wasmtime(code: &[u8]) -> impl FnMut() -> i32 {
	let engine = wasmtime::Engine::default();
	let module = wasmtime::Module::new(&engine, code).expect("compiles");
	move || {
		let mut store = wasmtime::Store::new(&engine, ());
		let memory = wasmtime::Memory::new(&mut store, wasmtime::MemoryType::new(1, Some(1)))
			.expect("memory");
		let instance =
			wasmtime::Instance::new(&mut store, &module, &[memory.into()]).expect("instantiates");
		let call = instance.get_typed_func::<(), i32>(&mut store, "call").expect("export");
		call.call(&mut store, ()).expect("runs")
	}
}

fn raw_wasmi(code: &[u8]) -> impl FnMut() -> i32 {
	let engine = wasmi::Engine::default();
	let module = wasmi::Module::new(&engine, code).expect("compiles");
	move || {
		let mut store = wasmi::Store::new(&engine, ());
		let memory =
			wasmi::Memory::new(&mut store, wasmi::MemoryType::new(1, Some(1))).expect("memory");
		let mut linker = wasmi::Linker::new(&engine);
		linker.define("env", "memory", memory).expect("defines");
		let instance = linker.instantiate_and_start(&mut store, &module).expect("instantiates");
		let call = instance.get_typed_func::<(), i32>(&store, "call").expect("export");
		call.call(&mut store, ()).expect("runs")
	}
}

fn main() {
	let executor = Executor::builder().build();
	let backends = [Backend::Wasmi, Backend::Wasmtime];
	println!(
		"sandbox benchmarks (medians; {} CPUs)",
		std::thread::available_parallelism().map_or(0, |n| n.get())
	);

	println!("\n1. host-call round trip, {HOST_CALLS} calls per invocation, µs per call");
	println!("{:<10} {:>12} {:>14}", "backend", "native", "Wasm runtime");
	let code = round_trip_module(HOST_CALLS);
	let baseline = round_trip_module(1);
	for backend in backends {
		let mut ext = externalities(backend, fresh_cache());
		// Subtract the cost of one invocation with a single call to isolate the per-call cost.
		let per_call = |many: Duration, one: Duration| {
			(many.saturating_sub(one)).as_secs_f64() * 1e6 / f64::from(HOST_CALLS - 1)
		};
		let native_many = measure(9, || {
			let report = run_native(&mut ext, &code, "call", GAS);
			assert_eq!(report.host_calls, u64::from(HOST_CALLS));
		});
		let native_one = measure(9, || {
			run_native(&mut ext, &baseline, "call", GAS);
		});
		let runtime_many = measure(9, || {
			assert_eq!(
				run_in_runtime(&executor, &mut ext, &code, "call", GAS).host_calls,
				u64::from(HOST_CALLS)
			);
		});
		let runtime_one = measure(9, || {
			run_in_runtime(&executor, &mut ext, &baseline, "call", GAS);
		});
		println!(
			"{:<10} {:>12.3} {:>14.3}",
			format!("{backend:?}"),
			per_call(native_many, native_one),
			per_call(runtime_many, runtime_one)
		);
	}

	println!(
		"\n2. compute loop, {LOOP_ITERATIONS} iterations (~{} Wasm instructions)",
		LOOP_ITERATIONS * 14
	);
	let code = compute_module();
	let expected = native_xorshift(LOOP_ITERATIONS);
	let native = measure(9, || assert_eq!(native_xorshift(LOOP_ITERATIONS), expected));
	println!("{:<28} {:>10.3} ms  1.00x native", "native Rust", native.as_secs_f64() * 1e3);
	let mut sandboxed = Vec::new();
	for backend in backends {
		let mut ext = externalities(backend, fresh_cache());
		let time = measure(7, || {
			let report = run_native(&mut ext, &code, "call", GAS);
			assert_eq!(report.result, Ok(ReturnValue::Value(Value::I32(expected))));
		});
		sandboxed.push(time);
		println!(
			"{:<28} {:>10.3} ms {:>5.2}x native",
			format!("sandbox {backend:?}"),
			time.as_secs_f64() * 1e3,
			time.as_secs_f64() / native.as_secs_f64()
		);
	}

	println!("\n3. first call of a ~7 KiB module: uncached vs cached, ms");
	let code = seven_kib_module();
	println!("   module: {} bytes", code.len());
	println!("{:<10} {:>10} {:>10}", "backend", "uncached", "cached");
	for backend in backends {
		let uncached = measure(9, || {
			let mut ext = externalities(backend, fresh_cache());
			run_native(&mut ext, &code, "call", GAS);
		});
		let cache = fresh_cache();
		let cached = measure(9, || {
			let mut ext = externalities(backend, cache.clone());
			run_native(&mut ext, &code, "call", GAS);
		});
		println!(
			"{:<10} {:>10.3} {:>10.3}",
			format!("{backend:?}"),
			uncached.as_secs_f64() * 1e3,
			cached.as_secs_f64() * 1e3
		);
	}

	println!("\n4. metering overhead on the compute loop: sandbox vs raw engine (uninstrumented)");
	let code = compute_module();
	let mut raw_wasmi = raw_wasmi(&code);
	let mut raw_wasmtime = raw_wasmtime(&code);
	let raw = [
		measure(7, || assert_eq!(raw_wasmi(), expected)),
		measure(7, || assert_eq!(raw_wasmtime(), expected)),
	];
	for ((backend, raw), sandboxed) in backends.iter().zip(raw).zip(&sandboxed) {
		println!(
			"{:<10} raw {:>9.3} ms  sandboxed {:>9.3} ms  overhead {:>5.2}x",
			format!("{backend:?}"),
			raw.as_secs_f64() * 1e3,
			sandboxed.as_secs_f64() * 1e3,
			sandboxed.as_secs_f64() / raw.as_secs_f64()
		);
	}
}
