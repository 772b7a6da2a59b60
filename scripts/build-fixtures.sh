#!/usr/bin/env bash
# Rebuilds every ink! fixture contract (pallets/contracts/fixtures/ink/) into the committed
# artifacts (pallets/contracts/fixtures/build/): for each contract <name>,
#   <name>.wasm        deployable module      <name>.json      ink! v5 metadata (polkadot.js)
#   <name>.debug.wasm  the same + DWARF        <name>.contract  metadata + code (cargo-contract)
# plus variants of the trapper built as other machines build it (only .wasm and .debug.wasm),
# then the manifest that scripts/check-fixtures.sh (run by CI) compares against.
#
# Plain stable cargo, no cargo-contract and no wasm-opt: rustc's code is what Callisto runs, so
# its DWARF stays valid. `wasm32v1-none` with `-Ctarget-cpu=mvp` gives MVP Wasm without a start
# function (`wasm32-unknown-unknown` adds bulk memory and a start function that fills memory).
# Byte-for-byte reproducible: paths are remapped, and the same toolchain gives the same bytes.
#
# Fixture builds use their own target dir (CALLISTO_FIXTURES_TARGET_DIR, default
# ~/.cache/callisto-fixtures-target) so they never invalidate the node's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ink=$root/pallets/contracts/fixtures/ink
out=$root/pallets/contracts/fixtures/build
contracts=(flipper erc20 caller events trapper bench arithmetic runtime_call)
# trapper is built as a developer's debug build is (cargo-contract enables `ink-debug` there):
# panics report their message through seal0.debug_message, and each panic site stays distinct
# code, so DWARF can tell them apart (without messages, LLVM merges identical panic paths).
declare -A features=([trapper]=ink-debug)
fixtures_target=${CALLISTO_FIXTURES_TARGET_DIR:-$HOME/.cache/callisto-fixtures-target}
cargo_home=${CARGO_HOME:-$HOME/.cargo}

# Only the flags below may reach rustc.
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS

now() { date +%s.%N; }
since() { awk -v end="$(now)" -v start="$1" 'BEGIN { printf "%.1f s", end - start }'; }
say() { echo "build-fixtures: $*"; }

cd "$root"
rustup target add wasm32v1-none >/dev/null 2>&1
rustc_version=$(rustc --version)
rustc_semver=$(echo "$rustc_version" | cut -d' ' -f2)
sysroot=$(rustc --print sysroot)
say "toolchain: $rustc_version"

start=$(now)
say "building callisto-contract-post"
cargo build -q --locked -p callisto-contract-post
post=${CARGO_TARGET_DIR:-$root/target}/debug/callisto-contract-post

# Stack 64 KiB (ink!'s default); memory imported as env.memory, which the pallet provides; MVP
# only. Remapped paths make the bytes (and DWARF file names) the same in every checkout: the
# project root, CARGO_HOME and the sysroot become $1, $2 and $3.
wasm_rustflags() {
	echo -Clink-arg=-zstack-size=65536 -Clink-arg=--import-memory -Ctarget-cpu=mvp \
		"--remap-path-prefix=$root=$1" "--remap-path-prefix=$cargo_home=$2" \
		"--remap-path-prefix=$sysroot=$3" "--remap-path-prefix=$fixtures_target=/target"
}

cd "$ink"
t=$(now)
cargo fetch -q --locked
say "dependencies fetched ($(since "$t"))"

mkdir -p "$out"
rm -f "$out"/*.wasm "$out"/*.json "$out"/*.contract "$out"/manifest.txt
for c in "${contracts[@]}"; do
	t=$(now)
	RUSTFLAGS="$(wasm_rustflags /callisto /cargo /rustc)" CARGO_TARGET_DIR=$fixtures_target cargo rustc -q --locked \
		--release --target wasm32v1-none --no-default-features --features "${features[$c]:-}" \
		-p "$c" --lib --crate-type cdylib
	"$post" "$fixtures_target/wasm32v1-none/release/$c.wasm" \
		--out "$out/$c.wasm" --debug-out "$out/$c.debug.wasm" >"$out/.$c.report"
	# The metadata comes from a host build of the contract with `std` (no wasm flags).
	CARGO_TARGET_DIR=$fixtures_target cargo run -q --locked -p metadata-gen --features "$c" -- \
		--wasm "$out/$c.wasm" --rustc "$rustc_semver" --out-dir "$out"
	say "$c: $(since "$t"); wasm $(stat -c %s "$out/$c.wasm") B," \
		"debug $(stat -c %s "$out/$c.debug.wasm") B"
	sed 's/^/    /' "$out/.$c.report"
	rm "$out/.$c.report"
done

# The trapper as other machines build it, so tests can show that what is "the contract's own
# code" comes from the DWARF and not from where a machine kept its files:
#   trapper-vendored  the registry and toolchain remapped to names no path rule knows
#   trapper-usrlocal  the official Rust image: CARGO_HOME=/usr/local/cargo, project in /usr/src
#   trapper-release   without ink-debug (no panic messages; LLVM folds the panic functions),
#                     remapped like trapper-vendored
# Each variant: its features, and what the project root, CARGO_HOME and sysroot are remapped to.
declare -A variant_features=([trapper-vendored]=ink-debug [trapper-usrlocal]=ink-debug [trapper-release]=)
declare -A variant_root=([trapper-vendored]=/callisto [trapper-usrlocal]=/usr/src/callisto [trapper-release]=/callisto)
declare -A variant_cargo=([trapper-vendored]=/deps [trapper-usrlocal]=/usr/local/cargo [trapper-release]=/deps)
declare -A variant_sysroot=([trapper-vendored]=/toolchain [trapper-usrlocal]=/usr/local/rustup/toolchains/stable [trapper-release]=/toolchain)
for v in trapper-vendored trapper-usrlocal trapper-release; do
	t=$(now)
	flags=$(wasm_rustflags "${variant_root[$v]}" "${variant_cargo[$v]}" "${variant_sysroot[$v]}")
	# Its own target dir: other flags would rebuild every dependency in the main one each time.
	RUSTFLAGS="$flags" CARGO_TARGET_DIR=$fixtures_target/$v cargo rustc -q --locked \
		--release --target wasm32v1-none --no-default-features \
		--features "${variant_features[$v]}" -p trapper --lib --crate-type cdylib
	"$post" "$fixtures_target/$v/wasm32v1-none/release/trapper.wasm" \
		--out "$out/$v.wasm" --debug-out "$out/$v.debug.wasm" >/dev/null
	say "$v: $(since "$t"); wasm $(stat -c %s "$out/$v.wasm") B," \
		"debug $(stat -c %s "$out/$v.debug.wasm") B"
done

"$root/scripts/check-fixtures.sh" --write
say "done in $(since "$start")"
