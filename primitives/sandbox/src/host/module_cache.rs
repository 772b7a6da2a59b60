//! Cache of validated, instrumented and compiled modules, keyed by the blake2-256 hash of the
//! original code and bounded by (estimated) bytes with least-recently-used eviction.
//!
//! It also owns the two engines (a compiled module belongs to the engine that compiled it), and
//! is shared between extension instances as [`SharedModuleCache`], so a hot contract is
//! validated, instrumented and compiled once per process and backend.
//!
//! # Tiering (wasmtime)
//!
//! Cranelift needs about 1.2 ms per KiB of contract, wasmi a tenth of that. With tiering on (the
//! default), a wasmtime lookup of code that Cranelift has not compiled yet hands out the wasmi
//! module of the same instrumented code and starts the Cranelift compile on a background
//! thread; once it has finished, later lookups hand out the compiled module. Both engines run
//! the same instrumented code, so results, gas and traps do not depend on the tier (the
//! differential fuzzer checks exactly that); a trap on the wasmi tier gets its frames by the
//! same journal replay as on the wasmi backend, which waits for the background compile.
//!
//! # Renewing the wasmi engine
//!
//! A wasmi engine never frees the code it translated (its code map is append-only), so a
//! long-lived engine would grow with every contract a dev chain ever saw, evicted or not. Once
//! the current engine has been handed as much code as the cache can hold, the cache starts a
//! fresh one; an entry whose wasmi module belongs to an older engine is translated again into
//! the current one when next used, so an old engine is freed as soon as its last instance ends.
//!
//! At most [`MAX_BACKGROUND_COMPILES`] compiles run at a time; code met while they are busy
//! stays on wasmi until a later lookup finds a free slot. A compile thread holds only its own
//! job, the engine and the instrumented module, never the cache: it ends when the compile does,
//! and if its entry was evicted meanwhile the result is simply dropped.

use super::{
	instrument::{self, Instrumented},
	validate, wasmi_backend, wasmtime_backend, Backend,
};
use crate::{Config, Error};
use callisto_cache::Lru;
use std::{
	panic::{catch_unwind, AssertUnwindSafe},
	sync::{
		atomic::{AtomicU32, AtomicUsize, Ordering},
		Arc, Condvar, Mutex, MutexGuard,
	},
};

/// A module cache shared by all [`super::SandboxExt`] instances of a process.
pub type SharedModuleCache = Arc<Mutex<ModuleCache>>;

/// Cranelift compiles running on background threads at most (see the module documentation).
/// Each one is a thread that wasmtime's own parallel compilation fans out further, so a few are
/// plenty for a dev node on a handful of cores.
pub const MAX_BACKGROUND_COMPILES: usize = 2;

/// A compiled module of one engine.
#[derive(Clone)]
pub enum EngineModule {
	/// wasmi.
	Wasmi(wasmi::Module),
	/// wasmtime, with its import wiring.
	Wasmtime(Arc<wasmtime_backend::Prepared>),
}

/// A Cranelift compile on a background thread, and its result once there.
#[derive(Default)]
pub struct BackgroundCompile {
	/// `None` while running; then the module, or `None` if Cranelift refused it.
	result: Mutex<Option<Option<Arc<wasmtime_backend::Prepared>>>>,
	done: Condvar,
}

impl BackgroundCompile {
	fn lock(&self) -> MutexGuard<'_, Option<Option<Arc<wasmtime_backend::Prepared>>>> {
		self.result.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}

	fn finish(&self, result: Option<Arc<wasmtime_backend::Prepared>>) {
		*self.lock() = Some(result);
		self.done.notify_all();
	}

	/// The result if the compile has finished.
	fn poll(&self) -> Option<Option<Arc<wasmtime_backend::Prepared>>> {
		self.lock().clone()
	}

	/// Blocks until the compile has finished.
	fn wait(&self) -> Option<Arc<wasmtime_backend::Prepared>> {
		let mut result = self.lock();
		loop {
			if let Some(done) = &*result {
				return done.clone();
			}
			result = self.done.wait(result).unwrap_or_else(|poisoned| poisoned.into_inner());
		}
	}
}

/// How far an entry's wasmtime module is.
enum Compiled {
	/// Not compiled, and no compile running.
	Missing,
	/// Cranelift is compiling it in the background.
	Compiling(Arc<BackgroundCompile>),
	/// Compiled.
	Ready(Arc<wasmtime_backend::Prepared>),
	/// A background compile failed (never seen: validation and wasmi accepted the same code).
	/// Instances stay on wasmi, so the outcome is the same as if it had worked.
	Failed,
}

