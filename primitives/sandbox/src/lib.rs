//! A runtime-driven Wasm sandbox for contracts.
//!
//! # What
//!
//! The runtime (which itself runs as Wasm inside the node) loads a contract's Wasm code into a
//! sandbox on the host, calls its exports, and services the contract's calls to imported host
//! functions itself. Two engines are compiled in, [`Backend::Wasmi`] (interpreter) and
//! [`Backend::Wasmtime`] (JIT), chosen per process at run time by whoever registers the
//! [`SandboxExt`] extension.
//!
//! # Why it is built this way
//!
//! stable2609 Substrate executes the runtime only as Wasm, and a host function cannot call back
//! into the runtime instance. So when a contract calls an imported function, the host
//! *suspends* the contract (wasmi: resumable calls; wasmtime: an async host function on a fiber
//! that is polled by hand) and returns `(host function index, arguments, gas left)` to the
//! runtime. The runtime runs its own function (reading and writing the contract's memory through
//! the sandbox) and *resumes* the contract with the result or a trap. The runtime never holds a
//! pointer into host memory: everything crosses the boundary as SCALE-encoded values and handles.
//!
//! Gas is metered deterministically by instrumenting the module (an `i64` global charged per
//! basic block), and stack depth by an instrumented per-function cost counter, so both engines
//! agree to the unit on gas and on where execution stops.
//!
//! # Faces
//!
//! `#[runtime_interface]` in stable2609 generates the runtime (forwarder) face under
//! `cfg(substrate_runtime)` and the host face otherwise. This crate follows the same cfg: the
//! host side ([`host`], the engines, the extension) exists wherever the host face exists, and the
//! runtime-side API ([`Memory`], [`EnvironmentDefinitionBuilder`], [`Instance`]) is the same on
//! both faces, so pallets can be unit tested natively inside `sp_io::TestExternalities` with a
//! [`SandboxExt`] registered.
//!
//! # Wiring it into a node
//!
//! - Executor host functions: `(sp_io::SubstrateHostFunctions, sp_sandbox::HostFunctions)`.
//! - One [`SharedModuleCache`] per process (`ModuleCache::new_shared(bytes)`; it owns both
//!   engines), and for every externalities that runs the runtime a fresh
//!   `SandboxExt::new(backend, cache.clone())` (e.g. from an `ExtensionsFactory`). The
//!   [`Backend`] is whatever the node chose for the process; the default is wasmtime.
//! - Without the extension every call returns [`Error::NoExtension`] instead of panicking.
//!
//! # Gas and limits
//!
//! One unit per original Wasm instruction, charged per straight-line segment on entry (see
//! `host::instrument`). Runtime-side host functions registered with
//! [`EnvironmentDefinitionBuilder::add_metered_host_func`] get the gas left and charge their own
//! cost. Stack height is limited by [`Config::max_stack_height`] (instrumented, at most
//! [`MAX_STACK_HEIGHT_LIMIT`]); memory by the memory's maximum and [`Config::max_memory_pages`].

#![cfg_attr(substrate_runtime, no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, Encode};

mod host_interface;
mod runtime_api;

#[cfg(not(substrate_runtime))]
pub mod host;

pub use runtime_api::{
	EnvironmentDefinitionBuilder, HostCallContext, HostFuncType, Instance, Memory,
	MeteredHostFuncType,
};

/// The host functions that a node must add to its executor, e.g.
/// `(sp_io::SubstrateHostFunctions, sp_sandbox::HostFunctions)`.
#[cfg(not(substrate_runtime))]
pub use host_interface::sandbox::HostFunctions;

#[cfg(not(substrate_runtime))]
pub use host::{Backend, ModuleCache, SandboxExt, SharedModuleCache, MAX_LIVE_INSTANCES};

/// Log target of this crate.
pub const LOG_TARGET: &str = "runtime::sandbox";

/// Size of a Wasm page in bytes.
pub const WASM_PAGE_SIZE: u32 = 65536;

/// A value passed to or returned from sandboxed code. Floats are rejected at load time.
#[derive(Encode, Decode, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
	/// A 32-bit integer.
	I32(i32),
	/// A 64-bit integer.
	I64(i64),
}

