//! `callisto-contract-post`: turns the Wasm rustc emits for a contract into the two modules a
//! Callisto developer needs.
//!
//! - `<name>.wasm`, the deployable module: only the `call` and `deploy` exports, `env.memory`
//!   capped at [`MAX_MEMORY_PAGES`], no trailing zeros in data segments, and no custom section
//!   but `name`.
//! - `<name>.debug.wasm`, its debug twin: the same plus every `.debug_*` (DWARF) section, from
//!   which Callisto maps a trapping instruction back to a Rust `file:line:column`.
//!
//! DWARF addresses are offsets into the code section, so the code section is copied byte for
//! byte into both outputs and never re-encoded: an offset in the deployed module is the same
//! offset in the debug twin. Sections that need no change are copied raw as well.
//!
//! It is a library because `callisto contract build` will call it; the binary of the same name
//! is what `scripts/build-fixtures.sh` runs today. It does not optimise (no wasm-opt): the
//! contract's code stays exactly what rustc wrote, so DWARF stays valid.

mod data;
mod error;
mod exports;
mod imports;
mod names;
mod report;

#[cfg(test)]
mod committed_fixtures;
#[cfg(test)]
mod tests;

pub use error::Error;
pub use report::Report;

use wasm_encoder::{CustomSection, Module, RawSection, Section};
use wasmparser::{Encoding, Parser, Payload};

/// Pages of memory (64 KiB each) a contract may grow to: pallet-contracts' default
/// `Schedule::limits.memory_pages`.
pub const MAX_MEMORY_PAGES: u64 = 16;

/// The functions the contracts pallet calls; every other export is dropped.
pub const ENTRY_POINTS: [&str; 2] = ["call", "deploy"];

/// The two modules made from one input, and what was changed.
#[derive(Debug, Clone)]
pub struct Artifacts {
	/// The deployable module.
	pub wasm: Vec<u8>,
	/// The deployable module plus its DWARF sections.
	pub debug_wasm: Vec<u8>,
	/// What post-processing changed.
	pub report: Report,
}

/// Where a custom section goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
	Both,
	DebugOnly,
	Neither,
}

/// `name` helps every backtrace; DWARF only the debug twin; the rest (`producers`,
/// `target_features`, linking data) serves no one after linking.
fn keep_custom(name: &str) -> Keep {
	if name == "name" {
		Keep::Both
	} else if name.starts_with(".debug_") {
		Keep::DebugOnly
	} else {
		Keep::Neither
	}
}

/// Both outputs being built; every section goes to both unless it is debug only.
struct Outputs {
	wasm: Module,
	debug_wasm: Module,
}

impl Outputs {
	fn both(&mut self, section: &impl Section) {
		self.wasm.section(section);
		self.debug_wasm.section(section);
	}
}

/// Post-process `input` (a contract's Wasm as rustc linked it) into the deployable module and
/// its debug twin.
pub fn post_process(input: &[u8]) -> Result<Artifacts, Error> {
	let mut report = Report { input_size: input.len(), ..Report::default() };

	// The data section is rewritten first: the name section, which may come before it, needs
	// to know which segments survive. With a data count section no segment is dropped (code may
	// name segments by index), so that section is copied as is.
	let mut has_data_count = false;
	let mut trimmed = None;
	for payload in Parser::new(0).parse_all(input) {
		match payload? {
			Payload::Version { encoding: Encoding::Component, .. } => {
				return Err(Error::NotAModule)
			}
			Payload::DataCountSection { .. } => has_data_count = true,
			Payload::DataSection(reader) => {
				report.data_segments_before = reader.count() as usize;
				trimmed = Some(data::trim(reader, has_data_count)?);
			}
			_ => {}
		}
	}
	if let Some(t) = &trimmed {
		report.data_segments_after = t.new_index.iter().flatten().count();
		report.data_bytes_trimmed = t.bytes_trimmed;
	}
	// Data segment names in the name section are by index; they shift when a segment goes.
	let dropped_segments = trimmed.as_ref().filter(|t| t.new_index.contains(&None));

	let mut out = Outputs { wasm: Module::new(), debug_wasm: Module::new() };
	let mut saw_exports = false;
	let mut saw_imports = false;
	for payload in Parser::new(0).parse_all(input) {
		let payload = payload?;
		match &payload {
			Payload::StartSection { func, .. } => {
				return Err(Error::StartFunction { func: *func });
			}
			Payload::MemorySection(reader) if reader.count() > 0 => {
				return Err(Error::DefinedMemory);
			}
			Payload::ImportSection(reader) => {
				let imports = imports::rewrite(reader.clone())?;
				saw_imports = true;
				report.memory_initial = imports.memory_initial;
				report.memory_maximum_before = imports.memory_maximum_before;
				report.memory_maximum = MAX_MEMORY_PAGES;
				report.imported_functions = imports.functions;
				out.both(&imports.section);
			}
			Payload::ExportSection(reader) => {
				let (section, dropped) = exports::filter(reader.clone())?;
				saw_exports = true;
				report.dropped_exports = dropped;
				out.both(&section);
			}
			Payload::DataSection(_) => {
				if let Some(section) = trimmed.as_ref().and_then(|t| t.section.as_ref()) {
					out.both(section);
				}
			}
			Payload::CustomSection(reader) => {
				let name = reader.name().to_string();
				let raw = RawSection { id: 0, data: &input[reader.range()] };
				match keep_custom(&name) {
					Keep::Both => {
						match dropped_segments {
							Some(t) if name == "name" => {
								let (data, offset) = (reader.data(), reader.data_offset());
								let data = names::remap_data_names(data, offset, &t.new_index)?;
								out.both(&CustomSection { name: "name".into(), data: data.into() });
							}
							_ => out.both(&raw),
						}
						report.kept_custom.push(name);
					}
					Keep::DebugOnly => {
						out.debug_wasm.section(&raw);
						report.debug_only_custom.push(name);
					}
					Keep::Neither => report.dropped_custom.push(name),
				}
			}
			// Its entries are inside the section copied at `CodeSectionStart`.
			Payload::CodeSectionEntry(_) | Payload::Version { .. } | Payload::End(_) => {}
			other => {
				let (id, range) = other
					.as_section()
					.ok_or_else(|| Error::Encode("a payload that is not a section".into()))?;
				out.both(&RawSection { id, data: &input[range] });
			}
		}
	}
	if !saw_imports {
		return Err(Error::MissingMemoryImport);
	}
	if !saw_exports {
		exports::check_found(&[false; ENTRY_POINTS.len()])?;
	}

	let wasm = out.wasm.finish();
	let debug_wasm = out.debug_wasm.finish();
	report.wasm_size = wasm.len();
	report.debug_wasm_size = debug_wasm.len();
	Ok(Artifacts { wasm, debug_wasm, report })
}

/// The bytes of `module`'s code section (its contents, without id and size), if it has one.
pub fn code_section(module: &[u8]) -> Result<Option<&[u8]>, Error> {
	for payload in Parser::new(0).parse_all(module) {
		if let Payload::CodeSectionStart { range, .. } = payload? {
			return Ok(Some(&module[range]));
		}
	}
	Ok(None)
}
