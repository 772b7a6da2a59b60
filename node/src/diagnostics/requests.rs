//! What the trace RPCs take: dry-run requests, amounts, accounts and gas limits, parsed with an
//! error that says what to send.

use super::errors::{codes, error, quoted};
use callisto_runtime::AccountId;
use jsonrpsee::types::ErrorObjectOwned;
use serde::{de::Error as _, Deserialize, Deserializer};
use sp_core::{
	crypto::{AccountId32, Ss58Codec},
	Bytes, H256,
};
use sp_runtime::Weight;

/// A balance: a JSON number, a decimal string or a 0x hex quantity (JSON numbers cannot hold
/// every `u128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Amount(pub u128);

impl<'de> Deserialize<'de> for Amount {
	fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
		#[derive(Deserialize)]
		#[serde(untagged)]
		enum Raw {
			Number(u64),
			Text(String),
		}
		match Raw::deserialize(deserializer)? {
			Raw::Number(n) => Ok(Self(n.into())),
			Raw::Text(text) => parse_amount(&text).map(Self).ok_or_else(|| {
				D::Error::custom(format!(
					"`{}` is not an amount: use a number, a decimal string or a 0x hex quantity",
					quoted(&text)
				))
			}),
		}
	}
}

pub(super) fn parse_amount(text: &str) -> Option<u128> {
	match text.strip_prefix("0x") {
		Some(hex) => u128::from_str_radix(hex, 16).ok(),
		None => text.parse().ok(),
	}
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GasLimit {
	pub ref_time: u64,
	pub proof_size: u64,
}

/// `contracts_traceCall`'s request, like `ContractsApi::call`'s arguments.
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallRequest {
	/// SS58 or 0x account id.
	pub origin: String,
	pub dest: String,
	#[serde(default)]
	pub value: Amount,
	/// `None`: a whole block's weight.
	#[serde(default)]
	pub gas_limit: Option<GasLimit>,
	#[serde(default)]
	pub storage_deposit_limit: Option<Amount>,
	pub input_data: Bytes,
}

/// Code to instantiate: `{"upload": "0x…"}` or `{"existing": "0x<code hash>"}`.
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub enum CodeRequest {
	Upload(Bytes),
	Existing(H256),
}

/// `contracts_traceInstantiate`'s request, like `ContractsApi::instantiate`'s arguments.
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstantiateRequest {
	pub origin: String,
	#[serde(default)]
	pub value: Amount,
	#[serde(default)]
	pub gas_limit: Option<GasLimit>,
	#[serde(default)]
	pub storage_deposit_limit: Option<Amount>,
	pub code: CodeRequest,
	pub data: Bytes,
	#[serde(default = "no_salt")]
	pub salt: Bytes,
}

pub(super) fn no_salt() -> Bytes {
	Bytes(Vec::new())
}

pub(super) fn parse_account(text: &str, field: &str) -> Result<AccountId, ErrorObjectOwned> {
	let parsed = match text.strip_prefix("0x") {
		Some(_) => sp_core::bytes::from_hex(text)
			.ok()
			.and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
			.map(AccountId32::from),
		None => AccountId32::from_ss58check_with_version(text).ok().map(|(id, _)| id),
	};
	parsed.ok_or_else(|| {
		error(
			codes::INVALID_REQUEST,
			format!(
				"`{field}`: `{}` is not an account: use an SS58 address or 32 bytes of 0x hex",
				quoted(text)
			),
		)
	})
}

pub(super) fn gas_limit(limit: Option<GasLimit>) -> Option<Weight> {
	limit.map(|l| Weight::from_parts(l.ref_time, l.proof_size))
}
