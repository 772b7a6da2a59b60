//! Contract addresses.
//!
//! An address depends only on who deploys which code with which constructor input and salt,
//! so tools can compute it before instantiating, and instantiating the same thing twice is a
//! detectable `DuplicateContract`.

use crate::{CodeHash, Config};
use codec::{Decode, Encode};
use sp_runtime::traits::TrailingZeroInput;

/// Derives the address of a new contract.
pub trait AddressGenerator<T: Config> {
	/// The address of the contract `deployer` instantiates from `code_hash` with `input_data`
	/// and `salt`.
	fn contract_address(
		deployer: &T::AccountId,
		code_hash: &CodeHash<T>,
		input_data: &[u8],
		salt: &[u8],
	) -> T::AccountId;
}

/// pallet-contracts' address scheme:
/// `blake2_256(SCALE(("contract_addr_v1", deployer, code_hash, input_data, salt)))`.
///
/// The tag is a fixed-size array, so it has no length prefix, while `input_data` and `salt`
/// are slices and do: tools compute the same preimage.
pub struct DefaultAddressGenerator;

impl<T: Config> AddressGenerator<T> for DefaultAddressGenerator {
	fn contract_address(
		deployer: &T::AccountId,
		code_hash: &CodeHash<T>,
		input_data: &[u8],
		salt: &[u8],
	) -> T::AccountId {
		let entropy = (b"contract_addr_v1", deployer, code_hash, input_data, salt)
			.using_encoded(sp_io::hashing::blake2_256);
		// Zero padding makes any account id type decodable from a 32-byte hash.
		Decode::decode(&mut TrailingZeroInput::new(entropy.as_ref()))
			.expect("TrailingZeroInput is infinite, so decoding cannot run out of input; qed")
	}
}
