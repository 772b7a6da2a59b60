//! The node's debug-info store and the per-block extension the runtime reaches it through.
//!
//! The store maps a code hash to the contract's debug twin. It is shared by every runtime call
//! of the process, keeps recently used decoded DWARF in memory (bounded by count), and, given
//! a directory (under `--base-path`), persists each registered module as
//! `<code hash>.debug.wasm` so debug info survives restarts.

use crate::{DebugInfo, SourceFrame};
use std::{
	collections::{HashMap, VecDeque},
	path::PathBuf,
	sync::{Arc, Mutex},
};

/// Decoded modules kept in memory.
const DECODED_CAPACITY: usize = 64;

#[derive(Default)]
struct Inner {
	/// Modules registered in this process without a directory to persist them in.
	modules: HashMap<[u8; 32], Arc<Vec<u8>>>,
	/// Decoded DWARF is `Send` but not `Sync` (it decodes lazily), so it is only used under
	/// the store's lock.
	decoded: HashMap<[u8; 32], DebugInfo>,
	/// Decoding order, oldest first, for eviction.
	order: VecDeque<[u8; 32]>,
}

/// Debug info of contract code, by code hash. Clones share the store.
#[derive(Clone, Default)]
pub struct DebugInfoStore {
	dir: Option<PathBuf>,
	inner: Arc<Mutex<Inner>>,
}

impl DebugInfoStore {
	/// A store in memory only.
	pub fn in_memory() -> Self {
		Self::default()
	}

	/// A store persisted in `dir` (created if missing).
	pub fn persisted(dir: PathBuf) -> std::io::Result<Self> {
		std::fs::create_dir_all(&dir)?;
		Ok(Self { dir: Some(dir), inner: Default::default() })
	}

	fn path(&self, code_hash: &[u8; 32]) -> Option<PathBuf> {
		let hex: String = code_hash.iter().map(|b| format!("{b:02x}")).collect();
		self.dir.as_ref().map(|dir| dir.join(format!("0x{hex}.debug.wasm")))
	}

	/// Keeps `module` (a debug twin with DWARF) as the debug info of `code_hash`. Fails if the
	/// module has no usable DWARF.
	pub fn register(&self, code_hash: [u8; 32], module: Vec<u8>) -> Result<(), crate::Error> {
		let decoded = DebugInfo::from_wasm(&module)?;
		if let Some(path) = self.path(&code_hash) {
			if let Err(e) = std::fs::write(&path, &module) {
				log::warn!(target: "callisto::debug-info", "cannot persist {}: {e}", path.display());
			}
		}
		let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
		if self.dir.is_none() {
			inner.modules.insert(code_hash, Arc::new(module));
		}
		Self::remember(&mut inner, code_hash, decoded);
		Ok(())
	}

	/// Whether debug info of `code_hash` is known.
	pub fn contains(&self, code_hash: &[u8; 32]) -> bool {
		self.with(code_hash, |_| ()).is_some()
	}

	fn remember(inner: &mut Inner, code_hash: [u8; 32], decoded: DebugInfo) {
		if inner.decoded.insert(code_hash, decoded).is_none() {
			inner.order.push_back(code_hash);
		}
		while inner.order.len() > DECODED_CAPACITY {
			if let Some(old) = inner.order.pop_front() {
				inner.decoded.remove(&old);
			}
		}
	}

	/// Runs `f` on the decoded debug info of `code_hash`, loading it from disk if needed.
	pub fn with<R>(&self, code_hash: &[u8; 32], f: impl FnOnce(&DebugInfo) -> R) -> Option<R> {
		let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
		if !inner.decoded.contains_key(code_hash) {
			let module = match inner.modules.get(code_hash) {
				Some(module) => module.as_ref().clone(),
				None => std::fs::read(self.path(code_hash)?).ok()?,
			};
			let decoded = DebugInfo::from_wasm(&module).ok()?;
			Self::remember(&mut inner, *code_hash, decoded);
		}
		inner.decoded.get(code_hash).map(f)
	}

	/// The source frames of a backtrace of `code_hash`; empty without debug info.
	pub fn symbolicate(&self, code_hash: &[u8; 32], offsets: &[u32]) -> Vec<SourceFrame> {
		self.with(code_hash, |info| info.symbolicate_backtrace(offsets)).unwrap_or_default()
	}
}

/// What the runtime reaches through `contract_debug` during one block (or one runtime-API
/// call): the store, and the trap events recorded by dispatches.
pub struct DebugInfoState {
	pub(crate) store: DebugInfoStore,
	/// Trap events of the dispatch in progress.
	pub(crate) current: Vec<Vec<u8>>,
	/// Trap events of dispatches that failed, for the pallet to deposit at finalisation.
	pub(crate) failed: Vec<Vec<u8>>,
}

sp_externalities::decl_extension! {
	/// Register this in the externalities so the runtime can symbolicate traps and keep trap
	/// events of failed dispatches.
	pub struct DebugInfoExt(DebugInfoState);
}

impl DebugInfoExt {
	/// The extension over `store`.
	pub fn new(store: DebugInfoStore) -> Self {
		Self(DebugInfoState { store, current: Vec::new(), failed: Vec::new() })
	}
}
