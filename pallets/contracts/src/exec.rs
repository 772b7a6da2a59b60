//! The call stack: runs a contract call or instantiation with all the calls it makes.
//!
//! Each call or instantiation is a frame. A frame runs inside its own storage transaction,
//! so a frame that fails or reverts leaves no trace (storage, balance transfers, events) while
//! the gas it used stays spent. Frames nest up to `CallStack::size() + 1` deep.
//!
//! The stack reaches contract code only through [`Executable`], and contract code reaches the
//! stack only through [`Ext`]. The Wasm runtime is one `Executable`; the tests below use
//! closures, which lets the stack's rules (reentrancy, read-only frames, delegate calls,
//! termination, deposits) be tested without any Wasm.

use crate::{
	code_info::{self, CodeInfo, Determinism},
	gas::GasMeter,
	storage::{self, meter::Diff, ContractInfo, Key, WriteOutcome},
	transient_storage::TransientStorage,
	trap::{self, TrapInfo},
	AccountIdOf, BalanceOf, CodeHash, CodeInfoOf, Config, ContractInfoOf, DebugBufferVec, Error,
	Event, ExecReturnValue, MomentOf, Nonce, Origin, Pallet as Contracts, StorageDeposit,
	LOG_TARGET,
};
use alloc::vec::Vec;
use callisto_debug_info::trace::{capped, CallKind, CallOutcome, CallTrace};
use codec::Encode;
use core::{marker::PhantomData, mem};
use frame_support::{
	dispatch::DispatchResult,
	ensure,
	storage::{with_transaction, TransactionOutcome},
	traits::{
		fungible::{Inspect, Mutate},
		tokens::{Fortitude, Preservation},
		Get, Time,
	},
	weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;
use smallvec::{Array, SmallVec};
use sp_runtime::{
	traits::{Saturating, UniqueSaturatedInto, Zero},
	DispatchError,
};

/// Which side of a call an error came from.
///
/// A calling contract sees errors of the callee as a return code, but errors on its own side
/// (e.g. the stack is full) trap it: the contract cannot handle them meaningfully.
#[derive(Copy, Clone, PartialEq, Eq, Debug, codec::Decode, codec::Encode)]
pub enum ErrorOrigin {
	/// Raised while setting up or finishing the call, on the caller's side.
	Caller,
	/// Raised by the callee's code.
	Callee,
}

/// An error of the stack with the side it came from.
#[derive(Copy, Clone, PartialEq, Eq, Debug, codec::Decode, codec::Encode)]
pub struct ExecError {
	/// The error.
	pub error: DispatchError,
	/// Where it came from.
	pub origin: ErrorOrigin,
}

impl<E: Into<DispatchError>> From<E> for ExecError {
	fn from(error: E) -> Self {
		Self { error: error.into(), origin: ErrorOrigin::Caller }
	}
}

/// The result of running a frame.
pub type ExecResult = Result<ExecReturnValue, ExecError>;

/// The exported function a frame runs.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum ExportedFunction {
	/// `deploy`, run once at instantiation.
	Constructor,
	/// `call`, run for every call.
	Call,
}

impl ExportedFunction {
	/// The export's name in the Wasm module.
	pub fn identifier(&self) -> &'static str {
		match self {
			ExportedFunction::Constructor => "deploy",
			ExportedFunction::Call => "call",
		}
	}
}

/// Contract code the stack can run.
pub trait Executable<T: Config>: Sized {
	/// Loads the code stored under `code_hash`, charging its loading to `gas_meter`.
	fn from_storage(
		code_hash: CodeHash<T>,
		gas_meter: &mut GasMeter<T>,
	) -> Result<Self, DispatchError>;

	/// Runs `function` with `input_data`, giving the code access to the stack through `ext`.
	fn execute<E: Ext<T = T>>(
		self,
		ext: &mut E,
		function: ExportedFunction,
		input_data: Vec<u8>,
	) -> ExecResult;

	/// The code's metadata.
	fn code_info(&self) -> &CodeInfo<T>;

	/// The code's hash.
	fn code_hash(&self) -> &CodeHash<T>;

	/// Whether the code is deterministic.
	fn is_deterministic(&self) -> bool {
		matches!(self.code_info().determinism(), Determinism::Enforced)
	}
}

/// What running contract code may do with the stack. Host functions are written against this
/// trait only.
pub trait Ext {
	/// The runtime.
	type T: Config;

	/// Calls `to` in a new frame with `value`, at most `gas_limit` gas and `deposit_limit`
	/// deposit (zero meaning "what is left"). Without `allows_reentry`, no frame further down
	/// may be reentered by the callee (or anyone it calls); with `read_only`, the callee may
	/// not change state.
	fn call(
		&mut self,
		gas_limit: Weight,
		deposit_limit: BalanceOf<Self::T>,
		to: AccountIdOf<Self::T>,
		value: BalanceOf<Self::T>,
		input_data: Vec<u8>,
		allows_reentry: bool,
		read_only: bool,
	) -> ExecResult;

	/// Runs the code `code_hash` in a new frame on this contract's account and storage.
	fn delegate_call(&mut self, code_hash: CodeHash<Self::T>, input_data: Vec<u8>) -> ExecResult;

	/// Instantiates `code_hash` as a new contract with `value` and `salt`.
	fn instantiate(
		&mut self,
		gas_limit: Weight,
		deposit_limit: BalanceOf<Self::T>,
		code_hash: CodeHash<Self::T>,
		value: BalanceOf<Self::T>,
		input_data: Vec<u8>,
		salt: &[u8],
	) -> Result<(AccountIdOf<Self::T>, ExecReturnValue), ExecError>;

