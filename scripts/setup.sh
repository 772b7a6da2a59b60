#!/usr/bin/env bash
# Installs what building and testing Callisto needs and a fresh machine may lack:
# protoc (for the network stack), the Rust toolchain of rust-toolchain.toml with its Wasm targets
# and rust-src (for the runtime), and the npm packages of the end-to-end tests.
# Safe to run again: it only installs what is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
		echo "setup: need root to run: $*" >&2
		exit 1
	fi
}

if ! command -v protoc >/dev/null; then
	echo "setup: installing protobuf-compiler"
	as_root apt-get update -qq
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq protobuf-compiler >/dev/null
fi

if ! command -v rustup >/dev/null; then
	echo "setup: rustup is required (https://rustup.rs); install it and run this again" >&2
	exit 1
fi
cd "$root"
# rust-toolchain.toml names the channel, targets and components; make sure all are present.
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
rustup target add wasm32-unknown-unknown wasm32v1-none >/dev/null
rustup component add rust-src rustfmt clippy >/dev/null

if [ "${1:-}" != "--no-npm" ]; then
	if ! command -v npm >/dev/null; then
		echo "setup: Node.js >= 20 and npm are required for the end-to-end tests" >&2
		exit 1
	fi
	e2e="$root/tests/e2e"
	if [ ! -d "$e2e/node_modules" ] || [ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]; then
		echo "setup: installing the end-to-end test packages"
		(cd "$e2e" && npm ci --no-audit --no-fund --loglevel=error)
	fi
fi
