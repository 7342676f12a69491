#!/usr/bin/env bash
# The exhaustive fault matrix and crash-consistency runs (CI runs a subset:
# tests/e2e/fault_matrix.sh, tests/e2e/crash_consistency.sh).
#
#   faults: every route of every mutating scenario x every fault kind (502, 502 after applying,
#           429, secondary rate limit, reset mid-body, client timeout answered late) once, and
#           on every request of the route (502, 502 after applying, 429, secondary, reset, slow)
#   crash:  every scenario killed (SIGKILL) after its k-th request for every k in 0..N, the held
#           requests dropped or applied, then run again
#
# Writes the results as Markdown into FAULTS_MD (default docs/hardening-faults.md, between the
# generated markers) and JSON into out/bench/fault_matrix_full.{faults,crash}.json; prints
# every trial, the counts and the timings. Exit status 1 when any trial failed (known failures
# included: this is the full picture, see tests/hardening/faults/known_failures.txt).
# Env: RELKIT_SRC, RELKIT_BIN (build dir), RELKIT_PYTHON; FAULTS_ONLY=faults|crash;
# FAULTS_SCENARIOS=a,b (scenario names, see tests/hardening/faults/scenarios.py).
set -uo pipefail
: "${RELKIT_SRC:?}" "${RELKIT_BIN:?}"
py=${RELKIT_PYTHON:-/usr/bin/python3}
export RELKIT_PYTHON=$py
md=${FAULTS_MD:-$RELKIT_SRC/docs/hardening-faults.md}
out=${FAULTS_OUT:-$RELKIT_SRC/out/bench}
mkdir -p "$out"
sc=()
[ -n "${FAULTS_SCENARIOS:-}" ] && sc=(--scenarios "$FAULTS_SCENARIOS")

rc=0
for mode in faults crash; do
    [ -n "${FAULTS_ONLY:-}" ] && [ "$FAULTS_ONLY" != "$mode" ] && continue
    start=$(date +%s)
    "$py" "$RELKIT_SRC/tests/hardening/faults/fmatrix.py" "$mode" --subset full ${sc[@]+"${sc[@]}"} \
        --json "$out/fault_matrix_full.$mode.json" --md "$md" || rc=1
    echo "$mode: $(($(date +%s) - start)) s wall"
done
exit $rc
