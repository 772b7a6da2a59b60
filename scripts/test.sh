#!/usr/bin/env bash
# Runs the whole test suite: formatting, the Rust tests of every crate, then the end-to-end tests,
# which start real `callisto` processes and drive them with polkadot.js.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

# CI does not rebuild the committed ink! fixtures; it checks they match their sources.
step "ink! fixtures match their sources"
scripts/check-fixtures.sh

# Build and test the whole workspace with one feature set, so the tests reuse the node's build.
step "build the workspace (the node included)"
cargo build --locked --workspace

step "Rust tests"
cargo test --locked --workspace

# Two minutes of differential fuzzing of the sandbox (docs/FUZZING.md): generated modules run on
# wasmi and wasmtime must agree on everything. It reuses the test build above. The seed comes
# from the clock and is printed first, so a CI mismatch can be replayed with FUZZ_SEED.
step "differential fuzzing, wasmi against wasmtime (${FUZZ_SECONDS:=120} s)"
FUZZ_SECONDS=$FUZZ_SECONDS RUST_LIB_BACKTRACE=0 cargo test --locked --workspace --test integration -- \
	--ignored --exact differential_fuzz::differential_fuzz --nocapture

step "end-to-end tests against $target/debug/callisto"
(cd tests/e2e && CALLISTO_BIN="$target/debug/callisto" npm test)

step "soak: 2 minutes of mixed contract traffic (docs/RELIABILITY.md)"
CALLISTO_BIN="$target/debug/callisto" scripts/soak.sh --minutes 2

# The ecosystem's own tools. Their first build is too long for every CI run (cargo-contract
# about 25 minutes, ink_e2e's tests about as long), so each runs when it has been built once on
# this machine; the scripts install or build it when run by hand.
step "cargo-contract 5.0.3 against callisto (both backends)"
CALLISTO_BIN="$target/debug/callisto" scripts/cargo-contract-e2e.sh --if-installed

step "ink_e2e tests against callisto (both backends)"
CALLISTO_BIN="$target/debug/callisto" scripts/ink-e2e.sh --if-built
