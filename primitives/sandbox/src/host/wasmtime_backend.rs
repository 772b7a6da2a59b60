//! The wasmtime backend: imported functions are async host functions, the call runs on a fiber
//! (`call_async`) and we poll its future by hand with a no-op waker.
//!
//! A host call stores its request in a shared mailbox and returns `Pending`; the fiber
//! suspends and our poll returns `Pending` too, which we report as a host call. The call's
//! future owns the `Store`, so while it is suspended the memory can only be reached from inside
//! the suspended host function: it keeps servicing commands (read memory, write memory, read a
//! global, resume) put into the mailbox, one command per poll, until it gets "resume". No
//! `unsafe` is needed.
//!
//! A repeat call pays instantiation only, kept cheap three ways (docs/BENCHMARKS.md has the
//! numbers): the host functions are defined once per cached module in a [`Linker`]; instances
//! and fiber stacks come from wasmtime's pooling allocator; and only the non-zero pages of the
//! runtime's memory are copied into the fresh (zeroed) engine memory.

use super::{
	gas_from_global, gas_to_global,
	instrument::{
		Instrumented, CALL_SITE_EXPORT, GAS_EXPORT, REASON_EXPORT, SP_EXPORT, STACK_EXPORT,
	},
	trap::{self, HostTrap},
	validate::{IntType, Signature},
	MemoryInit, SandboxInstance,
};
use crate::{Error, HostError, Outcome, ReturnValue, Trap, TrapKind, Value, HOST_STOP};
use std::{
	future::Future,
	pin::Pin,
	sync::{Arc, Mutex, MutexGuard},
	task::{Context, Poll, Waker},
};
use wasmtime::{
	Caller, Engine, Extern, ExternType, FuncType, Global, Instance, Linker, Memory, MemoryType,
	Module, Store, Val, ValType,
};

/// Native Wasm stack for wasmtime, far above what the instrumented stack limit allows (the
/// default limit of 64 Ki units is a few MiB of native frames at most).
const MAX_WASM_STACK: usize = 64 << 20;
/// Fiber stack: the Wasm stack plus room for the host functions.
const ASYNC_STACK: usize = MAX_WASM_STACK + (2 << 20);

/// Live instances of wasmtime sandboxes per module cache, on either tier (each wasmtime one
/// holds a pooled instance slot, tables and fiber stack). Instantiation fails with
/// [`Error::Instantiation`] beyond this, counted by the module cache so that the limit does
/// not depend on which tier runs an instance; a node keeps a few per thread (one per contract
/// on the call stack), and every slot reserves address space for a fiber stack, which makes
/// creating the engine slower the larger this is.
pub const MAX_LIVE_INSTANCES: u32 = 256;

/// Pool slots beyond [`MAX_LIVE_INSTANCES`], for replaying traps of wasmi-tier instances to
/// find their frames while the sandbox's own instances use up the limit.
const REPLAY_SLOTS: u32 = 8;

/// A new engine with the sandbox's settings.
pub fn new_engine() -> Result<Engine, String> {
	let mut config = wasmtime::Config::new();
	config.async_support(true);
	config.max_wasm_stack(MAX_WASM_STACK);
	config.async_stack_size(ASYNC_STACK);
	config.wasm_backtrace(true);
	config.generate_address_map(true);
	// Pooled instances and fiber stacks: a fresh on-demand fiber stack per store (mapped,
	// faulted in, unmapped) was a fifth of a cached instantiation. Host-created memories (our
	// `env.memory`) are always allocated on demand, and modules cannot define one (validation).
	let mut pool = wasmtime::PoolingAllocationConfig::new();
	pool.total_core_instances(MAX_LIVE_INSTANCES + REPLAY_SLOTS)
		.total_stacks(MAX_LIVE_INSTANCES + REPLAY_SLOTS)
		.total_tables(MAX_LIVE_INSTANCES + REPLAY_SLOTS)
		.table_elements(crate::MAX_TABLE_SIZE_LIMIT as usize)
		.total_memories(0)
		.max_memories_per_module(0);
	config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
	Engine::new(&config).map_err(|e| e.to_string())
}

/// How one import of a [`Prepared`] module is satisfied.
enum Import {
	/// The linker's host function under this (synthetic) name.
	Func(String),
	/// The instance's `env.memory`.
	Memory,
	/// Anything else; validation rejects these, so this only keeps instantiation total.
	Forbidden,
}

