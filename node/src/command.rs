//! Turns the parsed command line into a running node or a maintenance subcommand.

use sc_cli::SubstrateCli;
use sc_service::PartialComponents;

use crate::{
	chain_spec,
	cli::{Cli, Subcommand},
	service,
};

/// Log filter when the user gives none: contract output (`debug_message`, traps) and the lines a
/// developer or ink! e2e needs (RPC address), without per-block authoring noise.
const DEFAULT_LOG_FILTER: &[&str] =
	&["warn", "callisto=info", "runtime::contracts=debug", "sc_rpc_server=info", "sc_cli=info"];

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"Callisto".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://example.invalid/callisto/issues".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		Ok(match id {
			"" | "dev" | "local" => Box::new(chain_spec::development_chain_spec()?),
			path => {
				Box::new(chain_spec::ChainSpec::from_json_file(std::path::PathBuf::from(path))?)
			}
		})
	}
}

/// Tracing a block executes it again at its parent's state, so a dev chain keeps every state
/// (Substrate keeps 256) unless the user chose otherwise. Only for a new database: one created
/// with another mode refuses to open with this one, and without a mode it keeps its own.
fn keep_states_for_tracing(config: &mut sc_service::Configuration, state_pruning_given: bool) {
	let new_database = config.database.path().is_none_or(|path| !path.exists());
	if !state_pruning_given && new_database {
		config.state_pruning = Some(sc_service::PruningMode::ArchiveAll);
	}
}

/// Whether the command line chooses a transaction pool (`--pool-type X` or `--pool-type=X`).
fn pool_type_given(args: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
	args.into_iter().any(|arg| {
		let arg = arg.to_string_lossy();
		arg == "--pool-type" || arg.starts_with("--pool-type=")
	})
}

/// Parses the command line and runs what it asks for.
pub fn run() -> sc_cli::Result<()> {
	let mut cli = Cli::from_args();

	// A dev tool: no `--chain` means the dev chain (temporary storage unless `--base-path`).
	if cli.run.shared_params.chain.is_none() {
		cli.run.shared_params.dev = true;
	}
	// The fork-aware pool (sc-cli's default) answers a resubmission racing its inclusion with
	// a spurious "1013: Transaction Already Imported" (polkadot-sdk#11419), which polkadot.js
	// users see as a failed transaction although it lands; a dev chain has no forks to be aware
	// of. `--pool-type` still chooses.
	if !pool_type_given(std::env::args_os()) {
		cli.run.pool_config.pool_type = sc_cli::TransactionPoolType::SingleState;
	}
	if cli.run.shared_params.log.is_empty() {
		cli.run.shared_params.log = DEFAULT_LOG_FILTER.iter().map(|s| s.to_string()).collect();
	}

	match &cli.subcommand {
		#[allow(deprecated)]
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		}
		Some(Subcommand::ExportChainSpec(cmd)) => {
			let chain_spec = cli.load_spec(&cmd.chain)?;
			cmd.run(chain_spec)
		}
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		}
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } =
					service::new_partial(&config, &cli.sandbox)?;
				Ok((cmd.run(client, backend, None), task_manager))
			})
		}
		Some(Subcommand::Contract(crate::contract_build::ContractCmd::Build(cmd))) => {
			// One plain line on failure, as `callisto trace` says it.
			if let Err(message) = cmd.run() {
				eprintln!("error: {message}");
				std::process::exit(1);
			}
			Ok(())
		}
		Some(Subcommand::Trace(cmd)) => {
			// A client of a running node: no runner, no logger; a plain message on failure
			// rather than the `Error: Input("…")` debug print `main` would give.
			if let Err(message) = cmd.run() {
				eprintln!("error: {message}");
				std::process::exit(1);
			}
			Ok(())
		}
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<callisto_runtime::opaque::Block>(&config))
		}
		None => {
			let runner = cli.create_runner(&cli.run)?;
			let state_pruning_given = cli.run.import_params.pruning_params.state_pruning.is_some();
			runner.run_node_until_exit(|mut config| async move {
				keep_states_for_tracing(&mut config, state_pruning_given);
				crate::banner::print(&config, &cli.dev, &cli.sandbox);
				match config.network.network_backend {
					sc_network::config::NetworkBackendType::Libp2p => service::new_full::<
						sc_network::NetworkWorker<
							callisto_runtime::opaque::Block,
							<callisto_runtime::opaque::Block as sp_runtime::traits::Block>::Hash,
						>,
					>(
						config,
						&cli.dev,
						&cli.sandbox,
					),
					sc_network::config::NetworkBackendType::Litep2p => {
						service::new_full::<sc_network::Litep2pNetworkBackend>(
							config,
							&cli.dev,
							&cli.sandbox,
						)
					}
				}
				.map_err(sc_cli::Error::Service)
			})
		}
	}
}
