//! Calls a `counter` through its `ink-as-dependency` reference.

#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
mod counter_caller {
	use counter::CounterRef;

	#[ink(storage)]
	pub struct CounterCaller {
		counter: CounterRef,
	}

	impl CounterCaller {
		#[ink(constructor)]
		pub fn new(counter: AccountId) -> Self {
			Self { counter: ink::env::call::FromAccountId::from_account_id(counter) }
		}

		#[ink(message)]
		pub fn read(&self) -> u32 {
			self.counter.get()
		}

		#[ink(message)]
		pub fn fail(&self) {
			panic!("counter-caller: failed on purpose"); // TRAP
		}
	}
}
