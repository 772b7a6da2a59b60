//! Real Wasm contracts (WAT) through the whole pallet: upload validation, the host functions,
//! traps and gas, each on both sandbox backends with identical results.

use super::*;
use crate::primitives::ContractExecResult;
use codec::{Decode, Encode};

/// A dry-run limit large enough for every test contract.
const LIMIT: Weight = Weight::from_parts(500_000_000_000, 10 * 1024 * 1024);

fn wat(text: &str) -> Vec<u8> {
	wat::parse_str(text).unwrap_or_else(|e| panic!("invalid WAT: {e}\n{text}"))
}

/// Instantiates `code` as ALICE with `input`; panics unless it succeeds.
pub(super) fn deploy(code: Vec<u8>, input: Vec<u8>) -> AccountId32 {
	let result = Contracts::bare_instantiate(
		ALICE,
		0,
		LIMIT,
		None,
		Code::Upload(code),
		input,
		vec![],
		DebugInfo::UnsafeDebug,
		CollectEvents::Skip,
	);
	let debug = String::from_utf8_lossy(&result.debug_message).into_owned();
	let ret = result.result.unwrap_or_else(|e| panic!("instantiate failed: {e:?} ({debug})"));
	assert!(!ret.result.did_revert(), "constructor reverted");
	ret.account_id
}

/// Dry-runs a call from ALICE.
fn dry_call(
	dest: &AccountId32,
	value: u128,
	input: Vec<u8>,
) -> ContractExecResult<u128, EventRecord> {
	Contracts::bare_call(
		ALICE,
		dest.clone(),
		value,
		LIMIT,
		None,
		input,
		DebugInfo::UnsafeDebug,
		CollectEvents::UnsafeCollect,
		Determinism::Enforced,
	)
}

type EventRecord = frame_system::EventRecord<RuntimeEvent, H256>;

/// What a test compares across backends: the output (or error) and the gas.
#[derive(Debug, PartialEq)]
struct Outcome {
	result: Result<(u32, Vec<u8>), DispatchError>,
	gas_consumed: Weight,
	gas_required: Weight,
	debug_message: Vec<u8>,
}

impl From<ContractExecResult<u128, EventRecord>> for Outcome {
	fn from(r: ContractExecResult<u128, EventRecord>) -> Self {
		Outcome {
			result: r.result.map(|ret| (ret.flags.bits(), ret.data)),
			gas_consumed: r.gas_consumed,
			gas_required: r.gas_required,
			debug_message: r.debug_message,
		}
	}
}

/// Deploys `code` (empty constructor input) and dry-runs one call with `input`, on both
/// backends; asserts both agree to the unit and returns the outcome.
fn run_both(code: &[u8], input: &[u8]) -> Outcome {
	let [wasmi, wasmtime] = on_both_backends(|| {
		new_test_ext().execute_with(|| {
			let address = deploy(code.to_vec(), vec![]);
			Outcome::from(dry_call(&address, 0, input.to_vec()))
		})
	});
	assert_eq!(wasmi, wasmtime, "the backends disagree");
	wasmtime
}

/// A contract whose `call` runs `body` (with `deploy` empty), importing `imports`.
/// Memory layout: `[0..4)` a length cell, `[4..8)` scratch, `[100..)` a buffer.
fn contract(imports: &str, body: &str) -> Vec<u8> {
	wat(&format!(
		r#"(module
			(import "seal0" "seal_return" (func $return (param i32 i32 i32)))
			(import "seal0" "input" (func $input (param i32 i32)))
			{imports}
			(import "env" "memory" (memory 1 1))
			(func (export "deploy"))
			(func (export "call") {body})
		)"#
	))
}

