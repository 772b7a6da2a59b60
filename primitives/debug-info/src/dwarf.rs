//! The DWARF of a contract's debug build, decoded.
//!
//! The sandbox reports trap frames as offsets into the module; [`DebugInfo::symbolicate`]
//! turns one into Rust frames, innermost first, inlined frames included.

use crate::{DwarfSections, SourceFrame};
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

/// The `.debug_*` sections of a Wasm module by name, and its code section's contents, if any.
type Sections = (HashMap<String, Arc<[u8]>>, Option<(u32, u32)>);

fn debug_sections(module: &[u8]) -> Result<Sections, Error> {
	let mut sections = HashMap::new();
	let mut code = None;
	for payload in wasmparser::Parser::new(0).parse_all(module) {
		match payload.map_err(|e| Error::InvalidModule(e.to_string()))? {
			wasmparser::Payload::CodeSectionStart { range, .. } => {
				code = Some((range.start as u32, range.end as u32));
			}
			wasmparser::Payload::CustomSection(reader) if reader.name().starts_with(".debug_") => {
				sections.insert(reader.name().to_string(), Arc::from(reader.data()));
			}
			_ => {}
		}
	}
	Ok((sections, code))
}

/// The contract's own crate, as its DWARF describes it.
struct ContractCrate {
	/// The crate's name.
	name: String,
	/// The directory of the crate's root source file (`lib.rs`), as the line tables name
	/// files: what is under it is the contract's own code.
	source_dir: String,
}

/// The crate whose compilation unit defines the contract's entry points: a subprogram named
/// `deploy` or `call` that is defined there (it has code) and unmangled (no linkage name), as
/// ink! exports them. rustc names a crate's units `<root source>/@/<crate>.<hash>-cgu.<n>`, in
/// line-tables-only builds too, with the root source relative to the unit's `DW_AT_comp_dir`
/// (or absolute); remapped paths are remapped alike in both and in the line tables.
fn contract_crate(dwarf: &gimli::Dwarf<Reader>) -> Option<ContractCrate> {
	let string = |unit: &gimli::Unit<Reader>, value: gimli::AttributeValue<Reader>| {
		let name = dwarf.attr_string(unit, value).ok()?;
		Some(gimli::Reader::to_string_lossy(&name).ok()?.into_owned())
	};
	let attr = |unit: &gimli::Unit<Reader>,
	            entry: &gimli::DebuggingInformationEntry<Reader>,
	            name: gimli::DwAt| { string(unit, entry.attr_value(name).ok()??) };
	let mut units = dwarf.units();
	while let Ok(Some(header)) = units.next() {
		let Ok(unit) = dwarf.unit(header) else { continue };
		let mut entries = unit.entries();
		let mut unit_names = None;
		while let Ok(Some((_, entry))) = entries.next_dfs() {
			if entry.tag() == gimli::DW_TAG_compile_unit {
				unit_names = Some((
					attr(&unit, entry, gimli::DW_AT_name),
					attr(&unit, entry, gimli::DW_AT_comp_dir),
				));
				continue;
			}
			let is_entry_point =
				entry.tag() == gimli::DW_TAG_subprogram
					&& matches!(
						attr(&unit, entry, gimli::DW_AT_name).as_deref(),
						Some("deploy" | "call")
					) && entry.attr(gimli::DW_AT_linkage_name).ok().flatten().is_none()
					&& entry.attr(gimli::DW_AT_low_pc).ok().flatten().is_some();
			if is_entry_point {
				let (Some(unit_name), comp_dir) = unit_names? else { return None };
				let (root_source, codegen_unit) = unit_name.rsplit_once("/@/")?;
				let name = codegen_unit.split('.').next().filter(|name| !name.is_empty())?;
				let root_source = match comp_dir {
					Some(dir) if !root_source.starts_with('/') => {
						format!("{}/{root_source}", dir.trim_end_matches('/'))
					}
					_ => root_source.to_string(),
				};
				let source_dir = root_source.rsplit_once('/').map(|(dir, _)| dir)?.to_string();
				return Some(ContractCrate { name: name.to_string(), source_dir });
			}
		}
	}
	None
}