/// A compiled module with its import wiring, built once per cached module so that an
/// instantiation only clones `Arc`s into its store instead of creating a host function per
/// import.
pub struct Prepared {
	module: Module,
	/// Host function `i` is the module's `i`-th function import, defined as `("", "i")`: it
	/// finds its runtime-side index in the store data, so one linker serves every runtime.
	linker: Linker<StoreData>,
	imports: Vec<Import>,
	func_imports: usize,
	/// Stop errors for reuse (see [`Prepared::host_error`]).
	stops: Mutex<Vec<wasmtime::Error>>,
}

/// Compile an instrumented module and define its host functions.
pub fn compile(engine: &Engine, instrumented: &Instrumented) -> Result<Prepared, Error> {
	let module = Module::new(engine, &instrumented.code).map_err(|e| {
		log::warn!(target: crate::LOG_TARGET, "wasmtime rejected an instrumented module: {e:?}");
		Error::InvalidModule
	})?;
	let mut linker = Linker::new(engine);
	let mut imports = Vec::new();
	let mut func_imports = 0usize;
	for import in module.imports() {
		let sig = instrumented.info.func_imports.get(func_imports);
		imports.push(match (import.ty(), sig) {
			(ExternType::Func(_), Some(sig)) => {
				let name = func_imports.to_string();
				define_host_func(&mut linker, &name, func_imports, &sig.signature)
					.map_err(|_| Error::InvalidModule)?;
				func_imports += 1;
				Import::Func(name)
			}
			(ExternType::Memory(_), _) => Import::Memory,
			_ => Import::Forbidden,
		});
	}
	Ok(Prepared { module, linker, imports, func_imports, stops: Mutex::default() })
}

enum Command {
	Read { offset: u32, len: usize },
	Write { offset: u32, data: Vec<u8> },
	Global(String),
	Resume { reply: Result<Option<Val>, wasmtime::Error>, gas_left: i64 },
}

enum Response {
	Read(Result<Vec<u8>, Error>),
	Write(Result<(), Error>),
	Global(Option<Value>),
}

struct Request {
	index: u32,
	args: Vec<Value>,
	gas_left: u64,
	call_site: u32,
	result: Option<IntType>,
}

#[derive(Default)]
struct Mailbox {
	request: Option<Request>,
	command: Option<Command>,
	response: Option<Response>,
}

type Shared = Arc<Mutex<Mailbox>>;

fn lock(mailbox: &Shared) -> MutexGuard<'_, Mailbox> {
	// A poisoned lock only means a panic elsewhere; the mailbox is plain data.
	mailbox.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct StoreData {
	mailbox: Shared,
	limiter: GrowLimiter,
	/// Runtime-side index of each function import.
	host_funcs: Vec<u32>,
	memory: Option<Memory>,
	gas: Option<Global>,
	call_site: Option<Global>,
}

/// Refuses a `memory.grow` beyond the memory's maximum before wasmtime itself does: wasmtime's
/// refusal builds an `anyhow::Error`, which captures a native backtrace whenever
/// `RUST_BACKTRACE` is set. Deep in a contract's recursion and with many compiled modules
/// registered that took milliseconds for one unit of gas, so a contract that grew its memory
/// in vain in a loop ran for minutes (found by the differential fuzzer). The Wasm result, -1,
/// is the same either way.
struct GrowLimiter;

impl wasmtime::ResourceLimiter for GrowLimiter {
	fn memory_growing(
		&mut self,
		_current: usize,
		desired: usize,
		maximum: Option<usize>,
	) -> wasmtime::Result<bool> {
		Ok(maximum.is_none_or(|maximum| desired <= maximum))
	}

	fn table_growing(
		&mut self,
		_current: usize,
		desired: usize,
		maximum: Option<usize>,
	) -> wasmtime::Result<bool> {
		Ok(maximum.is_none_or(|maximum| desired <= maximum))
	}
}

/// Recycled stop errors a module keeps at most: one per instance of it stopping at the same
/// time is enough.
const MAX_STOP_ERRORS: usize = 4;