/// A contract that returns what the query host function `module.name(out_ptr, out_len_ptr)`
/// writes.
fn query_contract(module: &str, name: &str) -> Vec<u8> {
	contract(
		&format!(r#"(import "{module}" "{name}" (func $q (param i32 i32)))"#),
		r#"(i32.store (i32.const 0) (i32.const 256))
		(call $q (i32.const 100) (i32.const 0))
		(call $return (i32.const 0) (i32.const 100) (i32.load (i32.const 0)))"#,
	)
}

/// Stores the constructor input under key "keyy"; `call` returns it.
fn echo_storage_contract() -> Vec<u8> {
	wat(r#"(module
		(import "seal0" "input" (func $input (param i32 i32)))
		(import "seal0" "seal_return" (func $return (param i32 i32 i32)))
		(import "seal2" "set_storage" (func $set (param i32 i32 i32 i32) (result i32)))
		(import "seal1" "get_storage" (func $get (param i32 i32 i32 i32) (result i32)))
		(import "env" "memory" (memory 1 1))
		(data (i32.const 8) "keyy")
		(func (export "deploy")
			(i32.store (i32.const 0) (i32.const 256))
			(call $input (i32.const 100) (i32.const 0))
			(drop (call $set (i32.const 8) (i32.const 4) (i32.const 100) (i32.load (i32.const 0)))))
		(func (export "call")
			(i32.store (i32.const 0) (i32.const 256))
			(if (call $get (i32.const 8) (i32.const 4) (i32.const 100) (i32.const 0))
				(then unreachable))
			(call $return (i32.const 0) (i32.const 100) (i32.load (i32.const 0))))
	)"#)
}

#[test]
fn storage_round_trip_on_both_backends() {
	let code = echo_storage_contract();
	let [wasmi, wasmtime] = on_both_backends(|| {
		new_test_ext().execute_with(|| {
			let address = deploy(code.clone(), b"hello".to_vec());
			assert_eq!(
				Contracts::get_storage(address.clone(), b"keyy".to_vec()),
				Ok(Some(b"hello".to_vec()))
			);
			Outcome::from(dry_call(&address, 0, vec![]))
		})
	});
	assert_eq!(wasmi, wasmtime);
	assert_eq!(wasmi.result, Ok((0, b"hello".to_vec())));
	assert!(wasmi.gas_consumed.ref_time() > 0 && wasmi.gas_required.all_gte(wasmi.gas_consumed));
}

#[test]
fn call_dispatchable_runs_the_contract_and_charges_what_it_used() {
	let code = echo_storage_contract();
	on_both_backends(|| {
		new_test_ext().execute_with(|| {
			let address = deploy(code.clone(), b"x".to_vec());
			let info = Contracts::call(
				RuntimeOrigin::signed(BOB),
				address.clone(),
				0,
				LIMIT,
				None,
				vec![],
			)
			.unwrap();
			let used = info.actual_weight.unwrap();
			assert!(used.all_lt(LIMIT) && used.ref_time() > <() as WeightInfo>::call().ref_time());
			assert!(events()
				.contains(&Event::Called { caller: Origin::Signed(BOB), contract: address }));
		})
	});
}

#[test]
fn instantiate_with_code_dispatchable_stores_code_and_contract() {
	on_both_backends(|| {
		new_test_ext().execute_with(|| {
			let code = echo_storage_contract();
			let hash = BlakeTwo256::hash(&code);
			assert_ok!(Contracts::instantiate_with_code(
				RuntimeOrigin::signed(ALICE),
				5,
				LIMIT,
				None,
				code,
				b"v".to_vec(),
				vec![1],
			));
			let address = Contracts::contract_address(&ALICE, &hash, b"v", &[1]);
			assert_eq!(Contracts::code_hash(&address), Some(hash));
			assert_eq!(Contracts::get_storage(address, b"keyy".to_vec()), Ok(Some(b"v".to_vec())));
		})
	});
}

#[test]
fn context_queries_return_what_the_stack_knows() {
	let caller = run_both(&query_contract("seal0", "caller"), &[]);
	assert_eq!(caller.result, Ok((0, ALICE.encode())));

	let both = on_both_backends(|| {
		new_test_ext().execute_with(|| {
			let code = query_contract("seal0", "address");
			let address = deploy(code, vec![]);
			let out = dry_call(&address, 0, vec![]).result.unwrap().data;
			let own = query_contract("seal0", "own_code_hash");
			let own_hash = BlakeTwo256::hash(&own);
			let own_addr = deploy(own, vec![]);
			let out2 = dry_call(&own_addr, 0, vec![]).result.unwrap().data;
			(out == address.encode(), out2 == own_hash.encode())
		})
	});
	assert_eq!(both, [(true, true); 2]);

	let now = run_both(&query_contract("seal0", "now"), &[]);
	assert_eq!(now.result, Ok((0, 0u64.encode())));
	let block = run_both(&query_contract("seal0", "block_number"), &[]);
	assert_eq!(block.result, Ok((0, 1u64.encode())));
	let ed = run_both(&query_contract("seal0", "minimum_balance"), &[]);
	assert_eq!(ed.result, Ok((0, ED.encode())));
	let value = run_both(&query_contract("seal0", "seal_value_transferred"), &[]);
	assert_eq!(value.result, Ok((0, 0u128.encode())));
	// The contract holds exactly the existential deposit, none of it spendable.
	let balance = run_both(&query_contract("seal0", "balance"), &[]);
	assert_eq!(balance.result, Ok((0, 0u128.encode())));
	let gas = run_both(&query_contract("seal0", "gas_left"), &[]);
	let (_, data) = gas.result.unwrap();
	let left = u64::decode(&mut &data[..]).unwrap();
	assert!(left > 0 && left < LIMIT.ref_time());
}

#[test]
fn hashes_match_the_runtime_hashes() {
	for (name, expected) in [
		("hash_blake2_256", sp_io::hashing::blake2_256(b"callisto").to_vec()),
		("hash_blake2_128", sp_io::hashing::blake2_128(b"callisto").to_vec()),
		("hash_sha2_256", sp_io::hashing::sha2_256(b"callisto").to_vec()),
		("hash_keccak_256", sp_io::hashing::keccak_256(b"callisto").to_vec()),
	] {
		let code = contract(
			&format!(r#"(import "seal0" "{name}" (func $h (param i32 i32 i32)))"#),
			&format!(
				r#"(i32.store (i32.const 0) (i32.const 256))
				(call $input (i32.const 100) (i32.const 0))
				(call $h (i32.const 100) (i32.load (i32.const 0)) (i32.const 500))
				(call $return (i32.const 0) (i32.const 500) (i32.const {}))"#,
				expected.len()
			),
		);
		assert_eq!(run_both(&code, b"callisto").result, Ok((0, expected)), "{name}");
	}
}

#[test]
fn traps_revert_and_out_of_gas() {
	let trap = run_both(&contract("", "unreachable"), &[]);
	assert_eq!(trap.result, Err(err(Error::ContractTrapped)));

	let div = run_both(&contract("", "(drop (i32.div_u (i32.const 1) (i32.const 0)))"), &[]);
	assert_eq!(div.result, Err(err(Error::ContractTrapped)));

	let out_of_gas = run_both(&contract("", "(loop $l (br $l))"), &[]);
	assert_eq!(out_of_gas.result, Err(err(Error::OutOfGas)));
	// All of it, up to the fuel granularity of one instruction's price.
	assert!(LIMIT.ref_time() - out_of_gas.gas_consumed.ref_time() < 1_300);

	// REVERT: output comes back, the write does not stick.
	let revert = contract(
		r#"(import "seal2" "set_storage" (func $set (param i32 i32 i32 i32) (result i32)))"#,
		r#"(drop (call $set (i32.const 8) (i32.const 4) (i32.const 8) (i32.const 4)))
		(call $return (i32.const 1) (i32.const 8) (i32.const 4))"#,
	);
	let [wasmi, wasmtime] = on_both_backends(|| {
		new_test_ext().execute_with(|| {
			let address = deploy(revert.clone(), vec![]);
			let out = Outcome::from(dry_call(&address, 0, vec![]));
			let stored = Contracts::get_storage(address, vec![0; 4]);
			(out, stored)
		})
	});
	assert_eq!(wasmi, wasmtime);
	assert_eq!(wasmi.0.result, Ok((1, vec![0; 4])));
	assert_eq!(wasmi.1, Ok(None));

	// Unknown return flags are an error once the contract stops.
	let bad_flags =
		run_both(&contract("", "(call $return (i32.const 2) (i32.const 0) (i32.const 0))"), &[]);
	assert_eq!(bad_flags.result, Err(err(Error::InvalidCallFlags)));
}

#[test]
fn output_protocol_and_out_of_bounds_pointers() {
	// Capacity 1 for a 32-byte caller.
	let small = contract(
		r#"(import "seal0" "caller" (func $q (param i32 i32)))"#,
		r#"(i32.store (i32.const 0) (i32.const 1)) (call $q (i32.const 100) (i32.const 0))"#,
	);
	assert_eq!(run_both(&small, &[]).result, Err(err(Error::OutputBufferTooSmall)));

	// An output pointer at the end of the 64 KiB memory.
	let oob = contract(
		"",
		r#"(i32.store (i32.const 0) (i32.const 256)) (call $input (i32.const 65530) (i32.const 0))"#,
	);
	assert_eq!(run_both(&oob, &[1; 10]).result, Err(err(Error::OutOfBounds)));

	// Data that runs past the end of memory.
	let past_end = contract("", "(call $return (i32.const 0) (i32.const 65000) (i32.const 1000))");
	assert_eq!(run_both(&past_end, &[]).result, Err(err(Error::OutOfBounds)));

	// A length beyond any memory is charged first, like upstream: out of gas.
	let huge = contract("", "(call $return (i32.const 0) (i32.const 0) (i32.const -1))");
	assert_eq!(run_both(&huge, &[]).result, Err(err(Error::OutOfGas)));
}

#[test]
fn events_carry_topics_on_the_record() {
	// Topics as a SCALE `Vec<H256>`: compact length 2 (0x08), then two hashes.
	let code = wat(&format!(
		r#"(module
			(import "seal0" "deposit_event" (func $event (param i32 i32 i32 i32)))
			(import "env" "memory" (memory 1 1))
			(data (i32.const 200) "\08{}{}")
			(data (i32.const 300) "abc")
			(func (export "deploy"))
			(func (export "call") (call $event (i32.const 200) (i32.const 65) (i32.const 300) (i32.const 3))))"#,
		"\\07".repeat(32),
		"\\09".repeat(32)
	));
	let [wasmi, wasmtime] = on_both_backends(|| {
		new_test_ext().execute_with(|| {
			let address = deploy(code.clone(), vec![]);
			let result = dry_call(&address, 0, vec![]);
			assert!(result.result.is_ok(), "{:?}", result.result);
			let record = result
				.events
				.unwrap()
				.into_iter()
				.find(|r| matches!(r.event, RuntimeEvent::Contracts(Event::ContractEmitted { .. })))
				.expect("ContractEmitted");
			assert_eq!(
				record.event,
				RuntimeEvent::Contracts(Event::ContractEmitted {
					contract: address,
					data: b"abc".to_vec()
				})
			);
			record.topics
		})
	});
	assert_eq!(wasmi, wasmtime);
	assert_eq!(wasmi, vec![H256::repeat_byte(7), H256::repeat_byte(9)]);

	// Five topics are too many.
	let five = wat(r#"(module
		(import "seal0" "deposit_event" (func $event (param i32 i32 i32 i32)))
		(import "env" "memory" (memory 1 1))
		(data (i32.const 200) "\14")
		(func (export "deploy"))
		(func (export "call") (call $event (i32.const 200) (i32.const 161) (i32.const 0) (i32.const 0))))"#);
	assert_eq!(run_both(&five, &[]).result, Err(err(Error::TooManyTopics)));
}

#[test]
fn debug_message_reaches_the_dry_run() {
	let code = wat(r#"(module
		(import "seal0" "debug_message" (func $debug (param i32 i32) (result i32)))
		(import "env" "memory" (memory 1 1))
		(data (i32.const 0) "hello from wasm")
		(func (export "deploy"))
		(func (export "call") (drop (call $debug (i32.const 0) (i32.const 15)))))"#);
	let out = run_both(&code, &[]);
	assert_eq!(out.debug_message, b"hello from wasm".to_vec());
	assert_eq!(out.result, Ok((0, vec![])));
}

/// A contract that calls the contract whose address is its input (32 bytes) with seal2.call,
/// forwarding `flags`, and returns the return code followed by the callee's output.
fn caller_contract(flags: u32, value: u8) -> Vec<u8> {
	contract(
		r#"(import "seal2" "call" (func $call (param i32 i32 i64 i64 i32 i32 i32 i32 i32 i32) (result i32)))"#,
		&format!(
			r#"(i32.store (i32.const 0) (i32.const 256))
			(call $input (i32.const 100) (i32.const 0))
			(i32.store8 (i32.const 50) (i32.const {value}))
			(i32.store (i32.const 0) (i32.const 256))
			(i32.store (i32.const 400)
				(call $call (i32.const {flags}) (i32.const 100) (i64.const 0) (i64.const 0)
					(i32.const -1) (i32.const 50) (i32.const 0) (i32.const 0)
					(i32.const 404) (i32.const 0)))
			(call $return (i32.const 0) (i32.const 400) (i32.add (i32.const 4) (i32.load (i32.const 0))))"#
		),
	)
}

#[test]
fn cross_contract_call_returns_callee_output_and_codes() {
	let [wasmi, wasmtime] = on_both_backends(|| {
		new_test_ext().execute_with(|| {
			let callee = deploy(echo_storage_contract(), b"from callee".to_vec());
			let caller = deploy(caller_contract(0, 0), vec![]);
			let ok = Outcome::from(dry_call(&caller, 0, callee.encode()));
			// Calling an account that is not a contract: code 8 (NotCallable).
			let not_callable = Outcome::from(dry_call(&caller, 0, BOB.encode()));
			// A trapping callee: code 1, the caller continues.
			let trapper = deploy(contract("", "unreachable"), vec![]);
			let trapped = Outcome::from(dry_call(&caller, 0, trapper.encode()));
			// Calling itself without ALLOW_REENTRY traps the caller.
			let reentrant = Outcome::from(dry_call(&caller, 0, caller.encode()));
			(ok, not_callable, trapped, reentrant)
		})
	});
	assert_eq!(wasmi, wasmtime);
	let (ok, not_callable, trapped, reentrant) = wasmi;
	let mut expected = 0u32.to_le_bytes().to_vec();
	expected.extend_from_slice(b"from callee");
	assert_eq!(ok.result, Ok((0, expected)));
	assert_eq!(not_callable.result.unwrap().1[..4], 8u32.to_le_bytes());
	assert_eq!(trapped.result.unwrap().1[..4], 1u32.to_le_bytes());
	assert_eq!(reentrant.result, Err(err(Error::ReentranceDenied)));
}

#[test]
fn read_only_calls_deny_state_changes() {
	let writer = contract(
		r#"(import "seal2" "set_storage" (func $set (param i32 i32 i32 i32) (result i32)))"#,
		r#"(drop (call $set (i32.const 8) (i32.const 4) (i32.const 8) (i32.const 4)))"#,
	);
	let [wasmi, wasmtime] = on_both_backends(|| {
		new_test_ext().execute_with(|| {
			let callee = deploy(writer.clone(), vec![]);
			let read_only = deploy(caller_contract(0x10, 0), vec![]);
			let code = dry_call(&read_only, 0, callee.encode()).result.unwrap().data;
			// Value in a read-only call traps the caller.
			let with_value = deploy(caller_contract(0x10, 1), vec![]);
			let denied = dry_call(&with_value, 0, callee.encode()).result;
			(code, denied)
		})
	});
	assert_eq!(wasmi, wasmtime);
	assert_eq!(wasmi.0[..4], 1u32.to_le_bytes(), "the writing callee traps");
	assert_eq!(wasmi.1, Err(err(Error::StateChangeDenied)));
}

#[test]
fn instantiate_from_a_contract_and_terminate() {
	// `call` instantiates the code whose hash is its input and returns the new address.
	let factory = contract(
		r#"(import "seal2" "instantiate" (func $inst (param i32 i64 i64 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))"#,
		r#"(i32.store (i32.const 0) (i32.const 256))
		(call $input (i32.const 100) (i32.const 0))
		(i32.store (i32.const 4) (i32.const 32))
		(if (call $inst (i32.const 100) (i64.const 0) (i64.const 0) (i32.const -1) (i32.const 50)
				(i32.const 0) (i32.const 0) (i32.const 500) (i32.const 4) (i32.const -1)
				(i32.const 0) (i32.const 0) (i32.const 0))
			(then unreachable))
		(call $return (i32.const 0) (i32.const 500) (i32.const 32))"#,
	);
	let terminator = contract(
		r#"(import "seal1" "terminate" (func $terminate (param i32)))"#,
		r#"(call $terminate (i32.const 100))"#,
	);
	on_both_backends(|| {
		new_test_ext().execute_with(|| {
			let child_code = echo_storage_contract();
			let child_hash =
				Contracts::bare_upload_code(ALICE, child_code, None, Determinism::Enforced)
					.unwrap()
					.code_hash;
			let factory_addr = deploy(factory.clone(), vec![]);
			// Fund the factory so it can pay the child's existential deposit.
			assert_ok!(Balances::transfer_allow_death(
				RuntimeOrigin::signed(ALICE),
				factory_addr.clone(),
				1_000
			));
			let result = Contracts::call(
				RuntimeOrigin::signed(ALICE),
				factory_addr.clone(),
				0,
				LIMIT,
				None,
				child_hash.encode(),
			);
			assert_ok!(result);
			let child = Contracts::contract_address(&factory_addr, &child_hash, &[], &[]);
			assert_eq!(Contracts::code_hash(&child), Some(child_hash));

			// Terminate: the beneficiary (all zeroes in memory) gets the balance.
			let t = deploy(terminator.clone(), vec![]);
			assert_ok!(Contracts::call(
				RuntimeOrigin::signed(ALICE),
				t.clone(),
				0,
				LIMIT,
				None,
				vec![]
			));
			assert!(Contracts::code_hash(&t).is_none());
			assert!(events()
				.iter()
				.any(|e| matches!(e, Event::Terminated { contract, .. } if *contract == t)));
		})
	});
}

#[test]
fn upload_rejects_code_that_breaks_the_rules() {
	let cases: [(&str, &str); 8] = [
		(
			"floats",
			r#"(module (import "env" "memory" (memory 1 1)) (func (export "call") (drop (f32.const 1))) (func (export "deploy")))"#,
		),
		(
			"unknown import",
			r#"(module (import "seal0" "nope" (func)) (import "env" "memory" (memory 1 1)) (func (export "call")) (func (export "deploy")))"#,
		),
		(
			"wrong signature",
			r#"(module (import "seal0" "input" (func (param i32))) (import "env" "memory" (memory 1 1)) (func (export "call")) (func (export "deploy")))"#,
		),
		(
			"deprecated on upload",
			r#"(module (import "seal0" "random" (func (param i32 i32 i32 i32))) (import "env" "memory" (memory 1 1)) (func (export "call")) (func (export "deploy")))"#,
		),
		("no memory", r#"(module (func (export "call")) (func (export "deploy")))"#),
		(
			"too much memory",
			r#"(module (import "env" "memory" (memory 1 17)) (func (export "call")) (func (export "deploy")))"#,
		),
		(
			"missing deploy",
			r#"(module (import "env" "memory" (memory 1 1)) (func (export "call")))"#,
		),
		(
			"start function",
			r#"(module (import "env" "memory" (memory 1 1)) (func $s) (start $s) (func (export "call")) (func (export "deploy")))"#,
		),
	];
	for (name, text) in cases {
		let [wasmi, wasmtime] = on_both_backends(|| {
			new_test_ext().execute_with(|| {
				let result = Contracts::bare_instantiate(
					ALICE,
					0,
					LIMIT,
					None,
					Code::Upload(wat(text)),
					vec![],
					vec![],
					DebugInfo::UnsafeDebug,
					CollectEvents::Skip,
				);
				(result.result.map(|_| ()), String::from_utf8(result.debug_message).unwrap())
			})
		});
		assert_eq!(wasmi, wasmtime, "{name}");
		assert_eq!(wasmi.0, Err(err(Error::CodeRejected)), "{name}");
		assert!(!wasmi.1.is_empty(), "{name}: no reason given");
	}
}

#[test]
fn every_host_function_is_documented_and_the_docs_are_current() {
	let mut doc = String::from(
		"# Contract host functions\n\n\
		Generated from `pallets/contracts/src/wasm/host_fns.rs` by the test \
		`every_host_function_is_documented_and_the_docs_are_current`; do not edit by hand.\n\n\
		Flags: **alias** also importable as `seal_<name>`; **mutating** traps in read-only \
		frames; **deprecated** only for `call`, refused on upload; **unstable** needs \
		`UnsafeUnstableInterface`.\n\n\
		| module | name | params | result | flags | what it does |\n|---|---|---|---|---|---|\n",
	);
	for f in HOST_FUNCTIONS {
		assert!(!f.doc.trim().is_empty(), "{}::{} has no doc", f.module, f.name);
		let params: Vec<String> =
			f.params.iter().map(|(n, t)| format!("{n}: {}", ty(*t))).collect();
		let flags: Vec<&str> = [(1, "alias"), (2, "mutating"), (4, "deprecated"), (8, "unstable")]
			.iter()
			.filter(|(bit, _)| f.flags & bit != 0)
			.map(|(_, n)| *n)
			.collect();
		doc.push_str(&format!(
			"| {} | `{}` | {} | {} | {} | {} |\n",
			f.module,
			f.name,
			params.join(", "),
			f.result.map(ty).unwrap_or("—"),
			flags.join(", "),
			f.doc.trim().replace('\n', " ")
		));
	}
	let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/HOST_FUNCTIONS.md");
	if std::env::var("UPDATE_DOCS").is_ok() {
		std::fs::write(path, &doc).unwrap();
	}
	let current = std::fs::read_to_string(path).unwrap_or_default();
	assert!(current == doc, "docs/HOST_FUNCTIONS.md is stale: run with UPDATE_DOCS=1");
}

fn ty(t: crate::wasm::ValType) -> &'static str {
	match t {
		crate::wasm::ValType::I32 => "i32",
		crate::wasm::ValType::I64 => "i64",
		crate::wasm::ValType::Other(_) => "?",
	}
}

/// Stores code without validation, as if uploaded before its imports were deprecated.
pub(super) fn store_unchecked(code: Vec<u8>) -> H256 {
	let hash = BlakeTwo256::hash(&code);
	let len = code.len() as u32;
	PristineCode::<Test>::insert(hash, CodeVec::<Test>::try_from(code).unwrap());
	CodeInfoOf::<Test>::insert(hash, CodeInfo::<Test>::new(ALICE, Determinism::Enforced, len));
	hash
}

#[test]
fn every_host_function_links_runs_and_agrees_across_backends() {
	// Each host function called once with all-zero arguments: pointers to the start of memory
	// and empty lengths. What happens differs (a value, a return code, a trap); that it links,
	// runs and gives the same answer and gas on both backends must not.
	for f in HOST_FUNCTIONS {
		let params: Vec<&str> = f.params.iter().map(|(_, t)| ty(*t)).collect();
		let args: Vec<String> = params.iter().map(|t| format!("({t}.const 0)")).collect();
		let result = f.result.map(|t| format!("(result {})", ty(t))).unwrap_or_default();
		let call = format!("(call $f {})", args.join(" "));
		let call = if f.result.is_some() { format!("(drop {call})") } else { call };
		let code = wat(&format!(
			r#"(module
				(import "{}" "{}" (func $f (param {}) {result}))
				(import "env" "memory" (memory 1 1))
				(func (export "deploy"))
				(func (export "call") {call}))"#,
			f.module,
			f.name,
			params.join(" ")
		));
		let [wasmi, wasmtime] = on_both_backends(|| {
			new_test_ext().execute_with(|| {
				// Deprecated functions are refused on upload and for constructors, so the
				// contract starts with other code and gets this one by `set_code`.
				let hash = store_unchecked(code.clone());
				let address = deploy(wasm_code(0), vec![]);
				assert_ok!(Contracts::set_code(RuntimeOrigin::root(), address.clone(), hash));
				Outcome::from(dry_call(&address, 0, vec![]))
			})
		});
		assert_eq!(wasmi, wasmtime, "{}::{}: the backends disagree", f.module, f.name);
		assert_ne!(
			wasmi.result,
			Err(err(Error::CodeRejected)),
			"{}::{} did not link",
			f.module,
			f.name
		);
		assert!(wasmi.gas_consumed.ref_time() > 0);
	}
}

