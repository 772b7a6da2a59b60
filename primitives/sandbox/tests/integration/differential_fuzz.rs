//! Differential fuzzing of the two backends (docs/FUZZING.md).
//!
//! wasm-smith generates modules within what validation accepts (MVP + sign extension, integers
//! only, `env.memory` as the only memory, no start function) that import host functions from
//! [`HOST_FUNCS`] and export `call`. Each case is one seed: the module, the sandbox config, the
//! runtime's memory and what it writes there first, the invocations (export, arguments, gas)
//! and the replies of the host functions all follow from it. The case runs on wasmi, on
//! wasmtime with tiering (as a node runs it: fresh code on wasmi while Cranelift compiles it in
//! the background, compiled code, e.g. a nested instance's, on wasmtime) and on wasmtime
//! without tiering (Cranelift only), through the host API the runtime uses (`SandboxExt`);
//! every observable is recorded in a transcript, and the three transcripts must be equal: instantiation result (a rejection
//! must be the same error), every host call (function, arguments, call site, gas left), the
//! memory bytes each host call reads and the success of what it writes, every result or trap
//! (kind and frames), gas left, exported globals and the whole memory at the end.
//!
//! `differential_fuzz` is `#[ignore]`d: it runs for `FUZZ_SECONDS` (default 60) from
//! `FUZZ_SEED` (default: from the clock, printed), or `FUZZ_CASES` cases. A mismatch or a panic
//! writes the module (`.wasm` and `.wat`) to `FUZZ_OUT` (default `target/tmp/differential-fuzz`)
//! and prints the case's seed: `FUZZ_SEED=<seed> FUZZ_CASES=1` runs exactly that case again.

use arbitrary::Unstructured;
use sp_sandbox::{
	host::Sandbox, Backend, Config, EnvironmentDefinition, Error, ExternEntity, HostError,
	ModuleCache, Outcome, ReturnValue, SandboxExt, SharedModuleCache, TrapKind, Value,
	WASM_PAGE_SIZE,
};
use std::{
	collections::BTreeMap,
	panic::{catch_unwind, AssertUnwindSafe},
	path::PathBuf,
	time::{Duration, Instant},
};
use wasm_encoder::ValType;

/// SplitMix64: a tiny seeded generator whose sequence never changes with a crate upgrade, so a
/// printed seed reproduces its case for good.
struct Rng(u64);

impl Rng {
	fn new(seed: u64) -> Self {
		Self(seed)
	}

	fn next(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
		z ^ (z >> 31)
	}

	/// Uniform enough in `0..n` (`n > 0`).
	fn below(&mut self, n: u64) -> u64 {
		self.next() % n
	}

	fn range(&mut self, lo: u64, hi: u64) -> u64 {
		lo + self.below(hi - lo + 1)
	}

	fn chance(&mut self, percent: u64) -> bool {
		self.below(100) < percent
	}

	fn bytes(&mut self, n: usize) -> Vec<u8> {
		let mut out = Vec::with_capacity(n + 8);
		while out.len() < n {
			out.extend_from_slice(&self.next().to_le_bytes());
		}
		out.truncate(n);
		out
	}

	fn i32(&mut self) -> i32 {
		match self.below(8) {
			0 => 0,
			1 => -1,
			2 => i32::MIN,
			3 => i32::MAX,
			4 | 5 => self.below(70_000) as i32,
			_ => self.next() as i32,
		}
	}

	fn i64(&mut self) -> i64 {
		match self.below(8) {
			0 => 0,
			1 => -1,
			2 => i64::MIN,
			3 => i64::MAX,
			4 | 5 => self.below(70_000) as i64,
			_ => self.next() as i64,
		}
	}
}

/// What a host function does when called; the replies are deterministic in the case's seed,
/// the call's number and its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HostKind {
	/// Returns nothing.
	Nop,
	/// Returns a value derived from the call.
	Value,
	/// `(i32, i64) -> i64`, arithmetic on its arguments.
	Mix,
	/// `(ptr, len) -> i32`: reads `len % 257` bytes at `ptr` and writes them scrambled at
	/// `ptr + len / 2` (either may be out of bounds: it then returns a negative code).
	Scramble,
	/// `(i64)`: charges `n % 100_000` gas; traps with code 99 when that is more than is left.
	Charge,
	/// `(i32)`: traps with the argument as code when it is a multiple of 4.
	Fail,
	/// `() -> i32`, but sometimes replies an `i64`: the sandbox must refuse the reply the same
	/// way on both backends, and the runtime then unwinds the call with a host trap.
	BadReply,
	/// Five arguments of both types, returns their sum.
	Wide,
	/// `(i32) -> i32`: runs `call` of another instance of the same module (up to
	/// [`MAX_NESTING`] deep) and returns what it returned, -1 if it trapped.
	Nested,
}

struct HostFunc {
	module: &'static str,
	name: &'static str,
	params: &'static [ValType],
	result: Option<ValType>,
	kind: HostKind,
}

const I32: ValType = ValType::I32;
const I64: ValType = ValType::I64;

