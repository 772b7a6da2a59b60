//! Stored code's metadata (`CodeInfoOf`): who uploaded it, the deposit held for it, how many
//! contracts use it, and whether it must be deterministic.
//!
//! Its own file because everything that touches code reads it: upload and removal (`wasm`),
//! the call stack's reference counting (`exec`), and the deposit meter (`storage::meter`).

use crate::{AccountIdOf, BalanceOf, CodeHash, CodeInfoOf, Config, Error};
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{
	dispatch::DispatchResult, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use sp_runtime::traits::Zero;

/// Metadata of stored code.
#[derive(
	CloneNoBound,
	Encode,
	Decode,
	scale_info::TypeInfo,
	MaxEncodedLen,
	DebugNoBound,
	PartialEqNoBound,
	EqNoBound,
)]
#[codec(mel_bound())]
#[scale_info(skip_type_params(T))]
// Upstream's type path (`pallet_contracts::wasm::CodeInfo`), which the metadata keeps.
#[scale_info(replace_segment("code_info", "wasm"))]
pub struct CodeInfo<T: Config> {
	/// Who uploaded the code; the only account allowed to remove it.
	owner: AccountIdOf<T>,
	/// Deposit held on the owner for storing the code.
	#[codec(compact)]
	deposit: BalanceOf<T>,
	/// Number of contracts using the code (including delegate dependencies).
	#[codec(compact)]
	refcount: u64,
	/// Whether the code may only run where determinism is not required.
	determinism: Determinism,
	/// Length of the code in bytes.
	code_len: u32,
}

/// Whether code must behave identically on every node.
#[derive(
	Clone,
	Copy,
	Encode,
	Decode,
	codec::DecodeWithMemTracking,
	scale_info::TypeInfo,
	MaxEncodedLen,
	Debug,
	PartialEq,
	Eq,
)]
#[scale_info(replace_segment("code_info", "wasm"))]
pub enum Determinism {
	/// The code is deterministic (no floating point), so it may run on chain.
	Enforced,
	/// The code may be non-deterministic; it only runs off chain through dry runs that allow
	/// it.
	Relaxed,
}

impl<T: Config> CodeInfo<T> {
	/// Metadata of code owned by `owner`, not yet paid for or stored.
	pub fn new(owner: AccountIdOf<T>, determinism: Determinism, code_len: u32) -> Self {
		Self { owner, deposit: Zero::zero(), refcount: 0, determinism, code_len }
	}

	/// The same metadata with `deposit` recorded as held.
	pub fn with_deposit(mut self, deposit: BalanceOf<T>) -> Self {
		self.deposit = deposit;
		self
	}

	/// The uploader.
	pub fn owner(&self) -> &AccountIdOf<T> {
		&self.owner
	}

	/// The deposit held for the code.
	pub fn deposit(&self) -> BalanceOf<T> {
		self.deposit
	}

	/// How many contracts use the code.
	pub fn refcount(&self) -> u64 {
		self.refcount
	}

	/// The code's determinism.
	pub fn determinism(&self) -> Determinism {
		self.determinism
	}

	/// Length of the code in bytes.
	pub fn code_len(&self) -> u32 {
		self.code_len
	}
}

/// Records one more user of the code; `CodeNotFound` if it is not stored.
pub fn increment_refcount<T: Config>(code_hash: CodeHash<T>) -> DispatchResult {
	<CodeInfoOf<T>>::mutate(code_hash, |existing| {
		let info = existing.as_mut().ok_or(<Error<T>>::CodeNotFound)?;
		info.refcount = info.refcount.saturating_add(1);
		Ok(())
	})
}

/// Records one user fewer. Missing code is ignored: the count only guards removal.
pub fn decrement_refcount<T: Config>(code_hash: CodeHash<T>) {
	<CodeInfoOf<T>>::mutate(code_hash, |existing| {
		if let Some(info) = existing {
			info.refcount = info.refcount.saturating_sub(1);
		}
	});
}
