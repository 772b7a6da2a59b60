//! Source-level contract traps: where in a contract's Rust source it failed.
//!
//! A contract built with DWARF line tables (a `.debug.wasm`) carries `.debug_*` custom
//! sections whose addresses are offsets into the code section. The chain stores the code
//! without them ([`strip_debug_sections`]; the code section is untouched, so the addresses stay
//! valid) and the node keeps them off-chain in a [`DebugInfoStore`] keyed by the stripped
//! code's hash. When a contract traps, the sandbox reports module offsets of the frames and the
//! contracts pallet asks the host, through the `contract_debug` runtime interface, to turn them
//! into [`SourceFrame`]s.
//!
//! The same interface carries trap events out of a dispatch that fails: FRAME rolls back the
//! events of a failed extrinsic, so the pallet also records them host-side and deposits the
//! records of failed dispatches when the block finalises.
//!
//! Traces ([`trace`]) take the same road: when the node registers a [`TraceExt`], the pallet
//! records the call tree of every top-level call and submits it at the end.
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
}

impl SourceFrame {
	/// Whether the frame is in the Rust standard library or a dependency rather than the
	/// contract's own code: paths under the toolchain (`/rustc/...`, `.../lib/rustlib/...`) or
	/// the cargo registry (`/cargo/...`, `.cargo/registry`, `.cargo/git`).
	pub fn is_dependency(&self) -> bool {
		let Some(file) = self.file.as_deref() else { return true };
		file.starts_with("/rustc/")
			|| file.starts_with("/cargo/")
			|| file.contains("/.cargo/registry/")
			|| file.contains("/.cargo/git/")
			|| file.contains("/lib/rustlib/")
	}
}

impl core::fmt::Display for SourceFrame {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "{}", self.function.as_deref().unwrap_or("<unknown>"))?;
		if let Some(file) = &self.file {
			write!(f, " at {file}")?;
			if let Some(line) = self.line {
				write!(f, ":{line}")?;
				if let Some(column) = self.column {
					write!(f, ":{column}")?;
				}
			}
		}
		Ok(())
	}
}

/// The innermost frame in the contract's own code: where a developer should look.
pub fn user_frame(frames: &[SourceFrame]) -> Option<&SourceFrame> {
	frames.iter().find(|f| !f.is_dependency() && f.line.is_some())
}

/// `module` without its `.debug_*` custom sections, or `None` if it has none (or is not a
/// well-formed sequence of sections: validating it is someone else's job).
///
/// Everything else, the code section included, is copied byte for byte.
pub fn strip_debug_sections(module: &[u8]) -> Option<Vec<u8>> {
	const HEADER: usize = 8;
	if module.len() < HEADER || &module[..4] != b"\0asm" {
		return None;
	}
	let mut out = module[..HEADER].to_vec();
	let mut pos = HEADER;
	let mut stripped = false;
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
			stripped = true;
		} else {
			out.extend_from_slice(&module[start..end]);
		}
		pos = end;
	}
	stripped.then_some(out)
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
	fn stripping_the_debug_twin_gives_the_deployable_module_back() {
		for name in ["flipper", "erc20", "trapper"] {
			let deployable = std::fs::read(format!("{FIXTURES}/{name}.wasm")).unwrap();
			let debug = std::fs::read(format!("{FIXTURES}/{name}.debug.wasm")).unwrap();
			assert_eq!(strip_debug_sections(&debug).as_deref(), Some(&deployable[..]), "{name}");
			assert_eq!(strip_debug_sections(&deployable), None, "{name}: nothing to strip");
		}
		assert_eq!(strip_debug_sections(b"\0asm\x01\0\0\0\x00\xff"), None);
		assert_eq!(strip_debug_sections(b"junk"), None);
	}
}
