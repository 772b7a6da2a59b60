//! One chain state and the bench runtime's Wasm executed on it by sc-executor, with the node's
//! host functions and, per runtime call, the node's extensions (a fresh `SandboxExt` on the
//! chosen backend sharing one module cache, and a `DebugInfoExt`), as `node/src/sandbox.rs`
//! registers them.
//!
//! Calls either change the state for good ([`Chain::commit`], for set-up) or run as dry runs
//! on the committed state ([`Chain::discard`] after each), so every timed iteration does the
//! same work.

use callisto_bench_runtime::{
	AccountId, Balance, Block, BuildStorage, CodeSource, Header, Outcome, Pallet, RuntimeCall,
	RuntimeGenesisConfig, SignedPayload, TxExtension, UncheckedExtrinsic, Weight, VERSION,
	WASM_BINARY,
};
use callisto_debug_info::{DebugInfoExt, DebugInfoStore};
use codec::{Decode, Encode};
use sc_executor::WasmExecutor;
use sp_core::{
	traits::{CallContext, CodeExecutor, RuntimeCode, WrappedRuntimeCode},
	Pair, H256,
};
use sp_externalities::Extensions;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	generic::Era, traits::Header as _, ApplyExtrinsicResult, MultiAddress, MultiSignature,
};
use sp_sandbox::{Backend, ModuleCache, SandboxExt, SharedModuleCache};
use std::time::{Duration, Instant};

/// The node's host functions (`node/src/service.rs`).
type HostFunctions =
	(sp_io::SubstrateHostFunctions, sp_sandbox::HostFunctions, callisto_debug_info::HostFunctions);

/// Building a block, as its author.
const AUTHOR: CallContext = CallContext::Onchain { import: false };
/// Executing a block, as an importing node.
const IMPORT: CallContext = CallContext::Onchain { import: true };

/// The node's default `--sandbox-cache-mib`.
const MODULE_CACHE_BYTES: usize = 256 << 20;
/// Set (by `callisto-bench --no-tiering`): the module cache compiles fresh code for wasmtime
/// before running it, as before tiering.
pub const NO_TIERING_ENV: &str = "CALLISTO_BENCH_NO_TIERING";

/// What the dev accounts start with: enough for any number of fees and deposits.
const ENDOWMENT: Balance = 1 << 100;

/// The parent hash of every bench block; the extrinsics are signed for it as the genesis hash
/// (block 1's parent is the genesis block, and `CheckGenesis` reads `block_hash(0)`).
pub const PARENT_HASH: H256 = H256::repeat_byte(0x45);

/// Gas for every dry run: more than any workload needs.
pub fn gas_limit() -> Weight {
	Weight::from_parts(100_000_000_000_000, u64::MAX / 2)
}

pub struct Chain {
	executor: WasmExecutor<HostFunctions>,
	runtime_hash: Vec<u8>,
	ext: sp_io::TestExternalities,
	backend: Backend,
	cache: SharedModuleCache,
	debug_info: DebugInfoStore,
}

impl Chain {
	/// Genesis with the dev accounts endowed; contracts run on `backend` in Callisto's pallet.
	pub fn new(backend: Backend) -> Self {
		let genesis = RuntimeGenesisConfig {
			balances: callisto_bench_runtime::BalancesConfig {
				balances: Sr25519Keyring::well_known()
					.map(|k| (k.to_account_id(), ENDOWMENT))
					.collect(),
				..Default::default()
			},
			..Default::default()
		}
		.build_storage()
		.expect("the bench genesis builds");
		let runtime =
			WASM_BINARY.expect("the bench runtime's Wasm is built (SKIP_WASM_BUILD unset)");
		Self {
			executor: WasmExecutor::builder().build(),
			runtime_hash: sp_crypto_hashing::blake2_256(runtime).to_vec(),
			ext: sp_io::TestExternalities::new(genesis),
			backend,
			cache: {
				let cache =
					ModuleCache::new_shared(MODULE_CACHE_BYTES).expect("both engines start");
				if std::env::var_os(NO_TIERING_ENV).is_some() {
					cache.lock().expect("fresh").set_tiering(false);
				}
				cache
			},
			debug_info: DebugInfoStore::in_memory(),
		}
	}

	/// Calls runtime API function `method`; returns its output and how long the executor took.
	pub fn runtime_call(
		&mut self,
		method: &str,
		input: &[u8],
		context: CallContext,
	) -> (Vec<u8>, Duration) {
		let mut extensions = Extensions::new();
		extensions.register(SandboxExt::new(self.backend, self.cache.clone()));
		extensions.register(DebugInfoExt::new(self.debug_info.clone()));
		self.ext.extensions = extensions;
		let code = WrappedRuntimeCode(WASM_BINARY.expect("checked in new").into());
		let runtime_code =
			RuntimeCode { code_fetcher: &code, heap_pages: None, hash: self.runtime_hash.clone() };
		let start = Instant::now();
		let (output, _) =
			self.executor.call(&mut self.ext.ext(), &runtime_code, method, input, context);
		let elapsed = start.elapsed();
		(output.unwrap_or_else(|e| panic!("runtime call {method} failed: {e}")), elapsed)
	}

	/// `Core_version`: what any runtime call costs (instantiating the runtime, the extensions,
	/// passing data in and out) before it does anything.
	pub fn empty_call(&mut self) -> Duration {
		self.runtime_call("Core_version", &[], CallContext::Offchain).1
	}

	/// `BenchApi::call` (a dry run unless [`Self::commit`] follows).
	pub fn call(
		&mut self,
		pallet: Pallet,
		dest: &AccountId,
		input: Vec<u8>,
	) -> (Outcome, Duration) {
		let args = (pallet, alice(), dest, gas_limit(), input).encode();
		let (output, time) = self.runtime_call("BenchApi_call", &args, CallContext::Offchain);
		(Outcome::decode(&mut &output[..]).expect("BenchApi_call returns an Outcome"), time)
	}

