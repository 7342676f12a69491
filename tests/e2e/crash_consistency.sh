#!/usr/bin/env bash
# Crash consistency, CI subset: gh-release promote (GitHub emulator) and ghcr-promote --images
# (two images, one registry) are killed with SIGKILL after their k-th request for every k from 0
# to N (N: the requests of a clean run): every request after the k-th is held by the server, the
# command is killed while it waits, the held requests are then dropped or applied (both
# variants), and the command runs again: exit 0 and the clean run's final state (nothing
# duplicated, nothing lost). k = N kills it as soon as its last request was answered.
# Driver: tests/hardening/faults/fmatrix.py; every scenario: tests/bench/fault_matrix_full.sh.
. "$RELKIT_SRC/tests/lib/common.sh"
F=$RELKIT_SRC/tests/hardening/faults

t_case "kill points (CI subset) run"
"$RELKIT_PYTHON" "$F/fmatrix.py" crash --subset ci --budget 170 --json "$T_TMP/crash.json" \
    >"$T_TMP/crash.log" 2>&1
rc=$?
tail -1 "$T_TMP/crash.log"
[ -s "$T_TMP/crash.json" ] || { t_fail "no results (exit $rc): $(tail -20 "$T_TMP/crash.log")"; t_done; exit; }

"$RELKIT_PYTHON" "$F/verdict.py" "$T_TMP/crash.json" "$F/known_failures.txt" >"$T_TMP/verdict.txt"
while IFS=$'\t' read -r verdict name details; do
    case $verdict in
    PASS | SKIP) ;;
    XFAIL) echo "known failure: $name: $details" ;;
    *) t_case "$name"; t_fail "$verdict: $details" ;;
    esac
done <"$T_TMP/verdict.txt"

t_case "every kill point ran, and most runs were really killed"
skipped=$(grep -c '^SKIP' "$T_TMP/verdict.txt")
[ "$skipped" = 0 ] || t_fail "$skipped kill points not run within the time budget"
"$RELKIT_PYTHON" - "$T_TMP/crash.json" <<'EOF' || t_fail "too few runs were killed"
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print("kill points %d, runs %d, killed %d" % (s["kill_points"], s["trials"], s["killed"]))
sys.exit(0 if s["trials"] and s["killed"] >= 0.9 * s["trials"] else 1)
EOF
t_done
