//! Callisto: a Substrate dev chain for ink! developers.
//!
//! `callisto --dev` runs a single-node chain that seals a block per transaction, with a contracts
//! pallet whose sandbox tells a developer where in their Rust source a contract trapped.

mod banner;
mod chain_spec;
mod cli;
mod command;
mod contract_build;
mod debug_rpc;
mod rpc;
mod sandbox;
mod service;
mod trace_cli;
mod trace_rpc;
mod trace_store;

fn main() -> sc_cli::Result<()> {
	command::run()
}
