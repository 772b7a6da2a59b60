//! The state a contract's host functions work on while its code runs in the sandbox.
//!
//! The sandbox suspends the contract at every host call and hands the call to the runtime; the
//! runtime finds the host function (`host_fns`) and runs it against a [`Runtime`]: the call
//! stack (`Ext`), the contract's memory on the host, and the input. A host function ends the
//! contract (`seal_return`, `terminate`, an error) by recording a [`TrapReason`] and trapping
//! the sandbox; [`Runtime::into_result`] turns the sandbox's outcome and that reason into the
//! frame's result.
//!
//! Gas: the sandbox meters Wasm instructions as fuel, one unit per instruction. The frame's
//! gas meter stays the authority: at every host call the fuel used since the last call is
//! charged to the meter (at `Schedule::instruction_weights.base` ref_time each), the host
//! function charges its own cost, and the engine continues with whatever the meter has left.

use crate::{
	exec::{ExecError, ExecResult, Ext},
	gas::ChargedAmount,
	primitives::{ExecReturnValue, ReturnFlags},
	storage::Key,
	trap::{error_name, TrapInfo},
	wasm::costs::RuntimeCosts,
	Config, Error, Limits, LOG_TARGET, SENTINEL,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeLimit, MaxEncodedLen};
use frame_support::traits::Get;
use sp_runtime::DispatchError;
use sp_sandbox::{HostCallContext, HostError, Memory, ReturnValue, TrapKind, Value};

/// The source frames of a trap backtrace (`offsets`), from the DWARF the chain keeps of the code
/// (empty without).
fn symbolicate(
	dwarf: Option<&callisto_debug_info::DwarfSections>,
	offsets: &[u32],
) -> Vec<callisto_debug_info::SourceFrame> {
	match dwarf {
		Some(dwarf) if !offsets.is_empty() => {
			callisto_debug_info::contract_debug::symbolicate_dwarf(
				dwarf.code_start,
				dwarf.code_end,
				&dwarf.sections,
				offsets.to_vec(),
			)
		}
		_ => Vec::new(),
	}
}

/// What a panic without a message was checking, read from `code` (the stripped module) where
/// the contract called the panic and the DWARF the chain keeps of it.
fn checked_arithmetic(
	dwarf: Option<&callisto_debug_info::DwarfSections>,
	code: &[u8],
	offsets: &[u32],
) -> Option<callisto_debug_info::CheckedArithmetic> {
	let dwarf = dwarf?;
	callisto_debug_info::contract_debug::checked_arithmetic(
		dwarf.code_start,
		dwarf.code_end,
		&dwarf.sections,
		code,
		offsets.to_vec(),
	)
}

/// The backtrace of a trap for the node log, innermost frame first, with source lines (the
/// pallet logs the trap's kind, message and location separately, with the event).
fn backtrace_text(
	code_hash: &[u8],
	frames: &[callisto_debug_info::SourceFrame],
) -> alloc::string::String {
	use core::fmt::Write as _;
	let mut text = alloc::format!(
		"backtrace of the trap in code 0x{}:",
		sp_core::hexdisplay::HexDisplay::from(&code_hash)
	);
	for (i, frame) in frames.iter().enumerate() {
		let _ = write!(text, "\n  {i:>2}: {frame}");
	}
	text
}

/// Nesting limit when decoding values out of contract memory.
const MAX_DECODE_NESTING: u32 = 256;

/// Return codes of host functions, as contracts know them (`pallet_contracts_uapi`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ReturnErrorCode {
	Success = 0,
	CalleeTrapped = 1,
	CalleeReverted = 2,
	KeyNotFound = 3,
	TransferFailed = 5,
	CodeNotFound = 7,
	NotCallable = 8,
	CallRuntimeFailed = 10,
	EcdsaRecoveryFailed = 11,
	Sr25519VerifyFailed = 12,
	XcmExecutionFailed = 13,
	XcmSendFailed = 14,
}

/// What `seal_return` hands back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnData {
	/// Raw flags; unknown bits are an error once the contract has stopped.
	pub flags: u32,
	pub data: Vec<u8>,
}

