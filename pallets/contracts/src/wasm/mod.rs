//! Stored contract code: upload and removal, and the executable that runs it.
//!
//! Code is stored once per hash and shared by all contracts instantiated from it. The uploader
//! pays a deposit for the bytes, held on their account until they remove the code, which they
//! may only do when no contract uses it (refcount zero; `crate::code_info` keeps the count).
//!
//! [`WasmBlob`] is the [`Executable`] the call stack runs: it links the code's imports to the
//! host functions (`host_fns`) and runs it on `sp-sandbox`. Upload validates the code first
//! (`prepare`).

mod costs;
mod host_fns;
mod module;
mod prepare;
mod runtime;
pub mod trap;

pub use host_fns::{HostFnInfo, HOST_FUNCTIONS};
#[cfg(test)]
pub(crate) use module::ValType;
pub use runtime::ReturnErrorCode;

use crate::{
	code_info::{CodeInfo, Determinism},
	exec::{ExecResult, Executable, ExportedFunction, Ext},
	gas::GasMeter,
	AccountIdOf, BalanceOf, CodeHash, CodeInfoOf, CodeVec, Config, DebugInfoOf, Error, Event,
	HoldReason, Pallet, PristineCode, LOG_TARGET,
};
use alloc::vec::Vec;
use codec::MaxEncodedLen;
use costs::RuntimeCosts;
use frame_support::{
	dispatch::DispatchResult,
	ensure,
	traits::{fungible::MutateHold, tokens::Precision, Get},
};
use runtime::Runtime;
use sp_runtime::{
	traits::{BadOrigin, Hash, Saturating, Zero},
	DispatchError,
};
use sp_sandbox::{EnvironmentDefinitionBuilder, Instance, Memory};

/// Code on its way into storage.
pub struct UploadedCode<T: Config> {
	code: CodeVec<T>,
	code_hash: CodeHash<T>,
	code_info: CodeInfo<T>,
	/// The DWARF of a debug build, kept on chain beside the code.
	dwarf: Option<callisto_debug_info::DwarfSections>,
}

impl<T: Config> UploadedCode<T> {
	/// Validates `code` and prepares it for storage by `owner`.
	///
	/// The code hash is the runtime hash of the raw bytes, no length prefix, so it equals the
	/// hash cargo-contract prints. Invalid code is `CodeRejected`, with the reason logged and
	/// returned for the debug buffer.
	pub fn from_code(
		code: Vec<u8>,
		owner: AccountIdOf<T>,
		determinism: Determinism,
	) -> Result<Self, (DispatchError, Option<prepare::RejectReason>)> {
		// A debug build's DWARF is kept apart: the code is stored without it (the code section
		// is unchanged, so the DWARF still describes it) and the DWARF beside it.
		let (code, debug_module, dwarf) = match callisto_debug_info::split_debug_sections(&code) {
			Some((stripped, dwarf)) => (stripped, Some(code), Some(dwarf)),
			None => (code, None, None),
		};
		let code: CodeVec<T> =
			code.try_into().map_err(|_| (<Error<T>>::CodeTooLarge.into(), None))?;
		if let Err(reason) = prepare::validate::<T>(&code) {
			log::debug!(target: LOG_TARGET, "code rejected: {reason}");
			return Err((<Error<T>>::CodeRejected.into(), Some(reason)));
		}
		// Code that passes the checks is deterministic, whatever the uploader allowed.
		let determinism = match determinism {
			Determinism::Relaxed => Determinism::Enforced,
			enforced => enforced,
		};
		let code_hash = T::Hashing::hash(&code);
		if let (Some(module), Ok(hash)) = (debug_module, <[u8; 32]>::try_from(code_hash.as_ref())) {
			callisto_debug_info::contract_debug::register(hash, &module);
		}
		let code_info = CodeInfo::new(owner, determinism, code.len() as u32);
		Ok(Self { code, code_hash, code_info, dwarf })
	}

	/// The hash the code is stored under.
	pub fn code_hash(&self) -> &CodeHash<T> {
		&self.code_hash
	}

	/// Deposit for storing the code: its bytes plus its metadata (at their maximal size, so
	/// later refcount growth is covered), as two storage items.
	fn deposit(&self) -> BalanceOf<T> {
		let bytes =
			self.code_info.code_len().saturating_add(CodeInfo::<T>::max_encoded_len() as u32);
		T::DepositPerByte::get()
			.saturating_mul(bytes.into())
			.saturating_add(T::DepositPerItem::get().saturating_mul(2u32.into()))
	}

