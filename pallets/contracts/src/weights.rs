//! Weights of the dispatchables and execution costs.
//!
//! Callisto has not benchmarked the pallet yet. The `()` implementation gives fixed,
//! deliberately generous estimates so that a dev chain charges something sensible; they are
//! placeholders until our own benchmarks produce a `SubstrateWeight`.

use frame_support::weights::{constants::RocksDbWeight, Weight};

/// Weights the pallet needs from the runtime.
pub trait WeightInfo {
	/// Fixed cost of one `on_idle` deletion-queue pass.
	fn on_process_deletion_queue_batch() -> Weight;
	/// Deleting `k` storage keys of a terminated contract.
	fn on_initialize_per_trie_key(k: u32) -> Weight;
	/// Base cost of the `call` dispatchable, without execution.
	fn call() -> Weight;
	/// Base cost of `instantiate_with_code` for code of `c` bytes, input of `i` bytes and a
	/// salt of `s` bytes, without execution.
	fn instantiate_with_code(c: u32, i: u32, s: u32) -> Weight;
	/// Base cost of `instantiate` without execution.
	fn instantiate(i: u32, s: u32) -> Weight;
	/// Uploading `c` bytes of code that must be deterministic.
	fn upload_code_determinism_enforced(c: u32) -> Weight;
	/// Uploading `c` bytes of code that may be non-deterministic.
	fn upload_code_determinism_relaxed(c: u32) -> Weight;
	/// Removing code.
	fn remove_code() -> Weight;
	/// Replacing a contract's code.
	fn set_code() -> Weight;
	/// One `migrate` call.
	fn migrate() -> Weight;
	/// `r` repetitions of an i64 load and store; the schedule derives the per-instruction cost
	/// from it.
	fn instr_i64_load_store(r: u32) -> Weight;
}

/// Placeholder weights: a fixed ref_time per storage access and per byte, plus proof sizes
/// that cover the items read.
impl WeightInfo for () {
	fn on_process_deletion_queue_batch() -> Weight {
		Weight::from_parts(2_000_000, 1_627).saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn on_initialize_per_trie_key(k: u32) -> Weight {
		Weight::from_parts(10_000_000, 2_000)
			.saturating_add(Weight::from_parts(1_500_000, 100).saturating_mul(k.into()))
			.saturating_add(RocksDbWeight::get().writes(k.into()))
	}
	fn call() -> Weight {
		Weight::from_parts(300_000_000, 7_000)
			.saturating_add(RocksDbWeight::get().reads_writes(7, 4))
	}
	fn instantiate_with_code(c: u32, i: u32, s: u32) -> Weight {
		Self::upload_code_determinism_enforced(c).saturating_add(Self::instantiate(i, s))
	}
	fn instantiate(i: u32, s: u32) -> Weight {
		Weight::from_parts(1_500_000_000, 8_000)
			.saturating_add(Weight::from_parts(2_000, 0).saturating_mul(i.into()))
			.saturating_add(Weight::from_parts(2_000, 0).saturating_mul(s.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(10, 7))
	}
	fn upload_code_determinism_enforced(c: u32) -> Weight {
		// Validation parses the code, so it is linear in the size; the proof covers the code.
		Weight::from_parts(300_000_000, 4_000)
			.saturating_add(Weight::from_parts(60_000, 1).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(2, 3))
	}
	fn upload_code_determinism_relaxed(c: u32) -> Weight {
		Self::upload_code_determinism_enforced(c)
	}
	fn remove_code() -> Weight {
		Weight::from_parts(300_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads_writes(2, 3))
	}
	fn set_code() -> Weight {
		Weight::from_parts(200_000_000, 7_000)
			.saturating_add(RocksDbWeight::get().reads_writes(4, 3))
	}
	fn migrate() -> Weight {
		Weight::from_parts(10_000_000, 1_500).saturating_add(RocksDbWeight::get().reads(1))
	}
	fn instr_i64_load_store(r: u32) -> Weight {
		// About 1.3 ns per instruction on reference hardware, six instructions per repetition.
		Weight::from_parts(1_000_000, 0)
			.saturating_add(Weight::from_parts(7_800, 0).saturating_mul(r.into()))
	}
}
