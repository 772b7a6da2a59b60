//! The host side: the [`SandboxExt`] externalities extension with its handle tables, and the
//! engines behind it.
//!
//! Memories created by the runtime start *detached* (a plain byte buffer). When an instance
//! imports one as `env.memory`, the bytes move into an engine memory of that instance and the
//! memory handle is *attached*: reads and writes go to the instance (also while it is suspended
//! in a host call). If the runtime drops the instance while still holding the memory, the
//! engine instance is kept as the memory's backing store until the memory is dropped too.
//!
//! On wasmi, which reports no trap frames, every instance keeps a [`replay::Journal`] so a trap
//! can be replayed on wasmtime to find them: both backends report the same backtrace.
//!
//! On wasmtime, code that Cranelift has not compiled yet runs on wasmi while it compiles in the
//! background (tiering, see [`module_cache`]); such an instance is a wasmi instance in every
//! respect here, journal included.

mod instrument;
mod module_cache;
mod replay;
mod trap;
mod validate;
mod wasmi_backend;
mod wasmtime_backend;

pub use instrument::{OffsetMap, CALL_SITE_EXPORT, GAS_EXPORT, REASON_EXPORT, STACK_EXPORT};
pub use module_cache::{CacheStats, ModuleCache, SharedModuleCache, MAX_BACKGROUND_COMPILES};
pub use replay::MAX_JOURNAL_BYTES;
pub use wasmtime_backend::MAX_LIVE_INSTANCES;

use crate::{
	Config, EnvironmentDefinition, Error, ExternEntity, HostError, Outcome, ReturnValue, Value,
	WASM_PAGE_SIZE,
};
use std::{collections::BTreeMap, sync::Arc};

/// Which engine runs the sandboxed code. Chosen per process by whoever creates the
/// [`SandboxExt`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Backend {
	/// The wasmi interpreter (resumable calls).
	Wasmi,
	/// The wasmtime JIT (async host functions on a fiber, polled by hand).
	#[default]
	Wasmtime,
}

/// Largest memory the runtime may create, in pages (the engines may grow it further up to the
/// memory's maximum and `Config::max_memory_pages`).
pub const MAX_DETACHED_PAGES: u32 = 1024;

/// What a backend instance can do.
pub(crate) trait SandboxInstance: Send {
	/// Start calling `export`.
	fn invoke(&mut self, export: &str, args: &[Value], gas: u64) -> Result<Outcome, Error>;
	/// Continue after a host call.
	fn resume(
		&mut self,
		reply: Result<ReturnValue, HostError>,
		gas_left: u64,
	) -> Result<Outcome, Error>;
	/// Read the instance's memory.
	fn read_memory(&mut self, offset: u32, buf: &mut [u8]) -> Result<(), Error>;
	/// Write the instance's memory.
	fn write_memory(&mut self, offset: u32, data: &[u8]) -> Result<(), Error>;
	/// Value of an exported global (instrumentation globals are not visible).
	fn get_global(&mut self, name: &str) -> Option<Value>;
	/// Whether LLVM's stack pointer (if the module has one) points beyond the memory: the
	/// contract's stack ran out. Only meaningful while idle, after a trap.
	fn stack_overflowed(&mut self) -> bool;
}

/// Initial state of an instance's memory.
pub(crate) struct MemoryInit {
	pub data: Vec<u8>,
	pub pages: u32,
	pub maximum: u32,
}

enum MemoryState {
	Detached { data: Vec<u8>, maximum: Option<u32> },
	Attached(u32),
}

struct MemoryEntry {
	state: MemoryState,
	/// The runtime still holds the handle.
	alive: bool,
	/// Writes while detached, for the journal of the instance that imports it (wasmi only).
	writes: Option<replay::WriteLog>,
}

struct InstanceEntry {
	backend: Box<dyn SandboxInstance>,
	memory: Option<u32>,
	/// The runtime still holds the handle.
	alive: bool,
	/// What to replay on wasmtime when it traps (wasmi instances only).
	journal: Option<replay::Journal>,
	/// Counts against the wasmtime backend's live-instance limit while held.
	_live: Option<module_cache::LiveSlot>,
}

