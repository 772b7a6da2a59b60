//! `callisto contract build` on a real ink! project: the flipper fixture.

use std::{path::PathBuf, process::Command};

fn callisto() -> Command {
	Command::new(env!("CARGO_BIN_EXE_callisto"))
}

fn flipper_manifest() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR"))
		.join("../pallets/contracts/fixtures/ink/flipper/Cargo.toml")
}

#[test]
fn builds_a_deployable_module_its_debug_twin_and_metadata() {
	let out = std::env::temp_dir().join(format!("callisto-contract-build-{}", std::process::id()));
	let output = callisto()
		.args(["contract", "build", "--manifest-path"])
		.arg(flipper_manifest())
		.arg("--out-dir")
		.arg(&out)
		.output()
		.unwrap();
	let stdout = String::from_utf8_lossy(&output.stdout);
	assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
	assert!(stdout.contains("code hash 0x"), "{stdout}");
	let wasm = std::fs::read(out.join("flipper.wasm")).unwrap();
	let debug = std::fs::read(out.join("flipper.debug.wasm")).unwrap();
	// The deployable module is the debug twin without its DWARF, and the DWARF decodes.
	assert_eq!(callisto_debug_info::strip_debug_sections(&debug).as_deref(), Some(&wasm[..]));
	assert!(callisto_debug_info::DebugInfo::from_wasm(&debug).is_ok());
	// Only the entry points are exported, and it is MVP Wasm plus sign extension.
	let mut exports = Vec::new();
	for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
		if let wasmparser::Payload::ExportSection(reader) = payload.unwrap() {
			exports.extend(reader.into_iter().map(|e| e.unwrap().name.to_string()));
		}
	}
	exports.sort();
	assert_eq!(exports, ["call", "deploy"]);
	let mut features = wasmparser::WasmFeatures::empty();
	features.insert(wasmparser::WasmFeatures::SIGN_EXTENSION);
	wasmparser::Validator::new_with_features(features).validate_all(&wasm).unwrap();
	// The metadata, as cargo-contract 5 writes it, for exactly this code.
	let json: serde_json::Value =
		serde_json::from_slice(&std::fs::read(out.join("flipper.json")).unwrap()).unwrap();
	let hash = sp_crypto_hashing::blake2_256(&wasm);
	let hash = format!("0x{}", sp_core::hexdisplay::HexDisplay::from(&hash));
	assert_eq!(json["source"]["hash"], hash.as_str());
	assert_eq!(json["source"]["language"], "ink! 5.1.1");
	assert_eq!(json["contract"]["name"], "flipper");
	assert_eq!(json["version"], 5);
	let messages: Vec<&str> = json["spec"]["messages"]
		.as_array()
		.unwrap()
		.iter()
		.map(|m| m["label"].as_str().unwrap())
		.collect();
	assert_eq!(messages, ["flip", "get"]);
	// The same ABI the committed fixture metadata (made by the fixtures' generator) has.
	let fixture: serde_json::Value = serde_json::from_slice(
		&std::fs::read(
			PathBuf::from(env!("CARGO_MANIFEST_DIR"))
				.join("../pallets/contracts/fixtures/build/flipper.json"),
		)
		.unwrap(),
	)
	.unwrap();
	let debug_json: serde_json::Value =
		serde_json::from_slice(&std::fs::read(out.join("flipper.debug.json")).unwrap()).unwrap();
	assert_eq!(debug_json, json, "the debug module's metadata, for cargo-contract, is the same");
	assert_eq!(json["spec"], fixture["spec"]);
	assert_eq!(json["types"], fixture["types"]);
	std::fs::remove_dir_all(out).ok();
}

#[test]
fn a_missing_manifest_is_a_clear_error() {
	let output = callisto()
		.args(["contract", "build", "--manifest-path", "/nonexistent/Cargo.toml"])
		.output()
		.unwrap();
	assert!(!output.status.success());
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert!(stderr.contains("--manifest-path"), "{stderr}");
}
