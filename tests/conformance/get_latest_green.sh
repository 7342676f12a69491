#!/usr/bin/env bash
# get-latest-green behind Prism: every request it sends to the GitHub API and every response
# the emulator returns are validated against GitHub's OpenAPI description. Scenarios: a walk to
# depth 30 over three workflows' runs; check runs with re-runs, statuses and regexes; the
# branch's rules and protection; nothing green; per-job mode over 90 runs of a 10-job matrix.
. "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

scenario_walk() {
    set -e
    sha() { printf '%s' "$1" | sha1sum | cut -d' ' -f1; }
    check() { "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert eval(sys.argv[2]), d.get("green")' "$@"; }
    get-latest-green --repo glg/deep --workflow ci.yml --workflow lint.yml --workflow build.yml </dev/null >"$tmp/deep.json"
    check "$tmp/deep.json" 'd["commit"]["sha"] == "'"$(sha deep:9)"'" and d["green"]["depth"] == 30'
    get-latest-green --repo glg/rerun --check build --check test </dev/null >"$tmp/rerun.json"
    check "$tmp/rerun.json" 'd["green"]["depth"] == 0'
    get-latest-green --repo glg/checks --status ci/jenkins --check-regex '^test ' </dev/null >"$tmp/checks.json"
    check "$tmp/checks.json" 'd["green"]["depth"] == 1'
    get-latest-green --repo glg/checks --required-from-branch </dev/null >"$tmp/rules.json"
    check "$tmp/rules.json" 'd["green"]["depth"] == 3 and len(d["green"]["required"]) == 4'
    get-latest-green --repo glg/skipped --check lint --check docs --skipped fail </dev/null >"$tmp/skip.json"
    check "$tmp/skip.json" 'd["green"]["depth"] == 1'
    rc=0
    get-latest-green --repo glg/none --workflow ci.yml --since 2024-11-01T01:30:00Z </dev/null >"$tmp/none.json" || rc=$?
    [ "$rc" = 1 ]
    check "$tmp/none.json" 'd["green"]["stop"] == "since" and "commit" not in d'
}
scenario_jobs() {
    set -e
    get-latest-green --repo glg/models --workflow models.yml --per-job '^test \((.*)\)$' </dev/null >"$tmp/jobs.json"
    "$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))["per_job"]
assert d["runs"] == 90 and d["requests"] == 91 and len(d["keys"]) == 10, d
assert d["keys"]["model-4"]["last_good"]["run_number"] == 285, d["keys"]["model-4"]' "$tmp/jobs.json"
}
conf_run glg_green.json scenario_walk
conf_run glg_matrix.json scenario_jobs
conf_done
