#!/usr/bin/env bash
# ink! 5.1's own end-to-end tests (`ink_e2e`, tests/ink-e2e) of the project's ink! fixtures,
# against Callisto on both sandbox backends: ink_e2e builds the contracts with cargo-contract's
# builder, spawns `$CONTRACTS_NODE --dev --port=0 --rpc-port=0` and drives it over subxt.
#
#   scripts/ink-e2e.sh              build the tests (the first time: ink_e2e's ~700 crates) and run
#   scripts/ink-e2e.sh --if-built   skip (exit 0) when ink_e2e has never been built here (CI)
#
# The build dir is $CALLISTO_INK_E2E_TARGET (default ~/.cache/callisto-ink-e2e-target). The node
# is $CALLISTO_BIN, else the debug build in the target dir; the backend goes to it through
# CALLISTO_SANDBOX_BACKEND, since CONTRACTS_NODE is a path and cannot carry flags.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/node.sh
. "$root/scripts/lib/node.sh"
target=${CALLISTO_INK_E2E_TARGET:-$HOME/.cache/callisto-ink-e2e-target}
node=$(callisto_bin)

if [ "${1:-}" = --if-built ] && ! compgen -G "$target/debug/.fingerprint/ink_e2e-*" >/dev/null; then
	echo "ink_e2e: skipped, not built in $target yet (run scripts/ink-e2e.sh once to build it)"
	exit 0
fi
[ -x "$node" ] || { echo "ink_e2e: no callisto binary at $node (set CALLISTO_BIN)" >&2; exit 1; }

cd "$root/tests/ink-e2e"
export CARGO_TARGET_DIR=$target CONTRACTS_NODE=$node
start=$(date +%s)
echo "ink_e2e: building the tests"
cargo test --locked --no-run
for backend in wasmi wasmtime; do
	echo "==> ink_e2e against callisto, CALLISTO_SANDBOX_BACKEND=$backend"
	# One test at a time: each spawns its own node and builds the contracts.
	CALLISTO_SANDBOX_BACKEND=$backend cargo test --locked -- --test-threads=1
done
echo "ink_e2e: passed on wasmi and wasmtime in $(($(date +%s) - start)) s"
