#!/usr/bin/env bash
# cargo-contract 5.0.3 against a real `callisto --dev`, on both sandbox backends: upload,
# instantiate, call (dry run and --execute), info, storage and remove on the committed ink!
# fixtures, each result checked.
#
#   scripts/cargo-contract-e2e.sh                 install cargo-contract if missing, then test
#   scripts/cargo-contract-e2e.sh --if-installed  skip (exit 0) when it is not installed (CI)
#
# cargo-contract is installed once into $CALLISTO_TOOLS (default ~/.cache/callisto-tools; about
# 35 minutes to build). The node is $CALLISTO_BIN, else the debug build in the target dir.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/node.sh
. "$root/scripts/lib/node.sh"
tools=${CALLISTO_TOOLS:-$HOME/.cache/callisto-tools}
cc_bin=$tools/bin/cargo-contract
fixtures=$root/pallets/contracts/fixtures/build

if [ ! -x "$cc_bin" ]; then
	if [ "${1:-}" = --if-installed ]; then
		echo "cargo-contract e2e: skipped, $cc_bin is not installed (run scripts/cargo-contract-e2e.sh to install it)"
		exit 0
	fi
	echo "cargo-contract e2e: installing cargo-contract 5.0.3 into $tools (once; about 35 minutes)"
	CARGO_TARGET_DIR=$tools/target cargo install --locked cargo-contract@5.0.3 --root "$tools"
