//! A minimal Wasm runtime that drives [`sp_sandbox`] the way a contracts pallet does: it
//! instantiates a module on the host, services its host calls (reading and writing its memory)
//! and reports what happened.
//!
//! The same [`run`] is compiled natively and into `WASM_BINARY`, so tests and benchmarks can
//! compare a call that goes through the real executor (runtime Wasm → host functions → suspended
//! contract → back into the runtime) with the same call made natively, on either backend.

#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;
// The runtime's allocator and panic handler come from sp-io, which nothing else here names.
#[cfg(not(feature = "std"))]
use sp_io as _;

use alloc::vec::Vec;
use codec::{Decode, Encode};
use sp_sandbox::{
	Config, EnvironmentDefinitionBuilder, Error, HostCallContext, HostError, Instance, Memory,
	ReturnValue, Value,
};

/// Gas a call to `env.charge` costs, on top of the instrumented instruction cost.
pub const CHARGE_COST: u64 = 1_000;
/// The code `env.fail` traps with.
pub const FAIL_CODE: u32 = 42;
/// Pages of the memory every module imports as `env.memory`.
const MEMORY_PAGES: u32 = 1;

/// What one [`run`] did; identical natively and through the Wasm runtime, on both backends.
#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct Report {
	/// What the export returned, or why it failed.
	pub result: Result<ReturnValue, Error>,
	/// Gas left when it stopped.
	pub gas_left: u64,
	/// How many host calls the runtime serviced.
	pub host_calls: u64,
	/// Sum of the `i32` arguments of every `env.count` call.
	pub counted: i64,
	/// The first 64 bytes of memory afterwards.
	pub memory_head: Vec<u8>,
}

struct Context {
	memory: Memory,
	host_calls: u64,
	counted: i64,
}

/// `env.count(x: i32)`: cheapest possible host call, for round-trip measurements.
fn count(ctx: &mut Context, args: &[Value]) -> Result<ReturnValue, HostError> {
	let [Value::I32(x)] = args else { return Err(HostError(1)) };
	ctx.host_calls += 1;
	ctx.counted += i64::from(*x);
	Ok(ReturnValue::Unit)
}

/// `env.reverse(ptr: i32, len: i32) -> i32`: reads `len` bytes at `ptr`, writes them back
/// reversed, returns their sum: a round trip through the contract's memory both ways.
fn reverse(ctx: &mut Context, args: &[Value]) -> Result<ReturnValue, HostError> {
	let [Value::I32(ptr), Value::I32(len)] = args else { return Err(HostError(1)) };
	ctx.host_calls += 1;
	let mut buf = alloc::vec![0u8; *len as usize];
	ctx.memory.get(*ptr as u32, &mut buf).map_err(|_| HostError(2))?;
	let sum: i32 = buf.iter().map(|b| i32::from(*b)).sum();
	buf.reverse();
	ctx.memory.set(*ptr as u32, &buf).map_err(|_| HostError(2))?;
	Ok(ReturnValue::Value(Value::I32(sum)))
}

/// `env.charge()`: a host function that costs gas, as priced host functions do.
fn charge(
	ctx: &mut Context,
	context: &mut HostCallContext,
	_args: &[Value],
) -> Result<ReturnValue, HostError> {
	ctx.host_calls += 1;
	context.gas_left = context.gas_left.checked_sub(CHARGE_COST).ok_or(HostError(3))?;
	Ok(ReturnValue::Unit)
}

/// `env.fail()`: a host function that traps the contract.
fn fail(ctx: &mut Context, _args: &[Value]) -> Result<ReturnValue, HostError> {
	ctx.host_calls += 1;
	Err(HostError(FAIL_CODE))
}

