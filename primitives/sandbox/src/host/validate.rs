//! Load-time validation: everything a contract module may not do, each with its own error.
//!
//! Order of checks: size, well-formedness (any Wasm the parser knows), the feature set (MVP +
//! sign-extension, floats still allowed), floats (the same feature set without floats, so that
//! they get their own error), then the structural limits of [`Config`].

use crate::{Config, Error, MAX_NESTING_DEPTH};

use wasmparser::{
	CompositeInnerType, ExternalKind, FuncType, Operator, Parser, Payload, TypeRef, ValType,
	Validator, WasmFeatures,
};

/// Export names starting with this are reserved for the instrumentation (`instrument.rs`
/// names its gas global and helpers with it), so a contract's own exports may not use it.
pub const RESERVED_PREFIX: &str = "__sandbox";

/// An integer value type (floats are rejected at load time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntType {
	/// `i32`
	I32,
	/// `i64`
	I64,
}

/// Signature of an imported host function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
	/// Parameter types.
	pub params: Vec<IntType>,
	/// Result type, if any (multi-value is rejected).
	pub result: Option<IntType>,
}

/// An imported function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncImport {
	/// Import module name.
	pub module: String,
	/// Import field name.
	pub field: String,
	/// Its signature.
	pub signature: Signature,
}

/// Limits of the imported memory, in pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryLimits {
	/// Initial pages.
	pub initial: u32,
	/// Maximum pages, if declared.
	pub maximum: Option<u32>,
}

/// What the rest of the host needs to know about a validated module.
#[derive(Clone, Debug, Default)]
pub struct ModuleInfo {
	/// All function signatures of the type section (by type index); `None` for non-function
	/// types (not reachable in MVP).
	pub types: Vec<Option<Signature>>,
	/// Imported functions, in import order (they are function indices `0..len`).
	pub func_imports: Vec<FuncImport>,
	/// Type index of each defined function.
	pub func_types: Vec<u32>,
	/// Number of globals defined by the module.
	pub globals: u32,
	/// The `env.memory` import, if any.
	pub memory_import: Option<MemoryLimits>,
	/// Exported names.
	pub exports: Vec<String>,
}

fn int_type(ty: ValType) -> Result<IntType, Error> {
	match ty {
		ValType::I32 => Ok(IntType::I32),
		ValType::I64 => Ok(IntType::I64),
		ValType::F32 | ValType::F64 => Err(Error::FloatsNotAllowed),
		_ => Err(Error::UnsupportedFeature),
	}
}

fn signature(ty: &FuncType) -> Result<Signature, Error> {
	let params = ty.params().iter().map(|t| int_type(*t)).collect::<Result<Vec<_>, _>>()?;
	let result = match ty.results() {
		[] => None,
		[t] => Some(int_type(*t)?),
		_ => return Err(Error::UnsupportedFeature),
	};
	Ok(Signature { params, result })
}

/// The features a contract may use, floats included: they are rejected by a separate pass so
/// that they get their own error.
fn allowed_features() -> WasmFeatures {
	WasmFeatures::MVP | WasmFeatures::MUTABLE_GLOBAL | WasmFeatures::SIGN_EXTENSION
}

