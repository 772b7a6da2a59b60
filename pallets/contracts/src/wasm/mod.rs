//! Stored contract code: its metadata, upload, removal and reference counting.
//!
//! Code is stored once per hash and shared by all contracts instantiated from it. The uploader
//! pays a deposit for the bytes, held on their account until they remove the code, which they
//! may only do when no contract uses it (refcount zero).
//!
//! [`WasmBlob`] is the [`Executable`] the call stack runs: it links the code's imports to the
//! host functions (`host_fns`) and runs it on `sp-sandbox`. Upload validates the code first
//! (`prepare`).

mod costs;
mod host_fns;
mod module;
mod prepare;
mod runtime;
mod trap;

pub use host_fns::{HostFnInfo, HOST_FUNCTIONS};
#[cfg(test)]
pub(crate) use module::ValType;
pub(crate) use runtime::error_name;
pub use runtime::ReturnErrorCode;
pub use trap::{SourceLocation, TrapInfo, TrapKind};

use crate::{
	exec::{ExecResult, Executable, ExportedFunction, Ext},
	gas::GasMeter,
	AccountIdOf, BalanceOf, CodeHash, CodeInfoOf, CodeVec, Config, DebugInfoOf, Error, Event,
	HoldReason, Pallet, PristineCode, LOG_TARGET,
};
use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use costs::RuntimeCosts;
use frame_support::{
	dispatch::DispatchResult,
	ensure,
	traits::{fungible::MutateHold, tokens::Precision, Get},
	CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use runtime::Runtime;
use sp_runtime::{
	traits::{BadOrigin, Hash, Saturating, Zero},
	DispatchError,
};
use sp_sandbox::{EnvironmentDefinitionBuilder, Instance, Memory};

/// Metadata of stored code.
#[derive(
	CloneNoBound,
	Encode,
	Decode,
	scale_info::TypeInfo,
	MaxEncodedLen,
	DebugNoBound,
	PartialEqNoBound,
	EqNoBound,
)]
#[codec(mel_bound())]
#[scale_info(skip_type_params(T))]
pub struct CodeInfo<T: Config> {
	/// Who uploaded the code; the only account allowed to remove it.
	owner: AccountIdOf<T>,
	/// Deposit held on the owner for storing the code.
	#[codec(compact)]
	deposit: BalanceOf<T>,
	/// Number of contracts using the code (including delegate dependencies).
	#[codec(compact)]
	refcount: u64,
	/// Whether the code may only run where determinism is not required.
	determinism: Determinism,
	/// Length of the code in bytes.
	code_len: u32,
}

/// Whether code must behave identically on every node.
#[derive(
	Clone,
	Copy,
	Encode,
	Decode,
	codec::DecodeWithMemTracking,
	scale_info::TypeInfo,
	MaxEncodedLen,
	Debug,
	PartialEq,
	Eq,
)]
pub enum Determinism {
	/// The code is deterministic (no floating point), so it may run on chain.
	Enforced,
	/// The code may be non-deterministic; it only runs off chain through dry runs that allow
	/// it.
	Relaxed,
}

impl<T: Config> CodeInfo<T> {
	/// Metadata of code owned by `owner`, not yet paid for or stored.
	pub fn new(owner: AccountIdOf<T>, determinism: Determinism, code_len: u32) -> Self {
		Self { owner, deposit: Zero::zero(), refcount: 0, determinism, code_len }
	}

	/// The same metadata with `deposit` recorded as held.
	#[cfg(test)]
	pub fn with_deposit(mut self, deposit: BalanceOf<T>) -> Self {
		self.deposit = deposit;
		self
	}

	/// The uploader.
	#[cfg(test)]
	pub fn owner(&self) -> &AccountIdOf<T> {
		&self.owner
	}

	/// The deposit held for the code.
	pub fn deposit(&self) -> BalanceOf<T> {
		self.deposit
	}

	/// How many contracts use the code.
	#[cfg(test)]
	pub fn refcount(&self) -> u64 {
		self.refcount
	}

	/// The code's determinism.
	pub fn determinism(&self) -> Determinism {
		self.determinism
	}

	/// Length of the code in bytes.
	pub fn code_len(&self) -> u32 {
		self.code_len
	}
}

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
		let bytes = self.code_info.code_len.saturating_add(CodeInfo::<T>::max_encoded_len() as u32);
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
			&self.code_info.owner,
			deposit,
		)
		.map_err(|error| {
			log::debug!(target: LOG_TARGET, "code deposit of {deposit:?} failed: {error:?}");
			<Error<T>>::StorageDepositNotEnoughFunds
		})?;
		self.code_info.deposit = deposit;
		<PristineCode<T>>::insert(self.code_hash, &self.code);
		<CodeInfoOf<T>>::insert(self.code_hash, &self.code_info);
		if let Some(dwarf) = self.dwarf.take() {
			<DebugInfoOf<T>>::insert(self.code_hash, dwarf);
		}
		<Pallet<T>>::deposit_event(Event::CodeStored {
			code_hash: self.code_hash,
			deposit_held: deposit,
			uploader: self.code_info.owner.clone(),
		});
		Ok(deposit)
	}
}

/// Removes unused code owned by `origin` and releases its deposit.
pub fn remove_code<T: Config>(origin: &AccountIdOf<T>, code_hash: CodeHash<T>) -> DispatchResult {
	<CodeInfoOf<T>>::try_mutate_exists(code_hash, |existing| {
		let info = existing.as_ref().ok_or(<Error<T>>::CodeNotFound)?;
		ensure!(info.refcount == 0, <Error<T>>::CodeInUse);
		ensure!(&info.owner == origin, BadOrigin);
		// Best effort: a slash of the hold must not make the code unremovable.
		let released = T::Currency::release(
			&HoldReason::CodeUploadDepositReserve.into(),
			&info.owner,
			info.deposit,
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

/// Records one more user of the code; `CodeNotFound` if it is not stored.
pub fn increment_refcount<T: Config>(code_hash: CodeHash<T>) -> DispatchResult {
	<CodeInfoOf<T>>::mutate(code_hash, |existing| {
		let info = existing.as_mut().ok_or(<Error<T>>::CodeNotFound)?;
		info.refcount = info.refcount.saturating_add(1);
		Ok(())
	})
}

/// Records one user fewer. Missing code is ignored: the count only guards removal.
pub fn decrement_refcount<T: Config>(code_hash: CodeHash<T>) {
	<CodeInfoOf<T>>::mutate(code_hash, |existing| {
		if let Some(info) = existing {
			info.refcount = info.refcount.saturating_sub(1);
		}
	});
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
		let mut instance = Instance::new(&self.code, &env, &prepare::sandbox_config::<T>())
			.map_err(|error| rejected(prepare::reject_reason(&error)))?;
		let mut runtime = Runtime::new(ext, input_data, memory);
		instance.set_gas_left(runtime.initial_fuel());
		let outcome = instance.invoke(function.identifier(), &[], &mut runtime);
		// The engine never gets more fuel than the meter has, so this charge cannot fail.
		let _ = runtime.sync_from_engine(instance.gas_left());
		runtime.into_result(outcome, &self.code_hash)
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
