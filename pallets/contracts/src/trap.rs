//! Why and where a contract trapped, in the words a developer uses.
//!
//! The sandbox says how execution stopped (`unreachable`, out of gas, a host error...). Rust
//! turns every panic into `unreachable`, so the kind a developer cares about (overflow, index
//! out of bounds, a failed assert) comes from the panic message ink! debug builds print, or
//! else from the names of the standard-library frames in the symbolicated backtrace.

use alloc::{string::String, vec::Vec};
use callisto_debug_info::SourceFrame;
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
	/// A trap the sandbox reported, with the message the contract printed last (if any) and
	/// the symbolicated backtrace (empty without debug info).
	pub fn from_engine(
		kind: sp_sandbox::TrapKind,
		message: Option<&str>,
		frames: &[SourceFrame],
	) -> Self {
		let kind = classify(kind, message, frames);
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

fn classify(kind: sp_sandbox::TrapKind, message: Option<&str>, frames: &[SourceFrame]) -> TrapKind {
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
	// The standard library's panic functions call one another (`panic_const_add_overflow`,
	// then `panic_fmt`, then the panic handler): the outermost one, which the contract called,
	// is the one that says why.
	frames
		.iter()
		.rev()
		.filter_map(|f| f.function.as_deref())
		.find_map(from_function)
		.unwrap_or(TrapKind::Unreachable)
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

/// The kind a standard-library panic function's name implies.
fn from_function(function: &str) -> Option<TrapKind> {
	if !function.starts_with("core::panicking") && !function.starts_with("std::panicking") {
		return None;
	}
	let has = |s: &str| function.contains(s);
	Some(if has("overflow") {
		TrapKind::ArithmeticOverflow
	} else if has("div_by_zero") || has("rem_by_zero") {
		TrapKind::DivisionByZero
	} else if has("bounds_check") {
		TrapKind::IndexOutOfBounds
	} else if has("assert_failed") {
		TrapKind::AssertionFailed
	} else {
		TrapKind::Panic
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn messages_and_panic_functions_name_the_kind() {
		let engine = sp_sandbox::TrapKind::Unreachable;
		let kind = |m: &str| classify(engine, Some(m), &[]);
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
		let frame = |f: &str| SourceFrame {
			function: Some(f.into()),
			file: None,
			line: None,
			column: None,
			inlined: false,
			in_contract: false,
		};
		let by_frames = |f: &str| classify(engine, None, &[frame("ink::x"), frame(f)]);
		assert_eq!(
			by_frames("core::panicking::panic_const::panic_const_mul_overflow"),
			TrapKind::ArithmeticOverflow
		);
		assert_eq!(by_frames("core::panicking::panic_bounds_check"), TrapKind::IndexOutOfBounds);
		assert_eq!(by_frames("core::panicking::panic_fmt"), TrapKind::Panic);
		assert_eq!(by_frames("my::function"), TrapKind::Unreachable);
		// A build without ink!'s `ink-debug` prints nothing: the whole chain of panic functions
		// is in the backtrace, innermost first, and the one the contract called decides.
		let chain = [
			frame("ink_env::engine::on_chain::panic"),
			frame("core::panicking::panic_fmt"),
			frame("core::panicking::panic_const::panic_const_add_overflow"),
			frame("trapper::trapper::Trapper::overflow"),
			frame("call"),
		];
		assert_eq!(classify(engine, None, &chain), TrapKind::ArithmeticOverflow);
		let explicit = [chain[0].clone(), chain[1].clone(), frame("trapper::Trapper::panic")];
		assert_eq!(classify(engine, None, &explicit), TrapKind::Panic);
		assert_eq!(
			classify(sp_sandbox::TrapKind::OutOfGas, Some("panicked at"), &[]),
			TrapKind::OutOfGas
		);
		assert_eq!(truncate(&"é".repeat(600)).len(), 1024);
		assert_eq!(truncate("panicked at a.rs:1:2:\nboom\n"), "panicked at a.rs:1:2: boom");
	}
}
