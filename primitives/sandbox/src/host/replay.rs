//! Backtraces for wasmi traps: wasmi reports no frames, so a wasmi instance (on the wasmi
//! backend, or on the wasmtime backend's wasmi tier while Cranelift compiles its code) keeps a
//! journal of everything that reached it from outside (memory writes, invocations, host-call
//! replies) and, when it traps, the journal is replayed on wasmtime, which does report frames.
//!
//! The replay is exact because both engines run the same instrumented module: the injected gas
//! and stack counters make every step, the trap included, happen at the same instruction, and
//! everything else that influences execution is in the journal. Every suspension of the replay
//! must match the recorded one (host function and gas left) and so must the trap (kind and gas
//! left); otherwise no frames are reported rather than wrong ones. A journal that outgrows [`MAX_JOURNAL_BYTES`] is dropped, and so are that instance's
//! frames.

use super::{
	instrument::Instrumented,
	module_cache::{ModuleCache, SharedModuleCache},
	wasmtime_backend, MemoryInit,
};
use crate::{HostError, Outcome, ReturnValue, TrapKind, Value, WASM_PAGE_SIZE};
use std::sync::Arc;

/// Bytes a journal (its steps and the memory writes they carry), or a detached memory's write
/// log, takes at most.
pub const MAX_JOURNAL_BYTES: usize = 8 << 20;

/// Items kept within [`MAX_JOURNAL_BYTES`]. A replay needs all of them or none, so once over
/// the budget everything is dropped and the log is lost.
struct BoundedLog<T> {
	items: Vec<T>,
	bytes: usize,
	lost: bool,
}

impl<T> Default for BoundedLog<T> {
	fn default() -> Self {
		Self { items: Vec::new(), bytes: 0, lost: false }
	}
}

impl<T> BoundedLog<T> {
	/// Keeps `item`, which costs `bytes` of the budget.
	fn push(&mut self, item: T, bytes: usize) {
		if self.lost {
			return;
		}
		self.bytes += bytes;
		if self.bytes > MAX_JOURNAL_BYTES {
			log::debug!(
				target: crate::LOG_TARGET,
				"wasmi journal over {MAX_JOURNAL_BYTES} bytes: this instance's traps get no frames"
			);
			self.lost = true;
			self.items = Vec::new();
			return;
		}
		self.items.push(item);
	}
}

/// Writes to a memory before an instance imports it.
#[derive(Default)]
pub struct WriteLog(BoundedLog<(u32, Vec<u8>)>);

impl WriteLog {
	/// Remember that `data` was written at `offset`.
	pub fn record(&mut self, offset: u32, data: &[u8]) {
		self.0.push((offset, data.to_vec()), data.len());
	}
}

/// Where a call stopped, to check the replay against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Checkpoint {
	HostCall { index: u32, gas_left: u64, call_site: u32 },
	Finished { gas_left: u64 },
	Trapped { kind: TrapKind, gas_left: u64 },
}

impl From<&Outcome> for Checkpoint {
	fn from(outcome: &Outcome) -> Self {
		match outcome {
			Outcome::HostCall { index, gas_left, call_site, .. } => {
				Self::HostCall { index: *index, gas_left: *gas_left, call_site: *call_site }
			}
			Outcome::Finished { gas_left, .. } => Self::Finished { gas_left: *gas_left },
			Outcome::Trapped { trap, gas_left } => {
				Self::Trapped { kind: trap.kind, gas_left: *gas_left }
			}
		}
	}
}

/// One thing that happened to an instance from outside, and for calls, where they stopped.
enum Step {
	Write { offset: u32, data: Vec<u8> },
	Invoke { export: String, args: Vec<Value>, gas: u64, stop: Checkpoint },
	Resume { reply: Result<ReturnValue, HostError>, gas_left: u64, stop: Checkpoint },
}

/// The initial memory of a journalled instance: its size and the writes made before it was
/// imported (the memory starts zeroed).
struct InitialMemory {
	pages: u32,
	maximum: u32,
	writes: Vec<(u32, Vec<u8>)>,
}

/// Everything needed to run a wasmi instance again on wasmtime.
pub struct Journal {
	instrumented: Arc<Instrumented>,
	host_funcs: Vec<u32>,
	memory: Option<InitialMemory>,
	/// Shares its budget with the memory's write log; once lost, nothing can be replayed.
	steps: BoundedLog<Step>,
}

