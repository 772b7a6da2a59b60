//! Why and where a contract trapped, in the words a developer uses.
//!
//! The sandbox says how execution stopped (`unreachable`, out of gas, a host error...). Rust
//! turns every panic into `unreachable`, so the kind a developer cares about (overflow, index
//! out of bounds, a failed assert) comes from the panic message ink! debug builds print, or
//! else from the names of the standard-library frames in the symbolicated backtrace, or, for a
//! panic function LLVM folded, from the check at the contract's call into it
//! (`CheckedArithmetic`).

use alloc::{string::String, vec::Vec};
use callisto_debug_info::{CheckedArithmetic, SourceFrame};
use sp_runtime::DispatchError;

pub use crate::wasm::trap::{SourceLocation, TrapKind};

/// The name of a dispatch error, as developers know it (`OutOfBounds`, `TransferFailed`).
pub(crate) fn error_name(error: &DispatchError) -> &'static str {
	match error {
		DispatchError::Module(module) => module.message.unwrap_or("module error"),
		other => (*other).into(),
	}
}

/// Longest message an event carries.
const MAX_MESSAGE: usize = 1024;

/// What the pallet records about one trapped frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrapInfo {
	pub kind: TrapKind,
	pub message: String,
	pub location: Option<SourceLocation>,
	/// Code offsets of the backtrace, innermost first (for traces; the event has `location`).
	pub offsets: Vec<u32>,
}

impl TrapInfo {
	/// A trap the sandbox reported, with the message the contract printed last (if any), the
	/// symbolicated backtrace (empty without debug info), and what the code says a panic
	/// without a message was checking (asked only for such a panic).
	pub fn from_engine(
		kind: sp_sandbox::TrapKind,
		message: Option<&str>,
		frames: &[SourceFrame],
		checked_arithmetic: impl FnOnce() -> Option<CheckedArithmetic>,
	) -> Self {
		let kind = classify(kind, message, frames, checked_arithmetic);
		Self {
			kind,
			message: truncate(message.unwrap_or_default()),
			location: locate(frames),
			offsets: Vec::new(),
		}
	}

	/// A host function that refused the call (`error` names why).
	pub fn from_host(function: &str, error: &str, frames: &[SourceFrame]) -> Self {
		let mut message = String::from(function);
		message.push_str(": ");
		message.push_str(error);
		Self {
			kind: TrapKind::HostFunction,
			message: truncate(&message),
			location: locate(frames),
			offsets: Vec::new(),
		}
	}

	/// Out of gas where the engine stopped.
	pub fn out_of_gas(frames: &[SourceFrame]) -> Self {
		Self {
			kind: TrapKind::OutOfGas,
			message: String::new(),
			location: locate(frames),
			offsets: Vec::new(),
		}
	}
}

/// The message on one line (so UIs show it as text, not hex), at most `MAX_MESSAGE` bytes.
fn truncate(message: &str) -> String {
	let message: String =
		message.trim().chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
	let mut end = message.len().min(MAX_MESSAGE);
	while !message.is_char_boundary(end) {
		end -= 1;
	}
	message[..end].into()
}

/// The innermost frame in the contract's own code.
fn locate(frames: &[SourceFrame]) -> Option<SourceLocation> {
	let frame = callisto_debug_info::user_frame(frames)?;
	Some(SourceLocation {
		file: frame.file.clone().unwrap_or_default(),
		line: frame.line.unwrap_or_default(),
		column: frame.column.unwrap_or_default(),
		function: frame.function.clone().unwrap_or_default(),
	})
}

fn classify(
	kind: sp_sandbox::TrapKind,
	message: Option<&str>,
	frames: &[SourceFrame],
	checked_arithmetic: impl FnOnce() -> Option<CheckedArithmetic>,
) -> TrapKind {
	use sp_sandbox::TrapKind as Engine;
	match kind {
		Engine::Unreachable => {}
		Engine::MemoryOutOfBounds => return TrapKind::MemoryOutOfBounds,
		Engine::StackExhausted => return TrapKind::StackExhausted,
		Engine::OutOfGas => return TrapKind::OutOfGas,
		Engine::IntegerDivisionByZero => return TrapKind::DivisionByZero,
		Engine::IntegerOverflow => return TrapKind::ArithmeticOverflow,
		Engine::Host(_) => return TrapKind::HostFunction,
		_ => return TrapKind::Other,
	}
	if let Some(kind) = message.and_then(from_message) {
		return kind;
	}
	// The standard library's panic functions call one another (`panic_bounds_check`, then
	// `panic_fmt`, then the panic handler): the outermost one, which the contract called, is the
	// one that says why.
	let Some(function) = frames
		.iter()
		.rev()
		.filter_map(|f| f.function.as_deref())
		.find(|f| f.starts_with("core::panicking") || f.starts_with("std::panicking"))
	else {
		return TrapKind::Unreachable;
	};
	if !callisto_debug_info::is_folded_panic_function(function) {
		return from_function(function);
	}
	// Without a message these are one copy under any one of their names (it may be called
	// `panic_const_div_by_zero` and be reached by an overflow): the check at the call decides.
	match checked_arithmetic() {
		Some(CheckedArithmetic::Overflow) => TrapKind::ArithmeticOverflow,
		Some(CheckedArithmetic::DivisionByZero) => TrapKind::DivisionByZero,
		None => TrapKind::Panic,
	}
}

