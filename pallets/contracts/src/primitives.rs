//! Types that cross the runtime boundary: the results of the `ContractsApi` runtime API and the
//! arguments the runtime passes to the `bare_*` entry points.
//!
//! Tools (cargo-contract, polkadot.js api-contract) decode these from raw SCALE bytes with their
//! own copies of the definitions, so field order, variant order and encodings here are part of
//! the wire format and must not change. The scale-info paths (`pallet_contracts::primitives::*`)
//! come from this module's location in the crate.

use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::weights::Weight;
use scale_info::{build::Fields, Path, Type, TypeInfo};
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchError,
};

/// The outcome of a dry run through the runtime API: the result plus everything a tool needs to
/// build the real extrinsic (gas and deposit limits) and to show the developer what happened.
#[derive(Clone, Eq, PartialEq, Encode, Decode, Debug, TypeInfo)]
pub struct ContractResult<R, Balance, EventRecord> {
	/// Weight actually used by the call.
	pub gas_consumed: Weight,
	/// Weight a real submission needs as its limit. It can exceed `gas_consumed` because some
	/// charges are made for the worst case first and refunded afterwards.
	pub gas_required: Weight,
	/// Net storage deposit charged or refunded, existential deposit of new contracts included.
	pub storage_deposit: StorageDeposit<Balance>,
	/// UTF-8 debug output of the contracts, only filled for `DebugInfo::UnsafeDebug`.
	pub debug_message: Vec<u8>,
	/// The execution result.
	pub result: R,
	/// The events in `System::Events` after execution, only for `CollectEvents::UnsafeCollect`.
	pub events: Option<Vec<EventRecord>>,
}

/// Result of a `ContractsApi::call` dry run.
pub type ContractExecResult<Balance, EventRecord> =
	ContractResult<Result<ExecReturnValue, DispatchError>, Balance, EventRecord>;

/// Result of a `ContractsApi::instantiate` dry run.
pub type ContractInstantiateResult<AccountId, Balance, EventRecord> =
	ContractResult<Result<InstantiateReturnValue<AccountId>, DispatchError>, Balance, EventRecord>;

/// Result of a `ContractsApi::upload_code` dry run.
pub type CodeUploadResult<CodeHash, Balance> =
	Result<CodeUploadReturnValue<CodeHash, Balance>, DispatchError>;

/// Result of `ContractsApi::get_storage`.
pub type GetStorageResult = Result<Option<Vec<u8>>, ContractAccessError>;

/// Why `ContractsApi::get_storage` could not read a value.
#[derive(Copy, Clone, Eq, PartialEq, Encode, Decode, MaxEncodedLen, Debug, TypeInfo)]
pub enum ContractAccessError {
	/// No contract lives at the given address.
	DoesntExist,
	/// The key is longer than `MaxStorageKeyLen`.
	KeyDecodingFailed,
	/// A storage migration is running; contract storage may be in an old layout.
	MigrationInProgress,
}

/// Flags a contract returns together with its output.
///
/// A bitmask of `u32` on the wire. Its scale-info path is that of the type contracts themselves
/// use (`pallet_contracts_uapi::flags::ReturnFlags`, a composite with one `bits: u32` field), so
/// metadata-driven decoders treat both alike; the `TypeInfo` impl below states that path by hand
/// instead of depending on the uapi crate for one bitmask.
#[derive(Copy, Clone, Default, Eq, PartialEq, Encode, Debug, MaxEncodedLen)]
pub struct ReturnFlags {
	bits: u32,
}

impl ReturnFlags {
	/// The contract reverted: its state changes are rolled back but the output is returned.
	pub const REVERT: Self = Self { bits: 0x0000_0001 };

	/// Flags from raw bits, `None` if any bit other than the known ones is set.
	pub fn from_bits(bits: u32) -> Option<Self> {
		(bits & !Self::REVERT.bits == 0).then_some(Self { bits })
	}

	/// The empty set of flags.
	pub const fn empty() -> Self {
		Self { bits: 0 }
	}

	/// The raw bitmask.
	pub const fn bits(&self) -> u32 {
		self.bits
	}

	/// Whether all flags in `other` are set.
	pub const fn contains(&self, other: Self) -> bool {
		self.bits & other.bits == other.bits
	}
}

