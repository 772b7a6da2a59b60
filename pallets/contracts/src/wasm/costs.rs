//! What host functions charge, besides the Wasm instructions the sandbox meters.
//!
//! ref_time is in picoseconds like every Substrate weight. Callisto has not benchmarked the
//! host functions one by one yet; the figures below are estimates built from what was measured
//! on the 2-core development machine (`docs/BENCHMARKS.md`): a host-call round trip through the
//! Wasm runtime costs about 2 µs, a cached instantiation 0.2 ms, hashing and copying run at
//! memory speed, and storage accesses pay for a trie lookup. proof_size is charged for what a
//! validator would have to see: storage values with their trie overhead, and loaded code. They
//! are deterministic constants, so gas is identical on both sandbox backends.

use crate::{gas::Token, Config};
use frame_support::weights::Weight;

/// A host call's round trip out of the sandbox and back.
const HOST_CALL: u64 = 2_000_000;
/// Copying one byte across the sandbox boundary.
const COPY_PER_BYTE: u64 = 200;
/// A storage read or write besides the bytes: hashing the key and walking the trie.
const STORAGE_ACCESS: u64 = 25_000_000;
/// A write's extra cost over a read: the overlay entry and the later commit.
const STORAGE_WRITE: u64 = 25_000_000;
/// Trie nodes a validator needs besides the value itself.
const STORAGE_PROOF: u64 = 512;
/// Setting up a nested frame: loading the callee's contract info, a storage transaction and
/// a (cached) instantiation.
const CALL_BASE: u64 = 300_000_000;
/// Proof of the callee's contract info and code info.
const CALL_PROOF: u64 = 2_000;
/// Loading code from storage, per byte (hashing and compiling is cached by code hash).
const CODE_LOAD_PER_BYTE: u64 = 1_000;
/// A balance transfer: two account reads and writes.
const TRANSFER: u64 = 100_000_000;
const TRANSFER_PROOF: u64 = 2 * 128;
/// Hashing, per byte.
const HASH_PER_BYTE: u64 = 4_000;
/// Signature checks.
const ECDSA_RECOVER: u64 = 50_000_000;
const SR25519_VERIFY: u64 = 50_000_000;
/// An event: stored in the block and hashed by every node (plus `Limits::event_ref_time` per
/// byte, which the caller adds).
const EVENT_BASE: u64 = 10_000_000;
const EVENT_PER_TOPIC: u64 = 5_000_000;

/// A host-function cost.
#[derive(Copy, Clone, Debug)]
pub enum RuntimeCosts {
	/// Wasm instructions the sandbox ran since the last host call, priced in ref_time.
	Instructions(u64),
	/// Every host call, before its own cost.
	HostFn,
	/// Reading `n` bytes out of contract memory.
	CopyFromContract(u32),
	/// Writing `n` bytes into contract memory.
	CopyToContract(u32),
	/// A query answered from the call stack without storage access.
	Query,
	/// A query that reads one storage item (`is_contract`, `code_hash`, `balance`).
	StorageQuery,
	/// `deposit_event` with this many topics and payload bytes (`per_byte` from the schedule).
	DepositEvent { num_topic: u32, len: u32, per_byte: u64 },
	/// `debug_message` of `n` bytes.
	DebugMessage(u32),
	/// Writing a value of `new` bytes over one of `old` bytes.
	SetStorage { old: u32, new: u32 },
	/// Reading (`get`, `contains`) a value of `n` bytes.
	ReadStorage(u32),
	/// Removing (`clear`, `take`) a value of `n` bytes.
	RemoveStorage(u32),
	/// A transient-storage access moving `n` bytes.
	TransientStorage(u32),
	/// A balance transfer.
	Transfer,
	/// The fixed part of `call`, `delegate_call` and `instantiate`.
	CallBase,
	/// Loading `n` bytes of code for a nested frame.
	CodeLoad(u32),
	/// `instantiate`'s input and salt copies.
	Instantiate { input_data_len: u32, salt_len: u32 },
	/// Hashing `n` bytes.
	Hash(u32),
	/// `ecdsa_recover` and `ecdsa_to_eth_address`.
	EcdsaRecovery,
	/// `sr25519_verify` of an `n`-byte message.
	Sr25519Verify(u32),
	/// `terminate`.
	Terminate,
	/// `set_code_hash` and the delegate-dependency functions: code info reads and writes.
	CodeInfoUpdate,
	/// `call_runtime` of a call with this dispatch weight.
	CallRuntime(Weight),
}