/// What a function returned.
#[derive(Encode, Decode, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnValue {
	/// The function has no result.
	Unit,
	/// The function returned one value.
	Value(Value),
}

/// Returned by a runtime-side host function to trap the sandboxed code. The code is reported
/// back in [`TrapKind::Host`].
#[derive(Encode, Decode, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostError(pub u32);

/// Why sandboxed code trapped; the same on both backends.
#[derive(Encode, Decode, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrapKind {
	/// `unreachable` executed.
	Unreachable,
	/// A load or store outside the linear memory.
	MemoryOutOfBounds,
	/// A table access out of bounds.
	TableOutOfBounds,
	/// `call_indirect` hit an uninitialised table element.
	IndirectCallToNull,
	/// `call_indirect` hit a function of another type.
	IndirectCallTypeMismatch,
	/// Signed integer overflow in division.
	IntegerOverflow,
	/// Integer division or remainder by zero.
	IntegerDivisionByZero,
	/// A float-to-int conversion out of range (unreachable while floats are rejected, kept for
	/// completeness).
	BadConversionToInteger,
	/// The instrumented stack-height limit was exceeded.
	StackExhausted,
	/// The gas budget was exhausted.
	OutOfGas,
	/// A runtime-side host function returned [`HostError`] with this code.
	Host(u32),
	/// Anything the engine reported that has no other kind (should not happen).
	Other,
}

/// The [`HostError`] code with which a host function stops the instance on purpose (a
/// contract's `seal_return` or `terminate`): not a fault, so no backtrace is looked for and
/// neither backend reports frames for it. On wasmi that would replay the whole call on wasmtime
/// (compiling the code for it first) after every contract call that returns.
pub const HOST_STOP: u32 = u32::MAX;

/// A trap: its kind and, where the engine reports one, the backtrace as code offsets in the
/// ORIGINAL (uninstrumented) module, innermost frame first. Both backends report the same
/// frames: wasmi's come from replaying the trapping instance on wasmtime (see `host/replay.rs`).
#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct Trap {
	/// Why the code trapped.
	pub kind: TrapKind,
	/// Code offsets (relative to the start of the original module) of the frames.
	pub frames: Vec<u32>,
}

/// Errors of the sandbox API. Load-time validation failures each have their own variant.
#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub enum Error {
	/// The code is not valid Wasm.
	InvalidModule,
	/// The code uses a Wasm feature beyond MVP + sign-extension.
	UnsupportedFeature,
	/// The code uses a float type or instruction.
	FloatsNotAllowed,
	/// The code imports something other than the declared host functions and `env.memory`.
	ForbiddenImport,
	/// The code exports something that the config does not allow.
	ForbiddenExport,
	/// The code is larger than `Config::max_code_size`.
	CodeTooLarge,
	/// More functions than `Config::max_functions`.
	TooManyFunctions,
	/// A function with more locals than `Config::max_locals`.
	TooManyLocals,
	/// More globals than `Config::max_globals`.
	TooManyGlobals,
	/// A table larger than `Config::max_table_size`.
	TableTooLarge,
	/// The module has a start function.
	StartFunctionPresent,
	/// The imported memory's limits exceed `Config::max_memory_pages`, or do not fit the
	/// provided [`Memory`], or the module imports a memory that was not provided.
	MemoryMismatch,
	/// The engine refused to instantiate the module (e.g. a data segment out of bounds).
	Instantiation,
	/// The requested export does not exist or is not a function.
	ExportNotFound,
	/// Wrong number or types of arguments, or of a host function's result.
	InvalidArguments,
	/// Unknown instance or memory handle.
	InvalidHandle,
	/// The operation does not fit the instance's state (e.g. `resume` while not suspended,
	/// a memory used by two instances).
	InvalidState,
	/// A memory access out of bounds.
	MemoryOutOfBounds,
	/// `Memory::new` with initial > maximum or beyond the Wasm limit.
	InvalidMemoryLimits,
	/// The sandboxed code trapped.
	Trap(Trap),
	/// The host side is not available (no `SandboxExt` registered).
	NoExtension,
	/// The [`Config`] is out of range (`max_stack_height` above [`MAX_STACK_HEIGHT_LIMIT`],
	/// `max_table_size` above [`MAX_TABLE_SIZE_LIMIT`] or `max_memory_pages` above 65536).
	InvalidConfig,
	/// A function's blocks (`block`, `loop`, `if`) nest deeper than [`MAX_NESTING_DEPTH`].
	NestingTooDeep,
	/// [`Instance::new_cached`] asked for code the host has not prepared (for this config):
	/// the caller hands over the code itself.
	NotCached,
}