#[test]
fn storage_host_functions_follow_the_sentinel_conventions() {
	// call: set "keyy" := input (old size or SENTINEL at [400]), contains (at [404]),
	// take into [500] (code at [408]), contains again ([412]), clear ([416]); return [400..420).
	let code = contract(
		r#"(import "seal2" "set_storage" (func $set (param i32 i32 i32 i32) (result i32)))
		(import "seal1" "contains_storage" (func $contains (param i32 i32) (result i32)))
		(import "seal0" "take_storage" (func $take (param i32 i32 i32 i32) (result i32)))
		(import "seal1" "clear_storage" (func $clear (param i32 i32) (result i32)))"#,
		r#"(i32.store (i32.const 0) (i32.const 256))
		(call $input (i32.const 100) (i32.const 0))
		(i32.store (i32.const 8) (i32.const 0x7979656b))
		(i32.store (i32.const 400) (call $set (i32.const 8) (i32.const 4) (i32.const 100) (i32.load (i32.const 0))))
		(i32.store (i32.const 404) (call $contains (i32.const 8) (i32.const 4)))
		(i32.store (i32.const 0) (i32.const 64))
		(i32.store (i32.const 408) (call $take (i32.const 8) (i32.const 4) (i32.const 500) (i32.const 0)))
		(i32.store (i32.const 412) (call $contains (i32.const 8) (i32.const 4)))
		(i32.store (i32.const 416) (call $clear (i32.const 8) (i32.const 4)))
		(call $return (i32.const 0) (i32.const 400) (i32.const 20))"#,
	);
	let out = run_both(&code, b"seven b");
	let words: Vec<u32> = out
		.result
		.unwrap()
		.1
		.chunks(4)
		.map(|c| u32::from_le_bytes(c.try_into().unwrap()))
		.collect();
	assert_eq!(words, vec![SENTINEL, 7, 0, SENTINEL, SENTINEL]);
}

