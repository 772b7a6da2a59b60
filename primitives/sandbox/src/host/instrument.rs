//! Deterministic gas and stack-height metering by rewriting the module.
//!
//! Three mutable globals are appended to the module (and exported under reserved names so the
//! host can read and set them on both engines):
//! - `gas` (`i64`): gas left. Every *segment* (a run of instructions up to and including a
//!   control instruction: `block loop if else end br br_if br_table return call call_indirect
//!   unreachable`) is charged its instruction count (1 unit per original Wasm instruction) up
//!   front, at its first instruction. A loop body is a new segment, so every iteration pays.
//!   If the gas left is smaller than the charge, `reason := 1` and `unreachable`; the gas left
//!   is not touched, so it is the same on every engine.
//! - `stack` (`i32`): a stack-height counter. At entry each function adds its cost
//!   `2 + params + locals + instructions` (the instruction count bounds the operand stack) and
//!   traps with `reason := 2` when the sum exceeds the configured limit; on every exit it
//!   subtracts the cost again. Exits are `return` and the end of the body; branches to the
//!   function's own label are covered by wrapping the original body in a `block` whose end is
//!   followed by the exit code.
//! - `reason` (`i32`): why the instrumented code executed `unreachable` (0 = the module's own).
//! - `call_site` (`i32`): set to the original code offset of every `call` of an imported (host)
//!   function, and of every `call_indirect` in a module that imports functions, just before it,
//!   so a host call can say where in the contract it was made. It is injected code, so it costs
//!   no gas.
//!
//! Two wasmi 2.0 bugs are worked around in the code both engines run (see `instrument_body`;
//! injected, so free of gas): every `select` takes its condition through a scratch local, and
//! an integer store with an offset above 65535 computes its address itself and stores with a
//! small offset.
//!
//! The module's global 0, if it is a mutable `i32`, is also exported (as [`SP_EXPORT`]): LLVM
//! (so Rust) keeps its shadow-stack pointer there, and a memory fault with that pointer beyond
//! the memory means the contract's stack ran out, which is what the developer needs to hear.
//!
//! The instrumenter records, per function, which instrumented code offset corresponds to which
//! original code offset, so engine backtraces can be reported in terms of the original module.

use super::validate::{IntType, ModuleInfo};
use crate::{Config, Error};
use wasm_encoder::{
	reencode::{Reencode, RoundtripReencoder},
	BlockType, CodeSection, ConstExpr, Encode, ExportKind, ExportSection, Function, GlobalSection,
	GlobalType, Instruction, RawSection, ValType,
};
use wasmparser::{Operator, Parser, Payload};

/// Export name of the gas global.
pub const GAS_EXPORT: &str = "__sandbox_gas";
/// Export name of the stack-height global.
pub const STACK_EXPORT: &str = "__sandbox_stack";
/// Export name of the trap-reason global.
pub const REASON_EXPORT: &str = "__sandbox_reason";
/// Export name of the host-call-site global.
pub const CALL_SITE_EXPORT: &str = "__sandbox_call_site";
/// Export name of the module's own global 0 when it can be LLVM's stack pointer.
pub const SP_EXPORT: &str = "__sandbox_sp";
/// `reason` value: out of gas.
pub const REASON_OUT_OF_GAS: i32 = 1;
/// `reason` value: stack-height limit exceeded.
pub const REASON_STACK: i32 = 2;

/// Maps instrumented code offsets back to the original module.
#[derive(Clone, Debug, Default)]
pub struct OffsetMap {
	funcs: Vec<FuncMap>,
}

#[derive(Clone, Debug)]
struct FuncMap {
	/// Absolute offset of the first instruction in the instrumented module.
	start: u32,
	/// Absolute end of the body in the instrumented module.
	end: u32,
	/// `(offset relative to start, original absolute offset)`, ascending.
	entries: Vec<(u32, u32)>,
}

impl OffsetMap {
	/// The original module's code offset of the instruction at `offset` of the instrumented
	/// module (injected code maps to the original instruction it was injected for).
	pub fn to_original(&self, offset: u32) -> Option<u32> {
		let idx = self.funcs.partition_point(|f| f.start <= offset).checked_sub(1)?;
		let func = &self.funcs[idx];
		if offset >= func.end {
			return None;
		}
		let rel = offset - func.start;
		let entry = func.entries.partition_point(|(r, _)| *r <= rel).checked_sub(1)?;
		Some(func.entries[entry].1)
	}

