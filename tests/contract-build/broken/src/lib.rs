//! Does not compile: `missing` is not defined.

#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
mod broken {
	#[ink(storage)]
	pub struct Broken {}

	impl Broken {
		#[ink(constructor)]
		pub fn new() -> Self {
			Self {}
		}

		#[ink(message)]
		pub fn get(&self) -> u32 {
			missing // ERROR
		}
	}
}