impl Decode for ReturnFlags {
	fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
		let bits = u32::decode(input)?;
		Self::from_bits(bits).ok_or_else(|| "Invalid bits for ReturnFlags".into())
	}
}

impl TypeInfo for ReturnFlags {
	type Identity = Self;

	fn type_info() -> Type {
		Type::builder()
			.path(
				Path::from_segments(["pallet_contracts_uapi", "flags", "ReturnFlags"])
					.expect("segments are valid Rust identifiers; qed"),
			)
			.composite(Fields::named().field(|f| f.ty::<u32>().name("bits").type_name("u32")))
	}
}

/// Output of a contract call or constructor.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug, TypeInfo)]
pub struct ExecReturnValue {
	/// Flags passed along by `seal_return`. Empty when the contract returned normally.
	pub flags: ReturnFlags,
	/// Buffer passed along by `seal_return`. Empty when the contract returned normally.
	pub data: Vec<u8>,
}

impl ExecReturnValue {
	/// Whether the contract asked for its state changes to be rolled back.
	pub fn did_revert(&self) -> bool {
		self.flags.contains(ReturnFlags::REVERT)
	}
}

/// Output of a successful instantiation.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug, TypeInfo)]
pub struct InstantiateReturnValue<AccountId> {
	/// The output of the constructor.
	pub result: ExecReturnValue,
	/// The address of the new contract.
	pub account_id: AccountId,
}

/// Output of a successful code upload.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, Debug, TypeInfo)]
pub struct CodeUploadReturnValue<CodeHash, Balance> {
	/// The hash under which the code is stored.
	pub code_hash: CodeHash,
	/// The deposit held for storing the code; zero if it was already stored.
	pub deposit: Balance,
}

/// Code to instantiate: new bytes, or a hash of code already on chain.
#[derive(Clone, Eq, PartialEq, Encode, Decode, Debug, TypeInfo)]
pub enum Code<Hash> {
	/// Upload this Wasm blob first, then instantiate it.
	Upload(Vec<u8>),
	/// Instantiate code already stored under this hash.
	Existing(Hash),
}

/// A net amount of storage deposit: charged to the origin or refunded to it.
///
/// Variant order is part of the wire format: `Refund` is 0 and `Charge` is 1.
#[derive(Clone, Eq, PartialEq, Ord, PartialOrd, Encode, Decode, MaxEncodedLen, Debug, TypeInfo)]
pub enum StorageDeposit<Balance> {
	/// The origin gets this much back.
	Refund(Balance),
	/// The origin pays this much.
	Charge(Balance),
}

impl<Balance: Zero> Default for StorageDeposit<Balance> {
	fn default() -> Self {
		Self::Charge(Zero::zero())
	}
}

impl<Balance: Zero + Copy> StorageDeposit<Balance> {
	/// The charged amount, or zero for a refund.
	pub fn charge_or_zero(&self) -> Balance {
		match self {
			Self::Charge(amount) => *amount,
			Self::Refund(_) => Zero::zero(),
		}
	}

	/// Whether nothing is charged or refunded.
	pub fn is_zero(&self) -> bool {
		match self {
			Self::Charge(amount) | Self::Refund(amount) => amount.is_zero(),
		}
	}
}

impl<Balance: Saturating + Ord + Copy> StorageDeposit<Balance> {
	/// The sum of two deposits, netting charges against refunds.
	pub fn saturating_add(&self, rhs: &Self) -> Self {
		use StorageDeposit::*;
		match (self, rhs) {
			(Charge(lhs), Charge(rhs)) => Charge(lhs.saturating_add(*rhs)),
			(Refund(lhs), Refund(rhs)) => Refund(lhs.saturating_add(*rhs)),
			(Charge(charge), Refund(refund)) | (Refund(refund), Charge(charge)) => {
				if charge >= refund {
					Charge(charge.saturating_sub(*refund))
				} else {
					Refund(refund.saturating_sub(*charge))
				}
			}
		}
	}

	/// How much of `limit` is left after this deposit: a refund frees room, a charge uses it.
	pub fn available(&self, limit: &Balance) -> Balance {
		match self {
			Self::Charge(amount) => limit.saturating_sub(*amount),
			Self::Refund(amount) => limit.saturating_add(*amount),
		}
	}
}