	/// Approximate heap size in bytes (for the cache's accounting).
	pub fn size(&self) -> usize {
		self.funcs.iter().map(|f| 16 + f.entries.len() * 8).sum()
	}
}

/// An instrumented module.
#[derive(Debug)]
pub struct Instrumented {
	/// The instrumented code.
	pub code: Vec<u8>,
	/// Instrumented → original code offsets.
	pub offset_map: OffsetMap,
	/// What validation found out about the module.
	pub info: ModuleInfo,
}

fn val_type(ty: IntType) -> ValType {
	match ty {
		IntType::I32 => ValType::I32,
		IntType::I64 => ValType::I64,
	}
}

fn is_control(op: &Operator) -> bool {
	matches!(
		op,
		Operator::Block { .. }
			| Operator::Loop { .. }
			| Operator::If { .. }
			| Operator::Else
			| Operator::End
			| Operator::Br { .. }
			| Operator::BrIf { .. }
			| Operator::BrTable { .. }
			| Operator::Return
			| Operator::Call { .. }
			| Operator::CallIndirect { .. }
			| Operator::Unreachable
	)
}

struct Globals {
	gas: u32,
	stack: u32,
	reason: u32,
	call_site: u32,
	/// Functions `0..imported_funcs` are host functions.
	imported_funcs: u32,
	/// Global 0, if it is a mutable `i32` (LLVM's stack pointer).
	stack_pointer: Option<u32>,
}

/// Whether the module's global 0 is a mutable `i32` (what LLVM's `__stack_pointer` is).
fn first_global_is_mutable_i32(code: &[u8]) -> bool {
	for payload in Parser::new(0).parse_all(code) {
		if let Ok(Payload::GlobalSection(reader)) = payload {
			return reader.into_iter().next().and_then(Result::ok).is_some_and(|global| {
				global.ty.mutable && global.ty.content_type == wasmparser::ValType::I32
			});
		}
	}
	false
}

fn emit(bytes: &mut Vec<u8>, instrs: &[Instruction]) {
	for i in instrs {
		i.encode(bytes);
	}
}

fn gas_charge(bytes: &mut Vec<u8>, g: &Globals, cost: i64) {
	emit(
		bytes,
		&[
			Instruction::GlobalGet(g.gas),
			Instruction::I64Const(cost),
			Instruction::I64LtS,
			Instruction::If(BlockType::Empty),
			Instruction::I32Const(REASON_OUT_OF_GAS),
			Instruction::GlobalSet(g.reason),
			Instruction::Unreachable,
			Instruction::End,
			Instruction::GlobalGet(g.gas),
			Instruction::I64Const(cost),
			Instruction::I64Sub,
			Instruction::GlobalSet(g.gas),
		],
	);
}

fn stack_enter(bytes: &mut Vec<u8>, g: &Globals, cost: i32, limit: i32) {
	emit(
		bytes,
		&[
			Instruction::GlobalGet(g.stack),
			Instruction::I32Const(cost),
			Instruction::I32Add,
			Instruction::GlobalSet(g.stack),
			Instruction::GlobalGet(g.stack),
			Instruction::I32Const(limit),
			Instruction::I32GtU,
			Instruction::If(BlockType::Empty),
			Instruction::I32Const(REASON_STACK),
			Instruction::GlobalSet(g.reason),
			Instruction::Unreachable,
			Instruction::End,
		],
	);
}

fn stack_exit(bytes: &mut Vec<u8>, g: &Globals, cost: i32) {
	emit(
		bytes,
		&[
			Instruction::GlobalGet(g.stack),
			Instruction::I32Const(cost),
			Instruction::I32Sub,
			Instruction::GlobalSet(g.stack),
		],
	);
}