	/// Terminates the running contract: its storage is deleted later, its deposit goes back to
	/// the origin and the rest of its balance to `beneficiary`.
	fn terminate(&mut self, beneficiary: &AccountIdOf<Self::T>) -> DispatchResult;

	/// Transfers `value` from the running contract to `to`, keeping the contract alive.
	fn transfer(&mut self, to: &AccountIdOf<Self::T>, value: BalanceOf<Self::T>) -> DispatchResult;

	/// The value at `key` in the contract's storage.
	fn get_storage(&mut self, key: &Key) -> Option<Vec<u8>>;

	/// The length of the value at `key`.
	fn get_storage_size(&mut self, key: &Key) -> Option<u32>;

	/// Writes (or with `None` clears) `key`; with `take_old` the old value is returned.
	fn set_storage(
		&mut self,
		key: &Key,
		value: Option<Vec<u8>>,
		take_old: bool,
	) -> Result<WriteOutcome, DispatchError>;

	/// Who called the running frame (for a delegate call: who called the delegator).
	fn caller(&self) -> Origin<Self::T>;

	/// Whether a contract lives at `address`.
	fn is_contract(&self, address: &AccountIdOf<Self::T>) -> bool;

	/// The code hash of the contract at `address`.
	fn code_hash(&self, address: &AccountIdOf<Self::T>) -> Option<CodeHash<Self::T>>;

	/// The code hash of the running contract (of the account, not of delegated code).
	fn own_code_hash(&mut self) -> CodeHash<Self::T>;

	/// Whether the caller is the origin of the whole stack.
	fn caller_is_origin(&self) -> bool;

	/// Whether the caller is root.
	fn caller_is_root(&self) -> bool;

	/// The running contract's address.
	fn address(&self) -> &AccountIdOf<Self::T>;

	/// The running contract's spendable balance (free minus the existential deposit).
	fn balance(&self) -> BalanceOf<Self::T>;

	/// The value transferred into the running frame.
	fn value_transferred(&self) -> BalanceOf<Self::T>;

	/// The timestamp, captured when the stack started.
	fn now(&self) -> &MomentOf<Self::T>;

	/// The existential deposit.
	fn minimum_balance(&self) -> BalanceOf<Self::T>;

	/// Emits `ContractEmitted` with `topics` on its record.
	fn deposit_event(
		&mut self,
		topics: Vec<<Self::T as frame_system::Config>::Hash>,
		data: Vec<u8>,
	);

	/// The block number, captured when the stack started.
	fn block_number(&self) -> BlockNumberFor<Self::T>;

	/// The running frame's gas meter.
	fn gas_meter(&self) -> &GasMeter<Self::T>;

	/// The running frame's gas meter, for charging.
	fn gas_meter_mut(&mut self) -> &mut GasMeter<Self::T>;

	/// Whether debug output is being collected.
	fn debug_buffer_enabled(&self) -> bool;

	/// Appends to the debug buffer; false if output is not collected or the buffer is full.
	fn append_debug_buffer(&mut self, msg: &str) -> bool;

	/// Whether the running frame may not change state.
	fn is_read_only(&self) -> bool;

	/// How often the running contract is on the stack besides this frame (delegate frames
	/// not counted).
	fn reentrance_count(&self) -> u32;

	/// How often `account_id` is on the stack (delegate frames not counted).
	fn account_reentrance_count(&self, account_id: &AccountIdOf<Self::T>) -> u32;

	/// The instantiation nonce the next instantiation would use, minus one.
	fn nonce(&mut self) -> u64;

	/// Replaces the running contract's code.
	fn set_code_hash(&mut self, hash: CodeHash<Self::T>) -> DispatchResult;

	/// The value at `key` in the running contract's transient storage.
	fn get_transient_storage(&self, key: &Key) -> Option<Vec<u8>>;

	/// Writes (or with `None` clears) `key` of the transient storage; with `take_old` the old
	/// value is returned.
	fn set_transient_storage(
		&mut self,
		key: &Key,
		value: Option<Vec<u8>>,
		take_old: bool,
	) -> Result<WriteOutcome, DispatchError>;

	/// The running frame trapped: `trap` says why and where. The stack deposits
	/// `ContractTrapped` once the frame's changes are rolled back.
	fn record_trap(&mut self, code_hash: CodeHash<Self::T>, trap: TrapInfo);

	/// The call tree being recorded, when the node asked for a trace.
	fn tracer(&mut self) -> Option<&mut crate::trace::Tracer>;

	/// Dispatches `call` with the running contract as signed origin, through `CallFilter`.
	fn call_runtime(
		&self,
		call: <Self::T as Config>::RuntimeCall,
	) -> frame_support::dispatch::DispatchResultWithPostInfo;

	/// Keeps `code_hash` stored while this contract depends on it for delegate calls: bumps
	/// its refcount and holds part of its deposit on the contract.
	fn lock_delegate_dependency(&mut self, code_hash: CodeHash<Self::T>) -> DispatchResult;

	/// Releases a dependency taken with [`Self::lock_delegate_dependency`].
	fn unlock_delegate_dependency(&mut self, code_hash: &CodeHash<Self::T>) -> DispatchResult;
}

/// Contract info as seen by a frame.
enum CachedContract<T: Config> {
	/// Up to date, possibly ahead of storage.
	Cached(ContractInfo<T>),
	/// Storage is newer (a frame further up changed it); reload before use.
	Invalidated,
	/// The contract terminated in this frame.
	Terminated,
}

impl<T: Config> CachedContract<T> {
	fn load(&mut self, account_id: &AccountIdOf<T>) {
		if let CachedContract::Invalidated = self {
			*self = match <ContractInfoOf<T>>::get(account_id) {
				Some(info) => CachedContract::Cached(info),
				None => CachedContract::Terminated,
			};
		}
	}

