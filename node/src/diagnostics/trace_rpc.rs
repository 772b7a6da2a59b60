//! The trace RPCs: a contract call's whole call tree, with its traps located in the source.
//!
//! `contracts_traceBlock` / `contracts_traceExtrinsic` execute a block again at its parent with a
//! [`TraceExt`] registered (runtime API `ContractsTraceApi`); the contracts pallet records one
//! [`Trace`] per top-level contract call. `contracts_traceCall` / `contracts_traceInstantiate` do
//! the same for a dry run (`ContractsApi`). Block traces are cached raw in the [`TraceStore`];
//! rendering symbolicates traps with the node's [`DebugInfoStore`] every time, so debug info
//! registered after a trace was made still locates its traps.
//!
//! Frames are rendered in the shape of geth's `callTracer` where it fits (`type`, `from`, `to`,
//! `value`, `gas`, `gasUsed`, `input`, `output`, `error`, `calls`), plus what a Wasm contract
//! developer needs: the code hash, the trap with its source backtrace, host calls, storage
//! writes and events.

use super::{errors::*, frames::*, render::*, requests::*, trace_store::TraceStore};
use callisto_debug_info::{
	trace::{CallOutcome, CallTrace, Trace},
	DebugInfoStore, TraceCollector, TraceExt,
};
use callisto_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Hash};
use codec::Decode;
use jsonrpsee::{core::RpcResult, proc_macros::rpc, types::ErrorObjectOwned};
use sc_client_api::{backend::Backend, BlockBackend, StorageProvider};
use sp_api::{ApiExt, ProvideRuntimeApi};
use sp_blockchain::HeaderBackend;
use sp_core::{
	storage::{well_known_keys, StorageKey},
	H256,
};
use sp_runtime::traits::Header as _;
use std::{marker::PhantomData, sync::Arc};

/// Events as the runtime's `ContractsApi` returns them.
pub type EventRecord = frame_system::EventRecord<callisto_runtime::RuntimeEvent, Hash>;

/// Trace RPC methods. All are safe: they change no node state but the trace cache.
#[rpc(server, namespace = "contracts")]
pub trait ContractsTraceRpc {
	/// The call trees of every contract call in a block (a number or a 0x hash).
	#[method(name = "traceBlock", blocking)]
	fn trace_block(&self, block: serde_json::Value) -> RpcResult<BlockTrace>;

	/// The call tree of the contract call made by extrinsic `index` of a block.
	#[method(name = "traceExtrinsic", blocking)]
	fn trace_extrinsic(&self, block: serde_json::Value, index: u32) -> RpcResult<ExtrinsicTrace>;

	/// Dry-runs a call like `ContractsApi::call` and returns its result and call tree.
	#[method(name = "traceCall", blocking)]
	fn trace_call(&self, request: CallRequest, at: Option<H256>) -> RpcResult<DryRunTrace>;

	/// Dry-runs an instantiation like `ContractsApi::instantiate` and returns its result and
	/// call tree.
	#[method(name = "traceInstantiate", blocking)]
	fn trace_instantiate(
		&self,
		request: InstantiateRequest,
		at: Option<H256>,
	) -> RpcResult<DryRunTrace>;
}

/// The implementation over a client, the trace cache and the debug-info store.
pub struct ContractsTrace<C, B> {
	client: Arc<C>,
	traces: TraceStore,
	debug_info: DebugInfoStore,
	_phantom: PhantomData<B>,
}

impl<C, B> ContractsTrace<C, B> {
	pub fn new(client: Arc<C>, traces: TraceStore, debug_info: DebugInfoStore) -> Self {
		Self { client, traces, debug_info, _phantom: PhantomData }
	}
}

/// A block's traces and what the methods report about it.
struct TracedBlock {
	hash: H256,
	number: BlockNumber,
	extrinsics: u32,
	traces: Arc<Vec<Trace>>,
}

