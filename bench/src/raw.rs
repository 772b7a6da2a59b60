//! A contract message on a bare engine: the bench contract's own Wasm, uninstrumented, on
//! wasmtime or wasmi with the five host functions it imports stubbed natively (no runtime, no
//! gas, no sandbox). Between native Rust and the sandboxed paths, this says how much of the gap
//! is the contract's code (built for size by ink!'s release profile) and how much is ours.

use std::time::{Duration, Instant};
use wasmparser::{Parser, Payload, TypeRef};

/// What the stubbed host functions work with.
struct Host<M> {
	input: Vec<u8>,
	output: Option<Vec<u8>>,
	memory: Option<M>,
}

/// `seal0.input` / `value_transferred` semantics: write `bytes` at `out_ptr` if they fit the
/// capacity at `out_len_ptr`, and store their length there.
fn write_out(memory: &mut [u8], out_ptr: u32, out_len_ptr: u32, bytes: &[u8]) -> bool {
	let (ptr, len_ptr) = (out_ptr as usize, out_len_ptr as usize);
	let Some(cap) = memory.get(len_ptr..len_ptr + 4) else { return false };
	let cap = u32::from_le_bytes(cap.try_into().expect("4 bytes")) as usize;
	if bytes.len() > cap || ptr + bytes.len() > memory.len() {
		return false;
	}
	memory[ptr..ptr + bytes.len()].copy_from_slice(bytes);
	memory[len_ptr..len_ptr + 4].copy_from_slice(&(bytes.len() as u32).to_le_bytes());
	true
}

/// The pages of the module's `env.memory` import: (initial, maximum).
fn memory_limits(code: &[u8]) -> (u32, u32) {
	for payload in Parser::new(0).parse_all(code) {
		if let Ok(Payload::ImportSection(imports)) = payload {
			for import in imports {
				if let TypeRef::Memory(m) = import.expect("valid import").ty {
					return (m.initial as u32, m.maximum.unwrap_or(16) as u32);
				}
			}
		}
	}
	panic!("an ink! contract imports its memory");
}

/// `runs` timed calls of `input` (a message to a `&self` message of a contract without storage
/// fields, such as the bench contract's), each on a fresh instance after one warm-up; checks
/// the output is `expected`.
pub fn wasmtime(code: &[u8], input: &[u8], expected: &[u8], runs: usize) -> Vec<Duration> {
	use wasmtime::{Caller, Engine, Linker, Memory, MemoryType, Module, Store};
	type C<'a> = Caller<'a, Host<Memory>>;
	fn mem<'a>(caller: &'a mut C<'_>) -> &'a mut [u8] {
		let memory = caller.data().memory.expect("set before the call");
		memory.data_mut(caller)
	}

	let engine = Engine::default();
	let module = Module::new(&engine, code).expect("the contract compiles");
	let mut linker = Linker::<Host<Memory>>::new(&engine);
	linker
		.func_wrap("seal0", "input", |mut c: C<'_>, ptr: u32, len_ptr: u32| {
			let input = c.data().input.clone();
			assert!(write_out(mem(&mut c), ptr, len_ptr, &input), "input fits");
		})
		.expect("defines")
		.func_wrap("seal0", "value_transferred", |mut c: C<'_>, ptr: u32, len_ptr: u32| {
			assert!(write_out(mem(&mut c), ptr, len_ptr, &0u128.to_le_bytes()), "fits");
		})
		.expect("defines")
		.func_wrap("seal1", "get_storage", |mut c: C<'_>, _: u32, _: u32, _: u32, len_ptr: u32| {
			// The contract's root is stored, and empty (the bench has only a `Mapping`).
			let len_ptr = len_ptr as usize;
			mem(&mut c)[len_ptr..len_ptr + 4].copy_from_slice(&0u32.to_le_bytes());
			0u32
		})
		.expect("defines")
		.func_wrap("seal2", "set_storage", |_: C<'_>, _: u32, _: u32, _: u32, _: u32| u32::MAX)
		.expect("defines")
		.func_wrap(
			"seal0",
			"seal_return",
			|mut c: C<'_>, _flags: u32, ptr: u32, len: u32| -> wasmtime::Result<()> {
				let data = mem(&mut c)[ptr as usize..(ptr + len) as usize].to_vec();
				c.data_mut().output = Some(data);
				Err(wasmtime::Error::msg("returned"))
			},
		)
		.expect("defines");
	let (initial, maximum) = memory_limits(code);
	let run = || {
		let mut store =
			Store::new(&engine, Host { input: input.to_vec(), output: None, memory: None });
		let memory =
			Memory::new(&mut store, MemoryType::new(initial, Some(maximum))).expect("memory");
		store.data_mut().memory = Some(memory);
		let mut linker = linker.clone();
		linker.define(&store, "env", "memory", memory).expect("defines");
		let start = Instant::now();
		let instance = linker.instantiate(&mut store, &module).expect("instantiates");
		let call = instance.get_typed_func::<(), ()>(&mut store, "call").expect("exports call");
		let _ = call.call(&mut store, ());
		let time = start.elapsed();
		assert_eq!(store.data().output.as_deref(), Some(expected), "raw wasmtime answer");
		time
	};
	(0..=runs).map(|_| run()).skip(1).collect()
}

