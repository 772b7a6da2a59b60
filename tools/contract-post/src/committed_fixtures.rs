//! The committed ink! fixtures (`pallets/contracts/fixtures/build/`) are what this tool promises:
//! MVP + sign-extension only (no floats, no bulk memory), only `call` and `deploy` exported, the
//! same code section in `<name>.wasm` and `<name>.debug.wasm`, DWARF only in the latter.
//! Skipped (with a note) where the folder does not exist.

use crate::{code_section, post_process, ENTRY_POINTS};
use std::path::PathBuf;
use wasmparser::{Parser, Payload, Validator, WasmFeatures};

fn fixtures_dir() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../pallets/contracts/fixtures/build")
}

/// What the sandbox accepts: MVP (its reference types included) + mutable globals +
/// sign-extension, without floats (`primitives/sandbox/src/host/validate.rs`).
fn contract_features() -> WasmFeatures {
	(WasmFeatures::MVP | WasmFeatures::MUTABLE_GLOBAL | WasmFeatures::SIGN_EXTENSION)
		.difference(WasmFeatures::FLOATS)
}

fn sections(wasm: &[u8]) -> (Vec<String>, Vec<String>) {
	let (mut custom, mut exports) = (Vec::new(), Vec::new());
	for payload in Parser::new(0).parse_all(wasm) {
		match payload.expect("fixture parses") {
			Payload::CustomSection(c) => custom.push(c.name().to_string()),
			Payload::ExportSection(r) => {
				exports.extend(r.into_iter().map(|e| e.expect("export parses").name.to_string()))
			}
			_ => {}
		}
	}
	(custom, exports)
}

#[test]
fn committed_fixtures_are_mvp_and_twins() {
	let Ok(dir) = std::fs::read_dir(fixtures_dir()) else {
		eprintln!("no committed fixtures at {}; skipped", fixtures_dir().display());
		return;
	};
	let mut names: Vec<PathBuf> = dir
		.map(|e| e.expect("fixtures dir lists").path())
		.filter(|p| {
			let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
			name.ends_with(".wasm") && !name.ends_with(".debug.wasm")
		})
		.collect();
	names.sort();
	assert!(!names.is_empty(), "the fixtures folder exists but has no .wasm");
	for path in names {
		let wasm = std::fs::read(&path).expect("fixture reads");
		let debug_path = path.with_extension("debug.wasm");
		let debug = std::fs::read(&debug_path).expect("every fixture has a debug twin");
		let name = path.display();
		for module in [&wasm, &debug] {
			Validator::new_with_features(contract_features())
				.validate_all(module)
				.unwrap_or_else(|e| panic!("{name}: not MVP + sign-ext without floats: {e}"));
		}
		let code = code_section(&wasm).unwrap().expect("fixture has code");
		assert_eq!(code_section(&debug).unwrap(), Some(code), "{name}: code sections differ");

		let (custom, exports) = sections(&wasm);
		assert_eq!(custom, ["name"], "{name}: only the name section is deployed");
		let mut exports = exports;
		exports.sort();
		assert_eq!(exports, ENTRY_POINTS, "{name}: exports");
		let (debug_custom, _) = sections(&debug);
		assert!(debug_custom.iter().any(|c| c == ".debug_line"), "{name}: twin has no DWARF");

		// The deployable module is a fixed point: it is this tool's output, unedited.
		let again = post_process(&wasm).unwrap_or_else(|e| panic!("{name}: {e}"));
		assert!(again.wasm == wasm, "{name}: not what callisto-contract-post writes");
	}
}