/// The host functions a generated module may import, in the runtime's table order.
const HOST_FUNCS: &[HostFunc] = &[
	HostFunc { module: "env", name: "nop", params: &[], result: None, kind: HostKind::Nop },
	HostFunc {
		module: "env",
		name: "value",
		params: &[],
		result: Some(I32),
		kind: HostKind::Value,
	},
	HostFunc {
		module: "env",
		name: "mix",
		params: &[I32, I64],
		result: Some(I64),
		kind: HostKind::Mix,
	},
	HostFunc {
		module: "env",
		name: "scramble",
		params: &[I32, I32],
		result: Some(I32),
		kind: HostKind::Scramble,
	},
	HostFunc {
		module: "env",
		name: "charge",
		params: &[I64],
		result: None,
		kind: HostKind::Charge,
	},
	HostFunc { module: "env", name: "fail", params: &[I32], result: None, kind: HostKind::Fail },
	HostFunc {
		module: "env",
		name: "bad_reply",
		params: &[],
		result: Some(I32),
		kind: HostKind::BadReply,
	},
	HostFunc {
		module: "env",
		name: "nested",
		params: &[I32],
		result: Some(I32),
		kind: HostKind::Nested,
	},
	HostFunc {
		module: "seal0",
		name: "wide",
		params: &[I32, I64, I32, I64, I32],
		result: Some(I32),
		kind: HostKind::Wide,
	},
];

/// Runtime-side index of host function `i`: offset so that an import's position, its index in
/// `HOST_FUNCS` and the index the sandbox reports are three different numbers.
const RUNTIME_INDEX_BASE: u32 = 100;

/// Gas every host call costs, so the number of host calls (and the wasmi journal, which keeps
/// every one of them) is bounded by the gas budget.
const HOST_CALL_COST: u64 = 100;
/// Host error code of a host call that finds too little gas left.
const HOST_OUT_OF_GAS: u32 = 1000;

/// One invocation of an export.
#[derive(Clone, Debug)]
struct Invocation {
	export: &'static str,
	args: Vec<Value>,
	gas: u64,
}

/// Everything one case does, on either backend.
#[derive(Clone, Debug)]
struct Case {
	seed: u64,
	code: Vec<u8>,
	config: Config,
	/// The runtime's memory (initial pages, maximum), offered as `env.memory`.
	memory: Option<(u32, Option<u32>)>,
	/// Written into the memory before instantiation.
	pre_writes: Vec<(u32, Vec<u8>)>,
	/// A host function the environment leaves out.
	env_omits: Option<usize>,
	invocations: Vec<Invocation>,
	/// Read with `get_global_val` after every invocation.
	global: Option<&'static str>,
	/// The runtime abandons the invocation at this host call (counted from 1).
	abandon_at: Option<u64>,
	/// Arguments of `call` when `env.nested` runs it.
	nested_args: Vec<Value>,
}

/// One observable thing that happened; a case's transcript is the list of them.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Event {
	MemoryNew(Result<(), Error>),
	PreWrite(u32, Result<(), Error>),
	InstanceNew(Result<(), Error>),
	/// What `invoke` or `resume` returned.
	Step(Result<Outcome, Error>),
	/// A host function read memory.
	HostRead(u32, Result<Vec<u8>, Error>),
	/// A host function wrote memory.
	HostWrite(u32, Result<(), Error>),
	/// The runtime answered a host call.
	Reply(Result<ReturnValue, HostError>, u64),
	/// The runtime abandoned a suspended call; what a new invocation got.
	Abandoned(Result<Outcome, Error>),
	Global(Option<Value>),
	/// The memory at the end: its size in pages and its bytes.
	Memory(u32, Vec<u8>),
	/// Instances and memories the host still holds after teardown.
	LiveHandles(usize, usize),
}

impl Event {
	/// Debug output without megabytes of memory.
	fn short(&self) -> String {
		match self {
			Event::Memory(pages, bytes) => format!(
				"Memory({pages} pages, {} non-zero bytes, hash {:016x})",
				bytes.iter().filter(|b| **b != 0).count(),
				fnv(bytes)
			),
			other => format!("{other:?}"),
		}
	}
}

fn fnv(bytes: &[u8]) -> u64 {
	bytes
		.iter()
		.fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

/// Mixes a call's identity into a reply seed.
fn mix(seed: u64, values: &[u64]) -> u64 {
	let mut rng = Rng::new(seed);
	for v in values {
		rng.0 ^= *v;
		rng.next();
	}
	rng.next()
}

fn value_bits(v: &Value) -> u64 {
	match *v {
		Value::I32(x) => x as u32 as u64,
		Value::I64(x) => x as u64,
	}
}

/// How far contracts call contracts: `env.nested` at this depth answers without nesting.
const MAX_NESTING: u32 = 2;

/// One run of a case on one backend: the transcript it writes and the host calls it counted.
struct Runner<'a> {
	case: &'a Case,
	transcript: Vec<Event>,
	call_no: u64,
}

