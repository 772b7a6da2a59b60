//! The storage deposit meter.
//!
//! Contracts pay for the state they occupy: a deposit per byte and per item, held on the
//! contract account and refunded when the state is freed. Over a call stack the meter collects
//! every frame's changes as `charges`; nothing moves until the whole stack has finished, when
//! [`Meter::try_into_deposit`] settles with the origin: refunds first (so freed deposit can pay
//! for new charges), then charges. A frame that fails or reverts drops its meter with its
//! storage changes, so it is charged nothing.

use crate::{
	code_info::CodeInfo, storage::ContractInfo, AccountIdOf, BalanceOf, Config, Error, Event,
	HoldReason, Origin, Pallet, StorageDeposit as Deposit, System, LOG_TARGET,
};
use alloc::vec::Vec;
use frame_support::{
	ensure,
	traits::{
		fungible::{Inspect, Mutate, MutateHold},
		tokens::{Fortitude, Fortitude::Polite, Precision, Preservation, Restriction},
		Get,
	},
	CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound, PartialEqNoBound,
};
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchError, FixedPointNumber, FixedU128,
};

/// A deposit amount of the runtime's balance type.
pub type DepositOf<T> = Deposit<BalanceOf<T>>;

/// Changes of a contract's storage within one frame.
#[derive(Default, Debug, Clone, PartialEq, Eq)]
pub struct Diff {
	/// Bytes of values written beyond what was there.
	pub bytes_added: u32,
	/// Bytes of values removed or shrunk.
	pub bytes_removed: u32,
	/// Keys that got a value.
	pub items_added: u32,
	/// Keys whose value was removed.
	pub items_removed: u32,
}

impl Diff {
	/// Applies the diff to `info` (if given) and returns the deposit it costs or frees.
	///
	/// Growth is charged at the current prices. Shrinking is refunded in proportion to what
	/// was paid for the removed share, not at current prices: a contract never gets back more
	/// than it paid, even if prices fell in between.
	pub fn update_contract<T: Config>(&self, info: Option<&mut ContractInfo<T>>) -> DepositOf<T> {
		let per_byte = T::DepositPerByte::get();
		let per_item = T::DepositPerItem::get();
		let bytes_added = self.bytes_added.saturating_sub(self.bytes_removed);
		let bytes_removed = self.bytes_removed.saturating_sub(self.bytes_added);
		let items_added = self.items_added.saturating_sub(self.items_removed);
		let items_removed = self.items_removed.saturating_sub(self.items_added);
		let byte_charge = per_byte.saturating_mul(bytes_added.into());
		let item_charge = per_item.saturating_mul(items_added.into());

		let Some(info) = info else {
			return Deposit::Charge(byte_charge.saturating_add(item_charge));
		};
		let byte_refund =
			pro_rata::<T>(bytes_removed, info.storage_bytes(), info.storage_byte_deposit);
		let item_refund =
			pro_rata::<T>(items_removed, info.storage_items(), info.storage_item_deposit());
		info.apply_diff(
			(bytes_added, bytes_removed),
			(items_added, items_removed),
			(byte_charge, byte_refund),
			(item_charge, item_refund),
		);
		Deposit::Charge(byte_charge.saturating_add(item_charge))
			.saturating_add(&Deposit::Refund(byte_refund.saturating_add(item_refund)))
	}
}

/// `paid * part / whole`, rounded down; all of `paid` when `part` covers `whole`.
fn pro_rata<T: Config>(part: u32, whole: u32, paid: BalanceOf<T>) -> BalanceOf<T> {
	if part == 0 || whole == 0 {
		return Zero::zero();
	}
	if part >= whole {
		return paid;
	}
	FixedU128::saturating_from_rational(part, whole).saturating_mul_int(paid)
}

/// What a frame did to its contract's deposit.
#[derive(CloneNoBound, DebugNoBound, PartialEqNoBound, EqNoBound)]
enum Contribution<T: Config> {
	/// The contract lives on; its storage changed by this much so far.
	Alive(Diff),
	/// The diff was settled into the contract info; this is the resulting deposit.
	Checked(DepositOf<T>),
	/// The contract terminated: its whole deposit goes back, the rest of its balance to
	/// `beneficiary`.
	Terminated { deposit: DepositOf<T>, beneficiary: AccountIdOf<T> },
}

impl<T: Config> Default for Contribution<T> {
	fn default() -> Self {
		Self::Alive(Default::default())
	}
}

/// What happens to a contract after settlement.
#[derive(CloneNoBound, DebugNoBound, PartialEqNoBound, EqNoBound)]
enum ContractState<T: Config> {
	Alive,
	Terminated { beneficiary: AccountIdOf<T> },
}

/// A deposit movement between the origin and one contract, made at settlement.
#[derive(CloneNoBound, DebugNoBound, PartialEqNoBound, EqNoBound)]
struct Charge<T: Config> {
	contract: AccountIdOf<T>,
	amount: DepositOf<T>,
	state: ContractState<T>,
}

