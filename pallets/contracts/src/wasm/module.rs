//! Reads a contract module's interface (imports, exports, memory) without a Wasm engine.
//!
//! The runtime needs three facts before it hands code to the sandbox: which host functions the
//! code imports (to link only those, and to check their signatures on upload), the limits of
//! the imported memory (the runtime creates that memory), and the exported entry points. They
//! all sit in the type, import and export sections at the front of the module, so a small
//! reader that skips everything else is enough; validating the rest is the sandbox's job.

use alloc::vec::Vec;

/// A Wasm value type, as far as contract signatures are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValType {
	I32,
	I64,
	/// Any other type (floats, vectors, references); never part of a host-function signature.
	Other(u8),
}

/// A function signature.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FuncType {
	pub params: Vec<ValType>,
	pub results: Vec<ValType>,
}

/// An imported function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncImport<'a> {
	pub module: &'a [u8],
	pub name: &'a [u8],
	pub ty: FuncType,
}

/// An imported memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryImport<'a> {
	pub module: &'a [u8],
	pub name: &'a [u8],
	pub initial: u32,
	pub maximum: Option<u32>,
}

/// An exported item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export<'a> {
	pub name: &'a [u8],
	/// The signature if the export is a function, `None` for memories, tables and globals.
	pub func: Option<FuncType>,
}

/// What a module needs from and offers to its environment.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ModuleInterface<'a> {
	pub func_imports: Vec<FuncImport<'a>>,
	pub memory_imports: Vec<MemoryImport<'a>>,
	/// Tables and globals imported: contracts may not import them.
	pub other_imports: u32,
	pub exports: Vec<Export<'a>>,
	/// Memories the module defines itself: contracts must import theirs.
	pub defined_memories: u32,
}

/// Why a module could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadError {
	/// Not a Wasm module, or a truncated or malformed section.
	Malformed(&'static str),
}

struct Reader<'a> {
	bytes: &'a [u8],
	pos: usize,
}

impl<'a> Reader<'a> {
	fn new(bytes: &'a [u8]) -> Self {
		Self { bytes, pos: 0 }
	}

	fn is_empty(&self) -> bool {
		self.pos >= self.bytes.len()
	}

	fn byte(&mut self) -> Result<u8, ReadError> {
		let b = *self.bytes.get(self.pos).ok_or(ReadError::Malformed("unexpected end"))?;
		self.pos += 1;
		Ok(b)
	}

	fn bytes(&mut self, len: usize) -> Result<&'a [u8], ReadError> {
		let end = self.pos.checked_add(len).ok_or(ReadError::Malformed("length overflow"))?;
		let slice = self.bytes.get(self.pos..end).ok_or(ReadError::Malformed("unexpected end"))?;
		self.pos = end;
		Ok(slice)
	}

	/// An unsigned LEB128 number of at most 32 bits.
	fn u32(&mut self) -> Result<u32, ReadError> {
		let mut result: u64 = 0;
		for shift in (0..35).step_by(7) {
			let b = self.byte()?;
			result |= u64::from(b & 0x7f) << shift;
			if b & 0x80 == 0 {
				return u32::try_from(result).map_err(|_| ReadError::Malformed("u32 too large"));
			}
		}
		Err(ReadError::Malformed("u32 too long"))
	}

	fn name(&mut self) -> Result<&'a [u8], ReadError> {
		let len = self.u32()? as usize;
		self.bytes(len)
	}

	fn val_type(&mut self) -> Result<ValType, ReadError> {
		Ok(match self.byte()? {
			0x7f => ValType::I32,
			0x7e => ValType::I64,
			other => ValType::Other(other),
		})
	}

	fn limits(&mut self) -> Result<(u32, Option<u32>), ReadError> {
		match self.byte()? {
			0x00 => Ok((self.u32()?, None)),
			0x01 => Ok((self.u32()?, Some(self.u32()?))),
			// Shared or 64-bit memories: not for contracts; let the sandbox name the feature.
			_ => Err(ReadError::Malformed("unsupported limits flag")),
		}
	}
}

const SECTION_TYPE: u8 = 1;
const SECTION_IMPORT: u8 = 2;
const SECTION_FUNCTION: u8 = 3;
const SECTION_MEMORY: u8 = 5;
const SECTION_EXPORT: u8 = 7;

