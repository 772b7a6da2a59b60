//! Conformance suite: every test runs the same runtime-side code on both backends inside
//! `sp_io::TestExternalities` and asserts identical outcomes.

use crate::{
	host::SandboxExt, host_interface::sandbox, Backend, Config, EnvironmentDefinitionBuilder,
	Error, HostCallContext, HostError, Instance, Memory, ModuleCache, ReturnValue,
	SharedModuleCache, Trap, TrapKind, Value,
};
use sp_externalities::ExternalitiesExt;

const BACKENDS: [Backend; 2] = [Backend::Wasmi, Backend::Wasmtime];

/// A cache without tiering: wasmtime runs every instance itself.
fn cache() -> SharedModuleCache {
	let cache = tiered_cache();
	cache.lock().expect("not poisoned").set_tiering(false);
	cache
}

/// A cache with tiering (as a node has): wasmtime runs fresh code on wasmi at first.
fn tiered_cache() -> SharedModuleCache {
	ModuleCache::new_shared(64 << 20).expect("engines build with the sandbox config")
}

fn run_on<R>(backend: Backend, cache: SharedModuleCache, f: impl FnOnce() -> R) -> R {
	let mut ext = sp_io::TestExternalities::default();
	ext.register_extension(SandboxExt::new(backend, cache));
	ext.execute_with(f)
}

/// Run `f` on both backends, and on wasmtime with tiering (fresh code on wasmi first, compiled
/// code once Cranelift is done: which one runs depends on timing), assert the results are
/// equal, return one.
fn on_both<R: PartialEq + core::fmt::Debug>(f: impl Fn(Backend) -> R) -> R {
	let mut results: Vec<R> = BACKENDS.iter().map(|&b| run_on(b, cache(), || f(b))).collect();
	let tiered = tiered_cache();
	results.push(run_on(Backend::Wasmtime, tiered.clone(), || f(Backend::Wasmtime)));
	assert_eq!(results[0], results[1], "backends disagree");
	assert_eq!(results[1], results[2], "wasmtime with tiering disagrees");
	results.into_iter().next().expect("three runs")
}

/// (instances, memories) the extension holds.
fn live_handles() -> (usize, usize) {
	sp_externalities::with_externalities(|mut ext| {
		ext.extension::<SandboxExt>().expect("registered by run_on").live_handles()
	})
	.expect("called inside execute_with")
}

/// Traps without frames, for comparing with [`trap`].
fn kind_only(r: Result<ReturnValue, Error>) -> Result<ReturnValue, Error> {
	r.map_err(|e| match e {
		Error::Trap(t) => Error::Trap(Trap { kind: t.kind, frames: Vec::new() }),
		e => e,
	})
}

fn trap(kind: TrapKind) -> Result<ReturnValue, Error> {
	Err(Error::Trap(Trap { kind, frames: Vec::new() }))
}

#[derive(Default)]
struct State {
	memory: Option<Memory>,
	calls: u64,
	seen: Vec<Vec<u8>>,
	/// Code that `env.nested` instantiates and calls.
	callee: Option<Vec<u8>>,
	/// Call sites `env.charge` saw.
	sites: Vec<u32>,
}

fn host_add(_: &mut State, args: &[Value]) -> Result<ReturnValue, HostError> {
	match args {
		[Value::I32(a), Value::I32(b)] => Ok(ReturnValue::Value(Value::I32(a.wrapping_add(*b)))),
		_ => Err(HostError(1)),
	}
}

/// `reverse(ptr, len)`: reads `len` bytes at `ptr`, writes them reversed at `ptr + len`.
fn host_reverse(state: &mut State, args: &[Value]) -> Result<ReturnValue, HostError> {
	let [Value::I32(ptr), Value::I32(len)] = args else { return Err(HostError(1)) };
	let memory = state.memory.as_ref().ok_or(HostError(2))?;
	let mut buf = vec![0u8; *len as usize];
	memory.get(*ptr as u32, &mut buf).map_err(|_| HostError(3))?;
	state.seen.push(buf.clone());
	buf.reverse();
	memory.set((*ptr + *len) as u32, &buf).map_err(|_| HostError(4))?;
	Ok(ReturnValue::Unit)
}

fn host_count(state: &mut State, _: &[Value]) -> Result<ReturnValue, HostError> {
	state.calls += 1;
	Ok(ReturnValue::Unit)
}

/// `nested(x) -> i32`: instantiates `state.callee` (with its own memory) and returns its
/// `call(x)`, like a contract calling another contract.
fn host_nested(state: &mut State, args: &[Value]) -> Result<ReturnValue, HostError> {
	let code = state.callee.clone().ok_or(HostError(5))?;
	let memory = Memory::new(1, Some(1)).map_err(|_| HostError(6))?;
	let mut inner = State { memory: Some(memory.clone()), ..Default::default() };
	let mut instance =
		Instance::new(&code, &env(Some(memory)), &Config::default()).map_err(|_| HostError(6))?;
	instance.set_gas_left(GAS);
	let result = instance.invoke("call", args, &mut inner).map_err(|_| HostError(8))?;
	state.calls += inner.calls + 1;
	Ok(result)
}

fn host_trap(_: &mut State, _: &[Value]) -> Result<ReturnValue, HostError> {
	Err(HostError(7))
}

/// Stops the instance on purpose, as a contract's `seal_return` does.
fn host_stop(_: &mut State, _: &[Value]) -> Result<ReturnValue, HostError> {
	Err(HostError(crate::HOST_STOP))
}

/// Charges its i64 argument in gas; traps with code 99 when that is more than what is left.
fn host_charge(
	state: &mut State,
	context: &mut HostCallContext,
	args: &[Value],
) -> Result<ReturnValue, HostError> {
	state.sites.push(context.call_site);
	let [Value::I64(n)] = args else { return Err(HostError(1)) };
	context.gas_left = context.gas_left.checked_sub(*n as u64).ok_or(HostError(99))?;
	Ok(ReturnValue::Unit)
}

fn env(memory: Option<Memory>) -> EnvironmentDefinitionBuilder<State> {
	let mut env = EnvironmentDefinitionBuilder::new();
	env.add_host_func("env", "add", host_add);
	env.add_host_func("env", "reverse", host_reverse);
	env.add_host_func("env", "count", host_count);
	env.add_host_func("env", "trap", host_trap);
	env.add_host_func("env", "stop", host_stop);
	env.add_host_func("env", "nested", host_nested);
	env.add_metered_host_func("env", "charge", host_charge);
	if let Some(m) = memory {
		env.add_memory("env", "memory", m);
	}
	env
}

fn wasm(text: &str) -> Vec<u8> {
	wat::parse_str(text).expect("test modules are valid WAT")
}

/// Instantiate `code` with a fresh 1-page memory (max 16) and invoke `call` with `args`.
/// Returns (result without trap frames, gas left, the first 64 bytes of memory, state, trap
/// frames): [`on_both`] compares the frames too.
fn run(
	code: &[u8],
	args: &[Value],
	gas: u64,
	config: &Config,
) -> (Result<ReturnValue, Error>, u64, Vec<u8>, Vec<Vec<u8>>, u64, Vec<u32>) {
	let memory = Memory::new(1, Some(16)).expect("valid limits");
	let mut state = State { memory: Some(memory.clone()), ..Default::default() };
	let mut instance = match Instance::new(code, &env(Some(memory.clone())), config) {
		Ok(i) => i,
		Err(e) => return (Err(e), 0, Vec::new(), Vec::new(), 0, Vec::new()),
	};
	instance.set_gas_left(gas);
	let result = instance.invoke("call", args, &mut state);
	let frames = match &result {
		Err(Error::Trap(trap)) => trap.frames.clone(),
		_ => Vec::new(),
	};
	let mut mem = vec![0u8; 64];
	memory.get(0, &mut mem).expect("in bounds");
	(kind_only(result), instance.gas_left(), mem, state.seen, state.calls, frames)
}

const GAS: u64 = 1_000_000;

/// The original code offsets of the operators `pick` selects, in order.
fn offsets_of(code: &[u8], pick: impl Fn(&wasmparser::Operator) -> bool) -> Vec<u32> {
	let mut offsets = Vec::new();
	for payload in wasmparser::Parser::new(0).parse_all(code) {
		if let wasmparser::Payload::CodeSectionEntry(body) = payload.expect("valid") {
			for op in body.get_operators_reader().expect("valid").into_iter_with_offsets() {
				let (op, offset) = op.expect("valid");
				if pick(&op) {
					offsets.push(offset as u32);
				}
			}
		}
	}
	offsets
}