/// Why a host function stopped the contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrapReason {
	/// An error: the frame fails with it.
	SupervisorError(DispatchError),
	/// `seal_return`: the frame ends with this output.
	Return(ReturnData),
	/// `terminate`: the frame ends with empty output.
	Termination,
}

impl<E: Into<DispatchError>> From<E> for TrapReason {
	fn from(error: E) -> Self {
		TrapReason::SupervisorError(error.into())
	}
}

/// Flags of the `call` host functions (`pallet_contracts_uapi::CallFlags`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CallFlags(u32);

impl CallFlags {
	pub const FORWARD_INPUT: u32 = 0x01;
	pub const CLONE_INPUT: u32 = 0x02;
	pub const TAIL_CALL: u32 = 0x04;
	pub const ALLOW_REENTRY: u32 = 0x08;
	pub const READ_ONLY: u32 = 0x10;
	const ALL: u32 = 0x1f;

	/// Flags from raw bits; unknown bits are `InvalidCallFlags`.
	pub fn from_bits<T: Config>(bits: u32) -> Result<Self, DispatchError> {
		if bits & !Self::ALL != 0 {
			return Err(Error::<T>::InvalidCallFlags.into());
		}
		Ok(Self(bits))
	}

	pub fn contains(&self, flag: u32) -> bool {
		self.0 & flag == flag
	}
}

/// How a storage key is passed: the old fixed 32 bytes, or a length.
#[derive(Copy, Clone)]
pub enum KeyType {
	Fix,
	Var(u32),
}

/// What the host functions of one running contract share.
pub struct Runtime<'a, E: Ext + 'a> {
	pub(crate) ext: &'a mut E,
	/// The call's input, until the contract forwards it to a callee.
	pub(crate) input_data: Option<Vec<u8>>,
	memory: Memory,
	/// The schedule's limits, read once per run rather than at every host call.
	pub(crate) limits: Limits,
	trap_reason: Option<TrapReason>,
	/// ref_time of one unit of fuel (one Wasm instruction).
	fuel_price: u64,
	/// Fuel the engine had when it last got it from the meter.
	fuel_handed_out: u64,
	/// The host function running or last run (`module::name`), to name it in a trap.
	host_fn: &'static str,
	/// What the contract last passed to `debug_message`: an ink! debug build's panic message.
	pub(crate) last_message: Option<alloc::string::String>,
}

