//! Cache of validated, instrumented and compiled modules, keyed by the blake2-256 hash of the
//! original code and bounded by (estimated) bytes with least-recently-used eviction.
//!
//! It also owns the two engines (a compiled module belongs to the engine that compiled it), and
//! is shared between extension instances as [`SharedModuleCache`], so a hot contract is
//! validated, instrumented and compiled once per process and backend.

use super::{
	instrument::{self, Instrumented},
	validate, wasmi_backend, wasmtime_backend, Backend,
};
use crate::{Config, Error};
use std::{
	collections::{BTreeMap, HashMap},
	sync::{Arc, Mutex},
};

/// A module cache shared by all [`super::SandboxExt`] instances of a process.
pub type SharedModuleCache = Arc<Mutex<ModuleCache>>;

/// A compiled module of one engine.
#[derive(Clone)]
pub enum EngineModule {
	/// wasmi.
	Wasmi(wasmi::Module),
	/// wasmtime, with its import wiring.
	Wasmtime(Arc<wasmtime_backend::Prepared>),
}

struct Entry {
	config: Config,
	instrumented: Arc<Instrumented>,
	wasmi: Option<wasmi::Module>,
	wasmtime: Option<Arc<wasmtime_backend::Prepared>>,
	size: usize,
	tick: u64,
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
}

/// The cache. See the module documentation.
pub struct ModuleCache {
	wasmi_engine: wasmi::Engine,
	wasmtime_engine: wasmtime::Engine,
	entries: HashMap<[u8; 32], Entry>,
	/// tick → key, oldest first.
	lru: BTreeMap<u64, [u8; 32]>,
	tick: u64,
	capacity: usize,
	stats: CacheStats,
}

/// Estimated bytes an engine's compiled artefacts take per byte of instrumented code.
const COMPILED_BYTES_PER_CODE_BYTE: usize = 4;

impl ModuleCache {
	/// A cache holding at most `capacity_bytes` (estimated) of modules.
	pub fn new(capacity_bytes: usize) -> Result<Self, String> {
		Ok(Self {
			wasmi_engine: wasmi_backend::new_engine(),
			wasmtime_engine: wasmtime_backend::new_engine()?,
			entries: HashMap::new(),
			lru: BTreeMap::new(),
			tick: 0,
			capacity: capacity_bytes,
			stats: CacheStats::default(),
		})
	}

	/// [`Self::new`] wrapped for sharing.
	pub fn new_shared(capacity_bytes: usize) -> Result<SharedModuleCache, String> {
		Ok(Arc::new(Mutex::new(Self::new(capacity_bytes)?)))
	}

	/// Counters.
	pub fn stats(&self) -> CacheStats {
		CacheStats { entries: self.entries.len(), ..self.stats }
	}

	/// The wasmi engine.
	pub fn wasmi_engine(&self) -> &wasmi::Engine {
		&self.wasmi_engine
	}

	/// The wasmtime engine.
	pub fn wasmtime_engine(&self) -> &wasmtime::Engine {
		&self.wasmtime_engine
	}

	fn touch(&mut self, key: [u8; 32]) {
		self.tick += 1;
		if let Some(entry) = self.entries.get_mut(&key) {
			self.lru.remove(&entry.tick);
			entry.tick = self.tick;
			self.lru.insert(self.tick, key);
		}
	}

	fn evict(&mut self, keep: [u8; 32]) {
		while self.stats.bytes > self.capacity && self.entries.len() > 1 {
			let Some((&tick, &key)) = self.lru.iter().find(|(_, k)| **k != keep) else { break };
			self.lru.remove(&tick);
			if let Some(entry) = self.entries.remove(&key) {
				self.stats.bytes -= entry.size;
				self.stats.evictions += 1;
			}
		}
	}

	/// The instrumented module and the `backend`'s compiled module for `code`, validating,
	/// instrumenting and compiling on a miss.
	pub fn get(
		&mut self,
		code: &[u8],
		config: &Config,
		backend: Backend,
	) -> Result<(Arc<Instrumented>, EngineModule), Error> {
		let key = sp_crypto_hashing::blake2_256(code);
		// A different config validates differently (limits, exports): treat as a miss.
		if self.entries.get(&key).is_some_and(|e| &e.config != config) {
			if let Some(old) = self.entries.remove(&key) {
				self.lru.remove(&old.tick);
				self.stats.bytes -= old.size;
			}
		}
		if !self.entries.contains_key(&key) {
			let info = validate::validate(code, config)?;
			let instrumented = Arc::new(instrument::instrument(code, info, config)?);
			let size = code.len()
				+ instrumented.code.len() * (1 + COMPILED_BYTES_PER_CODE_BYTE)
				+ instrumented.offset_map.size();
			self.stats.bytes += size;
			self.entries.insert(
				key,
				Entry {
					config: config.clone(),
					instrumented,
					wasmi: None,
					wasmtime: None,
					size,
					tick: 0,
				},
			);
		}
		self.touch(key);
		let wasmi_engine = self.wasmi_engine.clone();
		let wasmtime_engine = self.wasmtime_engine.clone();
		let entry = self.entries.get_mut(&key).expect("inserted above if missing; qed");
		let module = match backend {
			Backend::Wasmi => match &entry.wasmi {
				Some(m) => {
					self.stats.hits += 1;
					EngineModule::Wasmi(m.clone())
				}
				None => {
					self.stats.misses += 1;
					let m = wasmi_backend::compile(&wasmi_engine, &entry.instrumented.code)?;
					entry.wasmi = Some(m.clone());
					EngineModule::Wasmi(m)
				}
			},
			Backend::Wasmtime => match &entry.wasmtime {
				Some(m) => {
					self.stats.hits += 1;
					EngineModule::Wasmtime(m.clone())
				}
				None => {
					self.stats.misses += 1;
					let m =
						Arc::new(wasmtime_backend::compile(&wasmtime_engine, &entry.instrumented)?);
					entry.wasmtime = Some(m.clone());
					EngineModule::Wasmtime(m)
				}
			},
		};
		let instrumented = entry.instrumented.clone();
		self.evict(key);
		Ok((instrumented, module))
	}

	/// The wasmtime module of `instrumented` (an entry of this cache, possibly evicted since),
	/// compiled on first use: wasmi traps are replayed on it to find their frames.
	pub fn wasmtime_for(
		&mut self,
		instrumented: &Arc<Instrumented>,
	) -> Result<Arc<wasmtime_backend::Prepared>, Error> {
		let entry = self.entries.values_mut().find(|e| Arc::ptr_eq(&e.instrumented, instrumented));
		if let Some(prepared) = entry.as_ref().and_then(|e| e.wasmtime.clone()) {
			return Ok(prepared);
		}
		let prepared = Arc::new(wasmtime_backend::compile(&self.wasmtime_engine, instrumented)?);
		if let Some(entry) = entry {
			entry.wasmtime = Some(prepared.clone());
		}
		Ok(prepared)
	}
}