impl Runner<'_> {
	fn push(&mut self, event: Event) {
		self.transcript.push(event);
	}

	/// Creates a memory (as the case says) and an instance of the case's module, runs
	/// `invocations` on it, reads the memory and tears both down, as a contracts pallet does
	/// for one contract frame. Returns the last thing the last invocation returned.
	fn instance(
		&mut self,
		sandbox: &mut Sandbox,
		depth: u32,
		invocations: &[Invocation],
	) -> Option<Result<Outcome, Error>> {
		let case = self.case;
		let memory = case.memory.and_then(|(initial, maximum)| {
			let created = sandbox.memory_new(initial, maximum);
			self.push(Event::MemoryNew(created.clone().map(|_| ())));
			created.ok()
		});
		if let (Some(memory), 0) = (memory, depth) {
			for (offset, data) in &case.pre_writes {
				self.push(Event::PreWrite(*offset, sandbox.memory_set(memory, *offset, data)));
			}
		}
		let mut env = EnvironmentDefinition::default();
		for (i, f) in HOST_FUNCS.iter().enumerate() {
			if case.env_omits != Some(i) {
				env.entries.push((
					f.module.as_bytes().to_vec(),
					f.name.as_bytes().to_vec(),
					ExternEntity::Function(RUNTIME_INDEX_BASE + i as u32),
				));
			}
		}
		if let Some(memory) = memory {
			env.entries.push((b"env".to_vec(), b"memory".to_vec(), ExternEntity::Memory(memory)));
		}
		let instance = sandbox.instance_new(&case.code, &env, &case.config);
		self.push(Event::InstanceNew(instance.clone().map(|_| ())));
		let mut last = None;
		if let Ok(instance) = instance {
			'invocations: for invocation in invocations {
				let mut step = sandbox.invoke(
					instance,
					invocation.export.as_bytes(),
					&invocation.args,
					invocation.gas,
				);
				loop {
					self.push(Event::Step(step.clone()));
					let Ok(Outcome::HostCall { index, ref args, gas_left, .. }) = step else {
						break;
					};
					self.call_no += 1;
					if depth == 0 && case.abandon_at == Some(self.call_no) {
						// The runtime gives up on the suspended call (a panicking host
						// function): a new invocation is refused, the memory stays readable
						// and the teardown below unwinds the call.
						self.push(Event::Abandoned(sandbox.invoke(instance, b"call", &[], 1)));
						break 'invocations;
					}
					let (reply, gas) = self.serve(sandbox, memory, depth, index, args, gas_left);
					self.push(Event::Reply(reply, gas));
					step = sandbox.resume(instance, reply, gas);
					if step == Err(Error::InvalidArguments) {
						// The reply did not fit the import; the call is still suspended, and
						// the runtime unwinds it with a host trap (as `Instance::invoke` does).
						self.push(Event::Step(step));
						step = sandbox.resume(instance, Err(HostError(u32::MAX)), gas);
					}
				}
				last = Some(step);
				if let Some(name) = case.global {
					self.push(Event::Global(sandbox.get_global_val(instance, name.as_bytes())));
				}
			}
		}
		// Also after a failed instantiation, which gives the memory its bytes back.
		if let Some(memory) = memory {
			self.push(read_memory(sandbox, memory));
		}
		if let Ok(instance) = instance {
			sandbox.instance_teardown(instance);
		}
		if let Some(memory) = memory {
			sandbox.memory_teardown(memory);
		}
		last
	}

	/// Serves one host call: its reply and the gas left after it.
	fn serve(
		&mut self,
		sandbox: &mut Sandbox,
		memory: Option<u32>,
		depth: u32,
		index: u32,
		args: &[Value],
		gas_left: u64,
	) -> (Result<ReturnValue, HostError>, u64) {
		let Some(func) =
			index.checked_sub(RUNTIME_INDEX_BASE).and_then(|i| HOST_FUNCS.get(i as usize))
		else {
			return (Err(HostError(u32::MAX)), gas_left);
		};
		let Some(mut gas) = gas_left.checked_sub(HOST_CALL_COST) else {
			return (Err(HostError(HOST_OUT_OF_GAS)), gas_left);
		};
		let identity =
			[self.call_no, u64::from(index)].into_iter().chain(args.iter().map(value_bits));
		let h = mix(self.case.seed, &identity.collect::<Vec<_>>());
		// Now and then any host function traps, as a real one does on bad input.
		if h.is_multiple_of(211) {
			return (Err(HostError((h >> 32) as u32 % 1000)), gas);
		}
		let reply = match (func.kind, args) {
			(HostKind::Nop, []) => ReturnValue::Unit,
			(HostKind::Value, []) => ReturnValue::Value(Value::I32(h as i32)),
			(HostKind::Mix, [Value::I32(a), Value::I64(b)]) => {
				ReturnValue::Value(Value::I64(b.wrapping_mul((h | 1) as i64) ^ i64::from(*a)))
			}
			(HostKind::Scramble, [Value::I32(ptr), Value::I32(len)]) => {
				let len = (*len as u32) % 257;
				let Some(rest) = gas.checked_sub(u64::from(len)) else {
					return (Err(HostError(HOST_OUT_OF_GAS)), gas);
				};
				gas = rest;
				let Some(memory) = memory else {
					return (Ok(ReturnValue::Value(Value::I32(-3))), gas);
				};
				let mut buf = vec![0u8; len as usize];
				let read = sandbox.memory_get(memory, *ptr as u32, &mut buf);
				self.push(Event::HostRead(*ptr as u32, read.clone().map(|()| buf.clone())));
				if read.is_err() {
					return (Ok(ReturnValue::Value(Value::I32(-1))), gas);
				}
				buf.reverse();
				for (i, b) in buf.iter_mut().enumerate() {
					*b ^= (h >> (8 * (i % 8))) as u8;
				}
				let at = (*ptr as u32).wrapping_add(len / 2);
				let written = sandbox.memory_set(memory, at, &buf);
				self.push(Event::HostWrite(at, written.clone()));
				ReturnValue::Value(Value::I32(if written.is_ok() { len as i32 } else { -2 }))
			}
			(HostKind::Charge, [Value::I64(n)]) => match gas.checked_sub(*n as u64 % 100_000) {
				Some(rest) => {
					gas = rest;
					ReturnValue::Unit
				}
				None => return (Err(HostError(99)), gas),
			},
			(HostKind::Fail, [Value::I32(code)]) => {
				if code % 4 == 0 {
					return (Err(HostError(*code as u32)), gas);
				}
				ReturnValue::Unit
			}
			(HostKind::BadReply, []) => {
				if h.is_multiple_of(3) {
					ReturnValue::Value(Value::I64(h as i64))
				} else {
					ReturnValue::Value(Value::I32(h as i32))
				}
			}
			(HostKind::Wide, args) => ReturnValue::Value(Value::I32(
				args.iter().map(value_bits).fold(h, u64::wrapping_add) as i32,
			)),
			(HostKind::Nested, [Value::I32(_)]) if depth < MAX_NESTING => {
				// A contract calling a contract: another instance of the same module, with a
				// memory of its own, while this one stays suspended. Its gas is the caller's.
				let budget = gas / 2;
				let invocation =
					Invocation { export: "call", args: self.case.nested_args.clone(), gas: budget };
				let code = match self.instance(sandbox, depth + 1, &[invocation]) {
					Some(Ok(Outcome::Finished { result, gas_left })) => {
						gas -= budget - gas_left.min(budget);
						match result {
							ReturnValue::Value(v) => value_bits(&v) as i32,
							ReturnValue::Unit => 0,
						}
					}
					Some(Ok(Outcome::Trapped { gas_left, .. })) => {
						gas -= budget - gas_left.min(budget);
						-1
					}
					_ => {
						gas -= budget;
						-2
					}
				};
				ReturnValue::Value(Value::I32(code))
			}
			(HostKind::Nested, [Value::I32(_)]) => ReturnValue::Value(Value::I32(-3)),
			// The sandbox passed arguments that do not fit the import: a bug it must not have.
			_ => return (Err(HostError(u32::MAX - 1)), gas),
		};
		(Ok(reply), gas)
	}
}

