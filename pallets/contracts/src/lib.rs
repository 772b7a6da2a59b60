//! # Callisto's contracts pallet
//!
//! Stores Wasm smart contracts (ink!) and runs them. From the outside it is indistinguishable
//! from `pallet-contracts` 51.0.0: same calls, events, errors, storage layout, constants,
//! runtime API and scale-info type paths, so cargo-contract 5 and polkadot.js api-contract 16
//! work unchanged (see `docs/CONTRACTS_INTERFACE.md`). The implementation is Callisto's own.
//!
//! ## Layout
//!
//! - [`primitives`](crate::primitives): the runtime API's wire types.
//! - `code_info`: stored code's metadata ([`CodeInfo`](code_info::CodeInfo)), its
//!   determinism and its reference count.
//! - `wasm`: upload and removal of code, and the Wasm executable on top of `sp-sandbox`:
//!   upload validation (`wasm::prepare`), the host API defined once in `wasm::host_fns`, their
//!   costs and the per-run state (`wasm::runtime`).
//! - `trap`: why and where a contract trapped (`ContractTrapped`'s kind and location).
//! - `exec`: the call stack. It reaches contract code only through the
//!   [`Executable`](exec::Executable) trait, and contract code reaches the stack only through
//!   [`Ext`](exec::Ext), so the stack is tested with closures standing in for contracts.
//! - `storage`: per-contract metadata, child-trie storage and the deletion queue;
//!   `storage::meter` accounts storage deposits.
//! - `gas`: the two-dimensional (ref_time, proof_size) gas meter.
//! - `address`: deterministic contract addresses.
//!
//! ## Running code
//!
//! Contracts run in `sp-sandbox` on the host (wasmi or wasmtime, as the node chose): a host
//! call suspends the contract, the runtime services it here and resumes it. Gas is the
//! sandbox's deterministic instruction count priced at `Schedule::instruction_weights.base`,
//! plus each host function's cost, so both backends charge the same.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod address;
mod code_info;
mod exec;
mod failed_traps;
mod gas;
mod primitives;
mod schedule;
mod storage;
mod trace;
mod transient_storage;
mod trap;
mod wasm;
pub mod weights;

#[cfg(test)]
mod tests;

pub use crate::{
	address::{AddressGenerator, DefaultAddressGenerator},
	code_info::Determinism,
	exec::Frame,
	failed_traps::DepositFailedTraps,
	pallet::*,
	primitives::*,
	schedule::{InstructionWeights, Limits, Schedule},
	trap::{SourceLocation, TrapInfo, TrapKind},
	wasm::{HostFnInfo, ReturnErrorCode, HOST_FUNCTIONS},
	weights::WeightInfo,
};

use crate::{
	code_info::CodeInfo,
	exec::{ExecError, Executable, Stack as ExecStack},
	gas::GasMeter,
	storage::{meter::Meter as StorageMeter, ContractInfo, DeletionQueueManager, Key},
	wasm::UploadedCode,
};
use alloc::{string::String, vec::Vec};
use codec::{Codec, Decode, DecodeWithMemTracking, Encode, HasCompact, MaxEncodedLen};
use core::{fmt::Debug, marker::PhantomData};
use frame_support::{
	dispatch::{
		DispatchErrorWithPostInfo, DispatchResultWithPostInfo, GetDispatchInfo, Pays,
		PostDispatchInfo, RawOrigin,
	},
	ensure,
	traits::{
		fungible::{Inspect, Mutate, MutateHold},
		ConstU32, Contains, Get, Randomness, Time,
	},
	weights::{Weight, WeightMeter},
	BoundedVec, DebugNoBound, DefaultNoBound,
};
use frame_system::{
	ensure_root, ensure_signed,
	pallet_prelude::{BlockNumberFor, OriginFor},
	EventRecord, Pallet as System,
};
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{BadOrigin, Convert, Dispatchable, Saturating, StaticLookup, Zero},
	DispatchError,
};

type CodeHash<T> = <T as frame_system::Config>::Hash;
type TrieId = BoundedVec<u8, ConstU32<128>>;
pub type AccountIdOf<T> = <T as frame_system::Config>::AccountId;
pub type MomentOf<T> = <<T as Config>::Time as frame_support::traits::Time>::Moment;
type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
type CodeVec<T> = BoundedVec<u8, <T as Config>::MaxCodeLen>;
type AccountIdLookupOf<T> = <<T as frame_system::Config>::Lookup as StaticLookup>::Source;
type DebugBufferVec<T> = BoundedVec<u8, <T as Config>::MaxDebugBufferLen>;
type EventRecordOf<T> =
	EventRecord<<T as frame_system::Config>::RuntimeEvent, <T as frame_system::Config>::Hash>;

/// The 1-dimensional weight of the deprecated calls.
type OldWeight = u64;

/// Cursor of a multi-block storage migration, as stored in `MigrationInProgress`.
pub type Cursor = BoundedVec<u8, ConstU32<1024>>;

const LOG_TARGET: &str = "runtime::contracts";

/// Returned by host functions for "no value" and accepted as "skip this output"
/// (`pallet_contracts_uapi::SENTINEL`).
pub const SENTINEL: u32 = u32::MAX;

/// The [`exec::Executable`] the pallet runs: Wasm code on `sp-sandbox`.
use wasm::WasmBlob;

/// Carries a type of the runtime's environment in metadata without a value.
#[derive(Encode, Decode, DefaultNoBound, TypeInfo)]
pub struct EnvironmentType<T>(PhantomData<T>);

/// The runtime's types a contract must be compiled for, exported as the `Environment` constant.
///
/// It encodes to nothing; its only content is the type information. cargo-contract finds it by
/// the path `pallet_contracts::Environment` and compares the field types with the contract's
/// metadata.
#[derive(Encode, Decode, DefaultNoBound, TypeInfo)]
#[scale_info(skip_type_params(T))]
pub struct Environment<T: Config> {
	account_id: EnvironmentType<AccountIdOf<T>>,
	balance: EnvironmentType<BalanceOf<T>>,
	hash: EnvironmentType<<T as frame_system::Config>::Hash>,
	hasher: EnvironmentType<<T as frame_system::Config>::Hashing>,
	timestamp: EnvironmentType<MomentOf<T>>,
	block_number: EnvironmentType<BlockNumberFor<T>>,
}

/// Version of the host-function API, exported as the `ApiVersion` constant.
///
/// Upstream bumps it whenever a stable host function is added; 4 is the value of
/// pallet-contracts 51 (111 stable entries), the API Callisto reproduces.
#[derive(Encode, Decode, TypeInfo)]
pub struct ApiVersion(u16);

impl Default for ApiVersion {
	fn default() -> Self {
		Self(4)
	}
}

