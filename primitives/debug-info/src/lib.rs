//! Source-level contract traps: where in a contract's Rust source it failed.
//!
//! A contract built with DWARF line tables (a `.debug.wasm`) carries `.debug_*` custom
//! sections whose addresses are offsets into the code section. The chain stores the code
//! without them and the sections beside it ([`split_debug_sections`], [`DwarfSections`]; the
//! code section is untouched, so the addresses stay valid). When a contract traps, the sandbox
//! reports module offsets of the frames and the contracts pallet passes them with the chain's
//! DWARF to the host, through the `contract_debug` runtime interface, to turn them into
//! [`SourceFrame`]s: a pure function of its arguments, so every node computes the same trap
//! events.
//!
//! Off chain, the node's [`DebugInfoStore`] keeps the debug builds it has seen, keyed by the
//! stripped code's hash, for the trace RPCs, which symbolicate when they render.
//!
//! Traces ([`trace`]) take the same interface: when the node registers a [`TraceExt`], the
//! pallet records the call tree of every top-level call and submits it at the end.
//!
//! Faces, like `sp-sandbox`: the runtime sees [`contract_debug`] and the shared types; the host
//! side (DWARF, store, extension) exists wherever the interface's host face does.

#![cfg_attr(substrate_runtime, no_std)]

extern crate alloc;

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode};

mod interface;
pub mod trace;
pub use interface::contract_debug;

#[cfg(not(substrate_runtime))]
pub use interface::contract_debug::HostFunctions;

#[cfg(not(substrate_runtime))]
mod checked_arithmetic;
#[cfg(not(substrate_runtime))]
mod collector;
#[cfg(not(substrate_runtime))]
mod dwarf;
#[cfg(not(substrate_runtime))]
mod store;

#[cfg(not(substrate_runtime))]
pub use collector::{TraceCollector, TraceExt};
#[cfg(not(substrate_runtime))]
pub use dwarf::{DebugInfo, Error};
#[cfg(not(substrate_runtime))]
pub use store::{DebugInfoExt, DebugInfoStore, Limits};

/// One source frame of a trap backtrace.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SourceFrame {
	/// The demangled function name, if DWARF names it.
	pub function: Option<String>,
	/// The source file, as recorded at build time (remapped paths stay remapped).
	pub file: Option<String>,
	pub line: Option<u32>,
	pub column: Option<u32>,
	/// Whether this frame was inlined into the next one.
	pub inlined: bool,
	/// Whether the frame's function is the contract's own code rather than the standard library
	/// or a dependency: its crate is the one the DWARF says defines the contract's entry points
	/// (where the DWARF does not say, whether its file is outside the toolchain and registry).
	pub in_contract: bool,
}

impl SourceFrame {
	/// Whether the frame is in the Rust standard library or a dependency rather than the
	/// contract's own code.
	pub fn is_dependency(&self) -> bool {
		!self.in_contract
	}
}

/// Whether `file` is, by the usual paths, in the Rust toolchain (`/rustc/...`,
/// `.../lib/rustlib/...`) or a cargo registry (`/cargo/...`, `.cargo/registry`, `.cargo/git`):
/// the guess for DWARF that does not name the contract's crate.
#[cfg(not(substrate_runtime))]
pub(crate) fn is_toolchain_or_registry(file: &str) -> bool {
	file.starts_with("/rustc/")
		|| file.starts_with("/cargo/")
		|| file.contains("/.cargo/registry/")
		|| file.contains("/.cargo/git/")
		|| file.contains("/lib/rustlib/")
}

/// A place in the source as Callisto writes it everywhere it shows one (the pallet's log, the
/// trace RPC's consumers, `callisto trace`): `file:line:column in function`, each part as far as
/// known. One writer, so the same trap reads the same wherever a developer meets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SourcePosition<'a> {
	pub file: Option<&'a str>,
	pub line: Option<u32>,
	pub column: Option<u32>,
	pub function: Option<&'a str>,
}