/// Instrument one function body. Returns the function and its `(relative instrumented
/// offset, original offset)` entries.
fn instrument_body(
	body: &wasmparser::FunctionBody,
	params: usize,
	result: Option<IntType>,
	g: &Globals,
	stack_limit: i32,
) -> Result<(Function, Vec<(u32, u32)>), Error> {
	let bad = |_| Error::InvalidModule;
	let mut locals = Vec::new();
	let mut n_locals = 0u64;
	for local in body.get_locals_reader().map_err(bad)? {
		let (count, ty) = local.map_err(bad)?;
		let ty = match ty {
			wasmparser::ValType::I32 => ValType::I32,
			wasmparser::ValType::I64 => ValType::I64,
			_ => return Err(Error::FloatsNotAllowed),
		};
		n_locals += u64::from(count);
		locals.push((count, ty));
	}
	let ops = body
		.get_operators_reader()
		.map_err(bad)?
		.into_iter_with_offsets()
		.collect::<Result<Vec<_>, _>>()
		.map_err(bad)?;
	let n = ops.len();
	if n == 0 {
		return Err(Error::InvalidModule);
	}
	// Scratch locals for two wasmi 2.0 workarounds, after the function's own (the stack cost
	// stays the original's).
	// - wasmi fuses a `select` with an `i32.eqz` (or `i32.eq`/`i32.ne` with 0) computing its
	//   condition, and when the compared value lives in a local or a spilled slot the fused
	//   `select` reads a stale register instead: it picks the wrong operand. A condition that
	//   passed through a local is never fused, so every `select` gets its condition through
	//   a scratch local.
	// - wasmi panics translating an integer store whose address and value are the same
	//   register-held local (`local.tee $x local.get $x i32.store offset=..`) unless the offset
	//   fits its 16-bit encodings, so far stores are rewritten by `far_store`.
	let has_select = ops.iter().any(|(op, _)| matches!(op, Operator::Select));
	let has_far_store = ops.iter().any(|(op, _)| far_store(op).is_some());
	let mut next_local = params as u64 + n_locals;
	let mut scratch = |ty| {
		locals.push((1, ty));
		next_local += 1;
		u32::try_from(next_local - 1).map_err(|_| Error::TooManyLocals)
	};
	let select_scratch =
		(has_select || has_far_store).then(|| scratch(ValType::I32)).transpose()?;
	let far_scratch = has_far_store
		.then(|| {
			Ok::<_, Error>(FarStoreScratch {
				address: scratch(ValType::I32)?,
				value_i32: scratch(ValType::I32)?,
				value_i64: scratch(ValType::I64)?,
			})
		})
		.transpose()?;
	// Segment starts and their lengths.
	let mut starts = vec![0usize];
	for (j, (op, _)) in ops.iter().enumerate() {
		if is_control(op) && j + 1 < n {
			starts.push(j + 1);
		}
	}
	let cost = 2 + params as u64 + n_locals + n as u64;
	let cost = i32::try_from(cost).map_err(|_| Error::CodeTooLarge)?;

	let mut bytes = Vec::new();
	let mut map = Vec::with_capacity(n + starts.len() + 2);
	let orig = |i: usize| ops[i].1 as u32;
	map.push((0u32, orig(0)));
	stack_enter(&mut bytes, g, cost, stack_limit);
	let block_ty = match result {
		None => BlockType::Empty,
		Some(t) => BlockType::Result(val_type(t)),
	};
	Instruction::Block(block_ty).encode(&mut bytes);

	let mut reencoder = RoundtripReencoder;
	let mut next_start = 0usize;
	for (i, (op, offset)) in ops.into_iter().enumerate() {
		if next_start < starts.len() && starts[next_start] == i {
			let end = starts.get(next_start + 1).copied().unwrap_or(n);
			next_start += 1;
			map.push((bytes.len() as u32, offset as u32));
			gas_charge(&mut bytes, g, (end - i) as i64);
		}
		map.push((bytes.len() as u32, offset as u32));
		// A `call_indirect` may reach a host function through the table too.
		let host_call = match op {
			Operator::Call { function_index } => function_index < g.imported_funcs,
			Operator::CallIndirect { .. } => g.imported_funcs > 0,
			_ => false,
		};
		if host_call {
			let site = i32::try_from(offset).map_err(|_| Error::CodeTooLarge)?;
			emit(&mut bytes, &[Instruction::I32Const(site), Instruction::GlobalSet(g.call_site)]);
		}
		if let (Operator::Select, Some(scratch)) = (&op, select_scratch) {
			Instruction::LocalTee(scratch).encode(&mut bytes);
		}
		if let (Some(store), Some(scratch), Some(select)) =
			(far_store(&op), &far_scratch, select_scratch)
		{
			store.emit(&mut bytes, scratch, select);
		} else if let Operator::Return = op {
			stack_exit(&mut bytes, g, cost);
			Instruction::Return.encode(&mut bytes);
		} else {
			reencoder.instruction(op).map_err(|_| Error::InvalidModule)?.encode(&mut bytes);
		}
	}
	// The original final `end` closed the wrapper block; now leave the function.
	stack_exit(&mut bytes, g, cost);
	Instruction::End.encode(&mut bytes);

	let mut func = Function::new(locals);
	func.raw(bytes);
	Ok((func, map))
}

