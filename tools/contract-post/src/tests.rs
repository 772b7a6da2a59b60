//! Post-processing of small hand-written modules: one property per test.

use crate::{code_section, post_process, Error, MAX_MEMORY_PAGES};
use wasmparser::{KnownCustom, Name, Parser, Payload, TypeRef, Validator, WasmFeatures};

/// A contract-shaped module: `body` goes inside `(module ...)` after the memory import.
fn module(memory: &str, body: &str) -> Vec<u8> {
	wat::parse_str(format!(
		r#"(module
			(import "seal0" "seal_input" (func $input (param i32 i32)))
			(import "env" "memory" (memory {memory}))
			{body}
		)"#
	))
	.expect("test WAT is valid")
}

/// The usual entry points, two extra exports like rustc's, data with zeros to trim, and custom
/// sections of each kind.
fn contract() -> Vec<u8> {
	module(
		"2",
		r#"
		(global $heap_base i32 (i32.const 4096))
		(func $deploy (export "deploy"))
		(func $call (export "call") (call $input (i32.const 0) (i32.const 4)))
		(export "__heap_base" (global $heap_base))
		(export "__data_end" (global $heap_base))
		(data $rodata (i32.const 16) "abc\00\00\00")
		(data $bss (i32.const 1024) "\00\00\00\00")
		(data $tail (i32.const 2048) "\00x\00")
		(@custom "producers" "rustc")
		(@custom ".debug_info" "dwarf")
		(@custom ".debug_line" "lines")
		(@custom "target_features" "+mutable-globals")
		"#,
	)
}

fn custom_names(wasm: &[u8]) -> Vec<String> {
	Parser::new(0)
		.parse_all(wasm)
		.filter_map(|p| match p.expect("output parses") {
			Payload::CustomSection(c) => Some(c.name().to_string()),
			_ => None,
		})
		.collect()
}

fn exports(wasm: &[u8]) -> Vec<String> {
	let mut names = Vec::new();
	for payload in Parser::new(0).parse_all(wasm) {
		if let Payload::ExportSection(reader) = payload.expect("output parses") {
			names.extend(reader.into_iter().map(|e| e.expect("export parses").name.to_string()));
		}
	}
	names
}

fn memory_limits(wasm: &[u8]) -> (u64, Option<u64>) {
	for payload in Parser::new(0).parse_all(wasm) {
		if let Payload::ImportSection(reader) = payload.expect("output parses") {
			for import in reader {
				if let TypeRef::Memory(m) = import.expect("import parses").ty {
					return (m.initial, m.maximum);
				}
			}
		}
	}
	panic!("no memory import");
}

fn data_segments(wasm: &[u8]) -> Vec<Vec<u8>> {
	let mut segments = Vec::new();
	for payload in Parser::new(0).parse_all(wasm) {
		if let Payload::DataSection(reader) = payload.expect("output parses") {
			segments.extend(reader.into_iter().map(|d| d.expect("segment parses").data.to_vec()));
		}
	}
	segments
}

fn data_names(wasm: &[u8]) -> Vec<(u32, String)> {
	let mut names = Vec::new();
	for payload in Parser::new(0).parse_all(wasm) {
		if let Payload::CustomSection(c) = payload.expect("output parses") {
			if let KnownCustom::Name(reader) = c.as_known() {
				for name in reader {
					if let Name::Data(map) = name.expect("name subsection parses") {
						for naming in map {
							let naming = naming.expect("naming parses");
							names.push((naming.index, naming.name.to_string()));
						}
					}
				}
			}
		}
	}
	names
}

#[test]
fn only_call_and_deploy_are_exported() {
	let out = post_process(&contract()).expect("contract post-processes");
	assert_eq!(exports(&out.wasm), ["deploy", "call"]);
	assert_eq!(exports(&out.debug_wasm), ["deploy", "call"]);
	assert_eq!(out.report.dropped_exports, ["__heap_base", "__data_end"]);
}