	fn get(&mut self, account_id: &AccountIdOf<T>) -> Option<&mut ContractInfo<T>> {
		self.load(account_id);
		match self {
			CachedContract::Cached(info) => Some(info),
			_ => None,
		}
	}

	fn into_contract(self) -> Option<ContractInfo<T>> {
		match self {
			CachedContract::Cached(info) => Some(info),
			_ => None,
		}
	}
}

/// One frame of the call stack.
pub struct Frame<T: Config> {
	account_id: AccountIdOf<T>,
	contract_info: CachedContract<T>,
	value_transferred: BalanceOf<T>,
	entry_point: ExportedFunction,
	nested_gas: GasMeter<T>,
	nested_storage: storage::meter::Meter<T>,
	/// Whether frames above may reenter this contract; set by the call the frame makes.
	allows_reentry: bool,
	read_only: bool,
	/// For a delegate frame: the caller it inherits and the code it runs.
	delegate: Option<(Origin<T>, CodeHash<T>)>,
	/// The code that trapped in this frame, and why and where.
	trap: Option<(CodeHash<T>, TrapInfo)>,
}

/// What a new frame runs.
enum FrameArgs<'a, T: Config, E> {
	Call {
		dest: AccountIdOf<T>,
		cached_info: Option<ContractInfo<T>>,
		/// For a delegate call: the code to run and the caller the frame inherits.
		delegated: Option<(E, Origin<T>)>,
	},
	Instantiate {
		sender: AccountIdOf<T>,
		nonce: u64,
		executable: E,
		salt: &'a [u8],
		input_data: &'a [u8],
	},
}

/// The call stack.
pub struct Stack<'a, T: Config, E> {
	origin: Origin<T>,
	gas_meter: &'a mut GasMeter<T>,
	storage_meter: &'a mut storage::meter::Meter<T>,
	timestamp: MomentOf<T>,
	block_number: BlockNumberFor<T>,
	/// The instantiation nonce, read on first use and written back when the stack ends.
	nonce: Option<u64>,
	first_frame: Frame<T>,
	frames: SmallVec<T::CallStack>,
	debug_message: Option<&'a mut DebugBufferVec<T>>,
	determinism: Determinism,
	transient_storage: TransientStorage<T>,
	/// Records the call tree when the node traces this call.
	tracer: Option<crate::trace::Tracer>,
	_phantom: PhantomData<E>,
}

impl<'a, T: Config, E: Executable<T>> Stack<'a, T, E> {
	/// Calls `dest` from `origin` and runs the stack to the end.
	pub fn run_call(
		origin: Origin<T>,
		dest: AccountIdOf<T>,
		gas_meter: &'a mut GasMeter<T>,
		storage_meter: &'a mut storage::meter::Meter<T>,
		value: BalanceOf<T>,
		input_data: Vec<u8>,
		debug_message: Option<&'a mut DebugBufferVec<T>>,
		determinism: Determinism,
	) -> ExecResult {
		let args = FrameArgs::Call { dest, cached_info: None, delegated: None };
		let (mut stack, executable) =
			Self::new(args, origin, gas_meter, storage_meter, value, debug_message, determinism)?;
		let result = stack.run(executable, input_data);
		stack.submit_trace();
		result
	}

	/// Instantiates `executable` for `origin` and runs the stack to the end.
	pub fn run_instantiate(
		origin: AccountIdOf<T>,
		executable: E,
		gas_meter: &'a mut GasMeter<T>,
		storage_meter: &'a mut storage::meter::Meter<T>,
		value: BalanceOf<T>,
		input_data: Vec<u8>,
		salt: &[u8],
		debug_message: Option<&'a mut DebugBufferVec<T>>,
	) -> Result<(AccountIdOf<T>, ExecReturnValue), ExecError> {
		let nonce = <Nonce<T>>::get().wrapping_add(1);
		let args = FrameArgs::Instantiate {
			sender: origin.clone(),
			nonce,
			executable,
			salt,
			input_data: &input_data,
		};
		let (mut stack, executable) = Self::new(
			args,
			Origin::from_account_id(origin),
			gas_meter,
			storage_meter,
			value,
			debug_message,
			Determinism::Enforced,
		)?;
		stack.nonce = Some(nonce);
		let address = stack.first_frame.account_id.clone();
		let result = stack.run(executable, input_data).map(|ret| (address, ret));
		stack.submit_trace();
		result
	}

	fn submit_trace(&mut self) {
		if let Some(tracer) = self.tracer.take() {
			tracer.submit(<frame_system::Pallet<T>>::extrinsic_index());
		}
	}

	fn new(
		args: FrameArgs<T, E>,
		origin: Origin<T>,
		gas_meter: &'a mut GasMeter<T>,
		storage_meter: &'a mut storage::meter::Meter<T>,
		value: BalanceOf<T>,
		debug_message: Option<&'a mut DebugBufferVec<T>>,
		determinism: Determinism,
	) -> Result<(Self, E), ExecError> {
		let (first_frame, executable) = Self::new_frame(
			args,
			value,
			gas_meter,
			Weight::zero(),
			storage_meter,
			Zero::zero(),
			determinism,
			false,
		)?;
		let stack = Self {
			origin,
			gas_meter,
			storage_meter,
			timestamp: T::Time::now(),
			block_number: <frame_system::Pallet<T>>::block_number(),
			nonce: None,
			first_frame,
			frames: Default::default(),
			debug_message,
			determinism,
			transient_storage: Default::default(),
			tracer: crate::trace::Tracer::if_enabled(),
			_phantom: PhantomData,
		};
		Ok((stack, executable))
	}