/// Reads the whole memory: its size in pages (the first page that cannot be read ends it)
/// and its bytes.
fn read_memory(sandbox: &mut Sandbox, memory: u32) -> Event {
	let mut bytes = Vec::new();
	let mut page = vec![0u8; WASM_PAGE_SIZE as usize];
	let mut pages = 0u32;
	while pages < 128 && sandbox.memory_get(memory, pages * WASM_PAGE_SIZE, &mut page).is_ok() {
		bytes.extend_from_slice(&page);
		pages += 1;
	}
	Event::Memory(pages, bytes)
}

/// Runs `case` on `backend` and returns its transcript.
fn run(backend: Backend, cache: &SharedModuleCache, case: &Case) -> Vec<Event> {
	let mut ext = SandboxExt::new(backend, cache.clone());
	let sandbox: &mut Sandbox = &mut ext;
	let mut runner = Runner { case, transcript: Vec::new(), call_no: 0 };
	runner.instance(sandbox, 0, &case.invocations);
	let (instances, memories) = sandbox.live_handles();
	runner.push(Event::LiveHandles(instances, memories));
	runner.transcript
}

/// A signature of the fuzzer's choosing.
fn signature(rng: &mut Rng) -> (Vec<ValType>, Vec<ValType>) {
	let ty = |rng: &mut Rng| if rng.chance(50) { I32 } else { I64 };
	let params = (0..rng.below(4)).map(|_| ty(rng)).collect();
	let results = if rng.chance(35) { Vec::new() } else { vec![ty(rng)] };
	(params, results)
}

/// What wasm-smith must generate around: the imports, the memory import and the exports, as a
/// module (`Config::module_shape`) with placeholder bodies.
struct Shape {
	imports: Vec<usize>,
	memory: Option<(u64, Option<u64>)>,
	call: (Vec<ValType>, Vec<ValType>),
	deploy: Option<(Vec<ValType>, Vec<ValType>)>,
	global: Option<(ValType, bool)>,
}

