//! The DWARF of a contract's debug build, decoded.
//!
//! The sandbox reports trap frames as offsets into the module; [`DebugInfo::symbolicate`]
//! turns one into Rust frames, innermost first, inlined frames included.

use crate::SourceFrame;
use addr2line::Context;
use gimli::{EndianArcSlice, LittleEndian, SectionId};
use std::{collections::HashMap, fmt, sync::Arc};

type Reader = EndianArcSlice<LittleEndian>;

/// Why debug info could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
	/// The bytes are not a Wasm module.
	InvalidModule(String),
	/// The module has no code section.
	NoCode,
	/// The module has no `.debug_info` / `.debug_line` sections.
	NoDebugInfo,
	/// The DWARF is malformed.
	InvalidDwarf(String),
}

impl fmt::Display for Error {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Error::InvalidModule(e) => write!(f, "not a valid Wasm module: {e}"),
			Error::NoCode => write!(f, "the module has no code section"),
			Error::NoDebugInfo => write!(
				f,
				"the module has no DWARF (.debug_info/.debug_line); build it with debug line tables"
			),
			Error::InvalidDwarf(e) => write!(f, "the module's DWARF is malformed: {e}"),
		}
	}
}

impl std::error::Error for Error {}

/// The decoded debug info of one contract.
pub struct DebugInfo {
	context: Context<Reader>,
	/// Offset of the code section's contents in the module.
	code_start: u32,
	code_end: u32,
}

impl DebugInfo {
	/// Reads the DWARF of a module (a contract's `.debug.wasm`).
	pub fn from_wasm(module: &[u8]) -> Result<Self, Error> {
		let mut sections: HashMap<String, Arc<[u8]>> = HashMap::new();
		let mut code = None;
		for payload in wasmparser::Parser::new(0).parse_all(module) {
			match payload.map_err(|e| Error::InvalidModule(e.to_string()))? {
				wasmparser::Payload::CodeSectionStart { range, .. } => {
					code = Some((range.start as u32, range.end as u32));
				}
				wasmparser::Payload::CustomSection(reader)
					if reader.name().starts_with(".debug_") =>
				{
					sections.insert(reader.name().to_string(), Arc::from(reader.data()));
				}
				_ => {}
			}
		}
		let (code_start, code_end) = code.ok_or(Error::NoCode)?;
		if !sections.contains_key(".debug_info") || !sections.contains_key(".debug_line") {
			return Err(Error::NoDebugInfo);
		}
		let empty: Arc<[u8]> = Arc::from(&[][..]);
		let dwarf = gimli::Dwarf::load(|id: SectionId| -> Result<Reader, gimli::Error> {
			let data = sections.get(id.name()).cloned().unwrap_or_else(|| empty.clone());
			Ok(EndianArcSlice::new(data, LittleEndian))
		})
		.map_err(|e| Error::InvalidDwarf(e.to_string()))?;
		let context = Context::from_dwarf(dwarf).map_err(|e| Error::InvalidDwarf(e.to_string()))?;
		Ok(Self { context, code_start, code_end })
	}

	/// The source frames at `module_offset` (an offset into the whole module, as the sandbox
	/// reports trap frames), innermost first. Empty if the offset is outside the code or DWARF
	/// knows nothing about it.
	pub fn symbolicate(&self, module_offset: u32) -> Vec<SourceFrame> {
		if module_offset < self.code_start || module_offset >= self.code_end {
			return Vec::new();
		}
		let address = u64::from(module_offset - self.code_start);
		let Ok(mut iter) = self.context.find_frames(address).skip_all_loads() else {
			return Vec::new();
		};
		let mut frames = Vec::new();
		while let Ok(Some(frame)) = iter.next() {
			let function = frame
				.function
				.as_ref()
				.and_then(|name| name.demangle().ok())
				.map(|name| name.into_owned());
			let (file, line, column) = match frame.location {
				Some(loc) => (loc.file.map(str::to_string), loc.line, loc.column),
				None => (None, None, None),
			};
			frames.push(SourceFrame { function, file, line, column, inlined: true });
		}
		if let Some(outermost) = frames.last_mut() {
			outermost.inlined = false;
		}
		frames
	}

	/// The source frames of a whole backtrace (innermost frame's offset first).
	pub fn symbolicate_backtrace(&self, module_offsets: &[u32]) -> Vec<SourceFrame> {
		module_offsets.iter().flat_map(|offset| self.symbolicate(*offset)).collect()
	}
}