	/// Builds a frame, loading what it needs; nothing is executed or charged yet.
	fn new_frame(
		args: FrameArgs<T, E>,
		value_transferred: BalanceOf<T>,
		gas_meter: &mut GasMeter<T>,
		gas_limit: Weight,
		storage_meter: &storage::meter::Meter<T>,
		deposit_limit: BalanceOf<T>,
		determinism: Determinism,
		read_only: bool,
	) -> Result<(Frame<T>, E), ExecError> {
		let (account_id, contract_info, executable, delegate, entry_point) = match args {
			FrameArgs::Call { dest, cached_info, delegated } => {
				let contract = match cached_info {
					Some(info) => info,
					None => <ContractInfoOf<T>>::get(&dest).ok_or(<Error<T>>::ContractNotFound)?,
				};
				let (executable, delegate) = match delegated {
					Some((executable, caller)) => {
						let code_hash = *executable.code_hash();
						(executable, Some((caller, code_hash)))
					}
					None => (E::from_storage(contract.code_hash, gas_meter)?, None),
				};
				(dest, contract, executable, delegate, ExportedFunction::Call)
			}
			FrameArgs::Instantiate { sender, nonce, executable, salt, input_data } => {
				let address = <Contracts<T>>::contract_address(
					&sender,
					executable.code_hash(),
					input_data,
					salt,
				);
				let contract = ContractInfo::new(&address, nonce, *executable.code_hash())?;
				(address, contract, executable, None, ExportedFunction::Constructor)
			}
		};

		// Non-deterministic code only runs as a call in a dry run that allows it: never on
		// chain, and never as a constructor (which would persist its results).
		let relaxed_call =
			determinism == Determinism::Relaxed && entry_point == ExportedFunction::Call;
		ensure!(executable.is_deterministic() || relaxed_call, <Error<T>>::Indeterministic);

		let frame = Frame {
			account_id,
			contract_info: CachedContract::Cached(contract_info),
			value_transferred,
			entry_point,
			nested_gas: gas_meter.nested(gas_limit),
			nested_storage: storage_meter.nested(deposit_limit),
			allows_reentry: true,
			read_only,
			delegate,
			trap: None,
		};
		Ok((frame, executable))
	}

	/// Pushes a frame on top of the current one.
	fn push_frame(
		&mut self,
		args: FrameArgs<T, E>,
		value_transferred: BalanceOf<T>,
		gas_limit: Weight,
		deposit_limit: BalanceOf<T>,
		read_only: bool,
	) -> Result<E, ExecError> {
		if self.frames.len() == T::CallStack::size() {
			return Err(<Error<T>>::MaxCallDepthReached.into());
		}
		// The new frame may read this contract's info from storage (a reentrant call), so
		// storage must be current. Constructors are not stored early: a contract cannot be
		// called before its constructor finished.
		let top = self.top_frame();
		if let (CachedContract::Cached(info), ExportedFunction::Call) =
			(&top.contract_info, top.entry_point)
		{
			<ContractInfoOf<T>>::insert(top.account_id.clone(), info.clone());
		}
		let determinism = self.determinism;
		let top = self.top_frame_mut();
		let (frame, executable) = Self::new_frame(
			args,
			value_transferred,
			&mut top.nested_gas,
			gas_limit,
			&top.nested_storage,
			deposit_limit,
			determinism,
			read_only,
		)?;
		self.frames.push(frame);
		Ok(executable)
	}

	/// Runs the top frame in a storage transaction and pops it.
	fn run(&mut self, executable: E, input_data: Vec<u8>) -> ExecResult {
		let entry_point = self.top_frame().entry_point;
		let delegated_code = self.top_frame().delegate.as_ref().map(|(_, hash)| *hash);
		if self.tracer.is_some() {
			let start = self.frame_start(&executable, &input_data);
			if let Some(tracer) = &mut self.tracer {
				tracer.enter(start);
			}
		}
		self.transient_storage.start_transaction();
		let outcome = with_transaction(|| -> TransactionOutcome<Result<_, DispatchError>> {
			let output =
				self.run_in_transaction(executable, entry_point, delegated_code, input_data);
			match &output {
				Ok(ret) if !ret.did_revert() => TransactionOutcome::Commit(Ok((true, output))),
				_ => TransactionOutcome::Rollback(Ok((false, output))),
			}
		});
		let (success, output) = match outcome {
			Ok(outcome) => outcome,
			// The transaction layer itself failed (nesting limit): nothing ran.
			Err(error) => (false, Err(error.into())),
		};
		if success {
			self.transient_storage.commit_transaction();
		} else {
			self.transient_storage.rollback_transaction();
		}
		let trap = self.top_frame_mut().trap.take();
		if self.tracer.is_some() {
			let gas_used = self.top_frame().nested_gas.gas_consumed().ref_time();
			let outcome = match (&output, &trap) {
				(Ok(ret), _) if ret.did_revert() => CallOutcome::Reverted,
				(Ok(_), _) => CallOutcome::Success,
				(Err(_), Some((code_hash, trap))) => {
					CallOutcome::Trapped(crate::trace::trap_record(code_hash, trap))
				}
				(Err(e), None) => CallOutcome::Failed { error: trap::error_name(&e.error).into() },
			};
			let data = output.as_ref().map(|ret| &ret.data[..]).unwrap_or_default();
			if let Some(tracer) = &mut self.tracer {
				tracer.exit(data, gas_used, outcome);
			}
		}
		// The trap event goes in after the frame's rollback, so it survives it.
		if let Some((code_hash, trap)) = trap {
			let contract = self.top_frame().account_id.clone();
			Contracts::<T>::contract_trapped(contract, code_hash, trap, self.tracer.is_none());
		}
		self.pop_frame(success);
		output
	}