impl Shape {
	fn encode(&self) -> Vec<u8> {
		use wasm_encoder::{
			CodeSection, ConstExpr, EntityType, ExportKind, ExportSection, Function,
			FunctionSection, GlobalSection, GlobalType, ImportSection, Instruction, MemoryType,
			Module, TypeSection,
		};
		let mut types = TypeSection::new();
		let mut imports = ImportSection::new();
		let mut n_types = 0u32;
		for &i in &self.imports {
			let f = &HOST_FUNCS[i];
			types.ty().function(f.params.iter().copied(), f.result);
			imports.import(f.module, f.name, EntityType::Function(n_types));
			n_types += 1;
		}
		if let Some((minimum, maximum)) = self.memory {
			let ty = MemoryType {
				minimum,
				maximum,
				memory64: false,
				shared: false,
				page_size_log2: None,
			};
			imports.import("env", "memory", EntityType::Memory(ty));
		}
		let mut funcs = FunctionSection::new();
		let mut exports = ExportSection::new();
		let mut code = CodeSection::new();
		let mut defined = self.imports.len() as u32;
		for (name, sig) in [("call", Some(&self.call)), ("deploy", self.deploy.as_ref())] {
			let Some((params, results)) = sig else { continue };
			types.ty().function(params.iter().copied(), results.iter().copied());
			funcs.function(n_types);
			n_types += 1;
			exports.export(name, ExportKind::Func, defined);
			defined += 1;
			let mut body = Function::new([]);
			body.instruction(&Instruction::Unreachable).instruction(&Instruction::End);
			code.function(&body);
		}
		let mut globals = GlobalSection::new();
		if let Some((ty, mutable)) = self.global {
			let init = if ty == I32 { ConstExpr::i32_const(0) } else { ConstExpr::i64_const(0) };
			globals.global(GlobalType { val_type: ty, mutable, shared: false }, &init);
			exports.export("g", ExportKind::Global, 0);
		}
		let mut module = Module::new();
		module.section(&types).section(&imports).section(&funcs);
		if self.global.is_some() {
			module.section(&globals);
		}
		module.section(&exports).section(&code);
		module.finish()
	}
}

fn gas(rng: &mut Rng) -> u64 {
	match rng.below(10) {
		0 => rng.below(64),
		1..=3 => rng.below(5_000),
		4..=7 => rng.range(5_000, 250_000),
		_ => rng.range(1_000_000, 2_000_000),
	}
}

fn args_for(rng: &mut Rng, params: &[ValType]) -> Vec<Value> {
	params
		.iter()
		.map(|t| if *t == I32 { Value::I32(rng.i32()) } else { Value::I64(rng.i64()) })
		.collect()
}