/// Whether the `bare_*` entry points copy `System::Events` into their result.
///
/// Only for off-chain dry runs: collecting events on chain would cost unbounded weight.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Decode, Encode, MaxEncodedLen, TypeInfo)]
pub enum CollectEvents {
	/// Return all events in `System::Events` after execution. Unbounded; off-chain only.
	UnsafeCollect,
	/// Return no events.
	Skip,
}

/// Whether the `bare_*` entry points record contract debug output.
///
/// Only for off-chain dry runs: the buffer costs memory and its content is not weighed.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Decode, Encode, MaxEncodedLen, TypeInfo)]
pub enum DebugInfo {
	/// Collect debug output into `ContractResult::debug_message`. Off-chain only.
	UnsafeDebug,
	/// Collect nothing.
	Skip,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use sp_runtime::Perbill;

	/// Upstream's storage version; ink! documentation tells users to check it.
	pub(crate) const STORAGE_VERSION: StorageVersion = StorageVersion::new(16);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// The runtime's configuration of the pallet.
	///
	/// Mirrors upstream's `Config` minus the items of features Callisto does not support yet
	/// (chain extensions, migrations, the debugger hook, XCM). The constants appear in metadata
	/// in upstream's order.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Source of the block timestamp contracts see.
		type Time: Time;

		/// Source of the (insecure) randomness behind the deprecated `random` host functions.
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;

		/// Holds storage deposits and pays value transfers.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;

		/// The overarching call type, for `call_runtime`.
		type RuntimeCall: Dispatchable<RuntimeOrigin = Self::RuntimeOrigin, PostInfo = PostDispatchInfo>
			+ GetDispatchInfo
			+ codec::Decode
			+ IsType<<Self as frame_system::Config>::RuntimeCall>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Calls contracts may dispatch through `call_runtime`, on top of the runtime's base
		/// filter.
		type CallFilter: Contains<<Self as frame_system::Config>::RuntimeCall>;

		/// Converts weight to fee for the `weight_to_fee` host function.
		type WeightPrice: Convert<Weight, BalanceOf<Self>>;

		/// Weights of the dispatchables and host functions.
		type WeightInfo: WeightInfo;

		/// Cost schedule and limits of contract execution.
		#[pallet::constant]
		type Schedule: Get<Schedule<Self>>;

		/// Storage for the frames of the call stack. Its length bounds the nesting depth: at
		/// most `len + 1` frames run at once.
		type CallStack: smallvec::Array<Item = Frame<Self>>;

		/// Deposit per byte of contract storage.
		#[pallet::constant]
		type DepositPerByte: Get<BalanceOf<Self>>;

		/// Storage deposit limit when a call gives none.
		#[pallet::constant]
		type DefaultDepositLimit: Get<BalanceOf<Self>>;

		/// Deposit per contract storage item.
		#[pallet::constant]
		type DepositPerItem: Get<BalanceOf<Self>>;

		/// Share of a code's deposit charged to each contract that depends on that code.
		#[pallet::constant]
		type CodeHashLockupDepositPercent: Get<Perbill>;

		/// Derives contract addresses.
		type AddressGenerator: AddressGenerator<Self>;

		/// Largest accepted Wasm blob, in bytes.
		#[pallet::constant]
		type MaxCodeLen: Get<u32>;

		/// Longest contract storage key, in bytes.
		#[pallet::constant]
		type MaxStorageKeyLen: Get<u32>;

		/// Transient storage budget of one call stack, in bytes.
		#[pallet::constant]
		type MaxTransientStorageSize: Get<u32>;

		/// Most delegate dependencies one contract may lock.
		#[pallet::constant]
		type MaxDelegateDependencies: Get<u32>;

		/// Whether host functions marked unstable are available to contracts.
		#[pallet::constant]
		type UnsafeUnstableInterface: Get<bool>;

		/// Size of the debug buffer of dry runs, in bytes.
		#[pallet::constant]
		type MaxDebugBufferLen: Get<u32>;

		/// Who may upload code.
		type UploadOrigin: EnsureOrigin<Self::RuntimeOrigin, Success = Self::AccountId>;

		/// Who may instantiate contracts.
		type InstantiateOrigin: EnsureOrigin<Self::RuntimeOrigin, Success = Self::AccountId>;

		/// The environment types, exported for tools. Only `()` is valid.
		#[pallet::constant]
		type Environment: Get<Environment<Self>>;

		/// The host API version, exported for tools. Only `()` is valid.
		#[pallet::constant]
		type ApiVersion: Get<ApiVersion>;
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_finalize(_block: BlockNumberFor<T>) {
			// Only block execution gets here: the node may now keep the debug builds this block
			// stored (for its trace RPCs; nothing on chain depends on it).
			callisto_debug_info::contract_debug::block_finalised();
		}

		fn on_idle(_block: BlockNumberFor<T>, limit: Weight) -> Weight {
			// Callisto has no storage migrations, so the whole budget goes to deleting the
			// storage of terminated contracts.
			let mut meter = WeightMeter::with_limit(limit);
			ContractInfo::<T>::process_deletion_queue_batch(&mut meter);
			meter.consumed()
		}

