#!/usr/bin/env bash
# The emulator's self-test with Prism in between: every request the self-test sends to the
# GitHub API, and every response the emulator gives, is validated against GitHub's OpenAPI
# description (npm @octokit/openapi).  Any violation fails.  About 35 s (Prism: ~10 s to start).
set -u
src=${RELKIT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
py=${RELKIT_PYTHON:-/usr/bin/python3}
export RELKIT_PYTHON=$py RELKIT_SRC=$src
emu=$src/tests/fakes/github
out=$(mktemp "${TMPDIR:-/tmp}/relkit-conf-selftest.XXXXXX") || exit 6
trap 'rm -f "$out"' EXIT

"$emu/with-emulator.sh" --seed "$emu/seeds/selftest.json" -- \
	bash "$src/tests/conformance/with-prism.sh" -- \
	"$py" "$emu/selftest.py" --seed "$emu/seeds/selftest.json" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}

# final line: the self-test's counts, plus one failure for Prism violations (or a crash)
read -r passed failed < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$out" | tail -1)
passed=${passed:-0}
failed=${failed:-0}
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
fi
[ "$status" -ne 0 ] && echo "conformance emulator_selftest: failed with status $status" >&2
echo "$passed passed, $failed failed"
exit "$status"
