//! `contracts_registerDebugInfo`: give this node a debug build's DWARF for code on chain.
//!
//! A developer who deployed a contract without debug info builds it again with line tables
//! (same code, plus `.debug_*` sections) and sends that module here. Stripped of its debug
//! sections it must hash to code the chain stores; then the node's trace RPCs locate that code's
//! traps and host calls in the source. Nothing on chain changes: trap events are located only
//! from the DWARF the chain keeps, which uploading the debug build (`upload_code`) attaches.

use callisto_debug_info::{strip_debug_sections, DebugInfoStore};
use callisto_runtime::opaque::Block;
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{ErrorObject, ErrorObjectOwned},
	Extensions,
};
use sc_client_api::{backend::Backend, StorageProvider};
use serde::Serialize;
use sp_blockchain::HeaderBackend;
use sp_core::{storage::StorageKey, Bytes, H256};
use std::{marker::PhantomData, sync::Arc};

/// What was registered.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredDebugInfo {
	/// The hash of the code (without debug sections) the debug info belongs to.
	pub code_hash: H256,
}

/// Debug-info RPC methods.
#[rpc(server, namespace = "contracts")]
pub trait ContractsDebugApi {
	/// Registers `wasm`, a contract module with DWARF (`.debug_*` custom sections), as the
	/// debug info of the code on chain it is a debug build of. Unsafe: it writes node state.
	#[method(name = "registerDebugInfo", with_extensions)]
	fn register_debug_info(&self, wasm: Bytes) -> RpcResult<RegisteredDebugInfo>;
}

/// The implementation over a client and the node's store.
pub struct ContractsDebug<C, B> {
	client: Arc<C>,
	store: DebugInfoStore,
	_phantom: PhantomData<B>,
}

impl<C, B> ContractsDebug<C, B> {
	pub fn new(client: Arc<C>, store: DebugInfoStore) -> Self {
		Self { client, store, _phantom: PhantomData }
	}
}

/// JSON-RPC error codes of this module.
const INVALID_DEBUG_INFO: i32 = 8000;
const UNKNOWN_CODE: i32 = 8001;
const STORAGE_ERROR: i32 = 8002;

fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObject::owned(code, message.into(), None::<()>)
}

/// `Contracts::CodeInfoOf` entry of `code_hash` (an `Identity`-hashed map).
fn code_info_key(code_hash: &[u8; 32]) -> StorageKey {
	let mut key = sp_crypto_hashing::twox_128(b"Contracts").to_vec();
	key.extend(sp_crypto_hashing::twox_128(b"CodeInfoOf"));
	key.extend(code_hash);
	StorageKey(key)
}

impl<C, B> ContractsDebugApiServer for ContractsDebug<C, B>
where
	B: Backend<Block> + Send + Sync + 'static,
	C: StorageProvider<Block, B> + HeaderBackend<Block> + Send + Sync + 'static,
{
	fn register_debug_info(&self, ext: &Extensions, wasm: Bytes) -> RpcResult<RegisteredDebugInfo> {
		sc_rpc_api::check_if_safe(ext)?;
		let stripped = strip_debug_sections(&wasm).ok_or_else(|| {
			error(
				INVALID_DEBUG_INFO,
				"the module has no .debug_* sections: send a debug build (DWARF line tables, no \
				 wasm-opt), not the deployable .wasm",
			)
		})?;
		let code_hash = sp_crypto_hashing::blake2_256(&stripped);
		let best = self.client.info().best_hash;
		let stored = self
			.client
			.storage(best, &code_info_key(&code_hash))
			.map_err(|e| error(STORAGE_ERROR, format!("cannot read chain state: {e}")))?;
		if stored.is_none() {
			return Err(error(
				UNKNOWN_CODE,
				format!(
					"no code with hash 0x{} is on chain: this debug build is not of any uploaded \
					 contract (rebuild from the same sources, or upload it first)",
					sp_core::hexdisplay::HexDisplay::from(&code_hash)
				),
			));
		}
		self.store
			.register(code_hash, wasm.0)
			.map_err(|e| error(INVALID_DEBUG_INFO, e.to_string()))?;
		Ok(RegisteredDebugInfo { code_hash: H256(code_hash) })
	}
}
