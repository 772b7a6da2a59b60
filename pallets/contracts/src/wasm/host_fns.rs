//! The contract host API: every function a contract may import, defined once.
//!
//! Each definition below gives the import module (`seal0`, `seal1`, `seal2`), the name, the
//! Rust signature (`u32` is Wasm `i32`, `u64` is `i64`), its flags and its body. From that one
//! definition the macro derives the sandbox entry point, the signature checked on upload, and
//! [`HOST_FUNCTIONS`], from which `docs/HOST_FUNCTIONS.md` is generated (a test keeps it in
//! sync). Flags:
//! - `alias`: also importable as `seal_<name>` in the same module (what ink! 4 and older use);
//! - `mutating`: traps with `StateChangeDenied` in a read-only frame;
//! - `deprecated`: only linked for the `call` entry point, never accepted on upload;
//! - `unstable`: only linked when `Config::UnsafeUnstableInterface` is true.
//!
//! Semantics follow pallet-contracts 51 (return codes, the output-buffer protocol, call flags,
//! sentinels); see `docs/CONTRACTS_INTERFACE.md` §4.

use super::{
	costs::RuntimeCosts,
	module::ValType,
	runtime::{
		Args, CallFlags, FromValue, IntoReturn, KeyType, ReturnData, ReturnErrorCode, Runtime,
		TrapReason,
	},
};
use crate::{
	exec::Ext, storage::WriteOutcome, AccountIdOf, BalanceOf, CodeHash, Config, Error, MomentOf,
	SENTINEL,
};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	dispatch::{extract_actual_weight, GetDispatchInfo},
	traits::{Get, Randomness},
	weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{Convert, Zero};
use sp_sandbox::{HostCallContext, HostError, MeteredHostFuncType, ReturnValue, Value};

/// Flag bits of a host function.
#[allow(non_upper_case_globals)]
pub mod flags {
	pub const alias: u8 = 1;
	pub const mutating: u8 = 2;
	pub const deprecated: u8 = 4;
	pub const unstable: u8 = 8;
}

/// A host function's description: what linking, validation and the docs need.
#[derive(Debug)]
pub struct HostFnInfo {
	pub module: &'static str,
	pub name: &'static str,
	pub flags: u8,
	pub params: &'static [(&'static str, ValType)],
	pub result: Option<ValType>,
	pub doc: &'static str,
}

impl HostFnInfo {
	fn has(&self, flag: u8) -> bool {
		self.flags & flag != 0
	}

	/// Whether the import `module.name` refers to this function.
	fn matches(&self, module: &[u8], name: &[u8]) -> bool {
		if module != self.module.as_bytes() {
			return false;
		}
		name == self.name.as_bytes()
			|| (self.has(flags::alias)
				&& name.strip_prefix(b"seal_").is_some_and(|rest| rest == self.name.as_bytes()))
	}

	/// Whether the function may be linked.
	fn available(&self, allow_deprecated: bool, allow_unstable: bool) -> bool {
		(allow_deprecated || !self.has(flags::deprecated))
			&& (allow_unstable || !self.has(flags::unstable))
	}

	/// Whether a Wasm import of type `params -> results` has this function's signature.
	pub fn signature_matches(&self, params: &[ValType], results: &[ValType]) -> bool {
		self.params.len() == params.len()
			&& self.params.iter().zip(params).all(|((_, a), b)| a == b)
			&& results == self.result.as_slice()
	}
}

/// Finds the host function an import refers to, if it may be linked.
pub fn lookup(
	module: &[u8],
	name: &[u8],
	allow_deprecated: bool,
	allow_unstable: bool,
) -> Option<(usize, &'static HostFnInfo)> {
	HOST_FUNCTIONS
		.iter()
		.enumerate()
		.find(|(_, f)| f.matches(module, name) && f.available(allow_deprecated, allow_unstable))
}

