//! Why a module cannot become a contract: each error names the fix, because the person reading it
//! is a contract developer, not a Wasm expert.

use core::fmt;

/// Why post-processing refused a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
	/// The input is not a well-formed core Wasm module.
	Parse(String),
	/// The input is a Wasm component, not a core module.
	NotAModule,
	/// The module has a start function; a contract may only run through `deploy` and `call`.
	StartFunction {
		/// Index of the start function.
		func: u32,
	},
	/// One of the entry points the contracts pallet calls is not exported.
	MissingExport(&'static str),
	/// `call` or `deploy` is exported, but not as a function.
	ExportNotAFunction(&'static str),
	/// The module does not import its memory as `env.memory`.
	MissingMemoryImport,
	/// The module imports a memory under another name, or a second one.
	UnexpectedMemoryImport {
		/// `module.name` of the offending import.
		import: String,
	},
	/// The module defines its own memory instead of importing it.
	DefinedMemory,
	/// The imported memory is 64-bit or shared.
	UnsupportedMemory,
	/// The memory's initial size exceeds what the contracts pallet grants.
	MemoryTooLarge {
		/// Initial pages the module asks for.
		initial: u64,
		/// Pages the pallet grants.
		maximum: u64,
	},
	/// A section could not be re-encoded (a construct this tool does not understand).
	Encode(String),
}

impl fmt::Display for Error {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Error::Parse(e) => write!(f, "not a valid Wasm module: {e}"),
			Error::NotAModule => write!(f, "this is a Wasm component; a contract is a core module"),
			Error::StartFunction { func } => write!(
				f,
				"the module has a start function (function {func}); contracts may not run code \
				 at instantiation: build for `wasm32v1-none`, not `wasm32-unknown-unknown` \
				 (whose bulk-memory initialisation adds one)"
			),
			Error::MissingExport(name) => write!(
				f,
				"the module does not export `{name}`; is this an ink! contract built without the \
				 `std` feature?"
			),
			Error::ExportNotAFunction(name) => {
				write!(f, "`{name}` is exported but is not a function")
			}
			Error::MissingMemoryImport => write!(
				f,
				"the module does not import `env.memory`; link with `-Clink-arg=--import-memory`"
			),
			Error::UnexpectedMemoryImport { import } => write!(
				f,
				"the module imports memory as `{import}`; the contracts pallet provides only \
				 `env.memory`"
			),
			Error::DefinedMemory => write!(
				f,
				"the module defines its own memory; link with `-Clink-arg=--import-memory` so \
				 that it imports `env.memory`"
			),
			Error::UnsupportedMemory => write!(f, "the imported memory is 64-bit or shared"),
			Error::MemoryTooLarge { initial, maximum } => write!(
				f,
				"the module needs {initial} pages of memory at start but contracts get at most \
				 {maximum}; lower the stack size (`-zstack-size`) or the static data"
			),
			Error::Encode(e) => write!(f, "cannot re-encode the module: {e}"),
		}
	}
}

impl std::error::Error for Error {}

impl From<wasmparser::BinaryReaderError> for Error {
	fn from(e: wasmparser::BinaryReaderError) -> Self {
		Error::Parse(e.to_string())
	}
}

impl From<wasm_encoder::reencode::Error> for Error {
	fn from(e: wasm_encoder::reencode::Error) -> Self {
		Error::Encode(e.to_string())
	}
}