		fn integrity_test() {
			assert!(
				T::MaxDebugBufferLen::get() >= 256,
				"MaxDebugBufferLen must hold at least one useful message"
			);
			assert!(T::MaxStorageKeyLen::get() <= 128, "child keys are at most 128 bytes long");
			let limits = T::Schedule::get().limits;
			assert!(limits.payload_len > 0 && limits.event_topics > 0);
			// The executor keeps the code and its instrumentation in memory for every frame.
			let code_budget =
				limits.runtime_memory / (<T::CallStack as smallvec::Array>::size() as u32 + 1);
			assert!(
				T::MaxCodeLen::get().saturating_mul(4) < code_budget,
				"MaxCodeLen too large for runtime_memory and the call stack depth"
			);
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T>
	where
		<BalanceOf<T> as HasCompact>::Type: Clone + Eq + PartialEq + Debug + TypeInfo + Encode,
	{
		/// Deprecated form of [`Self::call`] with a 1-dimensional weight, kept for calls stored
		/// on chain before weights v2.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::call().saturating_add(<Pallet<T>>::compat_weight_limit(*gas_limit)))]
		#[allow(deprecated)]
		#[deprecated(note = "1D weight is used in this extrinsic, please migrate to `call`")]
		pub fn call_old_weight(
			origin: OriginFor<T>,
			dest: AccountIdLookupOf<T>,
			#[pallet::compact] value: BalanceOf<T>,
			#[pallet::compact] gas_limit: OldWeight,
			storage_deposit_limit: Option<<BalanceOf<T> as codec::HasCompact>::Type>,
			data: Vec<u8>,
		) -> DispatchResultWithPostInfo {
			Self::call(
				origin,
				dest,
				value,
				<Pallet<T>>::compat_weight_limit(gas_limit),
				storage_deposit_limit,
				data,
			)
		}

		/// Deprecated form of [`Self::instantiate_with_code`] with a 1-dimensional weight.
		#[pallet::call_index(1)]
		#[pallet::weight(
			T::WeightInfo::instantiate_with_code(code.len() as u32, data.len() as u32, salt.len() as u32)
			.saturating_add(<Pallet<T>>::compat_weight_limit(*gas_limit))
		)]
		#[allow(deprecated)]
		#[deprecated(
			note = "1D weight is used in this extrinsic, please migrate to `instantiate_with_code`"
		)]
		pub fn instantiate_with_code_old_weight(
			origin: OriginFor<T>,
			#[pallet::compact] value: BalanceOf<T>,
			#[pallet::compact] gas_limit: OldWeight,
			storage_deposit_limit: Option<<BalanceOf<T> as codec::HasCompact>::Type>,
			code: Vec<u8>,
			data: Vec<u8>,
			salt: Vec<u8>,
		) -> DispatchResultWithPostInfo {
			Self::instantiate_with_code(
				origin,
				value,
				<Pallet<T>>::compat_weight_limit(gas_limit),
				storage_deposit_limit,
				code,
				data,
				salt,
			)
		}

		/// Deprecated form of [`Self::instantiate`] with a 1-dimensional weight.
		#[pallet::call_index(2)]
		#[pallet::weight(
			T::WeightInfo::instantiate(data.len() as u32, salt.len() as u32).saturating_add(<Pallet<T>>::compat_weight_limit(*gas_limit))
		)]
		#[allow(deprecated)]
		#[deprecated(note = "1D weight is used in this extrinsic, please migrate to `instantiate`")]
		pub fn instantiate_old_weight(
			origin: OriginFor<T>,
			#[pallet::compact] value: BalanceOf<T>,
			#[pallet::compact] gas_limit: OldWeight,
			storage_deposit_limit: Option<<BalanceOf<T> as codec::HasCompact>::Type>,
			code_hash: CodeHash<T>,
			data: Vec<u8>,
			salt: Vec<u8>,
		) -> DispatchResultWithPostInfo {
			Self::instantiate(
				origin,
				value,
				<Pallet<T>>::compat_weight_limit(gas_limit),
				storage_deposit_limit,
				code_hash,
				data,
				salt,
			)
		}

		/// Stores Wasm code on chain so contracts can be instantiated from it by hash.
		///
		/// The uploader pays a deposit proportional to the code size, held until the code is
		/// removed with [`Self::remove_code`]. Uploading code that is already stored succeeds
		/// without charging anything. `storage_deposit_limit` caps the deposit.
		#[pallet::call_index(3)]
		#[pallet::weight(
			match determinism {
				Determinism::Enforced => T::WeightInfo::upload_code_determinism_enforced(code.len() as u32),
				Determinism::Relaxed => T::WeightInfo::upload_code_determinism_relaxed(code.len() as u32),
			}
		)]
		pub fn upload_code(
			origin: OriginFor<T>,
			code: Vec<u8>,
			storage_deposit_limit: Option<<BalanceOf<T> as codec::HasCompact>::Type>,
			determinism: Determinism,
		) -> DispatchResult {
			Self::ensure_migrated()?;
			let origin = T::UploadOrigin::ensure_origin(origin)?;
			Self::bare_upload_code(origin, code, storage_deposit_limit.map(Into::into), determinism)
				.map(|_| ())
		}

		/// Removes code that no contract uses and releases its deposit to the uploader.
		///
		/// Only the uploader may remove code. Free of fees when it succeeds, since it frees
		/// storage.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::remove_code())]
		pub fn remove_code(
			origin: OriginFor<T>,
			code_hash: CodeHash<T>,
		) -> DispatchResultWithPostInfo {
			Self::ensure_migrated()?;
			let origin = ensure_signed(origin)?;
			wasm::remove_code::<T>(&origin, code_hash)?;
			Ok(Pays::No.into())
		}

		/// Replaces the code of a contract (root only), keeping its storage and balance.
		///
		/// An escape hatch for governance; the contract's base deposit is not adjusted.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::set_code())]
		pub fn set_code(
			origin: OriginFor<T>,
			dest: AccountIdLookupOf<T>,
			code_hash: CodeHash<T>,
		) -> DispatchResult {
			Self::ensure_migrated()?;
			ensure_root(origin)?;
			let dest = T::Lookup::lookup(dest)?;
			<ContractInfoOf<T>>::try_mutate(&dest, |contract| {
				let contract = contract.as_mut().ok_or(<Error<T>>::ContractNotFound)?;
				code_info::increment_refcount::<T>(code_hash)?;
				code_info::decrement_refcount::<T>(contract.code_hash);
				Self::deposit_event(Event::ContractCodeUpdated {
					contract: dest.clone(),
					new_code_hash: code_hash,
					old_code_hash: contract.code_hash,
				});
				contract.code_hash = code_hash;
				Ok(())
			})
		}

		/// Calls a contract, optionally transferring `value` to it.
		///
		/// Calling an account that is not a contract fails with `ContractNotFound`. Root may
		/// call with zero value.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::call().saturating_add(*gas_limit))]
		pub fn call(
			origin: OriginFor<T>,
			dest: AccountIdLookupOf<T>,
			#[pallet::compact] value: BalanceOf<T>,
			gas_limit: Weight,
			storage_deposit_limit: Option<<BalanceOf<T> as codec::HasCompact>::Type>,
			data: Vec<u8>,
		) -> DispatchResultWithPostInfo {
			Self::ensure_migrated()?;
			let origin = Origin::<T>::from_runtime_origin(origin)?;
			let dest = T::Lookup::lookup(dest)?;
			Self::dispatch_call::<WasmBlob<T>>(
				origin,
				dest,
				value,
				gas_limit,
				storage_deposit_limit.map(Into::into),
				data,
			)
		}

		/// Uploads code and instantiates a contract from it in one go.
		///
		/// The contract address is derived from the deployer, the code hash, the constructor
		/// input and the salt (see [`Pallet::contract_address`]).
		#[pallet::call_index(7)]
		#[pallet::weight(
			T::WeightInfo::instantiate_with_code(code.len() as u32, data.len() as u32, salt.len() as u32)
			.saturating_add(*gas_limit)
		)]
		pub fn instantiate_with_code(
			origin: OriginFor<T>,
			#[pallet::compact] value: BalanceOf<T>,
			gas_limit: Weight,
			storage_deposit_limit: Option<<BalanceOf<T> as codec::HasCompact>::Type>,
			code: Vec<u8>,
			data: Vec<u8>,
			salt: Vec<u8>,
		) -> DispatchResultWithPostInfo {
			Self::ensure_migrated()?;
			// Both origins are checked, as upstream does: the uploader and the instantiator.
			let upload_origin = T::UploadOrigin::ensure_origin(origin.clone())?;
			let instantiate_origin = T::InstantiateOrigin::ensure_origin(origin)?;
			// Usually the same account, but the two origins may map to different ones: the
			// uploader pays the code deposit, the instantiator the contract's.
			Self::dispatch_instantiate::<WasmBlob<T>>(
				upload_origin,
				instantiate_origin,
				value,
				gas_limit,
				storage_deposit_limit.map(Into::into),
				Code::Upload(code),
				data,
				salt,
			)
		}

		/// Instantiates a contract from code already stored on chain.
		#[pallet::call_index(8)]
		#[pallet::weight(
			T::WeightInfo::instantiate(data.len() as u32, salt.len() as u32).saturating_add(*gas_limit)
		)]
		pub fn instantiate(
			origin: OriginFor<T>,
			#[pallet::compact] value: BalanceOf<T>,
			gas_limit: Weight,
			storage_deposit_limit: Option<<BalanceOf<T> as codec::HasCompact>::Type>,
			code_hash: CodeHash<T>,
			data: Vec<u8>,
			salt: Vec<u8>,
		) -> DispatchResultWithPostInfo {
			Self::ensure_migrated()?;
			let origin = T::InstantiateOrigin::ensure_origin(origin)?;
			Self::dispatch_instantiate::<WasmBlob<T>>(
				origin.clone(),
				origin,
				value,
				gas_limit,
				storage_deposit_limit.map(Into::into),
				Code::Existing(code_hash),
				data,
				salt,
			)
		}

		/// Runs steps of a pending storage migration.
		///
		/// Callisto has no migrations, so this always fails with `NoMigrationPerformed`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::migrate().saturating_add(*weight_limit))]
		pub fn migrate(origin: OriginFor<T>, weight_limit: Weight) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let _ = weight_limit;
			Err(DispatchErrorWithPostInfo {
				post_info: Some(T::WeightInfo::migrate()).into(),
				error: Error::<T>::NoMigrationPerformed.into(),
			})
		}
	}

	#[pallet::event]
	pub enum Event<T: Config> {
		/// A contract was instantiated by `deployer` at `contract`.
		Instantiated { deployer: T::AccountId, contract: T::AccountId },

		/// A contract terminated itself; its remaining balance went to `beneficiary`.
		///
		/// Its storage is deleted later, in `on_idle`.
		Terminated {
			/// The contract that was terminated.
			contract: T::AccountId,
			/// The account that received the contract's remaining balance.
			beneficiary: T::AccountId,
		},

		/// Code was stored for the first time.
		CodeStored { code_hash: T::Hash, deposit_held: BalanceOf<T>, uploader: T::AccountId },

		/// A contract emitted an event. Its topics are on the `EventRecord`.
		ContractEmitted {
			/// The contract that emitted the event.
			contract: T::AccountId,
			/// Data the contract supplied; its meaning is contract specific.
			data: Vec<u8>,
		},

		/// Code was removed and its deposit released.
		CodeRemoved { code_hash: T::Hash, deposit_released: BalanceOf<T>, remover: T::AccountId },

		/// A contract's code was replaced.
		ContractCodeUpdated {
			/// The contract whose code changed.
			contract: T::AccountId,
			/// The code it runs from now on.
			new_code_hash: T::Hash,
			/// The code it ran before.
			old_code_hash: T::Hash,
		},

		/// A contract was called, by an account or by root; emitted when the call succeeds.
		Called {
			/// The caller: an account (plain or contract) or root.
			caller: Origin<T>,
			/// The contract that was called.
			contract: T::AccountId,
		},

		/// A contract ran code through a delegate call; emitted when the call succeeds.
		DelegateCalled {
			/// The contract whose storage and balance the delegated code used.
			contract: T::AccountId,
			/// The code that ran.
			code_hash: CodeHash<T>,
		},

		/// A storage deposit was transferred to a contract and held there.
		StorageDepositTransferredAndHeld {
			from: T::AccountId,
			to: T::AccountId,
			amount: BalanceOf<T>,
		},

		/// A held storage deposit was released from a contract back to the origin.
		StorageDepositTransferredAndReleased {
			from: T::AccountId,
			to: T::AccountId,
			amount: BalanceOf<T>,
		},

		/// Callisto only (after every upstream event, so upstream indices are unchanged): a
		/// contract frame trapped. Deposited for nested traps (the caller survives) and for
		/// top-level ones; when a trap fails the whole extrinsic, FRAME rolls back its events,
		/// so the event is deposited again when the block finalises.
		ContractTrapped {
			/// The contract whose frame trapped.
			contract: T::AccountId,
			/// The code that trapped (for a delegate call, the delegated code).
			code_hash: CodeHash<T>,
			/// What went wrong, in plain words.
			kind: TrapKind,
			/// The panic message or host-function error; empty if there is none.
			message: String,
			/// The innermost frame in the contract's own source, if the node has the
			/// contract's debug info.
			location: Option<SourceLocation>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The schedule has a zero weight for a basic operation. Fix the runtime's `Schedule`
		/// (it is derived from `WeightInfo`; `()` weights give zero).
		InvalidSchedule,
		/// Unknown call flags, flags not allowed for a delegate call, or unknown `seal_return`
		/// flags. Use only the documented flag bits.
		InvalidCallFlags,
		/// The gas limit ran out. Dry-run first and submit with its `gas_required`.
		OutOfGas,
		/// The contract's output buffer is smaller than the value to write. Pass a bigger buffer.
		OutputBufferTooSmall,
		/// A balance transfer failed, e.g. it would have dropped the sender below the
		/// existential deposit. Transfer less or fund the sender.
		TransferFailed,
		/// The call stack is full. Nest calls less deeply.
		MaxCallDepthReached,
		/// No contract lives at the address, e.g. a plain account was called or the contract
		/// terminated. Check the address.
		ContractNotFound,
		/// The code is larger than `MaxCodeLen`. Build the contract in release mode and
		/// optimise it.
		CodeTooLarge,
		/// No code is stored under the hash. Upload it first.
		CodeNotFound,
		/// No code info is stored under the hash. Upload the code first.
		CodeInfoNotFound,
		/// A contract accessed memory outside its sandbox. A contract bug.
		OutOfBounds,
		/// Input to a host function did not decode, or a storage key is too long. A contract bug.
		DecodingFailed,
		/// The contract trapped during execution. A contract bug or an explicit panic.
		ContractTrapped,
		/// A storage value or event payload exceeds the schedule's `payload_len`. Store less.
		ValueTooLarge,
		/// A contract tried to terminate while it is also running further up the call stack.
		/// Terminate only from a frame that is not reentered.
		TerminatedWhileReentrant,
		/// The input was already consumed by a call with `FORWARD_INPUT`. Use `CLONE_INPUT`.
		InputForwarded,
		/// The subject of `random` is longer than the schedule's `subject_len`. Use a shorter
		/// subject.
		RandomSubjectTooLong,
		/// An event has more topics than the schedule's `event_topics`. Emit fewer topics.
		TooManyTopics,
		/// The contract called a chain extension, but the runtime has none. Deploy to a chain
		/// with the extension.
		NoChainExtension,
		/// An XCM message failed to decode. Encode it for this chain's XCM version.
		XCMDecodeFailed,
		/// A contract already exists at the derived address. Use a different salt or input.
		DuplicateContract,
		/// A constructor called `terminate`. Terminate only from a message.
		TerminatedInConstructor,
		/// A call would reenter a contract that does not allow reentry, or the pallet was
		/// entered again from inside contract execution. Pass `ALLOW_REENTRY` if intended.
		ReentranceDenied,
		/// A state-changing operation, or a value transfer, was attempted in a read-only call.
		/// Call without `READ_ONLY`.
		StateChangeDenied,
		/// The origin cannot pay the storage deposit limit or the code deposit. Fund the
		/// origin or lower the limit.
		StorageDepositNotEnoughFunds,
		/// The storage deposit exceeded the given limit. Raise the limit (dry-run to learn the
		/// deposit).
		StorageDepositLimitExhausted,
		/// The code is still used by contracts and cannot be removed. Terminate or migrate
		/// them first.
		CodeInUse,
		/// The contract reverted (`REVERT` flag). Only dispatchables report this; dry runs
		/// return the output with the flag instead.
		ContractReverted,
		/// The code failed validation (details in the debug buffer of a dry run). Build it
		/// with a supported toolchain and only supported host functions.
		CodeRejected,
		/// Non-deterministic code was used where determinism is required. Upload with
		/// `Determinism::Enforced` (no floats).
		Indeterministic,
		/// A storage migration is running. Wait until it finishes.
		MigrationInProgress,
		/// `migrate` found nothing to do. Do not call it when no migration is pending.
		NoMigrationPerformed,
		/// A contract locked more delegate dependencies than `MaxDelegateDependencies`. Unlock
		/// some first.
		MaxDelegateDependenciesReached,
		/// A contract unlocked a delegate dependency it had not locked.
		DelegateDependencyNotFound,
		/// A contract locked a delegate dependency it had already locked.
		DelegateDependencyAlreadyExists,
		/// A contract tried to lock its own code hash as a delegate dependency.
		CannotAddSelfAsDelegateDependency,
		/// Transient storage exceeded `MaxTransientStorageSize`. Store less transient data.
		OutOfTransientStorage,
	}

	/// Why the pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Deposit for stored code, held on the uploader.
		CodeUploadDepositReserve,
		/// Storage deposit of a contract, held on the contract account.
		StorageDepositReserve,
	}

	/// Raw Wasm code by code hash.
	#[pallet::storage]
	pub(crate) type PristineCode<T: Config> = StorageMap<_, Identity, CodeHash<T>, CodeVec<T>>;

	/// Metadata of stored code by code hash.
	#[pallet::storage]
	pub(crate) type CodeInfoOf<T: Config> = StorageMap<_, Identity, CodeHash<T>, CodeInfo<T>>;

	/// Counter of instantiations; makes each contract's trie id unique.
	#[pallet::storage]
	pub(crate) type Nonce<T: Config> = StorageValue<_, u64, ValueQuery>;

	/// Metadata of each contract by address.
	#[pallet::storage]
	pub(crate) type ContractInfoOf<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, ContractInfo<T>>;

	/// Child tries of terminated contracts waiting to be deleted.
	#[pallet::storage]
	pub(crate) type DeletionQueue<T: Config> = StorageMap<_, Twox64Concat, u32, TrieId>;

	/// Insertion and deletion positions of [`DeletionQueue`].
	#[pallet::storage]
	pub(crate) type DeletionQueueCounter<T: Config> =
		StorageValue<_, DeletionQueueManager<T>, ValueQuery>;

	/// Cursor of a running storage migration. Callisto never sets it; it exists for layout
	/// compatibility and makes the pallet refuse work if it is ever present.
	#[pallet::storage]
	pub(crate) type MigrationInProgress<T: Config> = StorageValue<_, Cursor, OptionQuery>;

	/// The DWARF of debug builds of stored code, by code hash (Callisto's own item, after
	/// upstream's): trap locations come from here, so every node computes the same trap events.
	/// Written when a debug build of the code is uploaded, removed with the code; no deposit.
	#[pallet::storage]
	#[pallet::unbounded]
	pub(crate) type DebugInfoOf<T: Config> =
		StorageMap<_, Identity, CodeHash<T>, callisto_debug_info::DwarfSections>;
}

