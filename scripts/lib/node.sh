# Shared by the scripts that drive a real node (sourced, not run): start `callisto --dev` on free
# ports with a temporary base path, wait for its RPC, and stop it again.
#
#   start_node [callisto flags...]   sets NODE_PID, NODE_URL (ws://), NODE_HTTP, NODE_LOG, NODE_BASE
#   stop_node                         SIGINT, then SIGKILL after 10 s; removes the base path

# The node binary: $CALLISTO_BIN, else the debug build in the target dir.
callisto_bin() {
	local root target
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	target=${CARGO_TARGET_DIR:-$root/target}
	echo "${CALLISTO_BIN:-$target/debug/callisto}"
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_node() {
	local bin rpc p2p
	bin=$(callisto_bin)
	if [ ! -x "$bin" ]; then
		echo "no callisto binary at $bin: build it with \`cargo build -p callisto-node\` or set CALLISTO_BIN" >&2
		return 1
	fi
	rpc=$(free_port)
	p2p=$(free_port)
	NODE_BASE=$(mktemp -d "${TMPDIR:-/tmp}/callisto-node.XXXXXX")
	NODE_LOG=$NODE_BASE/node.log
	"$bin" --dev --base-path "$NODE_BASE/chain" --rpc-port "$rpc" --port "$p2p" \
		--no-prometheus --no-telemetry "$@" >"$NODE_LOG" 2>&1 &
	NODE_PID=$!
	NODE_URL=ws://127.0.0.1:$rpc
	NODE_HTTP=http://127.0.0.1:$rpc
	local waited=0
	until grep -q 'Running JSON-RPC server' "$NODE_LOG"; do
		if ! kill -0 "$NODE_PID" 2>/dev/null; then
			echo "callisto exited during start-up; its log:" >&2
			cat "$NODE_LOG" >&2
			return 1
		fi
		if [ "$waited" -ge 1200 ]; then
			echo "callisto did not open its RPC within 120 s; its log:" >&2
			cat "$NODE_LOG" >&2
			return 1
		fi
		sleep 0.1
		waited=$((waited + 1))
	done
}

stop_node() {
	[ -n "${NODE_PID:-}" ] || return 0
	kill -INT "$NODE_PID" 2>/dev/null || true
	local waited=0
	while kill -0 "$NODE_PID" 2>/dev/null && [ "$waited" -lt 100 ]; do
		sleep 0.1
		waited=$((waited + 1))
	done
	kill -KILL "$NODE_PID" 2>/dev/null || true
	wait "$NODE_PID" 2>/dev/null || true
	rm -rf "$NODE_BASE"
	NODE_PID=
}