impl Prepared {
	/// The error a host function returns to make wasmtime unwind an instance of this module for
	/// `HostError(code)`.
	///
	/// A contract's every return (`seal_return`) is a [`HOST_STOP`], and every `anyhow::Error`
	/// (which wasmtime's errors are) captures a native backtrace when it is built if
	/// `RUST_BACKTRACE` or `RUST_LIB_BACKTRACE` is set: ~40 µs per call. anyhow 1.0 on stable
	/// Rust has no constructor that skips that, so stops reuse their errors instead: wasmtime
	/// hands the error back when the call ends ([`Self::recycle_stop`]), and an error that
	/// already carries a `WasmBacktrace` passes through wasmtime untouched (no new wasm
	/// backtrace, no new context). Only a module's first stop (or several at once) builds one.
	/// Other host traps are faults, rare, and want their own frames: they get fresh errors.
	fn host_error(&self, HostError(code): HostError) -> wasmtime::Error {
		if code == HOST_STOP {
			let recycled = self.stops.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop();
			if let Some(error) = recycled {
				return error;
			}
		}
		wasmtime::Error::new(HostTrap(code))
	}

	/// Keeps a stop error that came back out of wasmtime for [`Self::host_error`]. Its frames
	/// (of its first trip) are this module's, so it keeps nothing else alive.
	fn recycle_stop(&self, error: wasmtime::Error) {
		if error.downcast_ref::<wasmtime::WasmBacktrace>().is_none() {
			// Without one wasmtime would capture and attach frames on every trip.
			return;
		}
		let mut stops = self.stops.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		if stops.len() < MAX_STOP_ERRORS {
			stops.push(error);
		}
	}
}

/// Returns `Pending` once, then `Ready`.
struct YieldOnce(bool);

impl Future for YieldOnce {
	type Output = ();
	fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
		if self.0 {
			Poll::Ready(())
		} else {
			self.0 = true;
			Poll::Pending
		}
	}
}

fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>) -> Poll<F::Output> {
	fut.poll(&mut Context::from_waker(Waker::noop()))
}

fn to_val_type(t: IntType) -> ValType {
	match t {
		IntType::I32 => ValType::I32,
		IntType::I64 => ValType::I64,
	}
}

fn to_val(v: &Value) -> Val {
	match *v {
		Value::I32(x) => Val::I32(x),
		Value::I64(x) => Val::I64(x),
	}
}

fn from_val(v: &Val) -> Option<Value> {
	match v {
		Val::I32(x) => Some(Value::I32(*x)),
		Val::I64(x) => Some(Value::I64(*x)),
		_ => None,
	}
}

fn read_mem(caller: &Caller<'_, StoreData>, offset: u32, len: usize) -> Result<Vec<u8>, Error> {
	let memory = caller.data().memory.ok_or(Error::MemoryOutOfBounds)?;
	let mut buf = vec![0; len];
	memory.read(caller, offset as usize, &mut buf).map_err(|_| Error::MemoryOutOfBounds)?;
	Ok(buf)
}

/// Define the async host function for the `position`-th function import with signature `sig`.
fn define_host_func(
	linker: &mut Linker<StoreData>,
	name: &str,
	position: usize,
	sig: &Signature,
) -> wasmtime::Result<()> {
	let ty = FuncType::new(
		linker.engine(),
		sig.params.iter().copied().map(to_val_type),
		sig.result.map(to_val_type),
	);
	let result = sig.result;
	linker.func_new_async("", name, ty, move |caller, params, results| {
		Box::new(serve_host_call(caller, position, result, params, results))
	})?;
	Ok(())
}

/// Report a host call to the poller and serve its commands until it says "resume".
async fn serve_host_call(
	mut caller: Caller<'_, StoreData>,
	position: usize,
	result: Option<IntType>,
	params: &[Val],
	results: &mut [Val],
) -> wasmtime::Result<()> {
	let index = *caller
		.data()
		.host_funcs
		.get(position)
		.ok_or_else(|| wasmtime::Error::msg("no host function for this import"))?;
	let gas = caller.data().gas.ok_or_else(|| wasmtime::Error::msg("no gas global"))?;
	let gas_left = gas_from_global(gas.get(&mut caller).i64().unwrap_or(0));
	let call_site = match caller.data().call_site {
		Some(global) => global.get(&mut caller).i32().unwrap_or(0) as u32,
		None => 0,
	};
	let mailbox = caller.data().mailbox.clone();
	let args = params.iter().filter_map(from_val).collect();
	lock(&mailbox).request = Some(Request { index, args, gas_left, call_site, result });
	loop {
		YieldOnce(false).await;
		let command = lock(&mailbox).command.take();
		let response = match command {
			None => continue,
			Some(Command::Read { offset, len }) => Response::Read(read_mem(&caller, offset, len)),
			Some(Command::Write { offset, data }) => Response::Write(match caller.data().memory {
				Some(m) => m
					.write(&mut caller, offset as usize, &data)
					.map_err(|_| Error::MemoryOutOfBounds),
				None => Err(Error::MemoryOutOfBounds),
			}),
			Some(Command::Global(name)) => Response::Global(
				caller
					.get_export(&name)
					.and_then(|e| e.into_global())
					.and_then(|g| from_val(&g.get(&mut caller))),
			),
			Some(Command::Resume { reply, gas_left }) => {
				gas.set(&mut caller, Val::I64(gas_left))?;
				return match reply {
					Ok(value) => {
						if let (Some(slot), Some(v)) = (results.first_mut(), value) {
							*slot = v;
						}
						Ok(())
					}
					Err(error) => Err(error),
				};
			}
		};
		lock(&mailbox).response = Some(response);
	}
}