	/// What the trace records about the top frame as it starts.
	fn frame_start(&self, executable: &E, input: &[u8]) -> CallTrace {
		let frame = self.top_frame();
		let kind = match (frame.entry_point, &frame.delegate) {
			(ExportedFunction::Constructor, _) => CallKind::Instantiate,
			(ExportedFunction::Call, Some(_)) => CallKind::DelegateCall,
			(ExportedFunction::Call, None) => CallKind::Call,
		};
		let from = match self.caller() {
			Origin::Signed(account) => account.encode(),
			Origin::Root => Vec::new(),
		};
		CallTrace {
			kind,
			from,
			to: frame.account_id.encode(),
			code_hash: crate::trace::hash_bytes(executable.code_hash()),
			value: frame.value_transferred.unique_saturated_into(),
			input: capped(input),
			gas_limit: frame.nested_gas.gas_left().ref_time(),
			output: Vec::new(),
			gas_used: 0,
			outcome: CallOutcome::Success,
			host_calls: Vec::new(),
			storage: Vec::new(),
			events: Vec::new(),
			calls: Vec::new(),
		}
	}

	fn run_in_transaction(
		&mut self,
		executable: E,
		entry_point: ExportedFunction,
		delegated_code: Option<CodeHash<T>>,
		input_data: Vec<u8>,
	) -> ExecResult {
		if entry_point == ExportedFunction::Constructor {
			// The stack's origin pays the deposits, also for contracts instantiating contracts.
			let origin = self.origin.account_id()?.clone();
			let frame = self.top_frame_mut();
			let info = frame
				.contract_info
				.get(&frame.account_id)
				.expect("a constructor frame holds the new contract's info; qed");
			frame.nested_storage.charge_instantiate(
				&origin,
				&frame.account_id,
				info,
				executable.code_info(),
			)?;
			// The contract exists from here on; it uses its code.
			code_info::increment_refcount::<T>(*executable.code_hash())?;
		}

		self.initial_transfer()?;

		let output = executable
			.execute(self, entry_point, input_data)
			.map_err(|e| ExecError { error: e.error, origin: ErrorOrigin::Callee })?;
		if output.did_revert() {
			return Ok(output);
		}

		// The first frame's deposit must fit the stack's limit. Checked here, inside the
		// transaction, so exceeding it rolls everything back.
		if self.frames.is_empty() {
			let frame = &mut self.first_frame;
			let info = frame.contract_info.get(&frame.account_id);
			frame.nested_storage.enforce_limit(info)?;
		}

		let account_id = self.top_frame().account_id.clone();
		match (entry_point, delegated_code) {
			(ExportedFunction::Constructor, _) => {
				let frame = self.top_frame_mut();
				if matches!(frame.contract_info, CachedContract::Terminated) {
					return Err(<Error<T>>::TerminatedInConstructor.into());
				}
				let info = frame.contract_info.get(&frame.account_id);
				frame.nested_storage.enforce_subcall_limit(info)?;
				let deployer = self.caller().account_id()?.clone();
				Contracts::<T>::deposit_event(Event::Instantiated {
					deployer,
					contract: account_id,
				});
			}
			(ExportedFunction::Call, Some(code_hash)) => {
				Contracts::<T>::deposit_event(Event::DelegateCalled {
					contract: account_id,
					code_hash,
				});
			}
			(ExportedFunction::Call, None) => {
				let frame = self.top_frame_mut();
				let info = frame.contract_info.get(&frame.account_id);
				frame.nested_storage.enforce_subcall_limit(info)?;
				let caller = self.caller();
				Contracts::<T>::deposit_event(Event::Called { caller, contract: account_id });
			}
		}
		Ok(output)
	}

	/// Moves the frame's value from its caller, unless it is a delegate frame (which only
	/// inherits the value it was called with).
	fn initial_transfer(&self) -> DispatchResult {
		let frame = self.top_frame();
		if frame.delegate.is_some() {
			return Ok(());
		}
		let value = frame.value_transferred;
		let from = match self.caller() {
			Origin::Signed(from) => from,
			Origin::Root if value.is_zero() => return Ok(()),
			Origin::Root => return Err(DispatchError::RootNotAllowed),
		};
		Self::transfer(Preservation::Preserve, &from, &frame.account_id, value)
	}

	fn transfer(
		preservation: Preservation,
		from: &AccountIdOf<T>,
		to: &AccountIdOf<T>,
		value: BalanceOf<T>,
	) -> DispatchResult {
		if value.is_zero() {
			return Ok(());
		}
		T::Currency::transfer(from, to, value, preservation)
			.map(|_| ())
			.map_err(|_| <Error<T>>::TransferFailed.into())
	}

	/// Removes the top frame, handing its gas back and, if it succeeded, its deposit and
	/// contract info.
	fn pop_frame(&mut self, persist: bool) {
		if !persist && self.top_frame().entry_point == ExportedFunction::Constructor {
			// The failed instantiation's nonce is free again.
			if let Some(nonce) = self.nonce.as_mut() {
				*nonce = nonce.wrapping_sub(1);
			}
		}

		let Some(frame) = self.frames.pop() else {
			self.finish_first_frame(persist);
			return;
		};
		let account_id = frame.account_id;
		let prev = self.top_frame_mut();
		prev.nested_gas.absorb_nested(frame.nested_gas);
		if !persist {
			return;
		}
		let mut contract_info = frame.contract_info;
		contract_info.load(&account_id);
		let mut contract = contract_info.into_contract();
		prev.nested_storage.absorb(frame.nested_storage, &account_id, contract.as_mut());

		let Some(contract) = contract else { return };
		if prev.account_id == account_id {
			// A delegate call (or reentry) on the caller's own account: hand the updated info
			// straight back instead of through storage.
			prev.contract_info = CachedContract::Cached(contract);
			return;
		}
		<ContractInfoOf<T>>::insert(&account_id, contract);
		// Frames further down holding this contract's info are now stale.
		for frame in self.frames_mut().skip(1).filter(|f| f.account_id == account_id) {
			frame.contract_info = CachedContract::Invalidated;
		}
	}