/// Who started a call: an account (a plain account or a contract) or root.
#[derive(Clone, Encode, Decode, DecodeWithMemTracking, PartialEq, TypeInfo, DebugNoBound)]
pub enum Origin<T: Config> {
	/// Root, e.g. through sudo.
	Root,
	/// An account.
	Signed(T::AccountId),
}

impl<T: Config> Origin<T> {
	/// An account origin.
	pub fn from_account_id(account_id: T::AccountId) -> Self {
		Origin::Signed(account_id)
	}

	/// Root or signed; any other runtime origin is `BadOrigin`.
	pub fn from_runtime_origin(o: OriginFor<T>) -> Result<Self, DispatchError> {
		match o.into() {
			Ok(RawOrigin::Root) => Ok(Self::Root),
			Ok(RawOrigin::Signed(t)) => Ok(Self::Signed(t)),
			_ => Err(BadOrigin.into()),
		}
	}

	/// The account, or `RootNotAllowed` for root.
	pub fn account_id(&self) -> Result<&T::AccountId, DispatchError> {
		match self {
			Origin::Signed(id) => Ok(id),
			Origin::Root => Err(DispatchError::RootNotAllowed),
		}
	}
}

// Guards against entering the pallet again while a contract executes (e.g. a future
// `call_runtime` dispatching `Contracts::call`): the outer stack holds cached state the inner
// one would not see.
environmental::environmental!(executing_contract: bool);