/// The case of `seed`, or `None` if wasm-smith gave up on its bytes.
fn generate(seed: u64) -> Option<Case> {
	let mut rng = Rng::new(seed);
	let mut imports: Vec<usize> = (0..HOST_FUNCS.len()).filter(|_| rng.chance(55)).collect();
	// Shuffled, and now and then an import twice.
	for i in (1..imports.len()).rev() {
		imports.swap(i, rng.below(i as u64 + 1) as usize);
	}
	if !imports.is_empty() && rng.chance(10) {
		imports.push(imports[rng.below(imports.len() as u64) as usize]);
	}
	let max_memory_pages = rng.range(1, 16) as u32;
	let memory = rng.chance(85).then(|| {
		let initial = if rng.chance(3) { rng.range(17, 40) } else { rng.below(3) };
		let maximum = rng.chance(50).then(|| initial + rng.below(20));
		(initial, maximum)
	});
	let shape = Shape {
		imports,
		memory,
		call: signature(&mut rng),
		deploy: rng.chance(20).then(|| signature(&mut rng)),
		global: rng.chance(20).then(|| (if rng.chance(50) { I32 } else { I64 }, rng.chance(80))),
	};

	let mut smith = wasm_smith::Config {
		module_shape: Some(shape.encode()),
		allow_start_export: false,
		allow_floats: false,
		bulk_memory_enabled: false,
		canonicalize_nans: false,
		custom_page_sizes_enabled: false,
		exceptions_enabled: false,
		extended_const_enabled: false,
		gc_enabled: false,
		memory64_enabled: false,
		multi_value_enabled: false,
		reference_types_enabled: false,
		relaxed_simd_enabled: false,
		saturating_float_to_int_enabled: false,
		sign_extension_ops_enabled: true,
		simd_enabled: false,
		tail_call_enabled: false,
		threads_enabled: false,
		wide_arithmetic_enabled: false,
		shared_everything_threads_enabled: false,
		disallow_traps: rng.chance(40),
		generate_custom_sections: rng.chance(10),
		min_uleb_size: rng.range(1, 5) as u8,
		max_memories: usize::from(memory.is_some()),
		max_tables: rng.below(2) as usize,
		max_table_elements: rng.range(1, 64),
		max_funcs: rng.range(1, 24) as usize,
		max_globals: rng.below(8) as usize,
		max_types: rng.range(1, 12) as usize,
		max_instructions: rng.range(1, 400) as usize,
		max_data_segments: rng.below(5) as usize,
		max_element_segments: rng.below(4) as usize,
		max_elements: rng.below(16) as usize,
		max_exports: 4,
		max_imports: 16,
		..wasm_smith::Config::default()
	};
	if rng.chance(30) {
		smith.memory_offset_choices = wasm_smith::MemoryOffsetChoices(1, 1, 1);
	}
	// Now and then a feature validation must refuse, identically on both backends.
	let violation = rng.chance(4).then(|| rng.below(6));
	match violation {
		Some(0) => smith.allow_floats = true,
		Some(1) => smith.bulk_memory_enabled = true,
		Some(2) => smith.multi_value_enabled = true,
		Some(3) => smith.saturating_float_to_int_enabled = true,
		Some(4) => smith.allow_start_export = true,
		Some(_) => smith.reference_types_enabled = true,
		None => {}
	}
	let dna = {
		let len = rng.range(64, 12_000) as usize;
		rng.bytes(len)
	};
	let mut code = wasm_smith::Module::new(smith, &mut Unstructured::new(&dna)).ok()?.to_bytes();
	if rng.chance(2) {
		// A corrupted module: whatever the sandbox says about it, it says it twice.
		let at = rng.below(code.len() as u64) as usize;
		code[at] ^= 1 << rng.below(8);
	}

	let mut config = Config {
		allowed_exports: vec![b"call".to_vec(), b"deploy".to_vec(), b"g".to_vec()],
		max_memory_pages,
		..Config::default()
	};
	match rng.below(10) {
		0 => config.max_stack_height = rng.range(3, 300) as u32,
		1 => config.max_stack_height = rng.range(300, 5_000) as u32,
		2 => config.max_stack_height = sp_sandbox::MAX_STACK_HEIGHT_LIMIT,
		_ => {}
	}
	if rng.chance(3) {
		config.max_locals = rng.below(8) as u32;
	}
	if rng.chance(3) {
		config.max_table_size = rng.below(8) as u32;
	}
	if rng.chance(3) {
		config.max_functions = rng.below(8) as u32;
	}

	// The runtime's memory: usually what the import asks for, sometimes too small or too big.
	let runtime_memory = match memory {
		Some((initial, _)) if rng.chance(95) => {
			let pages = (initial as u32 + rng.below(2) as u32).min(1024);
			Some((pages, rng.chance(60).then(|| pages + rng.below(20) as u32)))
		}
		_ if rng.chance(20) => Some((rng.below(3) as u32, None)),
		_ => None,
	};
	let pre_writes = match runtime_memory {
		Some((pages, _)) => (0..rng.below(4))
			.map(|_| {
				let len = rng.range(1, 64) as usize;
				let span = u64::from(pages) * u64::from(WASM_PAGE_SIZE) + 16;
				(rng.below(span) as u32, rng.bytes(len))
			})
			.collect(),
		None => Vec::new(),
	};
	let invocations = (0..rng.range(1, 3))
		.map(|_| {
			let (export, params) = match (rng.below(20), &shape.deploy) {
				(0, _) => ("missing", &shape.call.0),
				(1..=4, Some((params, _))) => ("deploy", params),
				_ => ("call", &shape.call.0),
			};
			let mut args = args_for(&mut rng, params);
			if rng.chance(3) {
				args.push(Value::I32(0));
			}
			Invocation { export, args, gas: gas(&mut rng) }
		})
		.collect();
	Some(Case {
		seed,
		code,
		config,
		memory: runtime_memory,
		pre_writes,
		env_omits: rng.chance(3).then(|| rng.below(HOST_FUNCS.len() as u64) as usize),
		invocations,
		global: shape.global.map(|_| "g"),
		abandon_at: rng.chance(5).then(|| rng.range(1, 20)),
		nested_args: args_for(&mut rng, &shape.call.0),
	})
}

/// The first place two transcripts differ, described.
fn first_difference(a: &[Event], b: &[Event]) -> Option<String> {
	let n = a.len().max(b.len());
	(0..n).find(|&i| a.get(i) != b.get(i)).map(|i| {
		let show = |e: Option<&Event>| e.map_or("(nothing)".to_string(), Event::short);
		let mut text = format!(
			"event {i} of {}/{}:\n  wasmi:    {}\n  wasmtime: {}",
			a.len(),
			b.len(),
			show(a.get(i)),
			show(b.get(i))
		);
		if let (Some(Event::Memory(_, x)), Some(Event::Memory(_, y))) = (a.get(i), b.get(i)) {
			if let Some(at) = x.iter().zip(y).position(|(p, q)| p != q) {
				text += &format!("\n  first differing byte at {at}: {} vs {}", x[at], y[at]);
			}
		}
		text
	})
}

/// The verdict on one case.
enum Verdict {
	/// Both backends agree; the transcript.
	Agree(Vec<Event>),
	/// They disagree, or one of them panicked: what happened.
	Mismatch(String),
}

/// The caches a case runs on: `tiered` for wasmi and tiered wasmtime, `compiled` (no tiering)
/// for wasmtime alone.
struct Caches {
	tiered: SharedModuleCache,
	compiled: SharedModuleCache,
}

