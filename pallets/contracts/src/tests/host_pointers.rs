//! Issue 8: a host function can reach no memory outside the contract's own.
//!
//! Every host function that takes a pointer or a length is described below by what each of its
//! parameters is (a raw read, a decoded value, a buffer and its length, an output...). From that
//! description each pointer and each length in turn is made bad while the others stay valid:
//! a pointer one past the end of memory, one straddling the end, one near `u32::MAX`, one whose
//! end wraps `u32`, a length that runs past the end and a length that wraps `u32`. Each case runs
//! on both backends and must fail with the error pallet-contracts 51 gives for it, cost the same
//! on both, and leave no trace outside the contract's memory (the state root is unchanged and
//! the only event is the trap). The same call with valid arguments must succeed and write its
//! outputs (the positive control). A host function missing from the table fails the test.

use super::{
	wasm_contracts::{deploy, store_unchecked},
	*,
};
use crate::{
	primitives::ContractExecResult,
	wasm::{HostFnInfo, ValType, HOST_FUNCTIONS},
};
use codec::Encode;
use sp_core::Pair as _;

/// A dry-run limit large enough for every valid case.
const LIMIT: Weight = Weight::from_parts(500_000_000_000, 10 * 1024 * 1024);
/// Every test contract has exactly one 64 KiB page.
const MEM: u32 = 64 * 1024;
/// Arguments arrive as the call's input, 8 bytes each, copied to `ARGS` (outside the dump).
const ARGS: u32 = 0x8000;
/// The function's result is stored at `RESULT`; the call returns `[RESULT..dump_end)`.
const RESULT: u32 = 0x80;
/// Parameter `i` owns `[REGIONS + i * REGION, ...)` for its valid value.
const REGIONS: u32 = 0x1000;
const REGION: u32 = 0x400;
/// What output buffers hold before the call, to see that the call wrote them.
const FILL: u8 = 0xEE;
/// The capacity every output buffer offers.
const CAPACITY: u32 = 1024;

/// The flag bit of deprecated host functions (only linked for `call`, refused on upload).
const DEPRECATED: u8 = 4;

/// Bad pointers.
const PAST_END: u32 = MEM;
const STRADDLES: u32 = MEM - 1;
const NEAR_MAX: u32 = u32::MAX - 15;
const WRAPS: u32 = u32::MAX - 1;
/// Where a buffer starts when its length is the bad argument.
const LATE_BUF: u32 = MEM - 8;

/// A valid value placed in a parameter's region.
#[derive(Clone, Copy, Debug)]
enum Data {
	/// The fixed storage key the constructor wrote.
	Key32,
	/// The variable storage key the constructor wrote.
	VarKey,
	Bytes(&'static [u8]),
	/// The callee contract's account.
	Callee,
	Bob,
	/// A zero `u128` (value, deposit limit).
	Zero128,
	/// The callee's code hash.
	CodeHash,
	/// One topic, as a SCALE `Vec<H256>`.
	Topics,
	/// A SCALE-encoded `RuntimeCall`.
	RuntimeCall,
	EcdsaSignature,
	EcdsaMessageHash,
	EcdsaPublicKey,
	Sr25519Signature,
	Sr25519PublicKey,
	Sr25519Message,
}

/// What a host function does with one parameter.
#[derive(Clone, Copy, Debug)]
enum Role {
	/// Not a pointer or a length (flags, gas): always this value.
	Val(u64),
	/// Read as exactly `data.len()` raw bytes (`read_sandbox_memory_into_buf`): any byte out of
	/// range is `OutOfBounds`.
	Raw(Data),
	/// A `MaxEncodedLen` value decoded from `memory[ptr..]` (`read_sandbox_memory_as`): a
	/// pointer beyond the end is `OutOfBounds`, a value cut off by the end `DecodingFailed`.
	Dec(Data),
	/// A variable-length input; `Len` names it.
	Buf(Data),
	/// The length of the `Buf` at the index; a length that wraps `u32` fails with the error
	/// (the function charges or checks a limit before it reads).
	Len(usize, DispatchError),
	/// `out_ptr` of the output protocol.
	Out,
	/// `out_len_ptr` of the output protocol: a `u32` capacity decoded like `Dec`, then written.
	OutLen,
	/// A fixed-size output of this many bytes.
	Fixed(u32),
	/// Ignored by design (the length of a fixed-size value, an argument of a removed feature,
	/// XCM's destination and message id): any value gives the valid call's outcome, to the
	/// byte and the unit of gas. Holds the valid value.
	Ignored(u32),
}

/// What the contract does before the call under test.
#[derive(Clone, Copy, PartialEq)]
enum Prologue {
	None,
	/// Sets the variable key in transient storage (which does not outlive the call).
	Transient,
	/// Locks the callee's code as a delegate dependency.
	Lock,
}

/// One host function.
struct Spec {
	module: &'static str,
	name: &'static str,
	roles: Vec<Role>,
	prologue: Prologue,
	/// The `i32` result of the valid call (required for functions with one).
	control: Option<u32>,
}

fn spec(module: &'static str, name: &'static str, roles: Vec<Role>) -> Spec {
	Spec { module, name, roles, prologue: Prologue::None, control: None }
}

impl Spec {
	fn returns(mut self, value: u32) -> Self {
		self.control = Some(value);
		self
	}

