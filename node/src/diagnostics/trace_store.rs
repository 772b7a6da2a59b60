//! The node's cache of block traces, for the trace RPCs.
//!
//! Tracing a block means executing it again, which costs as much as the block did, so the raw
//! traces of recently traced blocks are kept: the most recently used in memory (bounded by
//! bytes), and all of them as `<block hash>.scale` files (a SCALE `Vec<Trace>`) under
//! `--base-path/contracts-traces/`, bounded by count, oldest deleted first. A block hash names
//! its contents, so a cached trace never goes stale. Traps are kept as code offsets: the RPCs
//! symbolicate when they render, so debug info registered later applies to cached traces.

use callisto_cache::{remove_leftovers, write_atomically, Lru};
use callisto_debug_info::trace::Trace;
use codec::{Decode, Encode};
use std::{
	collections::VecDeque,
	io::Write as _,
	path::PathBuf,
	sync::{Arc, Mutex},
	time::SystemTime,
};

/// Bytes of encoded traces kept in memory by default.
pub const DEFAULT_MEMORY_BYTES: usize = 64 << 20;
/// Trace files kept on disk by default.
pub const DEFAULT_MAX_FILES: usize = 1024;

/// A block hash, as the store keys traces.
pub type BlockHash = [u8; 32];

struct Inner {
	/// Recently used blocks, by their encoded size.
	memory: Lru<BlockHash, Arc<Vec<Trace>>>,
	/// Blocks with a file, oldest first.
	files: VecDeque<BlockHash>,
}

impl Inner {
	fn new(memory_bytes: usize) -> Self {
		Self { memory: Lru::new(memory_bytes, usize::MAX), files: VecDeque::new() }
	}
}

/// Raw traces of blocks, by block hash. Clones share the store.
#[derive(Clone)]
pub struct TraceStore {
	dir: Option<PathBuf>,
	memory_bytes: usize,
	max_files: usize,
	inner: Arc<Mutex<Inner>>,
}

impl TraceStore {
	/// A store in memory only, keeping at most `memory_bytes` of encoded traces.
	#[cfg(test)]
	pub fn in_memory(memory_bytes: usize) -> Self {
		let inner = Arc::new(Mutex::new(Inner::new(memory_bytes)));
		Self { dir: None, memory_bytes, max_files: 0, inner }
	}

	/// A store that also keeps up to `max_files` blocks' traces in `dir` (created if missing).
	/// Files already there (from an earlier run) count towards the bound, oldest first.
	pub fn persisted(dir: PathBuf, memory_bytes: usize, max_files: usize) -> std::io::Result<Self> {
		std::fs::create_dir_all(&dir)?;
		remove_leftovers(&dir)?;
		let mut existing: Vec<(SystemTime, BlockHash)> = Vec::new();
		for entry in std::fs::read_dir(&dir)? {
			let entry = entry?;
			let Some(hash) = entry.file_name().to_str().and_then(parse_file_name) else { continue };
			let modified = entry.metadata()?.modified().unwrap_or(SystemTime::UNIX_EPOCH);
			existing.push((modified, hash));
		}
		existing.sort();
		let inner = Arc::new(Mutex::new(Inner::new(memory_bytes)));
		let store = Self { dir: Some(dir), memory_bytes, max_files, inner };
		{
			let mut inner = store.lock();
			inner.files = existing.into_iter().map(|(_, hash)| hash).collect();
			store.prune_files(&mut inner);
		}
		Ok(store)
	}

	fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
		self.inner.lock().unwrap_or_else(|e| e.into_inner())
	}

	fn path(&self, block: &BlockHash) -> Option<PathBuf> {
		self.dir.as_ref().map(|dir| dir.join(file_name(block)))
	}

	/// The traces of `block`, if it was traced before (in this run, or in an earlier one whose
	/// file is still there).
	pub fn get(&self, block: &BlockHash) -> Option<Arc<Vec<Trace>>> {
		let mut inner = self.lock();
		if let Some(traces) = inner.memory.get(block) {
			return Some(traces.clone());
		}
		if !inner.files.contains(block) {
			return None;
		}
		let path = self.path(block)?;
		let bytes = std::fs::read(&path).ok()?;
		match Vec::<Trace>::decode(&mut &bytes[..]) {
			Ok(traces) => {
				let traces = Arc::new(traces);
				self.remember(&mut inner, *block, traces.clone(), bytes.len());
				Some(traces)
			}
			Err(e) => {
				// Written by another version of the node: trace the block again.
				log::debug!(target: "callisto::trace", "{} is unreadable ({e}); dropped", path.display());
				let _ = std::fs::remove_file(&path);
				inner.files.retain(|hash| hash != block);
				None
			}
		}
	}

	/// Keeps the traces of `block` and returns them shared.
	pub fn insert(&self, block: BlockHash, traces: Vec<Trace>) -> Arc<Vec<Trace>> {
		let encoded = traces.encode();
		let traces = Arc::new(traces);
		let mut inner = self.lock();
		if let Some(path) = self.path(&block) {
			match write_atomically(&path, |file| file.write_all(&encoded)) {
				Ok(()) => {
					inner.files.retain(|hash| *hash != block);
					inner.files.push_back(block);
					self.prune_files(&mut inner);
				}
				Err(e) => log::warn!(
					target: "callisto::trace",
					"cannot keep the traces of a block in {}: {e}",
					path.display()
				),
			}
		}
		inner.memory.remove(&block);
		self.remember(&mut inner, block, traces.clone(), encoded.len());
		traces
	}

	/// Puts `traces` in memory as the most recently used, evicting the least recently used
	/// beyond the byte budget. A block larger than the whole budget stays on disk only.
	fn remember(&self, inner: &mut Inner, block: BlockHash, traces: Arc<Vec<Trace>>, size: usize) {
		if size > self.memory_bytes {
			return;
		}
		inner.memory.insert(block, traces, size);
	}

	/// Deletes the oldest files beyond `max_files`.
	fn prune_files(&self, inner: &mut Inner) {
		while inner.files.len() > self.max_files {
			let Some(oldest) = inner.files.pop_front() else { break };
			if let Some(path) = self.path(&oldest) {
				if let Err(e) = std::fs::remove_file(&path) {
					log::debug!(target: "callisto::trace", "cannot delete {}: {e}", path.display());
				}
			}
		}
	}
}