/// The kind a Rust panic message names.
fn from_message(message: &str) -> Option<TrapKind> {
	let has = |s: &str| message.contains(s);
	if has("with overflow") {
		Some(TrapKind::ArithmeticOverflow)
	} else if has("divide by zero") || has("remainder with a divisor of zero") {
		Some(TrapKind::DivisionByZero)
	} else if has("index out of bounds") {
		Some(TrapKind::IndexOutOfBounds)
	} else if has("assertion") && has("failed") {
		Some(TrapKind::AssertionFailed)
	} else if has("entered unreachable code") {
		// `unreachable!()`: a panic, but the developer said "unreachable".
		Some(TrapKind::Unreachable)
	} else if has("panicked at") {
		Some(TrapKind::Panic)
	} else {
		None
	}
}

/// The kind a standard-library panic function of its own (not a folded one) implies.
fn from_function(function: &str) -> TrapKind {
	if function.contains("bounds_check") {
		TrapKind::IndexOutOfBounds
	} else if function.contains("assert_failed") {
		TrapKind::AssertionFailed
	} else {
		TrapKind::Panic
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn frame(function: &str) -> SourceFrame {
		SourceFrame {
			function: Some(function.into()),
			file: None,
			line: None,
			column: None,
			inlined: false,
			in_contract: false,
		}
	}

	const ENGINE: sp_sandbox::TrapKind = sp_sandbox::TrapKind::Unreachable;

	#[test]
	fn messages_and_panic_functions_name_the_kind() {
		let kind = |m: &str| classify(ENGINE, Some(m), &[], || None);
		assert_eq!(
			kind("panicked at lib.rs:1:1:\nattempt to add with overflow"),
			TrapKind::ArithmeticOverflow
		);
		assert_eq!(kind("panicked at x:\nattempt to divide by zero"), TrapKind::DivisionByZero);
		assert_eq!(
			kind("panicked at x:\nindex out of bounds: the len is 3"),
			TrapKind::IndexOutOfBounds
		);
		assert_eq!(kind("panicked at x:\nassertion failed: a == b"), TrapKind::AssertionFailed);
		assert_eq!(kind("panicked at x:\nmy own panic"), TrapKind::Panic);
		assert_eq!(
			kind("panicked at x:\ninternal error: entered unreachable code: nope"),
			TrapKind::Unreachable
		);
		let by_frames = |f: &str| classify(ENGINE, None, &[frame("ink::x"), frame(f)], || None);
		assert_eq!(by_frames("core::panicking::panic_bounds_check"), TrapKind::IndexOutOfBounds);
		assert_eq!(
			by_frames("core::panicking::assert_failed<u32, u32>"),
			TrapKind::AssertionFailed
		);
		assert_eq!(by_frames("core::panicking::panic_fmt"), TrapKind::Panic);
		assert_eq!(by_frames("my::function"), TrapKind::Unreachable);
		// A build without ink!'s `ink-debug` prints nothing: the whole chain of panic functions
		// is in the backtrace, innermost first, and the one the contract called decides.
		let chain = [
			frame("ink_env::engine::on_chain::panic"),
			frame("core::panicking::panic_fmt"),
			frame("core::panicking::panic_bounds_check"),
			frame("trapper::trapper::Trapper::index"),
			frame("call"),
		];
		assert_eq!(classify(ENGINE, None, &chain, || None), TrapKind::IndexOutOfBounds);
		assert_eq!(
			classify(sp_sandbox::TrapKind::OutOfGas, Some("panicked at"), &[], || None),
			TrapKind::OutOfGas
		);
		assert_eq!(truncate(&"é".repeat(600)).len(), 1024);
		assert_eq!(truncate("panicked at a.rs:1:2:\nboom\n"), "panicked at a.rs:1:2: boom");
	}

	#[test]
	fn a_folded_panic_function_is_what_the_check_at_its_call_says_whatever_its_name() {
		let kind = |function: &str, message: Option<&str>, check: Option<CheckedArithmetic>| {
			let frames = [frame("core::panicking::panic_fmt"), frame(function), frame("call")];
			TrapInfo::from_engine(ENGINE, message, &frames, || check).kind
		};
		let div = "core::panicking::panic_const::panic_const_div_by_zero";
		// The copy LLVM kept may carry any of the folded names.
		assert_eq!(
			kind(div, None, Some(CheckedArithmetic::Overflow)),
			TrapKind::ArithmeticOverflow
		);
		assert_eq!(kind(div, None, None), TrapKind::Panic);
		assert_eq!(
			kind("core::panicking::panic", None, Some(CheckedArithmetic::DivisionByZero)),
			TrapKind::DivisionByZero
		);
		// An earlier `debug_println!` is not a panic message: the check still decides.
		assert_eq!(
			kind(div, Some("balance is 3"), Some(CheckedArithmetic::Overflow)),
			TrapKind::ArithmeticOverflow
		);
		// A message that names the kind wins, and the code is not asked.
		let asked = core::cell::Cell::new(false);
		let ask = || {
			asked.set(true);
			Some(CheckedArithmetic::Overflow)
		};
		let frames = [frame(div)];
		let info = TrapInfo::from_engine(ENGINE, Some("panicked at x:\nboom"), &frames, ask);
		assert_eq!((info.kind, asked.get()), (TrapKind::Panic, false));
		// A panic function of its own, or no panic at all: not asked either.
		let frames = [frame("core::panicking::panic_bounds_check")];
		let info = TrapInfo::from_engine(ENGINE, None, &frames, ask);
		assert_eq!((info.kind, asked.get()), (TrapKind::IndexOutOfBounds, false));
		let stack = sp_sandbox::TrapKind::StackExhausted;
		let info = TrapInfo::from_engine(stack, None, &[], ask);
		assert_eq!((info.kind, asked.get()), (TrapKind::StackExhausted, false));
	}
}
