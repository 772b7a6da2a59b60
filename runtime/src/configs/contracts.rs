//! The contracts pallet: ink! contracts on the sandbox, with dev-chain limits.
//!
//! Deposits and limits follow what `substrate-contracts-node` offers ink! developers; where a
//! limit is larger than a production chain's, the comment says why.

use frame_support::{
	parameter_types,
	traits::{ConstBool, ConstU32, Everything},
};
use frame_system::EnsureSigned;
use pallet_contracts::{DefaultAddressGenerator, Frame, Schedule};
use sp_runtime::Perbill;

use super::super::{
	AccountId, Balance, Balances, RandomnessCollectiveFlip, Runtime, RuntimeCall, RuntimeEvent,
	RuntimeHoldReason, Timestamp, MILLI_UNIT,
};

/// Storage deposit for `items` storage items of `bytes` bytes in total.
const fn deposit(items: u32, bytes: u32) -> Balance {
	items as Balance * 15 * MILLI_UNIT + bytes as Balance * 6 * MILLI_UNIT / 10
}

parameter_types! {
	pub const DepositPerItem: Balance = deposit(1, 0);
	pub const DepositPerByte: Balance = deposit(0, 1);
	/// Used when a caller gives no deposit limit: enough for any dev workload.
	pub const DefaultDepositLimit: Balance = deposit(1024, 1024 * 1024);
	pub ContractsSchedule: Schedule<Runtime> = Default::default();
	/// Locking code for delegate calls costs nothing extra on a dev chain.
	pub const CodeHashLockupDepositPercent: Perbill = Perbill::from_percent(0);
}

impl pallet_contracts::Config for Runtime {
	type Time = Timestamp;
	type Randomness = RandomnessCollectiveFlip;
	type Currency = Balances;
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Contracts may dispatch any runtime call (`call_runtime`) as themselves; re-entering
	/// `Contracts` is refused by the pallet itself.
	type CallFilter = Everything;
	type WeightPrice = pallet_transaction_payment::Pallet<Self>;
	type WeightInfo = ();
	type Schedule = ContractsSchedule;
	type CallStack = [Frame<Self>; 5];
	type DepositPerByte = DepositPerByte;
	type DefaultDepositLimit = DefaultDepositLimit;
	type DepositPerItem = DepositPerItem;
	type CodeHashLockupDepositPercent = CodeHashLockupDepositPercent;
	type AddressGenerator = DefaultAddressGenerator;
	/// 512 KiB instead of production's 123 KiB: a contract built with DWARF line tables for
	/// source-level traps must still deploy.
	type MaxCodeLen = ConstU32<{ 512 * 1024 }>;
	type MaxStorageKeyLen = ConstU32<128>;
	type MaxTransientStorageSize = ConstU32<{ 1024 * 1024 }>;
	type MaxDelegateDependencies = ConstU32<32>;
	/// A dev chain is where developers try the unstable host functions.
	type UnsafeUnstableInterface = ConstBool<true>;
	/// 2 MiB of `debug_message` output per dry run: chatty debug builds are the point here.
	type MaxDebugBufferLen = ConstU32<{ 2 * 1024 * 1024 }>;
	type UploadOrigin = EnsureSigned<AccountId>;
	type InstantiateOrigin = EnsureSigned<AccountId>;
	type Environment = ();
	type ApiVersion = ();
}
