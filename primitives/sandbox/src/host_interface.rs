//! The `#[runtime_interface]` between the runtime-side API and the host-side [`crate::host`].
//!
//! Everything crosses as SCALE-encoded values or plain handles; the runtime never sees a host
//! pointer. Every host function fetches the [`crate::SandboxExt`] extension and reports
//! [`crate::Error::NoExtension`] (instead of panicking) when it is not registered.

#[cfg(not(substrate_runtime))]
use crate::host::SandboxExt;
use crate::{Config, EnvironmentDefinition, Error, HostError, Outcome, ReturnValue, Value};
use alloc::vec::Vec;
use sp_runtime_interface::{
	pass_by::{
		AllocateAndReturnByCodec, PassFatPointerAndDecode, PassFatPointerAndRead,
		PassFatPointerAndWrite, PassPointerAndReadCopy,
	},
	runtime_interface,
};

/// Host functions of the Wasm sandbox. Use [`crate::Instance`] and [`crate::Memory`] instead of
/// calling these directly.
#[runtime_interface]
pub trait Sandbox {
	/// Create a new detached memory. `maximum == u32::MAX` means no maximum.
	fn memory_new(
		&mut self,
		initial: u32,
		maximum: u32,
	) -> AllocateAndReturnByCodec<Result<u32, Error>> {
		use sp_externalities::ExternalitiesExt as _;
		let max = if maximum == u32::MAX { None } else { Some(maximum) };
		match self.extension::<SandboxExt>() {
			Some(ext) => ext.memory_new(initial, max),
			None => Err(Error::NoExtension),
		}
	}

	/// Read `buf.len()` bytes at `offset` of a memory.
	fn memory_get(
		&mut self,
		memory: u32,
		offset: u32,
		buf: PassFatPointerAndWrite<&mut [u8]>,
	) -> AllocateAndReturnByCodec<Result<(), Error>> {
		use sp_externalities::ExternalitiesExt as _;
		match self.extension::<SandboxExt>() {
			Some(ext) => ext.memory_get(memory, offset, buf),
			None => Err(Error::NoExtension),
		}
	}

	/// Write `data` at `offset` of a memory.
	fn memory_set(
		&mut self,
		memory: u32,
		offset: u32,
		data: PassFatPointerAndRead<&[u8]>,
	) -> AllocateAndReturnByCodec<Result<(), Error>> {
		use sp_externalities::ExternalitiesExt as _;
		match self.extension::<SandboxExt>() {
			Some(ext) => ext.memory_set(memory, offset, data),
			None => Err(Error::NoExtension),
		}
	}

	/// Drop the runtime's handle of a memory.
	fn memory_teardown(&mut self, memory: u32) {
		use sp_externalities::ExternalitiesExt as _;
		if let Some(ext) = self.extension::<SandboxExt>() {
			ext.memory_teardown(memory);
		}
	}

	/// Validate, instrument (cached by code hash) and instantiate `code`.
	fn instance_new(
		&mut self,
		code: PassFatPointerAndRead<&[u8]>,
		env: PassFatPointerAndDecode<EnvironmentDefinition>,
		config: PassFatPointerAndDecode<Config>,
	) -> AllocateAndReturnByCodec<Result<u32, Error>> {
		use sp_externalities::ExternalitiesExt as _;
		match self.extension::<SandboxExt>() {
			Some(ext) => ext.instance_new(code, &env, &config),
			None => Err(Error::NoExtension),
		}
	}

	/// Instantiate the module prepared for the code whose blake2-256 hash is `code_hash`;
	/// [`Error::NotCached`] if there is none for `config` (then [`Self::instance_new`] with the
	/// code). A node's cache decides only how fast the answer comes, never what it is: the
	/// module under a hash is the one prepared from the code of that hash.
	fn instance_new_cached(
		&mut self,
		code_hash: PassPointerAndReadCopy<[u8; 32], 32>,
		env: PassFatPointerAndDecode<EnvironmentDefinition>,
		config: PassFatPointerAndDecode<Config>,
	) -> AllocateAndReturnByCodec<Result<u32, Error>> {
		use sp_externalities::ExternalitiesExt as _;
		match self.extension::<SandboxExt>() {
			Some(ext) => ext.instance_new_cached(code_hash, &env, &config),
			None => Err(Error::NoExtension),
		}
	}

	/// Start calling the export `name` with a gas budget; runs until it finishes, traps or
	/// calls a host function.
	fn invoke(
		&mut self,
		instance: u32,
		name: PassFatPointerAndRead<&[u8]>,
		args: PassFatPointerAndDecode<Vec<Value>>,
		gas: u64,
	) -> AllocateAndReturnByCodec<Result<Outcome, Error>> {
		use sp_externalities::ExternalitiesExt as _;
		match self.extension::<SandboxExt>() {
			Some(ext) => ext.invoke(instance, name, &args, gas),
			None => Err(Error::NoExtension),
		}
	}

	/// Resume a suspended instance with the host function's reply and the new gas left.
	fn resume(
		&mut self,
		instance: u32,
		reply: PassFatPointerAndDecode<Result<ReturnValue, HostError>>,
		gas_left: u64,
	) -> AllocateAndReturnByCodec<Result<Outcome, Error>> {
		use sp_externalities::ExternalitiesExt as _;
		match self.extension::<SandboxExt>() {
			Some(ext) => ext.resume(instance, reply, gas_left),
			None => Err(Error::NoExtension),
		}
	}

	/// Value of an exported global.
	fn get_global_val(
		&mut self,
		instance: u32,
		name: PassFatPointerAndRead<&[u8]>,
	) -> AllocateAndReturnByCodec<Option<Value>> {
		use sp_externalities::ExternalitiesExt as _;
		self.extension::<SandboxExt>().and_then(|ext| ext.get_global_val(instance, name))
	}

	/// Drop an instance.
	fn instance_teardown(&mut self, instance: u32) {
		use sp_externalities::ExternalitiesExt as _;
		if let Some(ext) = self.extension::<SandboxExt>() {
			ext.instance_teardown(instance);
		}
	}
}
