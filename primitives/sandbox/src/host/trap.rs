//! Backend-neutral classification of engine traps: one mapping function per engine.

use super::instrument::{OffsetMap, REASON_OUT_OF_GAS, REASON_STACK};
use crate::{Trap, TrapKind};

/// The trap a runtime-side host function asked for (carried through the engines as a host
/// error).
#[derive(Debug, Clone, Copy)]
pub struct HostTrap(pub u32);

impl core::fmt::Display for HostTrap {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "host function trapped with code {}", self.0)
	}
}

impl std::error::Error for HostTrap {}

impl wasmi::errors::HostError for HostTrap {}

/// `unreachable` executed by injected code means out of gas or stack exhausted.
fn unreachable_kind(reason: i32) -> TrapKind {
	match reason {
		REASON_OUT_OF_GAS => TrapKind::OutOfGas,
		REASON_STACK => TrapKind::StackExhausted,
		_ => TrapKind::Unreachable,
	}
}

/// Classify a wasmi error. wasmi reports no backtrace, so there are no frames.
pub fn from_wasmi(err: &wasmi::Error, reason: i32) -> Trap {
	use wasmi::TrapCode as C;
	let kind = if let Some(host) = err.downcast_ref::<HostTrap>() {
		TrapKind::Host(host.0)
	} else {
		match err.as_trap_code() {
			Some(C::UnreachableCodeReached) => unreachable_kind(reason),
			Some(C::MemoryOutOfBounds) => TrapKind::MemoryOutOfBounds,
			Some(C::TableOutOfBounds) => TrapKind::TableOutOfBounds,
			Some(C::IndirectCallToNull) => TrapKind::IndirectCallToNull,
			Some(C::BadSignature) => TrapKind::IndirectCallTypeMismatch,
			Some(C::IntegerOverflow) => TrapKind::IntegerOverflow,
			Some(C::IntegerDivisionByZero) => TrapKind::IntegerDivisionByZero,
			Some(C::BadConversionToInteger) => TrapKind::BadConversionToInteger,
			// Not reachable: the instrumented limit fires first. Kept neutral anyway.
			Some(C::StackOverflow) => TrapKind::StackExhausted,
			_ => {
				log::warn!(target: crate::LOG_TARGET, "unclassified wasmi trap: {err}");
				TrapKind::Other
			}
		}
	};
	Trap { kind, frames: Vec::new() }
}

/// Classify a wasmtime error; frames are translated to the original module's code offsets.
pub fn from_wasmtime(err: &wasmtime::Error, reason: i32, map: &OffsetMap) -> Trap {
	use wasmtime::Trap as T;
	let kind = if let Some(host) = err.downcast_ref::<HostTrap>() {
		TrapKind::Host(host.0)
	} else {
		match err.downcast_ref::<T>() {
			Some(T::UnreachableCodeReached) => unreachable_kind(reason),
			Some(T::MemoryOutOfBounds) => TrapKind::MemoryOutOfBounds,
			Some(T::TableOutOfBounds) => TrapKind::TableOutOfBounds,
			Some(T::IndirectCallToNull) => TrapKind::IndirectCallToNull,
			Some(T::BadSignature) => TrapKind::IndirectCallTypeMismatch,
			Some(T::IntegerOverflow) => TrapKind::IntegerOverflow,
			Some(T::IntegerDivisionByZero) => TrapKind::IntegerDivisionByZero,
			Some(T::BadConversionToInteger) => TrapKind::BadConversionToInteger,
			Some(T::StackOverflow) => TrapKind::StackExhausted,
			_ => {
				log::warn!(target: crate::LOG_TARGET, "unclassified wasmtime trap: {err:?}");
				TrapKind::Other
			}
		}
	};
	let frames = err
		.downcast_ref::<wasmtime::WasmBacktrace>()
		.map(|bt| {
			bt.frames()
				.iter()
				.filter_map(|f| f.module_offset())
				.filter_map(|off| map.to_original(u32::try_from(off).ok()?))
				.collect()
		})
		.unwrap_or_default();
	Trap { kind, frames }
}