/// A block reference as the methods take it: a number (JSON or decimal string) or a 0x hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockRef {
	Number(BlockNumber),
	Hash(H256),
}

impl BlockRef {
	fn parse(value: &serde_json::Value) -> Result<Self, ErrorObjectOwned> {
		let parsed = match value {
			serde_json::Value::Number(n) => {
				n.as_u64().and_then(|n| BlockNumber::try_from(n).ok()).map(Self::Number)
			}
			serde_json::Value::String(text) if text.starts_with("0x") => {
				text.parse::<H256>().ok().filter(|_| text.len() == 66).map(Self::Hash)
			}
			serde_json::Value::String(text) => text.parse().ok().map(Self::Number),
			_ => None,
		};
		parsed.ok_or_else(|| {
			error(
				codes::INVALID_REQUEST,
				format!(
					"`{}` is not a block: use its number or its 0x hash (32 bytes)",
					quoted(&value.to_string())
				),
			)
		})
	}
}

impl std::fmt::Display for BlockRef {
	fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
		match self {
			Self::Number(n) => write!(f, "#{n}"),
			Self::Hash(hash) => write!(f, "{hash:?}"),
		}
	}
}

fn chain_error(e: impl std::fmt::Display) -> ErrorObjectOwned {
	error(codes::EXECUTION_FAILED, format!("cannot read the chain: {e}"))
}

