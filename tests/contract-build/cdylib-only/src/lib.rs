//! A counter whose `fail` traps on a marked line.

#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
mod cdylib_only {
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
		pub fn bump(&mut self) -> u32 {
			self.value += 1;
			self.value
		}

		#[ink(message)]
		pub fn fail(&self) {
			panic!("cdylib_only: failed on purpose"); // TRAP
		}

		#[cfg(feature = "extra")]
		#[ink(message)]
		pub fn extra(&self) -> u32 {
			7
		}
	}
}