#[test]
fn memory_maximum_is_set_and_initial_kept() {
	for memory in ["2", "2 100", "16"] {
		let input = module(memory, r#"(func (export "call")) (func (export "deploy"))"#);
		let out = post_process(&input).expect("contract post-processes");
		let initial = memory.split(' ').next().unwrap().parse::<u64>().unwrap();
		assert_eq!(memory_limits(&out.wasm), (initial, Some(MAX_MEMORY_PAGES)), "{memory}");
		assert_eq!(memory_limits(&out.debug_wasm), (initial, Some(MAX_MEMORY_PAGES)));
	}
	let input = module("17", r#"(func (export "call")) (func (export "deploy"))"#);
	let err = post_process(&input).unwrap_err();
	assert_eq!(err, Error::MemoryTooLarge { initial: 17, maximum: 16 });
	assert!(err.to_string().contains("-zstack-size"), "{err}");
}

#[test]
fn trailing_zeros_are_trimmed_and_empty_segments_dropped() {
	let out = post_process(&contract()).expect("contract post-processes");
	assert_eq!(data_segments(&out.wasm), [b"abc".to_vec(), b"\0x".to_vec()]);
	assert_eq!(data_segments(&out.debug_wasm), data_segments(&out.wasm));
	assert_eq!((out.report.data_segments_before, out.report.data_segments_after), (3, 2));
	assert_eq!(out.report.data_bytes_trimmed, 3 + 4 + 1);
	// The name section follows: `$tail` is now segment 1.
	assert_eq!(
		data_names(&contract()),
		[(0, "rodata".into()), (1, "bss".into()), (2, "tail".into())]
	);
	assert_eq!(data_names(&out.wasm), [(0, "rodata".into()), (1, "tail".into())]);
}

#[test]
fn zeros_that_overwrite_earlier_data_stay() {
	let input = module(
		"1",
		r#"(func (export "call")) (func (export "deploy"))
		(data (i32.const 0) "abcdef")
		(data (i32.const 2) "\00\00\00\00\00\00")"#,
	);
	let out = post_process(&input).expect("contract post-processes");
	// Bytes 2..6 were written by the first segment; the second must still clear them.
	assert_eq!(data_segments(&out.wasm), [b"abcdef".to_vec(), vec![0; 4]]);
}

#[test]
fn custom_sections_split_between_outputs() {
	let out = post_process(&contract()).expect("contract post-processes");
	assert_eq!(custom_names(&out.wasm), ["name"]);
	assert_eq!(custom_names(&out.debug_wasm), ["name", ".debug_info", ".debug_line"]);
	assert_eq!(out.report.dropped_custom, ["producers", "target_features"]);
	assert_eq!(out.report.debug_only_custom, [".debug_info", ".debug_line"]);
}

#[test]
fn code_section_is_byte_identical_in_both_outputs_and_input() {
	let input = contract();
	let out = post_process(&input).expect("contract post-processes");
	let code = code_section(&input).unwrap().expect("input has code");
	assert_eq!(code_section(&out.wasm).unwrap(), Some(code));
	assert_eq!(code_section(&out.debug_wasm).unwrap(), Some(code));
}

#[test]
fn outputs_are_valid_mvp_and_report_imports() {
	let out = post_process(&contract()).expect("contract post-processes");
	let features = WasmFeatures::WASM1 | WasmFeatures::SIGN_EXTENSION;
	for wasm in [&out.wasm, &out.debug_wasm] {
		Validator::new_with_features(features).validate_all(wasm).expect("output validates");
	}
	assert_eq!(out.report.imported_functions, ["seal0.seal_input"]);
	assert_eq!(out.report.wasm_size, out.wasm.len());
	assert!(out.report.to_string().contains("dropped __heap_base, __data_end"));
}

#[test]
fn post_processing_is_idempotent() {
	let once = post_process(&contract()).expect("contract post-processes");
	let twice = post_process(&once.wasm).expect("output post-processes");
	assert_eq!(twice.wasm, once.wasm);
}

#[test]
fn start_function_is_rejected() {
	let input = module(
		"1",
		r#"(func $init) (start $init) (func (export "call")) (func (export "deploy"))"#,
	);
	let err = post_process(&input).unwrap_err();
	assert_eq!(err, Error::StartFunction { func: 1 });
	assert!(err.to_string().contains("wasm32v1-none"), "{err}");
}

#[test]
fn missing_entry_points_are_rejected() {
	let input = module("1", r#"(func (export "call"))"#);
	assert_eq!(post_process(&input).unwrap_err(), Error::MissingExport("deploy"));
	let input = module("1", r#"(func)"#);
	assert_eq!(post_process(&input).unwrap_err(), Error::MissingExport("call"));
	let input =
		module("1", r#"(global (export "call") i32 (i32.const 0)) (func (export "deploy"))"#);
	assert_eq!(post_process(&input).unwrap_err(), Error::ExportNotAFunction("call"));
}

#[test]
fn memory_must_be_imported_as_env_memory() {
	let entry = r#"(func (export "call")) (func (export "deploy"))"#;
	let none = wat::parse_str(format!("(module {entry})")).unwrap();
	assert_eq!(post_process(&none).unwrap_err(), Error::MissingMemoryImport);
	let defined = wat::parse_str(format!("(module (memory 1) {entry})")).unwrap();
	assert_eq!(post_process(&defined).unwrap_err(), Error::DefinedMemory);
	let renamed =
		wat::parse_str(format!(r#"(module (import "env" "mem" (memory 1)) {entry})"#)).unwrap();
	let err = post_process(&renamed).unwrap_err();
	assert_eq!(err, Error::UnexpectedMemoryImport { import: "env.mem".into() });
}

#[test]
fn garbage_is_a_parse_error() {
	assert!(matches!(post_process(b"not wasm"), Err(Error::Parse(_))));
}