	fn finish_first_frame(&mut self, persist: bool) {
		if let Some(msg) = self.debug_message.as_ref().filter(|m| !m.is_empty()) {
			log::debug!(
				target: LOG_TARGET,
				"Execution finished with debug buffer: {}",
				core::str::from_utf8(msg).unwrap_or("<Invalid UTF8>"),
			);
		}
		self.gas_meter.absorb_nested(mem::take(&mut self.first_frame.nested_gas));
		if !persist {
			return;
		}
		let frame = &mut self.first_frame;
		let contract = frame.contract_info.get(&frame.account_id);
		let nested_storage = mem::take(&mut frame.nested_storage);
		self.storage_meter.absorb(nested_storage, &frame.account_id, contract);
		if let Some(info) = frame.contract_info.get(&frame.account_id) {
			<ContractInfoOf<T>>::insert(&frame.account_id, info.clone());
		}
		if let Some(nonce) = self.nonce {
			<Nonce<T>>::set(nonce);
		}
	}

	fn top_frame(&self) -> &Frame<T> {
		self.frames.last().unwrap_or(&self.first_frame)
	}

	fn top_frame_mut(&mut self) -> &mut Frame<T> {
		match self.frames.last_mut() {
			Some(frame) => frame,
			None => &mut self.first_frame,
		}
	}

	/// Frames from the top down.
	fn frames(&self) -> impl Iterator<Item = &Frame<T>> {
		self.frames.iter().rev().chain(core::iter::once(&self.first_frame))
	}

	fn frames_mut(&mut self) -> impl Iterator<Item = &mut Frame<T>> {
		self.frames.iter_mut().rev().chain(core::iter::once(&mut self.first_frame))
	}

	/// Whether `account_id` runs in a frame below the top.
	fn is_recursive(&self) -> bool {
		let account_id = &self.top_frame().account_id;
		self.frames().skip(1).any(|f| &f.account_id == account_id)
	}

	/// Whether a call into `account_id` is allowed: every frame of it on the stack must
	/// allow reentry.
	fn allows_reentry(&self, account_id: &AccountIdOf<T>) -> bool {
		!self.frames().any(|f| &f.account_id == account_id && !f.allows_reentry)
	}

	fn next_nonce(&mut self) -> u64 {
		let nonce = self.nonce.unwrap_or_else(<Nonce<T>>::get).wrapping_add(1);
		self.nonce = Some(nonce);
		nonce
	}

	fn deny_in_read_only(&self) -> DispatchResult {
		ensure!(!self.is_read_only(), <Error<T>>::StateChangeDenied);
		Ok(())
	}
}

impl<'a, T: Config, E: Executable<T>> Ext for Stack<'a, T, E> {
	type T = T;

	fn call(
		&mut self,
		gas_limit: Weight,
		deposit_limit: BalanceOf<T>,
		to: AccountIdOf<T>,
		value: BalanceOf<T>,
		input_data: Vec<u8>,
		allows_reentry: bool,
		read_only: bool,
	) -> ExecResult {
		// Recorded before the check: it governs whether *this* frame may be reentered from
		// below the callee, and it is reset however the call ends.
		self.top_frame_mut().allows_reentry = allows_reentry;
		let result = (|| {
			if !self.allows_reentry(&to) {
				return Err(<Error<T>>::ReentranceDenied.into());
			}
			// A value transfer changes state.
			if !value.is_zero() && self.is_read_only() {
				return Err(<Error<T>>::StateChangeDenied.into());
			}
			// Only a contract in a `call` frame can be reentered, with the info as that frame
			// sees it.
			let cached_info = self
				.frames()
				.find(|f| f.entry_point == ExportedFunction::Call && f.account_id == to)
				.and_then(|f| match &f.contract_info {
					CachedContract::Cached(info) => Some(info.clone()),
					_ => None,
				});
			let read_only = read_only || self.is_read_only();
			let executable = self.push_frame(
				FrameArgs::Call { dest: to, cached_info, delegated: None },
				value,
				gas_limit,
				deposit_limit,
				read_only,
			)?;
			self.run(executable, input_data)
		})();
		self.top_frame_mut().allows_reentry = true;
		result
	}

	fn delegate_call(&mut self, code_hash: CodeHash<T>, input_data: Vec<u8>) -> ExecResult {
		let executable = E::from_storage(code_hash, self.gas_meter_mut())?;
		let top = self.top_frame_mut();
		let account_id = top.account_id.clone();
		let value = top.value_transferred;
		let cached_info = top.contract_info.get(&account_id).cloned();
		let caller = self.caller();
		let read_only = self.is_read_only();
		let executable = self.push_frame(
			FrameArgs::Call {
				dest: account_id,
				cached_info,
				delegated: Some((executable, caller)),
			},
			value,
			Weight::zero(),
			Zero::zero(),
			read_only,
		)?;
		self.run(executable, input_data)
	}

