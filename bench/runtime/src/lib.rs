//! The bench runtime: one FRAME runtime holding two contracts pallets, Callisto's
//! (`Contracts`, contracts on the host through `sp-sandbox`) and stock pallet-contracts 51.0.0
//! from crates.io (`ContractsStock`, contracts on wasmi inside this runtime's Wasm).
//!
//! `callisto-bench` executes its Wasm through sc-executor, as the node does, and sends the same
//! ink! contracts to either pallet: per-call workloads through the [`BenchApi`] runtime API (a
//! dry run: `bare_call` / `bare_instantiate`), whole blocks through `Core_execute_block`. Both
//! pallets would declare `ContractsApi`, so neither is implemented here; `BenchApi` names the
//! pallet per call instead.
//!
//! Everything else mirrors `callisto-runtime` (same transaction extensions, fees and balances;
//! Callisto's pallet with the node's configuration, so gas is what the node charges), except the
//! block weight limit: a bench block holds more contract calls than a production block would.

#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

mod apis;
pub mod configs;

use alloc::vec::Vec;
use codec::{Decode, Encode};
use scale_info::TypeInfo;
use sp_runtime::{
	generic,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	DispatchError, MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_support::weights::Weight;
#[cfg(feature = "std")]
pub use sp_runtime::BuildStorage;

#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("callisto-bench"),
	impl_name: alloc::borrow::Cow::Borrowed("callisto-bench"),
	authoring_version: 1,
	spec_version: 1,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// One whole token, as on the Callisto dev chain.
pub const UNIT: Balance = 1_000_000_000_000;
pub const MILLI_UNIT: Balance = UNIT / 1_000;
pub const EXISTENTIAL_DEPOSIT: Balance = UNIT / 1_000_000;

pub type Signature = MultiSignature;
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
pub type Balance = u128;
pub type Nonce = u32;
pub type Hash = sp_core::H256;
pub type BlockNumber = u32;
pub type Address = MultiAddress<AccountId, ()>;
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// `callisto-runtime`'s transaction extensions, so a bench block checks what a node's does.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type RandomnessCollectiveFlip = pallet_insecure_randomness_collective_flip;

	#[runtime::pallet_index(2)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(3)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(4)]
	pub type TransactionPayment = pallet_transaction_payment;

	/// Callisto's pallet, at its index in `callisto-runtime`.
	#[runtime::pallet_index(6)]
	pub type Contracts = pallet_contracts;

	/// Stock pallet-contracts 51.0.0.
	#[runtime::pallet_index(7)]
	pub type ContractsStock = pallet_contracts_stock;
}

/// Which contracts pallet a [`BenchApi`] call goes to.
#[derive(Encode, Decode, TypeInfo, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pallet {
	/// Stock pallet-contracts 51.0.0: wasmi inside the runtime.
	Stock,
	/// Callisto's pallet: the sandbox on the host, on the backend the host registered.
	Callisto,
}

/// The code a [`BenchApi::instantiate`] starts from.
#[derive(Encode, Decode, TypeInfo, Clone, Debug, PartialEq, Eq)]
pub enum CodeSource {
	/// Upload these bytes first (`instantiate_with_code`).
	Upload(Vec<u8>),
	/// Code already stored under this hash.
	Existing(Hash),
}

/// What a [`BenchApi`] call did, in the same shape for both pallets.
#[derive(Encode, Decode, TypeInfo, Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
	/// The contract's output (`reverted`, data), or why the call failed.
	pub result: Result<(bool, Vec<u8>), DispatchError>,
	/// The new contract's account (instantiations only).
	pub account: Option<AccountId>,
	/// Gas the call used, as the pallet reports it.
	pub gas_consumed: Weight,
}

sp_api::decl_runtime_apis! {
	/// Dry runs on either contracts pallet: `bare_call` / `bare_instantiate` with no debug
	/// buffer and no event collection (what a node's transaction path does).
	pub trait BenchApi {
		/// Calls `dest` with `input` from `origin`, transferring nothing.
		fn call(pallet: Pallet, origin: AccountId, dest: AccountId, gas_limit: Weight, input: Vec<u8>) -> Outcome;

		/// Instantiates `code` with constructor `input` and `salt` from `origin`.
		fn instantiate(
			pallet: Pallet,
			origin: AccountId,
			gas_limit: Weight,
			code: CodeSource,
			input: Vec<u8>,
			salt: Vec<u8>,
		) -> Outcome;
	}
}