impl Journal {
	/// A journal of an instance of `instrumented` just created with `host_funcs` and, if it
	/// imports one, a memory of `pages` (growable to `maximum`) that saw `log` before.
	pub fn new(
		instrumented: Arc<Instrumented>,
		host_funcs: &[u32],
		memory: Option<(u32, u32, WriteLog)>,
	) -> Self {
		let mut steps = BoundedLog::default();
		let memory = memory.map(|(pages, maximum, WriteLog(log))| {
			steps.bytes = log.bytes;
			steps.lost = log.lost;
			InitialMemory { pages, maximum, writes: log.items }
		});
		Self { instrumented, host_funcs: host_funcs.to_vec(), memory, steps }
	}

	/// Records `step`, which carries `payload` bytes on the heap besides itself.
	fn push(&mut self, step: Step, payload: usize) {
		self.steps.push(step, core::mem::size_of::<Step>() + payload);
	}

	/// The runtime wrote `data` at `offset` into the instance's memory.
	pub fn write(&mut self, offset: u32, data: &[u8]) {
		self.push(Step::Write { offset, data: data.to_vec() }, data.len());
	}

	/// The runtime called `export`, which stopped with `outcome`.
	pub fn invoke(&mut self, export: &str, args: &[Value], gas: u64, outcome: &Outcome) {
		let step =
			Step::Invoke { export: export.into(), args: args.to_vec(), gas, stop: outcome.into() };
		self.push(step, export.len() + args.len() * 8);
	}

	/// The runtime answered a host call, and the code went on until `outcome`.
	pub fn resume(
		&mut self,
		reply: Result<ReturnValue, HostError>,
		gas_left: u64,
		outcome: &Outcome,
	) {
		self.push(Step::Resume { reply, gas_left, stop: outcome.into() }, 0);
	}

	/// Run the journal on wasmtime and return the frames of the trap it ends with, if every
	/// call stops exactly where it did on wasmi.
	pub fn replay(&self, cache: &SharedModuleCache) -> Option<Vec<u32>> {
		if self.steps.lost {
			return None;
		}
		// On the wasmtime backend's wasmi tier this waits for the background compile.
		let prepared = ModuleCache::wasmtime_for(cache, &self.instrumented)?;
		let memory = self.memory.as_ref().map(|m| {
			let mut data = vec![0u8; m.pages as usize * WASM_PAGE_SIZE as usize];
			for (offset, bytes) in &m.writes {
				// Writes were bounds-checked when they were made.
				let start = *offset as usize;
				if let Some(dst) = data.get_mut(start..start + bytes.len()) {
					dst.copy_from_slice(bytes);
				}
			}
			MemoryInit { data, pages: m.pages, maximum: m.maximum }
		});
		let mut instance = wasmtime_backend::instantiate(
			&prepared,
			self.instrumented.clone(),
			&self.host_funcs,
			memory,
		)
		.ok()?;
		let mut last = None;
		for step in &self.steps.items {
			let (outcome, expected) = match step {
				Step::Write { offset, data } => {
					instance.write_memory(*offset, data).ok()?;
					continue;
				}
				Step::Invoke { export, args, gas, stop } => {
					(instance.invoke(export, args, *gas).ok()?, *stop)
				}
				Step::Resume { reply, gas_left, stop } => {
					(instance.resume(*reply, *gas_left).ok()?, *stop)
				}
			};
			let reached = Checkpoint::from(&outcome);
			if reached != expected {
				log::warn!(
					target: crate::LOG_TARGET,
					"replaying a wasmi instance on wasmtime diverged: {reached:?}, not {expected:?}"
				);
				return None;
			}
			last = Some(outcome);
		}
		match last? {
			Outcome::Trapped { trap, .. } => Some(trap.frames),
			_ => None,
		}
	}
}

#[cfg(test)]
mod tests {
	/// A journal keeps tens of thousands of host calls before it gives up.
	#[test]
	fn the_budget_holds_many_host_calls() {
		// 80-byte steps today: about 100,000 host calls (docs/ARCHITECTURE.md says so).
		let steps = super::MAX_JOURNAL_BYTES / core::mem::size_of::<super::Step>();
		assert!(steps > 50_000, "{steps}");
	}
}
