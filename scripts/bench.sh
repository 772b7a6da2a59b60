#!/usr/bin/env bash
# Issue 7's benchmark: the same ink! contracts through stock pallet-contracts 51, Callisto on
# wasmi and Callisto on wasmtime (one bench runtime executed by sc-executor), plus the compute
# kernels as native Rust. Prints the machine, a table, the targets and, as its last line, one
# JSON object. Extra arguments go to `callisto-bench` (`--quick`, `--paths`, `--workloads`).
# Release build: judge speed only by release runs. Results: docs/BENCHMARKS.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}

cargo build --locked --release -p callisto-bench >&2
echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/^Mem:/ {print $2}') GiB"
echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- bench pallets primitives runtime || echo ' (modified)')"
exec "$target/release/callisto-bench" "$@"
