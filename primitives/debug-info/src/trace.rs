//! Contract execution traces: what the contracts pallet records while a traced call runs, and
//! hands to the node through `contract_debug::submit_trace`.
//!
//! The pallet records only when the node asks (a [`crate::TraceExt`] is registered: the trace
//! RPCs re-execute a block or run a dry-run with one), so block production pays one host call
//! per top-level call. Traps keep module offsets, not source frames: the node symbolicates when
//! it renders a trace, so debug info registered later applies to earlier traces too.

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode};

/// Host calls one trace keeps; later ones are counted in [`Trace::dropped`].
pub const MAX_HOST_CALLS: usize = 20_000;
/// Storage changes one trace keeps.
pub const MAX_STORAGE_CHANGES: usize = 5_000;
/// Bytes of one recorded input, output, storage value or event payload.
pub const MAX_BYTES: usize = 16 * 1024;

/// How a frame was entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum CallKind {
	/// A call of a contract.
	Call,
	/// A delegate call: the caller's contract runs someone else's code.
	DelegateCall,
	/// Instantiation: the constructor of a new contract.
	Instantiate,
}

/// How a frame ended.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum CallOutcome {
	/// Returned normally; its changes persist if its callers' do.
	Success,
	/// Returned with the revert flag; its changes were rolled back.
	Reverted,
	/// The contract trapped (Wasm trap, out of gas, or a host function refused the call).
	Trapped(TrapRecord),
	/// Failed before or after running code (no code, transfer failed, deposit limit...).
	Failed {
		/// The error's name (`TransferFailed`).
		error: String,
	},
}

/// Why and where a frame trapped, as module offsets of its code.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct TrapRecord {
	/// The kind in words (`ArithmeticOverflow`, `HostFunction`, ...).
	pub kind: String,
	/// The panic message or host-function error, if any.
	pub message: String,
	/// The code that trapped (a delegate frame runs code other than its contract's).
	pub code_hash: [u8; 32],
	/// Code offsets of the backtrace, innermost first.
	pub offsets: Vec<u32>,
}

/// What a host function returned.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum HostCallResult {
	/// A value (return codes included).
	Value(i64),
	/// Nothing.
	Unit,
	/// The function ended the contract: `return`, `terminate`, or an error by name.
	Stopped(String),
}

/// One host function call.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct HostCall {
	/// `module::name`, e.g. `seal1::get_storage`.
	pub name: String,
	/// The raw Wasm arguments.
	pub args: Vec<i64>,
	/// Code offset of the `call` instruction in the contract (the node symbolicates it).
	pub call_site: u32,
	pub result: HostCallResult,
	/// Index of the nested frame this call created in [`CallTrace::calls`], for calls and
	/// instantiations.
	pub nested: Option<u32>,
}

/// A storage write of the frame's contract.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct StorageChange {
	pub key: Vec<u8>,
	/// The value before (`None`: absent).
	pub old: Option<Vec<u8>>,
	/// The value after (`None`: removed).
	pub new: Option<Vec<u8>>,
}

/// An event the contract emitted (`ContractEmitted`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct EmittedEvent {
	pub topics: Vec<[u8; 32]>,
	pub data: Vec<u8>,
}

/// One frame of the call tree.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct CallTrace {
	pub kind: CallKind,
	/// The caller's account (SCALE-encoded account id).
	pub from: Vec<u8>,
	/// The contract's account.
	pub to: Vec<u8>,
	/// The code the frame runs.
	pub code_hash: [u8; 32],
	/// Value transferred with the call.
	pub value: u128,
	/// Input data (at most [`MAX_BYTES`]).
	pub input: Vec<u8>,
	/// Output data (at most [`MAX_BYTES`]).
	pub output: Vec<u8>,
	/// ref_time the frame could use.
	pub gas_limit: u64,
	/// ref_time the frame used, nested frames included.
	pub gas_used: u64,
	pub outcome: CallOutcome,
	pub host_calls: Vec<HostCall>,
	pub storage: Vec<StorageChange>,
	pub events: Vec<EmittedEvent>,
	/// Frames this one created, in order.
	pub calls: Vec<CallTrace>,
}

/// The trace of one top-level call or instantiation.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Trace {
	/// The extrinsic it ran in (`None` for a dry-run).
	pub extrinsic_index: Option<u32>,
	pub root: CallTrace,
	/// Host calls and storage changes not recorded because the trace was full.
	pub dropped: u32,
}

/// Cuts `bytes` to at most [`MAX_BYTES`].
pub fn capped(bytes: &[u8]) -> Vec<u8> {
	bytes[..bytes.len().min(MAX_BYTES)].to_vec()
}
