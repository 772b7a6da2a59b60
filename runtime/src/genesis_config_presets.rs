//! Genesis presets: the dev chain endows the well-known dev accounts and makes Alice sudo.

use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::Sr25519Keyring;

use crate::{AccountId, BalancesConfig, RuntimeGenesisConfig, SudoConfig, UNIT};

/// What each dev account starts with: plenty for deploying and calling contracts all day.
pub const DEV_ENDOWMENT: u128 = 1_000_000_000 * UNIT;

/// Alice .. Ferdie and their `//stash` accounts.
pub fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect()
}

fn genesis(endowed: Vec<AccountId>, root: AccountId) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed
				.into_iter()
				.map(|account| (account, DEV_ENDOWMENT))
				.collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: Some(root) },
	})
}

/// The genesis of `--dev` (and of the `local_testnet` preset, which is the same chain).
pub fn development_config_genesis() -> Value {
	genesis(dev_accounts(), Sr25519Keyring::Alice.to_account_id())
}

/// Returns the JSON patch of the preset called `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET
		| sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => development_config_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

/// The presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