/// Runs `case` on both backends (wasmtime with and without tiering) and compares.
fn check(caches: &Caches, case: &Case) -> Verdict {
	let run_one = |backend, cache: &SharedModuleCache| {
		catch_unwind(AssertUnwindSafe(|| run(backend, cache, case))).map_err(|panic| {
			let msg = panic
				.downcast_ref::<String>()
				.cloned()
				.or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
				.unwrap_or_default();
			format!("{backend:?} panicked: {msg}")
		})
	};
	let tiered = match run_one(Backend::Wasmtime, &caches.tiered) {
		Ok(transcript) => transcript,
		Err(e) => return Verdict::Mismatch(format!("with tiering: {e}")),
	};
	match (run_one(Backend::Wasmi, &caches.tiered), run_one(Backend::Wasmtime, &caches.compiled)) {
		(Ok(a), Ok(b)) => match first_difference(&a, &b)
			.or_else(|| first_difference(&b, &tiered).map(|d| format!("with tiering: {d}")))
		{
			None => Verdict::Agree(a),
			Some(diff) if std::env::var_os("FUZZ_VERBOSE").is_some() => {
				let all = |t: &[Event]| {
					t.iter().map(|e| format!("\n    {}", e.short())).collect::<String>()
				};
				Verdict::Mismatch(format!("{diff}\n  wasmi:{}\n  wasmtime:{}", all(&a), all(&b)))
			}
			Some(diff) => Verdict::Mismatch(diff),
		},
		(Err(e), _) | (_, Err(e)) => Verdict::Mismatch(e),
	}
}

/// Counters for the report.
#[derive(Default)]
struct Stats {
	cases: u64,
	not_generated: u64,
	rejected: BTreeMap<String, u64>,
	instantiated: u64,
	invocations: u64,
	host_calls: u64,
	finished: u64,
	traps: BTreeMap<String, u64>,
	invoke_errors: BTreeMap<String, u64>,
	/// Traps other than stops, and how many of them have frames.
	faults: u64,
	located: u64,
	/// Instances that `env.nested` created.
	nested: u64,
	/// Calls the runtime abandoned while suspended.
	abandoned: u64,
	mismatches: u64,
	/// Cases slower than `FUZZ_SLOW_SECONDS`.
	slow: u64,
	/// The slowest case and its seed.
	slowest: (Duration, u64),
}

impl Stats {
	fn add(&mut self, transcript: &[Event]) {
		let mut first_instance = true;
		for event in transcript {
			match event {
				Event::InstanceNew(result) if first_instance => {
					first_instance = false;
					match result {
						Ok(()) => self.instantiated += 1,
						Err(e) => *self.rejected.entry(format!("{e:?}")).or_default() += 1,
					}
				}
				Event::InstanceNew(_) => self.nested += 1,
				Event::Step(Ok(Outcome::HostCall { .. })) => self.host_calls += 1,
				Event::Step(Ok(Outcome::Finished { .. })) => self.finished += 1,
				Event::Step(Ok(Outcome::Trapped { trap, .. })) => {
					let kind = match trap.kind {
						TrapKind::Host(sp_sandbox::HOST_STOP) => "HostStop".to_string(),
						TrapKind::Host(_) => "Host".to_string(),
						kind => format!("{kind:?}"),
					};
					*self.traps.entry(kind).or_default() += 1;
					if trap.kind != TrapKind::Host(sp_sandbox::HOST_STOP) {
						self.faults += 1;
						self.located += u64::from(!trap.frames.is_empty());
					}
				}
				Event::Step(Err(e)) => {
					*self.invoke_errors.entry(format!("{e:?}")).or_default() += 1
				}
				Event::Abandoned(_) => self.abandoned += 1,
				_ => {}
			}
		}
		self.invocations += transcript
			.windows(2)
			.filter(|w| {
				!matches!(w[0], Event::Reply(..) | Event::Step(Err(Error::InvalidArguments)))
					&& matches!(w[1], Event::Step(_))
			})
			.count() as u64;
	}

	fn print(&self, elapsed: Duration) {
		let secs = elapsed.as_secs_f64().max(1e-9);
		eprintln!(
			"differential fuzz: {} cases in {:.0} s ({:.1}/s): {} instantiated, {} rejected {:?}, \
			 {} not generated; {} invocations, {} host calls, {} nested instances, {} abandoned; \
			 {} finished, traps {:?}, {} of {} faults located; invoke/resume errors {:?}; \
			 slowest case {:.1?} (seed 0x{:x}), {} slow; {} mismatches",
			self.cases,
			secs,
			self.cases as f64 / secs,
			self.instantiated,
			self.rejected.values().sum::<u64>(),
			self.rejected,
			self.not_generated,
			self.invocations,
			self.host_calls,
			self.nested,
			self.abandoned,
			self.finished,
			self.traps,
			self.located,
			self.faults,
			self.invoke_errors,
			self.slowest.0,
			self.slowest.1,
			self.slow,
			self.mismatches,
		);
	}
}

fn env_u64(name: &str) -> Option<u64> {
	let text = std::env::var(name).ok()?;
	let text = text.trim();
	let parsed = match text.strip_prefix("0x") {
		Some(hex) => u64::from_str_radix(hex, 16),
		None => text.parse(),
	};
	Some(parsed.unwrap_or_else(|_| panic!("{name}={text} is not a number")))
}

fn out_dir() -> PathBuf {
	std::env::var_os("FUZZ_OUT")
		.map(PathBuf::from)
		.unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("differential-fuzz"))
}