impl core::fmt::Display for SourcePosition<'_> {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		let mut wrote = false;
		if let Some(file) = self.file {
			write!(f, "{file}")?;
			if let Some(line) = self.line {
				write!(f, ":{line}")?;
				if let Some(column) = self.column {
					write!(f, ":{column}")?;
				}
			}
			wrote = true;
		}
		if let Some(function) = self.function {
			write!(f, "{}in {function}", if wrote { " " } else { "" })?;
			wrote = true;
		}
		if !wrote {
			write!(f, "<unknown>")?;
		}
		Ok(())
	}
}

impl<'a> SourcePosition<'a> {
	/// The position of a frame whose parts are each known or not, as frames of every shape keep
	/// them (`SourceFrame`, the trace RPC's JSON).
	pub fn of(
		file: &'a Option<String>,
		line: Option<u32>,
		column: Option<u32>,
		function: &'a Option<String>,
	) -> Self {
		Self { file: file.as_deref(), line, column, function: function.as_deref() }
	}
}

impl SourceFrame {
	/// Where the frame is, for display.
	pub fn position(&self) -> SourcePosition<'_> {
		SourcePosition::of(&self.file, self.line, self.column, &self.function)
	}
}

impl core::fmt::Display for SourceFrame {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		self.position().fmt(f)
	}
}

/// The innermost frame in the contract's own code: where a developer should look.
pub fn user_frame(frames: &[SourceFrame]) -> Option<&SourceFrame> {
	frames.iter().find(|f| f.in_contract && f.line.is_some())
}

/// What a panic without a message was checking, read from the contract's code where it called
/// the standard library's panic function (see `DebugInfo::checked_arithmetic`): builds without
/// `ink-debug` print no message, and their panic functions are folded into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub enum CheckedArithmetic {
	/// An add, sub, mul or shift overflowed.
	Overflow,
	/// A division or remainder by zero.
	DivisionByZero,
}

/// Whether `function` (a demangled name) is one of the standard library's generic panic
/// functions, which a build without `ink-debug` folds into one copy under any one of their names
/// (`panic`, `panic_fmt`, `panic_const::panic_const_add_overflow`, ...): its name does not say
/// which check failed, only the code at the contract's call into it does
/// ([`CheckedArithmetic`]). A bounds check or a failed `assert_eq!` keeps a function of its own.
pub fn is_folded_panic_function(function: &str) -> bool {
	function == "core::panicking::panic"
		|| function == "core::panicking::panic_fmt"
		|| function.starts_with("core::panicking::panic_const::")
}

/// The DWARF of a debug build as the chain keeps it, beside the stripped code: the `.debug_*`
/// custom sections (as a Wasm module of nothing else, so any Wasm reader finds them) and where
/// the code section's contents lie in the stripped module, which is what DWARF addresses and
/// the sandbox's trap offsets are relative to.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, scale_info::TypeInfo)]
pub struct DwarfSections {
	/// Offset of the code section's contents in the stripped module.
	pub code_start: u32,
	/// End of the code section's contents in the stripped module.
	pub code_end: u32,
	/// The Wasm header followed by the debug build's `.debug_*` custom sections, in order.
	pub sections: Vec<u8>,
}

/// `module` without its `.debug_*` custom sections, or `None` if it has none (or is not a
/// well-formed sequence of sections: validating it is someone else's job).
///
/// Everything else, the code section included, is copied byte for byte.
pub fn strip_debug_sections(module: &[u8]) -> Option<Vec<u8>> {
	split_debug_sections(module).map(|(code, _)| code)
}