	fn instantiate(
		&mut self,
		gas_limit: Weight,
		deposit_limit: BalanceOf<T>,
		code_hash: CodeHash<T>,
		value: BalanceOf<T>,
		input_data: Vec<u8>,
		salt: &[u8],
	) -> Result<(AccountIdOf<T>, ExecReturnValue), ExecError> {
		self.deny_in_read_only()?;
		let executable = E::from_storage(code_hash, self.gas_meter_mut())?;
		let nonce = self.next_nonce();
		let sender = self.top_frame().account_id.clone();
		let read_only = self.is_read_only();
		let executable = self.push_frame(
			FrameArgs::Instantiate { sender, nonce, executable, salt, input_data: &input_data },
			value,
			gas_limit,
			deposit_limit,
			read_only,
		)?;
		let address = self.top_frame().account_id.clone();
		self.run(executable, input_data).map(|ret| (address, ret))
	}

	fn terminate(&mut self, beneficiary: &AccountIdOf<T>) -> DispatchResult {
		self.deny_in_read_only()?;
		if self.is_recursive() {
			return Err(<Error<T>>::TerminatedWhileReentrant.into());
		}
		let frame = self.top_frame_mut();
		let info =
			frame.contract_info.get(&frame.account_id).ok_or(<Error<T>>::ContractNotFound)?.clone();
		frame.contract_info = CachedContract::Terminated;
		frame.nested_storage.terminate(&info, beneficiary.clone());
		<ContractInfoOf<T>>::remove(&frame.account_id);
		info.queue_trie_for_deletion();
		code_info::decrement_refcount::<T>(info.code_hash);
		for (code_hash, deposit) in info.delegate_dependencies() {
			code_info::decrement_refcount::<T>(*code_hash);
			let frame = self.top_frame_mut();
			let contract = frame.account_id.clone();
			frame.nested_storage.charge_deposit(contract, StorageDeposit::Refund(*deposit));
		}
		let contract = self.top_frame().account_id.clone();
		Contracts::<T>::deposit_event(Event::Terminated {
			contract,
			beneficiary: beneficiary.clone(),
		});
		Ok(())
	}

	fn transfer(&mut self, to: &AccountIdOf<T>, value: BalanceOf<T>) -> DispatchResult {
		self.deny_in_read_only()?;
		Self::transfer(Preservation::Preserve, &self.top_frame().account_id, to, value)
	}

	fn get_storage(&mut self, key: &Key) -> Option<Vec<u8>> {
		let frame = self.top_frame_mut();
		frame.contract_info.get(&frame.account_id).and_then(|info| info.read(key))
	}

	fn get_storage_size(&mut self, key: &Key) -> Option<u32> {
		let frame = self.top_frame_mut();
		frame.contract_info.get(&frame.account_id).and_then(|info| info.size(key))
	}

	fn set_storage(
		&mut self,
		key: &Key,
		value: Option<Vec<u8>>,
		take_old: bool,
	) -> Result<WriteOutcome, DispatchError> {
		self.deny_in_read_only()?;
		// The top frame, borrowed apart from the tracer.
		let frame = match self.frames.last_mut() {
			Some(frame) => frame,
			None => &mut self.first_frame,
		};
		let info =
			frame.contract_info.get(&frame.account_id).ok_or(<Error<T>>::ContractNotFound)?;
		if let Some(tracer) = &mut self.tracer {
			let raw_key = match key {
				Key::Fix(key) => &key[..],
				Key::Var(key) => &key[..],
			};
			tracer.storage(raw_key, info.read(key), value.as_deref());
		}
		let mut diff = Diff::default();
		let outcome = info.write(key, value, Some(&mut diff), take_old);
		frame.nested_storage.charge(&diff);
		Ok(outcome)
	}

	fn caller(&self) -> Origin<T> {
		if let Some((caller, _)) = &self.top_frame().delegate {
			return caller.clone();
		}
		self.frames()
			.nth(1)
			.map(|f| Origin::from_account_id(f.account_id.clone()))
			.unwrap_or_else(|| self.origin.clone())
	}

	fn is_contract(&self, address: &AccountIdOf<T>) -> bool {
		<ContractInfoOf<T>>::contains_key(address)
	}

	fn code_hash(&self, address: &AccountIdOf<T>) -> Option<CodeHash<T>> {
		<ContractInfoOf<T>>::get(address).map(|info| info.code_hash)
	}

	fn own_code_hash(&mut self) -> CodeHash<T> {
		let frame = self.top_frame_mut();
		frame.contract_info.get(&frame.account_id).map(|info| info.code_hash).unwrap_or_default()
	}

	fn caller_is_origin(&self) -> bool {
		self.origin == self.caller()
	}

	fn caller_is_root(&self) -> bool {
		self.caller_is_origin() && self.origin == Origin::Root
	}

	fn address(&self) -> &AccountIdOf<T> {
		&self.top_frame().account_id
	}

	fn balance(&self) -> BalanceOf<T> {
		T::Currency::reducible_balance(
			&self.top_frame().account_id,
			Preservation::Preserve,
			Fortitude::Polite,
		)
	}

	fn value_transferred(&self) -> BalanceOf<T> {
		self.top_frame().value_transferred
	}

	fn now(&self) -> &MomentOf<T> {
		&self.timestamp
	}

	fn minimum_balance(&self) -> BalanceOf<T> {
		T::Currency::minimum_balance()
	}

	fn deposit_event(&mut self, topics: Vec<T::Hash>, data: Vec<u8>) {
		if let Some(tracer) = &mut self.tracer {
			tracer.event(topics.iter().map(crate::trace::hash_bytes).collect(), &data);
		}
		let contract = self.top_frame().account_id.clone();
		Contracts::<T>::deposit_indexed_event(topics, Event::ContractEmitted { contract, data });
	}