impl Compiled {
	/// Takes the result of a finished background compile.
	fn promote(&mut self, stats: &mut CacheStats) {
		let Self::Compiling(job) = self else { return };
		match job.poll() {
			Some(Some(prepared)) => {
				stats.tier_ups += 1;
				*self = Self::Ready(prepared);
			}
			Some(None) => *self = Self::Failed,
			None => {}
		}
	}
}

struct Entry {
	config: Config,
	instrumented: Arc<Instrumented>,
	wasmi: Option<wasmi::Module>,
	wasmtime: Compiled,
}

/// Counters, for tests and diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
	/// Lookups that found a compiled module.
	pub hits: u64,
	/// Lookups that validated, instrumented or compiled.
	pub misses: u64,
	/// Entries evicted to stay within the byte budget.
	pub evictions: u64,
	/// Entries held now.
	pub entries: usize,
	/// Estimated bytes held now.
	pub bytes: usize,
	/// wasmtime lookups answered with the wasmi module because Cranelift had not compiled the
	/// code yet (tiering).
	pub tiered: u64,
	/// Background compiles started.
	pub background_compiles: u64,
	/// Background compiles whose module a lookup has taken over.
	pub tier_ups: u64,
	/// Fresh wasmi engines started to let an old one's code go (see the module documentation).
	pub wasmi_engine_renewals: u64,
}

/// The cache. See the module documentation.
pub struct ModuleCache {
	wasmi_engine: wasmi::Engine,
	/// Bytes of instrumented code handed to `wasmi_engine` so far.
	wasmi_engine_code: usize,
	wasmtime_engine: wasmtime::Engine,
	/// By code hash, bounded by their estimated bytes.
	entries: Lru<[u8; 32], Entry>,
	capacity: usize,
	stats: CacheStats,
	tiering: bool,
	/// Background compiles running now.
	compiling: Arc<AtomicUsize>,
	/// Live instances of wasmtime sandboxes, on either tier (see [`LiveSlot`]).
	live: Arc<AtomicU32>,
}

/// Estimated bytes an engine's compiled artefacts take per byte of instrumented code.
const COMPILED_BYTES_PER_CODE_BYTE: usize = 4;

/// Counts a running background compile for as long as it lives (also if its thread panics or
/// never starts).
struct CompileSlot(Arc<AtomicUsize>);

impl Drop for CompileSlot {
	fn drop(&mut self) {
		self.0.fetch_sub(1, Ordering::AcqRel);
	}
}

/// One of the [`wasmtime_backend::MAX_LIVE_INSTANCES`] instances a wasmtime sandbox may hold,
/// whichever tier runs it: the limit then does not depend on how far compiles have got.
pub(crate) struct LiveSlot(Arc<AtomicU32>);

impl Drop for LiveSlot {
	fn drop(&mut self) {
		self.0.fetch_sub(1, Ordering::AcqRel);
	}
}

impl ModuleCache {
	/// A cache holding at most `capacity_bytes` (estimated) of modules, tiering on.
	pub fn new(capacity_bytes: usize) -> Result<Self, String> {
		Ok(Self {
			wasmi_engine: wasmi_backend::new_engine(),
			wasmi_engine_code: 0,
			wasmtime_engine: wasmtime_backend::new_engine()?,
			entries: Lru::new(capacity_bytes, usize::MAX),
			capacity: capacity_bytes,
			stats: CacheStats::default(),
			tiering: true,
			compiling: Arc::default(),
			live: Arc::default(),
		})
	}

	/// [`Self::new`] wrapped for sharing.
	pub fn new_shared(capacity_bytes: usize) -> Result<SharedModuleCache, String> {
		Ok(Arc::new(Mutex::new(Self::new(capacity_bytes)?)))
	}

	/// Turns tiering on or off (see the module documentation). Off, a wasmtime lookup of code
	/// not compiled yet compiles it on the spot.
	pub fn set_tiering(&mut self, on: bool) {
		self.tiering = on;
	}

	/// Whether tiering is on.
	pub fn tiering(&self) -> bool {
		self.tiering
	}

	/// Counters.
	pub fn stats(&self) -> CacheStats {
		CacheStats { entries: self.entries.len(), bytes: self.entries.bytes(), ..self.stats }
	}

	/// The wasmi engine.
	pub fn wasmi_engine(&self) -> &wasmi::Engine {
		&self.wasmi_engine
	}

	/// The wasmtime engine.
	pub fn wasmtime_engine(&self) -> &wasmtime::Engine {
		&self.wasmtime_engine
	}

