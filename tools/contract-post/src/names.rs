//! Keeping the `name` section true after data segments are dropped.
//!
//! lld names data segments (`.rodata`, `.data`, `.bss`) by index in the name section's data
//! subsection; dropping a segment shifts the indices after it, so that subsection is rewritten.
//! Every other subsection names functions, locals or globals, which never change, and is
//! copied as is.

use crate::Error;
use wasm_encoder::{Encode, NameMap};
use wasmparser::BinaryReader;

/// Subsection id of data segment names (extended name section).
const DATA_NAMES: u8 = 9;

/// The name section's contents (after its name) with data segment names remapped through
/// `new_index`; names of dropped segments are left out.
pub(crate) fn remap_data_names(
	data: &[u8],
	offset: usize,
	new_index: &[Option<u32>],
) -> Result<Vec<u8>, Error> {
	let mut reader = BinaryReader::new(data, offset);
	let mut out = Vec::with_capacity(data.len());
	while !reader.eof() {
		let id = reader.read_u8()?;
		let len = reader.read_var_u32()? as usize;
		let body = reader.read_bytes(len)?;
		out.push(id);
		if id != DATA_NAMES {
			len.encode(&mut out);
			out.extend_from_slice(body);
			continue;
		}
		let mut names = BinaryReader::new(body, reader.original_position() - len);
		let mut map = NameMap::new();
		for _ in 0..names.read_var_u32()? {
			let index = names.read_var_u32()?;
			let name = names.read_string()?;
			if let Some(Some(new)) = new_index.get(index as usize) {
				map.append(*new, name);
			}
		}
		let mut encoded = Vec::new();
		map.encode(&mut encoded);
		encoded.len().encode(&mut out);
		out.extend_from_slice(&encoded);
	}
	Ok(out)
}