#[test]
fn hand_checked_gas() {
	// One segment of 4 instructions (3 + `end`).
	let code =
		wasm(r#"(module (func (export "call") (result i32) i32.const 1 i32.const 2 i32.add))"#);
	let (result, gas_left, ..) = on_both(|_| run(&code, &[], 100, &Config::default()));
	assert_eq!(result, Ok(ReturnValue::Value(Value::I32(3))));
	assert_eq!(gas_left, 96);

	// Segments: [block] [loop] per iteration [get get ge_u br_if] + [get const add set br],
	// the last check [get get ge_u br_if], then [local.get end]: 8 + 9n.
	let code = wasm(
		r#"(module (func (export "call") (param $n i32) (result i32) (local $i i32)
			(block $out (loop $top
				local.get $i local.get $n i32.ge_u br_if $out
				local.get $i i32.const 1 i32.add local.set $i br $top))
			local.get $i))"#,
	);
	for n in [0, 1, 10, 100] {
		let (result, gas_left, ..) =
			on_both(|_| run(&code, &[Value::I32(n)], 10_000, &Config::default()));
		assert_eq!(result, Ok(ReturnValue::Value(Value::I32(n))));
		assert_eq!(10_000 - gas_left, 8 + 9 * n as u64, "n = {n}");
	}
	// Out of gas: 500 - 2 = 498 = 9 * 55 + 3, so the 56th check (cost 4) fails with 3 left.
	let (result, gas_left, ..) =
		on_both(|_| run(&code, &[Value::I32(1000)], 500, &Config::default()));
	assert_eq!(result, trap(TrapKind::OutOfGas));
	assert_eq!(gas_left, 3);
}

#[test]
fn out_of_gas_at_same_point_with_same_memory() {
	// Stores an increasing counter at address 0 forever.
	let code = wasm(
		r#"(module (import "env" "memory" (memory 1))
			(func (export "call") (local $i i32)
				(loop $top
					i32.const 0 local.get $i i32.store
					local.get $i i32.const 1 i32.add local.set $i
					br $top)))"#,
	);
	let mut last = None;
	for budget in [0u64, 1, 2, 3, 50, 1234, 5000] {
		let (result, gas_left, mem, ..) = on_both(|_| run(&code, &[], budget, &Config::default()));
		assert_eq!(result, trap(TrapKind::OutOfGas), "budget {budget}");
		assert!(gas_left < 10);
		let counter = u32::from_le_bytes(mem[0..4].try_into().expect("4 bytes"));
		if let Some(prev) = last {
			assert!(counter >= prev);
		}
		last = Some(counter);
	}
	assert!(last.expect("ran") > 100);
}

#[test]
fn host_call_round_trip_with_memory() {
	let code = wasm(
		r#"(module
			(import "env" "reverse" (func $reverse (param i32 i32)))
			(import "env" "add" (func $add (param i32 i32) (result i32)))
			(import "env" "memory" (memory 1 16))
			(data (i32.const 0) "hello")
			(func (export "call") (result i32)
				i32.const 0 i32.const 5 call $reverse
				;; first reversed byte ('o' = 111) + 1000 through the host
				i32.const 5 i32.load8_u i32.const 1000 call $add))"#,
	);
	let (result, gas_left, mem, seen, ..) = on_both(|_| run(&code, &[], GAS, &Config::default()));
	assert_eq!(result, Ok(ReturnValue::Value(Value::I32(1111))));
	assert_eq!(&mem[0..10], b"helloolleh");
	assert_eq!(seen, vec![b"hello".to_vec()]);
	assert!(gas_left < GAS);
}

#[test]
fn ten_thousand_host_calls() {
	let code = wasm(
		r#"(module
			(import "env" "count" (func $count))
			(func (export "call") (param $n i32) (local $i i32)
				(block $out (loop $top
					local.get $i local.get $n i32.ge_u br_if $out
					call $count
					local.get $i i32.const 1 i32.add local.set $i br $top))))"#,
	);
	let (result, gas_left, _, _, calls, _) =
		on_both(|_| run(&code, &[Value::I32(10_000)], GAS, &Config::default()));
	assert_eq!(result, Ok(ReturnValue::Unit));
	assert_eq!(calls, 10_000);
	// [block][loop] + n * ([4] + [call] + [5]) + [4] + [end] = 7 + 10n.
	assert_eq!(GAS - gas_left, 7 + 10 * 10_000);
}

#[test]
fn metered_host_function_charges_gas() {
	let code = wasm(
		r#"(module (import "env" "charge" (func $charge (param i64)))
			(func (export "call") i64.const 1000 call $charge))"#,
	);
	// [i64.const call] = 2, then [end] = 1, plus 1000 by the host.
	let (result, gas_left, ..) = on_both(|_| run(&code, &[], 5000, &Config::default()));
	assert_eq!(result, Ok(ReturnValue::Unit));
	assert_eq!(gas_left, 5000 - 1003);
	let (result, gas_left, ..) = on_both(|_| run(&code, &[], 500, &Config::default()));
	assert_eq!(result, trap(TrapKind::Host(99)));
	assert_eq!(gas_left, 498);
}

/// A memory fault with LLVM's stack pointer (global 0) run below zero is the contract's stack
/// running out; any other memory fault stays one.
#[test]
fn a_shadow_stack_overflow_is_stack_exhausted() {
	let code = |frame: u32| {
		wasm(&format!(
			r#"(module (import "env" "memory" (memory 1))
				(global $sp (mut i32) (i32.const 1024))
				(func (export "call")
					global.get $sp i32.const {frame} i32.sub global.set $sp
					global.get $sp i32.const 0 i32.store
					i32.const 70000 i32.load drop))"#
		))
	};
	let (overflow, ..) = on_both(|_| run(&code(2048), &[], GAS, &Config::default()));
	assert_eq!(overflow, trap(TrapKind::StackExhausted));
	let (fault, ..) = on_both(|_| run(&code(16), &[], GAS, &Config::default()));
	assert_eq!(fault, trap(TrapKind::MemoryOutOfBounds));
}

/// A host function learns where it was called from: the original offset of the `call`.
#[test]
fn host_calls_report_their_call_site() {
	let code = wasm(
		r#"(module (import "env" "charge" (func $charge (param i64)))
			(func $inner i64.const 1 call $charge)
			(func (export "call") i64.const 2 call $charge call $inner))"#,
	);
	let import_calls =
		offsets_of(&code, |op| matches!(op, wasmparser::Operator::Call { function_index: 0 }));
	let [in_inner, in_call] = import_calls[..] else { panic!("two calls of the import") };
	let sites = on_both(|_| {
		let mut state = State::default();
		let mut instance = Instance::new(&code, &env(None), &Config::default()).expect("valid");
		instance.set_gas_left(GAS);
		instance.invoke("call", &[], &mut state).expect("runs");
		state.sites
	});
	assert_eq!(sites, vec![in_call, in_inner]);
}

#[test]
fn every_trap_kind() {
	let cases: &[(&str, TrapKind)] = &[
		("unreachable", TrapKind::Unreachable),
		("i32.const 65536 i32.load drop", TrapKind::MemoryOutOfBounds),
		("i32.const 5 call_indirect (type $v)", TrapKind::TableOutOfBounds),
		("i32.const 1 call_indirect (type $v)", TrapKind::IndirectCallToNull),
		("i32.const 0 call_indirect (type $i) drop", TrapKind::IndirectCallTypeMismatch),
		("i32.const 0x80000000 i32.const -1 i32.div_s drop", TrapKind::IntegerOverflow),
		("i32.const 1 i32.const 0 i32.div_u drop", TrapKind::IntegerDivisionByZero),
		("call $trap", TrapKind::Host(7)),
		("call $self", TrapKind::StackExhausted),
		("(loop $l br $l)", TrapKind::OutOfGas),
	];
	for (body, kind) in cases {
		let code = wasm(&format!(
			r#"(module
				(import "env" "trap" (func $trap))
				(import "env" "memory" (memory 1))
				(type $v (func))
				(type $i (func (result i32)))
				(table 2 funcref)
				(elem (i32.const 0) $nop)
				(func $nop)
				(func $self (export "call") {body}))"#
		));
		let (result, ..) = on_both(|_| run(&code, &[], GAS, &Config::default()));
		assert_eq!(result, trap(*kind), "{body}");
	}
}

