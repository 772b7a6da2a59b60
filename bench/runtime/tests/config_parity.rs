//! The bench runtime configures Callisto's contracts pallet by hand, beside stock
//! pallet-contracts. Its numbers (and its gas) only speak for the node if that configuration is
//! `callisto-runtime`'s, so every constant the pallet exports, and the system constants its
//! weights read, must be equal in both runtimes.

use frame_support::{traits::Get, weights::RuntimeDbWeight};

type Bench = callisto_bench_runtime::Runtime;
type Node = callisto_runtime::Runtime;

#[test]
fn contracts_constants_equal_the_nodes() {
	let bench = pallet_contracts::Pallet::<Bench>::pallet_constants_metadata();
	let node = pallet_contracts::Pallet::<Node>::pallet_constants_metadata();
	let bench_names: Vec<_> = bench.iter().map(|c| c.name).collect();
	let node_names: Vec<_> = node.iter().map(|c| c.name).collect();
	assert_eq!(bench_names, node_names);
	// `Schedule` carries the limits and every host function's weight: the gas itself.
	assert!(node_names.contains(&"Schedule"), "the pallet exports its schedule");
	for (b, n) in bench.iter().zip(&node) {
		assert_eq!(b.value, n.value, "Contracts::{} differs from callisto-runtime's", n.name);
	}
}

#[test]
fn weight_inputs_equal_the_nodes() {
	// `WeightInfo = ()` prices storage access with the system's `DbWeight`.
	assert_eq!(
		<<Bench as frame_system::Config>::DbWeight as Get<RuntimeDbWeight>>::get(),
		<<Node as frame_system::Config>::DbWeight as Get<RuntimeDbWeight>>::get(),
	);
	assert_eq!(
		<<Bench as pallet_balances::Config>::ExistentialDeposit as Get<u128>>::get(),
		<<Node as pallet_balances::Config>::ExistentialDeposit as Get<u128>>::get(),
	);
}