impl InstanceEntry {
	/// `outcome` of this instance, a trap completed: its frames filled in by replaying it
	/// where the engine reported none, and a memory fault caused by the contract's own stack
	/// running out reported as [`TrapKind::StackExhausted`] (the journal keeps the engine's
	/// kind, which is what a replay reproduces).
	fn complete_trap(&mut self, cache: &SharedModuleCache, mut outcome: Outcome) -> Outcome {
		if let Outcome::Trapped { trap, .. } = &mut outcome {
			if trap.kind == crate::TrapKind::Host(crate::HOST_STOP) {
				// A stop is not a fault: wasmi does not replay it to find frames, so wasmtime
				// must not report the ones it has for free either (found by the differential
				// fuzzer).
				trap.frames.clear();
			} else if let (true, Some(journal)) = (trap.frames.is_empty(), &self.journal) {
				trap.frames = journal.replay(cache).unwrap_or_default();
			}
			if trap.kind == crate::TrapKind::MemoryOutOfBounds && self.backend.stack_overflowed() {
				trap.kind = crate::TrapKind::StackExhausted;
			}
		}
		outcome
	}
}

/// The host state of the sandbox for one externalities: handle tables, the chosen backend and
/// the shared module cache.
pub struct Sandbox {
	backend: Backend,
	cache: SharedModuleCache,
	/// Instances may run on wasmi (the backend's, or wasmtime's first tier), so memories log
	/// their writes for a journal.
	may_run_wasmi: bool,
	memories: BTreeMap<u32, MemoryEntry>,
	instances: BTreeMap<u32, InstanceEntry>,
	next_id: u32,
}

sp_externalities::decl_extension! {
	/// Register this in the externalities so the runtime can use the sandbox.
	pub struct SandboxExt(Sandbox);
}

impl SandboxExt {
	/// A sandbox that runs code on `backend` and takes compiled modules from `cache`.
	pub fn new(backend: Backend, cache: SharedModuleCache) -> Self {
		let tiering = module_cache::lock(&cache).tiering();
		Self(Sandbox {
			backend,
			cache,
			may_run_wasmi: backend == Backend::Wasmi || tiering,
			memories: BTreeMap::new(),
			instances: BTreeMap::new(),
			next_id: 0,
		})
	}
}

/// The entry of `instance` if the runtime still holds it. A free function so that callers can
/// borrow the other fields of [`Sandbox`] beside it.
fn live_instance(
	instances: &mut BTreeMap<u32, InstanceEntry>,
	instance: u32,
) -> Result<&mut InstanceEntry, Error> {
	instances.get_mut(&instance).filter(|i| i.alive).ok_or(Error::InvalidHandle)
}

fn check_range(len: usize, offset: u32, n: usize) -> Result<core::ops::Range<usize>, Error> {
	let start = offset as usize;
	let end = start.checked_add(n).ok_or(Error::MemoryOutOfBounds)?;
	if end > len {
		return Err(Error::MemoryOutOfBounds);
	}
	Ok(start..end)
}

impl Sandbox {
	/// The backend in use.
	pub fn backend(&self) -> Backend {
		self.backend
	}

	/// Number of instances and memories the host holds (including instances kept alive only as
	/// the backing store of a memory). For leak checks.
	pub fn live_handles(&self) -> (usize, usize) {
		(self.instances.len(), self.memories.len())
	}

	fn fresh_id(&mut self) -> u32 {
		loop {
			let id = self.next_id;
			self.next_id = self.next_id.wrapping_add(1);
			if !self.memories.contains_key(&id) && !self.instances.contains_key(&id) {
				return id;
			}
		}
	}

	/// See [`crate::Memory::new`].
	pub fn memory_new(&mut self, initial: u32, maximum: Option<u32>) -> Result<u32, Error> {
		if initial > MAX_DETACHED_PAGES || maximum.is_some_and(|m| m < initial || m > 65536) {
			return Err(Error::InvalidMemoryLimits);
		}
		let data = vec![0u8; initial as usize * WASM_PAGE_SIZE as usize];
		let id = self.fresh_id();
		let writes = self.may_run_wasmi.then(replay::WriteLog::default);
		self.memories.insert(
			id,
			MemoryEntry { state: MemoryState::Detached { data, maximum }, alive: true, writes },
		);
		Ok(id)
	}

	fn live_memory(&mut self, memory: u32) -> Result<&mut MemoryEntry, Error> {
		self.memories.get_mut(&memory).filter(|m| m.alive).ok_or(Error::InvalidHandle)
	}

	/// See [`crate::Memory::get`].
	pub fn memory_get(&mut self, memory: u32, offset: u32, buf: &mut [u8]) -> Result<(), Error> {
		match &self.live_memory(memory)?.state {
			MemoryState::Detached { data, .. } => {
				buf.copy_from_slice(&data[check_range(data.len(), offset, buf.len())?]);
				Ok(())
			}
			MemoryState::Attached(instance) => {
				let instance = *instance;
				self.instances
					.get_mut(&instance)
					.ok_or(Error::InvalidHandle)?
					.backend
					.read_memory(offset, buf)
			}
		}
	}

