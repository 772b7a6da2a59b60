//! The `#[runtime_interface]` between the contracts pallet and the host-side debug info.
//!
//! Symbolication is a pure function of its arguments, so every node computes the same trap
//! events from the same chain. The other functions only tell the node things (debug builds
//! seen, traces recorded) and are no-ops without its extensions.

use crate::{CheckedArithmetic, SourceFrame};
#[cfg(not(substrate_runtime))]
use crate::{DebugInfoExt, TraceExt};
use alloc::vec::Vec;
use sp_runtime_interface::{
	pass_by::{
		AllocateAndReturnByCodec, PassFatPointerAndDecode, PassFatPointerAndRead,
		PassPointerAndReadCopy,
	},
	runtime_interface,
};

/// Host functions of Callisto's source-level traps.
///
/// What the runtime reads back is a function of what it passes in, nothing else: the source
/// frames of DWARF the chain stores. The node's store only learns of debug builds (for the trace
/// RPCs and the CLI, which render off chain) and keeps decoded DWARF to answer faster.
#[runtime_interface]
pub trait ContractDebug {
	/// The source frames of a trap backtrace (module offsets, innermost first) given the DWARF
	/// the chain keeps of the code (a [`crate::DwarfSections`] in parts); empty if that DWARF is
	/// unusable.
	fn symbolicate_dwarf(
		&mut self,
		code_start: u32,
		code_end: u32,
		sections: PassFatPointerAndRead<&[u8]>,
		offsets: PassFatPointerAndDecode<Vec<u32>>,
	) -> AllocateAndReturnByCodec<Vec<SourceFrame>> {
		with_dwarf(*self, code_start, code_end, sections, |info| {
			info.symbolicate_backtrace(&offsets)
		})
		.unwrap_or_default()
	}

	/// What the standard-library panic at the end of a trap backtrace (module offsets of
	/// `code`, the stripped module, innermost first) was checking, read from the code where the
	/// contract called it and the DWARF the chain keeps of it (see
	/// [`crate::DebugInfo::checked_arithmetic`]); `None` if they do not say.
	fn checked_arithmetic(
		&mut self,
		code_start: u32,
		code_end: u32,
		sections: PassFatPointerAndRead<&[u8]>,
		code: PassFatPointerAndRead<&[u8]>,
		offsets: PassFatPointerAndDecode<Vec<u32>>,
	) -> AllocateAndReturnByCodec<Option<CheckedArithmetic>> {
		with_dwarf(*self, code_start, code_end, sections, |info| {
			info.checked_arithmetic(code, &offsets)
		})
		.flatten()
	}

	/// Tells the node's store that `module` (with DWARF) is a debug build of the code
	/// `code_hash` (the hash of the module without its debug sections), for rendering traces
	/// off chain: in memory now, on disk once this runtime call finalises a block (see
	/// [`Self::block_finalised`]).
	fn register(
		&mut self,
		code_hash: PassPointerAndReadCopy<[u8; 32], 32>,
		module: PassFatPointerAndRead<&[u8]>,
	) {
		use sp_externalities::ExternalitiesExt as _;
		if let Some(ext) = self.extension::<DebugInfoExt>() {
			ext.register(code_hash, module);
		}
	}

	/// This runtime call finalises a block: the debug builds its uploads registered are of code
	/// on chain, so the store writes them to disk.
	///
	/// The pallet calls this from `on_finalize`, which only block execution (building or
	/// importing a block) reaches, never a dry run.
	fn block_finalised(&mut self) {
		use sp_externalities::ExternalitiesExt as _;
		if let Some(ext) = self.extension::<DebugInfoExt>() {
			ext.block_finalised();
		}
	}

	/// Whether the node wants traces of contract calls (a [`TraceExt`] is registered).
	fn tracing(&mut self) -> bool {
		use sp_externalities::ExternalitiesExt as _;
		self.extension::<TraceExt>().is_some()
	}

	/// Hands an encoded [`crate::trace::Trace`] to the node.
	fn submit_trace(&mut self, trace: PassFatPointerAndRead<&[u8]>) {
		use sp_externalities::ExternalitiesExt as _;
		if let Some(ext) = self.extension::<TraceExt>() {
			ext.submit(trace);
		}
	}
}

/// `f` of the decoded DWARF of a [`crate::DwarfSections`] given by its fields: from the node's
/// store when it has one (which keeps decoded DWARF by its content, so the answer is the same),
/// else decoded here.
#[cfg(not(substrate_runtime))]
fn with_dwarf<R>(
	mut ext: &mut dyn sp_externalities::Externalities,
	code_start: u32,
	code_end: u32,
	sections: &[u8],
	f: impl FnOnce(&crate::DebugInfo) -> R,
) -> Option<R> {
	use sp_externalities::ExternalitiesExt as _;
	match ext.extension::<DebugInfoExt>() {
		Some(store) => store.store.with_sections(code_start, code_end, sections, f),
		None => {
			crate::DebugInfo::from_parts(code_start, code_end, sections).ok().map(|info| f(&info))
		}
	}
}
