//! The node's debug-info store and the per-block extension the runtime reaches it through.
//!
//! The store maps a code hash to the contract's debug twin. It is shared by every runtime call
//! of the process. In memory it keeps, both bounded by bytes and count and evicting the least
//! recently used first, the modules not (yet) on disk and recently used decoded DWARF. Given a
//! directory (under `--base-path`), it persists the debug twins of code on chain as
//! `<code hash>.debug.wasm`, so debug info survives restarts.
//!
//! What reaches the disk is code a block stored, paid for by its deposit: the runtime registers
//! debug info wherever it validates an upload, in dry runs too, so the [`DebugInfoExt`] keeps
//! its registrations in memory and persists them only once the runtime call finalises a block
//! (see [`DebugInfoExt`]). A dry run's debug info is located for as long as the memory keeps it.

use crate::{DebugInfo, DwarfSections, SourceFrame};
use callisto_cache::{remove_leftovers, write_atomically, Lru};
use std::{
	io::Write as _,
	path::PathBuf,
	sync::{Arc, Mutex},
};

/// Debug twins kept in memory only (dry runs, or every module of a store without directory):
/// at most this many bytes...
pub const MEMORY_MODULE_BYTES: usize = 64 << 20;
/// ... and this many modules.
pub const MEMORY_MODULE_COUNT: usize = 1024;
/// Decoded DWARF kept in memory: at most this many modules...
pub const DECODED_COUNT: usize = 64;
/// ... whose debug twins add up to at most this many bytes (decoded DWARF holds copies of the
/// `.debug_*` sections, so a twin's size is its order of magnitude).
pub const DECODED_BYTES: usize = 64 << 20;

/// What the store keeps in memory, and how much of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
	pub module_bytes: usize,
	pub module_count: usize,
	pub decoded_bytes: usize,
	pub decoded_count: usize,
}

impl Default for Limits {
	fn default() -> Self {
		Self {
			module_bytes: MEMORY_MODULE_BYTES,
			module_count: MEMORY_MODULE_COUNT,
			decoded_bytes: DECODED_BYTES,
			decoded_count: DECODED_COUNT,
		}
	}
}

struct Inner {
	/// Debug twins that are in memory only: registered by calls that did not (yet) finalise a
	/// block, or by anything if the store has no directory.
	modules: Lru<[u8; 32], Arc<Vec<u8>>>,
	/// Decoded DWARF is `Send` but not `Sync` (it decodes lazily), so it is only used under
	/// the store's lock.
	decoded: Lru<[u8; 32], DebugInfo>,
	/// Decoded DWARF of the chain's [`DwarfSections`], by the hash of their content, so the
	/// answer is the same as decoding them again.
	decoded_sections: Lru<[u8; 32], DebugInfo>,
}

/// Debug info of contract code, by code hash. Clones share the store.
#[derive(Clone)]
pub struct DebugInfoStore {
	dir: Option<PathBuf>,
	inner: Arc<Mutex<Inner>>,
}

impl Default for DebugInfoStore {
	fn default() -> Self {
		Self::with_limits(None, Limits::default())
	}
}

impl DebugInfoStore {
	/// A store in memory only.
	pub fn in_memory() -> Self {
		Self::default()
	}

	/// A store persisted in `dir` (created if missing). Temporary files that a write killed
	/// midway left there are removed.
	pub fn persisted(dir: PathBuf) -> std::io::Result<Self> {
		std::fs::create_dir_all(&dir)?;
		remove_leftovers(&dir)?;
		Ok(Self::with_limits(Some(dir), Limits::default()))
	}

	/// A store in `dir` (if any, which must exist) keeping at most `limits` in memory.
	pub fn with_limits(dir: Option<PathBuf>, limits: Limits) -> Self {
		let inner = Inner {
			modules: Lru::new(limits.module_bytes, limits.module_count),
			decoded: Lru::new(limits.decoded_bytes, limits.decoded_count),
			decoded_sections: Lru::new(limits.decoded_bytes, limits.decoded_count),
		};
		Self { dir, inner: Arc::new(Mutex::new(inner)) }
	}

	fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
		self.inner.lock().unwrap_or_else(|e| e.into_inner())
	}

	fn path(&self, code_hash: &[u8; 32]) -> Option<PathBuf> {
		let hex: String = code_hash.iter().map(|b| format!("{b:02x}")).collect();
		self.dir.as_ref().map(|dir| dir.join(format!("0x{hex}.debug.wasm")))
	}

	/// Keeps `module` (a debug twin with DWARF) as the debug info of `code_hash`, on disk if the
	/// store has a directory: for code on chain (an upload in a block, or
	/// `contracts_registerDebugInfo` of stored code). Fails if the module has no usable DWARF.
	pub fn register(&self, code_hash: [u8; 32], module: Vec<u8>) -> Result<(), crate::Error> {
		let module = Arc::new(module);
		self.register_in_memory(code_hash, module.clone())?;
		self.persist(code_hash, &module);
		Ok(())
	}

	/// Keeps `module` as the debug info of `code_hash` in memory only, for as long as the
	/// bounds let it stay. Fails if the module has no usable DWARF.
	pub fn register_in_memory(
		&self,
		code_hash: [u8; 32],
		module: Arc<Vec<u8>>,
	) -> Result<(), crate::Error> {
		let decoded = DebugInfo::from_wasm(&module)?;
		let size = module.len();
		let mut inner = self.lock();
		inner.modules.insert(code_hash, module, size);
		inner.decoded.insert(code_hash, decoded, size);
		Ok(())
	}

	/// Keeps `dwarf` (the DWARF the chain keeps of the code `code_hash`) decoded in memory, for
	/// as long as the bounds let it stay. Fails if it is unusable.
	pub fn register_sections(
		&self,
		code_hash: [u8; 32],
		dwarf: &DwarfSections,
	) -> Result<(), crate::Error> {
		let decoded = DebugInfo::from_sections(dwarf)?;
		self.lock().decoded.insert(code_hash, decoded, dwarf.sections.len());
		Ok(())
	}

	/// Writes `module` (already registered) to disk as the debug info of `code_hash`, if the
	/// store has a directory; then it no longer needs a place in memory.
	pub(crate) fn persist(&self, code_hash: [u8; 32], module: &[u8]) {
		let Some(path) = self.path(&code_hash) else { return };
		match write_atomically(&path, |file| file.write_all(module)) {
			Ok(()) => {
				self.lock().modules.remove(&code_hash);
			}
			Err(e) => {
				log::warn!(target: "callisto::debug-info", "cannot persist {}: {e}", path.display())
			}
		}
	}

	/// Whether debug info of `code_hash` is known.
	pub fn contains(&self, code_hash: &[u8; 32]) -> bool {
		{
			let mut inner = self.lock();
			// Both looked up, so both count the use.
			if inner.modules.get(code_hash).is_some() | inner.decoded.get(code_hash).is_some() {
				return true;
			}
		}
		self.with(code_hash, |_| ()).is_some()
	}

	/// Runs `f` on the decoded debug info of `code_hash`, loading it from memory or disk if
	/// needed.
	pub fn with<R>(&self, code_hash: &[u8; 32], f: impl FnOnce(&DebugInfo) -> R) -> Option<R> {
		let mut inner = self.lock();
		// Looked up even if decoded, so the module counts the use too.
		let in_memory = inner.modules.get(code_hash).cloned();
		if !inner.decoded.contains(code_hash) {
			let module = match in_memory {
				Some(module) => module,
				None => Arc::new(std::fs::read(self.path(code_hash)?).ok()?),
			};
			let decoded = DebugInfo::from_wasm(&module).ok()?;
			inner.decoded.insert(*code_hash, decoded, module.len());
		}
		inner.decoded.get(code_hash).map(f)
	}

	/// `f` of the DWARF the chain keeps of some code (a [`DwarfSections`] given by its fields),
	/// or `None` if it is unusable. Decoded DWARF is kept by the hash of that content, so this
	/// is `f(&DebugInfo::from_parts(..)?)` without decoding the sections again.
	pub fn with_sections<R>(
		&self,
		code_start: u32,
		code_end: u32,
		sections: &[u8],
		f: impl FnOnce(&DebugInfo) -> R,
	) -> Option<R> {
		let mut content = Vec::with_capacity(40);
		content.extend_from_slice(&code_start.to_le_bytes());
		content.extend_from_slice(&code_end.to_le_bytes());
		content.extend_from_slice(&sp_crypto_hashing::blake2_256(sections));
		let key = sp_crypto_hashing::blake2_256(&content);
		let mut inner = self.lock();
		if !inner.decoded_sections.contains(&key) {
			let decoded = DebugInfo::from_parts(code_start, code_end, sections).ok()?;
			inner.decoded_sections.insert(key, decoded, sections.len());
		}
		inner.decoded_sections.get(&key).map(f)
	}

	/// The source frames of a backtrace of `code_hash`; empty without debug info.
	pub fn symbolicate(&self, code_hash: &[u8; 32], offsets: &[u32]) -> Vec<SourceFrame> {
		self.with(code_hash, |info| info.symbolicate_backtrace(offsets)).unwrap_or_default()
	}
}