/// Largest `Config::max_stack_height` the host accepts. The engines' own limits (wasmi's
/// recursion depth and value stack, wasmtime's native stack) are sized so that this instrumented
/// limit is always reached first, which keeps stack exhaustion deterministic across backends.
pub const MAX_STACK_HEIGHT_LIMIT: u32 = 256 * 1024;

/// How deep a function's blocks may nest. Compilers stay far below it (an ink! contract: a few
/// dozen levels; a `match` lowered to a `br_table` nests one block per distinct arm), while
/// Cranelift's compile time of the instrumented code grows with the square of the depth
/// (measured: 1024 levels 0.1 s, 5000 levels 1.1 s, 20 000 levels 13 s), and a trap's frames
/// need that compile inside the block.
pub const MAX_NESTING_DEPTH: u32 = 1024;

/// Largest `Config::max_table_size` the host accepts: wasmtime's pooling allocator reserves
/// this many elements per table slot up front.
pub const MAX_TABLE_SIZE_LIMIT: u32 = 64 * 1024;

/// Load-time limits and the allowed export names.
#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct Config {
	/// Names the module may (and only may) export, e.g. `["call", "deploy"]`.
	pub allowed_exports: Vec<Vec<u8>>,
	/// Maximum size of the code in bytes.
	pub max_code_size: u32,
	/// Maximum number of functions (imported and defined).
	pub max_functions: u32,
	/// Maximum number of locals (including parameters) of one function.
	pub max_locals: u32,
	/// Maximum number of globals defined by the module.
	pub max_globals: u32,
	/// Maximum number of elements of the table. At most [`MAX_TABLE_SIZE_LIMIT`].
	pub max_table_size: u32,
	/// Maximum number of Wasm pages of the imported memory.
	pub max_memory_pages: u32,
	/// Stack-height limit in instrumented units: a function frame costs
	/// `2 + params + locals + instructions`. At most [`MAX_STACK_HEIGHT_LIMIT`].
	pub max_stack_height: u32,
}

impl Default for Config {
	fn default() -> Self {
		Self {
			allowed_exports: alloc::vec![b"call".to_vec(), b"deploy".to_vec()],
			max_code_size: 512 * 1024,
			max_functions: 4096,
			max_locals: 1024,
			max_globals: 256,
			max_table_size: 4096,
			max_memory_pages: 16,
			max_stack_height: 64 * 1024,
		}
	}
}

/// What an import of the environment definition resolves to.
#[derive(Encode, Decode, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExternEntity {
	/// A runtime-side host function with this index in the environment's function table.
	Function(u32),
	/// A memory created by `Memory::new`, by handle.
	Memory(u32),
}

/// The environment definition as it crosses the runtime interface.
#[derive(Encode, Decode, Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvironmentDefinition {
	/// `(module, field, entity)` entries.
	pub entries: Vec<(Vec<u8>, Vec<u8>, ExternEntity)>,
}

/// Where an invocation stopped.
#[derive(Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
	/// The export returned.
	Finished {
		/// What it returned.
		result: ReturnValue,
		/// Gas left.
		gas_left: u64,
	},
	/// The code called an imported host function and is suspended until `resume`.
	HostCall {
		/// Index of the host function in the environment definition.
		index: u32,
		/// Its arguments.
		args: Vec<Value>,
		/// Gas left at the call.
		gas_left: u64,
		/// Code offset (in the original module) of the `call` instruction.
		call_site: u32,
	},
	/// The code trapped; the instance is idle again.
	Trapped {
		/// The trap.
		trap: Trap,
		/// Gas left at the trap.
		gas_left: u64,
	},
}

#[cfg(test)]
mod tests;