	/// `BenchApi::instantiate` (a dry run unless [`Self::commit`] follows).
	pub fn instantiate(
		&mut self,
		pallet: Pallet,
		code: CodeSource,
		input: Vec<u8>,
		salt: Vec<u8>,
	) -> (Outcome, Duration) {
		let args = (pallet, alice(), gas_limit(), code, input, salt).encode();
		let (output, time) =
			self.runtime_call("BenchApi_instantiate", &args, CallContext::Offchain);
		(Outcome::decode(&mut &output[..]).expect("BenchApi_instantiate returns an Outcome"), time)
	}

	/// Instantiates for good and returns the new contract's account.
	pub fn deploy(
		&mut self,
		pallet: Pallet,
		code: CodeSource,
		input: Vec<u8>,
		salt: &[u8],
	) -> AccountId {
		let (outcome, _) = self.instantiate(pallet, code, input, salt.to_vec());
		assert!(matches!(outcome.result, Ok((false, _))), "deploy on {pallet:?}: {outcome:?}");
		self.commit();
		outcome.account.expect("a successful instantiation has an account")
	}

	/// Keeps what the calls since the last commit or discard changed.
	pub fn commit(&mut self) {
		self.ext.commit_all().expect("no storage transaction is open between runtime calls");
	}

	/// Forgets what the calls since the last commit or discard changed.
	pub fn discard(&mut self) {
		self.ext.reset_overlay();
	}

	/// Builds block 1 on the committed state: the timestamp inherent, then `calls` signed by
	/// Alice with nonces from 0, as a block author would (`initialize_block`, `apply_extrinsic`
	/// each, `finalize_block`); the state is left as it was.
	pub fn build_block(&mut self, calls: Vec<RuntimeCall>) -> Block {
		let header =
			Header::new(1, Default::default(), Default::default(), PARENT_HASH, Default::default());
		self.runtime_call("Core_initialize_block", &header.encode(), AUTHOR);
		let mut extrinsics = vec![UncheckedExtrinsic::new_bare(RuntimeCall::Timestamp(
			pallet_timestamp::Call::set { now: 6_000 },
		))];
		extrinsics
			.extend(calls.into_iter().enumerate().map(|(nonce, call)| signed(call, nonce as u32)));
		for extrinsic in &extrinsics {
			let (output, _) =
				self.runtime_call("BlockBuilder_apply_extrinsic", &extrinsic.encode(), AUTHOR);
			let result =
				ApplyExtrinsicResult::decode(&mut &output[..]).expect("an ApplyExtrinsicResult");
			assert!(
				matches!(result, Ok(Ok(()))),
				"extrinsic failed in the bench block: {result:?}"
			);
		}
		let (output, _) = self.runtime_call("BlockBuilder_finalize_block", &[], AUTHOR);
		let header = Header::decode(&mut &output[..]).expect("finalize_block returns a header");
		self.discard();
		Block { header, extrinsics }
	}

	/// `Core_execute_block` of `block` on the committed state (which is left as it was):
	/// the time it took and the block's total weight.
	pub fn execute_block(&mut self, block: &Block) -> (Duration, Weight) {
		let (_, time) = self.runtime_call("Core_execute_block", &block.encode(), IMPORT);
		let weight = self.block_weight();
		self.discard();
		(time, weight)
	}

	/// `System::BlockWeight` now: the weight of all dispatch classes together.
	fn block_weight(&mut self) -> Weight {
		let key =
			[sp_crypto_hashing::twox_128(b"System"), sp_crypto_hashing::twox_128(b"BlockWeight")]
				.concat();
		let raw = self
			.ext
			.execute_with(|| sp_io::storage::get(&key))
			.expect("a block records its weight");
		let per_class = frame_support_weights(&raw);
		per_class.into_iter().fold(Weight::zero(), |a, b| a.saturating_add(b))
	}
}

/// `PerDispatchClass<Weight>` as stored: normal, operational, mandatory.
fn frame_support_weights(raw: &[u8]) -> [Weight; 3] {
	<[Weight; 3]>::decode(&mut &raw[..]).expect("BlockWeight decodes")
}

pub fn alice() -> AccountId {
	Sr25519Keyring::Alice.to_account_id()
}

pub fn bob() -> AccountId {
	Sr25519Keyring::Bob.to_account_id()
}

/// `call` signed by Alice with `nonce`, immortal, no tip.
fn signed(call: RuntimeCall, nonce: u32) -> UncheckedExtrinsic {
	let extension: TxExtension = (
		frame_system::CheckNonZeroSender::new(),
		frame_system::CheckSpecVersion::new(),
		frame_system::CheckTxVersion::new(),
		frame_system::CheckGenesis::new(),
		frame_system::CheckEra::from(Era::Immortal),
		frame_system::CheckNonce::from(nonce),
		frame_system::CheckWeight::new(),
		pallet_transaction_payment::ChargeTransactionPayment::from(0),
		frame_system::WeightReclaim::new(),
	);
	let implicit = (
		(),
		VERSION.spec_version,
		VERSION.transaction_version,
		PARENT_HASH,
		PARENT_HASH,
		(),
		(),
		(),
		(),
	);
	let payload = SignedPayload::from_raw(call.clone(), extension.clone(), implicit);
	let signature = payload.using_encoded(|bytes| Sr25519Keyring::Alice.pair().sign(bytes));
	UncheckedExtrinsic::new_signed(
		call,
		MultiAddress::Id(alice()),
		MultiSignature::Sr25519(signature),
		extension,
	)
}
