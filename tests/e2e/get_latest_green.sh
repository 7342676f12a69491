#!/usr/bin/env bash
# get-latest-green against the GitHub emulator (seed tests/fakes/github/seeds/glg_green.json,
# one repository per scenario under the owner "glg"): green at depth 0, 1 and 30, missing
# workflows, re-runs, skipped/neutral policies, nothing green, bounds, statuses, regexes, the
# branch's rules, the context, request counts, and every error path.
if [ -z "${RELKIT_EMU_API:-}" ]; then
    exec "$RELKIT_SRC/tests/fakes/github/with-emulator.sh" \
        --seed "$RELKIT_SRC/tests/fakes/github/seeds/glg_green.json" -- bash "$0" "$@"
fi
. "$RELKIT_SRC/tests/lib/common.sh"

glg() { run get-latest-green "$@"; }
log_clear() { curl -sf -X POST "$RELKIT_EMU_API/_emulator/log/clear" >/dev/null; }
# requests the emulator saw since the last log_clear (optionally only those matching a regex)
log_count() {
    curl -sf "$RELKIT_EMU_API/_emulator/log" | "$RELKIT_PYTHON" -c '
import json, re, sys
rx = re.compile(sys.argv[1])
print(sum(1 for e in json.load(sys.stdin) if rx.search(e["method"] + " " + e["path"])))' "${1:-.}"
}
# jpy EXPR: a Python expression over the stdout JSON (d)
jpy() { "$RELKIT_PYTHON" -c 'import json,sys; d=json.loads(sys.stdin.read()); v=eval(sys.argv[1]); print(json.dumps(v) if isinstance(v,(dict,list,bool)) or v is None else v)' "$1" <<<"$T_OUT"; }
sha_of() { # sha_of REPO INDEX: the seed's commit shas are sha1("REPO:INDEX")
    printf '%s:%s' "$1" "$2" | sha1sum | cut -d' ' -f1
}

t_case "green at depth 0: the head, 2 requests with --branch"
log_clear
glg --repo glg/depth0 --branch main --workflow ci.yml
expect_rc 0
expect_eq "$(json_get '["commit"]["sha"]')" "$(sha_of depth0 4)" "sha"
expect_eq "$(json_get '["commit"]["date"]')" "2024-11-01T04:00:00Z" "date"
expect_out "/glg/depth0/commit/$(sha_of depth0 4)"
expect_eq "$(json_get '["green"]["depth"]')" 0 "depth"
expect_eq "$(json_get '["green"]["passed_over"]')" "[]" "passed_over"
expect_eq "$(log_count)" 2 "requests seen by the emulator"
expect_eq "$(json_get '["green"]["requests"]')" 2 "requests reported"
expect_schema get-latest-green.output

t_case "the default branch is looked up when none is given (1 more request)"
log_clear
glg --repo glg/depth0 --workflow ci.yml
expect_rc 0
expect_eq "$(json_get '["branch"]')" main "branch"
expect_eq "$(log_count)" 3 "requests"

t_case "green at depth 1: the head failed"
glg --repo glg/depth1 --workflow ci.yml
expect_rc 0
expect_eq "$(json_get '["commit"]["sha"]')" "$(sha_of depth1 2)" "sha"
expect_eq "$(json_get '["green"]["depth"]')" 1 "depth"
expect_eq "$(json_get '["green"]["passed_over"][0]["sha"]')" "$(sha_of depth1 3)" "passed over"
expect_eq "$(json_get '["green"]["passed_over"][0]["reasons"][0]["state"]')" failure "reason"
expect_out '"url": "http'
expect_schema get-latest-green.output

