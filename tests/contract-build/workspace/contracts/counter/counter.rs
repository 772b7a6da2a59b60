//! A counter that traps when told to count past a limit.

#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
mod counter {
	#[ink(storage)]
	pub struct Counter {
		value: u32,
	}

	impl Counter {
		#[ink(constructor)]
		pub fn new() -> Self {
			Self { value: 0 }
		}

		#[ink(message)]
		pub fn get(&self) -> u32 {
			self.value
		}

		#[ink(message)]
		pub fn fail(&self) {
			panic!("counter: failed on purpose"); // TRAP
		}
	}
}

pub use self::counter::{Counter, CounterRef};