impl<C, B> ContractsTrace<C, B>
where
	B: Backend<Block> + Send + Sync + 'static,
	C: ProvideRuntimeApi<Block>
		+ StorageProvider<Block, B>
		+ BlockBackend<Block>
		+ HeaderBackend<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: pallet_contracts::ContractsTraceApi<Block>
		+ pallet_contracts::ContractsApi<Block, AccountId, Balance, BlockNumber, Hash, EventRecord>,
{
	fn header(
		&self,
		block: BlockRef,
	) -> Result<(H256, <Block as sp_runtime::traits::Block>::Header), ErrorObjectOwned> {
		let unknown = || {
			error(
				codes::UNKNOWN_BLOCK,
				format!(
					"block {block} is not known to this node (best block: #{}); check the number \
					 or hash (chain_getBlockHash gives a number's hash)",
					self.client.info().best_number
				),
			)
		};
		let hash = match block {
			BlockRef::Hash(hash) => hash,
			BlockRef::Number(n) => self.client.hash(n).map_err(chain_error)?.ok_or_else(unknown)?,
		};
		let header = self.client.header(hash).map_err(chain_error)?.ok_or_else(unknown)?;
		Ok((hash, header))
	}

	/// Fails with [`codes::STATE_UNAVAILABLE`] if the state at `at` is gone, so that pruning is
	/// told apart from a failing runtime call.
	fn require_state(&self, at: H256, what: &str) -> Result<(), ErrorObjectOwned> {
		self.client.storage(at, &StorageKey(well_known_keys::CODE.to_vec())).map(drop).map_err(
			|e| {
				error(
					codes::STATE_UNAVAILABLE,
					format!(
						"the state {what} ({at:?}) is no longer kept ({e}); a node started on a \
						 new database keeps every state unless --state-pruning says otherwise, \
						 so restart on a fresh --base-path (or with --state-pruning archive) to \
						 trace old blocks"
					),
				)
			},
		)
	}

	fn traced_block(&self, block: BlockRef) -> Result<TracedBlock, ErrorObjectOwned> {
		let (hash, header) = self.header(block)?;
		let number = *header.number();
		let body =
			self.client.block_body(hash).map_err(chain_error)?.ok_or_else(|| {
				error(
				codes::STATE_UNAVAILABLE,
				format!("the body of block #{number} ({hash:?}) is no longer kept (--blocks-pruning)"),
			)
			})?;
		let extrinsics = body.len() as u32;
		let traces = match self.traces.get(&hash.0) {
			Some(traces) => traces,
			// Genesis executed no extrinsics and has no parent to execute them at.
			None if number == 0 => Arc::new(Vec::new()),
			None => {
				let parent = *header.parent_hash();
				self.require_state(parent, &format!("before block #{number}"))?;
				let collector = TraceCollector::new();
				let mut api = self.client.runtime_api();
				api.register_extension(TraceExt::new(collector.clone()));
				pallet_contracts::ContractsTraceApi::execute_block_traced(
					&*api, parent, header, body,
				)
				.map_err(|e| {
					error(
						codes::EXECUTION_FAILED,
						format!("executing block #{number} again failed: {e}"),
					)
				})?;
				self.traces.insert(hash.0, collector.take())
			}
		};
		Ok(TracedBlock { hash, number, extrinsics, traces })
	}

	/// The block a dry run runs on: `at`, or the best block.
	fn dry_run_at(&self, at: Option<H256>) -> Result<H256, ErrorObjectOwned> {
		let at = match at {
			Some(hash) => self.header(BlockRef::Hash(hash))?.0,
			None => self.client.info().best_hash,
		};
		self.require_state(at, "of the block to dry-run on")?;
		Ok(at)
	}

	/// The first trace a dry run collected.
	fn dry_run_trace(&self, collector: &TraceCollector, at: H256) -> Option<CallFrame> {
		let traces = collector.take();
		self.learn_debug_info(&traces, at);
		traces.first().map(|trace| render_trace(trace, &self.debug_info))
	}

	/// Puts the DWARF the chain keeps (at `at`, else at the best block) of the code in `traces`
	/// into the store where it has none: the chain is where debug info lives, the store is a
	/// cache of it plus what `contracts_registerDebugInfo` gave this node.
	fn learn_debug_info(&self, traces: &[Trace], at: H256) {
		fn code_hashes(frame: &CallTrace, out: &mut Vec<[u8; 32]>) {
			out.push(frame.code_hash);
			if let CallOutcome::Trapped(trap) = &frame.outcome {
				out.push(trap.code_hash);
			}
			frame.calls.iter().for_each(|call| code_hashes(call, out));
		}
		let mut hashes = Vec::new();
		traces.iter().for_each(|trace| code_hashes(&trace.root, &mut hashes));
		hashes.sort_unstable();
		hashes.dedup();
		let best = self.client.info().best_hash;
		for code_hash in hashes.into_iter().filter(|hash| !self.debug_info.contains(hash)) {
			let key = chain_debug_info_key(&code_hash);
			let stored = [at, best]
				.into_iter()
				.find_map(|block| self.client.storage(block, &key).ok().flatten());
			let Some(dwarf) = stored.and_then(|value| {
				callisto_debug_info::DwarfSections::decode(&mut &value.0[..]).ok()
			}) else {
				continue;
			};
			if let Err(e) = self.debug_info.register_sections(code_hash, &dwarf) {
				log::debug!(target: "callisto::trace", "unusable DWARF on chain: {e}");
			}
		}
	}
}

/// `Contracts::DebugInfoOf` entry of `code_hash` (an `Identity`-hashed map).
fn chain_debug_info_key(code_hash: &[u8; 32]) -> StorageKey {
	let mut key = sp_crypto_hashing::twox_128(b"Contracts").to_vec();
	key.extend(sp_crypto_hashing::twox_128(b"DebugInfoOf"));
	key.extend(code_hash);
	StorageKey(key)
}

fn dry_run_failed(e: impl std::fmt::Display) -> ErrorObjectOwned {
	error(codes::EXECUTION_FAILED, format!("the dry run failed in the runtime: {e}"))
}