type CallFuture =
	Pin<Box<dyn Future<Output = (Store<StoreData>, wasmtime::Result<Vec<Val>>)> + Send>>;

enum State {
	Idle(Store<StoreData>),
	Suspended {
		call: CallFuture,
		result: Option<IntType>,
	},
	/// A call future was lost (cannot happen unless wasmtime misbehaves); the instance is dead.
	Poisoned,
}

/// Copy `data` into a fresh (all-zero) memory, skipping all-zero pages: writing zeros would
/// only fault in pages that are zero already, and fault handling and the later unmapping of
/// those pages were most of a cached instantiation's cost.
fn write_non_zero(memory: &mut [u8], data: &[u8]) -> bool {
	const PAGE: usize = 4096;
	let Some(memory) = memory.get_mut(..data.len()) else { return false };
	for (dst, src) in memory.chunks_mut(PAGE).zip(data.chunks(PAGE)) {
		// An OR-fold vectorises; `any` with its early exit does not.
		if src.iter().fold(0, |acc, b| acc | b) != 0 {
			dst.copy_from_slice(src);
		}
	}
	true
}

/// One wasmtime instance.
pub struct WasmtimeInstance {
	state: State,
	instance: Instance,
	memory: Option<Memory>,
	gas: Global,
	stack: Global,
	reason: Global,
	mailbox: Shared,
	instrumented: Arc<Instrumented>,
	prepared: Arc<Prepared>,
}

type InstantiateResult = Result<Box<dyn SandboxInstance>, (Error, Option<Vec<u8>>)>;

/// Instantiate `module` with the runtime's host functions (`host_funcs[i]` is the runtime-side
/// index of the `i`-th function import) and memory.
pub fn instantiate(
	prepared: &Arc<Prepared>,
	instrumented: Arc<Instrumented>,
	host_funcs: &[u32],
	memory: Option<MemoryInit>,
) -> InstantiateResult {
	let module = &prepared.module;
	let mailbox = Shared::default();
	let mut store = Store::new(
		module.engine(),
		StoreData {
			mailbox: mailbox.clone(),
			limiter: GrowLimiter,
			host_funcs: host_funcs.to_vec(),
			memory: None,
			gas: None,
			call_site: None,
		},
	);
	store.limiter(|data| &mut data.limiter);
	let mut leftover = None;
	if let Some(init) = memory {
		let created = Memory::new(&mut store, MemoryType::new(init.pages, Some(init.maximum)))
			.ok()
			.filter(|m| write_non_zero(m.data_mut(&mut store), &init.data));
		match created {
			Some(m) => store.data_mut().memory = Some(m),
			None => return Err((Error::Instantiation, Some(init.data))),
		}
		leftover = Some(init.data);
	}
	let mut imports = Vec::with_capacity(prepared.imports.len());
	if host_funcs.len() != prepared.func_imports {
		return Err((Error::ForbiddenImport, leftover));
	}
	for import in &prepared.imports {
		match import {
			Import::Func(name) => match prepared.linker.get(&mut store, "", name) {
				Some(func) => imports.push(func),
				None => return Err((Error::ForbiddenImport, leftover)),
			},
			Import::Memory => match store.data().memory {
				Some(m) => imports.push(Extern::Memory(m)),
				None => return Err((Error::MemoryMismatch, leftover)),
			},
			Import::Forbidden => return Err((Error::ForbiddenImport, leftover)),
		}
	}
	// No start function and no host calls during instantiation, so one poll finishes it.
	let created = {
		let fut = std::pin::pin!(Instance::new_async(&mut store, module, &imports));
		poll_once(fut)
	};
	let instance = match created {
		Poll::Ready(Ok(i)) => i,
		Poll::Ready(Err(e)) if e.is::<wasmtime::PoolConcurrencyLimitError>() => {
			log::warn!(
				target: crate::LOG_TARGET,
				"more than {MAX_LIVE_INSTANCES} live wasmtime instances; tear some down: {e}"
			);
			return Err((Error::Instantiation, leftover));
		}
		Poll::Ready(Err(e)) => {
			log::debug!(target: crate::LOG_TARGET, "wasmtime instantiation failed: {e:?}");
			return Err((Error::Instantiation, leftover));
		}
		Poll::Pending => return Err((Error::Instantiation, leftover)),
	};
	let (Some(gas), Some(stack), Some(reason), Some(call_site)) = (
		instance.get_global(&mut store, GAS_EXPORT),
		instance.get_global(&mut store, STACK_EXPORT),
		instance.get_global(&mut store, REASON_EXPORT),
		instance.get_global(&mut store, CALL_SITE_EXPORT),
	) else {
		return Err((Error::Instantiation, leftover));
	};
	store.data_mut().gas = Some(gas);
	store.data_mut().call_site = Some(call_site);
	let memory = store.data().memory;
	Ok(Box::new(WasmtimeInstance {
		state: State::Idle(store),
		instance,
		memory,
		gas,
		stack,
		reason,
		mailbox,
		instrumented,
		prepared: prepared.clone(),
	}))
}

