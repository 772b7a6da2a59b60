//! Trimming trailing zeros from active data segments.
//!
//! With `--import-memory`, lld emits `.bss` (and zero tails of `.data`) as explicit zeros, since
//! an imported memory need not start zeroed. The contracts pallet always hands a contract a
//! fresh, zeroed memory, so those zeros only cost code size and deposit.

use crate::Error;
use wasm_encoder::{ConstExpr, DataSection};
use wasmparser::{DataKind, DataSectionReader, Operator};

/// The rewritten data section and how old segment indices map to new ones.
pub(crate) struct TrimmedData {
	/// The new section; `None` when no segment is left.
	pub section: Option<DataSection>,
	/// New index of each old segment, `None` for dropped ones.
	pub new_index: Vec<Option<u32>>,
	/// Zero bytes removed.
	pub bytes_trimmed: usize,
}

/// The constant address of an `i32.const` offset, or `None` for anything else (`global.get`).
fn const_offset(expr: &wasmparser::ConstExpr<'_>) -> Option<u64> {
	let mut ops = expr.get_operators_reader();
	let value = match ops.read().ok()? {
		Operator::I32Const { value } => value as u32 as u64,
		_ => return None,
	};
	matches!(ops.read().ok()?, Operator::End).then_some(value)
}

/// Trim `reader`'s active segments. With `keep_indices` (a data count section exists, so code
/// may name segments by index) empty segments stay, so indices do not shift.
pub(crate) fn trim(
	reader: DataSectionReader<'_>,
	keep_indices: bool,
) -> Result<TrimmedData, Error> {
	let mut section = DataSection::new();
	let mut new_index = Vec::new();
	let mut bytes_trimmed = 0;
	// Original address ranges of earlier active segments per memory: a later segment's zeros
	// overwrite what an earlier one wrote there, so those zeros must stay.
	let mut earlier: Vec<(u32, u64, u64)> = Vec::new();
	let mut earlier_unknown = false;

	for segment in reader {
		let segment = segment?;
		match segment.kind {
			DataKind::Passive => {
				new_index.push(Some(section.len()));
				section.passive(segment.data.iter().copied());
			}
			DataKind::Active { memory_index, offset_expr } => {
				let offset = ConstExpr::try_from(offset_expr.clone())?;
				let len = segment.data.len();
				let keep = match const_offset(&offset_expr) {
					Some(start) if !earlier_unknown => {
						let end = start + len as u64;
						let nonzero =
							segment.data.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
						let overwritten = earlier
							.iter()
							.filter(|(mem, s, e)| *mem == memory_index && *s < end && *e > start)
							.map(|(_, _, e)| (e.min(&end) - start) as usize)
							.max()
							.unwrap_or(0);
						earlier.push((memory_index, start, end));
						nonzero.max(overwritten)
					}
					// An address unknown until instantiation may overlap anything: keep it whole,
					// and everything after it.
					_ => {
						earlier_unknown = true;
						len
					}
				};
				bytes_trimmed += len - keep;
				if keep == 0 && !keep_indices {
					new_index.push(None);
				} else {
					new_index.push(Some(section.len()));
					section.active(memory_index, &offset, segment.data[..keep].iter().copied());
				}
			}
		}
	}
	let section = (!section.is_empty() || keep_indices).then_some(section);
	Ok(TrimmedData { section, new_index, bytes_trimmed })
}
