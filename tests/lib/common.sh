# tests/lib/common.sh - shared helpers for e2e tests (sourced, bash).
#
# Each e2e script: `. "$RELKIT_SRC/tests/lib/common.sh"`, then `t_case NAME` before each case,
# assertions (each failure counts and is reported), and `t_done` at the end, which prints
# "N passed, N failed" and exits non-zero when anything failed. A scratch dir $T_TMP is made
# and removed on exit.
set -u
: "${RELKIT_SRC:?RELKIT_SRC must be set}"
: "${RELKIT_BIN:=$RELKIT_SRC/build}"
: "${RELKIT_PYTHON:=/usr/bin/python3}"
export PATH="$RELKIT_BIN:$PATH"
unset PIP_FIND_LINKS GITHUB_ACTIONS
T_PASS=0
T_FAIL=0
T_NAME=""
T_CASE_FAILED=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/relkit-e2e.XXXXXX")
trap 't_cleanup' EXIT
t_cleanup() { rm -rf "$T_TMP"; }

t_case() { t_end_case; T_NAME=$1; T_CASE_FAILED=0; echo "--- $T_NAME"; }
t_end_case() {
    if [ -n "$T_NAME" ]; then
        if [ "$T_CASE_FAILED" = 0 ]; then T_PASS=$((T_PASS + 1)); else T_FAIL=$((T_FAIL + 1)); fi
    fi
    T_NAME=""
}
t_fail() { echo "FAIL [$T_NAME]: $*" >&2; T_CASE_FAILED=1; }
t_done() {
    t_end_case
    echo "$T_PASS passed, $T_FAIL failed"
    [ "$T_FAIL" = 0 ]
}

# run CMD...: captures $T_OUT (stdout), $T_ERR (stderr), $T_RC (exit code)
run() {
    "$@" >"$T_TMP/.out" 2>"$T_TMP/.err" </dev/null
    T_RC=$?
    T_OUT=$(cat "$T_TMP/.out")
    T_ERR=$(cat "$T_TMP/.err")
}
# run_in FILE CMD...: like run, with stdin from FILE
run_in() {
    local in=$1; shift
    "$@" >"$T_TMP/.out" 2>"$T_TMP/.err" <"$in"
    T_RC=$?
    T_OUT=$(cat "$T_TMP/.out")
    T_ERR=$(cat "$T_TMP/.err")
}

expect_rc() { [ "$T_RC" = "$1" ] || t_fail "exit code $T_RC, expected $1; stderr: $T_ERR"; }
expect_err() { grep -qF -- "$1" <<<"$T_ERR" || t_fail "stderr lacks '$1': $T_ERR"; }
expect_out() { grep -qF -- "$1" <<<"$T_OUT" || t_fail "stdout lacks '$1': $T_OUT"; }
expect_eq() { [ "$1" = "$2" ] || t_fail "${3:-value}: got '$1', expected '$2'"; }
expect_file() { [ -e "$1" ] || t_fail "missing file '$1'"; }
expect_no_file() { [ ! -e "$1" ] || t_fail "unexpected file '$1'"; }
# jq-like read of stdout JSON: json_get '["commit"]["sha"]'
json_get() { "$RELKIT_PYTHON" -c 'import json,sys; d=json.loads(sys.stdin.read()); v=eval("d"+sys.argv[1]); print(json.dumps(v) if isinstance(v,(dict,list,bool)) or v is None else v)' "$1" <<<"$T_OUT"; }
# validate stdout JSON against docs/schemas/NAME.json
expect_schema() {
    "$RELKIT_PYTHON" "$RELKIT_SRC/tests/lib/schema_check.py" "$RELKIT_SRC/docs/schemas/$1.json" <<<"$T_OUT" \
        || t_fail "output does not match schema $1"
}
# the one error-line shape of DESIGN.md: "tool: error: ..."
expect_error_line() { grep -qE "^$1: error: " <<<"$T_ERR" || t_fail "no '$1: error:' line: $T_ERR"; }