#[test]
fn transfer_delegate_call_and_set_code_hash() {
	let transfer = contract(
		r#"(import "seal0" "transfer" (func $transfer (param i32 i32 i32 i32) (result i32)))"#,
		r#"(i32.store (i32.const 0) (i32.const 256))
		(call $input (i32.const 100) (i32.const 0))
		(i32.store (i32.const 400) (call $transfer (i32.const 100) (i32.const 32) (i32.const 132) (i32.const 16)))
		(call $return (i32.const 0) (i32.const 400) (i32.const 4))"#,
	);
	// delegate_call runs the code hash in the input on our own storage and returns its output.
	let delegator = contract(
		r#"(import "seal0" "delegate_call" (func $dc (param i32 i32 i32 i32 i32 i32) (result i32)))"#,
		r#"(i32.store (i32.const 0) (i32.const 256))
		(call $input (i32.const 100) (i32.const 0))
		(i32.store (i32.const 0) (i32.const 256))
		(i32.store (i32.const 400) (call $dc (i32.const 0) (i32.const 100) (i32.const 0) (i32.const 0) (i32.const 404) (i32.const 0)))
		(call $return (i32.const 0) (i32.const 400) (i32.add (i32.const 4) (i32.load (i32.const 0))))"#,
	);
	let set_code = contract(
		r#"(import "seal0" "set_code_hash" (func $set_code (param i32) (result i32)))"#,
		r#"(i32.store (i32.const 0) (i32.const 256))
		(call $input (i32.const 100) (i32.const 0))
		(i32.store (i32.const 400) (call $set_code (i32.const 100)))
		(call $return (i32.const 0) (i32.const 400) (i32.const 4))"#,
	);
	let results = on_both_backends(|| {
		new_test_ext().execute_with(|| {
			let t = deploy(transfer.clone(), vec![]);
			assert_ok!(Balances::transfer_allow_death(
				RuntimeOrigin::signed(ALICE),
				t.clone(),
				1_000
			));
			let mut input = CHARLIE.encode();
			input.extend(300u128.encode());
			let sent = dry_call(&t, 0, input.clone()).result.unwrap().data;
			// More than the contract can spend keeping itself alive: TransferFailed (5).
			let mut too_much = CHARLIE.encode();
			too_much.extend(1_000u128.encode());
			let failed = dry_call(&t, 0, too_much).result.unwrap().data;

			let echo_hash = BlakeTwo256::hash(&echo_storage_contract());
			let d = deploy(delegator.clone(), vec![]);
			deploy(echo_storage_contract(), b"echo".to_vec());
			let delegated = dry_call(&d, 0, echo_hash.encode()).result.unwrap().data;
			let missing = dry_call(&d, 0, H256::repeat_byte(1).encode()).result.unwrap().data;

			let s = deploy(set_code.clone(), vec![]);
			let swapped = Contracts::call(
				RuntimeOrigin::signed(ALICE),
				s.clone(),
				0,
				LIMIT,
				None,
				echo_hash.encode(),
			);
			assert_ok!(swapped);
			let new_hash = Contracts::code_hash(&s);
			(sent, failed, delegated, missing, new_hash == Some(echo_hash))
		})
	});
	assert_eq!(results[0], results[1]);
	let (sent, failed, delegated, missing, swapped) = results[0].clone();
	assert_eq!(sent, 0u32.to_le_bytes());
	assert_eq!(failed, 5u32.to_le_bytes());
	// The echo code reads "keyy" from the delegator's storage, where nothing is: it traps, so
	// the delegator sees CalleeTrapped (1).
	assert_eq!(delegated[..4], 1u32.to_le_bytes());
	assert_eq!(missing[..4], 7u32.to_le_bytes(), "CodeNotFound");
	assert!(swapped);
}

