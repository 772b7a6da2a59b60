//! Checking contract code against the host API, on upload and before every run.
//!
//! The rules are pallet-contracts 51's: exactly the exports `call` and `deploy` (each `() ->
//! ()` or `() -> i32`), one imported memory `env.memory` of at most `Limits::memory_pages`
//! pages, no imported tables or globals, and every imported function a host function with the
//! exact signature. Deprecated host functions are linked only for `call`, never accepted on
//! upload. What the rules do not cover (instruction set, floats, sizes, a start function) the
//! sandbox checks when it compiles the module, which upload does once, so the compiled module
//! is cached by the time the code first runs.

use super::{
	host_fns::{self, HostFnInfo},
	module::{self, ValType},
};
use crate::Config;
use alloc::{vec, vec::Vec};
use frame_support::traits::Get;
use sp_sandbox::{
	EnvironmentDefinitionBuilder, HostCallContext, HostError, Instance, Memory, ReturnValue, Value,
};

/// A host function an import resolved to.
pub struct LinkedImport<'c> {
	pub module: &'c [u8],
	pub name: &'c [u8],
	/// Index into [`host_fns::HOST_FUNCTIONS`].
	pub index: usize,
}

/// The code's imports resolved against the host API.
pub struct Linked<'c> {
	pub functions: Vec<LinkedImport<'c>>,
	/// Initial and maximum pages of `env.memory`.
	pub memory: (u32, u32),
}

/// Why code was rejected, in words for the debug buffer and the log.
pub type RejectReason = &'static str;

/// The sandbox limits for contract code of runtime `T`.
pub fn sandbox_config<T: Config>() -> sp_sandbox::Config {
	sp_sandbox::Config {
		allowed_exports: vec![b"call".to_vec(), b"deploy".to_vec()],
		max_code_size: T::MaxCodeLen::get(),
		max_memory_pages: T::Schedule::get().limits.memory_pages,
		// The instrumentation charges a function's whole instruction count on entry (the only
		// bound on the native frame Cranelift builds that holds); the largest stack the engines
		// are sized for lets long generated functions run, a chain of them too.
		max_stack_height: sp_sandbox::MAX_STACK_HEIGHT_LIMIT,
		..Default::default()
	}
}

/// Checks exports and imports of `code` and resolves its function imports.
pub fn link<T: Config>(code: &[u8], allow_deprecated: bool) -> Result<Linked<'_>, RejectReason> {
	let interface =
		module::read_interface(code).map_err(|_| "the code is not a valid Wasm module")?;
	for entry_point in [&b"call"[..], b"deploy"] {
		let export = interface
			.exports
			.iter()
			.find(|e| e.name == entry_point)
			.ok_or("the code must export the functions `call` and `deploy`")?;
		let ty = export.func.as_ref().ok_or("`call` and `deploy` must be functions")?;
		if !ty.params.is_empty() || !matches!(ty.results.as_slice(), [] | [ValType::I32]) {
			return Err("`call` and `deploy` must take no arguments and return nothing or an i32");
		}
	}
	if interface.exports.len() != 2 {
		return Err("the code may only export `call` and `deploy`");
	}
	if interface.other_imports != 0 {
		return Err("the code may not import tables or globals");
	}
	if interface.defined_memories != 0 {
		return Err("the code must import its memory as `env.memory` instead of defining one");
	}
	let max_pages = T::Schedule::get().limits.memory_pages;
	let memory = match interface.memory_imports.as_slice() {
		[m] if m.module == b"env" && m.name == b"memory" => {
			let maximum = m.maximum.unwrap_or(max_pages);
			if m.initial > maximum || maximum > max_pages {
				return Err("the imported memory's limits exceed `Schedule::limits::memory_pages`");
			}
			(m.initial, maximum)
		}
		[_] => return Err("the memory must be imported as `env.memory`"),
		[] => return Err("the code must import a memory as `env.memory`"),
		_ => return Err("the code may import only one memory"),
	};
	let allow_unstable = T::UnsafeUnstableInterface::get();
	let mut functions = Vec::with_capacity(interface.func_imports.len());
	for import in &interface.func_imports {
		let (index, info): (usize, &HostFnInfo) =
			host_fns::lookup(import.module, import.name, allow_deprecated, allow_unstable)
				.ok_or("the code imports a function the host does not provide")?;
		if !info.signature_matches(&import.ty.params, &import.ty.results) {
			return Err("the code imports a host function with the wrong signature");
		}
		functions.push(LinkedImport { module: import.module, name: import.name, index });
	}
	Ok(Linked { functions, memory })
}

/// Stands in for every host function while code is only compiled.
fn never_called(
	_: &mut (),
	_: &mut HostCallContext,
	_: &[Value],
) -> Result<ReturnValue, HostError> {
	Err(HostError(0))
}

/// Validates code for upload: its interface, then a compile by the sandbox (which also warms
/// the module cache).
pub fn validate<T: Config>(code: &[u8]) -> Result<(), RejectReason> {
	let linked = link::<T>(code, false)?;
	let (initial, maximum) = linked.memory;
	let memory = Memory::new(initial, Some(maximum)).map_err(|_| "invalid memory limits")?;
	let mut env = EnvironmentDefinitionBuilder::<()>::new();
	env.add_memory("env", "memory", memory);
	for import in &linked.functions {
		env.add_metered_host_func(import.module, import.name, never_called);
	}
	Instance::new(code, &env, &sandbox_config::<T>()).map(drop).map_err(|error| {
		log::debug!(target: crate::LOG_TARGET, "sandbox rejected the code: {error:?}");
		reject_reason(&error)
	})
}

/// Words for a sandbox load error.
pub fn reject_reason(error: &sp_sandbox::Error) -> RejectReason {
	use sp_sandbox::Error::*;
	match error {
		InvalidModule => "the code is not a valid Wasm module",
		UnsupportedFeature => "the code uses a Wasm feature beyond MVP and sign extension",
		FloatsNotAllowed => "the code uses floating point",
		ForbiddenImport => "the code imports something the host does not provide",
		ForbiddenExport => "the code may only export `call` and `deploy`",
		CodeTooLarge => "the code is larger than `MaxCodeLen`",
		TooManyFunctions => "the code has too many functions",
		TooManyLocals => "a function of the code has too many locals",
		TooManyGlobals => "the code has too many globals",
		NestingTooDeep => "a function of the code nests its blocks too deeply",
		TableTooLarge => "the code's table is too large",
		StartFunctionPresent => "the code has a start function",
		MemoryMismatch => "the code's memory does not fit the limits",
		Instantiation => "the code cannot be instantiated (e.g. a data segment out of bounds)",
		_ => "the sandbox could not load the code",
	}
}
