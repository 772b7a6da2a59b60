//! The host side of traces: an extension that collects what the pallet submits during one
//! runtime call (a re-executed block, or a dry-run).

use crate::trace::Trace;
use codec::Decode;
use std::sync::{Arc, Mutex};

/// Traces submitted so far. Clones share them: keep one, register the extension with another,
/// read after the runtime call.
#[derive(Clone, Default)]
pub struct TraceCollector(Arc<Mutex<Vec<Trace>>>);

impl TraceCollector {
	/// An empty collector.
	pub fn new() -> Self {
		Self::default()
	}

	/// Takes the traces collected so far, in submission order.
	pub fn take(&self) -> Vec<Trace> {
		core::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
	}

	fn push(&self, trace: Trace) {
		self.0.lock().unwrap_or_else(|e| e.into_inner()).push(trace);
	}
}

sp_externalities::decl_extension! {
	/// Register this to make the contracts pallet record and submit traces.
	pub struct TraceExt(TraceCollector);
}

impl TraceExt {
	/// The extension feeding `collector`.
	pub fn new(collector: TraceCollector) -> Self {
		Self(collector)
	}

	/// Keeps an encoded trace; an undecodable one (a runtime of another version) is logged
	/// and dropped.
	pub(crate) fn submit(&self, encoded: &[u8]) {
		match Trace::decode(&mut &encoded[..]) {
			Ok(trace) => self.0.push(trace),
			Err(e) => log::warn!(target: "callisto::trace", "undecodable trace dropped: {e}"),
		}
	}
}