/// What the runtime reaches through `contract_debug` during one block (or one runtime-API
/// call): the store and the registrations waiting for the block to finalise.
pub struct DebugInfoState {
	pub(crate) store: DebugInfoStore,
	/// Debug twins registered by this call, in memory until it finalises a block.
	pub(crate) pending: Vec<([u8; 32], Arc<Vec<u8>>)>,
}

sp_externalities::decl_extension! {
	/// Register this in the externalities so the node's store learns of the debug builds that
	/// reach the chain and symbolication reuses decoded DWARF. Nothing the runtime computes
	/// depends on it.
	///
	/// One extension serves one runtime-API instance, and the node registers it the same way
	/// for every call (`ExtensionsFactory::extensions_for` is told the block, not whether the
	/// call builds or imports one or is a dry run). What tells them apart is the runtime: only
	/// block execution finalises a block, and the contracts pallet's `on_finalize` says so
	/// ([`Self::block_finalised`]). So registrations stay in the
	/// store's memory until then, and only then reach the disk: an upload in a block built or
	/// imported persists, a dry run (`ContractsApi_*`, trace re-executions) never writes.
	pub struct DebugInfoExt(DebugInfoState);
}

impl DebugInfoExt {
	/// The extension over `store`.
	pub fn new(store: DebugInfoStore) -> Self {
		Self(DebugInfoState { store, pending: Vec::new() })
	}

	/// Keeps `module` as the debug info of `code_hash`: in memory now, on disk if this call
	/// finalises a block. A module without usable DWARF is ignored.
	pub(crate) fn register(&mut self, code_hash: [u8; 32], module: &[u8]) {
		let module = Arc::new(module.to_vec());
		if self.store.register_in_memory(code_hash, module.clone()).is_ok() {
			self.pending.push((code_hash, module));
		}
	}

