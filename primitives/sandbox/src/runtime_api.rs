//! The runtime-side API: the same on the native (test) face and inside the Wasm runtime.

use crate::{
	host_interface::sandbox, Config, EnvironmentDefinition, Error, ExternEntity, HostError,
	Outcome, ReturnValue, Value,
};
use alloc::{rc::Rc, vec::Vec};

/// A runtime-side host function. Gets the state passed to [`Instance::invoke`] and the
/// arguments of the call.
pub type HostFuncType<T> = fn(&mut T, &[Value]) -> Result<ReturnValue, HostError>;

/// A runtime-side host function that also charges gas: it gets the gas left at the call (and
/// where the call is) and may lower the gas (or return [`HostError`]) before the sandboxed code
/// resumes.
pub type MeteredHostFuncType<T> =
	fn(&mut T, &mut HostCallContext, &[Value]) -> Result<ReturnValue, HostError>;

/// What a metered host function gets besides its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostCallContext {
	/// Gas left; the function lowers it by what it charges.
	pub gas_left: u64,
	/// Code offset (in the original module) of the `call` instruction that made this call.
	pub call_site: u32,
}

/// Owner of a host memory handle; tears the handle down when the last clone drops.
#[derive(Debug)]
struct MemoryHandle(u32);

impl Drop for MemoryHandle {
	fn drop(&mut self) {
		sandbox::memory_teardown(self.0);
	}
}

/// A linear memory on the host. Clones refer to the same memory. Pass it to the
/// environment definition as `env.memory` to let an instance use it; afterwards reads and
/// writes see that instance's memory (also while it is suspended in a host call).
#[derive(Clone, Debug)]
pub struct Memory {
	handle: Rc<MemoryHandle>,
}

impl Memory {
	/// A new memory of `initial` pages that may grow up to `maximum` pages.
	pub fn new(initial: u32, maximum: Option<u32>) -> Result<Memory, Error> {
		let handle = sandbox::memory_new(initial, maximum.unwrap_or(u32::MAX))?;
		Ok(Memory { handle: Rc::new(MemoryHandle(handle)) })
	}

	/// Read `buf.len()` bytes from `offset`.
	pub fn get(&self, offset: u32, buf: &mut [u8]) -> Result<(), Error> {
		sandbox::memory_get(self.handle.0, offset, buf)
	}

	/// Write `data` at `offset`.
	pub fn set(&self, offset: u32, data: &[u8]) -> Result<(), Error> {
		sandbox::memory_set(self.handle.0, offset, data)
	}

	/// The host handle (diagnostics only).
	pub fn handle(&self) -> u32 {
		self.handle.0
	}
}

enum HostFunc<T> {
	Plain(HostFuncType<T>),
	Metered(MeteredHostFuncType<T>),
}

impl<T> Clone for HostFunc<T> {
	fn clone(&self) -> Self {
		*self
	}
}
impl<T> Copy for HostFunc<T> {}

/// Collects what the sandboxed module may import.
pub struct EnvironmentDefinitionBuilder<T> {
	def: EnvironmentDefinition,
	funcs: Vec<HostFunc<T>>,
	memories: Vec<Memory>,
}

impl<T> Default for EnvironmentDefinitionBuilder<T> {
	fn default() -> Self {
		Self::new()
	}
}

impl<T> EnvironmentDefinitionBuilder<T> {
	/// An empty environment.
	pub fn new() -> Self {
		Self { def: EnvironmentDefinition::default(), funcs: Vec::new(), memories: Vec::new() }
	}

	fn push_func(&mut self, module: &[u8], field: &[u8], f: HostFunc<T>) {
		let index = self.funcs.len() as u32;
		self.funcs.push(f);
		self.def.entries.push((module.to_vec(), field.to_vec(), ExternEntity::Function(index)));
	}

	/// Offer a host function as import `module.field`.
	pub fn add_host_func(
		&mut self,
		module: impl AsRef<[u8]>,
		field: impl AsRef<[u8]>,
		f: HostFuncType<T>,
	) {
		self.push_func(module.as_ref(), field.as_ref(), HostFunc::Plain(f));
	}

	/// Offer a gas-charging host function as import `module.field`.
	pub fn add_metered_host_func(
		&mut self,
		module: impl AsRef<[u8]>,
		field: impl AsRef<[u8]>,
		f: MeteredHostFuncType<T>,
	) {
		self.push_func(module.as_ref(), field.as_ref(), HostFunc::Metered(f));
	}

