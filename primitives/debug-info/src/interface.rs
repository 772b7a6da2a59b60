//! The `#[runtime_interface]` between the contracts pallet and the host-side debug info.
//!
//! Without the [`crate::DebugInfoExt`] extension every function is a harmless no-op: no frames,
//! nothing recorded. Trap locations are off-chain knowledge; the pallet never depends on them
//! for anything but the content of its trap events.

use crate::SourceFrame;
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
#[runtime_interface]
pub trait ContractDebug {
	/// The source frames of a trap backtrace (module offsets, innermost first) of the code
	/// `code_hash`; empty without debug info.
	fn symbolicate(
		&mut self,
		code_hash: PassPointerAndReadCopy<[u8; 32], 32>,
		offsets: PassFatPointerAndDecode<Vec<u32>>,
	) -> AllocateAndReturnByCodec<Vec<SourceFrame>> {
		use sp_externalities::ExternalitiesExt as _;
		self.extension::<DebugInfoExt>()
			.map(|ext| ext.store.symbolicate(&code_hash, &offsets))
			.unwrap_or_default()
	}

	/// Keeps `module` (with DWARF) as the debug info of the code `code_hash` (the hash of the
	/// module without its debug sections): in the node's memory, and on its disk once this
	/// runtime call finalises a block (see [`Self::take_failed`]). False if it has no usable
	/// DWARF.
	fn register(
		&mut self,
		code_hash: PassPointerAndReadCopy<[u8; 32], 32>,
		module: PassFatPointerAndRead<&[u8]>,
	) -> bool {
		use sp_externalities::ExternalitiesExt as _;
		match self.extension::<DebugInfoExt>() {
			Some(ext) => ext.register(code_hash, module),
			None => false,
		}
	}

	/// Whether debug info of `code_hash` is known.
	fn has_debug_info(&mut self, code_hash: PassPointerAndReadCopy<[u8; 32], 32>) -> bool {
		use sp_externalities::ExternalitiesExt as _;
		self.extension::<DebugInfoExt>().is_some_and(|ext| ext.store.contains(&code_hash))
	}

	/// A dispatch starts: forget the trap events of the previous one (it succeeded, so its
	/// events are on chain).
	fn begin_dispatch(&mut self) {
		use sp_externalities::ExternalitiesExt as _;
		if let Some(ext) = self.extension::<DebugInfoExt>() {
			ext.current.clear();
		}
	}

	/// Records an encoded trap event of the dispatch in progress.
	fn record_trap(&mut self, event: PassFatPointerAndRead<&[u8]>) {
		use sp_externalities::ExternalitiesExt as _;
		if let Some(ext) = self.extension::<DebugInfoExt>() {
			ext.current.push(event.to_vec());
		}
	}

	/// The dispatch in progress failed: FRAME rolls its events back, so keep its trap events
	/// for [`Self::take_failed`].
	fn dispatch_failed(&mut self) {
		use sp_externalities::ExternalitiesExt as _;
		if let Some(ext) = self.extension::<DebugInfoExt>() {
			let current = core::mem::take(&mut ext.current);
			ext.failed.extend(current);
		}
	}

	/// The trap events of failed dispatches since the last call.
	///
	/// The pallet calls this from `on_finalize`, which only block execution (building or
	/// importing a block) reaches, never a dry run: so this is also where the debug info
	/// registered by the block's uploads goes to disk.
	fn take_failed(&mut self) -> AllocateAndReturnByCodec<Vec<Vec<u8>>> {
		use sp_externalities::ExternalitiesExt as _;
		self.extension::<DebugInfoExt>()
			.map(|ext| {
				ext.block_finalised();
				core::mem::take(&mut ext.failed)
			})
			.unwrap_or_default()
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
