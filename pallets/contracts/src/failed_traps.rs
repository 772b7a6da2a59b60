//! Trap events that outlive the dispatch that rolled them back.
//!
//! FRAME runs every dispatchable in a storage layer and rolls it back when the dispatch fails,
//! events included, so the `ContractTrapped` event of the trap that failed an extrinsic would
//! never reach the chain. The pallet therefore also keeps each trap event in memory of the
//! runtime instance (not in storage, which the rollback would undo), moves the events of a
//! dispatch that fails aside, and [`DepositFailedTraps`], a transaction extension, deposits those
//! after the dispatch, outside its storage layer, in the extrinsic's own phase.
//!
//! Everything here is a function of the extrinsic: the runtime instance applies the extrinsic
//! from its `prepare` to its `post_dispatch`, whether it builds a block, imports one or dry-runs
//! a transaction, so every node deposits the same events. Nothing is kept between extrinsics.

use crate::{Config, Event, Pallet};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::{cell::RefCell, marker::PhantomData};
use frame_support::{
	dispatch::{DispatchInfo, PostDispatchInfo},
	pallet_prelude::TransactionSource,
	weights::Weight,
};
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{
		DispatchInfoOf, Dispatchable, PostDispatchInfoOf, TransactionExtension, ValidateResult,
	},
	transaction_validity::{TransactionValidityError, ValidTransaction},
	DispatchResult,
};

/// The runtime's call type (the pallet's `Config` has a `RuntimeCall` of its own).
type CallOf<T> = <T as frame_system::Config>::RuntimeCall;

/// The encoded trap events of the extrinsic being applied.
#[derive(Default)]
struct Buffer {
	/// Every trap event recorded since the extrinsic started, in order.
	recorded: Vec<Vec<u8>>,
	/// Those of them that a failed dispatch rolled back.
	failed: Vec<Vec<u8>>,
}

#[cfg(feature = "std")]
std::thread_local! {
	static BUFFER: RefCell<Buffer> = RefCell::new(Buffer::default());
}

#[cfg(feature = "std")]
fn with_buffer<R>(f: impl FnOnce(&mut Buffer) -> R) -> R {
	BUFFER.with(|buffer| f(&mut buffer.borrow_mut()))
}

#[cfg(not(feature = "std"))]
struct RuntimeLocal(RefCell<Buffer>);

// SAFETY: the runtime is a single-threaded Wasm instance: nothing else can reach the buffer
// while it is borrowed.
#[cfg(not(feature = "std"))]
unsafe impl Sync for RuntimeLocal {}

#[cfg(not(feature = "std"))]
static BUFFER: RuntimeLocal =
	RuntimeLocal(RefCell::new(Buffer { recorded: Vec::new(), failed: Vec::new() }));

#[cfg(not(feature = "std"))]
fn with_buffer<R>(f: impl FnOnce(&mut Buffer) -> R) -> R {
	f(&mut BUFFER.0.borrow_mut())
}

/// Where a dispatch's trap events start: what [`dispatch_failed`] takes back.
pub(crate) struct DispatchMark(usize);

/// A dispatch starts (it may be nested in another, through `call_runtime` or a batch).
pub(crate) fn begin_dispatch() -> DispatchMark {
	DispatchMark(with_buffer(|buffer| buffer.recorded.len()))
}

/// Records an encoded trap event, also deposited as usual.
pub(crate) fn record(event: Vec<u8>) {
	with_buffer(|buffer| buffer.recorded.push(event));
}

/// The dispatch that started at `mark` failed: FRAME rolls back its events, those of nested
/// dispatches that succeeded included, so they are kept for [`DepositFailedTraps`].
pub(crate) fn dispatch_failed(mark: DispatchMark) {
	with_buffer(|buffer| {
		let rolled_back = buffer.recorded.split_off(mark.0.min(buffer.recorded.len()));
		buffer.failed.extend(rolled_back);
	});
}

/// Forgets everything recorded: a new extrinsic starts.
fn clear() {
	with_buffer(|buffer| *buffer = Buffer::default());
}

/// The rolled-back trap events of the extrinsic, forgetting everything recorded.
fn take_failed() -> Vec<Vec<u8>> {
	with_buffer(|buffer| core::mem::take(buffer).failed)
}

impl<T: Config> Pallet<T> {
	/// Deposits the trap events that failed dispatches of the current extrinsic rolled back,
	/// then forgets the extrinsic's trap events. [`DepositFailedTraps`] calls this after each
	/// dispatch.
	pub fn deposit_failed_trap_events() {
		for encoded in take_failed() {
			if let Ok(event) = Event::<T>::decode(&mut &encoded[..]) {
				Self::deposit_event(event);
			}
		}
	}
}

/// The transaction extension that deposits the `ContractTrapped` events of an extrinsic's failed
/// contract dispatches (see the module docs). Zero-sized, with no implicit data, so signers that
/// do not know it (polkadot.js, subxt) sign for the chain unchanged.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, Eq, PartialEq, Default, TypeInfo)]
#[scale_info(skip_type_params(T))]
pub struct DepositFailedTraps<T: Config + Send + Sync>(PhantomData<T>);

impl<T: Config + Send + Sync> DepositFailedTraps<T> {
	pub fn new() -> Self {
		Self(PhantomData)
	}
}

impl<T: Config + Send + Sync> core::fmt::Debug for DepositFailedTraps<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		f.write_str("DepositFailedTraps")
	}
}

impl<T: Config + Send + Sync> TransactionExtension<CallOf<T>> for DepositFailedTraps<T>
where
	CallOf<T>: Dispatchable<Info = DispatchInfo, PostInfo = PostDispatchInfo>,
{
	const IDENTIFIER: &'static str = "DepositFailedTraps";
	type Implicit = ();
	type Val = ();
	type Pre = ();

	fn weight(&self, _: &CallOf<T>) -> Weight {
		Weight::zero()
	}

	fn validate(
		&self,
		origin: T::RuntimeOrigin,
		_call: &CallOf<T>,
		_info: &DispatchInfoOf<CallOf<T>>,
		_len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Encode,
		_source: TransactionSource,
	) -> ValidateResult<Self::Val, CallOf<T>> {
		Ok((ValidTransaction::default(), (), origin))
	}

	fn prepare(
		self,
		_val: Self::Val,
		_origin: &T::RuntimeOrigin,
		_call: &CallOf<T>,
		_info: &DispatchInfoOf<CallOf<T>>,
		_len: usize,
	) -> Result<Self::Pre, TransactionValidityError> {
		clear();
		Ok(())
	}

	fn post_dispatch_details(
		_pre: Self::Pre,
		_info: &DispatchInfoOf<CallOf<T>>,
		_post_info: &PostDispatchInfoOf<CallOf<T>>,
		_len: usize,
		_result: &DispatchResult,
	) -> Result<Weight, TransactionValidityError> {
		Pallet::<T>::deposit_failed_trap_events();
		Ok(Weight::zero())
	}
}