/// What the internal entry points return besides the result: the meters, so the caller can
/// report gas and deposit in whichever form it needs.
pub(crate) struct InternalOutput<T: Config, O> {
	pub gas_meter: GasMeter<T>,
	pub storage_deposit: StorageDeposit<BalanceOf<T>>,
	pub result: Result<O, ExecError>,
}

impl<T: Config> Pallet<T> {
	/// Deposits a pallet event with no topics.
	///
	/// Upstream deposits through `System` directly rather than a generated `deposit_event`,
	/// and so do we: `ContractEmitted` needs the indexed variant below.
	fn deposit_event(event: Event<T>) {
		System::<T>::deposit_event(<T as Config>::RuntimeEvent::from(event))
	}

	/// A contract frame trapped: deposit `ContractTrapped`, keep it in case the dispatch fails
	/// and FRAME rolls the event back (`failed_traps`), and tell the node log.
	/// `log` is false while tracing: a re-execution for a trace would log every trap of the
	/// block again.
	pub(crate) fn contract_trapped(
		contract: T::AccountId,
		code_hash: CodeHash<T>,
		trap: TrapInfo,
		log: bool,
	) {
		if log {
			let location = match &trap.location {
				Some(l) => alloc::format!(" at {}", l.position()),
				None => alloc::string::String::from(" (no debug info for this code)"),
			};
			log::info!(
				target: LOG_TARGET,
				"contract {contract:?} (code {code_hash:?}) trapped: {:?}{location}: {}",
				trap.kind,
				trap.message
			);
		}
		let event = Event::<T>::ContractTrapped {
			contract,
			code_hash,
			kind: trap.kind,
			message: trap.message,
			location: trap.location,
		};
		failed_traps::record(event.encode());
		Self::deposit_event(event);
	}