/// `0x<hex>.scale`, like the debug-info store's `0x<hex>.debug.wasm`.
fn file_name(block: &BlockHash) -> String {
	format!("{}.scale", sp_core::bytes::to_hex(block, false))
}

fn parse_file_name(name: &str) -> Option<BlockHash> {
	let hex = name.strip_suffix(".scale")?;
	sp_core::bytes::from_hex(hex).ok()?.try_into().ok()
}

#[cfg(test)]
mod tests {
	use super::*;
	use callisto_debug_info::trace::{CallKind, CallOutcome, CallTrace};

	fn trace(marker: u8, input_len: usize) -> Trace {
		Trace {
			extrinsic_index: Some(u32::from(marker)),
			root: CallTrace {
				kind: CallKind::Call,
				from: vec![1; 32],
				to: vec![2; 32],
				code_hash: [marker; 32],
				value: 0,
				input: vec![marker; input_len],
				output: Vec::new(),
				gas_limit: 10,
				gas_used: 5,
				outcome: CallOutcome::Success,
				host_calls: Vec::new(),
				storage: Vec::new(),
				events: Vec::new(),
				calls: Vec::new(),
			},
			dropped: 0,
		}
	}

	fn temp_dir(name: &str) -> PathBuf {
		let dir = std::env::temp_dir()
			.join(format!("callisto-trace-store-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		dir
	}

	fn files_in(dir: &std::path::Path) -> usize {
		std::fs::read_dir(dir)
			.unwrap()
			.filter(|e| e.as_ref().unwrap().file_name().to_str().unwrap().ends_with(".scale"))
			.count()
	}

	#[test]
	fn memory_is_bounded_by_bytes_and_keeps_the_most_recently_used() {
		let size = vec![trace(0, 1000)].encode().len();
		let store = TraceStore::in_memory(size * 2);
		store.insert([1; 32], vec![trace(1, 1000)]);
		store.insert([2; 32], vec![trace(2, 1000)]);
		// Using block 1 makes block 2 the least recently used.
		assert_eq!(store.get(&[1; 32]).unwrap()[0], trace(1, 1000));
		store.insert([3; 32], vec![trace(3, 1000)]);
		assert!(store.get(&[2; 32]).is_none(), "least recently used is evicted");
		assert!(store.get(&[1; 32]).is_some());
		assert!(store.get(&[3; 32]).is_some());
		// Too big for memory at all: not kept, but still returned.
		let huge = store.insert([4; 32], vec![trace(4, size * 3)]);
		assert_eq!(huge.len(), 1);
		assert!(store.get(&[4; 32]).is_none());
		assert!(store.get(&[1; 32]).is_some(), "a block too big to keep evicts nothing");
	}

	#[test]
	fn files_survive_a_restart_and_are_bounded_oldest_first() {
		let dir = temp_dir("files");
		let store = TraceStore::persisted(dir.clone(), 0, 3).unwrap();
		for i in 1..=4u8 {
			store.insert([i; 32], vec![trace(i, 10), trace(i, 20)]);
		}
		assert_eq!(files_in(&dir), 3);
		assert!(store.get(&[1; 32]).is_none(), "the oldest file is deleted");
		assert_eq!(*store.get(&[4; 32]).unwrap(), vec![trace(4, 10), trace(4, 20)]);

		// A new process finds the files, in their order.
		let reopened = TraceStore::persisted(dir.clone(), DEFAULT_MEMORY_BYTES, 3).unwrap();
		assert_eq!(*reopened.get(&[2; 32]).unwrap(), vec![trace(2, 10), trace(2, 20)]);
		reopened.insert([5; 32], Vec::new());
		assert_eq!(files_in(&dir), 3);
		assert!(reopened.get(&[5; 32]).unwrap().is_empty(), "a block without contract calls");

		// A smaller bound on reopening deletes the excess at once.
		let smaller = TraceStore::persisted(dir.clone(), 0, 1).unwrap();
		assert_eq!(files_in(&dir), 1);
		assert!(smaller.get(&[5; 32]).is_some(), "the newest file is kept");
		std::fs::remove_dir_all(&dir).unwrap();
	}

	#[test]
	fn an_unreadable_file_is_a_miss_and_is_removed() {
		let dir = temp_dir("unreadable");
		let store = TraceStore::persisted(dir.clone(), 0, 8).unwrap();
		store.insert([7; 32], vec![trace(7, 1)]);
		let path = dir.join(file_name(&[7; 32]));
		std::fs::write(&path, b"\x04not a trace").unwrap();
		assert!(store.get(&[7; 32]).is_none());
		assert!(!path.exists());
		// Unrelated files are left alone.
		std::fs::write(dir.join("notes.txt"), b"mine").unwrap();
		TraceStore::persisted(dir.clone(), 0, 0).unwrap();
		assert!(dir.join("notes.txt").exists());
		assert_eq!(parse_file_name(&file_name(&[9; 32])), Some([9; 32]));
		assert_eq!(parse_file_name("0x12.scale"), None);
		std::fs::remove_dir_all(&dir).unwrap();
	}
}