	fn after(mut self, prologue: Prologue) -> Self {
		self.prologue = prologue;
		self
	}
}

/// Every host function, by what it does with its parameters (functions without pointers or
/// lengths included, so that the table is checked to be complete).
fn specs() -> Vec<Spec> {
	use Data::*;
	use Role::*;
	let oob = err(Error::OutOfBounds);
	let gas = err(Error::OutOfGas);
	let decode = err(Error::DecodingFailed);
	let too_long = err(Error::RandomSubjectTooLong);
	let value = Buf(Bytes(b"value!"));
	let input = Buf(Bytes(b"in"));
	let salt = Buf(Bytes(b"salt"));
	let success = ReturnErrorCode::Success as u32;
	let outputs = |module, name| spec(module, name, vec![Out, OutLen]);
	vec![
		// seal0
		spec("seal0", "set_storage", vec![Raw(Key32), value, Len(1, gas)]),
		spec("seal0", "clear_storage", vec![Raw(Key32)]),
		spec("seal0", "get_storage", vec![Raw(Key32), Out, OutLen]).returns(success),
		spec("seal0", "contains_storage", vec![Raw(Key32)]).returns(6),
		spec("seal0", "take_storage", vec![Buf(VarKey), Len(0, decode), Out, OutLen])
			.returns(success),
		spec(
			"seal0",
			"set_transient_storage",
			vec![Buf(VarKey), Len(0, decode), value, Len(2, gas)],
		)
		.returns(SENTINEL),
		spec("seal0", "clear_transient_storage", vec![Buf(VarKey), Len(0, decode)])
			.after(Prologue::Transient)
			.returns(6),
		spec("seal0", "get_transient_storage", vec![Buf(VarKey), Len(0, decode), Out, OutLen])
			.after(Prologue::Transient)
			.returns(success),
		spec("seal0", "contains_transient_storage", vec![Buf(VarKey), Len(0, decode)])
			.after(Prologue::Transient)
			.returns(6),
		spec("seal0", "take_transient_storage", vec![Buf(VarKey), Len(0, decode), Out, OutLen])
			.after(Prologue::Transient)
			.returns(success),
		spec("seal0", "transfer", vec![Dec(Bob), Ignored(32), Dec(Zero128), Ignored(16)])
			.returns(success),
		spec(
			"seal0",
			"call",
			vec![
				Dec(Callee),
				Ignored(32),
				Val(0),
				Dec(Zero128),
				Ignored(16),
				input,
				Len(5, gas),
				Out,
				OutLen,
			],
		)
		.returns(success),
		spec(
			"seal0",
			"delegate_call",
			vec![Val(0), Dec(CodeHash), input, Len(2, gas), Out, OutLen],
		)
		.returns(success),
		spec(
			"seal0",
			"instantiate",
			vec![
				Dec(CodeHash),
				Ignored(32),
				Val(0),
				Dec(Zero128),
				Ignored(16),
				input,
				Len(5, gas),
				Out,
				OutLen,
				Out,
				OutLen,
				salt,
				Len(11, gas),
			],
		)
		.returns(success),
		spec("seal0", "terminate", vec![Dec(Bob), Ignored(32)]),
		outputs("seal0", "input"),
		spec("seal0", "seal_return", vec![Val(0), Buf(Bytes(b"returned")), Len(1, gas)]),
		outputs("seal0", "caller"),
		spec("seal0", "is_contract", vec![Dec(Callee)]).returns(1),
		spec("seal0", "code_hash", vec![Dec(Callee), Out, OutLen]).returns(success),
		outputs("seal0", "own_code_hash"),
		spec("seal0", "caller_is_origin", vec![]),
		spec("seal0", "caller_is_root", vec![]),
		outputs("seal0", "address"),
		spec("seal0", "weight_to_fee", vec![Val(1_000), Out, OutLen]),
		outputs("seal0", "gas_left"),
		outputs("seal0", "balance"),
		outputs("seal0", "value_transferred"),
		spec("seal0", "random", vec![Buf(Bytes(b"subject")), Len(0, too_long), Out, OutLen]),
		outputs("seal0", "now"),
		outputs("seal0", "minimum_balance"),
		outputs("seal0", "tombstone_deposit"),
		spec("seal0", "restore_to", vec![Ignored(REGIONS); 8]),
		spec("seal0", "set_rent_allowance", vec![Ignored(REGIONS), Ignored(16)]),
		outputs("seal0", "rent_allowance"),
		spec(
			"seal0",
			"deposit_event",
			vec![Buf(Topics), Len(0, gas), Buf(Bytes(b"data")), Len(2, gas)],
		),
		outputs("seal0", "block_number"),
		spec("seal0", "hash_sha2_256", vec![Buf(Bytes(b"hash me")), Len(0, gas), Fixed(32)]),
		spec("seal0", "hash_keccak_256", vec![Buf(Bytes(b"hash me")), Len(0, gas), Fixed(32)]),
		spec("seal0", "hash_blake2_256", vec![Buf(Bytes(b"hash me")), Len(0, gas), Fixed(32)]),
		spec("seal0", "hash_blake2_128", vec![Buf(Bytes(b"hash me")), Len(0, gas), Fixed(16)]),
		// `str_len` is capped at `MaxDebugBufferLen` (2 MiB) before the charge, so the read
		// fails: beyond any memory.
		spec("seal0", "debug_message", vec![Buf(Bytes(b"hello")), Len(0, oob)]).returns(success),
		// `CallFilter` is `Nothing`: a decoded call is refused.
		spec("seal0", "call_runtime", vec![Buf(RuntimeCall), Len(0, gas)])
			.returns(ReturnErrorCode::CallRuntimeFailed as u32),
		// Callisto has no XCM (docs/CONTRACTS_INTERFACE.md): it reads the message but decodes
		// neither it nor `dest` and writes no message id, where pallet-contracts 51 decodes
		// a `VersionedXcm` and a `VersionedLocation` first.
		spec("seal0", "xcm_execute", vec![Buf(Bytes(b"xcm")), Len(0, gas)])
			.returns(ReturnErrorCode::XcmExecutionFailed as u32),
		spec(
			"seal0",
			"xcm_send",
			vec![Ignored(REGIONS), Buf(Bytes(b"xcm")), Len(1, gas), Ignored(REGIONS)],
		)
		.returns(ReturnErrorCode::XcmSendFailed as u32),
		spec("seal0", "ecdsa_recover", vec![Raw(EcdsaSignature), Raw(EcdsaMessageHash), Fixed(33)])
			.returns(success),
		spec(
			"seal0",
			"sr25519_verify",
			vec![Raw(Sr25519Signature), Raw(Sr25519PublicKey), Len(3, gas), Buf(Sr25519Message)],
		)
		.returns(success),
		spec("seal0", "set_code_hash", vec![Dec(CodeHash)]).returns(success),
		spec("seal0", "ecdsa_to_eth_address", vec![Raw(EcdsaPublicKey), Fixed(20)])
			.returns(success),
		spec("seal0", "reentrance_count", vec![]),
		spec("seal0", "account_reentrance_count", vec![Dec(Callee)]).returns(0),
		spec("seal0", "instantiation_nonce", vec![]),
		spec("seal0", "lock_delegate_dependency", vec![Dec(CodeHash)]),
		spec("seal0", "unlock_delegate_dependency", vec![Dec(CodeHash)]).after(Prologue::Lock),
		// seal1
		spec("seal1", "set_storage", vec![Raw(Key32), value, Len(1, gas)]).returns(6),
		spec("seal1", "clear_storage", vec![Buf(VarKey), Len(0, decode)]).returns(6),
		spec("seal1", "get_storage", vec![Buf(VarKey), Len(0, decode), Out, OutLen])
			.returns(success),
		spec("seal1", "contains_storage", vec![Buf(VarKey), Len(0, decode)]).returns(6),
		spec(
			"seal1",
			"call",
			vec![Val(0), Dec(Callee), Val(0), Dec(Zero128), input, Len(4, gas), Out, OutLen],
		)
		.returns(success),
		spec(
			"seal1",
			"instantiate",
			vec![
				Dec(CodeHash),
				Val(0),
				Dec(Zero128),
				input,
				Len(3, gas),
				Out,
				OutLen,
				Out,
				OutLen,
				salt,
				Len(9, gas),
			],
		)
		.returns(success),
		spec("seal1", "terminate", vec![Dec(Bob)]),
		spec("seal1", "random", vec![Buf(Bytes(b"subject")), Len(0, too_long), Out, OutLen]),
		spec("seal1", "restore_to", vec![Ignored(REGIONS); 5]),
		spec("seal1", "set_rent_allowance", vec![Ignored(REGIONS)]),
		spec("seal1", "weight_to_fee", vec![Val(1_000), Val(1_000), Out, OutLen]),
		outputs("seal1", "gas_left"),
		// seal2
		spec("seal2", "set_storage", vec![Buf(VarKey), Len(0, decode), value, Len(2, gas)])
			.returns(6),
		spec(
			"seal2",
			"call",
			vec![
				Val(0),
				Dec(Callee),
				Val(0),
				Val(0),
				Dec(Zero128),
				Dec(Zero128),
				input,
				Len(6, gas),
				Out,
				OutLen,
			],
		)
		.returns(success),
		spec(
			"seal2",
			"instantiate",
			vec![
				Dec(CodeHash),
				Val(0),
				Val(0),
				Dec(Zero128),
				Dec(Zero128),
				input,
				Len(5, gas),
				Out,
				OutLen,
				Out,
				OutLen,
				salt,
				Len(11, gas),
			],
		)
		.returns(success),
	]
}

/// Values of the test world the contracts need to know.
struct World {
	callee_code: Vec<u8>,
	callee_hash: H256,
	callee: AccountId32,
	ecdsa: (Vec<u8>, [u8; 32], Vec<u8>),
	sr25519: (Vec<u8>, Vec<u8>, Vec<u8>),
	runtime_call: Vec<u8>,
}

impl World {
	fn new() -> Self {
		// Returns "ok!!" from both entry points.
		let callee_code = wat::parse_str(
			r#"(module
				(import "seal0" "seal_return" (func $return (param i32 i32 i32)))
				(import "env" "memory" (memory 1 1))
				(data (i32.const 0) "ok!!")
				(func (export "deploy") (call $return (i32.const 0) (i32.const 0) (i32.const 4)))
				(func (export "call") (call $return (i32.const 0) (i32.const 0) (i32.const 4))))"#,
		)
		.unwrap();
		let callee_hash = BlakeTwo256::hash(&callee_code);
		let callee = Contracts::contract_address(&ALICE, &callee_hash, &[], &[]);
		let pair = sp_core::ecdsa::Pair::from_seed(&[5; 32]);
		let hash = [6u8; 32];
		let signature = pair.sign_prehashed(&hash);
		let ecdsa = (signature.0.to_vec(), hash, pair.public().0.to_vec());
		let pair = sp_core::sr25519::Pair::from_seed(&[7; 32]);
		let message = b"signed message".to_vec();
		let sr25519 = (pair.sign(&message).0.to_vec(), pair.public().0.to_vec(), message);
		let runtime_call =
			RuntimeCall::System(frame_system::Call::remark { remark: vec![1, 2] }).encode();
		World { callee_code, callee_hash, callee, ecdsa, sr25519, runtime_call }
	}

