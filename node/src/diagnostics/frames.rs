//! What the trace RPCs return: call frames in geth's `callTracer` shape where it fits, plus what
//! a Wasm contract developer needs (code hash, trap with its source backtrace, host calls,
//! storage writes, events), and the dry runs' results.
//!
//! The RPC serialises these and `callisto trace` deserialises the same types, so a field renamed
//! here changes both sides at once.

use callisto_debug_info::SourcePosition;
use callisto_runtime::BlockNumber;
use serde::{Deserialize, Serialize};
use sp_core::H256;
use sp_runtime::Weight;

/// One frame of a call tree, as JSON.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CallFrame {
	#[serde(rename = "type")]
	pub kind: FrameKind,
	/// The caller (SS58).
	pub from: String,
	/// The contract (SS58); for `CREATE`, the new contract.
	pub to: String,
	/// Value transferred, a 0x hex quantity.
	pub value: String,
	/// ref_time the frame could use, a 0x hex quantity.
	pub gas: String,
	/// ref_time the frame used (nested frames included), a 0x hex quantity.
	pub gas_used: String,
	pub input: String,
	pub output: String,
	/// Why the frame failed; absent if it succeeded.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub error: Option<String>,
	pub code_hash: String,
	/// Present if the frame trapped.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub trap: Option<TrapJson>,
	pub host_calls: Vec<HostCallJson>,
	pub storage: Vec<StorageJson>,
	pub events: Vec<EventJson>,
	pub calls: Vec<CallFrame>,
	/// On the top frame only, when the trace was full: host calls and storage writes left out.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub dropped_records: Option<u32>,
}

/// What made a frame, by geth's `callTracer` names.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum FrameKind {
	Call,
	/// A frame running another contract's code in the caller's storage.
	DelegateCall,
	/// An instantiation.
	Create,
}

impl FrameKind {
	pub fn name(self) -> &'static str {
		match self {
			Self::Call => "CALL",
			Self::DelegateCall => "DELEGATECALL",
			Self::Create => "CREATE",
		}
	}
}

/// A trap: what happened, where in the source, and the backtrace it was located from.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TrapJson {
	pub kind: String,
	pub message: String,
	/// The innermost frame in the contract's own code; `null` without debug info.
	pub location: Option<LocationJson>,
	/// Innermost first; one entry per source frame (inlined ones included), or just the offset
	/// where the code has no debug info.
	pub backtrace: Vec<BacktraceJson>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LocationJson {
	pub file: Option<String>,
	pub line: Option<u32>,
	pub column: Option<u32>,
	pub function: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct BacktraceJson {
	/// Offset in the contract's module.
	pub offset: u32,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub function: Option<String>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub file: Option<String>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub line: Option<u32>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub column: Option<u32>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub inlined: Option<bool>,
}

impl LocationJson {
	pub fn position(&self) -> SourcePosition<'_> {
		SourcePosition::of(&self.file, self.line, self.column, &self.function)
	}
}

impl BacktraceJson {
	/// An entry where the code has no debug info: just the offset.
	pub fn offset_only(offset: u32) -> Self {
		Self { offset, function: None, file: None, line: None, column: None, inlined: None }
	}

	pub fn position(&self) -> SourcePosition<'_> {
		SourcePosition::of(&self.file, self.line, self.column, &self.function)
	}
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct HostCallJson {
	/// `module::name`, e.g. `seal1::get_storage`.
	pub name: String,
	pub args: Vec<i64>,
	/// The returned value; `null` for none, or when the function ended the contract.
	pub result: Option<i64>,
	/// Why the function ended the contract (`return`, `terminate`, an error name).
	#[serde(skip_serializing_if = "Option::is_none")]
	pub stopped: Option<String>,
	/// Index in `calls` of the frame this host call created.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub call: Option<u32>,
	/// Where the contract made the call: the module offset of its `call` instruction and,
	/// with debug info, the contract's own source line that led to it.
	pub call_site: BacktraceJson,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct StorageJson {
	pub key: String,
	/// `null`: absent before.
	pub old: Option<String>,
	/// `null`: removed.
	pub new: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct EventJson {
	pub topics: Vec<String>,
	pub data: String,
}

/// `contracts_traceBlock`'s result.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct BlockTrace {
	pub block_hash: H256,
	pub block_number: BlockNumber,
	/// One entry per top-level contract call, in execution order.
	pub extrinsics: Vec<ExtrinsicEntry>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ExtrinsicEntry {
	pub index: u32,
	pub trace: CallFrame,
}

/// `contracts_traceExtrinsic`'s result: the top frame, and where it ran.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ExtrinsicTrace {
	pub block_hash: H256,
	pub block_number: BlockNumber,
	pub extrinsic_index: u32,
	#[serde(flatten)]
	pub frame: CallFrame,
}

/// `contracts_traceCall` / `contracts_traceInstantiate`'s result.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DryRunTrace {
	/// What `ContractsApi` returned.
	pub result: DryRunResult,
	/// `null` if no contract code ran (e.g. no contract at `dest`).
	pub trace: Option<CallFrame>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DryRunResult {
	pub gas_consumed: WeightJson,
	pub gas_required: WeightJson,
	pub storage_deposit: DepositJson,
	/// The contracts' `debug_message` output (UTF-8, lossy).
	pub debug_message: String,
	pub result: OutcomeJson,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WeightJson {
	pub ref_time: u64,
	pub proof_size: u64,
}

impl From<Weight> for WeightJson {
	fn from(weight: Weight) -> Self {
		Self { ref_time: weight.ref_time(), proof_size: weight.proof_size() }
	}
}

/// `{"charge": "0x…"}` or `{"refund": "0x…"}`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum DepositJson {
	Charge(String),
	Refund(String),
}

/// `{"ok": {...}}` or `{"err": "Contracts::ContractTrapped"}`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum OutcomeJson {
	Ok(ReturnJson),
	Err(String),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ReturnJson {
	pub flags: u32,
	pub reverted: bool,
	pub data: String,
	/// The new contract, for an instantiation.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub account_id: Option<String>,
}