/// Validate `code` against `config`; returns what instantiation and instrumentation need.
pub fn validate(code: &[u8], config: &Config) -> Result<ModuleInfo, Error> {
	if code.len() > config.max_code_size as usize {
		return Err(Error::CodeTooLarge);
	}
	Validator::new().validate_all(code).map_err(|e| {
		log::debug!(target: crate::LOG_TARGET, "invalid module: {e}");
		Error::InvalidModule
	})?;
	Validator::new_with_features(allowed_features()).validate_all(code).map_err(|e| {
		log::debug!(target: crate::LOG_TARGET, "unsupported feature: {e}");
		Error::UnsupportedFeature
	})?;
	// The same without floats: what fails now fails because of a float type or operator.
	Validator::new_with_features(allowed_features().difference(WasmFeatures::FLOATS))
		.validate_all(code)
		.map_err(|_| Error::FloatsNotAllowed)?;

	let mut info = ModuleInfo::default();
	let mut code_index = 0usize;
	// The module is valid, so parser errors below cannot happen; map them anyway.
	let bad = |_| Error::InvalidModule;
	for payload in Parser::new(0).parse_all(code) {
		match payload.map_err(bad)? {
			Payload::TypeSection(reader) => {
				for rec in reader {
					for sub in rec.map_err(bad)?.into_types() {
						match &sub.composite_type.inner {
							CompositeInnerType::Func(f) => info.types.push(Some(signature(f)?)),
							_ => return Err(Error::UnsupportedFeature),
						}
					}
				}
			}
			Payload::ImportSection(reader) => {
				for import in reader {
					let import = import.map_err(bad)?;
					match import.ty {
						TypeRef::Func(idx) => {
							let signature = info
								.types
								.get(idx as usize)
								.cloned()
								.flatten()
								.ok_or(Error::InvalidModule)?;
							info.func_imports.push(FuncImport {
								module: import.module.into(),
								field: import.name.into(),
								signature,
							});
						}
						TypeRef::Memory(mem)
							if import.module == "env"
								&& import.name == "memory"
								&& info.memory_import.is_none() =>
						{
							if mem.memory64 || mem.shared {
								return Err(Error::UnsupportedFeature);
							}
							let initial =
								u32::try_from(mem.initial).map_err(|_| Error::MemoryMismatch)?;
							if initial > config.max_memory_pages {
								return Err(Error::MemoryMismatch);
							}
							let maximum = mem.maximum.map(|m| u32::try_from(m).unwrap_or(u32::MAX));
							info.memory_import = Some(MemoryLimits { initial, maximum });
						}
						_ => return Err(Error::ForbiddenImport),
					}
				}
			}
			Payload::FunctionSection(reader) => {
				for ty in reader {
					info.func_types.push(ty.map_err(bad)?);
				}
			}
			Payload::TableSection(reader) => {
				for table in reader {
					if table.map_err(bad)?.ty.initial > u64::from(config.max_table_size) {
						return Err(Error::TableTooLarge);
					}
				}
			}
			// Memory must come from the runtime (`env.memory`) so that it can read and write it.
			Payload::MemorySection(reader) if reader.count() > 0 => {
				return Err(Error::MemoryMismatch)
			}
			Payload::GlobalSection(reader) => {
				info.globals = reader.count();
				for global in reader {
					int_type(global.map_err(bad)?.ty.content_type)?;
				}
			}
			Payload::ExportSection(reader) => {
				for export in reader {
					let export = export.map_err(bad)?;
					let allowed =
						config.allowed_exports.iter().any(|name| name == export.name.as_bytes());
					let reserved = export.name.starts_with(RESERVED_PREFIX);
					if !allowed
						|| reserved || !matches!(
						export.kind,
						ExternalKind::Func | ExternalKind::Global
					) {
						return Err(Error::ForbiddenExport);
					}
					info.exports.push(export.name.into());
				}
			}
			Payload::StartSection { .. } => return Err(Error::StartFunctionPresent),
			Payload::CodeSectionEntry(body) => {
				let ty = *info.func_types.get(code_index).ok_or(Error::InvalidModule)?;
				code_index += 1;
				let mut locals = info.signature(ty)?.params.len() as u64;
				for local in body.get_locals_reader().map_err(bad)? {
					let (count, ty) = local.map_err(bad)?;
					int_type(ty)?;
					locals += u64::from(count);
				}
				if locals > u64::from(config.max_locals) {
					return Err(Error::TooManyLocals);
				}
				check_nesting(&body)?;
			}
			_ => {}
		}
	}
	if info.func_imports.len() + info.func_types.len() > config.max_functions as usize {
		return Err(Error::TooManyFunctions);
	}
	if info.globals > config.max_globals {
		return Err(Error::TooManyGlobals);
	}
	Ok(info)
}

/// Refuses a function whose blocks nest deeper than [`MAX_NESTING_DEPTH`]. Cranelift's compile
/// time of instrumented code grows with the square of the nesting depth, and a trap's frames
/// are found by compiling inside the block, so without this limit one contract could stall
/// block production for minutes (40 000 levels: 73 s before the next block).
fn check_nesting(body: &wasmparser::FunctionBody) -> Result<(), Error> {
	let mut depth = 0u32;
	for op in body.get_operators_reader().map_err(|_| Error::InvalidModule)? {
		match op.map_err(|_| Error::InvalidModule)? {
			Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
				depth += 1;
				if depth > MAX_NESTING_DEPTH {
					return Err(Error::NestingTooDeep);
				}
			}
			Operator::End => depth = depth.saturating_sub(1),
			_ => {}
		}
	}
	Ok(())
}

impl ModuleInfo {
	/// Signature of type `index`.
	pub fn signature(&self, index: u32) -> Result<&Signature, Error> {
		self.types.get(index as usize).and_then(|t| t.as_ref()).ok_or(Error::InvalidModule)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// A module whose `call` nests `depth` empty blocks.
	fn nested(depth: usize) -> Vec<u8> {
		let body = format!("{}{}", "(block ".repeat(depth), ")".repeat(depth));
		wat::parse_str(format!(r#"(module (func (export "call") {body}))"#)).expect("valid wat")
	}

	#[test]
	fn nesting_is_limited_to_max_nesting_depth() {
		let config = Config::default();
		let limit = MAX_NESTING_DEPTH as usize;
		assert!(validate(&nested(limit), &config).is_ok());
		assert_eq!(validate(&nested(limit + 1), &config).unwrap_err(), Error::NestingTooDeep);
		// Depth, not count: as many blocks one after another are fine.
		let flat = "(block) ".repeat(4 * limit);
		let flat = wat::parse_str(format!(r#"(module (func (export "call") {flat}))"#)).unwrap();
		assert!(validate(&flat, &config).is_ok());
		// `loop` and `if` nest like `block`.
		let mixed = format!(
			"{}{}",
			"(loop (i32.const 1) (if (then ".repeat(limit / 2 + 1),
			")))".repeat(limit / 2 + 1)
		);
		let mixed = wat::parse_str(format!(r#"(module (func (export "call") {mixed}))"#)).unwrap();
		assert_eq!(validate(&mixed, &config).unwrap_err(), Error::NestingTooDeep);
	}
}
