//! The start-up banner: what a developer needs to connect and sign, printed once.

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
		.map(|addr| format!("ws://{addr}"))
		.unwrap_or_else(|| format!("ws://127.0.0.1:{}", config.rpc.port));
	log::info!(target: "callisto", "Callisto dev chain `{}`", config.chain_spec.name());
	log::info!(target: "callisto", "RPC:     {rpc} (HTTP and WebSocket)");
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
