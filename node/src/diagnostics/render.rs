//! Raw traces to [`CallFrame`]s: accounts as SS58, values as quantities, errors by name, and
//! traps and host-call sites located in the source with the debug-info store.

use super::{frames::*, trace_rpc::EventRecord};
use callisto_debug_info::{
	trace::{CallKind, CallOutcome, CallTrace, HostCallResult, Trace, TrapRecord},
	user_frame, DebugInfoStore, SourceFrame,
};
use callisto_runtime::Balance;
use codec::Decode;
use sp_core::crypto::{AccountId32, Ss58AddressFormat, Ss58Codec};
use sp_runtime::DispatchError;

/// The SS58 prefix accounts are shown with (generic Substrate, as polkadot.js defaults to).
pub(super) const SS58_PREFIX: u16 = 42;

pub(super) fn hex(bytes: &[u8]) -> String {
	sp_core::bytes::to_hex(bytes, false)
}

pub(super) fn quantity(value: impl Into<u128>) -> String {
	format!("{:#x}", value.into())
}

/// An encoded account id as SS58, or as hex if it is not one.
pub(super) fn account(encoded: &[u8]) -> String {
	match AccountId32::decode(&mut &encoded[..]) {
		Ok(id) if encoded.len() == 32 => {
			id.to_ss58check_with_version(Ss58AddressFormat::custom(SS58_PREFIX))
		}
		_ => hex(encoded),
	}
}

/// A `DispatchError` by name: `Contracts::ContractTrapped` for a pallet's error.
pub(super) fn dispatch_error_name(e: DispatchError) -> String {
	match callisto_runtime::RuntimeError::from_dispatch_error(e) {
		// `Contracts(ContractTrapped)` -> `Contracts::ContractTrapped`.
		Some(known) => {
			let text = format!("{known:?}");
			match text.split_once('(') {
				Some((pallet, rest)) => {
					format!("{pallet}::{}", rest.strip_suffix(')').unwrap_or(rest))
				}
				None => text,
			}
		}
		None => format!("{e:?}"),
	}
}

/// The trace of a top-level call as a [`CallFrame`], traps located with `debug_info`.
pub fn render_trace(trace: &Trace, debug_info: &DebugInfoStore) -> CallFrame {
	let mut frame = render_frame(&trace.root, debug_info);
	frame.dropped_records = (trace.dropped > 0).then_some(trace.dropped);
	frame
}

/// A host call's site; with debug info (`known`: looked up once per frame, since a miss reads
/// the disk), the innermost of its (inlined) source frames that is the contract's own code,
/// else the innermost.
pub(super) fn render_call_site(
	code_hash: &[u8; 32],
	offset: u32,
	known: bool,
	debug_info: &DebugInfoStore,
) -> BacktraceJson {
	let frames = if known { debug_info.symbolicate(code_hash, &[offset]) } else { Vec::new() };
	let frame = user_frame(&frames).or(frames.first());
	BacktraceJson {
		offset,
		file: frame.and_then(|f| f.file.clone()),
		line: frame.and_then(|f| f.line),
		column: frame.and_then(|f| f.column),
		function: frame.and_then(|f| f.function.clone()),
		inlined: None,
	}
}

