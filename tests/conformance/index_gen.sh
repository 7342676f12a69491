#!/usr/bin/env bash
# index-gen behind Prism: every request it sends to the GitHub API and every response the
# emulator returns are validated against GitHub's OpenAPI description. Scenarios: a full
# generation from releases (list, pages), a re-run with the ETag cache (304s), the past-cap
# path (tags list, releases by tag) on 1005 releases.
. "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

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
conf_run idx_basic.json scenario_basic
conf_run idx_cap.json scenario_cap
conf_done