/// Instantiates `code` (which imports `env.memory` and any of the `env` functions above),
/// calls `export` with `gas` and reports what happened.
pub fn run(code: Vec<u8>, export: Vec<u8>, gas: u64) -> Report {
	let fail_early = |error: Error| Report {
		result: Err(error),
		gas_left: gas,
		host_calls: 0,
		counted: 0,
		memory_head: Vec::new(),
	};
	let memory = match Memory::new(MEMORY_PAGES, Some(MEMORY_PAGES)) {
		Ok(memory) => memory,
		Err(error) => return fail_early(error),
	};
	let mut env = EnvironmentDefinitionBuilder::new();
	env.add_memory("env", "memory", memory.clone());
	env.add_host_func("env", "count", count);
	env.add_host_func("env", "reverse", reverse);
	env.add_metered_host_func("env", "charge", charge);
	env.add_host_func("env", "fail", fail);
	let config = Config { allowed_exports: alloc::vec![export.clone()], ..Config::default() };
	let mut instance = match Instance::new(&code, &env, &config) {
		Ok(instance) => instance,
		Err(error) => return fail_early(error),
	};
	let mut ctx = Context { memory, host_calls: 0, counted: 0 };
	instance.set_gas_left(gas);
	let export = core::str::from_utf8(&export).unwrap_or("");
	let result = instance.invoke(export, &[], &mut ctx);
	let mut memory_head = alloc::vec![0u8; 64];
	if ctx.memory.get(0, &mut memory_head).is_err() {
		memory_head.clear();
	}
	Report {
		result,
		gas_left: instance.gas_left(),
		host_calls: ctx.host_calls,
		counted: ctx.counted,
		memory_head,
	}
}

/// Running [`run`] natively and inside the Wasm runtime, for the tests and the bench.
#[cfg(feature = "std")]
pub mod harness {
	use super::{run, Report, WASM_BINARY};
	use codec::{Decode, Encode};
	use sc_executor::WasmExecutor;
	use sp_core::traits::{CallContext, CodeExecutor, RuntimeCode, WrappedRuntimeCode};
	use sp_sandbox::{Backend, ModuleCache, SandboxExt, SharedModuleCache};

	/// The node's executor: the runtime Wasm on wasmtime with the node's host functions.
	pub type Executor = WasmExecutor<(sp_io::SubstrateHostFunctions, sp_sandbox::HostFunctions)>;

	/// A module cache large enough that nothing is evicted in tests and benches.
	pub fn fresh_cache() -> SharedModuleCache {
		ModuleCache::new_shared(256 << 20).expect("both engines start")
	}

	/// Externalities with the sandbox registered on `backend`.
	pub fn externalities(backend: Backend, cache: SharedModuleCache) -> sp_io::TestExternalities {
		let mut ext = sp_io::TestExternalities::default();
		ext.register_extension(SandboxExt::new(backend, cache));
		ext
	}

	/// [`run`] called natively inside `ext`.
	pub fn run_native(
		ext: &mut sp_io::TestExternalities,
		code: &[u8],
		export: &str,
		gas: u64,
	) -> Report {
		ext.execute_with(|| run(code.to_vec(), export.as_bytes().to_vec(), gas))
	}

	/// [`run`] called through `WASM_BINARY` in `executor` (which caches the compiled runtime).
	pub fn run_in_runtime(
		executor: &Executor,
		ext: &mut sp_io::TestExternalities,
		code: &[u8],
		export: &str,
		gas: u64,
	) -> Report {
		let runtime = WASM_BINARY.expect("the test runtime is built (SKIP_WASM_BUILD unset)");
		let wrapped = WrappedRuntimeCode(runtime.into());
		let runtime_code = RuntimeCode {
			code_fetcher: &wrapped,
			heap_pages: None,
			hash: sp_io::hashing::blake2_256(runtime).to_vec(),
		};
		let input = (code.to_vec(), export.as_bytes().to_vec(), gas).encode();
		let (output, _) = executor.call(
			&mut ext.ext(),
			&runtime_code,
			"sandbox_run",
			&input,
			CallContext::Offchain,
		);
		let output = output.expect("the runtime call itself succeeds");
		Report::decode(&mut &output[..]).expect("the runtime returns a Report")
	}
}

#[cfg(not(feature = "std"))]
sp_core::wasm_export_functions! {
	fn sandbox_run(code: Vec<u8>, export: Vec<u8>, gas: u64) -> Report {
		run(code, export, gas)
	}
}
