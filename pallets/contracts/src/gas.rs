//! The gas meter: two-dimensional weight (ref_time, proof_size) a call may consume.
//!
//! Every frame of the call stack gets a nested meter carved out of its parent's; when the
//! frame ends the unused part flows back. Besides what is left, the meter remembers the lowest
//! level ever reached: charges made for the worst case and refunded afterwards still need that
//! much gas up front, so a dry run reports it as `gas_required`.

use crate::{Config, Error};
use core::marker::PhantomData;
use frame_support::{
	dispatch::{DispatchErrorWithPostInfo, DispatchResultWithPostInfo, PostDispatchInfo},
	weights::Weight,
	DefaultNoBound,
};
use sp_runtime::DispatchError;

/// Something with a cost in weight.
pub trait Token<T: Config>: Copy + Clone + core::fmt::Debug {
	/// The cost of this token.
	fn weight(&self) -> Weight;
}

/// Proof of a charge, needed to adjust it later.
#[derive(Debug, PartialEq, Eq)]
pub struct ChargedAmount(Weight);

/// A weight budget and how much of it is left.
#[derive(DefaultNoBound)]
pub struct GasMeter<T: Config> {
	gas_limit: Weight,
	gas_left: Weight,
	gas_left_lowest: Weight,
	_phantom: PhantomData<T>,
}

impl<T: Config> GasMeter<T> {
	/// A meter with `gas_limit` available.
	pub fn new(gas_limit: Weight) -> Self {
		Self { gas_limit, gas_left: gas_limit, gas_left_lowest: gas_limit, _phantom: PhantomData }
	}

	/// Carves a meter for a nested frame out of this one.
	///
	/// A zero component of `amount` means "everything left"; a larger one is capped at what is
	/// left, so a contract cannot grant more than it has.
	pub fn nested(&mut self, amount: Weight) -> Self {
		let ref_time =
			if amount.ref_time() == 0 { self.gas_left.ref_time() } else { amount.ref_time() };
		let proof_size =
			if amount.proof_size() == 0 { self.gas_left.proof_size() } else { amount.proof_size() };
		let amount = Weight::from_parts(ref_time, proof_size).min(self.gas_left);
		// Record the level before handing gas out: while the nested frame runs, our `gas_left`
		// is low only because the gas is lent, not spent.
		self.gas_left_lowest = self.gas_left_lowest();
		self.gas_left -= amount;
		GasMeter::new(amount)
	}

	/// Returns a nested meter's unused gas and folds its low-water mark into ours.
	pub fn absorb_nested(&mut self, nested: Self) {
		// Our level had the nested frame drawn its lowest while we held the rest.
		let lowest_while_nested =
			self.gas_left.saturating_add(nested.gas_limit).saturating_sub(nested.gas_required());
		self.gas_left_lowest = self.gas_left_lowest.min(lowest_while_nested);
		self.gas_left = self.gas_left.saturating_add(nested.gas_left);
	}

	/// Charges `token`, failing with `OutOfGas` if either component would go below zero. On
	/// failure nothing is charged.
	pub fn charge<Tok: Token<T>>(&mut self, token: Tok) -> Result<ChargedAmount, DispatchError> {
		let amount = token.weight();
		self.gas_left = self.gas_left.checked_sub(&amount).ok_or(<Error<T>>::OutOfGas)?;
		Ok(ChargedAmount(amount))
	}

	/// Replaces an earlier worst-case charge by the actual cost `token`, refunding the
	/// difference. The low-water mark keeps the worst case.
	pub fn adjust_gas<Tok: Token<T>>(&mut self, charged: ChargedAmount, token: Tok) {
		self.gas_left_lowest = self.gas_left_lowest();
		let refund = charged.0.saturating_sub(token.weight());
		self.gas_left = self.gas_left.saturating_add(refund).min(self.gas_limit);
	}

	/// Weight left.
	pub fn gas_left(&self) -> Weight {
		self.gas_left
	}

	/// The limit this meter was created with.
	#[cfg(test)]
	pub fn gas_limit(&self) -> Weight {
		self.gas_limit
	}

	/// Weight used so far.
	pub fn gas_consumed(&self) -> Weight {
		self.gas_limit.saturating_sub(self.gas_left)
	}

	/// Limit a rerun needs to succeed: the deepest point ever reached.
	pub fn gas_required(&self) -> Weight {
		self.gas_limit.saturating_sub(self.gas_left_lowest())
	}

	fn gas_left_lowest(&self) -> Weight {
		self.gas_left_lowest.min(self.gas_left)
	}

	/// A dispatch result whose post-info weight is the consumed gas plus `base_weight`.
	pub fn into_dispatch_result<R, E: Into<DispatchError>>(
		self,
		result: Result<R, E>,
		base_weight: Weight,
	) -> DispatchResultWithPostInfo {
		let post_info = PostDispatchInfo {
			actual_weight: Some(self.gas_consumed().saturating_add(base_weight)),
			pays_fee: Default::default(),
		};
		result
			.map(|_| post_info)
			.map_err(|e| DispatchErrorWithPostInfo { post_info, error: e.into() })
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::tests::Test;

	#[derive(Copy, Clone, Debug)]
	struct Cost(u64, u64);
	impl Token<Test> for Cost {
		fn weight(&self) -> Weight {
			Weight::from_parts(self.0, self.1)
		}
	}

	#[test]
	fn charging_fails_without_changes_when_either_dimension_runs_out() {
		let mut meter = GasMeter::<Test>::new(Weight::from_parts(100, 10));
		assert!(meter.charge(Cost(50, 5)).is_ok());
		assert!(meter.charge(Cost(10, 6)).is_err());
		assert!(meter.charge(Cost(51, 1)).is_err());
		assert_eq!(meter.gas_left(), Weight::from_parts(50, 5));
		assert_eq!(meter.gas_consumed(), Weight::from_parts(50, 5));
	}

	#[test]
	fn nested_zero_means_all_and_is_capped() {
		let mut meter = GasMeter::<Test>::new(Weight::from_parts(100, 10));
		let nested = meter.nested(Weight::from_parts(0, 4));
		assert_eq!(nested.gas_limit(), Weight::from_parts(100, 4));
		assert_eq!(meter.gas_left(), Weight::from_parts(0, 6));
		meter.absorb_nested(nested);
		let nested = meter.nested(Weight::from_parts(1_000, 1_000));
		assert_eq!(nested.gas_limit(), Weight::from_parts(100, 10));
	}

	#[test]
	fn gas_required_remembers_refunded_worst_case_through_nesting() {
		let mut meter = GasMeter::<Test>::new(Weight::from_parts(1_000, 1_000));
		meter.charge(Cost(100, 100)).unwrap();
		let mut nested = meter.nested(Weight::zero());
		let charged = nested.charge(Cost(500, 500)).unwrap();
		nested.adjust_gas(charged, Cost(50, 50));
		assert_eq!(nested.gas_consumed(), Weight::from_parts(50, 50));
		assert_eq!(nested.gas_required(), Weight::from_parts(500, 500));
		meter.absorb_nested(nested);
		assert_eq!(meter.gas_consumed(), Weight::from_parts(150, 150));
		assert_eq!(meter.gas_required(), Weight::from_parts(600, 600));
	}
}