impl WasmtimeInstance {
	/// Poll the call once and turn the result into an outcome.
	fn drive(&mut self, mut call: CallFuture) -> Outcome {
		match poll_once(call.as_mut()) {
			Poll::Ready((mut store, result)) => {
				let gas_left = gas_from_global(self.gas.get(&mut store).i64().unwrap_or(0));
				let outcome = match result {
					Ok(values) => {
						let result = match values.first().and_then(from_val) {
							Some(v) => ReturnValue::Value(v),
							None => ReturnValue::Unit,
						};
						Outcome::Finished { result, gas_left }
					}
					Err(e) if e.downcast_ref::<HostTrap>().is_some_and(|t| t.0 == HOST_STOP) => {
						// No frames for a stop (the recycled error's are stale anyway).
						self.prepared.recycle_stop(e);
						let trap = Trap { kind: TrapKind::Host(HOST_STOP), frames: Vec::new() };
						Outcome::Trapped { trap, gas_left }
					}
					Err(e) => {
						let reason = self.reason.get(&mut store).i32().unwrap_or(0);
						let trap = trap::from_wasmtime(&e, reason, &self.instrumented.offset_map);
						Outcome::Trapped { trap, gas_left }
					}
				};
				self.state = State::Idle(store);
				outcome
			}
			Poll::Pending => match lock(&self.mailbox).request.take() {
				Some(Request { index, args, gas_left, call_site, result }) => {
					self.state = State::Suspended { call, result };
					Outcome::HostCall { index, args, gas_left, call_site }
				}
				None => {
					// Suspended without a request: nothing we created does that.
					self.state = State::Poisoned;
					let trap = Trap { kind: TrapKind::Other, frames: Vec::new() };
					Outcome::Trapped { trap, gas_left: 0 }
				}
			},
		}
	}

	/// Send a command to the suspended host function and poll once for its response.
	fn command(&mut self, command: Command) -> Result<Response, Error> {
		let State::Suspended { call, .. } = &mut self.state else {
			return Err(Error::InvalidState);
		};
		lock(&self.mailbox).command = Some(command);
		match poll_once(call.as_mut()) {
			Poll::Pending => lock(&self.mailbox).response.take().ok_or(Error::InvalidState),
			Poll::Ready((store, _)) => {
				// Cannot happen for non-resume commands; keep the store usable anyway.
				self.state = State::Idle(store);
				Err(Error::InvalidState)
			}
		}
	}
}