/// Frames are translated to the original module's code offsets; wasmi's come from replaying
/// the trapping instance on wasmtime.
#[test]
fn trap_frames_point_into_the_original_module() {
	let code = wasm(
		r#"(module
			(func $inner i32.const 1 drop unreachable)
			(func (export "call") nop call $inner))"#,
	);
	// Original offsets of `unreachable` in $inner and of `call $inner`.
	let offsets = offsets_of(&code, |op| {
		matches!(op, wasmparser::Operator::Unreachable | wasmparser::Operator::Call { .. })
	});
	let frames = on_both(|_| {
		let mut instance = Instance::new(&code, &env(None), &Config::default()).expect("valid");
		match instance.invoke("call", &[], &mut State::default()) {
			Err(Error::Trap(Trap { kind: TrapKind::Unreachable, frames })) => frames,
			other => panic!("expected a trap, got {other:?}"),
		}
	});
	assert_eq!(frames, offsets);
}

/// wasmi's frames come from replaying the instance on wasmtime, which must see what wasmi saw:
/// bytes the runtime wrote before instantiation and during host calls decide which function
/// traps, and an earlier invocation of the same instance trapped in a host function.
#[test]
fn wasmi_frames_come_from_an_exact_replay() {
	let code = wasm(
		r#"(module
			(import "env" "reverse" (func $reverse (param i32 i32)))
			(import "env" "trap" (func $trap))
			(import "env" "memory" (memory 1 16))
			(func $left unreachable)
			(func $right unreachable)
			(func (export "call") (param $mode i32)
				;; Bytes 0..2 come from the runtime; `reverse` writes them reversed at 2..4.
				i32.const 0 i32.const 2 call $reverse
				local.get $mode i32.eqz
				if call $trap end
				i32.const 2 i32.load8_u i32.const 0x62 i32.eq
				if call $left else call $right end))"#,
	);
	let unreachable = offsets_of(&code, |op| matches!(op, wasmparser::Operator::Unreachable));
	let [left, _right] = unreachable[..] else { panic!("two unreachables") };
	let traps = on_both(|_| {
		let memory = Memory::new(1, Some(16)).expect("valid limits");
		memory.set(0, b"ab").expect("in bounds");
		let mut state = State { memory: Some(memory.clone()), ..Default::default() };
		let mut instance =
			Instance::new(&code, &env(Some(memory)), &Config::default()).expect("valid");
		instance.set_gas_left(GAS);
		let host = instance.invoke("call", &[Value::I32(0)], &mut state);
		let branch = instance.invoke("call", &[Value::I32(1)], &mut state);
		(host, branch)
	});
	let (Err(Error::Trap(host)), Err(Error::Trap(branch))) = traps else {
		panic!("both calls trap: {traps:?}")
	};
	assert_eq!(host.kind, TrapKind::Host(7));
	assert_eq!(host.frames.len(), 1, "the host call site in `call`");
	assert_eq!(branch.kind, TrapKind::Unreachable);
	assert_eq!(branch.frames.len(), 2, "`left` called from `call`");
	assert_eq!(branch.frames[0], left, "\"ab\" reversed starts with 'b': `left` traps");
}

#[test]
fn stack_limit() {
	// Each frame of $f costs 2 + 1 param + 0 locals + 13 instructions = 16 units.
	let code = wasm(
		r#"(module (func $f (export "call") (param i32) (result i32)
			local.get 0 i32.eqz
			if (result i32) i32.const 0
			else local.get 0 i32.const 1 i32.sub call $f i32.const 1 i32.add end))"#,
	);
	let config = Config { max_stack_height: 16 * 100, ..Config::default() };
	let (result, ..) = on_both(|_| run(&code, &[Value::I32(99)], GAS, &config));
	assert_eq!(result, Ok(ReturnValue::Value(Value::I32(99))));
	let (result, gas_a, ..) = on_both(|_| run(&code, &[Value::I32(100)], GAS, &config));
	assert_eq!(result, trap(TrapKind::StackExhausted));
	// The counter is reset per invocation: a smaller depth succeeds afterwards on one instance.
	let (second, gas_b) = on_both(|_| {
		let mut instance = Instance::new(&code, &env(None), &config).expect("valid");
		instance.set_gas_left(GAS);
		let _ = instance.invoke("call", &[Value::I32(5000)], &mut State::default());
		instance.set_gas_left(GAS);
		let r = instance.invoke("call", &[Value::I32(10)], &mut State::default());
		(r, instance.gas_left())
	});
	assert_eq!(second, Ok(ReturnValue::Value(Value::I32(10))));
	assert!(gas_b > gas_a);

	// With the default limit, unbounded recursion stops at the instrumented limit on both.
	let code = wasm(r#"(module (func $f (export "call") call $f))"#);
	let (result, gas_left, ..) = on_both(|_| run(&code, &[], GAS, &Config::default()));
	assert_eq!(result, trap(TrapKind::StackExhausted));
	// 4 units per frame: 64 Ki / 4 = 16384 frames pay their `call` segment, the next traps.
	assert_eq!(GAS - gas_left, 16384);
}

#[test]
fn memory_growth_limit() {
	let code = wasm(
		r#"(module (import "env" "memory" (memory 1))
			(func (export "call") (param i32) (result i32) local.get 0 memory.grow))"#,
	);
	let grow = |max: Option<u32>, config: Config, steps: &[i32]| {
		on_both(|_| {
			let memory = Memory::new(1, max).expect("valid limits");
			let mut instance =
				Instance::new(&code, &env(Some(memory.clone())), &config).expect("valid");
			let results: Vec<_> = steps
				.iter()
				.map(|n| instance.invoke("call", &[Value::I32(*n)], &mut State::default()))
				.collect();
			let mut last = [0u8; 1];
			let beyond = memory.get(3 * 65536, &mut last).is_ok();
			(results, beyond)
		})
	};
	let r = |v| Ok(ReturnValue::Value(Value::I32(v)));
	let (results, _) = grow(Some(3), Config::default(), &[1, 1, 1, 0]);
	assert_eq!(results, vec![r(1), r(2), r(-1), r(3)]);
	// The config caps growth below the memory's own maximum.
	let (results, beyond) =
		grow(Some(16), Config { max_memory_pages: 2, ..Config::default() }, &[1, 1]);
	assert_eq!(results, vec![r(1), r(-1)]);
	assert!(!beyond);
	// No maximum at all: the config's limit applies.
	let (results, _) = grow(None, Config { max_memory_pages: 4, ..Config::default() }, &[3, 1]);
	assert_eq!(results, vec![r(1), r(-1)]);
	// The module's declared maximum applies too.
	let code = wasm(
		r#"(module (import "env" "memory" (memory 1 2))
			(func (export "call") (param i32) (result i32) local.get 0 memory.grow))"#,
	);
	let results = on_both(|_| {
		let memory = Memory::new(1, Some(16)).expect("valid limits");
		let mut instance =
			Instance::new(&code, &env(Some(memory)), &Config::default()).expect("valid");
		[1, 1].map(|n| instance.invoke("call", &[Value::I32(n)], &mut State::default()))
	});
	assert_eq!(results, [r(1), r(-1)]);
}