macro_rules! host_functions {
	($(
		$module:ident {
			$(
				$(#[doc = $doc:literal])*
				#[host($($flag:ident),*)]
				fn $name:ident($ctx:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty $body:block
			)*
		}
	)*) => {
		$(
			#[allow(non_snake_case, clippy::too_many_arguments)]
			mod $module {
				use super::*;
				$(
					$(#[doc = $doc])*
					pub fn $name<'a, E: Ext + 'a>(
						ctx: &mut Runtime<'a, E>,
						context: &mut HostCallContext,
						args: &[Value],
					) -> Result<ReturnValue, HostError> {
						fn body<'a, E: Ext + 'a>(
							$ctx: &mut Runtime<'a, E> $(, $arg: $ty)*
						) -> Result<$ret, TrapReason> $body

						const FLAGS: u8 = 0 $(| flags::$flag)*;
						const NAME: &str = concat!(stringify!($module), "::", stringify!($name));
						ctx.host_call(NAME, args, context, FLAGS & flags::mutating != 0, |ctx| {
							#[allow(unused_mut)]
							let mut args = Args::new(args);
							$(let $arg = args.next::<$ty, E::T>()?;)*
							args.finish::<E::T>()?;
							body(ctx $(, $arg)*).map(IntoReturn::into_return)
						})
					}
				)*
			}
		)*

		/// Every host function, in definition order.
		pub static HOST_FUNCTIONS: &[HostFnInfo] = &[$($(
			HostFnInfo {
				module: stringify!($module),
				name: stringify!($name),
				flags: 0 $(| flags::$flag)*,
				params: &[$((stringify!($arg), <$ty as FromValue>::TYPE)),*],
				result: <$ret as IntoReturn>::TYPE,
				doc: concat!($($doc, "\n"),*),
			},
		)*)*];

		/// The sandbox entry point of `HOST_FUNCTIONS[index]`.
		pub fn entry_point<'a, E: Ext + 'a>(index: usize) -> MeteredHostFuncType<Runtime<'a, E>> {
			let table: &[MeteredHostFuncType<Runtime<'a, E>>] = &[$($($module::$name::<E>,)*)*];
			table[index]
		}
	};
}

/// The Wasm signature of a parameter that is a fixed-size value's length, ignored by design.
type Unused = u32;

/// Shared body of the `set_storage` versions.
fn write_storage<E: Ext>(
	ctx: &mut Runtime<'_, E>,
	key_type: KeyType,
	key_ptr: u32,
	value_ptr: u32,
	value_len: u32,
) -> Result<u32, TrapReason> {
	let max_size = ctx.max_value_size();
	let charged = ctx.charge_gas(RuntimeCosts::SetStorage { new: value_len, old: max_size })?;
	if value_len > max_size {
		return Err(Error::<E::T>::ValueTooLarge.into());
	}
	let key = ctx.decode_key(key_ptr, key_type)?;
	let value = ctx.read_sandbox_memory(value_ptr, value_len)?;
	let outcome = ctx.ext.set_storage(&key, Some(value), false)?;
	ctx.adjust_gas(charged, RuntimeCosts::SetStorage { new: value_len, old: outcome.old_len() });
	Ok(outcome.old_len_with_sentinel())
}

/// Shared body of the `clear_storage` versions.
fn remove_storage<E: Ext>(
	ctx: &mut Runtime<'_, E>,
	key_type: KeyType,
	key_ptr: u32,
) -> Result<u32, TrapReason> {
	let charged = ctx.charge_gas(RuntimeCosts::RemoveStorage(ctx.max_value_size()))?;
	let key = ctx.decode_key(key_ptr, key_type)?;
	let outcome = ctx.ext.set_storage(&key, None, false)?;
	ctx.adjust_gas(charged, RuntimeCosts::RemoveStorage(outcome.old_len()));
	Ok(outcome.old_len_with_sentinel())
}

/// Shared body of the `get_storage` versions.
fn read_storage<E: Ext>(
	ctx: &mut Runtime<'_, E>,
	key_type: KeyType,
	key_ptr: u32,
	out_ptr: u32,
	out_len_ptr: u32,
) -> Result<ReturnErrorCode, TrapReason> {
	let charged = ctx.charge_gas(RuntimeCosts::ReadStorage(ctx.max_value_size()))?;
	let key = ctx.decode_key(key_ptr, key_type)?;
	match ctx.ext.get_storage(&key) {
		Some(value) => {
			ctx.adjust_gas(charged, RuntimeCosts::ReadStorage(value.len() as u32));
			ctx.write_sandbox_output(out_ptr, out_len_ptr, &value, false, |_| None)?;
			Ok(ReturnErrorCode::Success)
		}
		None => {
			ctx.adjust_gas(charged, RuntimeCosts::ReadStorage(0));
			Ok(ReturnErrorCode::KeyNotFound)
		}
	}
}

/// Shared body of the `contains_storage` versions.
fn storage_size<E: Ext>(
	ctx: &mut Runtime<'_, E>,
	key_type: KeyType,
	key_ptr: u32,
) -> Result<u32, TrapReason> {
	let charged = ctx.charge_gas(RuntimeCosts::ReadStorage(ctx.max_value_size()))?;
	let key = ctx.decode_key(key_ptr, key_type)?;
	let size = ctx.ext.get_storage_size(&key);
	ctx.adjust_gas(charged, RuntimeCosts::ReadStorage(size.unwrap_or(0)));
	Ok(size.unwrap_or(SENTINEL))
}

/// Who a `call` goes to.
enum CallType {
	Call { callee_ptr: u32, value_ptr: u32, deposit_ptr: u32, weight: Weight },
	DelegateCall { code_hash_ptr: u32 },
}

/// Shared body of `call` and `delegate_call`.
fn call_contract<E: Ext>(
	ctx: &mut Runtime<'_, E>,
	flags: u32,
	call_type: CallType,
	input_ptr: u32,
	input_len: u32,
	out_ptr: u32,
	out_len_ptr: u32,
) -> Result<ReturnErrorCode, TrapReason> {
	let flags = CallFlags::from_bits::<E::T>(flags)?;
	ctx.charge_gas(RuntimeCosts::CallBase)?;
	let input_data = if flags.contains(CallFlags::CLONE_INPUT) {
		let input = ctx.input_data.as_ref().ok_or(Error::<E::T>::InputForwarded)?;
		let len = input.len() as u32;
		let input = input.clone();
		ctx.charge_gas(RuntimeCosts::CopyFromContract(len))?;
		input
	} else if flags.contains(CallFlags::FORWARD_INPUT) {
		ctx.input_data.take().ok_or(Error::<E::T>::InputForwarded)?
	} else {
		ctx.charge_gas(RuntimeCosts::CopyFromContract(input_len))?;
		ctx.read_sandbox_memory(input_ptr, input_len)?
	};
	let outcome = match call_type {
		CallType::Call { callee_ptr, value_ptr, deposit_ptr, weight } => {
			let callee: AccountIdOf<E::T> = ctx.read_sandbox_memory_as(callee_ptr)?;
			let deposit_limit: BalanceOf<E::T> = if deposit_ptr == SENTINEL {
				Zero::zero()
			} else {
				ctx.read_sandbox_memory_as(deposit_ptr)?
			};
			let read_only = flags.contains(CallFlags::READ_ONLY);
			let value: BalanceOf<E::T> = ctx.read_sandbox_memory_as(value_ptr)?;
			if !value.is_zero() {
				if read_only || ctx.ext.is_read_only() {
					return Err(Error::<E::T>::StateChangeDenied.into());
				}
				ctx.charge_gas(RuntimeCosts::Transfer)?;
			}
			ctx.ext.call(
				weight,
				deposit_limit,
				callee,
				value,
				input_data,
				flags.contains(CallFlags::ALLOW_REENTRY),
				read_only,
			)
		}
		CallType::DelegateCall { code_hash_ptr } => {
			if flags.contains(CallFlags::ALLOW_REENTRY) || flags.contains(CallFlags::READ_ONLY) {
				return Err(Error::<E::T>::InvalidCallFlags.into());
			}
			let code_hash: CodeHash<E::T> = ctx.read_sandbox_memory_as(code_hash_ptr)?;
			ctx.ext.delegate_call(code_hash, input_data)
		}
	};
	if flags.contains(CallFlags::TAIL_CALL) {
		if let Ok(ret) = outcome {
			return Err(TrapReason::Return(ReturnData { flags: ret.flags.bits(), data: ret.data }));
		}
	}
	if let Ok(ret) = &outcome {
		ctx.write_sandbox_output(out_ptr, out_len_ptr, &ret.data, true, |len| {
			Some(RuntimeCosts::CopyToContract(len))
		})?;
	}
	Ok(Runtime::<E>::exec_into_return_code(outcome)?)
}

/// Shared body of the `instantiate` versions.
fn instantiate_contract<E: Ext>(
	ctx: &mut Runtime<'_, E>,
	code_hash_ptr: u32,
	weight: Weight,
	deposit_ptr: u32,
	value_ptr: u32,
	input_ptr: u32,
	input_len: u32,
	address_ptr: u32,
	address_len_ptr: u32,
	out_ptr: u32,
	out_len_ptr: u32,
	salt_ptr: u32,
	salt_len: u32,
) -> Result<ReturnErrorCode, TrapReason> {
	ctx.charge_gas(RuntimeCosts::Instantiate { input_data_len: input_len, salt_len })?;
	let deposit_limit: BalanceOf<E::T> = if deposit_ptr == SENTINEL {
		Zero::zero()
	} else {
		ctx.read_sandbox_memory_as(deposit_ptr)?
	};
	let value: BalanceOf<E::T> = ctx.read_sandbox_memory_as(value_ptr)?;
	let code_hash: CodeHash<E::T> = ctx.read_sandbox_memory_as(code_hash_ptr)?;
	let input_data = ctx.read_sandbox_memory(input_ptr, input_len)?;
	let salt = ctx.read_sandbox_memory(salt_ptr, salt_len)?;
	let outcome = ctx.ext.instantiate(weight, deposit_limit, code_hash, value, input_data, &salt);
	if let Ok((address, ret)) = &outcome {
		if !ret.did_revert() {
			ctx.write_sandbox_output(
				address_ptr,
				address_len_ptr,
				&address.encode(),
				true,
				|_| None,
			)?;
		}
		ctx.write_sandbox_output(out_ptr, out_len_ptr, &ret.data, true, |len| {
			Some(RuntimeCosts::CopyToContract(len))
		})?;
	}
	Ok(Runtime::<E>::exec_into_return_code(outcome.map(|(_, ret)| ret))?)
}

/// Shared body of the `terminate` versions.
fn terminate_contract<E: Ext>(
	ctx: &mut Runtime<'_, E>,
	beneficiary_ptr: u32,
) -> Result<(), TrapReason> {
	ctx.charge_gas(RuntimeCosts::Terminate)?;
	let beneficiary: AccountIdOf<E::T> = ctx.read_sandbox_memory_as(beneficiary_ptr)?;
	ctx.ext.terminate(&beneficiary)?;
	Err(TrapReason::Termination)
}

/// Writes a SCALE-encoded value through the output protocol (already charged as a query).
fn write_value<E: Ext>(
	ctx: &mut Runtime<'_, E>,
	out_ptr: u32,
	out_len_ptr: u32,
	value: impl Encode,
) -> Result<(), TrapReason> {
	Ok(ctx.write_sandbox_output(out_ptr, out_len_ptr, &value.encode(), false, |_| None)?)
}

/// Hashes `input_len` bytes at `input_ptr` with `hash` and writes the digest at `output_ptr`.
fn hash_into<E: Ext, const N: usize>(
	ctx: &mut Runtime<'_, E>,
	hash: fn(&[u8]) -> [u8; N],
	input_ptr: u32,
	input_len: u32,
	output_ptr: u32,
) -> Result<(), TrapReason> {
	ctx.charge_gas(RuntimeCosts::Hash(input_len))?;
	let input = ctx.read_sandbox_memory(input_ptr, input_len)?;
	Ok(ctx.write_fixed_output(output_ptr, &hash(&input))?)
}

/// `random` of both versions: the output of `T::Randomness` for a subject.
fn randomness<E: Ext>(
	ctx: &mut Runtime<'_, E>,
	subject_ptr: u32,
	subject_len: u32,
) -> Result<(<E::T as frame_system::Config>::Hash, BlockNumberFor<E::T>), TrapReason> {
	ctx.charge_gas(RuntimeCosts::StorageQuery)?;
	if subject_len > ctx.limits.subject_len {
		return Err(Error::<E::T>::RandomSubjectTooLong.into());
	}
	let subject = ctx.read_sandbox_memory(subject_ptr, subject_len)?;
	Ok(<E::T as Config>::Randomness::random(&subject))
}

host_functions! {
	seal0 {
		/// Sets the value at a fixed 32-byte key.
		#[host(alias, mutating)]
		fn set_storage(ctx, key_ptr: u32, value_ptr: u32, value_len: u32) -> () {
			write_storage(ctx, KeyType::Fix, key_ptr, value_ptr, value_len).map(|_| ())
		}

		/// Removes the value at a fixed 32-byte key.
		#[host(alias, mutating)]
		fn clear_storage(ctx, key_ptr: u32) -> () {
			remove_storage(ctx, KeyType::Fix, key_ptr).map(|_| ())
		}

		/// Reads the value at a fixed 32-byte key: `Success` or `KeyNotFound`.
		#[host(alias)]
		fn get_storage(ctx, key_ptr: u32, out_ptr: u32, out_len_ptr: u32) -> ReturnErrorCode {
			read_storage(ctx, KeyType::Fix, key_ptr, out_ptr, out_len_ptr)
		}

		/// The size of the value at a fixed 32-byte key, or `SENTINEL` if there is none.
		#[host(alias)]
		fn contains_storage(ctx, key_ptr: u32) -> u32 {
			storage_size(ctx, KeyType::Fix, key_ptr)
		}

		/// Reads and removes the value at a variable-length key: `Success` or `KeyNotFound`.
		#[host(alias, mutating)]
		fn take_storage(ctx, key_ptr: u32, key_len: u32, out_ptr: u32, out_len_ptr: u32) -> ReturnErrorCode {
			let charged = ctx.charge_gas(RuntimeCosts::RemoveStorage(ctx.max_value_size()))?;
			let key = ctx.decode_key(key_ptr, KeyType::Var(key_len))?;
			match ctx.ext.set_storage(&key, None, true)? {
				WriteOutcome::Taken(value) => {
					ctx.adjust_gas(charged, RuntimeCosts::RemoveStorage(value.len() as u32));
					ctx.write_sandbox_output(out_ptr, out_len_ptr, &value, false, |_| None)?;
					Ok(ReturnErrorCode::Success)
				}
				_ => {
					ctx.adjust_gas(charged, RuntimeCosts::RemoveStorage(0));
					Ok(ReturnErrorCode::KeyNotFound)
				}
			}
		}

		/// Sets a value of the contract's transient storage (gone when the call stack ends);
		/// returns the old value's size or `SENTINEL`. Allowed in read-only frames.
		#[host(unstable)]
		fn set_transient_storage(ctx, key_ptr: u32, key_len: u32, value_ptr: u32, value_len: u32) -> u32 {
			ctx.charge_gas(RuntimeCosts::TransientStorage(value_len))?;
			if value_len > ctx.max_value_size() {
				return Err(Error::<E::T>::ValueTooLarge.into());
			}
			let key = ctx.decode_key(key_ptr, KeyType::Var(key_len))?;
			let value = ctx.read_sandbox_memory(value_ptr, value_len)?;
			Ok(ctx.ext.set_transient_storage(&key, Some(value), false)?.old_len_with_sentinel())
		}

		/// Removes a value of the transient storage; returns its size or `SENTINEL`.
		#[host(unstable)]
		fn clear_transient_storage(ctx, key_ptr: u32, key_len: u32) -> u32 {
			ctx.charge_gas(RuntimeCosts::TransientStorage(0))?;
			let key = ctx.decode_key(key_ptr, KeyType::Var(key_len))?;
			Ok(ctx.ext.set_transient_storage(&key, None, false)?.old_len_with_sentinel())
		}

		/// Reads a value of the transient storage: `Success` or `KeyNotFound`.
		#[host(unstable)]
		fn get_transient_storage(ctx, key_ptr: u32, key_len: u32, out_ptr: u32, out_len_ptr: u32) -> ReturnErrorCode {
			ctx.charge_gas(RuntimeCosts::TransientStorage(0))?;
			let key = ctx.decode_key(key_ptr, KeyType::Var(key_len))?;
			match ctx.ext.get_transient_storage(&key) {
				Some(value) => {
					ctx.write_sandbox_output(out_ptr, out_len_ptr, &value, false, |len| {
						Some(RuntimeCosts::CopyToContract(len))
					})?;
					Ok(ReturnErrorCode::Success)
				}
				None => Ok(ReturnErrorCode::KeyNotFound),
			}
		}

		/// The size of a transient-storage value, or `SENTINEL`.
		#[host(unstable)]
		fn contains_transient_storage(ctx, key_ptr: u32, key_len: u32) -> u32 {
			ctx.charge_gas(RuntimeCosts::TransientStorage(0))?;
			let key = ctx.decode_key(key_ptr, KeyType::Var(key_len))?;
			Ok(ctx.ext.get_transient_storage(&key).map_or(SENTINEL, |v| v.len() as u32))
		}

		/// Reads and removes a transient-storage value: `Success` or `KeyNotFound`.
		#[host(unstable)]
		fn take_transient_storage(ctx, key_ptr: u32, key_len: u32, out_ptr: u32, out_len_ptr: u32) -> ReturnErrorCode {
			ctx.charge_gas(RuntimeCosts::TransientStorage(0))?;
			let key = ctx.decode_key(key_ptr, KeyType::Var(key_len))?;
			match ctx.ext.set_transient_storage(&key, None, true)? {
				WriteOutcome::Taken(value) => {
					ctx.write_sandbox_output(out_ptr, out_len_ptr, &value, false, |len| {
						Some(RuntimeCosts::CopyToContract(len))
					})?;
					Ok(ReturnErrorCode::Success)
				}
				_ => Ok(ReturnErrorCode::KeyNotFound),
			}
		}

		/// Transfers value from the contract, keeping it alive: `Success` or `TransferFailed`.
		#[host(alias, mutating)]
		fn transfer(ctx, account_ptr: u32, _account_len: Unused, value_ptr: u32, _value_len: Unused) -> ReturnErrorCode {
			ctx.charge_gas(RuntimeCosts::Transfer)?;
			let to: AccountIdOf<E::T> = ctx.read_sandbox_memory_as(account_ptr)?;
			let value: BalanceOf<E::T> = ctx.read_sandbox_memory_as(value_ptr)?;
			match ctx.ext.transfer(&to, value) {
				Ok(()) => Ok(ReturnErrorCode::Success),
				Err(error) => Ok(Runtime::<E>::err_into_return_code(error)?),
			}
		}

		/// Calls a contract, allowing reentry, with a ref_time limit and no own deposit limit.
		#[host(alias)]
		fn call(
			ctx,
			callee_ptr: u32,
			_callee_len: Unused,
			gas: u64,
			value_ptr: u32,
			_value_len: Unused,
			input_ptr: u32,
			input_len: u32,
			out_ptr: u32,
			out_len_ptr: u32,
		) -> ReturnErrorCode {
			let call_type = CallType::Call {
				callee_ptr,
				value_ptr,
				deposit_ptr: SENTINEL,
				weight: Weight::from_parts(gas, 0),
			};
			call_contract(ctx, CallFlags::ALLOW_REENTRY, call_type, input_ptr, input_len, out_ptr, out_len_ptr)
		}

		/// Runs another contract's code on this contract's account and storage.
		#[host(alias)]
		fn delegate_call(
			ctx,
			flags: u32,
			code_hash_ptr: u32,
			input_ptr: u32,
			input_len: u32,
			out_ptr: u32,
			out_len_ptr: u32,
		) -> ReturnErrorCode {
			let call_type = CallType::DelegateCall { code_hash_ptr };
			call_contract(ctx, flags, call_type, input_ptr, input_len, out_ptr, out_len_ptr)
		}

		/// Instantiates a contract with a ref_time limit.
		#[host(alias, mutating)]
		fn instantiate(
			ctx,
			code_hash_ptr: u32,
			_code_hash_len: Unused,
			gas: u64,
			value_ptr: u32,
			_value_len: Unused,
			input_ptr: u32,
			input_len: u32,
			address_ptr: u32,
			address_len_ptr: u32,
			out_ptr: u32,
			out_len_ptr: u32,
			salt_ptr: u32,
			salt_len: u32,
		) -> ReturnErrorCode {
			instantiate_contract(
				ctx, code_hash_ptr, Weight::from_parts(gas, 0), SENTINEL, value_ptr, input_ptr,
				input_len, address_ptr, address_len_ptr, out_ptr, out_len_ptr, salt_ptr, salt_len,
			)
		}

		/// Removes the contract and sends its balance to the beneficiary. Never returns.
		#[host(alias, mutating)]
		fn terminate(ctx, beneficiary_ptr: u32, _beneficiary_len: Unused) -> () {
			terminate_contract(ctx, beneficiary_ptr)
		}

		/// Copies the call's input; traps with `InputForwarded` once it was forwarded.
		#[host(alias)]
		fn input(ctx, out_ptr: u32, out_len_ptr: u32) -> () {
			let input = ctx.input_data.take().ok_or(Error::<E::T>::InputForwarded)?;
			let written = ctx.write_sandbox_output(out_ptr, out_len_ptr, &input, false, |len| {
				Some(RuntimeCosts::CopyToContract(len))
			});
			ctx.input_data = Some(input);
			Ok(written?)
		}

		/// Ends the call with flags (`REVERT` = 1) and output data.
		#[host()]
		fn seal_return(ctx, flags: u32, data_ptr: u32, data_len: u32) -> () {
			ctx.charge_gas(RuntimeCosts::CopyFromContract(data_len))?;
			let data = ctx.read_sandbox_memory(data_ptr, data_len)?;
			Err(TrapReason::Return(ReturnData { flags, data }))
		}

		/// The caller's account; traps with `RootNotAllowed` for root.
		#[host(alias)]
		fn caller(ctx, out_ptr: u32, out_len_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::Query)?;
			let caller = ctx.ext.caller().account_id()?.clone();
			write_value(ctx, out_ptr, out_len_ptr, caller)
		}

		/// 1 if the account is a contract, else 0.
		#[host(alias)]
		fn is_contract(ctx, account_ptr: u32) -> u32 {
			ctx.charge_gas(RuntimeCosts::StorageQuery)?;
			let account: AccountIdOf<E::T> = ctx.read_sandbox_memory_as(account_ptr)?;
			Ok(ctx.ext.is_contract(&account) as u32)
		}

		/// The code hash of a contract: `Success` or `KeyNotFound`.
		#[host(alias)]
		fn code_hash(ctx, account_ptr: u32, out_ptr: u32, out_len_ptr: u32) -> ReturnErrorCode {
			ctx.charge_gas(RuntimeCosts::StorageQuery)?;
			let account: AccountIdOf<E::T> = ctx.read_sandbox_memory_as(account_ptr)?;
			match ctx.ext.code_hash(&account) {
				Some(hash) => {
					write_value(ctx, out_ptr, out_len_ptr, hash)?;
					Ok(ReturnErrorCode::Success)
				}
				None => Ok(ReturnErrorCode::KeyNotFound),
			}
		}

		/// The running contract's code hash.
		#[host(alias)]
		fn own_code_hash(ctx, out_ptr: u32, out_len_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::Query)?;
			let hash = ctx.ext.own_code_hash();
			write_value(ctx, out_ptr, out_len_ptr, hash)
		}

		/// 1 if the caller is the origin of the whole call stack, else 0.
		#[host(alias)]
		fn caller_is_origin(ctx) -> u32 {
			ctx.charge_gas(RuntimeCosts::Query)?;
			Ok(ctx.ext.caller_is_origin() as u32)
		}

		/// 1 if the caller is root, else 0.
		#[host()]
		fn caller_is_root(ctx) -> u32 {
			ctx.charge_gas(RuntimeCosts::Query)?;
			Ok(ctx.ext.caller_is_root() as u32)
		}

		/// The running contract's account.
		#[host(alias)]
		fn address(ctx, out_ptr: u32, out_len_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::Query)?;
			let address = ctx.ext.address().clone();
			write_value(ctx, out_ptr, out_len_ptr, address)
		}

		/// The fee for a ref_time amount.
		#[host(alias)]
		fn weight_to_fee(ctx, gas: u64, out_ptr: u32, out_len_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::Query)?;
			let fee = <E::T as Config>::WeightPrice::convert(Weight::from_parts(gas, 0));
			write_value(ctx, out_ptr, out_len_ptr, fee)
		}

		/// The ref_time left in this frame, as `u64`.
		#[host(alias)]
		fn gas_left(ctx, out_ptr: u32, out_len_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::Query)?;
			let left = ctx.ext.gas_meter().gas_left().ref_time();
			write_value(ctx, out_ptr, out_len_ptr, left)
		}

		/// The contract's spendable balance (free minus the existential deposit).
		#[host(alias)]
		fn balance(ctx, out_ptr: u32, out_len_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::StorageQuery)?;
			let balance = ctx.ext.balance();
			write_value(ctx, out_ptr, out_len_ptr, balance)
		}

		/// The value transferred with this call.
		#[host(alias)]
		fn value_transferred(ctx, out_ptr: u32, out_len_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::Query)?;
			let value = ctx.ext.value_transferred();
			write_value(ctx, out_ptr, out_len_ptr, value)
		}

		/// Deprecated: a random hash for a subject (insecure).
		#[host(alias, deprecated)]
		fn random(ctx, subject_ptr: u32, subject_len: u32, out_ptr: u32, out_len_ptr: u32) -> () {
			let (hash, _) = randomness(ctx, subject_ptr, subject_len)?;
			write_value(ctx, out_ptr, out_len_ptr, hash)
		}

		/// The block timestamp, captured when the call stack started.
		#[host(alias)]
		fn now(ctx, out_ptr: u32, out_len_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::Query)?;
			let now: MomentOf<E::T> = *ctx.ext.now();
			write_value(ctx, out_ptr, out_len_ptr, now)
		}

		/// The existential deposit.
		#[host(alias)]
		fn minimum_balance(ctx, out_ptr: u32, out_len_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::Query)?;
			let ed = ctx.ext.minimum_balance();
			write_value(ctx, out_ptr, out_len_ptr, ed)
		}

		/// Deprecated no-op of the removed state rent: always 0.
		#[host(alias, deprecated)]
		fn tombstone_deposit(ctx, out_ptr: u32, out_len_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::Query)?;
			write_value(ctx, out_ptr, out_len_ptr, BalanceOf::<E::T>::zero())
		}

		/// Deprecated no-op of the removed state rent.
		#[host(alias, deprecated)]
		fn restore_to(
			ctx,
			_dest_ptr: u32,
			_dest_len: u32,
			_code_hash_ptr: u32,
			_code_hash_len: u32,
			_rent_allowance_ptr: u32,
			_rent_allowance_len: u32,
			_delta_ptr: u32,
			_delta_count: u32,
		) -> () {
			ctx.charge_gas(RuntimeCosts::DebugMessage(0))?;
			Ok(())
		}

		/// Deprecated no-op of the removed state rent.
		#[host(alias, deprecated)]
		fn set_rent_allowance(ctx, _value_ptr: u32, _value_len: u32) -> () {
			ctx.charge_gas(RuntimeCosts::DebugMessage(0))?;
			Ok(())
		}

		/// Deprecated no-op of the removed state rent: always the maximal balance.
		#[host(alias, deprecated)]
		fn rent_allowance(ctx, out_ptr: u32, out_len_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::Query)?;
			write_value(ctx, out_ptr, out_len_ptr, <BalanceOf<E::T> as sp_runtime::traits::Bounded>::max_value())
		}

		/// Emits `ContractEmitted` with up to `Limits::event_topics` topics (a SCALE
		/// `Vec<Hash>`) placed on the event record.
		#[host(alias, mutating)]
		fn deposit_event(ctx, topics_ptr: u32, topics_len: u32, data_ptr: u32, data_len: u32) -> () {
			let limits = ctx.limits.clone();
			let num_topic = topics_len / 32;
			ctx.charge_gas(RuntimeCosts::DepositEvent {
				num_topic,
				len: data_len,
				per_byte: limits.event_ref_time,
			})?;
			if data_len > limits.payload_len {
				return Err(Error::<E::T>::ValueTooLarge.into());
			}
			let topics: Vec<<E::T as frame_system::Config>::Hash> = match topics_len {
				0 => Vec::new(),
				_ => ctx.read_sandbox_memory_as_unbounded(topics_ptr, topics_len)?,
			};
			if topics.len() > limits.event_topics as usize {
				return Err(Error::<E::T>::TooManyTopics.into());
			}
			let data = ctx.read_sandbox_memory(data_ptr, data_len)?;
			ctx.ext.deposit_event(topics, data);
			Ok(())
		}

		/// The block number, captured when the call stack started.
		#[host(alias)]
		fn block_number(ctx, out_ptr: u32, out_len_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::Query)?;
			let number = ctx.ext.block_number();
			write_value(ctx, out_ptr, out_len_ptr, number)
		}

		/// SHA2-256 of the input, 32 bytes at `output_ptr`.
		#[host(alias)]
		fn hash_sha2_256(ctx, input_ptr: u32, input_len: u32, output_ptr: u32) -> () {
			hash_into(ctx, sp_io::hashing::sha2_256, input_ptr, input_len, output_ptr)
		}

		/// Keccak-256 of the input, 32 bytes at `output_ptr`.
		#[host(alias)]
		fn hash_keccak_256(ctx, input_ptr: u32, input_len: u32, output_ptr: u32) -> () {
			hash_into(ctx, sp_io::hashing::keccak_256, input_ptr, input_len, output_ptr)
		}

		/// BLAKE2-256 of the input, 32 bytes at `output_ptr`.
		#[host(alias)]
		fn hash_blake2_256(ctx, input_ptr: u32, input_len: u32, output_ptr: u32) -> () {
			hash_into(ctx, sp_io::hashing::blake2_256, input_ptr, input_len, output_ptr)
		}

		/// BLAKE2-128 of the input, 16 bytes at `output_ptr`.
		#[host(alias)]
		fn hash_blake2_128(ctx, input_ptr: u32, input_len: u32, output_ptr: u32) -> () {
			hash_into(ctx, sp_io::hashing::blake2_128, input_ptr, input_len, output_ptr)
		}

		/// Appends UTF-8 text to the debug buffer of a dry run, and logs it on the node (target
		/// `runtime::contracts`, debug level) for every execution. Always returns `Success`.
		#[host(alias)]
		fn debug_message(ctx, str_ptr: u32, str_len: u32) -> ReturnErrorCode {
			let str_len = str_len.min(<E::T as Config>::MaxDebugBufferLen::get());
			ctx.charge_gas(RuntimeCosts::DebugMessage(str_len))?;
			let collect = ctx.ext.debug_buffer_enabled();
			let log = log::log_enabled!(target: crate::LOG_TARGET, log::Level::Debug);
			// Always read a short message: an ink! debug build prints its panic message just
			// before it traps, and the trap event carries it. Nothing that depends on the
			// node's log level may change the outcome or the (on-chain) trap event: like
			// pallet-contracts 51, only a dry run that collects the message fails on a range
			// outside memory, and only a short message, which every node reads, is kept.
			let short = str_len <= 4096;
			ctx.last_message = None;
			if collect || log || short {
				let data = match ctx.read_sandbox_memory(str_ptr, str_len) {
					Ok(data) => data,
					Err(error) if collect => return Err(error.into()),
					Err(_) => return Ok(ReturnErrorCode::Success),
				};
				if let Ok(message) = core::str::from_utf8(&data) {
					if short {
						ctx.last_message = Some(message.into());
					}
					if log {
						log::debug!(
							target: crate::LOG_TARGET,
							"debug_message from {:?}: {}",
							ctx.ext.address(),
							message.trim_end()
						);
					}
					if collect {
						ctx.ext.append_debug_buffer(message);
					}
				}
			}
			Ok(ReturnErrorCode::Success)
		}

		/// Dispatches a runtime call with the contract as signed origin: `Success` or
		/// `CallRuntimeFailed`.
		#[host(mutating)]
		fn call_runtime(ctx, call_ptr: u32, call_len: u32) -> ReturnErrorCode {
			ctx.charge_gas(RuntimeCosts::CopyFromContract(call_len))?;
			let call: <E::T as Config>::RuntimeCall =
				ctx.read_sandbox_memory_as_unbounded(call_ptr, call_len)?;
			let info = call.get_dispatch_info();
			let charged = ctx.charge_gas(RuntimeCosts::CallRuntime(info.call_weight))?;
			let result = ctx.ext.call_runtime(call);
			let actual = extract_actual_weight(&result, &info);
			ctx.adjust_gas(charged, RuntimeCosts::CallRuntime(actual));
			match result {
				Ok(_) => Ok(ReturnErrorCode::Success),
				Err(e) => {
					if ctx.ext.append_debug_buffer("") {
						ctx.ext.append_debug_buffer("call failed with: ");
						ctx.ext.append_debug_buffer(e.error.into());
					}
					Ok(ReturnErrorCode::CallRuntimeFailed)
				}
			}
		}

		/// Executes an XCM program. Callisto's dev chain has no XCM executor, so this always
		/// returns `XcmExecutionFailed` (what pallet-contracts does with `Xcm = ()`).
		#[host(mutating)]
		fn xcm_execute(ctx, msg_ptr: u32, msg_len: u32) -> ReturnErrorCode {
			ctx.charge_gas(RuntimeCosts::CopyFromContract(msg_len))?;
			let _ = ctx.read_sandbox_memory(msg_ptr, msg_len)?;
			Ok(ReturnErrorCode::XcmExecutionFailed)
		}

		/// Sends an XCM program. Callisto's dev chain has no XCM transport, so this always
		/// returns `XcmSendFailed`.
		#[host(mutating)]
		fn xcm_send(ctx, _dest_ptr: u32, msg_ptr: u32, msg_len: u32, _output_ptr: u32) -> ReturnErrorCode {
			ctx.charge_gas(RuntimeCosts::CopyFromContract(msg_len))?;
			let _ = ctx.read_sandbox_memory(msg_ptr, msg_len)?;
			Ok(ReturnErrorCode::XcmSendFailed)
		}

		/// Recovers the compressed ECDSA public key (33 bytes) from a 65-byte signature and a
		/// 32-byte message hash: `Success` or `EcdsaRecoveryFailed`.
		#[host(alias)]
		fn ecdsa_recover(ctx, signature_ptr: u32, message_hash_ptr: u32, output_ptr: u32) -> ReturnErrorCode {
			ctx.charge_gas(RuntimeCosts::EcdsaRecovery)?;
			let mut signature = [0u8; 65];
			ctx.read_sandbox_memory_into_buf(signature_ptr, &mut signature)?;
			let mut message_hash = [0u8; 32];
			ctx.read_sandbox_memory_into_buf(message_hash_ptr, &mut message_hash)?;
			match sp_io::crypto::secp256k1_ecdsa_recover_compressed(&signature, &message_hash) {
				Ok(key) => {
					ctx.write_fixed_output(output_ptr, &key)?;
					Ok(ReturnErrorCode::Success)
				}
				Err(_) => Ok(ReturnErrorCode::EcdsaRecoveryFailed),
			}
		}

		/// Verifies an sr25519 signature (64 bytes) of a message by a public key (32 bytes):
		/// `Success` or `Sr25519VerifyFailed`.
		#[host()]
		fn sr25519_verify(ctx, signature_ptr: u32, pub_key_ptr: u32, message_len: u32, message_ptr: u32) -> ReturnErrorCode {
			ctx.charge_gas(RuntimeCosts::Sr25519Verify(message_len))?;
			let mut signature = [0u8; 64];
			ctx.read_sandbox_memory_into_buf(signature_ptr, &mut signature)?;
			let mut key = [0u8; 32];
			ctx.read_sandbox_memory_into_buf(pub_key_ptr, &mut key)?;
			let message = ctx.read_sandbox_memory(message_ptr, message_len)?;
			let signature = sp_core::sr25519::Signature::from_raw(signature);
			let key = sp_core::sr25519::Public::from_raw(key);
			if sp_io::crypto::sr25519_verify(&signature, &message, &key) {
				Ok(ReturnErrorCode::Success)
			} else {
				Ok(ReturnErrorCode::Sr25519VerifyFailed)
			}
		}

		/// Replaces the running contract's code: `Success` or `CodeNotFound`.
		#[host(alias, mutating)]
		fn set_code_hash(ctx, code_hash_ptr: u32) -> ReturnErrorCode {
			ctx.charge_gas(RuntimeCosts::CodeInfoUpdate)?;
			let hash: CodeHash<E::T> = ctx.read_sandbox_memory_as(code_hash_ptr)?;
			match ctx.ext.set_code_hash(hash) {
				Ok(()) => Ok(ReturnErrorCode::Success),
				Err(error) => Ok(Runtime::<E>::err_into_return_code(error)?),
			}
		}

		/// The Ethereum address (20 bytes) of a compressed ECDSA public key (33 bytes):
		/// `Success` or `EcdsaRecoveryFailed`.
		#[host(alias)]
		fn ecdsa_to_eth_address(ctx, key_ptr: u32, out_ptr: u32) -> ReturnErrorCode {
			use frame_support::crypto::ecdsa::ECDSAExt;
			ctx.charge_gas(RuntimeCosts::EcdsaRecovery)?;
			let mut key = [0u8; 33];
			ctx.read_sandbox_memory_into_buf(key_ptr, &mut key)?;
			match sp_core::ecdsa::Public::from_raw(key).to_eth_address() {
				Ok(address) => {
					ctx.write_fixed_output(out_ptr, &address)?;
					Ok(ReturnErrorCode::Success)
				}
				Err(()) => Ok(ReturnErrorCode::EcdsaRecoveryFailed),
			}
		}

		/// How often the running contract is on the call stack besides this frame.
		#[host(unstable)]
		fn reentrance_count(ctx) -> u32 {
			ctx.charge_gas(RuntimeCosts::Query)?;
			Ok(ctx.ext.reentrance_count())
		}

		/// How often an account is on the call stack.
		#[host(unstable)]
		fn account_reentrance_count(ctx, account_ptr: u32) -> u32 {
			ctx.charge_gas(RuntimeCosts::Query)?;
			let account: AccountIdOf<E::T> = ctx.read_sandbox_memory_as(account_ptr)?;
			Ok(ctx.ext.account_reentrance_count(&account))
		}

		/// The nonce the last instantiation used.
		#[host()]
		fn instantiation_nonce(ctx) -> u64 {
			ctx.charge_gas(RuntimeCosts::Query)?;
			Ok(ctx.ext.nonce())
		}

		/// Keeps code alive for delegate calls: bumps its refcount and holds a deposit.
		#[host(mutating)]
		fn lock_delegate_dependency(ctx, code_hash_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::CodeInfoUpdate)?;
			let hash: CodeHash<E::T> = ctx.read_sandbox_memory_as(code_hash_ptr)?;
			Ok(ctx.ext.lock_delegate_dependency(hash)?)
		}

		/// Releases a dependency taken with `lock_delegate_dependency`.
		#[host(mutating)]
		fn unlock_delegate_dependency(ctx, code_hash_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::CodeInfoUpdate)?;
			let hash: CodeHash<E::T> = ctx.read_sandbox_memory_as(code_hash_ptr)?;
			Ok(ctx.ext.unlock_delegate_dependency(&hash)?)
		}
	}

	seal1 {
		/// Sets the value at a fixed 32-byte key; returns the old value's size or `SENTINEL`.
		#[host(alias, mutating)]
		fn set_storage(ctx, key_ptr: u32, value_ptr: u32, value_len: u32) -> u32 {
			write_storage(ctx, KeyType::Fix, key_ptr, value_ptr, value_len)
		}

		/// Removes the value at a variable-length key; returns its size or `SENTINEL`.
		#[host(alias, mutating)]
		fn clear_storage(ctx, key_ptr: u32, key_len: u32) -> u32 {
			remove_storage(ctx, KeyType::Var(key_len), key_ptr)
		}

		/// Reads the value at a variable-length key: `Success` or `KeyNotFound`.
		#[host(alias)]
		fn get_storage(ctx, key_ptr: u32, key_len: u32, out_ptr: u32, out_len_ptr: u32) -> ReturnErrorCode {
			read_storage(ctx, KeyType::Var(key_len), key_ptr, out_ptr, out_len_ptr)
		}

		/// The size of the value at a variable-length key, or `SENTINEL`.
		#[host(alias)]
		fn contains_storage(ctx, key_ptr: u32, key_len: u32) -> u32 {
			storage_size(ctx, KeyType::Var(key_len), key_ptr)
		}

		/// Calls a contract with call flags and a ref_time limit.
		#[host(alias)]
		fn call(
			ctx,
			flags: u32,
			callee_ptr: u32,
			gas: u64,
			value_ptr: u32,
			input_ptr: u32,
			input_len: u32,
			out_ptr: u32,
			out_len_ptr: u32,
		) -> ReturnErrorCode {
			let call_type = CallType::Call {
				callee_ptr,
				value_ptr,
				deposit_ptr: SENTINEL,
				weight: Weight::from_parts(gas, 0),
			};
			call_contract(ctx, flags, call_type, input_ptr, input_len, out_ptr, out_len_ptr)
		}

		/// Instantiates a contract with a ref_time limit.
		#[host(alias, mutating)]
		fn instantiate(
			ctx,
			code_hash_ptr: u32,
			gas: u64,
			value_ptr: u32,
			input_ptr: u32,
			input_len: u32,
			address_ptr: u32,
			address_len_ptr: u32,
			out_ptr: u32,
			out_len_ptr: u32,
			salt_ptr: u32,
			salt_len: u32,
		) -> ReturnErrorCode {
			instantiate_contract(
				ctx, code_hash_ptr, Weight::from_parts(gas, 0), SENTINEL, value_ptr, input_ptr,
				input_len, address_ptr, address_len_ptr, out_ptr, out_len_ptr, salt_ptr, salt_len,
			)
		}

		/// Removes the contract and sends its balance to the beneficiary. Never returns.
		#[host(alias, mutating)]
		fn terminate(ctx, beneficiary_ptr: u32) -> () {
			terminate_contract(ctx, beneficiary_ptr)
		}

		/// Deprecated: a random hash for a subject and the block it became known.
		#[host(alias, deprecated)]
		fn random(ctx, subject_ptr: u32, subject_len: u32, out_ptr: u32, out_len_ptr: u32) -> () {
			let output = randomness(ctx, subject_ptr, subject_len)?;
			write_value(ctx, out_ptr, out_len_ptr, output)
		}

		/// Deprecated no-op of the removed state rent.
		#[host(alias, deprecated)]
		fn restore_to(
			ctx,
			_dest_ptr: u32,
			_code_hash_ptr: u32,
			_rent_allowance_ptr: u32,
			_delta_ptr: u32,
			_delta_count: u32,
		) -> () {
			ctx.charge_gas(RuntimeCosts::DebugMessage(0))?;
			Ok(())
		}

		/// Deprecated no-op of the removed state rent.
		#[host(alias, deprecated)]
		fn set_rent_allowance(ctx, _value_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::DebugMessage(0))?;
			Ok(())
		}

		/// The fee for a two-dimensional weight.
		#[host(unstable)]
		fn weight_to_fee(ctx, ref_time: u64, proof_size: u64, out_ptr: u32, out_len_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::Query)?;
			let fee =
				<E::T as Config>::WeightPrice::convert(Weight::from_parts(ref_time, proof_size));
			write_value(ctx, out_ptr, out_len_ptr, fee)
		}

		/// The weight left in this frame, as a SCALE `Weight`.
		#[host(unstable)]
		fn gas_left(ctx, out_ptr: u32, out_len_ptr: u32) -> () {
			ctx.charge_gas(RuntimeCosts::Query)?;
			let left = ctx.ext.gas_meter().gas_left();
			write_value(ctx, out_ptr, out_len_ptr, left)
		}
	}

	seal2 {
		/// Sets the value at a variable-length key; returns the old value's size or
		/// `SENTINEL`.
		#[host(alias, mutating)]
		fn set_storage(ctx, key_ptr: u32, key_len: u32, value_ptr: u32, value_len: u32) -> u32 {
			write_storage(ctx, KeyType::Var(key_len), key_ptr, value_ptr, value_len)
		}

		/// Calls a contract with call flags, a two-dimensional weight limit and a deposit limit
		/// (`deposit_ptr == SENTINEL`: no own limit).
		#[host()]
		fn call(
			ctx,
			flags: u32,
			callee_ptr: u32,
			ref_time_limit: u64,
			proof_size_limit: u64,
			deposit_ptr: u32,
			value_ptr: u32,
			input_ptr: u32,
			input_len: u32,
			out_ptr: u32,
			out_len_ptr: u32,
		) -> ReturnErrorCode {
			let call_type = CallType::Call {
				callee_ptr,
				value_ptr,
				deposit_ptr,
				weight: Weight::from_parts(ref_time_limit, proof_size_limit),
			};
			call_contract(ctx, flags, call_type, input_ptr, input_len, out_ptr, out_len_ptr)
		}

		/// Instantiates a contract with a two-dimensional weight limit and a deposit limit.
		#[host(mutating)]
		fn instantiate(
			ctx,
			code_hash_ptr: u32,
			ref_time_limit: u64,
			proof_size_limit: u64,
			deposit_ptr: u32,
			value_ptr: u32,
			input_ptr: u32,
			input_len: u32,
			address_ptr: u32,
			address_len_ptr: u32,
			out_ptr: u32,
			out_len_ptr: u32,
			salt_ptr: u32,
			salt_len: u32,
		) -> ReturnErrorCode {
			instantiate_contract(
				ctx, code_hash_ptr, Weight::from_parts(ref_time_limit, proof_size_limit),
				deposit_ptr, value_ptr, input_ptr, input_len, address_ptr, address_len_ptr, out_ptr,
				out_len_ptr, salt_ptr, salt_len,
			)
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn aliases_resolve_and_flags_gate_linking() {
		let (i, f) = lookup(b"seal0", b"seal_input", false, false).unwrap();
		assert_eq!((f.module, f.name), ("seal0", "input"));
		assert_eq!(lookup(b"seal0", b"input", false, false).unwrap().0, i);
		// `seal_return` has no alias: `seal_seal_return` is not a thing.
		assert!(lookup(b"seal0", b"seal_seal_return", false, false).is_none());
		assert!(lookup(b"seal0", b"random", false, false).is_none());
		assert!(lookup(b"seal0", b"random", true, false).is_some());
		assert!(lookup(b"seal0", b"reentrance_count", true, false).is_none());
		assert!(lookup(b"seal0", b"reentrance_count", false, true).is_some());
		assert!(lookup(b"seal2", b"seal_call", false, false).is_none());
		assert!(lookup(b"seal0", b"call_chain_extension", true, true).is_none());
	}

	#[test]
	fn every_definition_is_unique() {
		for (i, a) in HOST_FUNCTIONS.iter().enumerate() {
			for b in &HOST_FUNCTIONS[i + 1..] {
				assert!((a.module, a.name) != (b.module, b.name), "{a:?} defined twice");
			}
		}
	}
}
