//! The wasmi backend: a host call makes the imported function return a host error carrying the
//! request; `call_resumable` then hands back a `ResumableCallHostTrap` which we keep until the
//! runtime replies, and `resume` feeds the reply in as the host function's result.

use super::{
	gas_from_global, gas_to_global,
	instrument::{
		Instrumented, CALL_SITE_EXPORT, GAS_EXPORT, REASON_EXPORT, SP_EXPORT, STACK_EXPORT,
	},
	trap,
	validate::IntType,
	MemoryInit, SandboxInstance,
};
use crate::{Error, HostError, Outcome, ReturnValue, Trap, TrapKind, Value};
use std::sync::Arc;
use wasmi::{
	Engine, Extern, ExternType, Func, Global, Instance, Memory, MemoryType, Module, ResumableCall,
	ResumableCallHostTrap, Store, Val, ValType,
};

/// The engine's own limits are far above the instrumented stack limit, so the instrumented
/// limit always fires first (every instrumented frame costs at least 3 units).
const MAX_RECURSION_DEPTH: usize = 1 << 20;
/// Bytes of wasmi's value stack (allocated on demand).
const MAX_STACK_HEIGHT: usize = 1 << 30;

/// A new engine with the sandbox's settings.
pub fn new_engine() -> Engine {
	let mut config = wasmi::Config::default();
	config.set_max_recursion_depth(MAX_RECURSION_DEPTH);
	config.set_max_stack_height(MAX_STACK_HEIGHT);
	Engine::new(&config)
}

/// Compile an instrumented module.
pub fn compile(engine: &Engine, code: &[u8]) -> Result<Module, Error> {
	Module::new(engine, code).map_err(|e| {
		log::warn!(target: crate::LOG_TARGET, "wasmi rejected an instrumented module: {e}");
		Error::InvalidModule
	})
}

/// What a host call asks the runtime to do; travels out of wasmi as a host error.
#[derive(Debug)]
struct HostCallRequest {
	index: u32,
	args: Vec<Value>,
}

impl core::fmt::Display for HostCallRequest {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "host call {}", self.index)
	}
}

impl wasmi::errors::HostError for HostCallRequest {}

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

struct Suspended {
	call: ResumableCallHostTrap,
	/// The host function's result type, to check the runtime's reply.
	host_result: Option<IntType>,
	/// Number of results of the invoked export.
	outputs: usize,
}

/// One wasmi instance.
pub struct WasmiInstance {
	store: Store<()>,
	instance: Instance,
	memory: Option<Memory>,
	gas: Global,
	stack: Global,
	reason: Global,
	call_site: Global,
	suspended: Option<Suspended>,
	instrumented: Arc<Instrumented>,
}

type InstantiateResult = Result<Box<dyn SandboxInstance>, (Error, Option<Vec<u8>>)>;