#[test]
fn invalid_modules_rejected_with_specific_errors() {
	let d = Config::default;
	let cases: Vec<(Vec<u8>, Config, Error)> = vec![
		(b"\0asm\x01\0\0\0garbage".to_vec(), d(), Error::InvalidModule),
		(b"not wasm at all".to_vec(), d(), Error::InvalidModule),
		(
			wasm(r#"(module (func (export "call") (result f32) f32.const 1))"#),
			d(),
			Error::FloatsNotAllowed,
		),
		(
			wasm(r#"(module (func (export "call") i32.const 1 f64.convert_i32_s drop))"#),
			d(),
			Error::FloatsNotAllowed,
		),
		(wasm(r#"(module (func (export "call") (local f64)))"#), d(), Error::FloatsNotAllowed),
		(
			wasm(r#"(module (func (export "call") (result i32 i32) i32.const 1 i32.const 2))"#),
			d(),
			Error::UnsupportedFeature,
		),
		(
			wasm(
				r#"(module (import "env" "memory" (memory 1))
				(func (export "call") i32.const 0 i32.const 0 i32.const 1 memory.fill))"#,
			),
			d(),
			Error::UnsupportedFeature,
		),
		(
			wasm(r#"(module (import "env" "table" (table 1 funcref)) (func (export "call")))"#),
			d(),
			Error::ForbiddenImport,
		),
		(
			wasm(r#"(module (import "env" "missing" (func)) (func (export "call")))"#),
			d(),
			Error::ForbiddenImport,
		),
		(
			wasm(r#"(module (import "other" "memory" (memory 1)) (func (export "call")))"#),
			d(),
			Error::ForbiddenImport,
		),
		(
			wasm(r#"(module (func (export "call")) (func (export "other")))"#),
			d(),
			Error::ForbiddenExport,
		),
		(
			wasm(r#"(module (func (export "call")))"#),
			Config { max_code_size: 10, ..d() },
			Error::CodeTooLarge,
		),
		(
			wasm(r#"(module (func (export "call")) (func))"#),
			Config { max_functions: 1, ..d() },
			Error::TooManyFunctions,
		),
		(
			wasm(r#"(module (func (export "call") (param i32) (local i32 i64)))"#),
			Config { max_locals: 2, ..d() },
			Error::TooManyLocals,
		),
		(
			wasm(
				r#"(module (global i32 (i32.const 0)) (global i32 (i32.const 0))
				(func (export "call")))"#,
			),
			Config { max_globals: 1, ..d() },
			Error::TooManyGlobals,
		),
		(
			wasm(r#"(module (table 100 funcref) (func (export "call")))"#),
			Config { max_table_size: 10, ..d() },
			Error::TableTooLarge,
		),
		(
			wasm(r#"(module (func $s) (start $s) (func (export "call")))"#),
			d(),
			Error::StartFunctionPresent,
		),
		(
			wasm(r#"(module (import "env" "memory" (memory 2)) (func (export "call")))"#),
			d(),
			Error::MemoryMismatch,
		),
		(wasm(r#"(module (memory 1) (func (export "call")))"#), d(), Error::MemoryMismatch),
		(
			wasm(
				r#"(module (import "env" "memory" (memory 1))
				(data (i32.const 65535) "ab") (func (export "call")))"#,
			),
			d(),
			Error::Instantiation,
		),
	];
	for (code, config, expected) in cases {
		let (result, ..) = on_both(|_| run(&code, &[], GAS, &config));
		assert_eq!(result, Err(expected.clone()), "expected {expected:?}");
	}
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
	let code = wasm(r#"(module (func (export "call") (param i32) (result i32) local.get 0))"#);
	let outcome = on_both(|_| {
		let mut i = Instance::new(&code, &env(None), &Config::default()).expect("valid");
		let s = &mut State::default();
		let mut buf = [0u8; 4];
		(
			i.invoke("call", &[], s),
			i.invoke("call", &[Value::I64(1)], s),
			i.invoke("call", &[Value::I32(1), Value::I32(2)], s),
			i.invoke("nope", &[Value::I32(1)], s),
			i.invoke("call", &[Value::I32(41)], s),
			i.get_global_val(crate::host::GAS_EXPORT),
			sandbox::memory_get(12345, 0, &mut buf),
			sandbox::invoke(12345, b"call", Vec::new(), 0),
			sandbox::resume(i.handle(), Ok(ReturnValue::Unit), 0),
			Memory::new(2, Some(1)).map(|_| ()),
			Memory::new(1, None).and_then(|m| m.get(65535, &mut buf)),
			Memory::new(1, None).and_then(|m| m.set(u32::MAX, &buf)),
		)
	});
	assert_eq!(outcome.0, Err(Error::InvalidArguments));
	assert_eq!(outcome.1, Err(Error::InvalidArguments));
	assert_eq!(outcome.2, Err(Error::InvalidArguments));
	assert_eq!(outcome.3, Err(Error::ExportNotFound));
	assert_eq!(outcome.4, Ok(ReturnValue::Value(Value::I32(41))));
	assert_eq!(outcome.5, None);
	assert_eq!(outcome.6, Err(Error::InvalidHandle));
	assert_eq!(outcome.7, Err(Error::InvalidHandle));
	assert_eq!(outcome.8, Err(Error::InvalidState));
	assert_eq!(outcome.9, Err(Error::InvalidMemoryLimits));
	assert_eq!(outcome.10, Err(Error::MemoryOutOfBounds));
	assert_eq!(outcome.11, Err(Error::MemoryOutOfBounds));

	// A host function whose reply does not fit the import's type.
	let code = wasm(
		r#"(module (import "env" "count" (func $c (result i32)))
			(func (export "call") (result i32) call $c))"#,
	);
	let r = on_both(|_| {
		let mut i = Instance::new(&code, &env(None), &Config::default()).expect("valid");
		let first = i.invoke("call", &[], &mut State::default());
		// The failed call was unwound: the instance takes new invocations.
		let second = i.invoke("call", &[], &mut State::default());
		(first, second)
	});
	assert_eq!(r, (Err(Error::InvalidArguments), Err(Error::InvalidArguments)));

	for config in [
		Config { max_stack_height: crate::MAX_STACK_HEIGHT_LIMIT + 1, ..Config::default() },
		Config { max_memory_pages: 65537, ..Config::default() },
	] {
		let r = on_both(|_| Instance::new(&code, &env(None), &config).map(|_| ()));
		assert_eq!(r, Err(Error::InvalidConfig));
	}
}

/// At the largest allowed stack limit, the instrumented limit still fires before either
/// engine's own: the cheapest possible frame (3 units) recursing without end.
#[test]
fn largest_stack_limit_is_still_deterministic() {
	let code = wasm(r#"(module (func $f (export "call") call $f))"#);
	let config = Config { max_stack_height: crate::MAX_STACK_HEIGHT_LIMIT, ..Config::default() };
	let (result, gas_left, ..) = on_both(|_| run(&code, &[], GAS, &config));
	assert_eq!(result, trap(TrapKind::StackExhausted));
	assert_eq!(GAS - gas_left, u64::from(crate::MAX_STACK_HEIGHT_LIMIT / 4));
	// Many locals per frame: the most native stack per unit.
	let code = wasm(
		r#"(module (func $f (export "call") (param i64) (local i64 i64 i64 i64 i64 i64 i64 i64)
			local.get 0 local.set 1 local.get 1 local.set 2 local.get 2 local.set 3
			local.get 3 local.set 4 local.get 4 local.set 5 local.get 5 local.set 6
			local.get 6 local.set 7 local.get 7 local.set 8
			local.get 8 i64.const 1 i64.add call $f))"#,
	);
	let (result, ..) = on_both(|_| run(&code, &[Value::I64(0)], 100 * GAS, &config));
	assert_eq!(result, trap(TrapKind::StackExhausted));
}

#[test]
fn exported_globals() {
	let code = wasm(
		r#"(module (global $g (export "g") (mut i64) (i64.const 5))
			(func (export "call") i64.const 42 global.set $g))"#,
	);
	let config =
		Config { allowed_exports: vec![b"call".to_vec(), b"g".to_vec()], ..Config::default() };
	let got = on_both(|_| {
		let mut i = Instance::new(&code, &env(None), &config).expect("valid");
		let before = i.get_global_val("g");
		i.invoke("call", &[], &mut State::default()).expect("runs");
		(before, i.get_global_val("g"), i.get_global_val("missing"))
	});
	assert_eq!(got, (Some(Value::I64(5)), Some(Value::I64(42)), None));
}

#[test]
fn no_leak_after_ten_thousand_instantiations() {
	let code = wasm(
		r#"(module (import "env" "count" (func $c)) (import "env" "memory" (memory 1))
			(func (export "call") call $c))"#,
	);
	for backend in BACKENDS {
		let cache = cache();
		run_on(backend, cache.clone(), || {
			let mut state = State::default();
			for _ in 0..10_000 {
				let memory = Memory::new(1, Some(1)).expect("valid");
				let mut i =
					Instance::new(&code, &env(Some(memory)), &Config::default()).expect("valid");
				i.invoke("call", &[], &mut state).expect("runs");
			}
			assert_eq!(state.calls, 10_000);
			assert_eq!(live_handles(), (0, 0), "{backend:?}");
			// Memory outliving its instance keeps it as backing store, then both go.
			let memory = Memory::new(1, Some(1)).expect("valid");
			let i = Instance::new(&code, &env(Some(memory.clone())), &Config::default())
				.expect("valid");
			memory.set(0, b"kept").expect("in bounds");
			drop(i);
			let mut buf = [0u8; 4];
			memory.get(0, &mut buf).expect("still readable");
			assert_eq!(&buf, b"kept");
			assert_eq!(live_handles(), (1, 1));
			drop(memory);
			assert_eq!(live_handles(), (0, 0));
		});
		let stats = cache.lock().expect("not poisoned").stats();
		assert_eq!(stats.misses, 1, "{backend:?} compiled once");
		assert_eq!(stats.hits, 10_000);
	}
}

#[test]
fn wasmtime_live_instance_limit_is_an_error() {
	let code = wasm(r#"(module (func (export "call")))"#);
	// With tiering the first instances run on wasmi: they count all the same, so the limit
	// does not depend on how far the background compile has got.
	for cache in [cache(), tiered_cache()] {
		run_on(Backend::Wasmtime, cache, || {
			let config = Config::default();
			let env = EnvironmentDefinitionBuilder::<State>::new();
			let mut held: Vec<_> = (0..crate::MAX_LIVE_INSTANCES)
				.map(|_| Instance::new(&code, &env, &config).expect("within the pool"))
				.collect();
			assert_eq!(Instance::new(&code, &env, &config).err(), Some(Error::Instantiation));
			held.pop();
			let mut state = State::default();
			let mut i = Instance::new(&code, &env, &config).expect("a slot was freed");
			assert_eq!(i.invoke("call", &[], &mut state), Ok(ReturnValue::Unit));
		});
	}
	// The pooled tables are sized for this limit, so configs above it are refused up front.
	let config = Config { max_table_size: crate::MAX_TABLE_SIZE_LIMIT + 1, ..Config::default() };
	let result = on_both(|_| {
		let env = EnvironmentDefinitionBuilder::<State>::new();
		Instance::new(&code, &env, &config).err()
	});
	assert_eq!(result, Some(Error::InvalidConfig));
}

#[test]
fn memory_access_while_suspended() {
	// The host function writes into memory during the call; Wasm reads it after resuming.
	let code = wasm(
		r#"(module (import "env" "reverse" (func $r (param i32 i32)))
			(import "env" "memory" (memory 1))
			(func (export "call") (result i32)
				i32.const 100 i32.const 0x04030201 i32.store
				i32.const 100 i32.const 4 call $r
				i32.const 104 i32.load))"#,
	);
	let (result, ..) = on_both(|_| run(&code, &[], GAS, &Config::default()));
	assert_eq!(result, Ok(ReturnValue::Value(Value::I32(0x01020304))));
}

#[test]
fn cache_is_shared_and_bounded() {
	let shared = cache();
	let a = wasm(r#"(module (func (export "call")))"#);
	let b = wasm(r#"(module (func (export "call") nop))"#);
	for _ in 0..2 {
		run_on(Backend::Wasmtime, shared.clone(), || {
			for code in [&a, &b] {
				Instance::new(code, &env(None), &Config::default()).expect("valid");
			}
		});
	}
	let stats = shared.lock().expect("not poisoned").stats();
	assert_eq!((stats.misses, stats.hits, stats.entries), (2, 2, 2));

	let tiny = ModuleCache::new_shared(1).expect("engines");
	run_on(Backend::Wasmi, tiny.clone(), || {
		for code in [&a, &b, &a] {
			Instance::new(code, &env(None), &Config::default()).expect("valid");
		}
	});
	let stats = tiny.lock().expect("not poisoned").stats();
	assert_eq!((stats.entries, stats.misses, stats.evictions), (1, 3, 2));
}

/// A contract's code crosses to the host once: later instances name it by its hash. Unknown
/// hashes, another config and evicted code say `NotCached`, and `Instance::new_cached` then
/// hands over the code; the instances run alike either way.
#[test]
fn cached_code_is_instantiated_by_its_hash() {
	let code = wasm(r#"(module (func (export "call") (result i32) i32.const 7))"#);
	let hash = sp_crypto_hashing::blake2_256(&code);
	let other = Config { max_globals: Config::default().max_globals - 1, ..Config::default() };
	for backend in BACKENDS {
		let shared = cache();
		run_on(backend, shared.clone(), || {
			let env = EnvironmentDefinitionBuilder::<State>::new();
			let no_imports = crate::EnvironmentDefinition::default;
			let by_hash = |config: &Config| {
				sandbox::instance_new_cached(hash, no_imports(), config.clone()).map(drop)
			};
			assert_eq!(by_hash(&Config::default()), Err(Error::NotCached), "nothing held yet");
			let mut state = State::default();
			for _ in 0..3 {
				let mut i =
					Instance::new_cached(&hash, &code, &env, &Config::default()).expect("valid");
				assert_eq!(
					i.invoke("call", &[], &mut state),
					Ok(ReturnValue::Value(Value::I32(7)))
				);
			}
			assert_eq!(by_hash(&Config::default()), Ok(()));
			assert_eq!(by_hash(&other), Err(Error::NotCached), "prepared under another config");
			let unknown = sp_crypto_hashing::blake2_256(b"no such code");
			let result = sandbox::instance_new_cached(unknown, no_imports(), Config::default());
			assert_eq!(result, Err(Error::NotCached));
			// An out-of-range config is refused before any lookup, as `Instance::new` does.
			let huge = Config { max_memory_pages: 65537, ..Config::default() };
			assert_eq!(by_hash(&huge), Err(Error::InvalidConfig));
		});
		let stats = shared.lock().expect("not poisoned").stats();
		// The first `new_cached` missed and prepared the code; every later one hit by hash.
		assert_eq!((stats.misses, stats.hits, stats.entries), (1, 3, 1), "{backend:?}");
	}
}

/// wasmi never frees translated code, so the cache starts a fresh wasmi engine once the current
/// one has seen as much code as the cache holds; a cached module of an older engine is
/// translated again into the current one and runs as before.
#[test]
fn the_wasmi_engine_is_renewed_and_cached_modules_move_to_the_new_one() {
	let program = |n: i32| {
		wasm(&format!(
			r#"(module (import "env" "memory" (memory 1 16))
			(func (export "call") (result i32) i32.const {n}))"#
		))
	};
	let returns = |cache: &SharedModuleCache, n: i32| {
		let (result, ..) = run_on(Backend::Wasmi, cache.clone(), || {
			run(&program(n), &[], GAS, &Config::default())
		});
		assert_eq!(result, Ok(ReturnValue::Value(Value::I32(n))));
	};
	// Room for a few entries: the size of one, measured.
	let probe = cache();
	returns(&probe, 0);
	let entry = probe.lock().expect("not poisoned").stats().bytes;
	let shared = ModuleCache::new_shared(4 * entry).expect("engines");
	let stats = || shared.lock().expect("not poisoned").stats();
	returns(&shared, 0);
	let mut moved = 0;
	for n in 1..=20 {
		let before = stats();
		returns(&shared, n);
		let mid = stats();
		// Module 0 stays hot (and cached) while the others pass through; after a renewal it is
		// translated into the new engine, otherwise it is a hit.
		returns(&shared, 0);
		let after = stats();
		if mid.wasmi_engine_renewals > before.wasmi_engine_renewals {
			assert_eq!(after.misses, mid.misses + 1, "module 0 moves to the new engine");
			moved += 1;
		} else {
			assert_eq!(after.hits, mid.hits + 1, "module 0 is still current");
		}
	}
	assert!(moved >= 2, "{:?}", stats());
	assert!(stats().evictions > 0, "{:?}", stats());

	// A cache with room for all of them keeps one engine.
	let roomy = cache();
	for n in 0..=20 {
		returns(&roomy, n);
	}
	assert_eq!(roomy.lock().expect("not poisoned").stats().wasmi_engine_renewals, 0);
}

#[test]
fn no_extension_is_an_error() {
	let mut ext = sp_io::TestExternalities::default();
	ext.execute_with(|| {
		assert_eq!(Memory::new(1, None).map(|_| ()), Err(Error::NoExtension));
		let code = wasm(r#"(module (func (export "call")))"#);
		let env = EnvironmentDefinitionBuilder::<State>::new();
		assert_eq!(
			Instance::new(&code, &env, &Config::default()).map(|_| ()),
			Err(Error::NoExtension)
		);
	});
}

#[test]
fn nested_instances_while_suspended() {
	// The caller is suspended in `nested` while the callee runs and makes its own host calls;
	// the caller's memory stays intact and reachable.
	let callee = wasm(
		r#"(module (import "env" "count" (func $c)) (import "env" "memory" (memory 1))
			(func (export "call") (param i32) (result i32)
				call $c i32.const 0 local.get 0 i32.store
				local.get 0 i32.const 2 i32.mul))"#,
	);
	let caller = wasm(
		r#"(module (import "env" "nested" (func $n (param i32) (result i32)))
			(import "env" "memory" (memory 1))
			(func (export "call") (result i32)
				i32.const 0 i32.const 7 i32.store
				i32.const 21 call $n
				i32.const 0 i32.load i32.add))"#,
	);
	let outcome = on_both(|_| {
		let memory = Memory::new(1, Some(1)).expect("valid");
		let mut state = State {
			memory: Some(memory.clone()),
			callee: Some(callee.clone()),
			..Default::default()
		};
		let mut i = Instance::new(&caller, &env(Some(memory)), &Config::default()).expect("valid");
		i.set_gas_left(GAS);
		let r = i.invoke("call", &[], &mut state);
		(r, state.calls, i.gas_left(), live_handles())
	});
	assert_eq!(outcome.0, Ok(ReturnValue::Value(Value::I32(42 + 7))));
	assert_eq!(outcome.1, 2);
	// Only the caller (and its memory) is left; the callee was torn down.
	assert_eq!(outcome.3, (1, 1));
}

/// Every way out of a function (`return`, `br`/`br_if` to the function's label, falling off the
/// end) gives its stack units back: 3000 calls under a limit that fits only a few frames.
#[test]
fn stack_counter_is_released_on_every_exit() {
	let code = wasm(
		r#"(module
			(func $exit (param i32) (result i32)
				local.get 0 i32.const 1 i32.eq if i32.const 1 return end
				local.get 0 local.get 0 i32.const 2 i32.eq br_if 0
				drop
				local.get 0 i32.eqz if i32.const 7 br 1 end
				i32.const 9)
			(func (export "call") (param $n i32) (result i32) (local $i i32) (local $sum i32)
				(block $out (loop $top
					local.get $i local.get $n i32.ge_u br_if $out
					local.get $i i32.const 4 i32.rem_u call $exit
					local.get $sum i32.add local.set $sum
					local.get $i i32.const 1 i32.add local.set $i br $top))
				local.get $sum))"#,
	);
	let config = Config { max_stack_height: 200, ..Config::default() };
	let (result, gas_left, ..) = on_both(|_| run(&code, &[Value::I32(3000)], GAS, &config));
	// Per 4 calls: 7 (br) + 1 (return) + 2 (br_if) + 9 (end).
	assert_eq!(result, Ok(ReturnValue::Value(Value::I32(750 * 19))));
	assert!(gas_left < GAS);
}

/// Differential sweep: for assorted programs, every gas budget from 0 up to the full cost (in
/// steps) gives the same result, gas left and memory on both backends.
#[test]
fn gas_budget_sweep_is_identical_on_both_backends() {
	let programs = [
		// Recursive Fibonacci.
		(
			r#"(module (import "env" "memory" (memory 1))
			(func $fib (param i32) (result i32)
				local.get 0 i32.const 2 i32.lt_u
				if (result i32) local.get 0
				else local.get 0 i32.const 1 i32.sub call $fib
					local.get 0 i32.const 2 i32.sub call $fib i32.add end)
			(func (export "call") (param i32) (result i32)
				i32.const 0 local.get 0 call $fib i32.store i32.const 0 i32.load))"#,
			Value::I32(15),
		),
		// br_table dispatch, sign extension and i64 arithmetic writing memory.
		(
			r#"(module (import "env" "memory" (memory 1)) (import "env" "count" (func $c))
			(func (export "call") (param $n i32) (result i32) (local $i i32) (local $acc i64)
				(block $out (loop $top
					local.get $i local.get $n i32.ge_u br_if $out
					(block $b2 (block $b1 (block $b0
						local.get $i i32.const 3 i32.rem_u br_table $b0 $b1 $b2)
						local.get $acc i64.const 7 i64.mul i64.const 3 i64.add local.set $acc
						br $b2)
						local.get $i i32.extend8_s i64.extend_i32_s local.get $acc i64.xor local.set $acc
						call $c br $b2)
					local.get $i i32.const 8 i32.mul local.get $acc i64.store
					local.get $i i32.const 1 i32.add local.set $i br $top))
				local.get $acc i32.wrap_i64))"#,
			Value::I32(300),
		),
		// call_indirect through a table in a loop.
		(
			r#"(module (import "env" "memory" (memory 1)) (type $t (func (param i32) (result i32)))
			(table 3 funcref) (elem (i32.const 0) $a $b $d)
			(func $a (param i32) (result i32) local.get 0 i32.const 1 i32.add)
			(func $b (param i32) (result i32) local.get 0 i32.const 3 i32.shl)
			(func $d (param i32) (result i32) local.get 0 i32.popcnt)
			(func (export "call") (param $n i32) (result i32) (local $v i32)
				(loop $top
					local.get $v local.get $n i32.const 3 i32.rem_u call_indirect (type $t)
					local.set $v
					i32.const 64 local.get $v i32.store
					local.get $n i32.const 1 i32.sub local.tee $n br_if $top)
				local.get $v))"#,
			Value::I32(500),
		),
	];
	for (text, arg) in programs {
		let code = wasm(text);
		let outcomes = on_both(|_| {
			let memory = Memory::new(1, Some(1)).expect("valid");
			let mut state = State { memory: Some(memory.clone()), ..Default::default() };
			let mut i = Instance::new(&code, &env(Some(memory.clone())), &Config::default())
				.expect("valid");
			i.set_gas_left(GAS);
			let full = i.invoke("call", &[arg], &mut state);
			let cost = GAS - i.gas_left();
			let mut outcomes = vec![(full, cost, Vec::new())];
			for step in 0..=60u64 {
				let budget = cost * step / 60;
				i.set_gas_left(budget);
				// Frames included: wasmi's come from replaying all of this instance's calls.
				let r = i.invoke("call", &[arg], &mut state);
				let mut mem = vec![0u8; 4096];
				memory.get(0, &mut mem).expect("in bounds");
				outcomes.push((r, i.gas_left(), mem));
			}
			outcomes
		});
		let (full, cost, _) = &outcomes[0];
		assert!(full.is_ok(), "{full:?}");
		// Below the full cost it runs out of gas; at the full cost it finishes with 0 left.
		assert_eq!(kind_only(outcomes[1].0.clone()), trap(TrapKind::OutOfGas));
		assert_eq!(outcomes[61].0, *full);
		assert_eq!(outcomes[61].1, 0);
		for (r, ..) in &outcomes[1..61] {
			assert_eq!(kind_only(r.clone()), trap(TrapKind::OutOfGas), "cost {cost}");
			let Err(Error::Trap(t)) = r else { unreachable!("checked above") };
			assert!(!t.frames.is_empty(), "out of gas without frames");
		}
	}
}

/// The runtime may tear an instance down while it is suspended in a host call (e.g. a
/// panicking runtime-side host function); the host unwinds and frees it.
#[test]
fn teardown_while_suspended() {
	use crate::{EnvironmentDefinition, ExternEntity, Outcome};
	let code = wasm(
		r#"(module (import "env" "count" (func $c)) (import "env" "memory" (memory 1))
			(func (export "call") i32.const 0 i32.const 5 i32.store call $c))"#,
	);
	let outcome = on_both(|_| {
		let memory = sandbox::memory_new(1, 1).expect("valid limits");
		let env = EnvironmentDefinition {
			entries: vec![
				(b"env".to_vec(), b"count".to_vec(), ExternEntity::Function(0)),
				(b"env".to_vec(), b"memory".to_vec(), ExternEntity::Memory(memory)),
			],
		};
		let instance = sandbox::instance_new(&code, env, Config::default()).expect("valid");
		let first = sandbox::invoke(instance, b"call", Vec::new(), GAS);
		assert!(matches!(first, Ok(Outcome::HostCall { index: 0, .. })), "{first:?}");
		// Reachable while suspended, then gone with the instance.
		let mut buf = [0u8; 4];
		sandbox::memory_get(memory, 0, &mut buf).expect("in bounds");
		sandbox::instance_teardown(instance);
		let orphaned = live_handles();
		sandbox::memory_teardown(memory);
		let after = sandbox::invoke(instance, b"call", Vec::new(), GAS);
		(buf, orphaned, live_handles(), after)
	});
	assert_eq!(outcome, ([5, 0, 0, 0], (1, 1), (0, 0), Err(Error::InvalidHandle)));
}

/// Found by the differential fuzzer (docs/FUZZING.md): wasmi 2.0 fuses a `select` with the
/// `i32.eqz` (or `i32.ne` with 0) that computes its condition, and when the compared value is
/// in a local it reads a stale register instead, so it picked the wrong operand. The
/// instrumenter passes every `select` condition through a local, which wasmi never fuses.
#[test]
fn select_on_a_compared_local_is_identical_on_both_backends() {
	let programs = [
		// What wasm-smith's guarded divisions look like: `x == 0 ? 1 : x`.
		("i32", "i32.const 1 local.get $l local.get $l i32.eqz select", [1, 5]),
		("i32", "i32.const 7 i32.const 9 local.get $l i32.eqz select", [7, 9]),
		("i32", "i32.const 7 i32.const 9 local.get $l i32.const 0 i32.ne select", [9, 7]),
		("i64", "i64.const 7 i64.const 9 local.get $l i32.eqz select", [7, 9]),
	];
	for (ty, body, expected) in programs {
		for (value, expected) in [0, 5].into_iter().zip(expected) {
			let code = wasm(&format!(
				r#"(module (func (export "call") (result {ty}) (local $l i32)
					i32.const {value} local.set $l {body}))"#
			));
			let (result, ..) = on_both(|_| run(&code, &[], GAS, &Config::default()));
			let expected = match ty {
				"i32" => Value::I32(expected),
				_ => Value::I64(expected.into()),
			};
			assert_eq!(result, Ok(ReturnValue::Value(expected)), "{body} with $l = {value}");
		}
	}
}

/// Found by the differential fuzzer as a case that ran for minutes: a `memory.grow` that
/// wasmtime refused built an error that captures a native backtrace when `RUST_BACKTRACE` is
/// set, milliseconds each deep in a recursion, for 1 unit of gas. The wasmtime store's limiter
/// now refuses first. Without backtraces enabled this test cannot tell; with them (as in a dev
/// shell or a node started with `RUST_BACKTRACE=1`) the old code took minutes here.
#[test]
fn failed_memory_grows_deep_in_a_recursion_stay_cheap() {
	let code = wasm(
		r#"(module (import "env" "memory" (memory 1 1))
			(func $deep (export "call") (param $depth i32) (result i32)
				local.get $depth
				if (result i32)
					local.get $depth i32.const 1 i32.sub call $deep
				else
					(loop $again (result i32)
						i32.const 1 memory.grow
						i32.const -1 i32.eq br_if $again
						i32.const 0)
				end))"#,
	);
	let started = std::time::Instant::now();
	let (result, gas_left, ..) =
		on_both(|_| run(&code, &[Value::I32(3000)], 200_000, &Config::default()));
	assert_eq!(result, trap(TrapKind::OutOfGas));
	assert!(gas_left < 10);
	let elapsed = started.elapsed();
	assert!(elapsed < std::time::Duration::from_secs(20), "took {elapsed:?}");
}

/// Found by the differential fuzzer: a host function that stops the instance on purpose
/// (`HOST_STOP`, a contract returning) got wasmtime's backtrace as frames but none on wasmi,
/// which does not replay a stop to look for them. A stop is no fault: no frames on either.
#[test]
fn a_host_stop_has_no_frames_on_either_backend() {
	let code = wasm(
		r#"(module (import "env" "stop" (func $stop))
			(func $inner call $stop)
			(func (export "call") call $inner))"#,
	);
	let (result, .., frames) = on_both(|_| run(&code, &[], GAS, &Config::default()));
	assert_eq!(result, trap(TrapKind::Host(crate::HOST_STOP)));
	assert_eq!(frames, Vec::<u32>::new());
}

/// Found by the differential fuzzer: wasmi 2.0 panicked (`unreachable!()` in its store
/// translation) on an integer store whose address and value are the same register-held local
/// and whose offset does not fit 16 bits. The instrumenter now computes such an address itself
/// and stores with a small offset, faulting wherever the original store faults.
#[test]
fn far_stores_of_a_register_held_local_are_identical_on_both_backends() {
	let program = |grow: u32, store: &str, offset: u32, load: &str| {
		wasm(&format!(
			r#"(module (import "env" "memory" (memory 1))
				(func (export "call") (param $p i32) (result i32) (local $x i32)
					i32.const {grow} memory.grow drop
					i32.const 0 i32.const 7 i32.store8
					local.get $p i32.load8_u local.tee $x local.get $x {store} offset={offset}
					local.get $x {load} offset={offset}))"#
		))
	};
	let r = |v| Ok(ReturnValue::Value(Value::I32(v)));
	for (grow, store, offset, expected) in [
		// In bounds once the memory has grown: the value lands at 7 + offset.
		(5, "i32.store16", 337_686, r(7)),
		(5, "i32.store", 65_536, r(7)),
		(5, "i32.store8", 200_000, r(7)),
		// Beyond the memory, and beyond the 32-bit address space.
		(0, "i32.store16", 337_686, trap(TrapKind::MemoryOutOfBounds)),
		(15, "i32.store", u32::MAX - 10, trap(TrapKind::MemoryOutOfBounds)),
		(15, "i32.store", u32::MAX, trap(TrapKind::MemoryOutOfBounds)),
	] {
		let code = program(grow, store, offset, "i32.load");
		let (result, _, mem, .., frames) =
			on_both(|_| run(&code, &[Value::I32(0)], GAS, &Config::default()));
		assert_eq!(result, expected, "{store} offset={offset}");
		assert_eq!(mem[0], 7);
		if result.is_err() {
			assert_eq!(frames.len(), 1, "the store faults: {frames:?}");
		}
	}
	// The boundary: the last byte of a 16-page memory is reachable through a far offset.
	let last = 16 * 65_536 - 1;
	let code = program(15, "i32.store8", last - 7, "i32.load8_u");
	let (result, ..) = on_both(|_| run(&code, &[Value::I32(0)], GAS, &Config::default()));
	assert_eq!(result, r(7));
}

/// A host function reached through the table reports the `call_indirect` as its call site,
/// not the site of the last direct host call (noticed while writing the differential fuzzer,
/// which cannot see it: both backends read the same stale global).
#[test]
fn host_calls_through_the_table_report_their_call_site() {
	let code = wasm(
		r#"(module (import "env" "charge" (func $charge (param i64)))
			(type $c (func (param i64)))
			(table 1 funcref) (elem (i32.const 0) $charge)
			(func (export "call")
				i64.const 1 call $charge
				i64.const 2 i32.const 0 call_indirect (type $c)))"#,
	);
	let sites = offsets_of(&code, |op| {
		matches!(op, wasmparser::Operator::Call { .. } | wasmparser::Operator::CallIndirect { .. })
	});
	let seen = on_both(|_| {
		let mut state = State::default();
		let mut instance = Instance::new(&code, &env(None), &Config::default()).expect("valid");
		instance.set_gas_left(GAS);
		instance.invoke("call", &[], &mut state).expect("runs");
		state.sites
	});
	assert_eq!(seen, sites);
}

/// A module with host calls, memory traffic, gas use and a trap two frames deep when its
/// argument is 1: enough to tell the tiers apart if they differed in anything.
fn tiering_module() -> Vec<u8> {
	wasm(
		r#"(module
			(import "env" "reverse" (func $reverse (param i32 i32)))
			(import "env" "charge" (func $charge (param i64)))
			(import "env" "memory" (memory 1 16))
			(func $deep (param i32) (result i32)
				local.get 0 i32.const 1 i32.eq
				if unreachable end
				local.get 0 i32.const 3 i32.mul)
			(func (export "call") (param $x i32) (result i32)
				i32.const 0 i32.const 0x64636261 i32.store
				i32.const 0 i32.const 4 call $reverse
				i64.const 1000 call $charge
				local.get $x call $deep
				i32.const 4 i32.load i32.add))"#,
	)
}

