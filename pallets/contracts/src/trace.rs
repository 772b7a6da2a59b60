//! Recording a call tree for the node's trace RPCs.
//!
//! A [`Tracer`] exists only when the node asked for traces (`contract_debug::tracing`): it
//! re-executes a block, or dry-runs a call, with a collector registered. The call stack opens
//! and closes a [`CallTrace`] around every frame, and host functions, storage writes and events
//! land in the innermost open one. Sizes are capped (`callisto_debug_info::trace`), so a
//! hostile contract cannot make a trace grow without bound.

use crate::trap::TrapInfo;
use alloc::vec::Vec;
use callisto_debug_info::{
	contract_debug,
	trace::{
		capped, CallOutcome, CallTrace, EmittedEvent, HostCall, HostCallResult, StorageChange,
		Trace, TrapRecord, MAX_HOST_CALLS, MAX_STORAGE_CHANGES,
	},
};
use codec::Encode;

/// The call tree of one top-level call, while it runs.
pub struct Tracer {
	/// Frames not yet finished, outermost first.
	open: Vec<CallTrace>,
	/// The outermost frame, once finished.
	root: Option<CallTrace>,
	host_calls: usize,
	storage_changes: usize,
	dropped: u32,
}

impl Tracer {
	/// A tracer if the node wants traces.
	pub fn if_enabled() -> Option<Self> {
		contract_debug::tracing().then(|| Self {
			open: Vec::new(),
			root: None,
			host_calls: 0,
			storage_changes: 0,
			dropped: 0,
		})
	}

	/// A frame starts running: `frame` has what is known at its start (output, gas used and
	/// outcome are filled in by [`Self::exit`]).
	pub fn enter(&mut self, frame: CallTrace) {
		self.open.push(frame);
	}

	/// The innermost frame finished.
	pub fn exit(&mut self, output: &[u8], gas_used: u64, outcome: CallOutcome) {
		let Some(mut frame) = self.open.pop() else { return };
		frame.output = capped(output);
		frame.gas_used = gas_used;
		frame.outcome = outcome;
		match self.open.last_mut() {
			Some(parent) => parent.calls.push(frame),
			None => self.root = Some(frame),
		}
	}

	/// Number of frames the innermost open frame created so far.
	pub fn nested_calls(&self) -> usize {
		self.open.last().map_or(0, |f| f.calls.len())
	}

	/// A host function of the innermost frame returned; `calls_before` is
	/// [`Self::nested_calls`] from before it ran.
	pub fn host_call(
		&mut self,
		name: &str,
		args: Vec<i64>,
		call_site: u32,
		result: HostCallResult,
		calls_before: usize,
	) {
		if self.host_calls >= MAX_HOST_CALLS {
			self.dropped = self.dropped.saturating_add(1);
			return;
		}
		let Some(frame) = self.open.last_mut() else { return };
		self.host_calls += 1;
		let nested = (frame.calls.len() > calls_before).then(|| frame.calls.len() as u32 - 1);
		frame.host_calls.push(HostCall { name: name.into(), args, call_site, result, nested });
	}

	/// The innermost frame wrote its storage.
	pub fn storage(&mut self, key: &[u8], old: Option<Vec<u8>>, new: Option<&[u8]>) {
		if self.storage_changes >= MAX_STORAGE_CHANGES {
			self.dropped = self.dropped.saturating_add(1);
			return;
		}
		let Some(frame) = self.open.last_mut() else { return };
		self.storage_changes += 1;
		frame.storage.push(StorageChange {
			key: capped(key),
			old: old.map(|v| capped(&v)),
			new: new.map(capped),
		});
	}

	/// The innermost frame emitted an event.
	pub fn event(&mut self, topics: Vec<[u8; 32]>, data: &[u8]) {
		if let Some(frame) = self.open.last_mut() {
			frame.events.push(EmittedEvent { topics, data: capped(data) });
		}
	}

	/// Hands the finished tree to the node.
	pub fn submit(self, extrinsic_index: Option<u32>) {
		if let Some(root) = self.root {
			let trace = Trace { extrinsic_index, root, dropped: self.dropped };
			contract_debug::submit_trace(&trace.encode());
		}
	}
}

/// A trap as the trace keeps it: offsets, symbolicated by the node when it renders.
pub fn trap_record(code_hash: &impl AsRef<[u8]>, trap: &TrapInfo) -> TrapRecord {
	TrapRecord {
		kind: alloc::format!("{:?}", trap.kind),
		message: trap.message.clone(),
		code_hash: hash_bytes(code_hash),
		offsets: trap.offsets.clone(),
	}
}

/// A 32-byte hash (code hash, event topic) as bytes; shorter hashes are zero-padded.
pub fn hash_bytes(hash: &impl AsRef<[u8]>) -> [u8; 32] {
	let mut bytes = [0u8; 32];
	let hash = hash.as_ref();
	let n = hash.len().min(32);
	bytes[..n].copy_from_slice(&hash[..n]);
	bytes
}