	/// Deposits a pallet event with `topics` on its `EventRecord`.
	fn deposit_indexed_event(topics: Vec<T::Hash>, event: Event<T>) {
		System::<T>::deposit_event_indexed(&topics, <T as Config>::RuntimeEvent::from(event).into())
	}

	/// Fails with `MigrationInProgress` while a migration cursor is stored.
	fn ensure_migrated() -> Result<(), DispatchError> {
		if <MigrationInProgress<T>>::exists() {
			Err(Error::<T>::MigrationInProgress.into())
		} else {
			Ok(())
		}
	}

	/// The 2-dimensional limit of a 1-dimensional weight: the proof size is generous enough to
	/// load two pieces of code of maximal size.
	fn compat_weight_limit(gas_limit: OldWeight) -> Weight {
		Weight::from_parts(gas_limit, u64::from(T::MaxCodeLen::get()) * 2)
	}

	/// The address a contract gets when `deployer` instantiates `code_hash` with `input_data`
	/// and `salt`.
	pub fn contract_address(
		deployer: &T::AccountId,
		code_hash: &CodeHash<T>,
		input_data: &[u8],
		salt: &[u8],
	) -> T::AccountId {
		T::AddressGenerator::contract_address(deployer, code_hash, input_data, salt)
	}

	/// The code hash of the contract at `account`, if there is one.
	pub fn code_hash(account: &AccountIdOf<T>) -> Option<CodeHash<T>> {
		<ContractInfoOf<T>>::get(account).map(|info| info.code_hash)
	}

	/// Reads a value of a contract's storage by var key, as `ContractsApi::get_storage` does.
	pub fn get_storage(address: T::AccountId, key: Vec<u8>) -> GetStorageResult {
		if Self::ensure_migrated().is_err() {
			return Err(ContractAccessError::MigrationInProgress);
		}
		let contract =
			<ContractInfoOf<T>>::get(&address).ok_or(ContractAccessError::DoesntExist)?;
		let key =
			Key::try_from_var::<T>(key).map_err(|_| ContractAccessError::KeyDecodingFailed)?;
		Ok(contract.read(&key))
	}

	/// Uploads code on behalf of `origin`, as `upload_code` and `ContractsApi::upload_code` do.
	pub fn bare_upload_code(
		origin: T::AccountId,
		code: Vec<u8>,
		storage_deposit_limit: Option<BalanceOf<T>>,
		determinism: Determinism,
	) -> CodeUploadResult<CodeHash<T>, BalanceOf<T>> {
		Self::ensure_migrated()?;
		let (code_hash, deposit) =
			Self::try_upload_code(origin, code, storage_deposit_limit, determinism, None)?;
		Ok(CodeUploadReturnValue { code_hash, deposit })
	}

	/// Stores code unless already stored; returns its hash and the deposit held (zero if it
	/// was already there). `StorageDepositLimitExhausted` if the deposit exceeds `limit`. Why
	/// code was rejected goes to `debug_message`.
	fn try_upload_code(
		origin: T::AccountId,
		code: Vec<u8>,
		limit: Option<BalanceOf<T>>,
		determinism: Determinism,
		debug_message: Option<&mut DebugBufferVec<T>>,
	) -> Result<(CodeHash<T>, BalanceOf<T>), DispatchError> {
		let mut module = UploadedCode::<T>::from_code(code, origin, determinism).map_err(
			|(error, reason)| {
				if let (Some(buffer), Some(reason)) = (debug_message, reason) {
					let _ = buffer.try_extend(reason.bytes());
				}
				error
			},
		)?;
		let deposit = module.store_code()?;
		if let Some(limit) = limit {
			ensure!(deposit <= limit, <Error<T>>::StorageDepositLimitExhausted);
		}
		Ok((*module.code_hash(), deposit))
	}

	/// The `call` dispatchable on top of the executable `E`: a revert is an error
	/// (`ContractReverted`) and the post-dispatch weight is the gas used plus the base weight.
	pub(crate) fn dispatch_call<E: Executable<T>>(
		origin: Origin<T>,
		dest: T::AccountId,
		value: BalanceOf<T>,
		gas_limit: Weight,
		storage_deposit_limit: Option<BalanceOf<T>>,
		data: Vec<u8>,
	) -> DispatchResultWithPostInfo {
		let mark = failed_traps::begin_dispatch();
		let InternalOutput { gas_meter, result, .. } = Self::run_call::<E>(
			origin,
			dest,
			value,
			gas_limit,
			storage_deposit_limit,
			data,
			None,
			Determinism::Enforced,
		);
		let result = result.map_err(|e| e.error).and_then(|ret| {
			ensure!(!ret.did_revert(), <Error<T>>::ContractReverted);
			Ok(())
		});
		if result.is_err() {
			failed_traps::dispatch_failed(mark);
		}
		gas_meter.into_dispatch_result(result, T::WeightInfo::call())
	}

