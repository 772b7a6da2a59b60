//! The ink! contracts the bench runs: the committed fixture builds (`pallets/contracts/fixtures`,
//! MVP Wasm that both pallets accept), their messages' input encoding, and fresh copies of a
//! contract's code for the cold-compile workload.

use callisto_bench_runtime::{AccountId, Balance};
use codec::Encode;
use std::sync::OnceLock;
use wasm_encoder::{CodeSection, Function, FunctionSection, Instruction, RawSection};
use wasmparser::{BinaryReader, CodeSectionReader, CompositeInnerType, Parser, Payload};

pub const FLIPPER: &[u8] = include_bytes!("../../pallets/contracts/fixtures/build/flipper.wasm");
pub const ERC20: &[u8] = include_bytes!("../../pallets/contracts/fixtures/build/erc20.wasm");
pub const CALLER: &[u8] = include_bytes!("../../pallets/contracts/fixtures/build/caller.wasm");
const BENCH: &[u8] = include_bytes!("../../pallets/contracts/fixtures/build/bench.wasm");

static BENCH_OVERRIDE: OnceLock<Vec<u8>> = OnceLock::new();

/// The bench contract's code: the committed fixture, or the build given to `--bench-contract`
/// (e.g. the same source built for speed instead of size).
pub fn bench() -> &'static [u8] {
	BENCH_OVERRIDE.get().map_or(BENCH, Vec::as_slice)
}

/// Runs the bench contract's workloads with `code` instead of the committed fixture.
pub fn override_bench(code: Vec<u8>) {
	BENCH_OVERRIDE.set(code).expect("set once, before any workload");
}

/// An ink! message or constructor call: its selector (the first 4 bytes of the blake2-256 of
/// its name, for messages outside traits) followed by its SCALE-encoded arguments.
pub fn message(name: &str, args: impl Encode) -> Vec<u8> {
	let mut input = sp_crypto_hashing::blake2_256(name.as_bytes())[..4].to_vec();
	args.encode_to(&mut input);
	input
}

pub fn flipper_new(init: bool) -> Vec<u8> {
	message("new", init)
}

pub fn erc20_new(total_supply: Balance) -> Vec<u8> {
	message("new", total_supply)
}

pub fn erc20_transfer(to: &AccountId, value: Balance) -> Vec<u8> {
	message("transfer", (to, value))
}

pub fn caller_chain(path: &[AccountId], depth: u32) -> Vec<u8> {
	message("chain", (path, depth))
}

/// What an ink! message returning `value` answers: `Ok(value)` of its `Result<_, LangError>`.
pub fn ink_ok(value: impl Encode) -> Vec<u8> {
	Ok::<_, ()>(value).encode()
}

/// `code` with one more function, never called, whose body is `i64.const nonce; drop`: a
/// module no cache has seen (its hash, its instrumented form and its machine code all differ
/// per nonce) that behaves exactly like `code`. The function is appended, so no index moves;
/// it reuses the module's `() -> ()` type (ink!'s `call` and `deploy` have it).
pub fn with_nonce(code: &[u8], nonce: u64) -> Vec<u8> {
	let mut module = wasm_encoder::Module::new();
	let mut void_type = None;
	for payload in Parser::new(0).parse_all(code) {
		match payload.expect("fixtures are valid Wasm") {
			Payload::TypeSection(reader) => {
				let mut index = 0u32;
				for group in reader.clone() {
					for sub in group.expect("valid type section").into_types() {
						if let CompositeInnerType::Func(ty) = &sub.composite_type.inner {
							if ty.params().is_empty() && ty.results().is_empty() {
								void_type.get_or_insert(index);
							}
						}
						index += 1;
					}
				}
				module.section(&RawSection { id: 1, data: &code[reader.range()] });
			}
			Payload::FunctionSection(reader) => {
				let mut section = FunctionSection::new();
				for ty in reader {
					section.function(ty.expect("valid function section"));
				}
				section.function(void_type.expect("an ink! contract has a `() -> ()` type"));
				module.section(&section);
			}
			Payload::CodeSectionStart { range, .. } => {
				let reader =
					CodeSectionReader::new(BinaryReader::new(&code[range.clone()], range.start))
						.expect("valid code section");
				let mut section = CodeSection::new();
				for body in reader {
					section.raw(&code[body.expect("valid function body").range()]);
				}
				let mut nonce_fn = Function::new([]);
				nonce_fn
					.instruction(&Instruction::I64Const(nonce as i64))
					.instruction(&Instruction::Drop)
					.instruction(&Instruction::End);
				section.function(&nonce_fn);
				module.section(&section);
			}
			Payload::CustomSection(reader) => {
				module.section(&wasm_encoder::CustomSection {
					name: reader.name().into(),
					data: reader.data().into(),
				});
			}
			other => {
				if let Some((id, range)) = other.as_section() {
					module.section(&RawSection { id, data: &code[range] });
				}
			}
		}
	}
	module.finish()
}
