#!/usr/bin/env bash
# Builds and runs `callisto --dev` (extra arguments are passed on, e.g. `--sealing manual`).
# It builds the whole workspace, as scripts/test.sh does, so running and testing share one build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" --no-npm
cd "$root"
cargo build --locked --workspace
exec "${CARGO_TARGET_DIR:-$root/target}/debug/callisto" --dev "$@"
