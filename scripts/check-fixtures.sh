#!/usr/bin/env bash
# Checks that the committed ink! fixtures (pallets/contracts/fixtures/build/) were built from the
# committed sources: CI runs this instead of rebuilding them. The manifest records the sha256 of
# every input that affects the build and of every artifact; a source edited without running
# scripts/build-fixtures.sh, or an artifact edited by hand, fails here.
#
#   scripts/check-fixtures.sh           compare (exit 1 with the differences)
#   scripts/check-fixtures.sh --write   rewrite the manifest (build-fixtures.sh does this)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=pallets/contracts/fixtures/build
manifest=$build/manifest.txt

# Every input of the build. The post-processor's tests are left out: they do not change its
# output. The root rust-toolchain.toml names the channel; the exact rustc is recorded below.
sources() {
	{
		find pallets/contracts/fixtures/ink -type f \
			\( -name '*.rs' -o -name 'Cargo.toml' -o -name 'Cargo.lock' \) -not -path '*/target/*'
		find tools/contract-post -type f \( -name '*.rs' -o -name 'Cargo.toml' \) \
			-not -name tests.rs -not -name committed_fixtures.rs
		echo scripts/build-fixtures.sh
		echo rust-toolchain.toml
	} | LC_ALL=C sort
}

# The parser and encoder versions the post-processor links, as the root lock file resolves them
# (a lock entry names a dependency's version only when several versions are locked).
tool_versions() {
	awk '
		/^name = / { name = $3; gsub(/"/, "", name) }
		/^version = / { v = $3; gsub(/"/, "", v); versions[name] = versions[name] v }
		/^dependencies = \[/ { post = (name == "callisto-contract-post") }
		post && /^ "wasm(parser|-encoder)/ { d = $0; gsub(/[",]/, "", d); sub(/^ +/, "", d); deps[d] = 1 }
		/^\]/ { post = 0 }
		END { for (d in deps) { n = split(d, p, " "); print "tool", p[1], (n > 1) ? p[2] : versions[p[1]] } }
	' Cargo.lock | LC_ALL=C sort
}

# Inputs and tool versions: what must match for the artifacts to be current.
inputs() {
	tool_versions
	sources | while read -r f; do
		echo "source $(sha256sum "$f" | cut -d' ' -f1) $f"
	done
}

artifacts() {
	find "$build" -type f ! -name manifest.txt | LC_ALL=C sort | while read -r f; do
		echo "artifact $(sha256sum "$f" | cut -d' ' -f1) $f $(stat -c %s "$f")"
	done
}

if [ "${1:-}" = --write ]; then
	{
		echo "# ink! fixtures: written by scripts/build-fixtures.sh, checked by scripts/check-fixtures.sh."
		echo "toolchain $(rustc --version)"
		inputs
		artifacts
	} >"$manifest"
	echo "check-fixtures: wrote $manifest"
	exit 0
fi

[ -f "$manifest" ] || {
	echo "check-fixtures: $manifest is missing; run scripts/build-fixtures.sh" >&2
	exit 1
}

fail=0
if ! diff -u <(grep -E '^(tool|source) ' "$manifest") <(inputs) >/tmp/check-fixtures.$$; then
	echo "check-fixtures: the fixtures' sources changed since they were built:" >&2
	grep -E '^[-+](tool|source) ' /tmp/check-fixtures.$$ | sed 's/^-/  built from: /; s/^+/  now:        /' >&2
	echo "  run scripts/build-fixtures.sh and commit $build" >&2
	fail=1
fi
if ! diff -u <(grep '^artifact ' "$manifest") <(artifacts) >/tmp/check-fixtures.$$; then
	echo "check-fixtures: the artifacts in $build are not the ones the manifest records:" >&2
	grep '^[-+]artifact ' /tmp/check-fixtures.$$ | sed 's/^-/  recorded: /; s/^+/  found:    /' >&2
	echo "  run scripts/build-fixtures.sh instead of editing them" >&2
	fail=1
fi
rm -f /tmp/check-fixtures.$$

# A newer stable rustc is not an error (the sources did not change), but a rebuild would differ.
built_with=$(sed -n 's/^toolchain //p' "$manifest")
if [ "$built_with" != "$(rustc --version)" ]; then
	echo "check-fixtures: note: built with $built_with; this machine has $(rustc --version)"
fi
[ $fail = 0 ] && echo "check-fixtures: $(grep -c '^artifact ' "$manifest") artifacts match their sources"
exit $fail