#[test]
fn transient_storage_lives_for_the_call_stack_and_rolls_back_with_a_frame() {
	// `call` with empty input: set transient "keyy" := "a", then call itself (input = its own
	// address, flags ALLOW_REENTRY) whose frame sets "keyy" := "bb" and reverts; return the
	// value read afterwards. With input: the reverting inner frame.
	let code = contract(
		r#"(import "seal0" "set_transient_storage" (func $set (param i32 i32 i32 i32) (result i32)))
		(import "seal0" "get_transient_storage" (func $get (param i32 i32 i32 i32) (result i32)))
		(import "seal0" "address" (func $address (param i32 i32)))
		(import "seal2" "call" (func $call (param i32 i32 i64 i64 i32 i32 i32 i32 i32 i32) (result i32)))"#,
		r#"(i32.store (i32.const 8) (i32.const 0x7979656b))
		(i32.store (i32.const 0) (i32.const 256))
		(call $input (i32.const 100) (i32.const 0))
		(if (i32.load (i32.const 0))
			(then
				(drop (call $set (i32.const 8) (i32.const 4) (i32.const 600) (i32.const 2)))
				(call $return (i32.const 1) (i32.const 0) (i32.const 0))))
		(i32.store8 (i32.const 600) (i32.const 97))
		(i32.store16 (i32.const 601) (i32.const 0x6262))
		(drop (call $set (i32.const 8) (i32.const 4) (i32.const 600) (i32.const 1)))
		(i32.store (i32.const 0) (i32.const 64))
		(call $address (i32.const 200) (i32.const 0))
		(i32.store8 (i32.const 50) (i32.const 0))
		(i32.store (i32.const 400)
			(call $call (i32.const 8) (i32.const 200) (i64.const 0) (i64.const 0) (i32.const -1)
				(i32.const 50) (i32.const 200) (i32.const 32) (i32.const -1) (i32.const 0)))
		(i32.store (i32.const 0) (i32.const 64))
		(drop (call $get (i32.const 8) (i32.const 4) (i32.const 404) (i32.const 0)))
		(call $return (i32.const 0) (i32.const 400) (i32.add (i32.const 4) (i32.load (i32.const 0))))"#,
	);
	let out = run_both(&code, &[]);
	let mut expected = 2u32.to_le_bytes().to_vec();
	expected.push(b'a');
	assert_eq!(out.result, Ok((0, expected)), "reverted inner write undone, outer kept");
}