/// The decoded debug info of one contract.
pub struct DebugInfo {
	context: Context<Reader>,
	/// Offset of the code section's contents in the module.
	code_start: u32,
	code_end: u32,
	/// The crate that defines the contract's entry points: the contract's own code.
	contract_crate: Option<ContractCrate>,
}

impl DebugInfo {
	/// Reads the DWARF of a module (a contract's `.debug.wasm`).
	pub fn from_wasm(module: &[u8]) -> Result<Self, Error> {
		let (sections, code) = debug_sections(module)?;
		let (code_start, code_end) = code.ok_or(Error::NoCode)?;
		Self::load(sections, code_start, code_end)
	}

	/// Reads the DWARF the chain keeps of a debug build (see [`DwarfSections`]).
	pub fn from_sections(dwarf: &DwarfSections) -> Result<Self, Error> {
		Self::from_parts(dwarf.code_start, dwarf.code_end, &dwarf.sections)
	}

	/// [`Self::from_sections`] of a [`DwarfSections`] given by its fields.
	pub fn from_parts(code_start: u32, code_end: u32, sections: &[u8]) -> Result<Self, Error> {
		let (sections, _) = debug_sections(sections)?;
		if code_start >= code_end {
			return Err(Error::NoCode);
		}
		Self::load(sections, code_start, code_end)
	}

	fn load(
		sections: HashMap<String, Arc<[u8]>>,
		code_start: u32,
		code_end: u32,
	) -> Result<Self, Error> {
		if !sections.contains_key(".debug_info") || !sections.contains_key(".debug_line") {
			return Err(Error::NoDebugInfo);
		}
		let empty: Arc<[u8]> = Arc::from(&[][..]);
		let dwarf = gimli::Dwarf::load(|id: SectionId| -> Result<Reader, gimli::Error> {
			let data = sections.get(id.name()).cloned().unwrap_or_else(|| empty.clone());
			Ok(EndianArcSlice::new(data, LittleEndian))
		})
		.map_err(|e| Error::InvalidDwarf(e.to_string()))?;
		let contract_crate = contract_crate(&dwarf);
		let context = Context::from_dwarf(dwarf).map_err(|e| Error::InvalidDwarf(e.to_string()))?;
		Ok(Self { context, code_start, code_end, contract_crate })
	}

	/// The crate the DWARF says defines the contract's `deploy` and `call` (ink! exports them
	/// unmangled from the contract crate), if it says: frames of its functions are the
	/// contract's own code.
	pub fn contract_crate(&self) -> Option<&str> {
		self.contract_crate.as_ref().map(|krate| krate.name.as_str())
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
			let in_contract = match (&self.contract_crate, &file) {
				(Some(contract), Some(file)) => file
					.strip_prefix(contract.source_dir.as_str())
					.is_some_and(|rest| rest.starts_with('/')),
				// DWARF that does not say which crate is the contract's: guess from the path.
				(None, Some(file)) => !crate::is_toolchain_or_registry(file),
				(_, None) => false,
			};
			frames.push(SourceFrame { function, file, line, column, inlined: true, in_contract });
		}
		if let Some(outermost) = frames.last_mut() {
			outermost.inlined = false;
		}
		frames
	}

	/// The line table's row for the instruction at `module_offset`: the innermost position,
	/// without the inlined frames around it.
	pub(crate) fn location(&self, module_offset: u32) -> Option<addr2line::Location<'_>> {
		if module_offset < self.code_start || module_offset >= self.code_end {
			return None;
		}
		self.context.find_location(u64::from(module_offset - self.code_start)).ok()?
	}

	/// The source frames of a whole backtrace (innermost frame's offset first).
	pub fn symbolicate_backtrace(&self, module_offsets: &[u32]) -> Vec<SourceFrame> {
		module_offsets.iter().flat_map(|offset| self.symbolicate(*offset)).collect()
	}
}