	/// The runtime finalises a block: the code its extrinsics uploaded is on chain (or its
	/// upload paid its fee), so their debug info goes to disk.
	pub(crate) fn block_finalised(&mut self) {
		for (code_hash, module) in core::mem::take(&mut self.pending) {
			self.store.persist(code_hash, &module);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::contract_debug;

	const FIXTURES: &str =
		concat!(env!("CARGO_MANIFEST_DIR"), "/../../pallets/contracts/fixtures/build");

	fn trapper() -> Vec<u8> {
		std::fs::read(format!("{FIXTURES}/trapper.debug.wasm")).unwrap()
	}

	/// The trapper's debug build with a custom section making it `n`-th distinct module.
	fn variant(n: u32) -> Vec<u8> {
		let mut module = trapper();
		let name = b"callisto-test";
		let payload = n.to_le_bytes();
		module.push(0);
		module.push((1 + name.len() + payload.len()) as u8);
		module.push(name.len() as u8);
		module.extend_from_slice(name);
		module.extend_from_slice(&payload);
		module
	}

	fn hash(n: u32) -> [u8; 32] {
		let mut hash = [0u8; 32];
		hash[..4].copy_from_slice(&n.to_le_bytes());
		hash
	}

	/// The names of the files in `dir`, sorted.
	fn file_names(dir: &tempfile::TempDir) -> Vec<String> {
		let entries = std::fs::read_dir(dir.path()).unwrap();
		let names = entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned());
		names.collect::<std::collections::BTreeSet<_>>().into_iter().collect()
	}

	fn small_limits(count: usize) -> Limits {
		Limits {
			module_bytes: usize::MAX,
			module_count: count,
			decoded_bytes: usize::MAX,
			decoded_count: count,
		}
	}

	#[test]
	fn memory_is_bounded_by_count_keeping_the_recently_used() {
		let store = DebugInfoStore::with_limits(None, small_limits(3));
		for n in 0..3 {
			store.register(hash(n), variant(n)).unwrap();
		}
		// Use 0, so 1 is the least recently used when 3 comes.
		assert!(store.contains(&hash(0)));
		store.register(hash(3), variant(3)).unwrap();
		assert!(store.contains(&hash(0)), "recently used, kept");
		assert!(!store.contains(&hash(1)), "least recently used, evicted");
		assert!(store.contains(&hash(2)));
		assert!(store.contains(&hash(3)));
		let inner = store.lock();
		assert_eq!(inner.modules.len(), 3);
		assert_eq!(inner.decoded.len(), 3);
	}

	#[test]
	fn memory_is_bounded_by_bytes() {
		let size = variant(0).len();
		let limits = Limits {
			module_bytes: 2 * size + size / 2,
			module_count: 100,
			decoded_bytes: 2 * size + size / 2,
			decoded_count: 100,
		};
		let store = DebugInfoStore::with_limits(None, limits);
		for n in 0..10 {
			store.register_in_memory(hash(n), Arc::new(variant(n))).unwrap();
		}
		let inner = store.lock();
		assert_eq!(inner.modules.len(), 2);
		assert!(inner.modules.bytes() <= limits.module_bytes);
		assert_eq!(inner.decoded.len(), 2);
		assert!(inner.modules.contains(&hash(9)) && inner.modules.contains(&hash(8)));
	}

	#[test]
	fn one_module_over_the_bound_is_kept_until_the_next() {
		let limits =
			Limits { module_bytes: 10, module_count: 10, decoded_bytes: 10, decoded_count: 10 };
		let store = DebugInfoStore::with_limits(None, limits);
		store.register_in_memory(hash(0), Arc::new(variant(0))).unwrap();
		assert!(store.contains(&hash(0)));
		store.register_in_memory(hash(1), Arc::new(variant(1))).unwrap();
		assert!(!store.contains(&hash(0)));
		assert!(store.contains(&hash(1)));
	}

	#[test]
	fn a_persisted_registration_survives_eviction_and_restart() {
		let dir = tempfile::tempdir().unwrap();
		let store = DebugInfoStore::with_limits(Some(dir.path().to_path_buf()), small_limits(1));
		store.register(hash(0), variant(0)).unwrap();
		store.register_in_memory(hash(1), Arc::new(variant(1))).unwrap();
		assert_eq!(file_names(&dir).len(), 1, "only the persisted registration is a file");
		// Evicted from memory, loaded again from disk.
		assert!(store.contains(&hash(0)));
		let reopened = DebugInfoStore::persisted(dir.path().to_path_buf()).unwrap();
		assert!(reopened.contains(&hash(0)));
		assert!(!reopened.contains(&hash(1)), "memory only");
	}

	#[test]
	fn opening_the_store_removes_what_a_killed_write_left() {
		let dir = tempfile::tempdir().unwrap();
		let leftover = format!("{}1-0-0xab.debug.wasm", callisto_cache::TMP_PREFIX);
		std::fs::write(dir.path().join(leftover), b"trunc").unwrap();
		std::fs::write(dir.path().join("0xcd.debug.wasm"), b"kept").unwrap();
		DebugInfoStore::persisted(dir.path().to_path_buf()).unwrap();
		assert_eq!(file_names(&dir), ["0xcd.debug.wasm"]);
	}

	/// Runs the runtime's side of an upload of `module` (as the contracts pallet does in a dry
	/// run or an extrinsic), then, if `finalise`, the pallet's `on_finalize`.
	fn runtime_call(store: &DebugInfoStore, code_hash: [u8; 32], module: &[u8], finalise: bool) {
		let mut ext = sp_io::TestExternalities::default();
		ext.register_extension(DebugInfoExt::new(store.clone()));
		ext.execute_with(|| {
			contract_debug::register(code_hash, module);
			if finalise {
				contract_debug::block_finalised();
			}
		});
		assert!(store.contains(&code_hash));
	}

	#[test]
	fn a_dry_run_registration_stays_in_memory() {
		let dir = tempfile::tempdir().unwrap();
		let store = DebugInfoStore::persisted(dir.path().to_path_buf()).unwrap();
		for n in 0..4 {
			runtime_call(&store, hash(n), &variant(n), false);
		}
		assert!(file_names(&dir).is_empty(), "{:?}", file_names(&dir));
		// Still located for the developer who ran it.
		assert!((0..4).all(|n| store.contains(&hash(n))));
	}

	#[test]
	fn a_registration_in_a_block_persists() {
		let dir = tempfile::tempdir().unwrap();
		let store = DebugInfoStore::persisted(dir.path().to_path_buf()).unwrap();
		runtime_call(&store, hash(7), &variant(7), false);
		assert!(file_names(&dir).is_empty());
		// The same code uploaded on chain later.
		runtime_call(&store, hash(7), &variant(7), true);
		let hex: String = hash(7).iter().map(|b| format!("{b:02x}")).collect();
		assert_eq!(file_names(&dir), [format!("0x{hex}.debug.wasm")]);
		assert_eq!(std::fs::read(dir.path().join(&file_names(&dir)[0])).unwrap(), variant(7));
		assert!(DebugInfoStore::persisted(dir.path().to_path_buf()).unwrap().contains(&hash(7)));
	}

	#[test]
	fn symbolication_of_chain_dwarf_is_the_same_with_and_without_the_store() {
		let (_, dwarf) = crate::split_debug_sections(&trapper()).unwrap();
		let decoded = DebugInfo::from_sections(&dwarf).unwrap();
		// Every offset of the code section that DWARF knows something about, a sample of them.
		let offsets: Vec<u32> = (dwarf.code_start..dwarf.code_end)
			.step_by(97)
			.filter(|offset| !decoded.symbolicate(*offset).is_empty())
			.collect();
		assert!(offsets.len() > 10, "{}", offsets.len());
		let pure = decoded.symbolicate_backtrace(&offsets);
		let run = |dwarf: &DwarfSections, ext: Option<DebugInfoExt>| {
			let mut externalities = sp_io::TestExternalities::default();
			if let Some(ext) = ext {
				externalities.register_extension(ext);
			}
			externalities.execute_with(|| {
				contract_debug::symbolicate_dwarf(
					dwarf.code_start,
					dwarf.code_end,
					&dwarf.sections,
					offsets.clone(),
				)
			})
		};
		let store = DebugInfoStore::with_limits(None, small_limits(1));
		assert_eq!(run(&dwarf, None), pure);
		assert_eq!(run(&dwarf, Some(DebugInfoExt::new(store.clone()))), pure, "decoded");
		assert_eq!(run(&dwarf, Some(DebugInfoExt::new(store.clone()))), pure, "kept decoded");
		// Unusable DWARF: no frames, whoever answers.
		let broken = DwarfSections { sections: b"\0asm\x01\0\0\0".to_vec(), ..dwarf.clone() };
		assert_eq!(run(&broken, None), vec![]);
		assert_eq!(run(&broken, Some(DebugInfoExt::new(store))), vec![]);
	}
}
