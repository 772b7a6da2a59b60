//! Assembles the node: client, transaction pool, network, RPC and the block sealing task.

use std::{sync::Arc, time::Duration};

use callisto_runtime::{self, opaque::Block, RuntimeApi};
use futures::{channel::mpsc, StreamExt};
use sc_client_api::ExecutorProvider;
use sc_consensus_manual_seal::{EngineCommand, ManualSealParams};
use sc_executor::WasmExecutor;
use sc_service::{error::Error as ServiceError, Configuration, TaskManager};
use sc_telemetry::{Telemetry, TelemetryWorker};
use sc_transaction_pool_api::TransactionPool as _;
use sp_runtime::traits::Block as BlockT;

use crate::{
	cli::{DevChainParams, SandboxParams, Sealing},
	sandbox::SandboxExtensions,
};

/// Every host function the runtime may import. This is where the node learns about the sandbox.
pub type HostFunctions =
	(sp_io::SubstrateHostFunctions, sp_sandbox::HostFunctions, callisto_debug_info::HostFunctions);

pub type FullClient = sc_service::TFullClient<Block, RuntimeApi, WasmExecutor<HostFunctions>>;
type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;
type FullPool = sc_transaction_pool::TransactionPoolHandle<Block, FullClient>;

/// The parts `new_full` and the maintenance subcommands share.
pub type Service = sc_service::PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	FullPool,
	(Option<Telemetry>, callisto_debug_info::DebugInfoStore),
>;

pub fn new_partial(
	config: &Configuration,
	sandbox: &SandboxParams,
) -> Result<Service, ServiceError> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|endpoints| !endpoints.is_empty())
		.map(|endpoints| -> Result<_, sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let executor = sc_service::new_wasm_executor::<HostFunctions>(&config.executor);
	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			Vec::new(),
		)?;
	let client = Arc::new(client);
	// Contracts' debug info (DWARF of debug builds) lives off chain, next to the database.
	let debug_info_dir = config.base_path.path().join("contracts-debug-info");
	let debug_info = callisto_debug_info::DebugInfoStore::persisted(debug_info_dir.clone())
		.map_err(|e| {
			ServiceError::Other(format!(
				"cannot create the debug-info store at {}: {e}",
				debug_info_dir.display()
			))
		})?;
	let sandbox_extensions = SandboxExtensions::new(
		sandbox.sandbox_backend,
		sandbox.sandbox_cache_mib.saturating_mul(1 << 20),
		debug_info.clone(),
	)
	.map_err(|e| ServiceError::Other(format!("cannot start the contract sandbox: {e}")))?;
	client.execution_extensions().set_extensions_factory(sandbox_extensions);

	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let select_chain = sc_consensus::LongestChain::new(backend.clone());

	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	let import_queue = sc_consensus_manual_seal::import_queue(
		Box::new(client.clone()),
		&task_manager.spawn_essential_handle(),
		config.prometheus_registry(),
	);

	Ok(sc_service::PartialComponents {
		client,
		backend,
		task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (telemetry, debug_info),
	})
}

