//! The runtime APIs the bench calls: `Core` and `BlockBuilder` for block execution, and
//! [`BenchApi`](crate::BenchApi) for dry runs on either contracts pallet.

use alloc::vec::Vec;
use sp_api::impl_runtime_apis;
use sp_runtime::{traits::Block as BlockT, ApplyExtrinsicResult};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Block, CodeSource, Contracts, ContractsStock, Executive, InherentDataExt, Outcome,
	Pallet, Runtime, Weight, VERSION,
};

/// What the node's transaction path does: no debug buffer, no events collected.
const CALLISTO_DEBUG: pallet_contracts::DebugInfo = pallet_contracts::DebugInfo::Skip;
const CALLISTO_EVENTS: pallet_contracts::CollectEvents = pallet_contracts::CollectEvents::Skip;
const STOCK_DEBUG: pallet_contracts_stock::DebugInfo = pallet_contracts_stock::DebugInfo::Skip;
const STOCK_EVENTS: pallet_contracts_stock::CollectEvents =
	pallet_contracts_stock::CollectEvents::Skip;

impl_runtime_apis! {
	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block);
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> sp_runtime::ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: sp_inherents::InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
			data.create_extrinsics()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: sp_inherents::InherentData,
		) -> sp_inherents::CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl crate::BenchApi<Block> for Runtime {
		fn call(
			pallet: Pallet,
			origin: AccountId,
			dest: AccountId,
			gas_limit: Weight,
			input: Vec<u8>,
		) -> Outcome {
			match pallet {
				Pallet::Callisto => {
					let r = Contracts::bare_call(
						origin,
						dest,
						0,
						gas_limit,
						None,
						input,
						CALLISTO_DEBUG,
						CALLISTO_EVENTS,
						pallet_contracts::Determinism::Enforced,
					);
					Outcome {
						result: r.result.map(|v| (v.did_revert(), v.data)),
						account: None,
						gas_consumed: r.gas_consumed,
					}
				},
				Pallet::Stock => {
					let r = ContractsStock::bare_call(
						origin,
						dest,
						0,
						gas_limit,
						None,
						input,
						STOCK_DEBUG,
						STOCK_EVENTS,
						pallet_contracts_stock::Determinism::Enforced,
					);
					Outcome {
						result: r.result.map(|v| (v.did_revert(), v.data)),
						account: None,
						gas_consumed: r.gas_consumed,
					}
				},
			}
		}

		fn instantiate(
			pallet: Pallet,
			origin: AccountId,
			gas_limit: Weight,
			code: CodeSource,
			input: Vec<u8>,
			salt: Vec<u8>,
		) -> Outcome {
			match pallet {
				Pallet::Callisto => {
					let code = match code {
						CodeSource::Upload(bytes) => pallet_contracts::Code::Upload(bytes),
						CodeSource::Existing(hash) => pallet_contracts::Code::Existing(hash),
					};
					let r = Contracts::bare_instantiate(
						origin,
						0,
						gas_limit,
						None,
						code,
						input,
						salt,
						CALLISTO_DEBUG,
						CALLISTO_EVENTS,
					);
					let account = r.result.as_ref().ok().map(|v| v.account_id.clone());
					Outcome {
						result: r.result.map(|v| (v.result.did_revert(), v.result.data)),
						account,
						gas_consumed: r.gas_consumed,
					}
				},
				Pallet::Stock => {
					let code = match code {
						CodeSource::Upload(bytes) => pallet_contracts_stock::Code::Upload(bytes),
						CodeSource::Existing(hash) => pallet_contracts_stock::Code::Existing(hash),
					};
					let r = ContractsStock::bare_instantiate(
						origin,
						0,
						gas_limit,
						None,
						code,
						input,
						salt,
						STOCK_DEBUG,
						STOCK_EVENTS,
					);
					let account = r.result.as_ref().ok().map(|v| v.account_id.clone());
					Outcome {
						result: r.result.map(|v| (v.result.did_revert(), v.result.data)),
						account,
						gas_consumed: r.gas_consumed,
					}
				},
			}
		}
	}
}