	fn bytes(&self, data: Data) -> Vec<u8> {
		match data {
			Data::Key32 => vec![7; 32],
			Data::VarKey => b"keyy".to_vec(),
			Data::Bytes(b) => b.to_vec(),
			Data::Callee => self.callee.encode(),
			Data::Bob => BOB.encode(),
			Data::Zero128 => 0u128.encode(),
			Data::CodeHash => self.callee_hash.encode(),
			Data::Topics => vec![H256::repeat_byte(9)].encode(),
			Data::RuntimeCall => self.runtime_call.clone(),
			Data::EcdsaSignature => self.ecdsa.0.clone(),
			Data::EcdsaMessageHash => self.ecdsa.1.to_vec(),
			Data::EcdsaPublicKey => self.ecdsa.2.clone(),
			Data::Sr25519Signature => self.sr25519.0.clone(),
			Data::Sr25519PublicKey => self.sr25519.1.clone(),
			Data::Sr25519Message => self.sr25519.2.clone(),
		}
	}

	/// What parameter `i` holds in its region before the call.
	fn region(&self, role: Role) -> Vec<u8> {
		match role {
			Role::Raw(d) | Role::Dec(d) | Role::Buf(d) => self.bytes(d),
			Role::Out | Role::Fixed(_) => vec![FILL; 64],
			Role::OutLen => CAPACITY.encode(),
			Role::Val(_) | Role::Len(..) | Role::Ignored(_) => Vec::new(),
		}
	}
}