/// One frame and those it created.
pub fn render_frame(frame: &CallTrace, debug_info: &DebugInfoStore) -> CallFrame {
	let known = !frame.host_calls.is_empty() && debug_info.contains(&frame.code_hash);
	let (error, trap) = match &frame.outcome {
		CallOutcome::Success => (None, None),
		CallOutcome::Reverted => (Some("execution reverted".to_string()), None),
		CallOutcome::Trapped(trap) => {
			let error = if trap.message.is_empty() {
				format!("trapped: {}", trap.kind)
			} else {
				format!("trapped: {}: {}", trap.kind, trap.message)
			};
			(Some(error), Some(render_trap(trap, debug_info)))
		}
		CallOutcome::Failed { error } => (Some(error.clone()), None),
	};
	CallFrame {
		kind: match frame.kind {
			CallKind::Call => FrameKind::Call,
			CallKind::DelegateCall => FrameKind::DelegateCall,
			CallKind::Instantiate => FrameKind::Create,
		},
		from: account(&frame.from),
		to: account(&frame.to),
		value: quantity(frame.value),
		gas: quantity(frame.gas_limit),
		gas_used: quantity(frame.gas_used),
		input: hex(&frame.input),
		output: hex(&frame.output),
		error,
		code_hash: hex(&frame.code_hash),
		trap,
		host_calls: frame
			.host_calls
			.iter()
			.map(|call| {
				let (result, stopped) = match &call.result {
					HostCallResult::Value(value) => (Some(*value), None),
					HostCallResult::Unit => (None, None),
					HostCallResult::Stopped(why) => (None, Some(why.clone())),
				};
				HostCallJson {
					name: call.name.clone(),
					args: call.args.clone(),
					result,
					stopped,
					call: call.nested,
					call_site: render_call_site(
						&frame.code_hash,
						call.call_site,
						known,
						debug_info,
					),
				}
			})
			.collect(),
		storage: frame
			.storage
			.iter()
			.map(|change| StorageJson {
				key: hex(&change.key),
				old: change.old.as_deref().map(hex),
				new: change.new.as_deref().map(hex),
			})
			.collect(),
		events: frame
			.events
			.iter()
			.map(|event| EventJson {
				topics: event.topics.iter().map(|topic| hex(topic)).collect(),
				data: hex(&event.data),
			})
			.collect(),
		calls: frame.calls.iter().map(|call| render_frame(call, debug_info)).collect(),
		dropped_records: None,
	}
}

pub(super) fn render_trap(trap: &TrapRecord, debug_info: &DebugInfoStore) -> TrapJson {
	let known = debug_info.contains(&trap.code_hash);
	let mut backtrace = Vec::new();
	let mut source_frames: Vec<SourceFrame> = Vec::new();
	for &offset in &trap.offsets {
		let frames =
			if known { debug_info.symbolicate(&trap.code_hash, &[offset]) } else { Vec::new() };
		if frames.is_empty() {
			backtrace.push(BacktraceJson::offset_only(offset));
		}
		backtrace.extend(frames.iter().map(|frame| BacktraceJson {
			offset,
			function: frame.function.clone(),
			file: frame.file.clone(),
			line: frame.line,
			column: frame.column,
			inlined: Some(frame.inlined),
		}));
		source_frames.extend(frames);
	}
	TrapJson {
		kind: trap.kind.clone(),
		message: trap.message.clone(),
		location: user_frame(&source_frames).map(|frame| LocationJson {
			file: frame.file.clone(),
			line: frame.line,
			column: frame.column,
			function: frame.function.clone(),
		}),
		backtrace,
	}
}

pub(super) fn render_result<R>(
	result: pallet_contracts::ContractResult<Result<R, DispatchError>, Balance, EventRecord>,
	ok: impl FnOnce(R) -> ReturnJson,
) -> DryRunResult {
	DryRunResult {
		gas_consumed: result.gas_consumed.into(),
		gas_required: result.gas_required.into(),
		storage_deposit: match result.storage_deposit {
			pallet_contracts::StorageDeposit::Charge(amount) => {
				DepositJson::Charge(quantity(amount))
			}
			pallet_contracts::StorageDeposit::Refund(amount) => {
				DepositJson::Refund(quantity(amount))
			}
		},
		debug_message: String::from_utf8_lossy(&result.debug_message).into_owned(),
		result: match result.result {
			Ok(value) => OutcomeJson::Ok(ok(value)),
			Err(e) => OutcomeJson::Err(dispatch_error_name(e)),
		},
	}
}

pub(super) fn return_json(
	value: pallet_contracts::ExecReturnValue,
	account_id: Option<String>,
) -> ReturnJson {
	ReturnJson {
		flags: value.flags.bits(),
		reverted: value.did_revert(),
		data: hex(&value.data),
		account_id,
	}
}
