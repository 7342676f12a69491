#!/usr/bin/env bash
# index-gen behind Prism: every request it sends to the GitHub API and every response the
# emulator returns are validated against GitHub's OpenAPI description. Scenarios: a full
# generation from releases (list, pages), a re-run with the ETag cache (304s), the past-cap
# path (tags list, releases by tag) on 1005 releases.
set -u
src=${RELKIT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
py=${RELKIT_PYTHON:-/usr/bin/python3}
bin=${RELKIT_BIN:-$src/build}
export RELKIT_PYTHON=$py RELKIT_SRC=$src PATH="$bin:$PATH"
emu=$src/tests/fakes/github
tmp=$(mktemp -d "${TMPDIR:-/tmp}/relkit-conf.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

scenario_basic() {
    set -e
    index-gen --cache-dir "$tmp/c1" --repo relkit-test/wheels --output "$tmp/o1" </dev/null >"$tmp/r1.json"
    index-gen --cache-dir "$tmp/c1" --repo relkit-test/wheels --output "$tmp/o2" </dev/null >"$tmp/r2.json"
    index-gen --cache-dir "$tmp/c1" --repo relkit-test/wheels --output "$tmp/o3" </dev/null >"$tmp/r3.json"
    "$py" - "$tmp/r3.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))["index"]
assert d["files"] == 6 and d["requests"]["not_modified"] >= 1, d
PYEOF
}
scenario_cap() {
    set -e
    index-gen --no-cache --no-metadata-fetch --repo relkit-test/many --output "$tmp/o4" </dev/null >"$tmp/r4.json"
    "$py" -c 'import json,sys; d=json.load(open(sys.argv[1]))["index"]; assert d["releases"] == 1005, d' "$tmp/r4.json"
}
export -f scenario_basic scenario_cap
export tmp py
rc=0
"$emu/with-emulator.sh" --seed "$emu/seeds/idx_basic.json" -- \
    bash "$src/tests/conformance/with-prism.sh" -- bash -c scenario_basic || rc=1
"$emu/with-emulator.sh" --seed "$emu/seeds/idx_cap.json" -- \
    bash "$src/tests/conformance/with-prism.sh" -- bash -c scenario_cap || rc=1
if [ $rc = 0 ]; then echo "2 passed, 0 failed"; else echo "conformance index_gen: failed" >&2; fi
exit $rc
