//! What a panic without a message was checking: an arithmetic overflow or a division by zero.
//!
//! Without `ink-debug`, ink!'s panic handler drops the message, and LLVM then folds the standard
//! library's panic functions (`panic_const_add_overflow`, `panic_const_div_by_zero`,
//! `panic(&str)`, ...) into one copy: neither the message nor the callee's name survives in the
//! build. The check itself does. rustc gives an overflow or a zero-divisor check the span of the
//! expression it guards, so the line table puts the contract's call into the panic function and
//! the guarded instruction at one source position. A division at that position (an instruction,
//! or the 128-bit division routine) says the check was for a zero divisor; an add, sub, mul or
//! shift says it was for an overflow. Both or neither, and the panic stays a panic: a failed
//! `assert!` or an explicit `panic!` has no arithmetic of its own at the call.
//!
//! One case reads wrong by this rule: a signed `i32::MIN / -1` overflows, and its check has the
//! division's position too, so it reads as a division by zero.

use crate::{CheckedArithmetic, DebugInfo};
use wasmparser::{Operator, Parser, Payload, TypeRef};

/// A source position as the line table gives it: file, line and column.
type Position<'a> = (Option<&'a str>, u32, u32);

impl DebugInfo {
	/// What the standard-library panic at the end of `offsets` (a trap backtrace of `code`, the
	/// stripped module, innermost first) was checking, if its caller's code says.
	pub fn checked_arithmetic(&self, code: &[u8], offsets: &[u32]) -> Option<CheckedArithmetic> {
		let call_site = self.panic_call_site(offsets)?;
		let position = self.position(call_site)?;
		let module = FunctionBodies::read(code)?;
		let body = module.body_at(call_site)?;
		let mut reader = body.get_operators_reader().ok()?;
		let (mut overflow, mut division) = (false, false);
		while !reader.eof() {
			let offset = reader.original_position() as u32;
			let Ok(operator) = reader.read() else { break };
			let is_call = matches!(operator, Operator::Call { .. });
			// The position first: a line-table lookup is cheaper than naming a callee.
			if (!is_call && instruction_check(&operator).is_none())
				|| self.position(offset) != Some(position)
			{
				continue;
			}
			let check = match operator {
				Operator::Call { function_index } => module
					.body_start(function_index)
					.and_then(|start| self.function_name(start))
					.and_then(|name| builtin_check(&name)),
				operator => instruction_check(&operator),
			};
			overflow |= check == Some(CheckedArithmetic::Overflow);
			division |= check == Some(CheckedArithmetic::DivisionByZero);
		}
		match (overflow, division) {
			(true, false) => Some(CheckedArithmetic::Overflow),
			(false, true) => Some(CheckedArithmetic::DivisionByZero),
			_ => None,
		}
	}

	/// The offset of the contract's call into the standard library's panic functions: the frame
	/// just outside the outermost frame whose code is `core::panicking`'s, if that function is
	/// one of the generic ones LLVM folds ([`crate::is_folded_panic_function`]).
	fn panic_call_site(&self, offsets: &[u32]) -> Option<u32> {
		let panicking = |offset: &u32| {
			self.symbolicate(*offset)
				.into_iter()
				.filter_map(|frame| frame.function)
				.rfind(|name| name.starts_with("core::panicking::"))
		};
		let (outermost, function) =
			offsets.iter().enumerate().rev().find_map(|(i, o)| Some((i, panicking(o)?)))?;
		crate::is_folded_panic_function(&function)
			.then(|| offsets.get(outermost + 1).copied())
			.flatten()
	}

	/// The line table's position of the instruction at `module_offset`, if it has a line and a
	/// column (a position without them would match unrelated code).
	fn position(&self, module_offset: u32) -> Option<Position<'_>> {
		let location = self.location(module_offset)?;
		match (location.line, location.column) {
			(Some(line), Some(column)) if line > 0 && column > 0 => {
				Some((location.file, line, column))
			}
			_ => None,
		}
	}

	/// The name of the (outermost) function whose code starts at `module_offset`.
	fn function_name(&self, module_offset: u32) -> Option<String> {
		self.symbolicate(module_offset).pop()?.function
	}
}

/// The check an instruction at a panic's position implies.
fn instruction_check(operator: &Operator<'_>) -> Option<CheckedArithmetic> {
	use Operator::*;
	match operator {
		I32Add | I64Add | I32Sub | I64Sub | I32Mul | I64Mul | I32Shl | I64Shl | I32ShrS
		| I32ShrU | I64ShrS | I64ShrU => Some(CheckedArithmetic::Overflow),
		I32DivS | I32DivU | I32RemS | I32RemU | I64DivS | I64DivU | I64RemS | I64RemU => {
			Some(CheckedArithmetic::DivisionByZero)
		}
		_ => None,
	}
}

/// The check a call to a compiler-builtins routine implies: Wasm has no 128-bit arithmetic, so
/// `u128` (ink!'s `Balance`) divisions and multiplications are calls.
fn builtin_check(function: &str) -> Option<CheckedArithmetic> {
	let name = function.rsplit("::").next().unwrap_or(function);
	match name {
		"__udivti3" | "__umodti3" | "__divti3" | "__modti3" => {
			Some(CheckedArithmetic::DivisionByZero)
		}
		"__multi3" | "__muloti4" => Some(CheckedArithmetic::Overflow),
		_ => None,
	}
}

/// The function bodies of a module, by function index.
struct FunctionBodies<'a> {
	imported: u32,
	bodies: Vec<wasmparser::FunctionBody<'a>>,
}

impl<'a> FunctionBodies<'a> {
	fn read(code: &'a [u8]) -> Option<Self> {
		let mut module = Self { imported: 0, bodies: Vec::new() };
		for payload in Parser::new(0).parse_all(code) {
			match payload.ok()? {
				Payload::ImportSection(imports) => {
					for import in imports {
						if matches!(import.ok()?.ty, TypeRef::Func(_)) {
							module.imported += 1;
						}
					}
				}
				Payload::CodeSectionEntry(body) => module.bodies.push(body),
				_ => {}
			}
		}
		Some(module)
	}

	/// The body whose code holds `module_offset`.
	fn body_at(&self, module_offset: u32) -> Option<&wasmparser::FunctionBody<'a>> {
		let offset = module_offset as usize;
		self.bodies.iter().find(|body| body.range().contains(&offset))
	}

	/// Where the first instruction of function `index` is (imports have none).
	fn body_start(&self, index: u32) -> Option<u32> {
		let body = self.bodies.get(index.checked_sub(self.imported)? as usize)?;
		let reader = body.get_operators_reader().ok()?;
		Some(reader.original_position() as u32)
	}
}