/// Storage deposit accounting of the whole stack (root) or one frame (nested).
#[derive(DefaultNoBound)]
pub struct Meter<T: Config> {
	/// Most this meter may charge in total.
	limit: BalanceOf<T>,
	/// Net deposit of the frames absorbed so far, plus this frame's once checked.
	total_deposit: DepositOf<T>,
	/// This frame's effect on its own contract.
	own_contribution: Contribution<T>,
	/// Movements to make at settlement.
	charges: Vec<Charge<T>>,
	/// Whether the frame had a limit of its own, which is then enforced when it returns.
	has_own_limit: bool,
}

impl<T: Config> Meter<T> {
	/// The root meter of a call stack started by `origin`.
	///
	/// `limit` defaults to what the origin can afford, capped at `DefaultDepositLimit`.
	/// `min_leftover` (the value transferred) is kept out of reach. A limit the origin cannot
	/// pay is `StorageDepositNotEnoughFunds` up front, so execution never runs in vain.
	pub fn new(
		origin: &Origin<T>,
		limit: Option<BalanceOf<T>>,
		min_leftover: BalanceOf<T>,
	) -> Result<Self, DispatchError> {
		let origin = match origin {
			// Root pays no deposit (see `try_into_deposit`), so its limit is only a bound.
			Origin::Root => {
				return Ok(Self {
					limit: limit.unwrap_or_else(T::DefaultDepositLimit::get),
					..Default::default()
				})
			}
			Origin::Signed(origin) => origin,
		};
		let available = T::Currency::reducible_balance(origin, Preservation::Preserve, Polite)
			.saturating_sub(min_leftover)
			.saturating_sub(T::Currency::minimum_balance());
		let limit = limit.unwrap_or_else(|| available.min(T::DefaultDepositLimit::get()));
		ensure!(
			limit <= available
				&& T::Currency::can_withdraw(origin, limit).into_result(true).is_ok(),
			<Error<T>>::StorageDepositNotEnoughFunds
		);
		Ok(Self { limit, ..Default::default() })
	}

	/// How much more this meter may charge.
	pub fn available(&self) -> BalanceOf<T> {
		self.total_deposit.available(&self.limit)
	}

	/// The meter of a new frame. A zero `limit` means "whatever the parent has left";
	/// otherwise the frame gets at most that and its own limit is enforced when it returns.
	pub fn nested(&self, limit: BalanceOf<T>) -> Self {
		let available = self.available();
		let (limit, has_own_limit) =
			if limit.is_zero() { (available, false) } else { (limit.min(available), true) };
		Self { limit, has_own_limit, ..Default::default() }
	}

	/// Records this frame's storage change.
	pub fn charge(&mut self, diff: &Diff) {
		if let Contribution::Alive(own) = &mut self.own_contribution {
			own.bytes_added = own.bytes_added.saturating_add(diff.bytes_added);
			own.bytes_removed = own.bytes_removed.saturating_add(diff.bytes_removed);
			own.items_added = own.items_added.saturating_add(diff.items_added);
			own.items_removed = own.items_removed.saturating_add(diff.items_removed);
		}
	}

	/// Records a deposit for `contract` that is not a storage diff of this frame.
	pub fn charge_deposit(&mut self, contract: AccountIdOf<T>, amount: DepositOf<T>) {
		self.total_deposit = self.total_deposit.saturating_add(&amount);
		self.charges.push(Charge { contract, amount, state: ContractState::Alive });
	}

	/// Sets up the deposit of a contract being instantiated by `origin`.
	///
	/// The existential deposit moves to the contract as free balance (and counts as deposit
	/// in what the origin is told), the contract becomes a consumer of its account so it
	/// cannot be reaped, and the base deposit is recorded as a charge.
	pub fn charge_instantiate(
		&mut self,
		origin: &AccountIdOf<T>,
		contract: &AccountIdOf<T>,
		info: &mut ContractInfo<T>,
		code_info: &CodeInfo<T>,
	) -> Result<(), DispatchError> {
		let ed = T::Currency::minimum_balance();
		self.total_deposit = Deposit::Charge(ed);
		T::Currency::transfer(origin, contract, ed, Preservation::Preserve)?;
		System::<T>::inc_consumers(contract)?;
		let base = info.update_base_deposit(code_info);
		self.charge_deposit(contract.clone(), Deposit::Charge(base));
		Ok(())
	}

	/// Records that the frame's contract terminated in favour of `beneficiary`.
	pub fn terminate(&mut self, info: &ContractInfo<T>, beneficiary: AccountIdOf<T>) {
		self.own_contribution = Contribution::Terminated {
			deposit: Deposit::Refund(info.total_deposit()),
			beneficiary,
		};
	}