/// The largest store offset that wasmi 2.0 translates in every case (its `Offset16` forms).
const NEAR_STORE_OFFSET: u64 = 0xffff;

/// An integer store with an offset beyond [`NEAR_STORE_OFFSET`].
struct FarStore {
	/// The store with the same alignment and offset [`NEAR_STORE_OFFSET`].
	near: Instruction<'static>,
	value: ValType,
	offset: u64,
}

/// Scratch locals of the far-store rewrite.
struct FarStoreScratch {
	address: u32,
	value_i32: u32,
	value_i64: u32,
}

/// `op` if it is an integer store whose offset does not fit wasmi's 16-bit forms.
fn far_store(op: &Operator) -> Option<FarStore> {
	use Instruction as I;
	let (memarg, value, near): (_, _, fn(wasm_encoder::MemArg) -> Instruction<'static>) = match op {
		Operator::I32Store { memarg } => (memarg, ValType::I32, I::I32Store),
		Operator::I32Store8 { memarg } => (memarg, ValType::I32, I::I32Store8),
		Operator::I32Store16 { memarg } => (memarg, ValType::I32, I::I32Store16),
		Operator::I64Store { memarg } => (memarg, ValType::I64, I::I64Store),
		Operator::I64Store8 { memarg } => (memarg, ValType::I64, I::I64Store8),
		Operator::I64Store16 { memarg } => (memarg, ValType::I64, I::I64Store16),
		Operator::I64Store32 { memarg } => (memarg, ValType::I64, I::I64Store32),
		_ => return None,
	};
	(memarg.offset > NEAR_STORE_OFFSET).then(|| FarStore {
		near: near(wasm_encoder::MemArg {
			offset: NEAR_STORE_OFFSET,
			align: u32::from(memarg.align),
			memory_index: memarg.memory,
		}),
		value,
		offset: memarg.offset,
	})
}

impl FarStore {
	/// `(address, value)` on the stack, stored at `address + offset` exactly as the original
	/// store does, but with the near offset: the value waits in a scratch local while the
	/// address moves up by `offset - NEAR`, or to `u32::MAX` when `address + offset` leaves
	/// the 32-bit range (the near store then faults just as the far one would have). The
	/// condition of the `select` goes through `select_scratch` like any other.
	fn emit(&self, bytes: &mut Vec<u8>, scratch: &FarStoreScratch, select_scratch: u32) {
		use Instruction as I;
		let value = if self.value == ValType::I32 { scratch.value_i32 } else { scratch.value_i64 };
		// Validation keeps 32-bit offsets below 2^32, so both constants fit in 32 bits.
		let shift = (self.offset - NEAR_STORE_OFFSET) as u32 as i32;
		let highest_address = (u64::from(u32::MAX) - self.offset) as u32 as i32;
		emit(
			bytes,
			&[
				I::LocalSet(value),
				I::LocalTee(scratch.address),
				I::I32Const(shift),
				I::I32Add,
				I::I32Const(-1),
				I::LocalGet(scratch.address),
				I::I32Const(highest_address),
				I::I32LeU,
				I::LocalTee(select_scratch),
				I::Select,
				I::LocalGet(value),
			],
		);
		self.near.encode(bytes);
	}
}