/// Instantiate `module` with the runtime's host functions (`host_funcs[i]` is the runtime-side
/// index of the `i`-th function import) and memory.
pub fn instantiate(
	module: &Module,
	instrumented: Arc<Instrumented>,
	host_funcs: &[u32],
	memory: Option<MemoryInit>,
) -> InstantiateResult {
	let mut store = Store::new(module.engine(), ());
	let mut mem = None;
	let mut leftover = None;
	if let Some(init) = memory {
		let created = Memory::new(&mut store, MemoryType::new(init.pages, Some(init.maximum)))
			.ok()
			.filter(|m| m.write(&mut store, 0, &init.data).is_ok());
		match created {
			Some(m) => mem = Some(m),
			None => return Err((Error::Instantiation, Some(init.data))),
		}
		// The engine copied the bytes; keep them only to hand back on failure.
		leftover = Some(init.data);
	}
	let fail = |e: Error, leftover: Option<Vec<u8>>| Err((e, leftover));
	let mut imports = Vec::new();
	let mut func_index = 0usize;
	for import in module.imports() {
		match import.ty() {
			// The module's own type of the import: the signature validation read, without
			// building it again for every instance.
			ExternType::Func(ty) => {
				if instrumented.info.func_imports.get(func_index).is_none() {
					return fail(Error::ForbiddenImport, leftover);
				}
				let Some(&index) = host_funcs.get(func_index) else {
					return fail(Error::ForbiddenImport, leftover);
				};
				func_index += 1;
				let func = Func::new(&mut store, ty.clone(), move |_caller, params, _| {
					let args = params.iter().filter_map(from_val).collect();
					Err(wasmi::Error::host(HostCallRequest { index, args }))
				});
				imports.push(Extern::Func(func));
			}
			ExternType::Memory(_) => match mem {
				Some(m) => imports.push(Extern::Memory(m)),
				None => return fail(Error::MemoryMismatch, leftover),
			},
			_ => return fail(Error::ForbiddenImport, leftover),
		}
	}
	let instance = match Instance::new(&mut store, module, &imports) {
		Ok(i) => i,
		Err(e) => {
			log::debug!(target: crate::LOG_TARGET, "wasmi instantiation failed: {e}");
			return fail(Error::Instantiation, leftover);
		}
	};
	let global = |name| instance.get_global(&store, name);
	let (Some(gas), Some(stack), Some(reason), Some(call_site)) =
		(global(GAS_EXPORT), global(STACK_EXPORT), global(REASON_EXPORT), global(CALL_SITE_EXPORT))
	else {
		return fail(Error::Instantiation, leftover);
	};
	Ok(Box::new(WasmiInstance {
		store,
		instance,
		memory: mem,
		gas,
		stack,
		reason,
		call_site,
		suspended: None,
		instrumented,
	}))
}

impl WasmiInstance {
	fn gas_left(&self) -> u64 {
		gas_from_global(self.gas.get(&self.store).i64().unwrap_or(0))
	}

	fn set_global(&mut self, global: Global, val: Val) {
		// Our own globals are mutable with the right type, so this cannot fail.
		let _ = global.set(&mut self.store, val);
	}

	/// Turn the result of `call_resumable` / `resume` into an outcome.
	fn outcome(
		&mut self,
		result: Result<ResumableCall, wasmi::Error>,
		outputs: Vec<Val>,
	) -> Outcome {
		match result {
			Ok(ResumableCall::Finished) => {
				let result = match outputs.first().and_then(from_val) {
					Some(v) => ReturnValue::Value(v),
					None => ReturnValue::Unit,
				};
				Outcome::Finished { result, gas_left: self.gas_left() }
			}
			Ok(ResumableCall::HostTrap(call)) => {
				let gas_left = self.gas_left();
				let request = call.host_error().downcast_ref::<HostCallRequest>();
				let Some(HostCallRequest { index, args }) = request else {
					// Only our host functions exist, and they only return requests.
					let trap = Trap { kind: TrapKind::Other, frames: Vec::new() };
					return Outcome::Trapped { trap, gas_left };
				};
				let (index, args) = (*index, args.clone());
				let host_result =
					call.host_func().ty(&self.store).results().first().and_then(|t| match t {
						ValType::I32 => Some(IntType::I32),
						ValType::I64 => Some(IntType::I64),
						_ => None,
					});
				self.suspended = Some(Suspended { call, host_result, outputs: outputs.len() });
				let call_site = self.call_site.get(&self.store).i32().unwrap_or(0) as u32;
				Outcome::HostCall { index, args, gas_left, call_site }
			}
			Ok(ResumableCall::OutOfFuel(_)) => {
				// Fuel metering is off; treat as out of gas all the same.
				let trap = Trap { kind: TrapKind::OutOfGas, frames: Vec::new() };
				Outcome::Trapped { trap, gas_left: self.gas_left() }
			}
			Err(e) => {
				let reason = self.reason.get(&self.store).i32().unwrap_or(0);
				Outcome::Trapped { trap: trap::from_wasmi(&e, reason), gas_left: self.gas_left() }
			}
		}
	}
}