impl<'a, E: Ext + 'a> Runtime<'a, E> {
	/// State for running a contract on `ext` with `input_data` and its sandbox `memory`.
	pub fn new(ext: &'a mut E, input_data: Vec<u8>, memory: Memory) -> Self {
		let schedule = <E::T as Config>::Schedule::get();
		let fuel_price = u64::from(schedule.instruction_weights.base).max(1);
		let mut runtime = Self {
			ext,
			input_data: Some(input_data),
			memory,
			limits: schedule.limits,
			trap_reason: None,
			fuel_price,
			fuel_handed_out: 0,
			host_fn: "",
			last_message: None,
		};
		runtime.fuel_handed_out = runtime.fuel_from_meter();
		runtime
	}

	fn fuel_from_meter(&self) -> u64 {
		self.ext.gas_meter().gas_left().ref_time() / self.fuel_price
	}

	/// Fuel the engine starts with.
	pub fn initial_fuel(&self) -> u64 {
		self.fuel_handed_out
	}

	/// Charges the fuel the engine used since it last got fuel (it now has `fuel_left`).
	pub fn sync_from_engine(&mut self, fuel_left: u64) -> Result<(), DispatchError> {
		let used = self.fuel_handed_out.saturating_sub(fuel_left);
		self.fuel_handed_out = fuel_left;
		let ref_time = used.saturating_mul(self.fuel_price);
		self.ext.gas_meter_mut().charge(RuntimeCosts::Instructions(ref_time)).map(|_| ())
	}

	/// Fuel the engine may use from now on: what the meter has left.
	pub fn sync_to_engine(&mut self) -> u64 {
		self.fuel_handed_out = self.fuel_from_meter();
		self.fuel_handed_out
	}

	/// Runs one host function: syncs gas, charges the call, refuses state changes in read-only
	/// frames for `mutating` functions, and turns a [`TrapReason`] into a sandbox trap.
	pub fn host_call(
		&mut self,
		name: &'static str,
		args: &[Value],
		context: &mut HostCallContext,
		mutating: bool,
		body: impl FnOnce(&mut Self) -> Result<ReturnValue, TrapReason>,
	) -> Result<ReturnValue, HostError> {
		self.host_fn = name;
		let calls_before = self.ext.tracer().map(|t| t.nested_calls());
		let result = self
			.sync_from_engine(context.gas_left)
			.map_err(TrapReason::from)
			.and_then(|()| self.charge_gas(RuntimeCosts::HostFn).map_err(TrapReason::from))
			.and_then(|_| {
				if mutating && self.ext.is_read_only() {
					return Err(Error::<E::T>::StateChangeDenied.into());
				}
				body(self)
			});
		if let Some(calls_before) = calls_before {
			self.trace_host_call(name, args, context.call_site, &result, calls_before);
		}
		context.gas_left = self.sync_to_engine();
		result.map_err(|reason| {
			let stop = matches!(reason, TrapReason::Return(_) | TrapReason::Termination);
			self.trap_reason = Some(reason);
			HostError(if stop { sp_sandbox::HOST_STOP } else { 0 })
		})
	}

	fn trace_host_call(
		&mut self,
		name: &str,
		args: &[Value],
		call_site: u32,
		result: &Result<ReturnValue, TrapReason>,
		calls_before: usize,
	) {
		use callisto_debug_info::trace::HostCallResult;
		let result = match result {
			Ok(ReturnValue::Value(Value::I32(v))) => HostCallResult::Value(i64::from(*v)),
			Ok(ReturnValue::Value(Value::I64(v))) => HostCallResult::Value(*v),
			Ok(ReturnValue::Unit) => HostCallResult::Unit,
			Err(TrapReason::Return(_)) => HostCallResult::Stopped("return".into()),
			Err(TrapReason::Termination) => HostCallResult::Stopped("terminate".into()),
			Err(TrapReason::SupervisorError(error)) => {
				HostCallResult::Stopped(error_name(error).into())
			}
		};
		let args = args
			.iter()
			.map(|v| match v {
				Value::I32(v) => i64::from(*v),
				Value::I64(v) => *v,
			})
			.collect();
		if let Some(tracer) = self.ext.tracer() {
			tracer.host_call(name, args, call_site, result, calls_before);
		}
	}

	/// The frame's result from what the sandbox returned. A trap is also recorded with the
	/// call stack, symbolicated if the chain keeps debug info of `code_hash` (whose stripped
	/// module is `code`).
	pub fn into_result(
		mut self,
		outcome: Result<ReturnValue, sp_sandbox::Error>,
		code_hash: &crate::CodeHash<E::T>,
		code: &[u8],
	) -> ExecResult {
		use sp_sandbox::Error as SandboxError;
		let reason = match (&outcome, self.trap_reason.take()) {
			(Ok(_), None) | (_, Some(TrapReason::Termination)) => {
				return Ok(ExecReturnValue { flags: ReturnFlags::empty(), data: Vec::new() })
			}
			(_, Some(TrapReason::Return(ReturnData { flags, data }))) => {
				let flags = ReturnFlags::from_bits(flags)
					.ok_or(ExecError::from(Error::<E::T>::InvalidCallFlags))?;
				return Ok(ExecReturnValue { flags, data });
			}
			(_, reason) => reason,
		};
		// The frame trapped: only now are source frames worth a storage read and a host call
		// (every `seal_return` also ends in a sandbox trap).
		let offsets = match &outcome {
			Err(SandboxError::Trap(trap)) => trap.frames.clone(),
			_ => Vec::new(),
		};
		// One read of the chain's DWARF serves the frames and, for a folded panic, its check.
		let dwarf =
			if offsets.is_empty() { None } else { crate::DebugInfoOf::<E::T>::get(code_hash) };
		let frames = symbolicate(dwarf.as_ref(), &offsets);
		let (trap, result) = match (outcome, reason) {
			(_, Some(TrapReason::SupervisorError(error))) => {
				let trap = if error == Error::<E::T>::OutOfGas.into() {
					TrapInfo::out_of_gas(&frames)
				} else {
					TrapInfo::from_host(self.host_fn, error_name(&error), &frames)
				};
				(trap, Err(error.into()))
			}
			(Err(SandboxError::Trap(trap)), _) if trap.kind == TrapKind::OutOfGas => {
				(TrapInfo::out_of_gas(&frames), Err(Error::<E::T>::OutOfGas.into()))
			}
			(Err(SandboxError::Trap(trap)), _) => {
				let info =
					TrapInfo::from_engine(trap.kind, self.last_message.as_deref(), &frames, || {
						checked_arithmetic(dwarf.as_ref(), code, &offsets)
					});
				(info, Err(Error::<E::T>::ContractTrapped.into()))
			}
			(outcome, _) => {
				log::debug!(target: LOG_TARGET, "sandbox failed: {outcome:?}");
				let info = TrapInfo::from_engine(TrapKind::Other, None, &frames, || None);
				(info, Err(Error::<E::T>::ContractTrapped.into()))
			}
		};
		// Re-executions for traces would print every trap again.
		if !frames.is_empty() && self.ext.tracer().is_none() {
			log::debug!(target: LOG_TARGET, "{}", backtrace_text(code_hash.as_ref(), &frames));
		}
		self.ext.record_trap(*code_hash, TrapInfo { offsets, ..trap });
		result
	}

	/// Charges `costs` to the frame's gas meter.
	pub fn charge_gas(&mut self, costs: RuntimeCosts) -> Result<ChargedAmount, DispatchError> {
		self.ext.gas_meter_mut().charge(costs)
	}

	/// Replaces a worst-case charge by the actual `costs`.
	pub fn adjust_gas(&mut self, charged: ChargedAmount, costs: RuntimeCosts) {
		self.ext.gas_meter_mut().adjust_gas(charged, costs)
	}

	/// Largest storage value or event payload.
	pub fn max_value_size(&self) -> u32 {
		self.limits.payload_len
	}

	/// Reads `len` bytes at `ptr` of contract memory.
	pub fn read_sandbox_memory(&self, ptr: u32, len: u32) -> Result<Vec<u8>, DispatchError> {
		// No variable-length read may exceed the largest memory a contract can have.
		if len > self.limits.max_memory_size() {
			return Err(Error::<E::T>::OutOfBounds.into());
		}
		let mut buf = alloc::vec![0u8; len as usize];
		self.read_sandbox_memory_into_buf(ptr, &mut buf)?;
		Ok(buf)
	}

	/// Fills `buf` from contract memory at `ptr`.
	pub fn read_sandbox_memory_into_buf(
		&self,
		ptr: u32,
		buf: &mut [u8],
	) -> Result<(), DispatchError> {
		self.memory.get(ptr, buf).map_err(|_| Error::<E::T>::OutOfBounds.into())
	}

	/// Decodes a fixed-size value at `ptr`, from at most its maximal encoded length.
	///
	/// Like pallet-contracts 51, which decodes from `memory[ptr..]`: a pointer beyond the end
	/// of memory is `OutOfBounds`, a value cut off by the end (`ptr` at or just before the end)
	/// is `DecodingFailed`.
	pub fn read_sandbox_memory_as<D: Decode + MaxEncodedLen>(
		&self,
		ptr: u32,
	) -> Result<D, DispatchError> {
		let mut buf = alloc::vec![0u8; D::max_encoded_len()];
		if self.memory.get(ptr, &mut buf).is_err() {
			let available = self.bytes_inside_memory(ptr, buf.len())?;
			buf.truncate(available);
			self.read_sandbox_memory_into_buf(ptr, &mut buf)?;
		}
		D::decode_with_depth_limit(MAX_DECODE_NESTING, &mut &buf[..])
			.map_err(|_| Error::<E::T>::DecodingFailed.into())
	}

	/// How many of the `len` bytes from `ptr` lie inside memory, for a range known to end
	/// beyond it; `OutOfBounds` if `ptr` itself lies beyond the end (the end itself is inside:
	/// an empty range there is valid, as in pallet-contracts 51).
	fn bytes_inside_memory(&self, ptr: u32, len: usize) -> Result<usize, DispatchError> {
		let fits = |n: usize| self.memory.get(ptr, &mut alloc::vec![0u8; n]).is_ok();
		if !fits(0) {
			return Err(Error::<E::T>::OutOfBounds.into());
		}
		// `inside` bytes fit, `outside` do not; `len` is small (a fixed-size value).
		let (mut inside, mut outside) = (0, len);
		while outside - inside > 1 {
			let mid = inside + (outside - inside) / 2;
			if fits(mid) {
				inside = mid;
			} else {
				outside = mid;
			}
		}
		Ok(inside)
	}

	/// Decodes a value of exactly `len` bytes at `ptr`.
	pub fn read_sandbox_memory_as_unbounded<D: Decode>(
		&self,
		ptr: u32,
		len: u32,
	) -> Result<D, DispatchError> {
		let buf = self.read_sandbox_memory(ptr, len)?;
		D::decode_all_with_depth_limit(MAX_DECODE_NESTING, &mut &buf[..])
			.map_err(|_| Error::<E::T>::DecodingFailed.into())
	}

	/// Writes `buf` at `ptr` of contract memory.
	pub fn write_sandbox_memory(&self, ptr: u32, buf: &[u8]) -> Result<(), DispatchError> {
		self.memory.set(ptr, buf).map_err(|_| Error::<E::T>::OutOfBounds.into())
	}

	/// The output protocol: writes `buf` at `out_ptr` if the capacity stored at `out_len_ptr`
	/// is large enough, then its length at `out_len_ptr`. With `allow_skip`, `out_ptr ==
	/// SENTINEL` writes nothing. `costs` gives the charge for copying `buf.len()` bytes.
	pub fn write_sandbox_output(
		&mut self,
		out_ptr: u32,
		out_len_ptr: u32,
		buf: &[u8],
		allow_skip: bool,
		costs: impl FnOnce(u32) -> Option<RuntimeCosts>,
	) -> Result<(), DispatchError> {
		if allow_skip && out_ptr == SENTINEL {
			return Ok(());
		}
		let len = buf.len() as u32;
		let capacity: u32 = self.read_sandbox_memory_as(out_len_ptr)?;
		if len > capacity {
			return Err(Error::<E::T>::OutputBufferTooSmall.into());
		}
		if let Some(costs) = costs(len) {
			self.charge_gas(costs)?;
		}
		self.write_sandbox_memory(out_ptr, buf)?;
		self.write_sandbox_memory(out_len_ptr, &len.to_le_bytes())
	}

	/// Writes a fixed-size output without a length pointer (hashes, keys).
	pub fn write_fixed_output(&mut self, out_ptr: u32, buf: &[u8]) -> Result<(), DispatchError> {
		self.write_sandbox_memory(out_ptr, buf)
	}

	/// Reads a storage key passed as `key_type`.
	pub fn decode_key(&self, key_ptr: u32, key_type: KeyType) -> Result<Key, DispatchError> {
		match key_type {
			KeyType::Fix => {
				let mut key = [0u8; 32];
				self.read_sandbox_memory_into_buf(key_ptr, &mut key)?;
				Ok(Key::Fix(key))
			}
			KeyType::Var(len) => {
				if len > <E::T as Config>::MaxStorageKeyLen::get() {
					return Err(Error::<E::T>::DecodingFailed.into());
				}
				let key = self.read_sandbox_memory(key_ptr, len)?;
				Key::try_from_var::<E::T>(key).map_err(|_| Error::<E::T>::DecodingFailed.into())
			}
		}
	}

	/// The return code a contract sees for a failed operation, or the error that traps it.
	pub fn err_into_return_code(error: DispatchError) -> Result<ReturnErrorCode, DispatchError> {
		use ReturnErrorCode::*;
		let code = match error {
			e if e == Error::<E::T>::TransferFailed.into() => TransferFailed,
			e if e == Error::<E::T>::CodeNotFound.into() => CodeNotFound,
			e if e == Error::<E::T>::ContractNotFound.into() => NotCallable,
			e => return Err(e),
		};
		Ok(code)
	}

	/// The return code of a nested call or instantiation: the callee's failures are codes,
	/// failures on the caller's side trap the caller.
	pub fn exec_into_return_code(result: ExecResult) -> Result<ReturnErrorCode, DispatchError> {
		use crate::exec::ErrorOrigin;
		match result {
			Ok(ret) if ret.did_revert() => Ok(ReturnErrorCode::CalleeReverted),
			Ok(_) => Ok(ReturnErrorCode::Success),
			Err(ExecError { origin: ErrorOrigin::Callee, .. }) => {
				Ok(ReturnErrorCode::CalleeTrapped)
			}
			Err(ExecError { error, .. }) => Self::err_into_return_code(error),
		}
	}
}