	fn block_number(&self) -> BlockNumberFor<T> {
		self.block_number
	}

	fn gas_meter(&self) -> &GasMeter<T> {
		&self.top_frame().nested_gas
	}

	fn gas_meter_mut(&mut self) -> &mut GasMeter<T> {
		&mut self.top_frame_mut().nested_gas
	}

	fn debug_buffer_enabled(&self) -> bool {
		self.debug_message.is_some()
	}

	fn append_debug_buffer(&mut self, msg: &str) -> bool {
		let Some(buffer) = &mut self.debug_message else { return false };
		if buffer.try_extend(msg.bytes()).is_err() {
			log::debug!(target: LOG_TARGET, "Debug buffer (of {} bytes) exhausted", T::MaxDebugBufferLen::get());
			return false;
		}
		true
	}

	fn is_read_only(&self) -> bool {
		self.top_frame().read_only
	}

	fn reentrance_count(&self) -> u32 {
		let id = &self.top_frame().account_id;
		self.account_reentrance_count(id).saturating_sub(1)
	}

	fn account_reentrance_count(&self, account_id: &AccountIdOf<T>) -> u32 {
		self.frames().filter(|f| f.delegate.is_none() && &f.account_id == account_id).count() as u32
	}

	fn nonce(&mut self) -> u64 {
		self.nonce.unwrap_or_else(<Nonce<T>>::get)
	}

	fn set_code_hash(&mut self, hash: CodeHash<T>) -> DispatchResult {
		self.deny_in_read_only()?;
		let code_info = <CodeInfoOf<T>>::get(hash).ok_or(<Error<T>>::CodeNotFound)?;
		// Non-deterministic code must never become a contract's code on chain.
		ensure!(code_info.determinism() == Determinism::Enforced, <Error<T>>::Indeterministic);
		let frame = self.top_frame_mut();
		let info =
			frame.contract_info.get(&frame.account_id).ok_or(<Error<T>>::ContractNotFound)?;
		// The base deposit includes a share of the code's deposit, so it follows the code.
		let old_base = info.storage_base_deposit();
		let new_base = info.update_base_deposit(&code_info);
		let deposit = if new_base >= old_base {
			StorageDeposit::Charge(new_base.saturating_sub(old_base))
		} else {
			StorageDeposit::Refund(old_base.saturating_sub(new_base))
		};
		code_info::increment_refcount::<T>(hash)?;
		code_info::decrement_refcount::<T>(info.code_hash);
		let old_code_hash = mem::replace(&mut info.code_hash, hash);
		let contract = frame.account_id.clone();
		frame.nested_storage.charge_deposit(contract.clone(), deposit);
		Contracts::<T>::deposit_event(Event::ContractCodeUpdated {
			contract,
			new_code_hash: hash,
			old_code_hash,
		});
		Ok(())
	}

	fn get_transient_storage(&self, key: &Key) -> Option<Vec<u8>> {
		self.transient_storage.read(&self.top_frame().account_id, key)
	}

	fn set_transient_storage(
		&mut self,
		key: &Key,
		value: Option<Vec<u8>>,
		take_old: bool,
	) -> Result<WriteOutcome, DispatchError> {
		let account_id = self.top_frame().account_id.clone();
		self.transient_storage.write(&account_id, key, value, take_old)
	}

	fn record_trap(&mut self, code_hash: CodeHash<T>, trap: TrapInfo) {
		self.top_frame_mut().trap = Some((code_hash, trap));
	}

	fn tracer(&mut self) -> Option<&mut crate::trace::Tracer> {
		self.tracer.as_mut()
	}

	fn call_runtime(
		&self,
		call: <T as Config>::RuntimeCall,
	) -> frame_support::dispatch::DispatchResultWithPostInfo {
		use frame_support::traits::{Contains, OriginTrait};
		use sp_runtime::traits::Dispatchable;
		let mut origin: T::RuntimeOrigin =
			frame_system::RawOrigin::Signed(self.address().clone()).into();
		origin.add_filter(T::CallFilter::contains);
		call.dispatch(origin)
	}

	fn lock_delegate_dependency(&mut self, code_hash: CodeHash<T>) -> DispatchResult {
		self.deny_in_read_only()?;
		let frame = self.top_frame_mut();
		let info =
			frame.contract_info.get(&frame.account_id).ok_or(<Error<T>>::ContractNotFound)?;
		ensure!(code_hash != info.code_hash, <Error<T>>::CannotAddSelfAsDelegateDependency);
		let code_info = <CodeInfoOf<T>>::get(code_hash).ok_or(<Error<T>>::CodeNotFound)?;
		let deposit = T::CodeHashLockupDepositPercent::get().mul_ceil(code_info.deposit());
		info.lock_delegate_dependency(code_hash, deposit)?;
		code_info::increment_refcount::<T>(code_hash)?;
		let contract = frame.account_id.clone();
		frame.nested_storage.charge_deposit(contract, StorageDeposit::Charge(deposit));
		Ok(())
	}

	fn unlock_delegate_dependency(&mut self, code_hash: &CodeHash<T>) -> DispatchResult {
		self.deny_in_read_only()?;
		let frame = self.top_frame_mut();
		let info =
			frame.contract_info.get(&frame.account_id).ok_or(<Error<T>>::ContractNotFound)?;
		let deposit = info.unlock_delegate_dependency(code_hash)?;
		code_info::decrement_refcount::<T>(*code_hash);
		let contract = frame.account_id.clone();
		frame.nested_storage.charge_deposit(contract, StorageDeposit::Refund(deposit));
		Ok(())
	}
}