impl SandboxInstance for WasmiInstance {
	fn invoke(&mut self, export: &str, args: &[Value], gas: u64) -> Result<Outcome, Error> {
		if self.suspended.is_some() {
			return Err(Error::InvalidState);
		}
		if !self.instrumented.info.exports.iter().any(|e| e == export) {
			return Err(Error::ExportNotFound);
		}
		let func = self.instance.get_func(&self.store, export).ok_or(Error::ExportNotFound)?;
		let ty = func.ty(&self.store);
		let params: Vec<Val> = args.iter().map(to_val).collect();
		if ty.params().len() != params.len()
			|| ty.params().iter().zip(&params).any(|(t, v)| *t != v.ty())
		{
			return Err(Error::InvalidArguments);
		}
		let mut outputs: Vec<Val> = ty
			.results()
			.iter()
			.map(|t| if *t == ValType::I64 { Val::I64(0) } else { Val::I32(0) })
			.collect();
		self.set_global(self.gas, Val::I64(gas_to_global(gas)));
		self.set_global(self.stack, Val::I32(0));
		self.set_global(self.reason, Val::I32(0));
		let result = func.call_resumable(&mut self.store, &params, &mut outputs);
		Ok(self.outcome(result, outputs))
	}

	fn resume(
		&mut self,
		reply: Result<ReturnValue, HostError>,
		gas_left: u64,
	) -> Result<Outcome, Error> {
		let suspended = self.suspended.take().ok_or(Error::InvalidState)?;
		self.set_global(self.gas, Val::I64(gas_to_global(gas_left)));
		let value = match reply {
			Err(HostError(code)) => {
				// Dropping the call unwinds it; the instance is idle again.
				drop(suspended.call);
				let trap = Trap { kind: TrapKind::Host(code), frames: Vec::new() };
				return Ok(Outcome::Trapped { trap, gas_left: self.gas_left() });
			}
			Ok(v) => v,
		};
		let inputs = match (value, suspended.host_result) {
			(ReturnValue::Unit, None) => Vec::new(),
			(ReturnValue::Value(v @ Value::I32(_)), Some(IntType::I32))
			| (ReturnValue::Value(v @ Value::I64(_)), Some(IntType::I64)) => vec![to_val(&v)],
			_ => {
				// Keep the call suspended so the runtime can retry with a correct reply.
				self.suspended = Some(suspended);
				return Err(Error::InvalidArguments);
			}
		};
		let mut outputs = vec![Val::I64(0); suspended.outputs];
		let result = suspended.call.resume(&mut self.store, &inputs, &mut outputs);
		Ok(self.outcome(result, outputs))
	}

	fn read_memory(&mut self, offset: u32, buf: &mut [u8]) -> Result<(), Error> {
		let memory = self.memory.ok_or(Error::MemoryOutOfBounds)?;
		memory.read(&self.store, offset as usize, buf).map_err(|_| Error::MemoryOutOfBounds)
	}

	fn write_memory(&mut self, offset: u32, data: &[u8]) -> Result<(), Error> {
		let memory = self.memory.ok_or(Error::MemoryOutOfBounds)?;
		memory.write(&mut self.store, offset as usize, data).map_err(|_| Error::MemoryOutOfBounds)
	}

	fn get_global(&mut self, name: &str) -> Option<Value> {
		if !self.instrumented.info.exports.iter().any(|e| e == name) {
			return None;
		}
		from_val(&self.instance.get_global(&self.store, name)?.get(&self.store))
	}

	fn stack_overflowed(&mut self) -> bool {
		let (Some(sp), Some(memory)) =
			(self.instance.get_global(&self.store, SP_EXPORT), self.memory)
		else {
			return false;
		};
		let sp = sp.get(&self.store).i32().unwrap_or(0) as u32 as usize;
		sp > memory.data(&self.store).len()
	}
}