	/// Stores the code unless it is already stored, holding the deposit on the owner.
	///
	/// Returns the deposit held: zero if the code was already there, in which case no event is
	/// emitted either.
	///
	/// A debug build's DWARF is stored too, also for code already stored without it (a debug
	/// build uploaded after the deployable one attaches its DWARF to the code).
	pub fn store_code(&mut self) -> Result<BalanceOf<T>, DispatchError> {
		if <CodeInfoOf<T>>::contains_key(self.code_hash) {
			if let Some(dwarf) = self.dwarf.take() {
				if !<DebugInfoOf<T>>::contains_key(self.code_hash) {
					<DebugInfoOf<T>>::insert(self.code_hash, dwarf);
				}
			}
			return Ok(Zero::zero());
		}
		let deposit = self.deposit();
		T::Currency::hold(
			&HoldReason::CodeUploadDepositReserve.into(),
			self.code_info.owner(),
			deposit,
		)
		.map_err(|error| {
			log::debug!(target: LOG_TARGET, "code deposit of {deposit:?} failed: {error:?}");
			<Error<T>>::StorageDepositNotEnoughFunds
		})?;
		self.code_info = self.code_info.clone().with_deposit(deposit);
		<PristineCode<T>>::insert(self.code_hash, &self.code);
		<CodeInfoOf<T>>::insert(self.code_hash, &self.code_info);
		if let Some(dwarf) = self.dwarf.take() {
			<DebugInfoOf<T>>::insert(self.code_hash, dwarf);
		}
		<Pallet<T>>::deposit_event(Event::CodeStored {
			code_hash: self.code_hash,
			deposit_held: deposit,
			uploader: self.code_info.owner().clone(),
		});
		Ok(deposit)
	}
}

/// Removes unused code owned by `origin` and releases its deposit.
pub fn remove_code<T: Config>(origin: &AccountIdOf<T>, code_hash: CodeHash<T>) -> DispatchResult {
	<CodeInfoOf<T>>::try_mutate_exists(code_hash, |existing| {
		let info = existing.as_ref().ok_or(<Error<T>>::CodeNotFound)?;
		ensure!(info.refcount() == 0, <Error<T>>::CodeInUse);
		ensure!(info.owner() == origin, BadOrigin);
		// Best effort: a slash of the hold must not make the code unremovable.
		let released = T::Currency::release(
			&HoldReason::CodeUploadDepositReserve.into(),
			info.owner(),
			info.deposit(),
			Precision::BestEffort,
		)?;
		<PristineCode<T>>::remove(code_hash);
		<DebugInfoOf<T>>::remove(code_hash);
		*existing = None;
		<Pallet<T>>::deposit_event(Event::CodeRemoved {
			code_hash,
			deposit_released: released,
			remover: origin.clone(),
		});
		Ok(())
	})
}

/// Contract code loaded from storage, ready to run on the sandbox.
pub struct WasmBlob<T: Config> {
	code: CodeVec<T>,
	code_info: CodeInfo<T>,
	code_hash: CodeHash<T>,
}

impl<T: Config> Executable<T> for WasmBlob<T> {
	fn from_storage(
		code_hash: CodeHash<T>,
		gas_meter: &mut GasMeter<T>,
	) -> Result<Self, DispatchError> {
		let code_info = <CodeInfoOf<T>>::get(code_hash).ok_or(<Error<T>>::CodeNotFound)?;
		gas_meter.charge(RuntimeCosts::CodeLoad(code_info.code_len()))?;
		let code = <PristineCode<T>>::get(code_hash).ok_or(<Error<T>>::CodeNotFound)?;
		Ok(Self { code, code_info, code_hash })
	}

	fn execute<E: Ext<T = T>>(
		self,
		ext: &mut E,
		function: ExportedFunction,
		input_data: Vec<u8>,
	) -> ExecResult {
		let rejected = |reason: &str| {
			log::debug!(target: LOG_TARGET, "stored code {:?} does not run: {reason}", self.code_hash);
			<Error<T>>::CodeRejected
		};
		// Deprecated host functions stay available to `call`, so old contracts keep working.
		let linked = prepare::link::<T>(&self.code, function == ExportedFunction::Call)
			.map_err(&rejected)?;
		let (initial, maximum) = linked.memory;
		let memory = Memory::new(initial, Some(maximum))
			.map_err(|_| rejected("the memory limits are invalid"))?;
		let mut env = EnvironmentDefinitionBuilder::new();
		env.add_memory("env", "memory", memory.clone());
		for import in &linked.functions {
			env.add_metered_host_func(
				import.module,
				import.name,
				host_fns::entry_point::<E>(import.index),
			);
		}
		// By its hash: the host keeps the module it prepared, so the code crosses over and is
		// hashed again only when the host has not seen it (or evicted it).
		let config = prepare::sandbox_config::<T>();
		let instance = match <[u8; 32]>::try_from(self.code_hash.as_ref()) {
			Ok(hash) => Instance::new_cached(&hash, &self.code, &env, &config),
			Err(_) => Instance::new(&self.code, &env, &config),
		};
		let mut instance = instance.map_err(|error| rejected(prepare::reject_reason(&error)))?;
		let mut runtime = Runtime::new(ext, input_data, memory);
		instance.set_gas_left(runtime.initial_fuel());
		let outcome = instance.invoke(function.identifier(), &[], &mut runtime);
		// The engine never gets more fuel than the meter has, so this charge cannot fail.
		let _ = runtime.sync_from_engine(instance.gas_left());
		runtime.into_result(outcome, &self.code_hash, &self.code)
	}

	fn code_info(&self) -> &CodeInfo<T> {
		&self.code_info
	}

	fn code_hash(&self) -> &CodeHash<T> {
		&self.code_hash
	}
}

/// Reads a module's interface, for tests that check real contracts against the reader.
#[cfg(test)]
pub fn read_interface_for_tests(code: &[u8]) -> Result<(), module::ReadError> {
	module::read_interface(code).map(drop)
}
