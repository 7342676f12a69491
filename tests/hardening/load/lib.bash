# tests/hardening/load/lib.bash - helpers of the load tests (tests/e2e/load_*.sh) and the load
# benchmark (tests/bench/load.sh). Sourced after tests/lib/common.sh (tests) or standalone
# (bench: then define t_fail yourself).
#
#   load_run LABEL CMD...        run CMD like `run` (T_OUT, T_ERR, T_RC) under /usr/bin/time:
#                                LOAD_RSS_KB (peak resident set of CMD), LOAD_WALL_S
#   load_run_in FILE LABEL CMD...  the same with stdin from FILE
#   expect_rss_below MB WHAT     peak RSS of the last load_run under MB (x LOAD_ASAN_FACTOR in
#                                a sanitizer build: ASan's shadow memory and quarantine)
#   emu_snap NAME                keep the emulator's /_emulator/stats as NAME
#   emu_delta A B 'ROUTE'        requests of ROUTE ("api GET /repos/{o}/{r}/releases") from
#                                snapshot A to B; ROUTE "*" is every request, "~listener"
#                                every request on that listener
#   emu_spent A B                primary rate limit spent from A to B
#   reg_kinds LOG OFFSET         the registry log's request kinds since OFFSET, as JSON
#   figure LABEL KEY=VALUE...    one "figure:" line for the report (and $LOAD_FIGURES if set)
# shellcheck disable=SC2034 # T_RC, T_OUT, T_ERR, LOAD_WALL_S are read by the sourcing scripts
LOAD_ASAN_FACTOR=${LOAD_ASAN_FACTOR:-5}
: "${RELKIT_PYTHON:=/usr/bin/python3}"
LOAD_TMP=${T_TMP:-$(mktemp -d "${TMPDIR:-/tmp}/relkit-load.XXXXXX")}

load_run_in() {
    local in=$1 label=$2
    shift 2
    /usr/bin/time -f '%M %e' -o "$LOAD_TMP/.time.$label" "$@" >"$LOAD_TMP/.out" 2>"$LOAD_TMP/.err" <"$in"
    T_RC=$?
    T_OUT=$(cat "$LOAD_TMP/.out")
    T_ERR=$(cat "$LOAD_TMP/.err")
    # /usr/bin/time writes "Command exited with non-zero status N" first when CMD fails
    read -r LOAD_RSS_KB LOAD_WALL_S < <(tail -1 "$LOAD_TMP/.time.$label")
}
load_run() {
    local label=$1
    shift
    load_run_in /dev/null "$label" "$@"
}

expect_rss_below() { # MB WHAT
    local mb=$1
    if [ "${RELKIT_SANITIZE:-0}" = 1 ] || [ "${RELKIT_SANITIZE:-}" = ON ]; then mb=$((mb * LOAD_ASAN_FACTOR)); fi
    [ "${LOAD_RSS_KB:-0}" -gt 0 ] || { t_fail "$2: no RSS measured"; return; }
    [ "$LOAD_RSS_KB" -le $((mb * 1024)) ] ||
        t_fail "$2: peak RSS $((LOAD_RSS_KB / 1024)) MB, bound $mb MB"
}

emu_snap() { curl -fsS "$RELKIT_EMU_API/_emulator/stats" >"$LOAD_TMP/.snap.$1"; }
emu_delta() { # A B ROUTE
    "$RELKIT_PYTHON" - "$LOAD_TMP/.snap.$1" "$LOAD_TMP/.snap.$2" "$3" <<'EOF'
import json, sys
a, b, route = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
if route == "*":
    print(b["requests"] - a["requests"])
elif route.startswith("~"):
    l = route[1:]
    print(b["listeners"].get(l, 0) - a["listeners"].get(l, 0))
else:
    print(b["routes"].get(route, 0) - a["routes"].get(route, 0))
EOF
}
emu_spent() {
    "$RELKIT_PYTHON" -c 'import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); print(b["primary_rate_limit_spent"]-a["primary_rate_limit_spent"])' \
        "$LOAD_TMP/.snap.$1" "$LOAD_TMP/.snap.$2"
}

reg_kinds() { # LOG OFFSET
    sleep 0.3 # the access-log line is written after the response
    "$RELKIT_PYTHON" "$RELKIT_SRC/tests/fakes/registry/registry-log.py" "$1" --since "$2"
}

figure() {
    local line="figure: $*"
    echo "$line"
    if [ -n "${LOAD_FIGURES:-}" ]; then echo "$line" >>"$LOAD_FIGURES"; fi
}
