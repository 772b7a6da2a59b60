//! Callisto: a Substrate dev chain for ink! developers.
//!
//! `callisto --dev` runs a single-node chain that seals a block per transaction, with a contracts
//! pallet whose sandbox tells a developer where in their Rust source a contract trapped.

// `sc_cli::Error` and `sc_service::Error` are Substrate's, large, and what its runner APIs
// return; boxing them at every call would only hide that.
#![allow(clippy::result_large_err)]

mod banner;
mod chain_spec;
mod cli;
mod command;
mod contract_build;
mod contract_manifest;
mod contract_metadata;
mod diagnostics;
mod progress;
mod rpc;
mod sandbox;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