	/// The `instantiate` and `instantiate_with_code` dispatchables on top of the executable
	/// `E`. With `code`, it is uploaded first (determinism enforced) and its deposit comes off
	/// the deposit limit; otherwise `code_hash` must be stored. `uploader` pays for uploaded
	/// code, `origin` instantiates.
	pub(crate) fn dispatch_instantiate<E: Executable<T>>(
		uploader: T::AccountId,
		origin: T::AccountId,
		value: BalanceOf<T>,
		gas_limit: Weight,
		storage_deposit_limit: Option<BalanceOf<T>>,
		code: Code<CodeHash<T>>,
		data: Vec<u8>,
		salt: Vec<u8>,
	) -> DispatchResultWithPostInfo {
		let mark = failed_traps::begin_dispatch();
		let (data_len, salt_len) = (data.len() as u32, salt.len() as u32);
		let (code_hash, upload_deposit, base_weight) = match code {
			Code::Upload(code) => {
				let code_len = code.len() as u32;
				let (hash, deposit) = Self::try_upload_code(
					uploader,
					code,
					storage_deposit_limit,
					Determinism::Enforced,
					None,
				)?;
				(hash, deposit, T::WeightInfo::instantiate_with_code(code_len, data_len, salt_len))
			}
			Code::Existing(hash) => {
				(hash, Zero::zero(), T::WeightInfo::instantiate(data_len, salt_len))
			}
		};
		let storage_deposit_limit =
			storage_deposit_limit.map(|limit| limit.saturating_sub(upload_deposit));
		let InternalOutput { gas_meter, result, .. } = Self::run_instantiate::<E>(
			origin,
			value,
			gas_limit,
			storage_deposit_limit,
			code_hash,
			data,
			salt,
			None,
		);
		let result = result.map_err(|e| e.error).and_then(|(_, ret)| {
			ensure!(!ret.did_revert(), <Error<T>>::ContractReverted);
			Ok(())
		});
		if result.is_err() {
			failed_traps::dispatch_failed(mark);
		}
		gas_meter.into_dispatch_result(result, base_weight)
	}

	/// Dry-runs (or, from other pallets, runs) a call: what `ContractsApi::call` returns.
	///
	/// With `DebugInfo::UnsafeDebug` the contract's `debug_message` output is collected; with
	/// `CollectEvents::UnsafeCollect` the block's events are returned. Both only for off-chain
	/// use.
	pub fn bare_call(
		origin: T::AccountId,
		dest: T::AccountId,
		value: BalanceOf<T>,
		gas_limit: Weight,
		storage_deposit_limit: Option<BalanceOf<T>>,
		data: Vec<u8>,
		debug: DebugInfo,
		collect_events: CollectEvents,
		determinism: Determinism,
	) -> ContractExecResult<BalanceOf<T>, EventRecordOf<T>> {
		Self::bare_call_with::<WasmBlob<T>>(
			origin,
			dest,
			value,
			gas_limit,
			storage_deposit_limit,
			data,
			debug,
			collect_events,
			determinism,
		)
	}

	/// Dry-runs (or runs) an instantiation, uploading the code first if given as bytes: what
	/// `ContractsApi::instantiate` returns.
	pub fn bare_instantiate(
		origin: T::AccountId,
		value: BalanceOf<T>,
		gas_limit: Weight,
		storage_deposit_limit: Option<BalanceOf<T>>,
		code: Code<CodeHash<T>>,
		data: Vec<u8>,
		salt: Vec<u8>,
		debug: DebugInfo,
		collect_events: CollectEvents,
	) -> ContractInstantiateResult<T::AccountId, BalanceOf<T>, EventRecordOf<T>> {
		Self::bare_instantiate_with::<WasmBlob<T>>(
			origin,
			value,
			gas_limit,
			storage_deposit_limit,
			code,
			data,
			salt,
			debug,
			collect_events,
		)
	}

	/// `ContractsApi::call` on top of the executable `E`.
	pub(crate) fn bare_call_with<E: Executable<T>>(
		origin: T::AccountId,
		dest: T::AccountId,
		value: BalanceOf<T>,
		gas_limit: Weight,
		storage_deposit_limit: Option<BalanceOf<T>>,
		data: Vec<u8>,
		debug: DebugInfo,
		collect_events: CollectEvents,
		determinism: Determinism,
	) -> ContractExecResult<BalanceOf<T>, EventRecordOf<T>> {
		if let Err(error) = Self::ensure_migrated() {
			return Self::failed_before_execution(error, None, None);
		}
		let mut debug_message =
			(debug == DebugInfo::UnsafeDebug).then(DebugBufferVec::<T>::default);
		let output = Self::run_call::<E>(
			Origin::from_account_id(origin),
			dest,
			value,
			gas_limit,
			storage_deposit_limit,
			data,
			debug_message.as_mut(),
			determinism,
		);
		Self::into_contract_result(output, |ret| ret, debug_message, collect_events)
	}

	/// `ContractsApi::instantiate` on top of the executable `E`. The reported deposit includes
	/// the code upload's.
	pub(crate) fn bare_instantiate_with<E: Executable<T>>(
		origin: T::AccountId,
		value: BalanceOf<T>,
		gas_limit: Weight,
		storage_deposit_limit: Option<BalanceOf<T>>,
		code: Code<CodeHash<T>>,
		data: Vec<u8>,
		salt: Vec<u8>,
		debug: DebugInfo,
		collect_events: CollectEvents,
	) -> ContractInstantiateResult<T::AccountId, BalanceOf<T>, EventRecordOf<T>> {
		if let Err(error) = Self::ensure_migrated() {
			return Self::failed_before_execution(error, None, None);
		}
		let mut debug_message =
			(debug == DebugInfo::UnsafeDebug).then(DebugBufferVec::<T>::default);
		let (code_hash, upload_deposit) = match code {
			Code::Upload(code) => match Self::try_upload_code(
				origin.clone(),
				code,
				storage_deposit_limit,
				Determinism::Enforced,
				debug_message.as_mut(),
			) {
				Ok(uploaded) => uploaded,
				// Upstream collects events on this path too.
				Err(error) => {
					let events =
						(collect_events == CollectEvents::UnsafeCollect).then(Self::collect_events);
					return Self::failed_before_execution(error, debug_message, events);
				}
			},
			Code::Existing(hash) => (hash, Zero::zero()),
		};
		let storage_deposit_limit =
			storage_deposit_limit.map(|limit| limit.saturating_sub(upload_deposit));
		let output = Self::run_instantiate::<E>(
			origin,
			value,
			gas_limit,
			storage_deposit_limit,
			code_hash,
			data,
			salt,
			debug_message.as_mut(),
		);
		let mut result = Self::into_contract_result(
			output,
			|(account_id, result)| InstantiateReturnValue { result, account_id },
			debug_message,
			collect_events,
		);
		result.storage_deposit =
			result.storage_deposit.saturating_add(&StorageDeposit::Charge(upload_deposit));
		result
	}