fn region(i: usize) -> u32 {
	REGIONS + REGION * i as u32
}

fn wat_bytes(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

fn ty(t: ValType) -> &'static str {
	match t {
		ValType::I32 => "i32",
		ValType::I64 => "i64",
		ValType::Other(_) => panic!("host functions take only i32 and i64"),
	}
}

/// The contract that calls `f` with the arguments of its input.
fn tester(world: &World, f: &HostFnInfo, spec: &Spec) -> Vec<u8> {
	let params: Vec<&str> = f.params.iter().map(|(_, t)| ty(*t)).collect();
	let args: Vec<String> = params
		.iter()
		.enumerate()
		.map(|(i, t)| format!("({t}.load (i32.const {}))", ARGS + 8 * i as u32))
		.collect();
	let call = format!("(call $f {})", args.join(" "));
	let invoke = match f.result {
		Some(ValType::I32) => format!("(i64.store (i32.const {RESULT}) (i64.extend_i32_u {call}))"),
		Some(_) => format!("(i64.store (i32.const {RESULT}) {call})"),
		None => call,
	};
	let result = f.result.map(|t| format!("(result {})", ty(t))).unwrap_or_default();
	let data: String = spec
		.roles
		.iter()
		.enumerate()
		.map(|(i, role)| {
			format!("(data (i32.const {}) \"{}\")\n", region(i), wat_bytes(&world.region(*role)))
		})
		.collect();
	let prologue = match spec.prologue {
		Prologue::None => "",
		Prologue::Transient => {
			"(drop (call $set_transient (i32.const 0x240) (i32.const 4) (i32.const 0x250) (i32.const 6)))"
		}
		Prologue::Lock => "(call $lock (i32.const 0x260))",
	};
	let dump_end = region(spec.roles.len());
	let code = format!(
		r#"(module
			(import "seal0" "input" (func $input (param i32 i32)))
			(import "seal0" "seal_return" (func $return (param i32 i32 i32)))
			(import "seal0" "set_storage" (func $set_fixed (param i32 i32 i32)))
			(import "seal2" "set_storage" (func $set_var (param i32 i32 i32 i32) (result i32)))
			(import "seal0" "set_transient_storage" (func $set_transient (param i32 i32 i32 i32) (result i32)))
			(import "seal0" "lock_delegate_dependency" (func $lock (param i32)))
			(import "{module}" "{name}" (func $f (param {params}) {result}))
			(import "env" "memory" (memory 1 1))
			(data (i32.const 0x200) "{key}")
			(data (i32.const 0x240) "keyy")
			(data (i32.const 0x250) "stored")
			(data (i32.const 0x260) "{hash}")
			{data}
			(func (export "deploy")
				(call $set_fixed (i32.const 0x200) (i32.const 0x250) (i32.const 6))
				(drop (call $set_var (i32.const 0x240) (i32.const 4) (i32.const 0x250) (i32.const 6))))
			(func (export "call")
				(i32.store (i32.const 0xf0) (i32.const 0x100))
				(call $input (i32.const {ARGS}) (i32.const 0xf0))
				{prologue}
				{invoke}
				(call $return (i32.const 0) (i32.const {RESULT}) (i32.const {len}))))"#,
		module = f.module,
		name = f.name,
		params = params.join(" "),
		key = wat_bytes(&[7; 32]),
		hash = wat_bytes(world.callee_hash.as_ref()),
		len = dump_end - RESULT,
	);
	wat::parse_str(&code).unwrap_or_else(|e| panic!("invalid WAT: {e}\n{code}"))
}