t_case "green at depth 30 with 3 workflows: 4 requests, every passed-over commit explained"
log_clear
glg --repo glg/deep --branch main --workflow ci.yml --workflow lint.yml --workflow build.yml
expect_rc 0
expect_eq "$(json_get '["commit"]["sha"]')" "$(sha_of deep 9)" "sha"
expect_eq "$(json_get '["green"]["depth"]')" 30 "depth"
expect_eq "$(json_get '["green"]["examined"]')" 31 "examined"
expect_eq "$(json_get '["green"]["passed_over"].__len__()')" 30 "passed over"
expect_eq "$(log_count)" 4 "requests"
expect_eq "$(log_count '/runs$')" 3 "one runs listing per workflow"
# the defects rotate: failure, missing, pending, cancelled, failure of a re-run attempt
expect_eq "$(jpy '[r["required"]+":"+r["state"] for p in d["green"]["passed_over"][:5] for r in p["reasons"]]')" \
    '["ci.yml:failure", "lint.yml:missing", "build.yml:pending", "ci.yml:cancelled", "lint.yml:failure"]' "reasons"
expect_eq "$(json_get '["green"]["passed_over"][4]["reasons"][0]["run_attempt"]')" 2 "newest attempt judged"
expect_schema get-latest-green.output

t_case "runs of other events and branches at the same sha are ignored"
# the head of glg/deep has a successful pull_request run and a run on 'release'
glg --repo glg/deep --branch main --workflow ci.yml --max-commits 1
expect_rc 1
expect_eq "$(json_get '["green"]["passed_over"][0]["reasons"][0]["state"]')" failure "head ci.yml"

t_case "--event any still filters by branch"
glg --repo glg/deep --branch main --workflow ci.yml --event any --max-commits 1
expect_rc 1
expect_eq "$(json_get '["green"]["event"]')" null "event"

t_case "a required workflow that did not run on the head: missing, not green"
glg --repo glg/missing --workflow ci.yml --workflow lint.yml
expect_rc 0
expect_eq "$(json_get '["green"]["depth"]')" 1 "depth"
expect_eq "$(json_get '["green"]["passed_over"][0]["reasons"]')" \
    '[{"required": "lint.yml", "kind": "workflow", "state": "missing"}]' "reason"

t_case "a required workflow that never ran: nothing green (exit 1), reasons on stdout"
glg --repo glg/missing --workflow ci.yml --workflow nightly.yml
expect_rc 1
expect_err "no green commit on 'main' within 4 commit(s) (stopped: history)"
expect_error_line get-latest-green
expect_eq "$(json_get '["green"]["passed_over"].__len__()')" 4 "passed over"
expect_eq "$(json_get '["green"]["stop"]')" history "stop"
expect_eq "$(jpy '"commit" in d')" false "no commit key"
expect_schema get-latest-green.output

t_case "a workflow file that does not exist: exit 4"
glg --repo glg/missing --workflow nosuch.yml
expect_rc 4
expect_err "workflow 'nosuch.yml' not found in glg/missing"
expect_eq "$T_OUT" "" "stdout"

t_case "a failed attempt followed by a successful re-run is green"
glg --repo glg/rerun --workflow ci.yml
expect_rc 0
expect_eq "$(json_get '["green"]["depth"]')" 0 "depth"

t_case "check runs: the newest of a name decides (cancelled then re-run green)"
log_clear
glg --repo glg/rerun --branch main --check build
expect_rc 0
expect_eq "$(json_get '["green"]["depth"]')" 0 "depth"
expect_eq "$(log_count)" 2 "commits + one check-runs list"

t_case "check runs: a newer failure beats an older success"
glg --repo glg/rerun --check flaky
expect_rc 0
expect_eq "$(json_get '["green"]["depth"]')" 1 "depth"
expect_eq "$(json_get '["green"]["passed_over"][0]["reasons"][0]["state"]')" failure "state"

t_case "jobs of a re-run attempt are judged by the newest check run of the name"
glg --repo glg/rerun --check test
expect_rc 0
expect_eq "$(json_get '["green"]["depth"]')" 0 "depth"

t_case "skipped and neutral pass by default"
glg --repo glg/skipped --check lint --check docs --check build
expect_rc 0
expect_eq "$(json_get '["green"]["depth"]')" 0 "depth"
expect_eq "$(json_get '["green"]["skipped"]')" pass "policy"