/// Instantiates `code` and calls it with 1 (traps) and 2 (finishes), on `cache`'s wasmtime. The
/// first instance of fresh code always runs on the wasmi tier; the second one may or may not.
fn tiering_run(
	cache: &SharedModuleCache,
	code: &[u8],
) -> Vec<(Result<ReturnValue, Error>, u64, Vec<u32>)> {
	run_on(Backend::Wasmtime, cache.clone(), || {
		[1, 2]
			.into_iter()
			.map(|x| {
				let memory = Memory::new(1, Some(16)).expect("valid limits");
				let mut state = State { memory: Some(memory.clone()), ..Default::default() };
				let mut instance =
					Instance::new(code, &env(Some(memory)), &Config::default()).expect("valid");
				instance.set_gas_left(GAS);
				let result = instance.invoke("call", &[Value::I32(x)], &mut state);
				(result, instance.gas_left(), state.sites)
			})
			.collect()
	})
}

#[test]
fn tiering_runs_fresh_code_on_wasmi_then_the_compiled_module() {
	let code = tiering_module();
	let expected = tiering_run(&cache(), &code);
	let Err(Error::Trap(trap)) = &expected[0].0 else { panic!("1 traps: {expected:?}") };
	assert_eq!((trap.kind, trap.frames.len()), (TrapKind::Unreachable, 2), "$deep from call");
	assert!(matches!(expected[1].0, Ok(ReturnValue::Value(_))), "2 finishes: {expected:?}");
	assert_eq!(tiering_run(&cache(), &code), expected, "deterministic");

	let tiered = tiered_cache();
	// Fresh code: the first instance runs on wasmi and starts the compile; its trap waits for
	// the compile and is replayed on it for its frames.
	assert_eq!(tiering_run(&tiered, &code), expected, "the wasmi tier");
	let stats = tiered.lock().expect("not poisoned").stats();
	assert!(stats.tiered >= 1 && stats.background_compiles == 1, "{stats:?}");

	// Compiled: later instances run on wasmtime itself, with the same results, gas and frames.
	ModuleCache::finish_background_compiles(&tiered);
	assert_eq!(tiering_run(&tiered, &code), expected, "the compiled tier");
	let after = tiered.lock().expect("not poisoned").stats();
	assert_eq!(
		(after.tiered, after.tier_ups, after.background_compiles),
		(stats.tiered, 1, 1),
		"{after:?}"
	);
	assert_eq!(after.hits, stats.hits + 2, "both lookups found the compiled module: {after:?}");
}

