//! The types of `ContractTrapped`'s `kind` and `location`.
//!
//! They live under `wasm::trap` because their metadata paths
//! (`pallet_contracts::wasm::trap::TrapKind`, `...::SourceLocation`) are what clients'
//! generated types are named after; how a trap is classified and located is `crate::trap`.

use alloc::string::String;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum TrapKind {
	/// `panic!` or another explicit panic.
	Panic,
	/// An `assert!` failed.
	AssertionFailed,
	/// Arithmetic overflow (overflow checks are on).
	ArithmeticOverflow,
	/// Division or remainder by zero.
	DivisionByZero,
	/// A slice or array index out of bounds.
	IndexOutOfBounds,
	/// `unreachable` without a panic behind it.
	Unreachable,
	/// A load or store outside the contract's memory.
	MemoryOutOfBounds,
	/// The call stack of the contract grew too deep.
	StackExhausted,
	/// The gas limit ran out.
	OutOfGas,
	/// A host function refused the call; the message names it and the error.
	HostFunction,
	/// Anything else the engine reported (indirect-call mismatches and the like).
	Other,
}

/// Where in the contract's own source it trapped. Text fields are `String`s (`str` in the
/// metadata), so cargo-contract and polkadot.js show them as text rather than bytes.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct SourceLocation {
	/// The source file, as recorded at build time.
	pub file: String,
	pub line: u32,
	pub column: u32,
	/// The demangled function.
	pub function: String,
}

impl SourceLocation {
	/// Where it is, written as everywhere else Callisto shows a source position.
	pub fn position(&self) -> callisto_debug_info::SourcePosition<'_> {
		callisto_debug_info::SourcePosition {
			file: Some(&self.file),
			line: Some(self.line),
			column: Some(self.column),
			function: Some(&self.function),
		}
	}
}