fn add_globals(globals: &mut GlobalSection) {
	for (val_type, init) in [
		(ValType::I64, ConstExpr::i64_const(0)),
		(ValType::I32, ConstExpr::i32_const(0)),
		(ValType::I32, ConstExpr::i32_const(0)),
		(ValType::I32, ConstExpr::i32_const(0)),
	] {
		globals.global(GlobalType { val_type, mutable: true, shared: false }, &init);
	}
}

fn add_exports(exports: &mut ExportSection, g: &Globals) {
	exports.export(GAS_EXPORT, ExportKind::Global, g.gas);
	exports.export(STACK_EXPORT, ExportKind::Global, g.stack);
	exports.export(REASON_EXPORT, ExportKind::Global, g.reason);
	exports.export(CALL_SITE_EXPORT, ExportKind::Global, g.call_site);
	if let Some(sp) = g.stack_pointer {
		exports.export(SP_EXPORT, ExportKind::Global, sp);
	}
}

/// Writes sections in order, inserting the ones we add where they belong.
struct Emitter {
	module: wasm_encoder::Module,
	globals_done: bool,
	exports_done: bool,
	code: Option<CodeSection>,
}

impl Emitter {
	/// Emit what we add or rewrite that must come before section `id`.
	fn before(&mut self, id: u8, g: &Globals) {
		if id > 6 && !self.globals_done {
			let mut globals = GlobalSection::new();
			add_globals(&mut globals);
			self.module.section(&globals);
			self.globals_done = true;
		}
		if id > 7 && !self.exports_done {
			let mut exports = ExportSection::new();
			add_exports(&mut exports, g);
			self.module.section(&exports);
			self.exports_done = true;
		}
		if id > 10 {
			if let Some(section) = self.code.take() {
				self.module.section(&section);
			}
		}
	}

	fn raw(&mut self, id: u8, data: &[u8], g: &Globals) {
		self.before(id, g);
		self.module.section(&RawSection { id, data });
	}
}