fi
for tool in jq python3; do
	command -v "$tool" >/dev/null || { echo "cargo-contract e2e: needs $tool" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/cargo-contract-e2e.XXXXXX")
trap 'stop_node; rm -rf "$work"' EXIT
checks=0

# `cc <command> [args...]`: cargo-contract against the running node; output in $work/out.
cc() {
	local command=$1
	shift
	echo "  \$ cargo contract $command $*"
	if ! "$cc_bin" contract "$command" --url "$NODE_URL" "$@" >"$work/out" 2>&1; then
		echo "cargo contract $command failed:" >&2
		cat "$work/out" >&2
		return 1
	fi
}

# `cc_fails <command> [args...]`: as cc, but the command must fail.
cc_fails() {
	local command=$1
	shift
	echo "  \$ cargo contract $command $* (must fail)"
	if "$cc_bin" contract "$command" --url "$NODE_URL" "$@" >"$work/out" 2>&1; then
		echo "cargo contract $command succeeded, but should have failed:" >&2
		cat "$work/out" >&2
		return 1
	fi
}

# `expect <jq filter> <what>`: the JSON in $work/out satisfies the filter.
expect() {
	if ! jq -e "$1" "$work/out" >/dev/null 2>&1; then
		echo "check failed: $2 ($1) in:" >&2
		cat "$work/out" >&2
		exit 1
	fi
	echo "    ok: $2"
	checks=$((checks + 1))
}

# `expect_text <extended regex> <what>`: the output in $work/out matches.
expect_text() {
	if ! grep -Eq "$1" "$work/out"; then
		echo "check failed: $2 (/$1/) in:" >&2
		cat "$work/out" >&2
		exit 1
	fi
	echo "    ok: $2"
	checks=$((checks + 1))
}

# The code hash (blake2-256 of the deployable module) a fixture's metadata declares.
code_hash() { jq -r .source.hash "$fixtures/$1.json"; }
selector() { jq -r --arg m "$2" '.spec.messages[] | select(.label == $m) | .selector' "$fixtures/$1.json"; }

# The trapper's source line marked `// TRAP(<kind>)`.
marked_line() { grep -n "// TRAP($1)" "$root/pallets/contracts/fixtures/ink/trapper/lib.rs" | cut -d: -f1; }

alice=//Alice
bob_ss58=5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty

run_backend() {
	local backend=$1
	echo "==> cargo-contract against callisto --sandbox-backend $backend"
	start_node --sandbox-backend "$backend"

	echo "upload + instantiate + call: flipper"
	cc upload --suri "$alice" -x --output-json "$fixtures/flipper.contract"
	expect ".code_hash == \"$(code_hash flipper)\"" "upload stores flipper under its metadata's code hash"
	cc instantiate --suri "$alice" --constructor new --args false -x -y --output-json "$fixtures/flipper.contract"
	expect '.contract | type == "string"' "instantiate returns the new contract's address"
	local flipper
	flipper=$(jq -r .contract "$work/out")
	cc call --suri "$alice" --contract "$flipper" --message get --output-json "$fixtures/flipper.contract"
	expect '.reverted == false' "dry-run get does not revert"
	expect '.data.Tuple.ident == "Ok" and .data.Tuple.values[0].Bool == false' "dry-run get returns Ok(false)"
	cc call --suri "$alice" --contract "$flipper" --message flip -x -y "$fixtures/flipper.contract"
	expect_text 'Contracts.*Called|Called' "executed flip emits Contracts::Called"
	cc call --suri "$alice" --contract "$flipper" --message get --output-json "$fixtures/flipper.contract"
	expect '.data.Tuple.values[0].Bool == true' "after flip, get returns Ok(true)"

	echo "info + storage"
	cc info --contract "$flipper" --output-json
	expect ".code_hash == \"$(code_hash flipper)\"" "info names flipper's code hash"
	expect '.storage_items >= 1' "info counts flipper's storage items"
	cc storage --contract "$flipper" --output-json "$fixtures/flipper.contract"
	expect '.cells[0].Packed.value.Map.value.Bool == true' "storage decodes flipper's value with its layout: true"

	echo "erc20: constructor and message arguments, events decoded from the metadata"
	cc instantiate --suri "$alice" --constructor new --args 1000000 -x -y --output-json "$fixtures/erc20.contract"
	local erc20
	erc20=$(jq -r .contract "$work/out")
	cc call --suri "$alice" --contract "$erc20" --message transfer --args "$bob_ss58" 250 -x -y "$fixtures/erc20.contract"
	expect_text 'ContractEmitted' "transfer emits ContractEmitted"
	expect_text 'Transfer' "the event decodes as the contract's Transfer event"
	cc call --suri "$alice" --contract "$erc20" --message balance_of --args "$bob_ss58" --output-json "$fixtures/erc20.contract"
	expect '.data.Tuple.values[0] | tostring | test("\\b250\\b")' "balance_of(Bob) is 250"

	echo "traps: a dry run and an executed call, located through the debug build"
	# cargo-contract reads a module's metadata from `<stem>.json` next to it, so a debug build
	# needs `<name>.debug.json` (`callisto contract build` writes it).
	cp "$fixtures/trapper.debug.wasm" "$work/trapper.debug.wasm"
	cp "$fixtures/trapper.json" "$work/trapper.debug.json"
	cc upload --suri "$alice" -x --output-json "$work/trapper.debug.wasm"
	expect ".code_hash == \"$(code_hash trapper)\"" "the debug build is stored without its DWARF: trapper's code hash"
	cc instantiate --suri "$alice" --constructor new -x -y --output-json "$fixtures/trapper.contract"
	local trapper
	trapper=$(jq -r .contract "$work/out")
	# A failed dry run is a result to show, not a command failure: cargo-contract exits 0.
	cc call --suri "$alice" --contract "$trapper" --message panic "$fixtures/trapper.contract"
	expect_text 'ModuleError: Contracts::ContractTrapped' "dry-run panic fails with ContractTrapped"
	expect_text 'trapper: explicit panic' "and shows the panic message"
	cc instantiate --suri "$alice" --constructor new --args false -x -y --output-json "$fixtures/caller.contract"
	local caller
	caller=$(jq -r .contract "$work/out")
	cc call --suri "$alice" --contract "$caller" --message try_call \
		--args "$trapper" "$(selector trapper panic)" -x -y "$fixtures/caller.contract"
	expect_text 'ContractTrapped' "a nested trap shows Callisto's ContractTrapped event"
	expect_text 'message: panicked at trapper/lib.rs:[0-9]+:[0-9]+: trapper: explicit panic' \
		"its message shown as text"
	expect_text "file: /callisto/pallets/contracts/fixtures/ink/trapper/lib.rs, line: $(marked_line panic)," \
		"and its location: the trapper's source file and the panic's line"
	# cargo-contract executes only mutating messages, and trapper's are all `&self`; caller.flip
	# on a contract without `flip` panics in the caller ("Cross-contract call failed").
	cc_fails call --suri "$alice" --contract "$caller" --message flip --args "$trapper" -x -y \
		--skip-dry-run --gas 50000000000 --proof-size 1000000 "$fixtures/caller.contract"
	expect_text 'ContractTrapped' "an executed trapping call fails with ContractTrapped"

	echo "remove"
	cc upload --suri "$alice" -x --output-json "$fixtures/events.contract"
	# Without an artifact, cargo-contract looks for a contract project in the working directory.
	cc remove --suri "$alice" --code-hash "$(code_hash events)" -x -y --output-json "$fixtures/events.contract"
	expect_text 'CodeRemoved' "remove of unused code emits CodeRemoved"
	cc_fails remove --suri "$alice" --code-hash "$(code_hash flipper)" -x -y "$fixtures/flipper.contract"
	expect_text 'CodeInUse' "remove of code a contract uses fails with CodeInUse"

	echo "the node log names the trap's source line"
	if ! grep -q 'trapper/lib.rs:' "$NODE_LOG"; then
		echo "the node log has no located trap" >&2
		exit 1
	fi
	checks=$((checks + 1))
	stop_node
}

"$cc_bin" contract --version
for backend in wasmi wasmtime; do
	run_backend "$backend"
done
echo "cargo-contract e2e: $checks checks passed on wasmi and wasmtime"
