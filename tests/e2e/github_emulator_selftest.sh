#!/usr/bin/env bash
# The GitHub emulator's self-test: every route, every fault kind, control endpoints, persistence.
# Runs tests/fakes/github/selftest.py against a fresh emulator (seeds/selftest.json).
set -u
src=${RELKIT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
py=${RELKIT_PYTHON:-/usr/bin/python3}
export RELKIT_PYTHON=$py
emu=$src/tests/fakes/github
out=$(mktemp "${TMPDIR:-/tmp}/relkit-emu-selftest.XXXXXX") || exit 6
trap 'rm -f "$out"' EXIT

"$emu/with-emulator.sh" --seed "$emu/seeds/selftest.json" -- \
	"$py" "$emu/selftest.py" --seed "$emu/seeds/selftest.json" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
	echo "github_emulator_selftest: failed with status $status" >&2
	grep -q '^[0-9]* passed, [0-9]* failed$' "$out" || echo "0 passed, 1 failed"
fi
exit "$status"