impl SandboxInstance for WasmtimeInstance {
	fn invoke(&mut self, export: &str, args: &[Value], gas: u64) -> Result<Outcome, Error> {
		let State::Idle(store) = &mut self.state else { return Err(Error::InvalidState) };
		if !self.instrumented.info.exports.iter().any(|e| e == export) {
			return Err(Error::ExportNotFound);
		}
		let func = self.instance.get_func(&mut *store, export).ok_or(Error::ExportNotFound)?;
		let ty = func.ty(&*store);
		let params: Vec<Val> = args.iter().map(to_val).collect();
		if ty.params().len() != params.len()
			|| ty.params().zip(&params).any(|(t, v)| {
				!matches!((t, v), (ValType::I32, Val::I32(_)) | (ValType::I64, Val::I64(_)))
			}) {
			return Err(Error::InvalidArguments);
		}
		let outputs: Vec<Val> = ty
			.results()
			.map(|t| if matches!(t, ValType::I64) { Val::I64(0) } else { Val::I32(0) })
			.collect();
		let set = |store: &mut Store<StoreData>, g: Global, v: Val| {
			// Our own globals are mutable with the right type, so this cannot fail.
			let _ = g.set(store, v);
		};
		set(store, self.gas, Val::I64(gas_to_global(gas)));
		set(store, self.stack, Val::I32(0));
		set(store, self.reason, Val::I32(0));
		*lock(&self.mailbox) = Mailbox::default();
		let State::Idle(mut store) = core::mem::replace(&mut self.state, State::Poisoned) else {
			return Err(Error::InvalidState);
		};
		let call: CallFuture = Box::pin(async move {
			let mut outputs = outputs;
			let result = func.call_async(&mut store, &params, &mut outputs).await;
			(store, result.map(|()| outputs))
		});
		Ok(self.drive(call))
	}

	fn resume(
		&mut self,
		reply: Result<ReturnValue, HostError>,
		gas_left: u64,
	) -> Result<Outcome, Error> {
		let State::Suspended { result, .. } = &self.state else { return Err(Error::InvalidState) };
		let reply = match (reply, *result) {
			(Err(error), _) => Err(error),
			(Ok(ReturnValue::Unit), None) => Ok(None),
			(Ok(ReturnValue::Value(v @ Value::I32(_))), Some(IntType::I32))
			| (Ok(ReturnValue::Value(v @ Value::I64(_))), Some(IntType::I64)) => Ok(Some(to_val(&v))),
			// Stay suspended so the runtime can retry with a correct reply.
			_ => return Err(Error::InvalidArguments),
		};
		let State::Suspended { call, .. } = core::mem::replace(&mut self.state, State::Poisoned)
		else {
			return Err(Error::InvalidState);
		};
		let reply = reply.map_err(|e| self.prepared.host_error(e));
		lock(&self.mailbox).command =
			Some(Command::Resume { reply, gas_left: gas_to_global(gas_left) });
		Ok(self.drive(call))
	}

	fn read_memory(&mut self, offset: u32, buf: &mut [u8]) -> Result<(), Error> {
		match &mut self.state {
			State::Idle(store) => {
				let memory = self.memory.ok_or(Error::MemoryOutOfBounds)?;
				memory.read(&*store, offset as usize, buf).map_err(|_| Error::MemoryOutOfBounds)
			}
			State::Suspended { .. } => {
				match self.command(Command::Read { offset, len: buf.len() })? {
					Response::Read(Ok(data)) if data.len() == buf.len() => {
						buf.copy_from_slice(&data);
						Ok(())
					}
					Response::Read(Err(e)) => Err(e),
					_ => Err(Error::InvalidState),
				}
			}
			State::Poisoned => Err(Error::InvalidState),
		}
	}

	fn write_memory(&mut self, offset: u32, data: &[u8]) -> Result<(), Error> {
		match &mut self.state {
			State::Idle(store) => {
				let memory = self.memory.ok_or(Error::MemoryOutOfBounds)?;
				memory
					.write(&mut *store, offset as usize, data)
					.map_err(|_| Error::MemoryOutOfBounds)
			}
			State::Suspended { .. } => {
				match self.command(Command::Write { offset, data: data.to_vec() })? {
					Response::Write(r) => r,
					_ => Err(Error::InvalidState),
				}
			}
			State::Poisoned => Err(Error::InvalidState),
		}
	}

	fn get_global(&mut self, name: &str) -> Option<Value> {
		if !self.instrumented.info.exports.iter().any(|e| e == name) {
			return None;
		}
		match &mut self.state {
			State::Idle(store) => {
				let global = self.instance.get_global(&mut *store, name)?;
				from_val(&global.get(&mut *store))
			}
			State::Suspended { .. } => match self.command(Command::Global(name.into())).ok()? {
				Response::Global(v) => v,
				_ => None,
			},
			State::Poisoned => None,
		}
	}
	fn stack_overflowed(&mut self) -> bool {
		let State::Idle(store) = &mut self.state else { return false };
		let (Some(sp), Some(memory)) =
			(self.instance.get_global(&mut *store, SP_EXPORT), self.memory)
		else {
			return false;
		};
		let sp = sp.get(&mut *store).i32().unwrap_or(0) as u32 as usize;
		sp > memory.data_size(&*store)
	}
}