/// Builds the full node and starts block production as `dev` asks.
pub fn new_full<Network: sc_network::NetworkBackend<Block, <Block as BlockT>::Hash>>(
	config: Configuration,
	dev: &DevChainParams,
	sandbox: &SandboxParams,
) -> Result<TaskManager, ServiceError> {
	let sc_service::PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (mut telemetry, debug_info),
	} = new_partial(&config, sandbox)?;

	let net_config = sc_network::config::FullNetworkConfiguration::<
		Block,
		<Block as BlockT>::Hash,
		Network,
	>::new(&config.network, config.prometheus_registry().cloned());
	let metrics = Network::register_notification_metrics(config.prometheus_registry());

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config: None,
			block_relay: None,
			metrics,
			gap_sync_body_policy: None,
		})?;

	let (command_sink, commands_stream) =
		mpsc::channel::<EngineCommand<<Block as BlockT>::Hash>>(1024);

	// Traced blocks are kept next to the database, so tracing a block twice executes it once.
	let traces_dir = config.base_path.path().join("contracts-traces");
	let traces = crate::diagnostics::trace_store::TraceStore::persisted(
		traces_dir.clone(),
		crate::diagnostics::trace_store::DEFAULT_MEMORY_BYTES,
		crate::diagnostics::trace_store::DEFAULT_MAX_FILES,
	)
	.map_err(|e| {
		ServiceError::Other(format!(
			"cannot create the trace store at {}: {e}",
			traces_dir.display()
		))
	})?;

	let rpc_builder = {
		let client = client.clone();
		let pool = transaction_pool.clone();
		let command_sink = command_sink.clone();
		Box::new(move |_| {
			let deps = crate::rpc::FullDeps {
				client: client.clone(),
				pool: pool.clone(),
				command_sink: command_sink.clone(),
				debug_info: debug_info.clone(),
				traces: traces.clone(),
			};
			crate::rpc::create_full::<_, _, FullBackend>(deps).map_err(Into::into)
		})
	};

	let prometheus_registry = config.prometheus_registry().cloned();
	sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network: network.clone(),
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: transaction_pool.clone(),
		rpc_builder,
		backend,
		system_rpc_tx,
		tx_handler_controller,
		sync_service,
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	let proposer = sc_basic_authorship::ProposerFactory::new(
		task_manager.spawn_handle(),
		client.clone(),
		transaction_pool.clone(),
		prometheus_registry.as_ref(),
		telemetry.as_ref().map(|telemetry| telemetry.handle()),
	);

	let create_inherent_data_providers =
		|_, ()| async move { Ok(sp_timestamp::InherentDataProvider::from_system_time()) };

	// Every mode seals through one loop fed by commands, so `engine_createBlock` and
	// `engine_finalizeBlock` work whatever the mode (e.g. to add empty blocks to an instant chain).
	let triggers: futures::stream::BoxStream<'static, _> = match dev.sealing {
		Sealing::Instant => {
			let imported = transaction_pool.import_notification_stream().map(|_| {
				EngineCommand::SealNewBlock {
					create_empty: false,
					finalize: false,
					parent_hash: None,
					sender: None,
				}
			});
			futures::stream::select(imported, commands_stream).boxed()
		}
		Sealing::Manual => commands_stream.boxed(),
		Sealing::Interval(period) => {
			let ticks = interval_commands(Duration::from_millis(period));
			futures::stream::select(ticks, commands_stream).boxed()
		}
	};
	let sealing = sc_consensus_manual_seal::run_manual_seal(ManualSealParams {
		block_import: client.clone(),
		env: proposer,
		client: client.clone(),
		pool: transaction_pool,
		commands_stream: triggers,
		select_chain,
		consensus_data_provider: None,
		create_inherent_data_providers,
	});
	task_manager.spawn_essential_handle().spawn_blocking("sealing", None, sealing);

	if dev.sealing != Sealing::Manual {
		task_manager.spawn_essential_handle().spawn_blocking(
			"delayed-finalize",
			None,
			sc_consensus_manual_seal::run_delayed_finalize(
				sc_consensus_manual_seal::DelayedFinalizeParams {
					client,
					spawn_handle: task_manager.spawn_handle(),
					delay_sec: dev.finalize_delay_sec,
				},
			),
		);
	}

	Ok(task_manager)
}

/// A command to seal a (possibly empty) block on every tick of `period`.
fn interval_commands(
	period: Duration,
) -> impl futures::Stream<Item = EngineCommand<<Block as BlockT>::Hash>> + Send {
	futures::stream::unfold((), move |()| async move {
		futures_timer::Delay::new(period).await;
		Some((
			EngineCommand::SealNewBlock {
				create_empty: true,
				finalize: false,
				parent_hash: None,
				sender: None,
			},
			(),
		))
	})
	.boxed()
}