#[test]
fn tiering_survives_eviction_during_the_compile() {
	// A cache too small for two modules: each lookup evicts the other one, compiles included.
	let tiny = ModuleCache::new_shared(1).expect("engines");
	let a = tiering_module();
	let b = wasm(
		r#"(module (import "env" "memory" (memory 1 16)) (func (export "call") (param i32) (result i32) local.get 0))"#,
	);
	let expected_a = tiering_run(&cache(), &a);
	let expected_b = tiering_run(&cache(), &b);
	for _ in 0..3 {
		assert_eq!(tiering_run(&tiny, &a), expected_a);
		assert_eq!(tiering_run(&tiny, &b), expected_b);
	}
	ModuleCache::finish_background_compiles(&tiny);
	let stats = tiny.lock().expect("not poisoned").stats();
	assert_eq!(stats.entries, 1, "{stats:?}");
	assert!(stats.evictions >= 5, "{stats:?}");
	// The threads of evicted entries' compiles end on their own.
	let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
	while tiny.lock().expect("not poisoned").background_compiles_running() > 0 {
		assert!(std::time::Instant::now() < deadline, "background compiles never ended");
		std::thread::sleep(std::time::Duration::from_millis(5));
	}
}

#[test]
fn tiering_nested_instances_of_fresh_code() {
	// The caller is on the wasmi tier, suspended, while the callee (fresh too) runs; then the
	// same again once both are compiled.
	let callee = wasm(
		r#"(module (import "env" "count" (func $c)) (import "env" "memory" (memory 1))
			(func (export "call") (param i32) (result i32)
				call $c local.get 0 i32.const 1 i32.eq if unreachable end
				local.get 0 i32.const 2 i32.mul))"#,
	);
	let caller = wasm(
		r#"(module (import "env" "nested" (func $n (param i32) (result i32)))
			(import "env" "memory" (memory 1))
			(func (export "call") (param i32) (result i32)
				local.get 0 call $n i32.const 1 i32.add))"#,
	);
	let go = |cache: &SharedModuleCache, x: i32| {
		run_on(Backend::Wasmtime, cache.clone(), || {
			let memory = Memory::new(1, Some(1)).expect("valid");
			let mut state = State {
				memory: Some(memory.clone()),
				callee: Some(callee.clone()),
				..Default::default()
			};
			let mut i =
				Instance::new(&caller, &env(Some(memory)), &Config::default()).expect("valid");
			i.set_gas_left(GAS);
			let r = i.invoke("call", &[Value::I32(x)], &mut state);
			(r, state.calls, i.gas_left(), live_handles())
		})
	};
	let untiered = cache();
	let expected: Vec<_> = [21, 1].into_iter().map(|x| go(&untiered, x)).collect();
	assert_eq!(expected[0].0, Ok(ReturnValue::Value(Value::I32(43))));
	// The callee's trap is the caller's host error 8, after which the caller traps itself.
	assert!(matches!(&expected[1].0, Err(Error::Trap(t)) if t.kind == TrapKind::Host(8)));
	let tiered = tiered_cache();
	let fresh: Vec<_> = [21, 1].into_iter().map(|x| go(&tiered, x)).collect();
	assert_eq!(fresh, expected);
	assert!(tiered.lock().expect("not poisoned").stats().tiered >= 2);
	ModuleCache::finish_background_compiles(&tiered);
	let compiled: Vec<_> = [21, 1].into_iter().map(|x| go(&tiered, x)).collect();
	assert_eq!(compiled, expected);
	assert_eq!(tiered.lock().expect("not poisoned").stats().tier_ups, 2);
}