/// `module` split into the code without its `.debug_*` custom sections and those sections, or
/// `None` if it has none (or is not a well-formed sequence of sections).
///
/// The code is what [`strip_debug_sections`] returns; the sections keep the code section's place
/// in it, so they are enough to symbolicate offsets into it.
pub fn split_debug_sections(module: &[u8]) -> Option<(Vec<u8>, DwarfSections)> {
	const HEADER: usize = 8;
	const CODE_SECTION: u8 = 10;
	if module.len() < HEADER || &module[..4] != b"\0asm" {
		return None;
	}
	let mut code = module[..HEADER].to_vec();
	let mut sections = module[..HEADER].to_vec();
	let mut code_range = (0u32, 0u32);
	let mut pos = HEADER;
	while pos < module.len() {
		let start = pos;
		let id = module[pos];
		pos += 1;
		let (len, read) = read_leb_u32(module.get(pos..)?)?;
		pos += read;
		let end = pos.checked_add(len as usize).filter(|end| *end <= module.len())?;
		let is_debug = id == 0 && {
			let (name_len, read) = read_leb_u32(module.get(pos..end)?)?;
			let name_start = pos + read;
			module
				.get(name_start..name_start.checked_add(name_len as usize)?)
				.is_some_and(|name| name.starts_with(b".debug_"))
		};
		if is_debug {
			sections.extend_from_slice(&module[start..end]);
		} else {
			if id == CODE_SECTION {
				let contents = code.len() + (pos - start);
				code_range =
					(u32::try_from(contents).ok()?, u32::try_from(contents + len as usize).ok()?);
			}
			code.extend_from_slice(&module[start..end]);
		}
		pos = end;
	}
	(sections.len() > HEADER).then_some((
		code,
		DwarfSections { code_start: code_range.0, code_end: code_range.1, sections },
	))
}

/// An unsigned LEB128 `u32` and the number of bytes it took.
fn read_leb_u32(bytes: &[u8]) -> Option<(u32, usize)> {
	let mut value: u64 = 0;
	for (i, byte) in bytes.iter().take(5).enumerate() {
		value |= u64::from(byte & 0x7f) << (7 * i);
		if byte & 0x80 == 0 {
			return u32::try_from(value).ok().map(|v| (v, i + 1));
		}
	}
	None
}

#[cfg(test)]
mod tests {
	use super::*;

	const FIXTURES: &str =
		concat!(env!("CARGO_MANIFEST_DIR"), "/../../pallets/contracts/fixtures/build");

	#[test]
	fn source_positions_read_the_same_as_far_as_known() {
		let full = SourcePosition {
			file: Some("/src/lib.rs"),
			line: Some(70),
			column: Some(13),
			function: Some("divide"),
		};
		assert_eq!(full.to_string(), "/src/lib.rs:70:13 in divide");
		let no_column = SourcePosition { column: None, ..full };
		assert_eq!(no_column.to_string(), "/src/lib.rs:70 in divide");
		// A column without a line says nothing.
		assert_eq!(SourcePosition { line: None, ..full }.to_string(), "/src/lib.rs in divide");
		assert_eq!(SourcePosition { file: None, ..full }.to_string(), "in divide");
		assert_eq!(SourcePosition::default().to_string(), "<unknown>");
		let frame = SourceFrame {
			function: Some("divide".into()),
			file: Some("/src/lib.rs".into()),
			line: Some(70),
			column: Some(13),
			inlined: false,
			in_contract: true,
		};
		assert_eq!(frame.to_string(), full.to_string());
	}

	#[test]
	fn stripping_the_debug_twin_gives_the_deployable_module_back() {
		for name in ["flipper", "erc20", "trapper"] {
			let deployable = std::fs::read(format!("{FIXTURES}/{name}.wasm")).unwrap();
			let debug = std::fs::read(format!("{FIXTURES}/{name}.debug.wasm")).unwrap();
			assert_eq!(strip_debug_sections(&debug).as_deref(), Some(&deployable[..]), "{name}");
			assert_eq!(strip_debug_sections(&deployable), None, "{name}: nothing to strip");
			let (code, dwarf) = split_debug_sections(&debug).unwrap();
			assert_eq!(code, deployable, "{name}");
			assert_eq!(dwarf.sections.len() + deployable.len() - 8, debug.len(), "{name}");
			// The code section's contents, as wasmparser sees them in the deployable module.
			let code_section = wasmparser::Parser::new(0)
				.parse_all(&deployable)
				.find_map(|payload| match payload.unwrap() {
					wasmparser::Payload::CodeSectionStart { range, .. } => Some(range),
					_ => None,
				})
				.unwrap();
			assert_eq!(
				(dwarf.code_start as usize, dwarf.code_end as usize),
				(code_section.start, code_section.end),
				"{name}"
			);
		}
		assert_eq!(strip_debug_sections(b"\0asm\x01\0\0\0\x00\xff"), None);
		assert_eq!(strip_debug_sections(b"junk"), None);
	}
}
