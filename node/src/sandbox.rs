//! Gives every runtime call the contract sandbox: the extension the sandbox host functions use,
//! on the backend the operator chose, sharing one module cache across blocks and RPC calls;
//! and the debug-info extension, over the node's one store of contracts' DWARF.

use callisto_debug_info::{DebugInfoExt, DebugInfoStore};
use sc_client_api::execution_extensions::ExtensionsFactory;
use sp_externalities::Extensions;
use sp_runtime::traits::{Block as BlockT, NumberFor};
use sp_sandbox::{Backend, ModuleCache, SandboxExt, SharedModuleCache};

/// The engine that runs contracts, as named on the command line.
#[derive(Debug, Copy, Clone, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SandboxBackend {
	/// The wasmi interpreter: no compile step, slower execution.
	Wasmi,
	/// The wasmtime JIT (Cranelift): compiles each contract once, then runs it natively.
	#[default]
	Wasmtime,
}

impl std::fmt::Display for SandboxBackend {
	fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
		f.write_str(match self {
			Self::Wasmi => "wasmi",
			Self::Wasmtime => "wasmtime",
		})
	}
}

impl From<SandboxBackend> for Backend {
	fn from(backend: SandboxBackend) -> Self {
		match backend {
			SandboxBackend::Wasmi => Backend::Wasmi,
			SandboxBackend::Wasmtime => Backend::Wasmtime,
		}
	}
}

/// Registers a fresh [`SandboxExt`] for each runtime call (block production, import, RPC and
/// runtime-API calls all go through the client's execution extensions).
pub struct SandboxExtensions {
	backend: Backend,
	cache: SharedModuleCache,
	debug_info: DebugInfoStore,
}

impl SandboxExtensions {
	/// Extensions for `backend` with a module cache of at most `cache_bytes`, symbolicating
	/// traps from `debug_info`.
	pub fn new(
		backend: SandboxBackend,
		cache_bytes: usize,
		debug_info: DebugInfoStore,
	) -> Result<Self, String> {
		Ok(Self {
			backend: backend.into(),
			cache: ModuleCache::new_shared(cache_bytes)?,
			debug_info,
		})
	}
}

impl<Block: BlockT> ExtensionsFactory<Block> for SandboxExtensions {
	fn extensions_for(&self, _: Block::Hash, _: NumberFor<Block>) -> Extensions {
		let mut extensions = Extensions::new();
		extensions.register(SandboxExt::new(self.backend, self.cache.clone()));
		// One per block: trap events of failed extrinsics wait here until the block finalises.
		extensions.register(DebugInfoExt::new(self.debug_info.clone()));
		extensions
	}
}