t_case "--skipped fail: skipped and neutral are not green"
glg --repo glg/skipped --check lint --check docs --check build --skipped fail
expect_rc 0
expect_eq "$(json_get '["green"]["depth"]')" 1 "depth"
expect_eq "$(jpy '[r["state"] for r in d["green"]["passed_over"][0]["reasons"]]')" \
    '["skipped", "neutral"]' "states"

t_case "a skipped workflow run under each policy"
glg --repo glg/skipped --workflow ci.yml
expect_eq "$(json_get '["green"]["depth"]')" 0 "pass"
glg --repo glg/skipped --workflow ci.yml --skipped fail
expect_eq "$(json_get '["green"]["depth"]')" 1 "fail"

t_case "nothing green: exit 1 with every commit's reason"
glg --repo glg/none --workflow ci.yml
expect_rc 1
expect_eq "$(json_get '["green"]["passed_over"].__len__()')" 6 "passed over"
expect_eq "$(json_get '["green"]["examined"]')" 6 "examined"
expect_eq "$(jpy '"commit" in d')" false "never the head as a fallback"
expect_schema get-latest-green.output

t_case "--max-commits bounds the walk"
glg --repo glg/none --workflow ci.yml --max-commits 2
expect_rc 1
expect_eq "$(json_get '["green"]["examined"]')" 2 "examined"
expect_eq "$(json_get '["green"]["stop"]')" max-commits "stop"

t_case "--since bounds the walk"
glg --repo glg/none --workflow ci.yml --since 2024-11-01T02:30:00Z
expect_rc 1
expect_eq "$(json_get '["green"]["examined"]')" 3 "examined"
expect_eq "$(json_get '["green"]["stop"]')" since "stop"

t_case "--since as a date and as a duration"
glg --repo glg/depth0 --workflow ci.yml --since 2024-11-01
expect_rc 0
glg --repo glg/depth0 --workflow ci.yml --since 1d
expect_rc 1
expect_eq "$(json_get '["green"]["stop"]')" since "stop"

t_case "--ref starts the walk at an older commit"
glg --repo glg/depth1 --workflow ci.yml --ref "$(sha_of depth1 1)"
expect_rc 0
expect_eq "$(json_get '["commit"]["sha"]')" "$(sha_of depth1 1)" "sha"

t_case "commit status contexts, the newest state per context"
glg --repo glg/checks --status ci/jenkins
expect_rc 0
expect_eq "$(json_get '["green"]["depth"]')" 1 "depth"
expect_eq "$(json_get '["green"]["passed_over"][0]["reasons"][0]["kind"]')" status "kind"

t_case "--check-regex: every matching check must pass"
glg --repo glg/checks --check-regex '^test \('
expect_rc 0
expect_eq "$(json_get '["green"]["depth"]')" 1 "depth"
expect_eq "$(json_get '["green"]["passed_over"][0]["reasons"][0]["name"]')" "test (b)" "name"

t_case "--check-regex that matches nothing: missing"
glg --repo glg/checks --check-regex '^nothing' --max-commits 1
expect_rc 1
expect_eq "$(json_get '["green"]["passed_over"][0]["reasons"][0]["state"]')" missing "state"

t_case "--required-from-branch: protection contexts, ruleset checks and workflows"
glg --repo glg/checks --required-from-branch
expect_rc 0
expect_eq "$(jpy '[r["kind"]+":"+r["name"] for r in d["green"]["required"]]')" \
    '["workflow:ci.yml", "context:lint", "context:ci/jenkins", "context:build"]' "required"
expect_eq "$(json_get '["green"]["depth"]')" 3 "depth"
expect_eq "$(jpy '[r["required"]+":"+r["state"] for p in d["green"]["passed_over"] for r in p["reasons"]]')" \
    '["ci/jenkins:failure", "lint:pending", "ci.yml:failure"]' "reasons"
expect_schema get-latest-green.output

t_case "--required-from-branch on a branch without rules or protection"
glg --repo glg/depth0 --required-from-branch
expect_rc 2
expect_err "nothing is required"

