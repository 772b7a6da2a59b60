//! The chain specifications the node knows: the dev chain (default) and a JSON file.

use callisto_runtime::{TOKEN_DECIMALS, WASM_BINARY};
use sc_service::ChainType;

pub type ChainSpec = sc_service::GenericChainSpec;

/// Token symbol shown by wallets and cargo-contract.
pub const TOKEN_SYMBOL: &str = "UNIT";

/// The single-node development chain: dev accounts endowed, Alice sudo.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	let wasm = WASM_BINARY.ok_or_else(|| {
		"the runtime Wasm was not built (was SKIP_WASM_BUILD set?); rebuild without it".to_string()
	})?;
	Ok(ChainSpec::builder(wasm, None)
		.with_name("Callisto Development")
		.with_id("dev")
		.with_chain_type(ChainType::Development)
		.with_protocol_id("callisto")
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// Chain properties as single values, not arrays: cargo-contract reads single values.
fn properties() -> sc_chain_spec::Properties {
	let mut properties = sc_chain_spec::Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}
