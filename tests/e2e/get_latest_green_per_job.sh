#!/usr/bin/env bash
# get-latest-green --per-job against the emulator (seed glg_matrix.json): 90 runs (201..290)
# of "models.yml", each with a "setup" job and a 10-model matrix "test (model-K)". Expected
# (newest run / its conclusion / last good run):
#   model-0 290 in progress / 289     model-5 290 cancelled / 281
#   model-3 290 failure / 289         model-6 290 failure / 289 (attempt 2 of a re-run)
#   model-4 290 failure / 285         model-9 290 failure / never      others 290 / 290
if [ -z "${RELKIT_EMU_API:-}" ]; then
    exec "$RELKIT_SRC/tests/fakes/github/with-emulator.sh" \
        --seed "$RELKIT_SRC/tests/fakes/github/seeds/glg_matrix.json" -- bash "$0" "$@"
fi
. "$RELKIT_SRC/tests/lib/common.sh"

RX='^test \((.*)\)$'
log_clear() { curl -sf -X POST "$RELKIT_EMU_API/_emulator/log/clear" >/dev/null; }
log_count() { curl -sf "$RELKIT_EMU_API/_emulator/log" | "$RELKIT_PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
jpy() { "$RELKIT_PYTHON" -c 'import json,sys; d=json.loads(sys.stdin.read()); v=eval(sys.argv[1]); print(json.dumps(v) if isinstance(v,(dict,list,bool)) or v is None else v)' "$1" <<<"$T_OUT"; }
# key KEY -> "latest run/its conclusion/last good run"
key() { "$RELKIT_PYTHON" -c '
import json, sys
k = json.loads(sys.stdin.read())["per_job"]["keys"][sys.argv[1]]
print("%s/%s/%s" % (k["latest"]["run_number"], k["latest"]["conclusion"],
                    (k["last_good"] or {}).get("run_number")))' "$1" <<<"$T_OUT"; }

t_case "a matrix of 10 jobs over 90 runs: last good and latest per model, 91 requests"
log_clear
run get-latest-green --repo glg/models --workflow models.yml --per-job "$RX"
expect_rc 0
expect_eq "$(json_get '["per_job"]["runs"]')" 90 "runs"
expect_eq "$(json_get '["per_job"]["first_run_number"]')" 201 "first run"
expect_eq "$(json_get '["per_job"]["last_run_number"]')" 290 "last run"
expect_eq "$(json_get '["per_job"]["jobs_matched"]')" 900 "jobs matched (setup excluded)"
expect_eq "$(jpy 'sorted(d["per_job"]["keys"])')" \
    '["model-0", "model-1", "model-2", "model-3", "model-4", "model-5", "model-6", "model-7", "model-8", "model-9"]' "keys"
expect_eq "$(key model-0)" "290/None/289" "model-0 (newest still running)"
expect_eq "$(key model-1)" "290/success/290" "model-1"
expect_eq "$(key model-3)" "290/failure/289" "model-3"
expect_eq "$(key model-4)" "290/failure/285" "model-4"
expect_eq "$(key model-5)" "290/cancelled/281" "model-5"
expect_eq "$(key model-6)" "290/failure/289" "model-6"
expect_eq "$(key model-9)" "290/failure/None" "model-9 never passed"
expect_eq "$(log_count)" 91 "requests: 1 runs page + 90 jobs lists"
expect_eq "$(json_get '["per_job"]["requests"]')" 91 "requests reported"
expect_schema get-latest-green.output

t_case "the last good of a re-run is its newest attempt"
run get-latest-green --repo glg/models --workflow models.yml --per-job "$RX"
expect_eq "$(json_get '["per_job"]["keys"]["model-6"]["last_good"]["run_attempt"]')" 2 "attempt"
expect_eq "$(json_get '["per_job"]["keys"]["model-6"]["last_good"]["conclusion"]')" success "conclusion"

t_case "entries carry run and job ids, urls, sha and timestamps"
run get-latest-green --repo glg/models --workflow models.yml --per-job "$RX"
expect_eq "$(jpy 'sorted(d["per_job"]["keys"]["model-4"]["last_good"])')" \
    '["completed_at", "conclusion", "event", "head_branch", "head_sha", "job_id", "job_name", "job_url", "jobs", "run_attempt", "run_created_at", "run_id", "run_number", "run_url", "started_at", "status"]' "fields"
expect_eq "$(json_get '["per_job"]["keys"]["model-4"]["last_good"]["job_name"]')" "test (model-4)" "job name"
expect_out '/actions/runs/'
expect_out '/job/'

t_case "--max-runs bounds the window"
log_clear
run get-latest-green --repo glg/models --workflow models.yml --per-job "$RX" --max-runs 5
expect_rc 0
expect_eq "$(json_get '["per_job"]["first_run_number"]')" 286 "first run"
expect_eq "$(key model-4)" "290/failure/None" "model-4 not good within 5 runs"
expect_eq "$(log_count)" 6 "requests"

t_case "without a capture group the whole match is the key"
run get-latest-green --repo glg/models --workflow models.yml --per-job 'model-[12]' --max-runs 3
expect_rc 0
expect_eq "$(jpy 'sorted(d["per_job"]["keys"])')" '["model-1", "model-2"]' "keys"

t_case "--branch filters the runs"
run get-latest-green --repo glg/models --workflow models.yml --per-job "$RX" --branch nosuch
expect_rc 1
expect_err "no job of workflow 'models.yml' matches"
expect_eq "$(json_get '["per_job"]["runs"]')" 0 "runs"

t_case "no job matches: exit 1, the report still on stdout"
run get-latest-green --repo glg/models --workflow models.yml --per-job '^nothing' --max-runs 3
expect_rc 1
expect_eq "$(json_get '["per_job"]["jobs_matched"]')" 0 "matched"
expect_schema get-latest-green.output

t_case "error: --per-job without a workflow"
run get-latest-green --repo glg/models --per-job "$RX"
expect_rc 2
expect_err "--per-job needs exactly one --workflow"

t_case "error: --per-job with two workflows"
run get-latest-green --repo glg/models --workflow a.yml --workflow b.yml --per-job "$RX"
expect_rc 2
expect_err "--per-job needs exactly one --workflow"

t_case "error: --per-job with --ref"
run get-latest-green --repo glg/models --workflow models.yml --per-job "$RX" --ref main
expect_rc 2
expect_err "--ref does not apply to --per-job"

t_case "error: bad pattern"
run get-latest-green --repo glg/models --workflow models.yml --per-job '(('
expect_rc 2
expect_err "invalid regular expression '(('"

t_case "error: unknown workflow"
run get-latest-green --repo glg/models --workflow nosuch.yml --per-job "$RX"
expect_rc 4
expect_err "workflow 'nosuch.yml' not found in glg/models"

t_case "error: bad --max-runs"
run get-latest-green --repo glg/models --workflow models.yml --per-job "$RX" --max-runs 0
expect_rc 2
expect_err "invalid --max-runs '0'"

t_done