	/// A dry-run result for a failure before anything ran: no gas, no deposit.
	fn failed_before_execution<R>(
		error: DispatchError,
		debug_message: Option<DebugBufferVec<T>>,
		events: Option<Vec<EventRecordOf<T>>>,
	) -> ContractResult<Result<R, DispatchError>, BalanceOf<T>, EventRecordOf<T>> {
		ContractResult {
			gas_consumed: Weight::zero(),
			gas_required: Weight::zero(),
			storage_deposit: Default::default(),
			debug_message: debug_message.map(|m| m.into_inner()).unwrap_or_default(),
			result: Err(error),
			events,
		}
	}

	/// All events in `System::Events`, as dry runs return them.
	fn collect_events() -> Vec<EventRecordOf<T>> {
		System::<T>::read_events_no_consensus().map(|e| *e).collect()
	}

	/// Runs a call through the stack with the executable `E`.
	///
	/// The shared core of the `call` dispatchable and `ContractsApi::call`; the Wasm
	/// executable plugs in as `E`.
	pub(crate) fn run_call<E: Executable<T>>(
		origin: Origin<T>,
		dest: T::AccountId,
		value: BalanceOf<T>,
		gas_limit: Weight,
		storage_deposit_limit: Option<BalanceOf<T>>,
		data: Vec<u8>,
		debug_message: Option<&mut DebugBufferVec<T>>,
		determinism: Determinism,
	) -> InternalOutput<T, ExecReturnValue> {
		let mut gas_meter = GasMeter::new(gas_limit);
		let mut storage_deposit = Default::default();
		let result = Self::guarded(|| {
			let mut storage_meter = StorageMeter::new(&origin, storage_deposit_limit, value)?;
			let result = ExecStack::<T, E>::run_call(
				origin.clone(),
				dest,
				&mut gas_meter,
				&mut storage_meter,
				value,
				data,
				debug_message,
				determinism,
			);
			storage_deposit = storage_meter.try_into_deposit(&origin)?;
			result
		});
		InternalOutput { gas_meter, storage_deposit, result }
	}

	/// Instantiates code by hash through the stack with the executable `E`.
	///
	/// The shared core of the `instantiate*` dispatchables and `ContractsApi::instantiate`.
	/// Uploading comes first (see [`Self::bare_upload_code`]) and is not part of this.
	pub(crate) fn run_instantiate<E: Executable<T>>(
		origin: T::AccountId,
		value: BalanceOf<T>,
		gas_limit: Weight,
		storage_deposit_limit: Option<BalanceOf<T>>,
		code_hash: CodeHash<T>,
		data: Vec<u8>,
		salt: Vec<u8>,
		debug_message: Option<&mut DebugBufferVec<T>>,
	) -> InternalOutput<T, (T::AccountId, ExecReturnValue)> {
		let mut gas_meter = GasMeter::new(gas_limit);
		let mut storage_deposit = Default::default();
		let result = Self::guarded(|| {
			let executable = E::from_storage(code_hash, &mut gas_meter)?;
			let signed = Origin::from_account_id(origin.clone());
			let mut storage_meter = StorageMeter::new(&signed, storage_deposit_limit, value)?;
			let result = ExecStack::<T, E>::run_instantiate(
				origin.clone(),
				executable,
				&mut gas_meter,
				&mut storage_meter,
				value,
				data,
				&salt,
				debug_message,
			);
			storage_deposit = storage_meter.try_into_deposit(&signed)?;
			result
		});
		InternalOutput { gas_meter, storage_deposit, result }
	}

	/// Runs `f` unless a contract is already executing, in which case entering again is
	/// `ReentranceDenied`.
	fn guarded<R>(f: impl FnOnce() -> Result<R, ExecError>) -> Result<R, ExecError> {
		executing_contract::using_once(&mut false, || {
			executing_contract::with(|executing| -> Result<(), ExecError> {
				if *executing {
					return Err(Error::<T>::ReentranceDenied.into());
				}
				*executing = true;
				Ok(())
			})
			.expect("using_once was called above; qed")?;
			let result = f();
			executing_contract::with(|executing| *executing = false);
			result
		})
	}

	/// Turns an internal result into a dry-run `ContractResult`, collecting events and the
	/// debug buffer as requested.
	pub(crate) fn into_contract_result<O, R>(
		output: InternalOutput<T, O>,
		map: impl FnOnce(O) -> R,
		debug_message: Option<DebugBufferVec<T>>,
		collect_events: CollectEvents,
	) -> ContractResult<Result<R, DispatchError>, BalanceOf<T>, EventRecordOf<T>> {
		let events = match collect_events {
			CollectEvents::UnsafeCollect => Some(Self::collect_events()),
			CollectEvents::Skip => None,
		};
		ContractResult {
			gas_consumed: output.gas_meter.gas_consumed(),
			gas_required: output.gas_meter.gas_required(),
			storage_deposit: output.storage_deposit,
			debug_message: debug_message.map(|m| m.into_inner()).unwrap_or_default(),
			result: output.result.map(map).map_err(|e| e.error),
			events,
		}
	}
}

sp_api::decl_runtime_apis! {
	/// The API tools use to dry-run contract calls and read contract storage.
	#[api_version(2)]
	pub trait ContractsApi<AccountId, Balance, BlockNumber, Hash, EventRecord> where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
		Hash: Codec,
		EventRecord: Codec,
	{
		/// Dry-runs a call to a contract.
		fn call(
			origin: AccountId,
			dest: AccountId,
			value: Balance,
			gas_limit: Option<Weight>,
			storage_deposit_limit: Option<Balance>,
			input_data: Vec<u8>,
		) -> ContractExecResult<Balance, EventRecord>;

		/// Dry-runs an instantiation, uploading the code first if given as bytes.
		fn instantiate(
			origin: AccountId,
			value: Balance,
			gas_limit: Option<Weight>,
			storage_deposit_limit: Option<Balance>,
			code: Code<Hash>,
			data: Vec<u8>,
			salt: Vec<u8>,
		) -> ContractInstantiateResult<AccountId, Balance, EventRecord>;

		/// Dry-runs a code upload.
		fn upload_code(
			origin: AccountId,
			code: Vec<u8>,
			storage_deposit_limit: Option<Balance>,
			determinism: Determinism,
		) -> CodeUploadResult<Hash, Balance>;

		/// Reads a value of a contract's storage by var key.
		fn get_storage(
			address: AccountId,
			key: Vec<u8>,
		) -> GetStorageResult;
	}
}

sp_api::decl_runtime_apis! {
	/// Callisto's tracing entry point. Called at a block's parent, it executes the block's
	/// extrinsics again so that the node (which registers a trace collector for the call) gets
	/// the traces of their contract calls. Its state changes are discarded like any runtime-API
	/// call's.
	pub trait ContractsTraceApi {
		/// Initialises a block from `header` and applies `extrinsics` in order.
		fn execute_block_traced(header: Block::Header, extrinsics: Vec<Block::Extrinsic>);
	}
}
