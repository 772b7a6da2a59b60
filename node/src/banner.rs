//! The start-up banner: what a developer needs to connect and sign, printed once.

use std::net::SocketAddr;

use sc_service::Configuration;
use sp_core::crypto::Ss58Codec;
use sp_keyring::Sr25519Keyring;

use crate::cli::{DevChainParams, SandboxParams};

/// Logs the RPC endpoint, the sealing mode, the sandbox backend and the dev accounts.
pub fn print(config: &Configuration, dev: &DevChainParams, sandbox: &SandboxParams) {
	let rpc = config
		.rpc
		.addr
		.as_ref()
		.and_then(|endpoints| endpoints.first())
		.map(|endpoint| endpoint.listen_addr)
		.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], config.rpc.port)));
	log::info!(target: "callisto", "Callisto dev chain `{}`", config.chain_spec.name());
	if rpc.port() == 0 {
		// `--rpc-port 0`: the OS picks the port, which only the RPC server's own line names.
		log::info!(target: "callisto", "RPC:     the port in the `Running JSON-RPC server` line");
	} else {
		let local = match rpc.ip() {
			ip if ip.is_unspecified() => format!("127.0.0.1:{}", rpc.port()),
			_ => rpc.to_string(),
		};
		log::info!(target: "callisto", "RPC:     ws://{local} (HTTP and WebSocket)");
		log::info!(
			target: "callisto",
			"Apps:    https://polkadot.js.org/apps/?rpc=ws://{local}#/explorer"
		);
		log::info!(target: "callisto", "cargo-contract: cargo contract call --url ws://{local} ...");
	}
	log::info!(target: "callisto", "Sealing: {} (finalize delay {} s)", dev.sealing, dev.finalize_delay_sec);
	log::info!(
		target: "callisto",
		"Sandbox backend: {} (module cache {} MiB)",
		sandbox.sandbox_backend,
		sandbox.sandbox_cache_mib
	);
	log::info!(target: "callisto", "Dev accounts (sr25519, endowed; Alice is sudo):");
	for account in Sr25519Keyring::well_known() {
		let seed = format!("//{}", <&'static str>::from(account));
		log::info!(target: "callisto", "  {seed:<16} {}", account.to_account_id().to_ss58check());
	}
}