/// The committed ink! fixtures (`pallets/contracts/fixtures/build`).
fn ink_fixture(name: &str) -> Vec<u8> {
	let path = format!("{}/fixtures/build/{name}.wasm", env!("CARGO_MANIFEST_DIR"));
	std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn ink_fixtures_pass_upload_validation() {
	for name in ["flipper", "erc20", "caller", "events", "trapper", "bench", "arithmetic"] {
		let code = ink_fixture(name);
		let interface = crate::wasm::read_interface_for_tests(&code);
		assert!(interface.is_ok(), "{name}: {interface:?}");
		let [wasmi, wasmtime] = on_both_backends(|| {
			new_test_ext().execute_with(|| {
				Contracts::bare_upload_code(ALICE, code.clone(), None, Determinism::Enforced)
					.map(|r| r.code_hash)
			})
		});
		assert_eq!(wasmi, wasmtime, "{name}");
		assert_eq!(wasmi, Ok(BlakeTwo256::hash(&code)), "{name}");
	}
}

/// An ink! 5 message selector: the first four bytes of the BLAKE2-256 of its name.
fn selector(name: &str) -> Vec<u8> {
	sp_io::hashing::blake2_256(name.as_bytes())[..4].to_vec()
}

/// The line of the trapper's source marked `// TRAP(<kind>)`.
fn trapper_line(kind: &str) -> u32 {
	marked_line("trapper", kind)
}

/// The line of the fixture `contract`'s source marked `// TRAP(<kind>)`.
fn marked_line(contract: &str, kind: &str) -> u32 {
	let path = format!("{}/fixtures/ink/{contract}/lib.rs", env!("CARGO_MANIFEST_DIR"));
	let source = std::fs::read_to_string(path).unwrap();
	let marker = format!("// TRAP({kind})");
	source.lines().position(|l| l.contains(&marker)).unwrap() as u32 + 1
}

/// Instantiates the trapper from its debug twin (so the node has its DWARF).
fn deploy_debug_trapper(debug: DebugInfo) -> AccountId32 {
	deploy_debug_build("trapper", debug)
}

/// Instantiates the fixture `name` (a trapper build or another contract whose constructor is
/// `new()`) from its debug twin.
fn deploy_debug_build(name: &str, debug: DebugInfo) -> AccountId32 {
	let code =
		std::fs::read(format!("{}/fixtures/build/{name}.debug.wasm", env!("CARGO_MANIFEST_DIR")))
			.unwrap();
	let result = Contracts::bare_instantiate(
		ALICE,
		0,
		LIMIT,
		None,
		Code::Upload(code),
		selector("new"),
		vec![],
		debug,
		CollectEvents::Skip,
	);
	result.result.expect("the trapper instantiates").account_id
}

fn trapped_events() -> Vec<Event<Test>> {
	events().into_iter().filter(|e| matches!(e, Event::ContractTrapped { .. })).collect()
}

/// The trapper's messages: (message, its argument if it takes one, the source marker).
const TRAPPER_MESSAGES: [(&str, Option<u32>, &str); 7] = [
	("panic", None, "panic"),
	("assert", None, "assert"),
	("overflow", None, "overflow"),
	("index_out_of_bounds", None, "index"),
	("divide_by_zero", None, "divide"),
	("unreachable", None, "unreachable"),
	// Out of stack: no panic, no message; the trap is at the recursive function's entry.
	("recurse", Some(100_000), "recurse"),
];

/// Calls each of the trapper's messages on the build `fixture` deployed from its debug twin, on
/// both backends; asserts they agree and returns each call's `ContractTrapped` events.
fn trap_every_message(fixture: &str) -> Vec<Vec<Event<Test>>> {
	let messages: Vec<_> =
		TRAPPER_MESSAGES.iter().map(|(message, arg, _)| (*message, *arg)).collect();
	trap_each(fixture, &messages)
}

/// Calls each of `messages` (with its argument, if any) on the build `fixture` deployed from its
/// debug twin, on both backends; asserts every call traps and the backends agree, and returns
/// each call's `ContractTrapped` events.
fn trap_each(fixture: &str, messages: &[(&str, Option<u32>)]) -> Vec<Vec<Event<Test>>> {
	let deployable = ink_fixture(fixture);
	let [wasmi, wasmtime] = on_both_backends(|| {
		new_test_ext().execute_with(|| {
			// Uploading the debug twin stores the stripped code: the deployable module's hash.
			let address = deploy_debug_build(fixture, DebugInfo::UnsafeDebug);
			assert_eq!(Contracts::code_hash(&address), Some(BlakeTwo256::hash(&deployable)));
			messages
				.iter()
				.map(|(message, arg)| {
					System::reset_events();
					let mut input = selector(message);
					if let Some(arg) = arg {
						input.extend_from_slice(&arg.encode());
					}
					let out = dry_call(&address, 0, input);
					assert_eq!(
						out.result.map(|_| ()),
						Err(err(Error::ContractTrapped)),
						"{fixture} {message}"
					);
					trapped_events()
				})
				.collect::<Vec<_>>()
		})
	});
	// wasmi reports no frames itself; replaying its trap on wasmtime finds the same ones.
	assert_eq!(wasmi, wasmtime, "{fixture}: both backends locate every trap alike");
	wasmi
}

/// The one `ContractTrapped` of a call: its kind, message and location.
fn the_trap<'a>(
	events: &'a [Event<Test>],
	what: &str,
) -> (&'a TrapKind, &'a str, &'a crate::SourceLocation) {
	let [Event::ContractTrapped { kind, message, location, .. }] = events else {
		panic!("{what}: expected one ContractTrapped, got {events:?}");
	};
	(kind, message, location.as_ref().unwrap_or_else(|| panic!("{what}: not located")))
}

/// Debug builds (`ink-debug`, as cargo-contract's): the kind, ink!'s printed message and the
/// marked line, for the committed trapper and for the same contract as other machines build it
/// (the registry and toolchain remapped to names no path rule knows; the official Rust image's
/// `/usr/local/cargo`, the project in `/usr/src`): the contract's own code is what its DWARF
/// says, wherever the files were.
#[test]
fn traps_of_a_debug_build_name_kind_message_and_source_line() {
	use TrapKind::*;
	let kinds = [
		Panic,
		AssertionFailed,
		ArithmeticOverflow,
		IndexOutOfBounds,
		DivisionByZero,
		Unreachable,
		StackExhausted,
	];
	for (fixture, source) in [
		("trapper", "/callisto/pallets/contracts/fixtures/ink/trapper/lib.rs"),
		("trapper-vendored", "/callisto/pallets/contracts/fixtures/ink/trapper/lib.rs"),
		("trapper-usrlocal", "/usr/src/callisto/pallets/contracts/fixtures/ink/trapper/lib.rs"),
	] {
		let traps = trap_every_message(fixture);
		for (((message, _, marker), kind), events) in
			TRAPPER_MESSAGES.iter().zip(&kinds).zip(&traps)
		{
			let what = format!("{fixture} {message}");
			let (got, text, location) = the_trap(events, &what);
			assert_eq!(got, kind, "{what}");
			// ink! debug builds print the panic message, with its own file:line (out of stack
			// is no panic).
			assert_eq!(
				text.contains(&format!("lib.rs:{}", trapper_line(marker))),
				*message != "recurse",
				"{what}: {text}"
			);
			assert_eq!(
				(location.file.as_str(), location.line),
				(source, trapper_line(marker)),
				"{what}"
			);
		}
	}
}