/// Writes the case's module as `.wasm` and `.wat` and says where.
fn save(case: &Case) -> String {
	let dir = out_dir();
	let base = dir.join(format!("{:016x}", case.seed));
	let written = std::fs::create_dir_all(&dir)
		.and_then(|()| std::fs::write(base.with_extension("wasm"), &case.code))
		.and_then(|()| {
			let text = wasmprinter::print_bytes(&case.code)
				.unwrap_or_else(|e| format!(";; not printable: {e}"));
			std::fs::write(base.with_extension("wat"), text)
		});
	match written {
		Ok(()) => format!("{}.wasm/.wat", base.display()),
		Err(e) => format!("(not saved: {e})"),
	}
}

/// Runs cases from `seed` on until `deadline` or `max_cases`; returns the stats.
fn fuzz(seed: u64, deadline: Instant, max_cases: u64) -> Stats {
	let start = Instant::now();
	let new_cache =
		|| ModuleCache::new_shared(128 << 20).expect("engines build with the sandbox config");
	let caches = Caches { tiered: new_cache(), compiled: new_cache() };
	caches.compiled.lock().expect("not poisoned").set_tiering(false);
	let mut stats = Stats::default();
	let mut last_report = Instant::now();
	let mut case_seed = seed;
	// Debugging aids: run the cases with this module instead of the generated one (to minimise
	// a failing module by hand), and print every case's transcript.
	let module = std::env::var_os("FUZZ_MODULE").map(PathBuf::from);
	let verbose = std::env::var_os("FUZZ_VERBOSE").is_some();
	let slow = Duration::from_secs(env_u64("FUZZ_SLOW_SECONDS").unwrap_or(20));
	while stats.cases < max_cases && Instant::now() < deadline {
		stats.cases += 1;
		let this = case_seed;
		case_seed = case_seed.wrapping_add(1);
		let Some(mut case) = catch_unwind(|| generate(this)).ok().flatten() else {
			stats.not_generated += 1;
			continue;
		};
		if let Some(path) = &module {
			case.code = wat::parse_file(path).expect("FUZZ_MODULE is a .wat or .wasm file");
		}
		if verbose {
			let saved = if module.is_none() { save(&case) } else { "not saved".into() };
			eprintln!("case 0x{this:016x}: {} bytes, {saved}", case.code.len());
		}
		let started = Instant::now();
		let verdict = check(&caches, &case);
		let took = started.elapsed();
		stats.slowest = stats.slowest.max((took, this));
		if took > slow {
			// Gas bounds every case; one this slow is a gas-versus-time bug of its own.
			stats.slow += 1;
			eprintln!(
				"SLOW case seed 0x{this:016x} took {took:.1?} (rerun: FUZZ_SEED=0x{this:016x} \
				 FUZZ_CASES=1), module saved to {}",
				save(&case)
			);
		}
		match verdict {
			Verdict::Agree(transcript) => {
				if verbose {
					transcript.iter().for_each(|e| eprintln!("  {}", e.short()));
				}
				stats.add(&transcript)
			}
			Verdict::Mismatch(what) => {
				stats.mismatches += 1;
				eprintln!(
					"MISMATCH in case seed 0x{this:016x} (rerun: FUZZ_SEED=0x{this:016x} \
					 FUZZ_CASES=1), module saved to {}:\n{what}",
					save(&case)
				);
			}
		}
		if last_report.elapsed() > Duration::from_secs(30) {
			stats.print(start.elapsed());
			last_report = Instant::now();
		}
	}
	stats.print(start.elapsed());
	ModuleCache::finish_background_compiles(&caches.tiered);
	let tiering = caches.tiered.lock().expect("not poisoned").stats();
	eprintln!(
		"tiering: {} wasmtime lookups served by wasmi, {} background compiles, {} taken over",
		tiering.tiered, tiering.background_compiles, tiering.tier_ups
	);
	stats
}

/// The fuzzer itself; see the module documentation and docs/FUZZING.md.
#[test]
#[ignore = "runs for FUZZ_SECONDS; CI runs a bounded smoke"]
fn differential_fuzz() {
	let seed = env_u64("FUZZ_SEED").unwrap_or_else(|| {
		let now = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.expect("the clock is after 1970");
		mix(now.as_nanos() as u64, &[u64::from(std::process::id())])
	});
	let seconds = env_u64("FUZZ_SECONDS").unwrap_or(60);
	let max_cases = env_u64("FUZZ_CASES").unwrap_or(u64::MAX);
	eprintln!("differential fuzz: seed 0x{seed:016x}, {seconds} s, at most {max_cases} cases");
	let stats = fuzz(seed, Instant::now() + Duration::from_secs(seconds), max_cases);
	assert_eq!(stats.mismatches, 0, "the backends disagreed; see MISMATCH above");
}

/// A few hundred fixed cases in every test run, so the harness itself cannot rot.
#[test]
fn differential_fuzz_fixed_seeds() {
	let stats = fuzz(0x5eed, Instant::now() + Duration::from_secs(600), 100);
	assert_eq!(stats.mismatches, 0, "the backends disagreed; see MISMATCH above");
	assert!(stats.instantiated > 30, "most cases instantiate");
	assert!(stats.host_calls > 0 && stats.finished > 0, "cases call the host and finish");
}
