//! The real ink! `trapper` fixture trapped in the real sandbox (wasmtime reports frames), and
//! its frames symbolicated from the DWARF of its debug twin: every trap must land on the
//! source line marked `// TRAP(<kind>)` in `pallets/contracts/fixtures/ink/trapper/lib.rs`.

use callisto_debug_info::{
	split_debug_sections, user_frame, CheckedArithmetic, DebugInfo, DwarfSections,
};
use sp_sandbox::{
	Backend, EnvironmentDefinitionBuilder, Error, HostError, Instance, Memory, ModuleCache,
	ReturnValue, SandboxExt, Value,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../pallets/contracts/fixtures");

/// What the fake host knows: the call's input and the memory.
struct Host {
	input: Vec<u8>,
	memory: Memory,
}

fn write_output(host: &Host, out_ptr: i32, out_len_ptr: i32, data: &[u8]) {
	host.memory.set(out_ptr as u32, data).unwrap();
	host.memory.set(out_len_ptr as u32, &(data.len() as u32).to_le_bytes()).unwrap();
}

fn input(host: &mut Host, args: &[Value]) -> Result<ReturnValue, HostError> {
	let [Value::I32(out), Value::I32(len)] = args else { return Err(HostError(1)) };
	let data = host.input.clone();
	write_output(host, *out, *len, &data);
	Ok(ReturnValue::Unit)
}

fn value_transferred(host: &mut Host, args: &[Value]) -> Result<ReturnValue, HostError> {
	let [Value::I32(out), Value::I32(len)] = args else { return Err(HostError(1)) };
	write_output(host, *out, *len, &[0; 16]);
	Ok(ReturnValue::Unit)
}

/// The contract's (empty) storage root exists and is empty.
fn get_storage(host: &mut Host, args: &[Value]) -> Result<ReturnValue, HostError> {
	let [_, _, Value::I32(out), Value::I32(len)] = args else { return Err(HostError(1)) };
	write_output(host, *out, *len, &[]);
	Ok(ReturnValue::Value(Value::I32(0)))
}

fn set_storage(_: &mut Host, _: &[Value]) -> Result<ReturnValue, HostError> {
	Ok(ReturnValue::Value(Value::I32(-1)))
}

fn debug_message(_: &mut Host, _: &[Value]) -> Result<ReturnValue, HostError> {
	Ok(ReturnValue::Value(Value::I32(0)))
}

fn seal_return(_: &mut Host, _: &[Value]) -> Result<ReturnValue, HostError> {
	Err(HostError(2))
}

/// Runs `call` of the trapper with `selector` on wasmtime; returns the trap's module offsets.
fn trap_frames(code: &[u8], selector: [u8; 4]) -> Vec<u32> {
	let mut ext = sp_io::TestExternalities::default();
	let cache = ModuleCache::new_shared(64 << 20).unwrap();
	ext.register_extension(SandboxExt::new(Backend::Wasmtime, cache));
	ext.execute_with(|| {
		let memory = Memory::new(2, Some(16)).unwrap();
		let mut env = EnvironmentDefinitionBuilder::new();
		env.add_memory("env", "memory", memory.clone());
		env.add_host_func("seal0", "input", input);
		env.add_host_func("seal0", "value_transferred", value_transferred);
		env.add_host_func("seal1", "get_storage", get_storage);
		env.add_host_func("seal2", "set_storage", set_storage);
		env.add_host_func("seal0", "debug_message", debug_message);
		env.add_host_func("seal0", "seal_return", seal_return);
		let mut instance = Instance::new(code, &env, &Default::default()).unwrap();
		instance.set_gas_left(1_000_000_000);
		let mut host = Host { input: selector.to_vec(), memory };
		match instance.invoke("call", &[], &mut host) {
			Err(Error::Trap(trap)) => trap.frames,
			other => panic!("selector {selector:02x?} did not trap: {other:?}"),
		}
	})
}

fn selector(metadata: &serde_json::Value, label: &str) -> [u8; 4] {
	let messages = metadata["spec"]["messages"].as_array().unwrap();
	let message = messages.iter().find(|m| m["label"] == label).unwrap();
	let hex = message["selector"].as_str().unwrap().trim_start_matches("0x");
	let bytes: Vec<u8> =
		(0..4).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
	bytes.try_into().unwrap()
}

/// The line marked `// TRAP(<kind>)` in the trapper's source.
fn marked_line(source: &str, kind: &str) -> u32 {
	let marker = format!("// TRAP({kind})");
	source.lines().position(|l| l.contains(&marker)).expect("marker present") as u32 + 1
}

/// Every trap of the trapper, symbolicated with `info`, lands on its marked line in the file
/// `source_path` (as the DWARF names it).
fn assert_every_trap_lands_on_its_marked_line(info: &DebugInfo, source_path: &str) {
	assert_every_trap_of_lands_on_its_marked_line("trapper", info, source_path)
}

/// The same for the build `fixture` of the trapper (`trapper` or one of its variants).
fn assert_every_trap_of_lands_on_its_marked_line(
	fixture: &str,
	info: &DebugInfo,
	source_path: &str,
) {
	let code = std::fs::read(format!("{FIXTURES}/build/{fixture}.wasm")).unwrap();
	let source = std::fs::read_to_string(format!("{FIXTURES}/ink/trapper/lib.rs")).unwrap();
	let metadata: serde_json::Value =
		serde_json::from_slice(&std::fs::read(format!("{FIXTURES}/build/trapper.json")).unwrap())
			.unwrap();
	for (message, kind) in [
		("panic", "panic"),
		("assert", "assert"),
		("overflow", "overflow"),
		("index_out_of_bounds", "index"),
		("divide_by_zero", "divide"),
		("unreachable", "unreachable"),
	] {
		// The deployable module and its debug twin share the code section, so frames of the
		// former symbolicate with the DWARF of the latter.
		let frames = trap_frames(&code, selector(&metadata, message));
		assert!(!frames.is_empty(), "{message}: wasmtime reported no frames");
		let source_frames = info.symbolicate_backtrace(&frames);
		let user = user_frame(&source_frames)
			.unwrap_or_else(|| panic!("{message}: no frame in the contract: {source_frames:#?}"));
		assert_eq!(
			(user.file.as_deref(), user.line),
			(Some(source_path), Some(marked_line(&source, kind))),
			"{message}: {source_frames:#?}"
		);
		// Frames of ink! and the standard library are there, and are not the contract's.
		assert!(
			source_frames.iter().any(|f| f.is_dependency() && f.function.is_some()),
			"{message}: {source_frames:#?}"
		);
	}
}

#[test]
fn every_trap_of_the_trapper_lands_on_its_marked_line() {
	let debug = std::fs::read(format!("{FIXTURES}/build/trapper.debug.wasm")).unwrap();
	let info = DebugInfo::from_wasm(&debug).unwrap();
	assert_eq!(info.contract_crate(), Some("trapper"));
	assert_every_trap_lands_on_its_marked_line(
		&info,
		"/callisto/pallets/contracts/fixtures/ink/trapper/lib.rs",
	);
}

/// The trapper's DWARF as a build with other path remappings writes it: every `from` in the
/// `.debug_*` sections replaced by `to` (same length, so every offset stays valid).
fn remapped(pairs: &[(&str, &str)]) -> DwarfSections {
	let debug = std::fs::read(format!("{FIXTURES}/build/trapper.debug.wasm")).unwrap();
	let (_, mut dwarf) = split_debug_sections(&debug).unwrap();
	for (from, to) in pairs {
		assert_eq!(from.len(), to.len());
		let (from, to) = (from.as_bytes(), to.as_bytes());
		let mut replaced = 0;
		let mut i = 0;
		while i + from.len() <= dwarf.sections.len() {
			if &dwarf.sections[i..i + from.len()] == from {
				dwarf.sections[i..i + from.len()].copy_from_slice(to);
				replaced += 1;
				i += from.len();
			} else {
				i += 1;
			}
		}
		assert!(replaced > 0, "{from:?} is in the DWARF");
	}
	dwarf
}

#[test]
fn traps_land_on_the_contract_line_whatever_the_paths_of_its_dependencies() {
	// The registry remapped to a name no convention knows (`--remap-path-prefix=$CARGO_HOME=/vendr`,
	// as a plain cargo build with its own remapping writes it), the toolchain too, and the
	// contract's own sources under a registry-like path: "the contract's own code" comes from
	// the DWARF's namespaces, not from where files were.
	let cases: [(&[(&str, &str)], &str); 3] = [
		(&[("/cargo/", "/vendr/")], "/callisto/pallets/contracts/fixtures/ink/trapper/lib.rs"),
		(
			&[("/cargo/", "/vendr/"), ("/rustc/", "/tools/")],
			"/callisto/pallets/contracts/fixtures/ink/trapper/lib.rs",
		),
		(
			&[("/callisto/", "/cargo/xy/")],
			"/cargo/xy/pallets/contracts/fixtures/ink/trapper/lib.rs",
		),
	];
	for (pairs, source_path) in cases {
		let dwarf = remapped(pairs);
		let info = DebugInfo::from_sections(&dwarf).unwrap();
		assert_eq!(info.contract_crate(), Some("trapper"), "{pairs:?}");
		assert_every_trap_lands_on_its_marked_line(&info, source_path);
	}
}

/// The trapper as other machines really build it (scripts/build-fixtures.sh): its registry and
/// toolchain under names no path rule knows, and the official Rust image's `/usr/local/cargo`.
#[test]
fn traps_of_builds_from_other_machines_land_on_the_contract_line() {
	for (fixture, source_path) in [
		("trapper-vendored", "/callisto/pallets/contracts/fixtures/ink/trapper/lib.rs"),
		("trapper-usrlocal", "/usr/src/callisto/pallets/contracts/fixtures/ink/trapper/lib.rs"),
	] {
		let debug = std::fs::read(format!("{FIXTURES}/build/{fixture}.debug.wasm")).unwrap();
		let info = DebugInfo::from_wasm(&debug).unwrap();
		assert_eq!(info.contract_crate(), Some("trapper"), "{fixture}");
		assert_every_trap_of_lands_on_its_marked_line(fixture, &info, source_path);
	}
}

/// A release build without `ink-debug`: the panic handler ignores its message, so
/// `panic!("…")` in `panic` and `unreachable!("…")` in `unreachable` compile to the same
/// instructions and LLVM keeps one copy. Both messages run that copy, so no debug info can tell
/// them apart: both land on the line of the copy kept. Every other trap has its own code and
/// lands on its own line.
#[test]
fn traps_of_a_build_without_ink_debug_land_on_the_contract_line() {
	let debug = std::fs::read(format!("{FIXTURES}/build/trapper-release.debug.wasm")).unwrap();
	let info = DebugInfo::from_wasm(&debug).unwrap();
	assert_eq!(info.contract_crate(), Some("trapper"));
	let code = std::fs::read(format!("{FIXTURES}/build/trapper-release.wasm")).unwrap();
	let source = std::fs::read_to_string(format!("{FIXTURES}/ink/trapper/lib.rs")).unwrap();
	let metadata: serde_json::Value =
		serde_json::from_slice(&std::fs::read(format!("{FIXTURES}/build/trapper.json")).unwrap())
			.unwrap();
	let located = |message: &str| {
		let frames = trap_frames(&code, selector(&metadata, message));
		let source_frames = info.symbolicate_backtrace(&frames);
		let user = user_frame(&source_frames)
			.unwrap_or_else(|| panic!("{message}: no frame in the contract: {source_frames:#?}"));
		assert_eq!(
			user.file.as_deref(),
			Some("/callisto/pallets/contracts/fixtures/ink/trapper/lib.rs")
		);
		(frames, user.line.unwrap())
	};
	for (message, kind) in [
		("assert", "assert"),
		("overflow", "overflow"),
		("index_out_of_bounds", "index"),
		("divide_by_zero", "divide"),
	] {
		assert_eq!(located(message).1, marked_line(&source, kind), "{message}");
	}
	let (panic_frames, panic_line) = located("panic");
	let (unreachable_frames, unreachable_line) = located("unreachable");
	assert_eq!(panic_frames, unreachable_frames, "the two messages run the same code");
	assert_eq!(panic_line, unreachable_line);
	assert!(
		[marked_line(&source, "panic"), marked_line(&source, "unreachable")].contains(&panic_line),
		"{panic_line}"
	);
}

/// The same build: the panic functions are folded, so only the code at the contract's call into
/// them says what the check was. An overflow and a division by zero say so; a failed assert, an
/// explicit panic, `unreachable!` and a bounds check (which has its own panic function) do not.
#[test]
fn the_checks_of_a_build_without_ink_debug_name_overflow_and_division() {
	let debug = std::fs::read(format!("{FIXTURES}/build/trapper-release.debug.wasm")).unwrap();
	let info = DebugInfo::from_wasm(&debug).unwrap();
	let code = std::fs::read(format!("{FIXTURES}/build/trapper-release.wasm")).unwrap();
	let metadata: serde_json::Value =
		serde_json::from_slice(&std::fs::read(format!("{FIXTURES}/build/trapper.json")).unwrap())
			.unwrap();
	for (message, check) in [
		("overflow", Some(CheckedArithmetic::Overflow)),
		("divide_by_zero", Some(CheckedArithmetic::DivisionByZero)),
		("assert", None),
		("panic", None),
		("unreachable", None),
		("index_out_of_bounds", None),
	] {
		let frames = trap_frames(&code, selector(&metadata, message));
		assert_eq!(info.checked_arithmetic(&code, &frames), check, "{message}");
	}
	// Offsets outside any panic, or none at all, say nothing.
	assert_eq!(info.checked_arithmetic(&code, &[]), None);
	assert_eq!(info.checked_arithmetic(&code, &[u32::MAX]), None);
	assert_eq!(info.checked_arithmetic(b"not wasm", &[1, 2]), None);
}

/// The `arithmetic` fixture, a release build: each checked operation that traps reads as what
/// it checked, `u128` (ink!'s `Balance`) included; panics with no arithmetic at the call, and a
/// call whose position holds two kinds of check, read as nothing. Every trap is located on its
/// marked line.
#[test]
fn checked_arithmetic_of_a_release_build_names_what_was_checked() {
	use CheckedArithmetic::{DivisionByZero, Overflow};
	let debug = std::fs::read(format!("{FIXTURES}/build/arithmetic.debug.wasm")).unwrap();
	let info = DebugInfo::from_wasm(&debug).unwrap();
	let code = std::fs::read(format!("{FIXTURES}/build/arithmetic.wasm")).unwrap();
	let source = std::fs::read_to_string(format!("{FIXTURES}/ink/arithmetic/lib.rs")).unwrap();
	let metadata: serde_json::Value = serde_json::from_slice(
		&std::fs::read(format!("{FIXTURES}/build/arithmetic.json")).unwrap(),
	)
	.unwrap();
	for (message, check) in [
		("add_u128", Some(Overflow)),
		("mul_u128", Some(Overflow)),
		("div_u128", Some(DivisionByZero)),
		("rem_u64", Some(DivisionByZero)),
		("sub_u64", Some(Overflow)),
		("div_i32", Some(DivisionByZero)),
		("mul_i32", Some(Overflow)),
		("shl_u32", Some(Overflow)),
		("assert_plain", None),
		("unwrap_none", None),
		("divide_then_add", None),
	] {
		let frames = trap_frames(&code, selector(&metadata, message));
		assert_eq!(info.checked_arithmetic(&code, &frames), check, "{message}");
		let source_frames = info.symbolicate_backtrace(&frames);
		let user = user_frame(&source_frames).expect("a frame in the contract");
		assert_eq!(user.line, Some(marked_line(&source, message)), "{message}");
	}
}

#[test]
fn every_fixture_names_its_own_crate() {
	for name in ["flipper", "erc20", "caller", "events", "trapper", "bench", "arithmetic"] {
		let debug = std::fs::read(format!("{FIXTURES}/build/{name}.debug.wasm")).unwrap();
		let info = DebugInfo::from_wasm(&debug).unwrap();
		assert_eq!(info.contract_crate(), Some(name));
	}
}

#[test]
fn a_module_without_dwarf_is_a_clear_error() {
	let code = std::fs::read(format!("{FIXTURES}/build/trapper.wasm")).unwrap();
	let error = DebugInfo::from_wasm(&code).err().unwrap();
	assert_eq!(error, callisto_debug_info::Error::NoDebugInfo);
	assert!(error.to_string().contains("line tables"));
	assert!(matches!(
		DebugInfo::from_wasm(b"nope"),
		Err(callisto_debug_info::Error::InvalidModule(_))
	));
}