	/// See [`crate::Memory::set`].
	pub fn memory_set(&mut self, memory: u32, offset: u32, src: &[u8]) -> Result<(), Error> {
		let entry = self.live_memory(memory)?;
		match &mut entry.state {
			MemoryState::Detached { data, .. } => {
				let range = check_range(data.len(), offset, src.len())?;
				data[range].copy_from_slice(src);
				if let Some(log) = &mut entry.writes {
					log.record(offset, src);
				}
				Ok(())
			}
			MemoryState::Attached(instance) => {
				let instance = *instance;
				let entry = self.instances.get_mut(&instance).ok_or(Error::InvalidHandle)?;
				entry.backend.write_memory(offset, src)?;
				if let Some(journal) = &mut entry.journal {
					journal.write(offset, src);
				}
				Ok(())
			}
		}
	}

	/// The runtime dropped its memory handle.
	pub fn memory_teardown(&mut self, memory: u32) {
		let Some(entry) = self.memories.get_mut(&memory) else { return };
		entry.alive = false;
		match entry.state {
			MemoryState::Detached { .. } => {
				self.memories.remove(&memory);
			}
			MemoryState::Attached(instance) => {
				if self.instances.get(&instance).is_none_or(|i| !i.alive) {
					self.instances.remove(&instance);
					self.memories.remove(&memory);
				}
			}
		}
	}

	/// See [`crate::Instance::new`].
	pub fn instance_new(
		&mut self,
		code: &[u8],
		env: &EnvironmentDefinition,
		config: &Config,
	) -> Result<u32, Error> {
		check_config(config)?;
		let (instrumented, module) =
			module_cache::lock(&self.cache).get(code, config, self.backend)?;
		self.instantiate(instrumented, module, env, config)
	}

	/// See [`crate::Instance::new_cached`].
	pub fn instance_new_cached(
		&mut self,
		code_hash: [u8; 32],
		env: &EnvironmentDefinition,
		config: &Config,
	) -> Result<u32, Error> {
		check_config(config)?;
		let (instrumented, module) = module_cache::lock(&self.cache)
			.get_cached(code_hash, config, self.backend)
			.ok_or(Error::NotCached)??;
		self.instantiate(instrumented, module, env, config)
	}

	/// Instantiates a prepared module with the runtime's `env`.
	fn instantiate(
		&mut self,
		instrumented: Arc<instrument::Instrumented>,
		module: module_cache::EngineModule,
		env: &EnvironmentDefinition,
		config: &Config,
	) -> Result<u32, Error> {
		let info = &instrumented.info;

		let mut host_funcs = Vec::with_capacity(info.func_imports.len());
		for import in &info.func_imports {
			let index = env
				.entries
				.iter()
				.find_map(|(m, f, e)| match e {
					ExternEntity::Function(i)
						if m == import.module.as_bytes() && f == import.field.as_bytes() =>
					{
						Some(*i)
					}
					_ => None,
				})
				.ok_or(Error::ForbiddenImport)?;
			host_funcs.push(index);
		}

		let mut memory = None;
		if let Some(limits) = info.memory_import {
			let handle = env
				.entries
				.iter()
				.find_map(|(m, f, e)| match e {
					ExternEntity::Memory(h) if m == b"env" && f == b"memory" => Some(*h),
					_ => None,
				})
				.ok_or(Error::MemoryMismatch)?;
			let entry = self.live_memory(handle)?;
			let MemoryState::Detached { data, maximum } = &mut entry.state else {
				return Err(Error::InvalidState);
			};
			let pages = (data.len() / WASM_PAGE_SIZE as usize) as u32;
			// The provided memory must hold at least the import's initial pages. Its maximum is
			// the smallest of the import's, the memory's own and the config's.
			let max = [limits.maximum, *maximum, Some(config.max_memory_pages)]
				.into_iter()
				.flatten()
				.min()
				.unwrap_or(config.max_memory_pages);
			if pages < limits.initial || pages > max {
				return Err(Error::MemoryMismatch);
			}
			memory =
				Some((handle, MemoryInit { data: core::mem::take(data), pages, maximum: max }));
		}

		let (handle, init) = match memory {
			Some((h, init)) => (Some(h), Some(init)),
			None => (None, None),
		};
		let memory_limits = init.as_ref().map(|init| (init.pages, init.maximum));
		let is_wasmi = matches!(module, module_cache::EngineModule::Wasmi(_));
		let live = match self.backend {
			Backend::Wasmi => None,
			Backend::Wasmtime => {
				let slot = module_cache::lock(&self.cache).live_slot();
				if slot.is_none() {
					log::warn!(
						target: crate::LOG_TARGET,
						"more than {MAX_LIVE_INSTANCES} live wasmtime instances; tear some down"
					);
					// Give the memory its bytes back.
					if let (Some(h), Some(init)) = (handle, init) {
						if let Some(MemoryEntry {
							state: MemoryState::Detached { data, .. }, ..
						}) = self.memories.get_mut(&h)
						{
							*data = init.data;
						}
					}
					return Err(Error::Instantiation);
				}
				slot
			}
		};
		let created = match module {
			module_cache::EngineModule::Wasmi(m) => {
				wasmi_backend::instantiate(&m, instrumented.clone(), &host_funcs, init)
			}
			module_cache::EngineModule::Wasmtime(m) => {
				wasmtime_backend::instantiate(&m, instrumented.clone(), &host_funcs, init)
			}
		};
		let backend = match created {
			Ok(b) => b,
			Err((err, data)) => {
				// Give the memory its bytes back.
				if let (Some(h), Some(data)) = (handle, data) {
					if let Some(MemoryEntry {
						state: MemoryState::Detached { data: d, .. }, ..
					}) = self.memories.get_mut(&h)
					{
						*d = data;
					}
				}
				return Err(err);
			}
		};
		let id = self.fresh_id();
		let mut memory_log = None;
		if let Some(h) = handle {
			if let Some(entry) = self.memories.get_mut(&h) {
				entry.state = MemoryState::Attached(id);
				memory_log = entry.writes.as_mut().map(core::mem::take);
			}
		}
		let journal = is_wasmi.then(|| {
			let memory =
				memory_limits.map(|(pages, max)| (pages, max, memory_log.unwrap_or_default()));
			replay::Journal::new(instrumented.clone(), &host_funcs, memory)
		});
		self.instances.insert(
			id,
			InstanceEntry { backend, memory: handle, alive: true, journal, _live: live },
		);
		Ok(id)
	}

