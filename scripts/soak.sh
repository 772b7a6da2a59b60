#!/usr/bin/env bash
# The soak: starts a real `callisto --dev` and drives mixed contract traffic at it for a while
# (tests/e2e/soak.mjs: fresh deploys, calls, traps, dry runs, trace RPCs), then checks that the
# node is still up, that every extrinsic is accounted for and that its memory stayed bounded.
# docs/RELIABILITY.md has the bounds, why they are what they are, and a real run's numbers.
#
#   scripts/soak.sh [--minutes N] [--backend wasmi|wasmtime] [--cache-mib M] [--trie-cache-mib T]
#                   [--max-growth-mib G] [--max-growth-kib-per-block K] [--max-peak-mib P]
#                   [--lanes L]
#                   [-- <more callisto flags>]
#
# --minutes      how long the traffic runs (default 2, as CI runs it; 30 for a long soak)
# --backend      the sandbox backend (default: the node's default)
# --cache-mib    --sandbox-cache-mib for the node (default 4: small, so that fresh code fills the
#                module cache within minutes and its eviction is part of what is measured)
# --trie-cache-mib --trie-cache-size for the node, in MiB (default 16; Substrate's default is
#                1024, which an archive dev chain fills for hours, so memory would grow by design)
# --max-growth-mib, --max-growth-kib-per-block  the bound on resident memory growth after the
#                warm-up (half the run, at most 5 minutes): G MiB + K KiB per block sealed since
#                (default 32 MiB + 128 KiB; docs/RELIABILITY.md says why)
# --max-peak-mib the bound on peak resident memory (default 1536)
# --lanes        which traffic to run (default deploy,calls,traps,rpc; `transfers` is plain
#                balance transfers), to find what makes memory grow
#
# Exits non-zero if the node crashed or logged a panic, or if any check of soak.mjs failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/node.sh
source "$root/scripts/lib/node.sh"

minutes=2
backend=
cache_mib=4
trie_cache_mib=16
max_growth_mib=32
max_growth_kib_per_block=128
max_peak_mib=1536
lanes=deploy,calls,traps,rpc
while [ $# -gt 0 ]; do
	case "$1" in
	--minutes) minutes=$2; shift 2 ;;
	--backend) backend=$2; shift 2 ;;
	--cache-mib) cache_mib=$2; shift 2 ;;
	--trie-cache-mib) trie_cache_mib=$2; shift 2 ;;
	--max-growth-mib) max_growth_mib=$2; shift 2 ;;
	--max-growth-kib-per-block) max_growth_kib_per_block=$2; shift 2 ;;
	--max-peak-mib) max_peak_mib=$2; shift 2 ;;
	--lanes) lanes=$2; shift 2 ;;
	--) shift; break ;;
	-h | --help) sed -n '2,/^set -euo/{/^#/p}' "$0"; exit 0 ;;
	*) echo "soak: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

if [ ! -d "$root/tests/e2e/node_modules" ]; then
	echo "soak: the end-to-end test packages are missing: run scripts/setup.sh" >&2
	exit 1
fi

node_flags=(--sandbox-cache-mib "$cache_mib" --trie-cache-size $((trie_cache_mib << 20)))
[ -n "$backend" ] && node_flags+=(--sandbox-backend "$backend")
node_flags+=("$@")
trap stop_node EXIT
start_node "${node_flags[@]}"
echo "soak: callisto pid $NODE_PID on $NODE_URL (${node_flags[*]}), $minutes minute(s) of traffic"

status=0
(cd "$root/tests/e2e" && node soak.mjs --url "$NODE_URL" --pid "$NODE_PID" --minutes "$minutes" \
	--base-path "$NODE_BASE/chain" --max-growth-mib "$max_growth_mib" \
	--max-growth-kib-per-block "$max_growth_kib_per_block" --max-peak-mib "$max_peak_mib" \
	--lanes "$lanes") || status=$?

if ! kill -0 "$NODE_PID" 2>/dev/null; then
	echo "soak: FAIL the node is no longer running; the end of its log:" >&2
	tail -n 40 "$NODE_LOG" >&2
	status=1
elif grep -nE "This is a bug. Please report it|Essential task .* failed|^thread .* panicked at" "$NODE_LOG" >&2; then
	echo "soak: FAIL the node logged a panic (above)" >&2
	status=1
fi
if [ "$status" -ne 0 ]; then
	echo "soak: FAIL (node log: the last 20 lines)" >&2
	tail -n 20 "$NODE_LOG" >&2
fi
exit "$status"