	/// Waits until every background compile started so far has finished and its module is in
	/// the cache (for tests and benchmarks that want the compiled tier).
	pub fn finish_background_compiles(cache: &SharedModuleCache) {
		let jobs: Vec<_> = lock(cache)
			.entries
			.values()
			.filter_map(|e| match &e.wasmtime {
				Compiled::Compiling(job) => Some(job.clone()),
				_ => None,
			})
			.collect();
		for job in &jobs {
			job.wait();
		}
		let mut cache = lock(cache);
		let ModuleCache { entries, stats, .. } = &mut *cache;
		for entry in entries.values_mut() {
			entry.wasmtime.promote(stats);
		}
	}

	/// Background compiles running now.
	pub fn background_compiles_running(&self) -> usize {
		self.compiling.load(Ordering::Acquire)
	}

	/// Takes one of the live-instance slots of wasmtime sandboxes, if one is free.
	pub(crate) fn live_slot(&self) -> Option<LiveSlot> {
		let max = wasmtime_backend::MAX_LIVE_INSTANCES;
		self.live
			.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1))
			.ok()
			.map(|_| LiveSlot(self.live.clone()))
	}

	/// Starts compiling `instrumented` with Cranelift on a background thread, unless
	/// [`MAX_BACKGROUND_COMPILES`] are running or no thread can be started.
	fn start_compile(
		&mut self,
		instrumented: &Arc<Instrumented>,
	) -> Option<Arc<BackgroundCompile>> {
		let reserved = self.compiling.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
			(n < MAX_BACKGROUND_COMPILES).then_some(n + 1)
		});
		if reserved.is_err() {
			return None;
		}
		let slot = CompileSlot(self.compiling.clone());
		let job = Arc::new(BackgroundCompile::default());
		let (theirs, engine, instrumented) =
			(job.clone(), self.wasmtime_engine.clone(), instrumented.clone());
		let spawned = std::thread::Builder::new().name("sandbox-compile".into()).spawn(move || {
			let _slot = slot;
			// Evicted before the thread got going: nobody wants the module.
			if Arc::strong_count(&theirs) == 1 {
				return theirs.finish(None);
			}
			// Cranelift is not expected to panic; if it did, the code stays on wasmi.
			let compiled = catch_unwind(AssertUnwindSafe(|| {
				wasmtime_backend::compile(&engine, &instrumented)
			}));
			let prepared = match compiled {
				Ok(Ok(prepared)) => Some(Arc::new(prepared)),
				Ok(Err(_)) | Err(_) => {
					log::warn!(
						target: crate::LOG_TARGET,
						"background wasmtime compile failed; that code stays on wasmi"
					);
					None
				}
			};
			theirs.finish(prepared);
		});
		match spawned {
			Ok(_detached) => {
				self.stats.background_compiles += 1;
				Some(job)
			}
			Err(e) => {
				// The closure, and with it the slot, was dropped: the count is right again.
				log::warn!(target: crate::LOG_TARGET, "no background compile thread: {e}");
				None
			}
		}
	}

	/// The instrumented module and the `backend`'s compiled module for `code`, validating,
	/// instrumenting and compiling on a miss. With tiering, a wasmtime lookup of code not
	/// compiled yet gets the wasmi module (see the module documentation).
	pub fn get(
		&mut self,
		code: &[u8],
		config: &Config,
		backend: Backend,
	) -> Result<(Arc<Instrumented>, EngineModule), Error> {
		let key = sp_crypto_hashing::blake2_256(code);
		self.forget_other_config(&key, config);
		if !self.entries.contains(&key) {
			let info = validate::validate(code, config)?;
			let instrumented = Arc::new(instrument::instrument(code, info, config)?);
			let size = code.len()
				+ instrumented.code.len() * (1 + COMPILED_BYTES_PER_CODE_BYTE)
				+ instrumented.offset_map.size();
			let entry = Entry {
				config: config.clone(),
				instrumented,
				wasmi: None,
				wasmtime: Compiled::Missing,
			};
			// The newest entry is never evicted; background compiles of evicted ones finish
			// into jobs nobody holds any more.
			let evicted = self.entries.insert(key, entry, size);
			self.stats.evictions += evicted.len() as u64;
		}
		self.modules_of(key, backend)
	}

	/// [`Self::get`] of code the cache holds, by its blake2-256 hash: `None` if it holds none
	/// under `code_hash` for `config` (an entry of another config stays for [`Self::get`] to
	/// replace).
	pub fn get_cached(
		&mut self,
		code_hash: [u8; 32],
		config: &Config,
		backend: Backend,
	) -> Option<Result<(Arc<Instrumented>, EngineModule), Error>> {
		let held = self.entries.peek(&code_hash).is_some_and(|e| &e.config == config);
		held.then(|| self.modules_of(code_hash, backend))
	}

	/// A different config validates differently (limits, exports): an entry prepared under
	/// another one is a miss.
	fn forget_other_config(&mut self, key: &[u8; 32], config: &Config) {
		if self.entries.peek(key).is_some_and(|e| &e.config != config) {
			self.entries.remove(key);
		}
	}

	/// The instrumented module under `key` (which must be held) and the `backend`'s compiled
	/// module of it.
	fn modules_of(
		&mut self,
		key: [u8; 32],
		backend: Backend,
	) -> Result<(Arc<Instrumented>, EngineModule), Error> {
		let entry = self.entries.get_mut(&key).ok_or(Error::InvalidState)?;
		let instrumented = entry.instrumented.clone();
		let module = match backend {
			Backend::Wasmi => EngineModule::Wasmi(self.wasmi_module(key)?),
			Backend::Wasmtime => {
				entry.wasmtime.promote(&mut self.stats);
				if let Compiled::Ready(prepared) = &entry.wasmtime {
					self.stats.hits += 1;
					EngineModule::Wasmtime(prepared.clone())
				} else if !self.tiering {
					self.stats.misses += 1;
					let prepared =
						Arc::new(wasmtime_backend::compile(&self.wasmtime_engine, &instrumented)?);
					entry.wasmtime = Compiled::Ready(prepared.clone());
					EngineModule::Wasmtime(prepared)
				} else {
					if matches!(entry.wasmtime, Compiled::Missing) {
						if let Some(job) = self.start_compile(&instrumented) {
							if let Some(entry) = self.entries.get_mut(&key) {
								entry.wasmtime = Compiled::Compiling(job);
							}
						}
					}
					self.stats.tiered += 1;
					EngineModule::Wasmi(self.wasmi_module(key)?)
				}
			}
		};
		Ok((instrumented, module))
	}

	/// The wasmi module of the entry under `key`, compiled on first use and again once its
	/// engine has been renewed.
	fn wasmi_module(&mut self, key: [u8; 32]) -> Result<wasmi::Module, Error> {
		let entry = self.entries.get_mut(&key).ok_or(Error::InvalidState)?;
		if let Some(module) = &entry.wasmi {
			if wasmi::Engine::same(module.engine(), &self.wasmi_engine) {
				self.stats.hits += 1;
				return Ok(module.clone());
			}
		}
		self.stats.misses += 1;
		let code_len = entry.instrumented.code.len();
		// As much code as the cache holds went into this engine: start a fresh one.
		let engine_budget = self.capacity / (1 + COMPILED_BYTES_PER_CODE_BYTE);
		if self.wasmi_engine_code > 0 && self.wasmi_engine_code + code_len > engine_budget {
			self.wasmi_engine = wasmi_backend::new_engine();
			self.wasmi_engine_code = 0;
			self.stats.wasmi_engine_renewals += 1;
		}
		self.wasmi_engine_code += code_len;
		let entry = self.entries.get_mut(&key).ok_or(Error::InvalidState)?;
		let module = wasmi_backend::compile(&self.wasmi_engine, &entry.instrumented.code)?;
		entry.wasmi = Some(module.clone());
		Ok(module)
	}

	/// The wasmtime module of `instrumented` (an entry of this cache, possibly evicted since),
	/// to replay a wasmi trap on for its frames: the cached one, the one a background compile
	/// is producing (waited for, the cache unlocked meanwhile), or one compiled now. `None` if
	/// Cranelift refused the code.
	pub fn wasmtime_for(
		cache: &SharedModuleCache,
		instrumented: &Arc<Instrumented>,
	) -> Option<Arc<wasmtime_backend::Prepared>> {
		let job = {
			let mut guard = lock(cache);
			let ModuleCache { entries, stats, wasmtime_engine, .. } = &mut *guard;
			let entry = entries.values_mut().find(|e| Arc::ptr_eq(&e.instrumented, instrumented));
			match entry {
				Some(entry) => {
					entry.wasmtime.promote(stats);
					match &entry.wasmtime {
						Compiled::Ready(prepared) => return Some(prepared.clone()),
						Compiled::Failed => return None,
						Compiled::Compiling(job) => job.clone(),
						Compiled::Missing => {
							let prepared = Arc::new(
								wasmtime_backend::compile(wasmtime_engine, instrumented).ok()?,
							);
							entry.wasmtime = Compiled::Ready(prepared.clone());
							return Some(prepared);
						}
					}
				}
				None => {
					return wasmtime_backend::compile(wasmtime_engine, instrumented)
						.ok()
						.map(Arc::new)
				}
			}
		};
		job.wait()
	}
}

/// The cache behind `cache`.
pub(super) fn lock(cache: &SharedModuleCache) -> MutexGuard<'_, ModuleCache> {
	// A poisoned lock only means a panic elsewhere; the cache stays consistent between calls.
	cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