/// As [`wasmtime`], on wasmi.
pub fn wasmi(code: &[u8], input: &[u8], expected: &[u8], runs: usize) -> Vec<Duration> {
	use wasmi::{Caller, Engine, Linker, Memory, MemoryType, Module, Store};
	type C<'a> = Caller<'a, Host<Memory>>;
	fn mem<'a>(caller: &'a mut C<'_>) -> &'a mut [u8] {
		let memory = caller.data().memory.expect("set before the call");
		memory.data_mut(caller)
	}

	let engine = Engine::default();
	let module = Module::new(&engine, code).expect("the contract compiles");
	let (initial, maximum) = memory_limits(code);
	let run = || {
		let mut store =
			Store::new(&engine, Host { input: input.to_vec(), output: None, memory: None });
		let memory =
			Memory::new(&mut store, MemoryType::new(initial, Some(maximum))).expect("memory");
		store.data_mut().memory = Some(memory);
		let mut linker = Linker::<Host<Memory>>::new(&engine);
		linker.define("env", "memory", memory).expect("defines");
		linker
			.func_wrap("seal0", "input", |mut c: C<'_>, ptr: u32, len_ptr: u32| {
				let input = c.data().input.clone();
				assert!(write_out(mem(&mut c), ptr, len_ptr, &input), "input fits");
			})
			.expect("defines")
			.func_wrap("seal0", "value_transferred", |mut c: C<'_>, ptr: u32, len_ptr: u32| {
				assert!(write_out(mem(&mut c), ptr, len_ptr, &0u128.to_le_bytes()), "fits");
			})
			.expect("defines")
			.func_wrap(
				"seal1",
				"get_storage",
				|mut c: C<'_>, _: u32, _: u32, _: u32, len_ptr: u32| {
					let len_ptr = len_ptr as usize;
					mem(&mut c)[len_ptr..len_ptr + 4].copy_from_slice(&0u32.to_le_bytes());
					0u32
				},
			)
			.expect("defines")
			.func_wrap("seal2", "set_storage", |_: C<'_>, _: u32, _: u32, _: u32, _: u32| u32::MAX)
			.expect("defines")
			.func_wrap(
				"seal0",
				"seal_return",
				|mut c: C<'_>, _flags: u32, ptr: u32, len: u32| -> Result<(), wasmi::Error> {
					let data = mem(&mut c)[ptr as usize..(ptr + len) as usize].to_vec();
					c.data_mut().output = Some(data);
					Err(wasmi::Error::i32_exit(0))
				},
			)
			.expect("defines");
		let start = Instant::now();
		let instance = linker.instantiate_and_start(&mut store, &module).expect("instantiates");
		let call = instance.get_typed_func::<(), ()>(&store, "call").expect("exports call");
		let _ = call.call(&mut store, ());
		let time = start.elapsed();
		assert_eq!(store.data().output.as_deref(), Some(expected), "raw wasmi answer");
		time
	};
	(0..=runs).map(|_| run()).skip(1).collect()
}