impl<T: Config> Token<T> for RuntimeCosts {
	fn weight(&self) -> Weight {
		use RuntimeCosts::*;
		let per_byte = |n: u32, cost: u64| cost.saturating_mul(n.into());
		match *self {
			Instructions(ref_time) => Weight::from_parts(ref_time, 0),
			HostFn => Weight::from_parts(HOST_CALL, 0),
			CopyFromContract(n) | CopyToContract(n) => {
				Weight::from_parts(per_byte(n, COPY_PER_BYTE), 0)
			}
			Query => Weight::from_parts(HOST_CALL / 4, 0),
			StorageQuery => Weight::from_parts(STORAGE_ACCESS, STORAGE_PROOF + 128),
			DepositEvent { num_topic, len, per_byte: event_per_byte } => Weight::from_parts(
				EVENT_BASE
					.saturating_add(EVENT_PER_TOPIC.saturating_mul(num_topic.into()))
					.saturating_add(per_byte(len, COPY_PER_BYTE.saturating_add(event_per_byte))),
				0,
			),
			DebugMessage(n) => Weight::from_parts(per_byte(n, COPY_PER_BYTE), 0),
			SetStorage { old, new } => Weight::from_parts(
				STORAGE_ACCESS
					.saturating_add(STORAGE_WRITE)
					.saturating_add(per_byte(new, COPY_PER_BYTE)),
				STORAGE_PROOF.saturating_add(old.into()),
			),
			ReadStorage(n) => Weight::from_parts(
				STORAGE_ACCESS.saturating_add(per_byte(n, COPY_PER_BYTE)),
				STORAGE_PROOF.saturating_add(n.into()),
			),
			RemoveStorage(n) => Weight::from_parts(
				STORAGE_ACCESS
					.saturating_add(STORAGE_WRITE)
					.saturating_add(per_byte(n, COPY_PER_BYTE)),
				STORAGE_PROOF.saturating_add(n.into()),
			),
			TransientStorage(n) => {
				Weight::from_parts(HOST_CALL.saturating_add(per_byte(n, COPY_PER_BYTE)), 0)
			}
			Transfer => Weight::from_parts(TRANSFER, TRANSFER_PROOF),
			CallBase => Weight::from_parts(CALL_BASE, CALL_PROOF),
			CodeLoad(n) => Weight::from_parts(per_byte(n, CODE_LOAD_PER_BYTE), n.into()),
			Instantiate { input_data_len, salt_len } => Weight::from_parts(
				CALL_BASE.saturating_add(STORAGE_WRITE.saturating_mul(4)).saturating_add(per_byte(
					input_data_len.saturating_add(salt_len),
					COPY_PER_BYTE,
				)),
				CALL_PROOF,
			),
			Hash(n) => Weight::from_parts(HOST_CALL.saturating_add(per_byte(n, HASH_PER_BYTE)), 0),
			EcdsaRecovery => Weight::from_parts(ECDSA_RECOVER, 0),
			Sr25519Verify(n) => {
				Weight::from_parts(SR25519_VERIFY.saturating_add(per_byte(n, HASH_PER_BYTE)), 0)
			}
			Terminate => Weight::from_parts(CALL_BASE, CALL_PROOF),
			CodeInfoUpdate => {
				Weight::from_parts(STORAGE_ACCESS.saturating_add(STORAGE_WRITE), CALL_PROOF)
			}
			CallRuntime(weight) => weight,
		}
	}
}