/// The valid arguments of `spec`.
fn valid_args(world: &World, spec: &Spec) -> Vec<u64> {
	spec.roles
		.iter()
		.enumerate()
		.map(|(i, role)| match *role {
			Role::Val(v) => v,
			Role::Len(buf, _) => match spec.roles[buf] {
				Role::Buf(d) => world.bytes(d).len() as u64,
				other => panic!("Len({buf}) names {other:?}, not a Buf"),
			},
			Role::Ignored(v) => v.into(),
			_ => region(i).into(),
		})
		.collect()
}

/// What a case must give.
#[derive(Debug)]
enum Expect {
	Fails(DispatchError),
	/// What the valid call gives (an ignored argument).
	LikeControl,
}

struct Case {
	what: String,
	args: Vec<u64>,
	expect: Expect,
}

/// Every bad variant of every pointer and length of `spec`, one argument at a time.
fn cases(world: &World, spec: &Spec) -> Vec<Case> {
	use Expect::*;
	let oob = || Fails(err(Error::OutOfBounds));
	let decode = || Fails(err(Error::DecodingFailed));
	let valid = valid_args(world, spec);
	let mut cases = Vec::new();
	for (i, role) in spec.roles.iter().enumerate() {
		let mut with = |what: &str, changes: &[(usize, u32)], expect: Expect| {
			let mut args = valid.clone();
			for (j, v) in changes {
				args[*j] = (*v).into();
			}
			cases.push(Case { what: format!("param {i} ({role:?}): {what}"), args, expect });
		};
		let bad_pointers = [
			("one past the end", PAST_END),
			("straddles the end", STRADDLES),
			("near u32::MAX", NEAR_MAX),
			("wraps u32", WRAPS),
		];
		match *role {
			Role::Val(_) => {}
			Role::Raw(_) | Role::Buf(_) | Role::Out | Role::Fixed(_) => {
				for (what, ptr) in bad_pointers {
					with(what, &[(i, ptr)], oob());
				}
			}
			// pallet-contracts 51 decodes from `memory[ptr..]`: empty or cut short at the end.
			Role::Dec(_) | Role::OutLen => {
				with("one past the end", &[(i, PAST_END)], decode());
				with("straddles the end", &[(i, STRADDLES)], decode());
				with("near u32::MAX", &[(i, NEAR_MAX)], oob());
				with("wraps u32", &[(i, WRAPS)], oob());
			}
			Role::Len(buf, huge) => {
				with("runs past the end", &[(buf, LATE_BUF), (i, MEM - LATE_BUF + 1)], oob());
				// `LATE_BUF + len` is 16 modulo 2^32.
				let wrapping = 0u32.wrapping_sub(LATE_BUF).wrapping_add(16);
				with("wraps u32", &[(buf, LATE_BUF), (i, wrapping)], Fails(huge));
			}
			Role::Ignored(_) => {
				for (what, v) in [
					("one past the end", PAST_END),
					("near u32::MAX", NEAR_MAX),
					("u32::MAX", u32::MAX),
				] {
					with(what, &[(i, v)], LikeControl);
				}
			}
		}
	}
	cases
}

type EventRecord = frame_system::EventRecord<RuntimeEvent, H256>;

/// What both backends must agree on.
#[derive(PartialEq)]
struct Outcome {
	result: Result<(u32, Vec<u8>), DispatchError>,
	gas_consumed: Weight,
	gas_required: Weight,
	debug_message: Vec<u8>,
	/// Events the call left (a failed call: only its trap).
	events: Vec<RuntimeEvent>,
	/// Whether the state root after the call (events aside) is the one before it.
	state_unchanged: bool,
}

impl core::fmt::Debug for Outcome {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		// The output is a dump of the contract's regions: its length and hash say enough.
		let result = self.result.as_ref().map(|(flags, data)| {
			(flags, data.len(), H256(sp_io::hashing::blake2_256(data)), &data[..data.len().min(8)])
		});
		f.debug_struct("Outcome")
			.field("result (flags, len, hash, start)", &result)
			.field("gas_consumed", &self.gas_consumed)
			.field("gas_required", &self.gas_required)
			.field("debug_message", &String::from_utf8_lossy(&self.debug_message))
			.field("events", &self.events)
			.field("state_unchanged", &self.state_unchanged)
			.finish()
	}
}

fn state_root() -> Vec<u8> {
	sp_io::storage::root(sp_runtime::StateVersion::V1)
}

