//! Limits and costs of contract execution, exported as the `Schedule` constant.
//!
//! Tools read the limits from metadata (e.g. the maximum number of event topics), so the
//! layout and scale-info paths (`pallet_contracts::schedule::*`) follow upstream exactly.

use crate::{weights::WeightInfo, Config};
use codec::{Decode, Encode};
use core::marker::PhantomData;
use frame_support::DefaultNoBound;
use scale_info::TypeInfo;

/// Costs and limits of contract execution.
#[derive(Clone, Encode, Decode, PartialEq, Eq, DefaultNoBound, TypeInfo)]
#[scale_info(skip_type_params(T))]
pub struct Schedule<T: Config> {
	/// Sizes and counts a contract may not exceed.
	pub limits: Limits,
	/// Cost of executing Wasm instructions.
	pub instruction_weights: InstructionWeights<T>,
}

/// Sizes and counts a contract may not exceed.
#[derive(Clone, Encode, Decode, PartialEq, Eq, TypeInfo, Debug)]
pub struct Limits {
	/// Most topics one event may have.
	pub event_topics: u32,
	/// Most linear-memory pages (64 KiB each) a contract may use.
	pub memory_pages: u32,
	/// Longest subject of the `random` host function, in bytes.
	pub subject_len: u32,
	/// Largest storage value or event payload, in bytes.
	pub payload_len: u32,
	/// Memory the runtime grants all contract executions together, in bytes.
	pub runtime_memory: u32,
	/// Memory budget assumed for validators, in bytes.
	pub validator_runtime_memory: u32,
	/// Extra ref_time charged per byte of event payload: events are stored and hashed by
	/// every node, which the host-function benchmark does not see.
	pub event_ref_time: u64,
}

impl Limits {
	/// Largest linear memory of a contract, in bytes.
	pub fn max_memory_size(&self) -> u32 {
		self.memory_pages * 64 * 1024
	}
}

impl Default for Limits {
	fn default() -> Self {
		Self {
			event_topics: 4,
			memory_pages: 16,
			subject_len: 32,
			payload_len: 16 * 1024,
			runtime_memory: 1024 * 1024 * 128,
			validator_runtime_memory: 1024 * 1024 * 512,
			event_ref_time: 60_000,
		}
	}
}

/// Cost of executing Wasm instructions.
#[derive(Clone, Encode, Decode, PartialEq, Eq, TypeInfo)]
#[scale_info(skip_type_params(T))]
pub struct InstructionWeights<T: Config> {
	/// ref_time of one Wasm instruction, the conversion rate between gas and engine fuel.
	pub base: u32,
	#[codec(skip)]
	_phantom: PhantomData<T>,
}

impl<T: Config> Default for InstructionWeights<T> {
	fn default() -> Self {
		// The benchmark runs six instructions (i64.load, i64.store and the address/loop
		// overhead) per repetition, so the per-repetition delta over six is one instruction.
		let per_repetition = T::WeightInfo::instr_i64_load_store(1)
			.saturating_sub(T::WeightInfo::instr_i64_load_store(0))
			.ref_time();
		Self { base: u32::try_from(per_repetition / 6).unwrap_or(u32::MAX), _phantom: PhantomData }
	}
}