	/// Offer a memory as import `module.field` (only `env.memory` is accepted by the loader).
	pub fn add_memory(&mut self, module: impl AsRef<[u8]>, field: impl AsRef<[u8]>, mem: Memory) {
		self.def.entries.push((
			module.as_ref().to_vec(),
			field.as_ref().to_vec(),
			ExternEntity::Memory(mem.handle()),
		));
		self.memories.push(mem);
	}
}

/// An instantiated module on the host.
pub struct Instance<T> {
	handle: u32,
	funcs: Vec<HostFunc<T>>,
	// Keeps the memories alive as long as the instance.
	_memories: Vec<Memory>,
	gas_left: u64,
}

impl<T> Instance<T> {
	/// Validate, instrument and instantiate `code` with the imports of `env_def`.
	pub fn new(
		code: &[u8],
		env_def: &EnvironmentDefinitionBuilder<T>,
		config: &Config,
	) -> Result<Self, Error> {
		let handle = sandbox::instance_new(code, env_def.def.clone(), config.clone())?;
		Ok(Self::with_handle(handle, env_def))
	}

	/// [`Self::new`] for `code` whose blake2-256 hash is `code_hash` (a contract's code hash):
	/// the host instantiates the module it prepared for that hash, so the code crosses to the
	/// host and is hashed there only the first time (and again after the host evicted it).
	///
	/// `code_hash` must be the hash of `code`: the host answers by the hash alone.
	pub fn new_cached(
		code_hash: &[u8; 32],
		code: &[u8],
		env_def: &EnvironmentDefinitionBuilder<T>,
		config: &Config,
	) -> Result<Self, Error> {
		match sandbox::instance_new_cached(*code_hash, env_def.def.clone(), config.clone()) {
			Ok(handle) => Ok(Self::with_handle(handle, env_def)),
			Err(Error::NotCached) => Self::new(code, env_def, config),
			Err(e) => Err(e),
		}
	}

	fn with_handle(handle: u32, env_def: &EnvironmentDefinitionBuilder<T>) -> Self {
		Self {
			handle,
			funcs: env_def.funcs.clone(),
			_memories: env_def.memories.clone(),
			gas_left: u64::MAX,
		}
	}

	/// Set the gas budget of the next [`Self::invoke`] (in instrumentation units). Values above
	/// `i64::MAX` are treated as `i64::MAX`.
	pub fn set_gas_left(&mut self, gas: u64) {
		self.gas_left = gas;
	}

	/// Gas left after the last invocation (also after a trap).
	pub fn gas_left(&self) -> u64 {
		self.gas_left
	}

	/// Call the export `name`, servicing its host calls with the functions of the environment
	/// definition, until it returns or traps. Uses and updates [`Self::gas_left`].
	pub fn invoke(
		&mut self,
		name: &str,
		args: &[Value],
		state: &mut T,
	) -> Result<ReturnValue, Error> {
		let mut outcome =
			sandbox::invoke(self.handle, name.as_bytes(), args.to_vec(), self.gas_left)?;
		loop {
			match outcome {
				Outcome::Finished { result, gas_left } => {
					self.gas_left = gas_left;
					return Ok(result);
				}
				Outcome::Trapped { trap, gas_left } => {
					self.gas_left = gas_left;
					return Err(Error::Trap(trap));
				}
				Outcome::HostCall { index, args, mut gas_left, call_site } => {
					let reply = match self.funcs.get(index as usize) {
						Some(HostFunc::Plain(f)) => f(state, &args),
						Some(HostFunc::Metered(f)) => {
							let mut context = HostCallContext { gas_left, call_site };
							let reply = f(state, &mut context, &args);
							gas_left = context.gas_left;
							reply
						}
						// The host only reports indices we gave it; treat anything else as a
						// trap rather than panicking the runtime.
						None => Err(HostError(u32::MAX)),
					};
					self.gas_left = gas_left;
					outcome = match sandbox::resume(self.handle, reply, gas_left) {
						Ok(outcome) => outcome,
						Err(e) => {
							// The reply did not fit the import's type and the call is still
							// suspended: unwind it with a host trap so the instance is usable
							// again, and report the original error.
							let _ =
								sandbox::resume(self.handle, Err(HostError(u32::MAX)), gas_left);
							return Err(e);
						}
					};
				}
			}
		}
	}

	/// Value of the exported global `name`, if any.
	pub fn get_global_val(&self, name: &str) -> Option<Value> {
		sandbox::get_global_val(self.handle, name.as_bytes())
	}

	/// The host handle (diagnostics only).
	pub fn handle(&self) -> u32 {
		self.handle
	}
}

impl<T> Drop for Instance<T> {
	fn drop(&mut self) {
		sandbox::instance_teardown(self.handle);
	}
}
