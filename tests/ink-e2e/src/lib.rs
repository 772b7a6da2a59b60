//! ink! 5.1 `ink_e2e` tests of Callisto's ink! fixtures: the tests live in `tests/`, this crate
//! only carries their dependencies. They check that ink!'s own end-to-end test framework, which
//! spawns `$CONTRACTS_NODE --dev --port=0 --rpc-port=0` and drives it with subxt, works against
//! Callisto unchanged.