/// Time per instantiate → call → stop on wasmtime, for measuring the stop path by hand, e.g.
/// with and without `RUST_BACKTRACE=1` (`--ignored --exact tests::stop_cost --nocapture`).
#[test]
#[ignore = "a measurement, not a check"]
fn stop_cost() {
	let code = wasm(
		r#"(module (import "env" "stop" (func $stop))
			(func $inner call $stop)
			(func (export "call") call $inner))"#,
	);
	let cache = cache();
	run_on(Backend::Wasmtime, cache, || {
		let rounds = 5_000;
		let mut state = State::default();
		let mut one = || {
			let mut i = Instance::new(&code, &env(None), &Config::default()).expect("valid");
			i.set_gas_left(GAS);
			assert_eq!(
				kind_only(i.invoke("call", &[], &mut state)),
				trap(TrapKind::Host(crate::HOST_STOP))
			);
		};
		for _ in 0..100 {
			one();
		}
		let start = std::time::Instant::now();
		for _ in 0..rounds {
			one();
		}
		eprintln!(
			"instantiate + call + stop: {:.1} µs",
			start.elapsed().as_secs_f64() * 1e6 / rounds as f64
		);
	});
}

/// Stops reuse their wasmtime errors (no backtrace capture per contract return); a host trap
/// between them still gets a fresh error with its own frames, and stops keep having none.
#[test]
fn recycled_stops_leave_host_traps_their_frames() {
	let code = wasm(
		r#"(module (import "env" "stop" (func $stop)) (import "env" "trap" (func $trap))
			(func $inner (param i32) local.get 0 if call $trap else call $stop end)
			(func (export "call") (param i32) local.get 0 call $inner))"#,
	);
	let outcomes = on_both(|_| {
		let mut state = State::default();
		(0..6)
			.map(|n| {
				let mut i = Instance::new(&code, &env(None), &Config::default()).expect("valid");
				i.set_gas_left(GAS);
				let r = i.invoke("call", &[Value::I32(n % 2)], &mut state);
				let again = i.invoke("call", &[Value::I32(0)], &mut state);
				(r, again, i.gas_left())
			})
			.collect::<Vec<_>>()
	});
	for (n, (r, again, _)) in outcomes.iter().enumerate() {
		let Err(Error::Trap(t)) = r else { panic!("{n}: {r:?}") };
		if n % 2 == 1 {
			assert_eq!((t.kind, t.frames.len()), (TrapKind::Host(7), 2), "{n}: $inner from call");
		} else {
			assert_eq!((t.kind, t.frames.len()), (TrapKind::Host(crate::HOST_STOP), 0), "{n}");
		}
		assert_eq!(again, &trap(TrapKind::Host(crate::HOST_STOP)), "{n}: stops have no frames");
	}
}