/// Reads the interface of `code`. Sections after the export section are not looked at.
pub fn read_interface(code: &[u8]) -> Result<ModuleInterface<'_>, ReadError> {
	let mut r = Reader::new(code);
	if r.bytes(8)? != b"\0asm\x01\0\0\0" {
		return Err(ReadError::Malformed("not a Wasm module"));
	}
	let mut types: Vec<FuncType> = Vec::new();
	// Type indices of the functions, imported first, then defined.
	let mut func_types: Vec<u32> = Vec::new();
	let mut interface = ModuleInterface::default();
	let mut exports: Vec<(&[u8], u8, u32)> = Vec::new();
	while !r.is_empty() {
		let id = r.byte()?;
		let len = r.u32()? as usize;
		let mut s = Reader::new(r.bytes(len)?);
		match id {
			SECTION_TYPE => {
				for _ in 0..s.u32()? {
					if s.byte()? != 0x60 {
						return Err(ReadError::Malformed("bad function type"));
					}
					let mut ty = FuncType::default();
					for _ in 0..s.u32()? {
						ty.params.push(s.val_type()?);
					}
					for _ in 0..s.u32()? {
						ty.results.push(s.val_type()?);
					}
					types.push(ty);
				}
			}
			SECTION_IMPORT => {
				for _ in 0..s.u32()? {
					let module = s.name()?;
					let name = s.name()?;
					match s.byte()? {
						0x00 => {
							let index = s.u32()?;
							let ty = types
								.get(index as usize)
								.cloned()
								.ok_or(ReadError::Malformed("unknown type index"))?;
							func_types.push(index);
							interface.func_imports.push(FuncImport { module, name, ty });
						}
						0x01 => {
							// Table: reference type and limits.
							s.byte()?;
							s.limits()?;
							interface.other_imports += 1;
						}
						0x02 => {
							let (initial, maximum) = s.limits()?;
							interface.memory_imports.push(MemoryImport {
								module,
								name,
								initial,
								maximum,
							});
						}
						0x03 => {
							// Global: value type and mutability.
							s.byte()?;
							s.byte()?;
							interface.other_imports += 1;
						}
						_ => return Err(ReadError::Malformed("bad import kind")),
					}
				}
			}
			SECTION_FUNCTION => {
				for _ in 0..s.u32()? {
					func_types.push(s.u32()?);
				}
			}
			SECTION_MEMORY => interface.defined_memories = s.u32()?,
			SECTION_EXPORT => {
				for _ in 0..s.u32()? {
					let name = s.name()?;
					let kind = s.byte()?;
					let index = s.u32()?;
					exports.push((name, kind, index));
				}
				break;
			}
			// Custom sections may appear anywhere; the others carry nothing we need.
			_ => {}
		}
	}
	for (name, kind, index) in exports {
		let func = if kind == 0x00 {
			let ty = func_types
				.get(index as usize)
				.and_then(|t| types.get(*t as usize))
				.ok_or(ReadError::Malformed("unknown function index"))?;
			Some(ty.clone())
		} else {
			None
		};
		interface.exports.push(Export { name, func });
	}
	Ok(interface)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn reads_imports_exports_and_memory() {
		let code = wat::parse_str(
			r#"(module
				(import "seal0" "input" (func (param i32 i32)))
				(import "seal1" "gas" (func (param i64) (result i32)))
				(import "env" "memory" (memory 2 16))
				(func (export "call"))
				(func (export "deploy") (result i32) i32.const 0)
			)"#,
		)
		.unwrap();
		let i = read_interface(&code).unwrap();
		assert_eq!(i.func_imports.len(), 2);
		assert_eq!(i.func_imports[1].name, b"gas");
		assert_eq!(i.func_imports[1].ty.params, [ValType::I64]);
		assert_eq!(i.func_imports[1].ty.results, [ValType::I32]);
		assert_eq!(
			i.memory_imports,
			[MemoryImport { module: b"env", name: b"memory", initial: 2, maximum: Some(16) }]
		);
		assert_eq!(i.exports[0].name, b"call");
		assert_eq!(i.exports[0].func, Some(FuncType::default()));
		assert_eq!(i.exports[1].func.as_ref().unwrap().results, [ValType::I32]);
	}

	#[test]
	fn garbage_is_malformed_not_a_panic() {
		for bad in
			[&b""[..], b"\0asm", b"\0asm\x01\0\0\0\x02\xff", b"\0asm\x01\0\0\0\x01\x05\x01\x60"]
		{
			assert!(read_interface(bad).is_err(), "{bad:?}");
		}
	}
}
