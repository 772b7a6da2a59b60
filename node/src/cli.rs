//! Command-line interface: the standard Substrate node flags plus Callisto's dev-chain options.

use std::{fmt, str::FromStr};

use crate::sandbox::SandboxBackend;

/// How the node produces blocks.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum Sealing {
	/// One block as soon as a transaction enters the pool.
	Instant,
	/// Blocks only on `engine_createBlock`, finality only on `engine_finalizeBlock`.
	Manual,
	/// One block every this many milliseconds, empty or not.
	Interval(u64),
}

impl FromStr for Sealing {
	type Err = String;

	fn from_str(s: &str) -> Result<Self, Self::Err> {
		match s {
			"instant" => Ok(Self::Instant),
			"manual" => Ok(Self::Manual),
			other => match other.strip_prefix("interval=") {
				Some(ms) => match ms.parse::<u64>() {
					Ok(0) | Err(_) => Err(format!(
						"`{ms}` is not a positive number of milliseconds; try `--sealing interval=6000`"
					)),
					Ok(ms) => Ok(Self::Interval(ms)),
				},
				None => Err(format!(
					"unknown sealing `{other}`; use `instant`, `manual` or `interval=<ms>`"
				)),
			},
		}
	}
}

impl fmt::Display for Sealing {
	fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
		match self {
			Self::Instant => f.write_str("instant"),
			Self::Manual => f.write_str("manual"),
			Self::Interval(ms) => write!(f, "interval={ms}"),
		}
	}
}

/// Options that shape the dev chain, shown in their own `--help` section.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Callisto dev chain")]
pub struct DevChainParams {
	/// How blocks are produced: `instant` (a block per transaction), `manual` (only on the
	/// `engine_createBlock` RPC) or `interval=<ms>` (a block every <ms> milliseconds).
	#[arg(long, env = "CALLISTO_SEALING", default_value = "instant", value_name = "MODE")]
	pub sealing: Sealing,

	/// Seconds after which an instantly or interval-sealed block is finalised.
	#[arg(long, default_value_t = 1, value_name = "SECONDS")]
	pub finalize_delay_sec: u64,
}

/// Options of the contract sandbox, shown in their own `--help` section.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Contract sandbox")]
pub struct SandboxParams {
	/// The engine that runs contracts. Both give identical results, gas and trap locations.
	/// From the environment too, for tools that start the node by path alone (ink_e2e's
	/// `CONTRACTS_NODE`).
	#[arg(
		long,
		env = "CALLISTO_SANDBOX_BACKEND",
		value_enum,
		default_value_t = SandboxBackend::Wasmtime,
		value_name = "ENGINE"
	)]
	pub sandbox_backend: SandboxBackend,

	/// Memory for compiled contract modules, in MiB; the least recently used are evicted.
	#[arg(long, default_value_t = 256, value_name = "MIB")]
	pub sandbox_cache_mib: usize,
}

#[derive(Debug, clap::Parser)]
#[command(
	name = "callisto",
	about = "A Substrate dev chain for ink! smart-contract developers.",
	long_about = "A Substrate dev chain for ink! smart-contract developers. Without --chain it runs \
		the dev chain on temporary storage, with RPC on ws://127.0.0.1:9944 and a block per \
		transaction.",
	propagate_version = true,
	args_conflicts_with_subcommands = true,
	subcommand_negates_reqs = true
)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[command(flatten)]
	pub dev: DevChainParams,

	#[command(flatten)]
	pub sandbox: SandboxParams,

	#[command(flatten, next_help_heading = "Substrate node")]
	pub run: sc_cli::RunCmd,
}

#[derive(Debug, clap::Subcommand)]
pub enum Subcommand {
	/// Contract tooling: `callisto contract build` builds an ink! contract with the debug info
	/// Callisto uses to locate traps in your source.
	#[command(subcommand)]
	Contract(crate::contract_build::ContractCmd),

	/// Print the contract call tree of a transaction from a running node: frames, gas,
	/// traps with their source lines, host calls and storage writes
	/// (`callisto trace <block> <index>`).
	Trace(crate::diagnostics::trace_cli::TraceCmd),

	/// Build a chain specification.
	#[deprecated(note = "build-spec will be removed; use export-chain-spec")]
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export the chain specification.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Remove the whole chain data.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Db meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn sealing_parses_every_mode_and_rejects_nonsense() {
		assert_eq!("instant".parse::<Sealing>(), Ok(Sealing::Instant));
		assert_eq!("manual".parse::<Sealing>(), Ok(Sealing::Manual));
		assert_eq!("interval=250".parse::<Sealing>(), Ok(Sealing::Interval(250)));
		assert!("interval=0".parse::<Sealing>().is_err());
		assert!("interval=soon".parse::<Sealing>().is_err());
		assert!("fast".parse::<Sealing>().is_err());
		for mode in [Sealing::Instant, Sealing::Manual, Sealing::Interval(7)] {
			assert_eq!(mode.to_string().parse::<Sealing>(), Ok(mode));
		}
	}
}