/// Deploys the callee and `code` (the latter by `set_code` if `deprecated`) in a fresh world,
/// then dry-runs `call` with `args` and `debug`.
fn run(world: &World, code: &[u8], deprecated: bool, args: &[u64], debug: DebugInfo) -> Outcome {
	new_test_ext().execute_with(|| {
		assert_eq!(deploy(world.callee_code.clone(), vec![]), world.callee);
		let address = if deprecated {
			let hash = store_unchecked(code.to_vec());
			let address = deploy(wasm_code(0), vec![]);
			assert_ok!(Contracts::set_code(RuntimeOrigin::root(), address.clone(), hash));
			address
		} else {
			deploy(code.to_vec(), vec![])
		};
		System::reset_events();
		let before = state_root();
		let input: Vec<u8> = args.iter().flat_map(|a| a.to_le_bytes()).collect();
		let r: ContractExecResult<u128, EventRecord> = Contracts::bare_call(
			ALICE,
			address,
			0,
			LIMIT,
			None,
			input,
			debug,
			CollectEvents::Skip,
			Determinism::Enforced,
		);
		let events = System::events().into_iter().map(|r| r.event).collect();
		System::reset_events();
		Outcome {
			result: r.result.map(|ret| (ret.flags.bits(), ret.data)),
			gas_consumed: r.gas_consumed,
			gas_required: r.gas_required,
			debug_message: r.debug_message,
			events,
			state_unchanged: state_root() == before,
		}
	})
}

fn run_both(world: &World, code: &[u8], deprecated: bool, args: &[u64], what: &str) -> Outcome {
	let [wasmi, wasmtime] =
		on_both_backends(|| run(world, code, deprecated, args, DebugInfo::UnsafeDebug));
	assert_eq!(wasmi, wasmtime, "{what}: the backends disagree");
	wasmi
}

fn info(module: &str, name: &str) -> &'static HostFnInfo {
	HOST_FUNCTIONS
		.iter()
		.find(|f| f.module == module && f.name == name)
		.unwrap_or_else(|| panic!("{module}::{name} is not a host function"))
}

/// Checks the valid call of `spec` and returns its outcome.
fn positive_control(world: &World, f: &HostFnInfo, spec: &Spec, code: &[u8]) -> Outcome {
	let what = format!("{}::{} with valid arguments", f.module, f.name);
	let deprecated = f.flags & DEPRECATED != 0;
	let out = run_both(world, code, deprecated, &valid_args(world, spec), &what);
	let (flags, data) = out.result.clone().unwrap_or_else(|e| panic!("{what} failed: {e:?}"));
	assert_eq!(flags, 0, "{what}: reverted");
	match (f.module, f.name) {
		("seal0", "seal_return") => {
			assert_eq!(data, b"returned", "{what}");
			return out;
		}
		("seal0" | "seal1", "terminate") => {
			assert!(data.is_empty(), "{what}");
			return out;
		}
		_ => {}
	}
	assert_eq!(data.len() as u32, region(spec.roles.len()) - RESULT, "{what}: dump");
	if let Some(expected) = spec.control {
		let result = u32::from_le_bytes(data[..4].try_into().unwrap());
		assert_eq!(result, expected, "{what}: result");
	}
	// Outputs are written, and not a byte beyond their length.
	let region_at = |i: usize| &data[(region(i) - RESULT) as usize..][..64];
	for (i, role) in spec.roles.iter().enumerate() {
		let written = match role {
			Role::Fixed(len) => *len as usize,
			Role::Out => {
				let len = u32::from_le_bytes(region_at(i + 1)[..4].try_into().unwrap());
				assert!(len < CAPACITY, "{what}: param {} holds no written length", i + 1);
				len as usize
			}
			_ => continue,
		};
		let (inside, beyond) = region_at(i).split_at(written);
		assert!(inside.iter().any(|b| *b != FILL), "{what}: param {i} not written");
		assert!(beyond.iter().all(|b| *b == FILL), "{what}: param {i} written beyond its end");
	}
	out
}

/// Checks one bad case of `f` against the valid call's outcome `control`.
fn check_case(world: &World, f: &HostFnInfo, code: &[u8], case: &Case, control: &Outcome) {
	let what = format!("{}::{} {}", f.module, f.name, case.what);
	let deprecated = f.flags & DEPRECATED != 0;
	let out = run_both(world, code, deprecated, &case.args, &what);
	match case.expect {
		Expect::LikeControl => assert_eq!(&out, control, "{what}: not ignored"),
		Expect::Fails(error) => {
			assert_eq!(out.result, Err(error), "{what}");
			assert!(out.state_unchanged, "{what}: the state changed");
			let message = if error == err(Error::OutOfGas) {
				String::new()
			} else {
				format!("{}::{}: {}", f.module, f.name, crate::trap::error_name(&error))
			};
			match &out.events[..] {
				[RuntimeEvent::Contracts(Event::ContractTrapped { message: m, .. })] => {
					assert_eq!(m, &message, "{what}: trap message")
				}
				other => panic!("{what}: events other than the trap: {other:?}"),
			}
		}
	}
}