t_case "the context: repo and branch from it, unknown keys kept"
printf '{"repo": "glg/depth1", "branch": "main", "keep": {"x": [1, 2]}}' >"$T_TMP/ctx.json"
run_in "$T_TMP/ctx.json" get-latest-green --workflow ci.yml
expect_rc 0
expect_eq "$(json_get '["keep"]')" '{"x": [1, 2]}' "kept key"
expect_eq "$(json_get '["green"]["depth"]')" 1 "depth"

t_case "--context FILE; flags override the context"
printf '{"repo": "glg/nosuch"}' >"$T_TMP/ctx2.json"
glg --context "$T_TMP/ctx2.json" --repo glg/depth0 --workflow ci.yml
expect_rc 0
expect_eq "$(json_get '["repo"]')" glg/depth0 "repo"

t_case "a stale commit in the context is replaced, and removed when nothing is green"
printf '{"repo": "glg/none", "commit": {"sha": "stale"}}' >"$T_TMP/ctx3.json"
run_in "$T_TMP/ctx3.json" get-latest-green --workflow ci.yml
expect_rc 1
expect_eq "$(jpy '"commit" in d')" false "stale commit removed"

t_case "GITHUB_REPOSITORY"
GITHUB_REPOSITORY=glg/depth0 run get-latest-green --workflow ci.yml
expect_rc 0
expect_eq "$(json_get '["repo"]')" glg/depth0 "repo"

t_case "GitHub Actions: outputs and step summary"
: >"$T_TMP/out" && : >"$T_TMP/summary"
GITHUB_ACTIONS=true GITHUB_OUTPUT=$T_TMP/out GITHUB_STEP_SUMMARY=$T_TMP/summary \
    run get-latest-green --repo glg/depth1 --workflow ci.yml
expect_rc 0
grep -q "^sha<<" "$T_TMP/out" || t_fail "no sha output"
grep -q "$(sha_of depth1 2)" "$T_TMP/out" || t_fail "sha output value"
grep -q "^context<<" "$T_TMP/out" || t_fail "no context output"
grep -q "at depth 1" "$T_TMP/summary" || t_fail "summary: $(cat "$T_TMP/summary")"

t_case "error: no repository"
run env -u GITHUB_REPOSITORY get-latest-green --workflow ci.yml
expect_rc 2
expect_err "no repository"
expect_error_line get-latest-green

t_case "error: nothing required"
glg --repo glg/depth0
expect_rc 2
expect_err "nothing is required"

t_case "error: invalid repository name"
glg --repo 'not a repo' --workflow ci.yml
expect_rc 3
expect_err "invalid repository 'not a repo'"

t_case "error: unknown branch"
glg --repo glg/depth0 --branch nosuch --workflow ci.yml
expect_rc 4
expect_err "ref 'nosuch' not found in glg/depth0"

t_case "error: unknown repository"
glg --repo glg/nosuch --workflow ci.yml
expect_rc 4
expect_err "404"

t_case "error: bad regular expression"
glg --repo glg/depth0 --check-regex '(('
expect_rc 2
expect_err "invalid regular expression '(('"

t_case "error: bad --skipped, --max-commits, --since, --parallel"
glg --repo glg/depth0 --workflow ci.yml --skipped maybe
expect_rc 2
expect_err "invalid --skipped 'maybe'"
glg --repo glg/depth0 --workflow ci.yml --max-commits 0
expect_rc 2
expect_err "invalid --max-commits '0'"
glg --repo glg/depth0 --workflow ci.yml --since yesterday
expect_rc 2
expect_err "invalid --since 'yesterday'"
glg --repo glg/depth0 --workflow ci.yml --parallel x
expect_rc 2
expect_err "invalid --parallel 'x'"

t_case "error: an unexpected argument"
glg --repo glg/depth0 --workflow ci.yml extra
expect_rc 2
expect_err "unexpected argument 'extra'"

t_case "error: invalid JSON context"
printf '{"repo": ' >"$T_TMP/bad.json"
run_in "$T_TMP/bad.json" get-latest-green --workflow ci.yml
expect_rc 3
expect_error_line get-latest-green

t_case "error: bad token"
GH_TOKEN=ghp_wrong run get-latest-green --repo glg/depth0 --workflow ci.yml
expect_rc 4
expect_err "401"

t_done