	/// Settles this frame's own storage changes into `info` and its total.
	fn finalize_own_contributions(&mut self, info: Option<&mut ContractInfo<T>>) {
		if let Contribution::Alive(diff) = &self.own_contribution {
			let deposit = diff.update_contract::<T>(info);
			self.total_deposit = self.total_deposit.saturating_add(&deposit);
			self.own_contribution = Contribution::Checked(deposit);
		}
	}

	/// Fails if the frame's net charge exceeds its limit. Used for the first frame and for
	/// frames with a limit of their own, inside their storage transaction so that a failure
	/// rolls the frame back.
	pub fn enforce_limit(
		&mut self,
		info: Option<&mut ContractInfo<T>>,
	) -> Result<(), DispatchError> {
		self.finalize_own_contributions(info);
		ensure!(
			self.total_deposit.charge_or_zero() <= self.limit,
			<Error<T>>::StorageDepositLimitExhausted
		);
		Ok(())
	}

	/// Like [`Self::enforce_limit`] but only for frames that were given their own limit.
	pub fn enforce_subcall_limit(
		&mut self,
		info: Option<&mut ContractInfo<T>>,
	) -> Result<(), DispatchError> {
		if self.has_own_limit {
			self.enforce_limit(info)
		} else {
			Ok(())
		}
	}

	/// Folds the meter of a finished, successful frame of `contract` into this one.
	pub fn absorb(
		&mut self,
		mut nested: Self,
		contract: &AccountIdOf<T>,
		info: Option<&mut ContractInfo<T>>,
	) {
		nested.finalize_own_contributions(info);
		self.total_deposit = self.total_deposit.saturating_add(&nested.total_deposit);
		self.charges.append(&mut nested.charges);
		match nested.own_contribution {
			Contribution::Checked(deposit) if !deposit.is_zero() => self.charges.push(Charge {
				contract: contract.clone(),
				amount: deposit,
				state: ContractState::Alive,
			}),
			Contribution::Terminated { deposit, beneficiary } => {
				self.total_deposit = self.total_deposit.saturating_add(&deposit);
				self.charges.push(Charge {
					contract: contract.clone(),
					amount: deposit,
					state: ContractState::Terminated { beneficiary },
				});
			}
			_ => (),
		}
	}

	/// Moves the deposits between the origin and the contracts, and returns the net amount.
	///
	/// Root pays nothing and is told `Charge(0)`.
	pub fn try_into_deposit(self, origin: &Origin<T>) -> Result<DepositOf<T>, DispatchError> {
		let origin = match origin {
			Origin::Root => return Ok(Deposit::Charge(Zero::zero())),
			Origin::Signed(origin) => origin,
		};
		let (refunds, charges): (Vec<_>, Vec<_>) =
			self.charges.iter().partition(|c| matches!(c.amount, Deposit::Refund(_)));
		for charge in refunds.into_iter().chain(charges) {
			settle::<T>(origin, charge)?;
		}
		Ok(self.total_deposit)
	}
}

/// Makes one deposit movement.
fn settle<T: Config>(origin: &AccountIdOf<T>, charge: &Charge<T>) -> Result<(), DispatchError> {
	let reason = HoldReason::StorageDepositReserve.into();
	match charge.amount {
		Deposit::Charge(amount) if !amount.is_zero() => {
			T::Currency::transfer_and_hold(
				&reason,
				origin,
				&charge.contract,
				amount,
				Precision::Exact,
				Preservation::Preserve,
				Fortitude::Polite,
			)
			.map_err(|_| <Error<T>>::StorageDepositNotEnoughFunds)?;
			<Pallet<T>>::deposit_event(Event::StorageDepositTransferredAndHeld {
				from: origin.clone(),
				to: charge.contract.clone(),
				amount,
			});
		}
		Deposit::Refund(amount) if !amount.is_zero() => {
			// Best effort: a slashed hold must not block the refund of the rest.
			let transferred = T::Currency::transfer_on_hold(
				&reason,
				&charge.contract,
				origin,
				amount,
				Precision::BestEffort,
				Restriction::Free,
				Fortitude::Polite,
			)?;
			<Pallet<T>>::deposit_event(Event::StorageDepositTransferredAndReleased {
				from: charge.contract.clone(),
				to: origin.clone(),
				amount: transferred,
			});
		}
		_ => (),
	}
	if let ContractState::Terminated { beneficiary } = &charge.state {
		// The contract no longer needs its account; everything left, ED included, goes to
		// the beneficiary and the account is reaped.
		System::<T>::dec_consumers(&charge.contract);
		let rest = T::Currency::reducible_balance(
			&charge.contract,
			Preservation::Expendable,
			Fortitude::Polite,
		);
		T::Currency::transfer(&charge.contract, beneficiary, rest, Preservation::Expendable)
			.map_err(|error| {
				log::debug!(target: LOG_TARGET, "terminated contract's balance not moved: {error:?}");
				<Error<T>>::TransferFailed
			})?;
	}
	Ok(())
}