/// A release build without `ink-debug`, with the registry and the toolchain remapped to names no
/// path rule knows: no message, and the panic handler ignores the one it gets, so LLVM folds the
/// standard library's panic functions into one. The location still names the contract's line.
/// The kind is what the code still shows: an index check keeps its own panic function; an
/// overflow and a division by zero keep their arithmetic at the call into the folded one; a
/// failed `assert!`, an explicit `panic!` and `unreachable!` are panics with nothing else to
/// tell them apart, and `panic` and `unreachable` compile to the very same code (one copy kept),
/// so they are located alike.
#[test]
fn traps_of_a_release_build_name_the_contract_line() {
	use TrapKind::*;
	let kinds =
		[Panic, Panic, ArithmeticOverflow, IndexOutOfBounds, DivisionByZero, Panic, StackExhausted];
	let traps = trap_every_message("trapper-release");
	let mut lines = Vec::new();
	for (((message, _, marker), kind), events) in TRAPPER_MESSAGES.iter().zip(&kinds).zip(&traps) {
		let (got, text, location) = the_trap(events, message);
		assert_eq!(got, kind, "{message}");
		assert_eq!(text, "", "{message}: no message without ink-debug");
		assert_eq!(location.file, "/callisto/pallets/contracts/fixtures/ink/trapper/lib.rs");
		if !matches!(*message, "panic" | "unreachable") {
			assert_eq!(location.line, trapper_line(marker), "{message}");
		}
		lines.push(location.line);
	}
	// `panic` and `unreachable`: one shared copy, on one of their two lines.
	assert_eq!(lines[0], lines[5]);
	assert!([trapper_line("panic"), trapper_line("unreachable")].contains(&lines[0]));
}

/// The `arithmetic` fixture, a release build: checked arithmetic that traps reads as what it
/// checked (from the code at the call into the folded panic function), `u128` included, on both
/// backends; a plain `assert!`, an `unwrap` of `None` and a position holding two kinds of check
/// stay `Panic`. Every trap is located on its marked line.
#[test]
fn checked_arithmetic_of_a_release_build_reads_as_its_kind() {
	use TrapKind::*;
	let expected = [
		("add_u128", ArithmeticOverflow),
		("mul_u128", ArithmeticOverflow),
		("div_u128", DivisionByZero),
		("rem_u64", DivisionByZero),
		("sub_u64", ArithmeticOverflow),
		("div_i32", DivisionByZero),
		("mul_i32", ArithmeticOverflow),
		("shl_u32", ArithmeticOverflow),
		("assert_plain", Panic),
		("unwrap_none", Panic),
		("divide_then_add", Panic),
	];
	let messages: Vec<_> = expected.iter().map(|(message, _)| (*message, None)).collect();
	let traps = trap_each("arithmetic", &messages);
	for ((message, kind), events) in expected.iter().zip(&traps) {
		let (got, text, location) = the_trap(events, message);
		assert_eq!(got, kind, "{message}");
		assert_eq!(text, "", "{message}: no message without ink-debug");
		assert_eq!(
			(location.file.as_str(), location.line),
			(
				"/callisto/pallets/contracts/fixtures/ink/arithmetic/lib.rs",
				marked_line("arithmetic", message)
			),
			"{message}"
		);
	}
}

/// The location of the trap of the trapper's `panic`, dry-run at `address`.
fn panic_location(address: &AccountId32) -> Option<crate::SourceLocation> {
	System::reset_events();
	let out = dry_call(address, 0, selector("panic"));
	assert_eq!(out.result.map(|_| ()), Err(err(Error::ContractTrapped)));
	let events = trapped_events();
	let [Event::ContractTrapped { location, .. }] = &events[..] else {
		panic!("expected one ContractTrapped, got {events:?}");
	};
	location.clone()
}

#[test]
fn trap_locations_come_from_the_dwarf_the_chain_keeps() {
	let deployable = ink_fixture("trapper");
	let debug_build =
		std::fs::read(format!("{}/fixtures/build/trapper.debug.wasm", env!("CARGO_MANIFEST_DIR")))
			.unwrap();
	let code_hash = BlakeTwo256::hash(&deployable);
	// No node extension is registered: what locates a trap is chain state alone.
	new_test_ext().execute_with(|| {
		assert_ok!(Contracts::upload_code(
			RuntimeOrigin::signed(ALICE),
			deployable.clone(),
			None,
			Determinism::Enforced
		));
		assert!(!crate::DebugInfoOf::<Test>::contains_key(code_hash));
		let result = Contracts::bare_instantiate(
			ALICE,
			0,
			LIMIT,
			None,
			Code::Existing(code_hash),
			selector("new"),
			vec![],
			DebugInfo::Skip,
			CollectEvents::Skip,
		);
		let address = result.result.expect("the trapper instantiates").account_id;
		assert_eq!(panic_location(&address), None, "deployed without DWARF");

		// Uploading the debug build of stored code attaches its DWARF, at no deposit.
		let deposit_before = pallet_balances::Pallet::<Test>::reserved_balance(ALICE);
		assert_ok!(Contracts::upload_code(
			RuntimeOrigin::signed(ALICE),
			debug_build.clone(),
			None,
			Determinism::Enforced
		));
		assert_eq!(pallet_balances::Pallet::<Test>::reserved_balance(ALICE), deposit_before);
		let (_, dwarf) = callisto_debug_info::split_debug_sections(&debug_build).unwrap();
		assert_eq!(crate::DebugInfoOf::<Test>::get(code_hash), Some(dwarf));
		let location = panic_location(&address).expect("located once the chain has the DWARF");
		assert_eq!(location.line, trapper_line("panic"));

		// The DWARF goes with the code.
		let flipper_debug = std::fs::read(format!(
			"{}/fixtures/build/flipper.debug.wasm",
			env!("CARGO_MANIFEST_DIR")
		))
		.unwrap();
		let flipper = BlakeTwo256::hash(&ink_fixture("flipper"));
		assert_ok!(Contracts::upload_code(
			RuntimeOrigin::signed(ALICE),
			flipper_debug,
			None,
			Determinism::Enforced
		));
		assert!(crate::DebugInfoOf::<Test>::contains_key(flipper));
		assert_ok!(Contracts::remove_code(RuntimeOrigin::signed(ALICE), flipper));
		assert!(!crate::DebugInfoOf::<Test>::contains_key(flipper));
	});
}