/// Runs every case of every host function of `module`, and fails listing every case that
/// failed; returns how many cases passed.
fn check_module(module: &str) -> usize {
	let world = World::new();
	let mut passed = 0;
	let mut failed = Vec::new();
	let mut attempt = |what: String, check: &mut dyn FnMut()| match std::panic::catch_unwind(
		std::panic::AssertUnwindSafe(check),
	) {
		Ok(()) => true,
		Err(panic) => {
			let message = panic
				.downcast_ref::<String>()
				.cloned()
				.or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
				.unwrap_or_default();
			failed.push(format!("{what}: {message}"));
			false
		}
	};
	for spec in specs().iter().filter(|s| s.module == module) {
		let f = info(spec.module, spec.name);
		if spec.roles.iter().all(|r| matches!(r, Role::Val(_))) {
			continue;
		}
		let code = tester(&world, f, spec);
		let mut control = None;
		let what = format!("{}::{} (valid call)", f.module, f.name);
		if !attempt(what, &mut || control = Some(positive_control(&world, f, spec, &code))) {
			continue;
		}
		let control = control.expect("ran");
		let cases = cases(&world, spec);
		println!("{}::{}: {} cases", f.module, f.name, cases.len());
		for case in cases {
			let what = format!("{}::{} {}", f.module, f.name, case.what);
			if attempt(what, &mut || check_case(&world, f, &code, &case, &control)) {
				passed += 1;
			}
		}
	}
	assert!(failed.is_empty(), "{} cases failed:\n{}", failed.len(), failed.join("\n"));
	passed
}

#[test]
fn every_pointer_taking_host_function_has_a_case() {
	let specs = specs();
	for f in HOST_FUNCTIONS {
		let spec = specs
			.iter()
			.find(|s| (s.module, s.name) == (f.module, f.name))
			.unwrap_or_else(|| panic!("{}::{} has no case in host_pointers.rs", f.module, f.name));
		assert_eq!(spec.roles.len(), f.params.len(), "{}::{}: parameters", f.module, f.name);
		for ((name, t), role) in f.params.iter().zip(&spec.roles) {
			let what = format!("{}::{}({name})", f.module, f.name);
			let pointer = name.ends_with("_ptr");
			let length = name.ends_with("_len") || name.ends_with("_count");
			match role {
				Role::Val(_) => assert!(!pointer && !length, "{what} is not a plain value"),
				Role::Len(..) => assert!(length && *t == ValType::I32, "{what} is not a length"),
				Role::Ignored(_) => assert!(
					(pointer || length) && name.starts_with('_'),
					"{what} is used by the function, so it cannot be ignored"
				),
				_ => assert!(pointer && *t == ValType::I32, "{what} is not a pointer"),
			}
		}
	}
	assert_eq!(specs.len(), HOST_FUNCTIONS.len(), "a case for something that is no host function");
	for spec in &specs {
		let f = info(spec.module, spec.name);
		let runs = spec.roles.iter().any(|r| !matches!(r, Role::Val(_)));
		assert_eq!(
			spec.control.is_some(),
			runs && f.result == Some(ValType::I32),
			"{}::{}: the valid call's result must be given exactly for functions that run \
			 and return an i32",
			f.module,
			f.name
		);
	}
}

#[test]
fn seal0_pointers_stay_inside_contract_memory() {
	assert!(check_module("seal0") > 200);
}

#[test]
fn seal1_pointers_stay_inside_contract_memory() {
	assert!(check_module("seal1") > 50);
}

#[test]
fn seal2_pointers_stay_inside_contract_memory() {
	assert!(check_module("seal2") > 40);
}

/// A contract whose `call` runs `body` with `debug_message` and `seal_return` imported.
fn small_contract(body: &str) -> Vec<u8> {
	wat::parse_str(format!(
		r#"(module
			(import "seal0" "debug_message" (func $debug (param i32 i32) (result i32)))
			(import "seal0" "seal_return" (func $return (param i32 i32 i32)))
			(import "seal0" "is_contract" (func $is_contract (param i32) (result i32)))
			(import "env" "memory" (memory 1 1))
			(func (export "deploy"))
			(func (export "call") {body}))"#
	))
	.unwrap()
}

fn dry_run_both(code: &[u8], debug: DebugInfo) -> Outcome {
	let world = World::new();
	let [wasmi, wasmtime] = on_both_backends(|| run(&world, code, false, &[], debug));
	assert_eq!(wasmi, wasmtime, "the backends disagree");
	wasmi
}

#[test]
fn debug_message_out_of_range_fails_only_where_the_message_is_collected() {
	// Regression: the message was read (and a bad range trapped) whenever it was short or the
	// node logged at debug level, so an on-chain call's outcome depended on the node's log
	// level, and differed from pallet-contracts 51, which reads only for a dry run's buffer.
	for len in [5, 5000] {
		let code = small_contract(&format!(
			"(i32.store (i32.const 0) (call $debug (i32.const {PAST_END}) (i32.const {len})))
			(call $return (i32.const 0) (i32.const 0) (i32.const 4))"
		));
		let on_chain = dry_run_both(&code, DebugInfo::Skip);
		assert_eq!(on_chain.result, Ok((0, 0u32.to_le_bytes().to_vec())), "len {len}");
		let collected = dry_run_both(&code, DebugInfo::UnsafeDebug);
		assert_eq!(collected.result, Err(err(Error::OutOfBounds)), "len {len}");
		assert!(collected.state_unchanged);
	}
}