impl<C, B> ContractsTraceRpcServer for ContractsTrace<C, B>
where
	B: Backend<Block> + Send + Sync + 'static,
	C: ProvideRuntimeApi<Block>
		+ StorageProvider<Block, B>
		+ BlockBackend<Block>
		+ HeaderBackend<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: pallet_contracts::ContractsTraceApi<Block>
		+ pallet_contracts::ContractsApi<Block, AccountId, Balance, BlockNumber, Hash, EventRecord>,
{
	fn trace_block(&self, block: serde_json::Value) -> RpcResult<BlockTrace> {
		let block = self.traced_block(BlockRef::parse(&block)?)?;
		self.learn_debug_info(&block.traces, block.hash);
		Ok(BlockTrace {
			block_hash: block.hash,
			block_number: block.number,
			extrinsics: block
				.traces
				.iter()
				.filter_map(|trace| {
					Some(ExtrinsicEntry {
						index: trace.extrinsic_index?,
						trace: render_trace(trace, &self.debug_info),
					})
				})
				.collect(),
		})
	}

	fn trace_extrinsic(&self, block: serde_json::Value, index: u32) -> RpcResult<ExtrinsicTrace> {
		let block = self.traced_block(BlockRef::parse(&block)?)?;
		self.learn_debug_info(&block.traces, block.hash);
		if index >= block.extrinsics {
			return Err(error(
				codes::INDEX_OUT_OF_RANGE,
				format!(
					"block #{} has {} extrinsics, so there is no extrinsic {index} (indices start \
					 at 0; contracts_traceBlock lists those that called contracts)",
					block.number, block.extrinsics
				),
			));
		}
		let trace =
			block.traces.iter().find(|t| t.extrinsic_index == Some(index)).ok_or_else(|| {
				error(
					codes::NO_CONTRACT_CALL,
					format!(
						"extrinsic {index} of block #{} ran no contract (an inherent, a transfer, \
						 or a call that failed before reaching contract code); \
						 contracts_traceBlock lists the extrinsics that did",
						block.number
					),
				)
			})?;
		Ok(ExtrinsicTrace {
			block_hash: block.hash,
			block_number: block.number,
			extrinsic_index: index,
			frame: render_trace(trace, &self.debug_info),
		})
	}

	fn trace_call(&self, request: CallRequest, at: Option<H256>) -> RpcResult<DryRunTrace> {
		let at = self.dry_run_at(at)?;
		let origin = parse_account(&request.origin, "origin")?;
		let dest = parse_account(&request.dest, "dest")?;
		let collector = TraceCollector::new();
		let mut api = self.client.runtime_api();
		api.register_extension(TraceExt::new(collector.clone()));
		let result = pallet_contracts::ContractsApi::<
			Block,
			AccountId,
			Balance,
			BlockNumber,
			Hash,
			EventRecord,
		>::call(
			&*api,
			at,
			origin,
			dest,
			request.value.0,
			gas_limit(request.gas_limit),
			request.storage_deposit_limit.map(|limit| limit.0),
			request.input_data.0,
		)
		.map_err(dry_run_failed)?;
		Ok(DryRunTrace {
			result: render_result(result, |value| return_json(value, None)),
			trace: self.dry_run_trace(&collector, at),
		})
	}

	fn trace_instantiate(
		&self,
		request: InstantiateRequest,
		at: Option<H256>,
	) -> RpcResult<DryRunTrace> {
		let at = self.dry_run_at(at)?;
		let origin = parse_account(&request.origin, "origin")?;
		let code = match request.code {
			CodeRequest::Upload(code) => pallet_contracts::Code::Upload(code.0),
			CodeRequest::Existing(hash) => pallet_contracts::Code::Existing(hash),
		};
		let collector = TraceCollector::new();
		let mut api = self.client.runtime_api();
		api.register_extension(TraceExt::new(collector.clone()));
		let result = pallet_contracts::ContractsApi::<
			Block,
			AccountId,
			Balance,
			BlockNumber,
			Hash,
			EventRecord,
		>::instantiate(
			&*api,
			at,
			origin,
			request.value.0,
			gas_limit(request.gas_limit),
			request.storage_deposit_limit.map(|limit| limit.0),
			code,
			request.data.0,
			request.salt.0,
		)
		.map_err(dry_run_failed)?;
		Ok(DryRunTrace {
			result: render_result(result, |value| {
				let account_id = account(&codec::Encode::encode(&value.account_id));
				return_json(value.result, Some(account_id))
			}),
			trace: self.dry_run_trace(&collector, at),
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use callisto_debug_info::{
		strip_debug_sections,
		trace::{CallKind, EmittedEvent, HostCall, HostCallResult, StorageChange, TrapRecord},
		user_frame, DebugInfo,
	};
	use serde_json::json;
	use sp_core::crypto::{AccountId32, Ss58AddressFormat, Ss58Codec};
	use sp_runtime::{DispatchError, Weight};

	const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../pallets/contracts/fixtures");
	const TRAPPER_SOURCE: &str = "/callisto/pallets/contracts/fixtures/ink/trapper/lib.rs";
	const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

	/// The line marked `// TRAP(<kind>)` in the trapper's source.
	fn marked_line(kind: &str) -> u32 {
		let source = std::fs::read_to_string(format!("{FIXTURES}/ink/trapper/lib.rs")).unwrap();
		let marker = format!("// TRAP({kind})");
		source.lines().position(|l| l.contains(&marker)).expect("marker present") as u32 + 1
	}

	/// The trapper's debug twin and the hash of its deployable code.
	fn trapper() -> (Vec<u8>, [u8; 32]) {
		let debug = std::fs::read(format!("{FIXTURES}/build/trapper.debug.wasm")).unwrap();
		let code = strip_debug_sections(&debug).unwrap();
		(debug, sp_crypto_hashing::blake2_256(&code))
	}

	/// Module offsets of the trapper: one whose innermost own frame is the `overflow` trap's
	/// line, and one in a dependency only (the panic machinery a trap starts in).
	fn trap_offsets(debug: &[u8]) -> (u32, u32) {
		let info = DebugInfo::from_wasm(debug).unwrap();
		let code = wasmparser::Parser::new(0)
			.parse_all(debug)
			.find_map(|payload| match payload.unwrap() {
				wasmparser::Payload::CodeSectionStart { range, .. } => {
					Some(range.start as u32..range.end as u32)
				}
				_ => None,
			})
			.unwrap();
		let line = marked_line("overflow");
		let user = code
			.clone()
			.find(|offset| {
				user_frame(&info.symbolicate(*offset)).is_some_and(|frame| {
					frame.file.as_deref() == Some(TRAPPER_SOURCE) && frame.line == Some(line)
				})
			})
			.expect("the overflow line has code");
		let dependency = code
			.clone()
			.find(|offset| {
				let frames = info.symbolicate(*offset);
				!frames.is_empty()
					&& frames.iter().all(|frame| frame.file.is_some())
					&& user_frame(&frames).is_none()
			})
			.expect("the trapper links core's panic machinery");
		(user, dependency)
	}

	fn account_bytes(byte: u8) -> Vec<u8> {
		codec::Encode::encode(&AccountId32::from([byte; 32]))
	}

	fn frame(kind: CallKind, code_hash: [u8; 32], outcome: CallOutcome) -> CallTrace {
		CallTrace {
			kind,
			from: account_bytes(1),
			to: account_bytes(2),
			code_hash,
			value: 0,
			input: Vec::new(),
			output: Vec::new(),
			gas_limit: 100,
			gas_used: 10,
			outcome,
			host_calls: Vec::new(),
			storage: Vec::new(),
			events: Vec::new(),
			calls: Vec::new(),
		}
	}

	/// A caller whose first nested call traps in the trapper at `offsets`, then a reverted
	/// delegate call and an instantiation that fails.
	fn sample_trace(trapper_hash: [u8; 32], offsets: Vec<u32>) -> Trace {
		let alice = sp_keyring::Sr25519Keyring::Alice.to_account_id();
		let trap = TrapRecord {
			kind: "ArithmeticOverflow".into(),
			message: "attempt to add with overflow".into(),
			code_hash: trapper_hash,
			offsets,
		};
		let mut root = frame(CallKind::Call, [7; 32], CallOutcome::Success);
		root.from = codec::Encode::encode(&alice);
		root.value = 42;
		root.input = vec![0x63, 0x3a, 0xa5, 0x51, 1];
		root.output = vec![0, 1];
		root.gas_limit = 1000;
		root.gas_used = 500;
		root.host_calls = vec![
			HostCall {
				name: "seal2::call".into(),
				args: vec![1, -2],
				call_site: 0,
				result: HostCallResult::Value(0),
				nested: Some(0),
			},
			HostCall {
				name: "seal0::caller".into(),
				args: vec![64, 68],
				call_site: 0,
				result: HostCallResult::Unit,
				nested: None,
			},
			HostCall {
				name: "seal0::seal_return".into(),
				args: vec![0, 0, 0],
				call_site: 0,
				result: HostCallResult::Stopped("return".into()),
				nested: None,
			},
		];
		root.storage = vec![
			StorageChange { key: vec![1, 2], old: None, new: Some(vec![3]) },
			StorageChange { key: vec![4], old: Some(vec![5]), new: None },
		];
		root.events = vec![EmittedEvent { topics: vec![[9; 32]], data: vec![1] }];
		root.calls = vec![
			frame(CallKind::Call, trapper_hash, CallOutcome::Trapped(trap)),
			frame(CallKind::DelegateCall, [8; 32], CallOutcome::Reverted),
			frame(
				CallKind::Instantiate,
				[8; 32],
				CallOutcome::Failed { error: "TransferFailed".into() },
			),
		];
		Trace { extrinsic_index: Some(1), root, dropped: 3 }
	}

	#[test]
	fn a_trace_renders_in_the_call_tracer_shape_with_its_trap_located() {
		let (debug, hash) = trapper();
		let (user, dependency) = trap_offsets(&debug);
		let trace = sample_trace(hash, vec![dependency, user, 3]);
		let store = DebugInfoStore::in_memory();
		store.register(hash, debug).unwrap();
		let json = serde_json::to_value(render_trace(&trace, &store)).unwrap();

		assert_eq!(json["type"], "CALL");
		assert_eq!(json["from"], ALICE);
		assert_eq!(
			json["to"],
			AccountId32::from([2; 32]).to_ss58check_with_version(Ss58AddressFormat::custom(42))
		);
		assert_eq!(json["value"], "0x2a");
		assert_eq!(json["gas"], "0x3e8");
		assert_eq!(json["gasUsed"], "0x1f4");
		assert_eq!(json["input"], "0x633aa55101");
		assert_eq!(json["output"], "0x0001");
		assert_eq!(json["codeHash"], hex(&[7; 32]));
		assert_eq!(json["droppedRecords"], 3);
		assert!(json.get("error").is_none(), "success has no error");
		assert!(json.get("trap").is_none());
		assert_eq!(
			json["hostCalls"],
			json!([
				{ "name": "seal2::call", "args": [1, -2], "result": 0, "call": 0, "callSite": { "offset": 0 } },
				{ "name": "seal0::caller", "args": [64, 68], "result": null, "callSite": { "offset": 0 } },
				{ "name": "seal0::seal_return", "args": [0, 0, 0], "result": null, "stopped": "return", "callSite": { "offset": 0 } },
			])
		);
		assert_eq!(
			json["storage"],
			json!([
				{ "key": "0x0102", "old": null, "new": "0x03" },
				{ "key": "0x04", "old": "0x05", "new": null },
			])
		);
		assert_eq!(json["events"], json!([{ "topics": [hex(&[9; 32])], "data": "0x01" }]));

		let calls = json["calls"].as_array().unwrap();
		assert_eq!(calls.len(), 3);
		let trapped = &calls[0];
		assert_eq!(trapped["error"], "trapped: ArithmeticOverflow: attempt to add with overflow");
		assert_eq!(trapped["calls"], json!([]), "`calls` is always there");
		assert!(trapped.get("droppedRecords").is_none(), "only on the top frame");
		let trap = &trapped["trap"];
		assert_eq!(trap["kind"], "ArithmeticOverflow");
		assert_eq!(trap["message"], "attempt to add with overflow");
		assert_eq!(trap["location"]["file"], TRAPPER_SOURCE);
		assert_eq!(trap["location"]["line"], marked_line("overflow"));
		// The backtrace: the dependency's source frames, the contract's, and a bare offset
		// outside the code, innermost first.
		let backtrace = trap["backtrace"].as_array().unwrap();
		let offsets: Vec<u64> = backtrace.iter().map(|e| e["offset"].as_u64().unwrap()).collect();
		assert_eq!(offsets.first(), Some(&u64::from(dependency)));
		assert_eq!(offsets.last(), Some(&3));
		assert!(offsets.contains(&u64::from(user)));
		assert!(backtrace[0]["file"].is_string() && backtrace[0]["inlined"].is_boolean());
		assert!(backtrace
			.iter()
			.any(|e| e["file"] == TRAPPER_SOURCE && e["line"] == marked_line("overflow")));
		assert_eq!(backtrace.last().unwrap(), &json!({ "offset": 3 }));

		assert_eq!(calls[1]["type"], "DELEGATECALL");
		assert_eq!(calls[1]["error"], "execution reverted");
		assert_eq!(calls[2]["type"], "CREATE");
		assert_eq!(calls[2]["error"], "TransferFailed");
		assert!(calls[2].get("trap").is_none());
	}

	#[test]
	fn without_debug_info_a_trap_has_offsets_until_it_is_registered() {
		let (debug, hash) = trapper();
		let (user, dependency) = trap_offsets(&debug);
		let trace = sample_trace(hash, vec![dependency, user]);
		let store = DebugInfoStore::in_memory();
		let before = serde_json::to_value(render_trace(&trace, &store)).unwrap();
		let trap = &before["calls"][0]["trap"];
		assert_eq!(trap["location"], json!(null));
		assert_eq!(trap["backtrace"], json!([{ "offset": dependency }, { "offset": user }]));

		// The same raw trace, rendered after the debug info arrives, is located.
		store.register(hash, debug).unwrap();
		let after = serde_json::to_value(render_trace(&trace, &store)).unwrap();
		let trap = &after["calls"][0]["trap"];
		assert_eq!(trap["location"]["file"], TRAPPER_SOURCE);
		assert_eq!(trap["location"]["line"], marked_line("overflow"));
	}

	#[test]
	fn an_extrinsic_trace_puts_its_block_on_the_top_frame() {
		let trace = sample_trace([0; 32], Vec::new());
		let rendered = ExtrinsicTrace {
			block_hash: H256::repeat_byte(0xab),
			block_number: 5,
			extrinsic_index: 1,
			frame: render_trace(&trace, &DebugInfoStore::in_memory()),
		};
		let json = serde_json::to_value(rendered).unwrap();
		assert_eq!(json["blockHash"], hex(&[0xab; 32]));
		assert_eq!(json["blockNumber"], 5);
		assert_eq!(json["extrinsicIndex"], 1);
		assert_eq!(json["type"], "CALL");
		assert_eq!(json["calls"][0]["trap"]["backtrace"], json!([]));
	}

	#[test]
	fn a_huge_malformed_argument_gets_a_short_error() {
		let huge = format!("0x{}", "ab".repeat(1 << 20));
		let block = BlockRef::parse(&json!(huge)).unwrap_err();
		assert_eq!(block.code(), codes::INVALID_REQUEST);
		assert!(block.message().len() < 200, "{}", &block.message()[..200]);
		assert!(block.message().contains("(2097156 bytes)"), "{}", block.message());
		let account = parse_account(&huge, "origin").unwrap_err();
		assert!(account.message().len() < 200 && account.message().contains("bytes)"));
		let amount = serde_json::from_value::<Amount>(json!("9".repeat(100_000))).unwrap_err();
		assert!(amount.to_string().len() < 200, "{}", &amount.to_string()[..200]);
		// Short ones are repeated whole, multi-byte characters included.
		assert!(BlockRef::parse(&json!("latest")).unwrap_err().message().contains("`\"latest\"`"));
		assert_eq!(quoted(&"é".repeat(81)), format!("{}… (162 bytes)", "é".repeat(80)));
	}

	#[test]
	fn arguments_parse_or_say_what_to_send() {
		assert_eq!(BlockRef::parse(&json!(7)).unwrap(), BlockRef::Number(7));
		assert_eq!(BlockRef::parse(&json!("7")).unwrap(), BlockRef::Number(7));
		let hash = hex(&[1; 32]);
		assert_eq!(BlockRef::parse(&json!(hash)).unwrap(), BlockRef::Hash(H256::repeat_byte(1)));
		for bad in [json!(-1), json!(1.5), json!("0x1234"), json!("latest"), json!(null)] {
			let error = BlockRef::parse(&bad).unwrap_err();
			assert_eq!(error.code(), codes::INVALID_REQUEST);
			assert!(error.message().contains("number or its 0x hash"), "{bad}");
		}

		let alice = sp_keyring::Sr25519Keyring::Alice.to_account_id();
		assert_eq!(parse_account(ALICE, "origin").unwrap(), alice);
		assert_eq!(parse_account(&hex(alice.as_ref()), "origin").unwrap(), alice);
		let error = parse_account("0x1234", "dest").unwrap_err();
		assert!(error.message().starts_with("`dest`"));

		let request: CallRequest = serde_json::from_value(json!({
			"origin": ALICE,
			"dest": ALICE,
			"value": "0x10",
			"gasLimit": { "refTime": 5, "proofSize": 6 },
			"storageDepositLimit": "1000000000000000000000",
			"inputData": "0x633aa551",
		}))
		.unwrap();
		assert_eq!(request.value, Amount(16));
		assert_eq!(request.storage_deposit_limit, Some(Amount(1_000_000_000_000_000_000_000)));
		assert_eq!(gas_limit(request.gas_limit), Some(Weight::from_parts(5, 6)));
		assert_eq!(request.input_data.0, vec![0x63, 0x3a, 0xa5, 0x51]);
		let minimal: CallRequest =
			serde_json::from_value(json!({ "origin": ALICE, "dest": ALICE, "inputData": "0x" }))
				.unwrap();
		assert_eq!((minimal.value, minimal.gas_limit), (Amount(0), None));
		assert!(serde_json::from_value::<CallRequest>(
			json!({ "origin": ALICE, "dest": ALICE, "inputData": "0x", "value": "lots" })
		)
		.unwrap_err()
		.to_string()
		.contains("not an amount"));

		let instantiate: InstantiateRequest = serde_json::from_value(json!({
			"origin": ALICE,
			"code": { "existing": hex(&[3; 32]) },
			"data": "0x9bae9d5e",
		}))
		.unwrap();
		assert!(matches!(instantiate.code, CodeRequest::Existing(h) if h == H256::repeat_byte(3)));
		assert!(instantiate.salt.0.is_empty());
		let upload: InstantiateRequest = serde_json::from_value(json!({
			"origin": ALICE, "code": { "upload": "0x0061736d" }, "data": "0x", "salt": "0x01",
		}))
		.unwrap();
		assert!(matches!(upload.code, CodeRequest::Upload(code) if code.0 == b"\0asm"));
	}

	#[test]
	fn dispatch_errors_are_named() {
		let trapped: DispatchError =
			pallet_contracts::Error::<callisto_runtime::Runtime>::ContractTrapped.into();
		assert_eq!(dispatch_error_name(trapped), "Contracts::ContractTrapped");
		assert_eq!(dispatch_error_name(DispatchError::BadOrigin), "BadOrigin");
	}
}