#[test]
fn a_trap_that_fails_the_extrinsic_still_reaches_the_block_events() {
	use frame_support::dispatch::GetDispatchInfo;
	use sp_runtime::traits::{DispatchTransaction, Dispatchable};
	new_test_ext().execute_with(|| {
		let address = deploy_debug_trapper(DebugInfo::Skip);
		System::reset_events();
		let call = RuntimeCall::Contracts(crate::Call::call {
			dest: address.clone(),
			value: 0,
			gas_limit: LIMIT,
			storage_deposit_limit: None,
			data: selector("overflow"),
		});
		// A bare dispatch: FRAME rolls the failed dispatch's events back.
		let e = call.clone().dispatch(RuntimeOrigin::signed(ALICE)).unwrap_err();
		assert_eq!(e.error, err(Error::ContractTrapped));
		assert_eq!(trapped_events(), vec![]);
		// Through the extension, as an extrinsic is applied: the trap is deposited once, after
		// the rollback.
		let info = call.get_dispatch_info();
		let result = crate::DepositFailedTraps::<Test>::new()
			.dispatch_transaction(RuntimeOrigin::signed(ALICE), call.clone(), &info, 0, 0)
			.expect("valid transaction");
		assert_eq!(result.unwrap_err().error, err(Error::ContractTrapped));
		let events = trapped_events();
		let [Event::ContractTrapped { contract, kind, location, .. }] = &events[..] else {
			panic!("expected one ContractTrapped, got {events:?}");
		};
		assert_eq!((contract, kind), (&address, &TrapKind::ArithmeticOverflow));
		assert_eq!(location.as_ref().unwrap().line, trapper_line("overflow"));
		// The next extrinsic starts afresh: a successful call deposits nothing more.
		let no_trap = RuntimeCall::Contracts(crate::Call::call {
			dest: address.clone(),
			value: 0,
			gas_limit: LIMIT,
			storage_deposit_limit: None,
			data: selector("no_trap"),
		});
		let info = no_trap.get_dispatch_info();
		let result = crate::DepositFailedTraps::<Test>::new()
			.dispatch_transaction(RuntimeOrigin::signed(ALICE), no_trap, &info, 0, 0)
			.expect("valid transaction");
		assert!(result.is_ok(), "{result:?}");
		assert_eq!(trapped_events().len(), 1);
	});
}

#[test]
fn a_nested_trap_gets_its_event_while_the_caller_succeeds() {
	let [wasmi, wasmtime] = on_both_backends(|| {
		new_test_ext().execute_with(|| {
			let trapper = deploy(contract("", "unreachable"), vec![]);
			let caller = deploy(caller_contract(0, 0), vec![]);
			System::reset_events();
			assert_ok!(Contracts::call(
				RuntimeOrigin::signed(ALICE),
				caller.clone(),
				0,
				LIMIT,
				None,
				trapper.encode()
			));
			(trapper, trapped_events())
		})
	});
	assert_eq!(wasmi, wasmtime);
	let (trapper, events) = wasmi;
	let [Event::ContractTrapped { contract, kind, location, .. }] = &events[..] else {
		panic!("expected one ContractTrapped, got {events:?}");
	};
	assert_eq!((contract, kind, location), (&trapper, &TrapKind::Unreachable, &None));
}

/// Runs `f` with a trace collector registered, returning its result and the traces.
fn traced<R>(f: impl FnOnce() -> R) -> (R, Vec<callisto_debug_info::trace::Trace>) {
	let mut ext = new_test_ext();
	let collector = callisto_debug_info::TraceCollector::new();
	ext.register_extension(callisto_debug_info::TraceExt::new(collector.clone()));
	let result = ext.execute_with(f);
	(result, collector.take())
}

#[test]
fn traces_record_the_call_tree_host_calls_storage_and_traps() {
	use callisto_debug_info::trace::{CallKind, CallOutcome, HostCallResult};
	let [wasmi, wasmtime] = on_both_backends(|| {
		traced(|| {
			let callee = deploy(echo_storage_contract(), b"from callee".to_vec());
			let caller = deploy(caller_contract(0, 0), vec![]);
			let trapper = deploy(contract("", "unreachable"), vec![]);
			dry_call(&caller, 0, callee.encode());
			dry_call(&caller, 0, trapper.encode());
			(callee, caller, trapper)
		})
	});
	assert_eq!(wasmi, wasmtime, "identical traces on both backends");
	let ((callee, caller, trapper), traces) = wasmi;
	// Three instantiations, then two calls: one trace per top-level call.
	let [deploy_callee, _, _, ok, trapped] = &traces[..] else {
		panic!("expected 5 traces, got {}", traces.len())
	};
	assert!(traces.iter().all(|t| t.dropped == 0));

	// The constructor's storage write: absent before, the input after.
	let root = &deploy_callee.root;
	assert_eq!((root.kind, &root.to), (CallKind::Instantiate, &callee.encode()));
	assert_eq!(root.storage.len(), 1);
	assert_eq!(root.storage[0].key, b"keyy".to_vec());
	assert_eq!(
		(root.storage[0].old.as_deref(), root.storage[0].new.as_deref()),
		(None, Some(&b"from callee"[..]))
	);

	// caller -> callee: the nested frame hangs under the host call that made it.
	let root = &ok.root;
	assert_eq!(
		(root.kind, &root.from, &root.to),
		(CallKind::Call, &ALICE.encode(), &caller.encode())
	);
	assert_eq!(root.input, callee.encode());
	assert_eq!(root.outcome, CallOutcome::Success);
	assert!(root.gas_used > 0 && root.gas_used <= root.gas_limit);
	let call = root.host_calls.iter().find(|h| h.name == "seal2::call").expect("the call");
	assert_eq!((call.nested, &call.result), (Some(0), &HostCallResult::Value(0)));
	assert!(call.call_site > 0, "the offset of the contract's `call` instruction");
	let returned = root.host_calls.last().expect("seal_return");
	assert_eq!(returned.result, HostCallResult::Stopped("return".into()));
	let [nested] = &root.calls[..] else { panic!("one nested call: {:?}", root.calls) };
	assert_eq!((&nested.from, &nested.to), (&caller.encode(), &callee.encode()));
	assert_eq!((&nested.output[..], &nested.outcome), (&b"from callee"[..], &CallOutcome::Success));
	assert!(nested.gas_used <= root.gas_used);

	// caller -> trapper: the callee trapped, with frames on both backends (wasmi's replayed).
	let [nested] = &trapped.root.calls[..] else { panic!("one nested call") };
	assert_eq!(nested.to, trapper.encode());
	let CallOutcome::Trapped(trap) = &nested.outcome else {
		panic!("the callee traps: {:?}", nested.outcome)
	};
	assert_eq!(trap.kind, "Unreachable");
	assert_eq!(trap.offsets.len(), 1, "one frame: the exported function");
	assert_eq!(trapped.root.outcome, CallOutcome::Success, "the caller goes on");
}

#[test]
fn a_failing_call_has_a_trace_and_tracing_is_off_without_a_collector() {
	let ((), traces) = traced(|| {
		let address = deploy_debug_trapper(DebugInfo::Skip);
		let out = dry_call(&address, 0, selector("overflow"));
		assert!(out.result.is_err());
	});
	let last = &traces.last().expect("traced").root;
	let callisto_debug_info::trace::CallOutcome::Trapped(trap) = &last.outcome else {
		panic!("the overflow traps: {:?}", last.outcome)
	};
	assert_eq!(trap.kind, "ArithmeticOverflow");
	assert!(!trap.offsets.is_empty());
	new_test_ext().execute_with(|| {
		assert!(!callisto_debug_info::contract_debug::tracing());
	});
}
