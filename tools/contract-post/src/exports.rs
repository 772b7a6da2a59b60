//! The exports: only the two entry points the contracts pallet calls. rustc also exports
//! `__data_end` and `__heap_base`, which no host reads and which the pallet would reject.

use crate::{Error, ENTRY_POINTS};
use wasm_encoder::{ExportKind, ExportSection};
use wasmparser::{ExportSectionReader, ExternalKind};

/// The filtered export section and the names dropped from it.
pub(crate) fn filter(
	reader: ExportSectionReader<'_>,
) -> Result<(ExportSection, Vec<String>), Error> {
	let mut section = ExportSection::new();
	let mut dropped = Vec::new();
	let mut found = [false; ENTRY_POINTS.len()];
	for export in reader {
		let export = export?;
		match ENTRY_POINTS.iter().position(|name| *name == export.name) {
			Some(i) => {
				if export.kind != ExternalKind::Func {
					return Err(Error::ExportNotAFunction(ENTRY_POINTS[i]));
				}
				found[i] = true;
				section.export(export.name, ExportKind::Func, export.index);
			}
			None => dropped.push(export.name.to_string()),
		}
	}
	check_found(&found)?;
	Ok((section, dropped))
}

/// An error for the first entry point not found.
pub(crate) fn check_found(found: &[bool]) -> Result<(), Error> {
	match found.iter().position(|f| !f) {
		Some(i) => Err(Error::MissingExport(ENTRY_POINTS[i])),
		None => Ok(()),
	}
}
