//! The node's RPC methods beyond Substrate's defaults: manual sealing's (unsafe, see [`Engine`]),
//! and Callisto's own `contracts_*` (debug info, traces).

use std::sync::Arc;

use callisto_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Hash, Nonce};
use futures::channel::mpsc;
use jsonrpsee::{core::RpcResult, proc_macros::rpc, Extensions, RpcModule};
use sc_consensus_manual_seal::{
	rpc::{CreatedBlock, ManualSeal, ManualSealApiServer},
	EngineCommand,
};
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use sp_runtime::{traits::Block as BlockT, EncodedJustification};

/// Manual sealing's `engine_createBlock` and `engine_finalizeBlock`, marked unsafe. Upstream
/// serves them whatever `--rpc-methods` says; they change the chain, so a node whose RPC is
/// public (`--rpc-external` without `--rpc-methods unsafe`) refuses them, as it refuses
/// `author_insertKey`. On `--dev` (localhost) they work as before.
#[rpc(server)]
pub trait EngineApi {
	/// Seals a new block (see `sc_consensus_manual_seal::rpc::ManualSealApi`).
	#[method(name = "engine_createBlock", with_extensions)]
	async fn create_block(
		&self,
		create_empty: bool,
		finalize: bool,
		parent_hash: Option<Hash>,
	) -> RpcResult<CreatedBlock<Hash>>;

	/// Finalises `hash` (see `sc_consensus_manual_seal::rpc::ManualSealApi`).
	#[method(name = "engine_finalizeBlock", with_extensions)]
	async fn finalize_block(
		&self,
		hash: Hash,
		justification: Option<EncodedJustification>,
	) -> RpcResult<bool>;
}

/// [`EngineApiServer`] over manual seal's own implementation.
pub struct Engine(ManualSeal<Hash>);

#[jsonrpsee::core::async_trait]
impl EngineApiServer for Engine {
	async fn create_block(
		&self,
		ext: &Extensions,
		create_empty: bool,
		finalize: bool,
		parent_hash: Option<Hash>,
	) -> RpcResult<CreatedBlock<Hash>> {
		sc_rpc_api::check_if_safe(ext)?;
		Ok(ManualSealApiServer::create_block(&self.0, create_empty, finalize, parent_hash).await?)
	}

	async fn finalize_block(
		&self,
		ext: &Extensions,
		hash: Hash,
		justification: Option<EncodedJustification>,
	) -> RpcResult<bool> {
		sc_rpc_api::check_if_safe(ext)?;
		Ok(ManualSealApiServer::finalize_block(&self.0, hash, justification).await?)
	}
}

/// What the RPC methods need from the node.
pub struct FullDeps<C, P> {
	pub client: Arc<C>,
	pub pool: Arc<P>,
	/// Contracts' debug info, for `contracts_registerDebugInfo` and locating traps in traces.
	pub debug_info: callisto_debug_info::DebugInfoStore,
	/// Traces of recently traced blocks, for the `contracts_trace*` methods.
	pub traces: crate::diagnostics::trace_store::TraceStore,
	/// Where `engine_createBlock` and `engine_finalizeBlock` send their commands.
	pub command_sink: mpsc::Sender<EngineCommand<<Block as BlockT>::Hash>>,
}

/// Instantiates all full RPC extensions.
pub fn create_full<C, P, B>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	B: sc_client_api::Backend<Block> + Send + Sync + 'static,
	C: ProvideRuntimeApi<Block>
		+ sc_client_api::StorageProvider<Block, B>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ sc_client_api::BlockBackend<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>
		+ pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>
		+ BlockBuilder<Block>
		+ pallet_contracts::ContractsTraceApi<Block>
		+ pallet_contracts::ContractsApi<
			Block,
			AccountId,
			Balance,
			BlockNumber,
			Hash,
			crate::diagnostics::trace_rpc::EventRecord,
		>,
	P: TransactionPool + 'static,
{
	use crate::{
		diagnostics::debug_rpc::{ContractsDebug, ContractsDebugApiServer},
		diagnostics::trace_rpc::{ContractsTrace, ContractsTraceRpcServer},
	};
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	let FullDeps { client, pool, command_sink, debug_info, traces } = deps;

	module.merge(ContractsDebug::<C, B>::new(client.clone(), debug_info.clone()).into_rpc())?;
	module.merge(ContractsTrace::<C, B>::new(client.clone(), traces, debug_info).into_rpc())?;
	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client).into_rpc())?;
	module.merge(Engine(ManualSeal::new(command_sink)).into_rpc())?;

	Ok(module)
}