	/// Start an invocation.
	pub fn invoke(
		&mut self,
		instance: u32,
		name: &[u8],
		args: &[Value],
		gas: u64,
	) -> Result<Outcome, Error> {
		let name = core::str::from_utf8(name).map_err(|_| Error::ExportNotFound)?;
		let entry = live_instance(&mut self.instances, instance)?;
		let outcome = entry.backend.invoke(name, args, gas)?;
		if let Some(journal) = &mut entry.journal {
			journal.invoke(name, args, gas, &outcome);
		}
		Ok(entry.complete_trap(&self.cache, outcome))
	}

	/// Resume a suspended invocation.
	pub fn resume(
		&mut self,
		instance: u32,
		reply: Result<ReturnValue, HostError>,
		gas_left: u64,
	) -> Result<Outcome, Error> {
		let entry = live_instance(&mut self.instances, instance)?;
		let outcome = entry.backend.resume(reply, gas_left)?;
		if let Some(journal) = &mut entry.journal {
			journal.resume(reply, gas_left, &outcome);
		}
		Ok(entry.complete_trap(&self.cache, outcome))
	}

	/// Value of an exported global.
	pub fn get_global_val(&mut self, instance: u32, name: &[u8]) -> Option<Value> {
		let name = core::str::from_utf8(name).ok()?;
		if name.starts_with(validate::RESERVED_PREFIX) {
			return None;
		}
		live_instance(&mut self.instances, instance).ok()?.backend.get_global(name)
	}

	/// The runtime dropped its instance handle.
	pub fn instance_teardown(&mut self, instance: u32) {
		let Some(entry) = self.instances.get_mut(&instance) else { return };
		entry.alive = false;
		match entry.memory {
			// Keep the engine instance as the backing store while the memory lives.
			Some(m) if self.memories.get(&m).is_some_and(|m| m.alive) => {}
			Some(m) => {
				self.memories.remove(&m);
				self.instances.remove(&instance);
			}
			None => {
				self.instances.remove(&instance);
			}
		}
	}
}

/// Gas as the instrumented `i64` global holds it.
pub(crate) fn gas_to_global(gas: u64) -> i64 {
	i64::try_from(gas).unwrap_or(i64::MAX)
}

/// Gas left as reported to the runtime.
pub(crate) fn gas_from_global(gas: i64) -> u64 {
	u64::try_from(gas).unwrap_or(0)
}

/// Refuses a [`Config`] out of the ranges the host supports.
fn check_config(config: &Config) -> Result<(), Error> {
	if config.max_stack_height > crate::MAX_STACK_HEIGHT_LIMIT
		|| config.max_table_size > crate::MAX_TABLE_SIZE_LIMIT
		|| config.max_memory_pages > 65536
	{
		return Err(Error::InvalidConfig);
	}
	Ok(())
}
