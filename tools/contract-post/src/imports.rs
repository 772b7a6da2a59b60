//! The memory import: contracts import `env.memory`, and the deployable module states the
//! maximum the contracts pallet grants, so the pallet never has to guess it.

use crate::{Error, MAX_MEMORY_PAGES};
use wasm_encoder::{EntityType, ImportSection, MemoryType};
use wasmparser::{ImportSectionReader, TypeRef};

/// The rewritten import section and the memory limits it had.
pub(crate) struct Imports {
	pub section: ImportSection,
	/// Initial pages of `env.memory`.
	pub memory_initial: u64,
	/// The maximum rustc declared.
	pub memory_maximum_before: Option<u64>,
	/// `module.name` of every imported function, in import order.
	pub functions: Vec<String>,
}

/// Copy every import, with `env.memory`'s maximum set to [`MAX_MEMORY_PAGES`].
pub(crate) fn rewrite(reader: ImportSectionReader<'_>) -> Result<Imports, Error> {
	let mut section = ImportSection::new();
	let mut memory = None;
	let mut functions = Vec::new();
	for import in reader {
		let import = import?;
		let ty = match import.ty {
			TypeRef::Memory(mem) => {
				if (import.module, import.name) != ("env", "memory") || memory.is_some() {
					let import = format!("{}.{}", import.module, import.name);
					return Err(Error::UnexpectedMemoryImport { import });
				}
				if mem.memory64 || mem.shared {
					return Err(Error::UnsupportedMemory);
				}
				if mem.initial > MAX_MEMORY_PAGES {
					let maximum = MAX_MEMORY_PAGES;
					return Err(Error::MemoryTooLarge { initial: mem.initial, maximum });
				}
				memory = Some((mem.initial, mem.maximum));
				EntityType::Memory(MemoryType {
					maximum: Some(MAX_MEMORY_PAGES),
					..MemoryType::from(mem)
				})
			}
			other => {
				if let TypeRef::Func(_) = other {
					functions.push(format!("{}.{}", import.module, import.name));
				}
				EntityType::try_from(other)?
			}
		};
		section.import(import.module, import.name, ty);
	}
	let (memory_initial, memory_maximum_before) = memory.ok_or(Error::MissingMemoryImport)?;
	Ok(Imports { section, memory_initial, memory_maximum_before, functions })
}