#[test]
fn a_fixed_size_value_cut_off_by_the_end_of_memory_fails_to_decode() {
	// Regression: Callisto read the value's whole length first and so said `OutOfBounds` where
	// pallet-contracts 51, decoding from `memory[ptr..]`, says `DecodingFailed`.
	for (ptr, expected) in [
		(MEM - 31, Error::<Test>::DecodingFailed),
		(MEM, Error::DecodingFailed),
		(MEM + 1, Error::OutOfBounds),
	] {
		let code = small_contract(&format!("(drop (call $is_contract (i32.const {ptr})))"));
		let out = dry_run_both(&code, DebugInfo::UnsafeDebug);
		assert_eq!(out.result, Err(err(expected)), "ptr {ptr}");
		assert!(out.state_unchanged);
	}
	// The last 32 bytes of memory still decode.
	let code = small_contract(&format!(
		"(i32.store (i32.const 0) (call $is_contract (i32.const {})))
		(call $return (i32.const 0) (i32.const 0) (i32.const 4))",
		MEM - 32
	));
	assert_eq!(dry_run_both(&code, DebugInfo::UnsafeDebug).result, Ok((0, vec![0; 4])));
}

#[test]
fn an_empty_range_may_start_at_the_end_of_memory_but_not_beyond() {
	// As in pallet-contracts 51 (`memory.get(ptr..ptr + len)`).
	let at_end =
		small_contract(&format!("(call $return (i32.const 0) (i32.const {MEM}) (i32.const 0))"));
	assert_eq!(dry_run_both(&at_end, DebugInfo::UnsafeDebug).result, Ok((0, vec![])));
	for ptr in [MEM + 1, u32::MAX] {
		let beyond = small_contract(&format!(
			"(call $return (i32.const 0) (i32.const {ptr}) (i32.const 0))"
		));
		assert_eq!(
			dry_run_both(&beyond, DebugInfo::UnsafeDebug).result,
			Err(err(Error::OutOfBounds)),
			"ptr {ptr}"
		);
	}
}

#[test]
fn the_trap_event_does_not_depend_on_whether_a_node_reads_long_messages() {
	// Regression: a long message was read only where it was collected or logged, and then
	// became the trap event's message, so nodes with different log levels deposited different
	// events. Now every call replaces the message, and only a short one (read everywhere) is
	// kept. Collecting stands in here for a node that logs.
	let code = wat::parse_str(
		r#"(module
			(import "seal0" "debug_message" (func $debug (param i32 i32) (result i32)))
			(import "env" "memory" (memory 1 1))
			(data (i32.const 0) "first")
			(data (i32.const 100) "second, long")
			(func (export "deploy"))
			(func (export "call")
				(drop (call $debug (i32.const 0) (i32.const 5)))
				(drop (call $debug (i32.const 100) (i32.const 5000)))
				unreachable))"#,
	)
	.unwrap();
	let on_chain = dry_run_both(&code, DebugInfo::Skip);
	let collected = dry_run_both(&code, DebugInfo::UnsafeDebug);
	assert_eq!(on_chain.result, Err(err(Error::ContractTrapped)));
	assert_eq!(on_chain.events, collected.events);
	assert_eq!(on_chain.gas_consumed, collected.gas_consumed);
	match &on_chain.events[..] {
		[RuntimeEvent::Contracts(Event::ContractTrapped { message, .. })] => {
			assert!(!message.contains("first") && !message.contains("second"), "{message}")
		}
		other => panic!("{other:?}"),
	}
}

#[test]
fn bounds_follow_the_memory_as_it_grows() {
	// A second page grown at run time is inside memory; a third is not. `body` runs after the
	// growth with "grown" stored at the start of the second page.
	let contract = |body: &str| {
		wat::parse_str(format!(
			r#"(module
				(import "seal0" "seal_return" (func $return (param i32 i32 i32)))
				(import "seal0" "is_contract" (func $is_contract (param i32) (result i32)))
				(import "env" "memory" (memory 1 2))
				(func (export "deploy"))
				(func (export "call")
					(if (i32.ne (memory.grow (i32.const 1)) (i32.const 1)) (then unreachable))
					(i64.store (i32.const {MEM}) (i64.const 0x6e776f7267))
					{body}))"#
		))
		.unwrap()
	};
	let read = contract(&format!("(call $return (i32.const 0) (i32.const {MEM}) (i32.const 5))"));
	assert_eq!(dry_run_both(&read, DebugInfo::UnsafeDebug).result, Ok((0, b"grown".to_vec())));
	let past = contract(&format!(
		"(call $return (i32.const 0) (i32.const {}) (i32.const 2))",
		2 * MEM - 1
	));
	assert_eq!(dry_run_both(&past, DebugInfo::UnsafeDebug).result, Err(err(Error::OutOfBounds)));
	for (ptr, expected) in
		[(2 * MEM - 31, Error::<Test>::DecodingFailed), (2 * MEM + 1, Error::OutOfBounds)]
	{
		let decode = contract(&format!("(drop (call $is_contract (i32.const {ptr})))"));
		assert_eq!(dry_run_both(&decode, DebugInfo::UnsafeDebug).result, Err(err(expected)));
	}
}