/// Instrument a validated module.
pub fn instrument(code: &[u8], info: ModuleInfo, config: &Config) -> Result<Instrumented, Error> {
	let bad = |_| Error::InvalidModule;
	let g = Globals {
		gas: info.globals,
		stack: info.globals + 1,
		reason: info.globals + 2,
		call_site: info.globals + 3,
		imported_funcs: u32::try_from(info.func_imports.len()).map_err(|_| Error::InvalidModule)?,
		stack_pointer: first_global_is_mutable_i32(code).then_some(0),
	};
	let stack_limit = i32::try_from(config.max_stack_height).unwrap_or(i32::MAX);
	let mut out = Emitter {
		module: wasm_encoder::Module::new(),
		globals_done: false,
		exports_done: false,
		code: None,
	};
	let mut reencoder = RoundtripReencoder;
	let mut maps = Vec::new();
	let mut defined = 0usize;

	for payload in Parser::new(0).parse_all(code) {
		match payload.map_err(bad)? {
			Payload::TypeSection(r) => out.raw(1, &code[r.range()], &g),
			Payload::ImportSection(r) => out.raw(2, &code[r.range()], &g),
			Payload::FunctionSection(r) => out.raw(3, &code[r.range()], &g),
			Payload::TableSection(r) => out.raw(4, &code[r.range()], &g),
			Payload::MemorySection(r) => out.raw(5, &code[r.range()], &g),
			Payload::GlobalSection(r) => {
				let mut globals = GlobalSection::new();
				reencoder
					.parse_global_section(&mut globals, r)
					.map_err(|_| Error::InvalidModule)?;
				add_globals(&mut globals);
				out.module.section(&globals);
				out.globals_done = true;
			}
			Payload::ExportSection(r) => {
				out.before(7, &g);
				let mut exports = ExportSection::new();
				reencoder
					.parse_export_section(&mut exports, r)
					.map_err(|_| Error::InvalidModule)?;
				add_exports(&mut exports, &g);
				out.module.section(&exports);
				out.exports_done = true;
			}
			Payload::ElementSection(r) => out.raw(9, &code[r.range()], &g),
			Payload::CodeSectionStart { .. } => {
				out.before(10, &g);
				out.code = Some(CodeSection::new());
			}
			Payload::CodeSectionEntry(body) => {
				let ty = *info.func_types.get(defined).ok_or(Error::InvalidModule)?;
				defined += 1;
				let sig = info.signature(ty)?;
				let (func, map) =
					instrument_body(&body, sig.params.len(), sig.result, &g, stack_limit)?;
				out.code.as_mut().ok_or(Error::InvalidModule)?.function(&func);
				maps.push(map);
			}
			Payload::DataSection(r) => out.raw(11, &code[r.range()], &g),
			_ => {}
		}
	}
	out.before(12, &g);
	let out = out.module.finish();

	// Locate the instrumented bodies to turn relative offsets into absolute ones.
	let mut funcs = Vec::with_capacity(maps.len());
	let mut maps = maps.into_iter();
	for payload in Parser::new(0).parse_all(&out) {
		if let Payload::CodeSectionEntry(body) = payload.map_err(bad)? {
			let start = body.get_operators_reader().map_err(bad)?.original_position() as u32;
			let entries = maps.next().ok_or(Error::InvalidModule)?;
			funcs.push(FuncMap { start, end: body.range().end as u32, entries });
		}
	}
	Ok(Instrumented { code: out, offset_map: OffsetMap { funcs }, info })
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::host::validate::validate;

	fn instrumented(text: &str) -> (Vec<u8>, Instrumented) {
		let code = wat::parse_str(text).expect("valid WAT");
		let config =
			Config { allowed_exports: vec![b"call".to_vec(), b"g".to_vec()], ..Config::default() };
		let info = validate(&code, &config).expect("valid module");
		let out = instrument(&code, info, &config).expect("instruments");
		(code, out)
	}

	fn original_offsets(code: &[u8]) -> Vec<u32> {
		let mut offsets = Vec::new();
		for payload in Parser::new(0).parse_all(code) {
			if let Payload::CodeSectionEntry(body) = payload.expect("valid") {
				for op in body.get_operators_reader().expect("valid").into_iter_with_offsets() {
					offsets.push(op.expect("valid").1 as u32);
				}
			}
		}
		offsets
	}

	#[test]
	fn output_is_valid_and_keeps_sections_in_order() {
		for text in [
			r#"(module (func (export "call")))"#,
			r#"(module (func))"#,
			r#"(module (import "env" "memory" (memory 1))
				(global $g (export "g") (mut i32) (i32.const 1)) (table 2 funcref) (elem (i32.const 0) $f)
				(func $f (export "call") (result i32) global.get $g)
				(data (i32.const 0) "x"))"#,
		] {
			let (_, out) = instrumented(text);
			wasmparser::Validator::new()
				.validate_all(&out.code)
				.expect("instrumented module validates");
			let exports: Vec<String> = Parser::new(0)
				.parse_all(&out.code)
				.filter_map(|p| match p.expect("valid") {
					Payload::ExportSection(r) => Some(
						r.into_iter()
							.map(|e| e.expect("valid").name.to_string())
							.collect::<Vec<_>>(),
					),
					_ => None,
				})
				.flatten()
				.collect();
			for name in [GAS_EXPORT, STACK_EXPORT, REASON_EXPORT] {
				assert!(exports.iter().any(|e| e == name), "{name} exported in {text}");
			}
		}
	}

	#[test]
	fn offset_map_points_back_to_original_instructions() {
		let (code, out) = instrumented(
			r#"(module (func $a i32.const 1 drop) (func (export "call") (result i32)
				(block (loop i32.const 0 br_if 0)) call $a i32.const 5 return))"#,
		);
		let originals = original_offsets(&code);
		let mut seen = Vec::new();
		for payload in Parser::new(0).parse_all(&out.code) {
			if let Payload::CodeSectionEntry(body) = payload.expect("valid") {
				for op in body.get_operators_reader().expect("valid").into_iter_with_offsets() {
					let offset = op.expect("valid").1 as u32;
					let original = out.offset_map.to_original(offset).expect("mapped");
					assert!(originals.contains(&original));
					seen.push(original);
				}
			}
		}
		// Every original instruction is the target of some instrumented instruction.
		for o in &originals {
			assert!(seen.contains(o), "original offset {o} unmapped");
		}
		assert_eq!(out.offset_map.to_original(0), None);
		assert_eq!(out.offset_map.to_original(u32::MAX), None);
	}
}