/// Reads host-function arguments out of the sandbox's values.
pub struct Args<'v>(core::slice::Iter<'v, Value>);

impl<'v> Args<'v> {
	pub fn new(args: &'v [Value]) -> Self {
		Self(args.iter())
	}

	/// The next argument as `A`; a missing or mistyped one is a trap (the signature was
	/// checked on upload, so this only guards against a broken sandbox).
	pub fn next<A: FromValue, T: Config>(&mut self) -> Result<A, TrapReason> {
		self.0.next().and_then(A::from_value).ok_or_else(|| Error::<T>::ContractTrapped.into())
	}

	/// Fails if arguments are left over.
	pub fn finish<T: Config>(mut self) -> Result<(), TrapReason> {
		match self.0.next() {
			None => Ok(()),
			Some(_) => Err(Error::<T>::ContractTrapped.into()),
		}
	}
}

/// A Rust type of a host-function parameter.
pub trait FromValue: Sized {
	/// Its Wasm type.
	const TYPE: super::module::ValType;
	fn from_value(value: &Value) -> Option<Self>;
}

impl FromValue for u32 {
	const TYPE: super::module::ValType = super::module::ValType::I32;
	fn from_value(value: &Value) -> Option<Self> {
		match value {
			Value::I32(v) => Some(*v as u32),
			_ => None,
		}
	}
}

impl FromValue for u64 {
	const TYPE: super::module::ValType = super::module::ValType::I64;
	fn from_value(value: &Value) -> Option<Self> {
		match value {
			Value::I64(v) => Some(*v as u64),
			_ => None,
		}
	}
}

/// A Rust type of a host-function result.
pub trait IntoReturn {
	/// Its Wasm type, `None` for no result.
	const TYPE: Option<super::module::ValType>;
	fn into_return(self) -> ReturnValue;
}

impl IntoReturn for () {
	const TYPE: Option<super::module::ValType> = None;
	fn into_return(self) -> ReturnValue {
		ReturnValue::Unit
	}
}

impl IntoReturn for u32 {
	const TYPE: Option<super::module::ValType> = Some(super::module::ValType::I32);
	fn into_return(self) -> ReturnValue {
		ReturnValue::Value(Value::I32(self as i32))
	}
}

impl IntoReturn for u64 {
	const TYPE: Option<super::module::ValType> = Some(super::module::ValType::I64);
	fn into_return(self) -> ReturnValue {
		ReturnValue::Value(Value::I64(self as i64))
	}
}

impl IntoReturn for ReturnErrorCode {
	const TYPE: Option<super::module::ValType> = Some(super::module::ValType::I32);
	fn into_return(self) -> ReturnValue {
		ReturnValue::Value(Value::I32(self as u32 as i32))
	}
}
