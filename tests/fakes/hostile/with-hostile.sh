#!/usr/bin/env bash
# Run a command against a fresh hostile server (server.py).
#
#   with-hostile.sh --cases CASES.json [--log FILE] [--] CMD ARGS...
#
# Starts tests/fakes/hostile/server.py with $RELKIT_PYTHON (default /usr/bin/python3) on
# 127.0.0.1 (free ports), waits for its ports file (at most 20 s), exports
#   HOSTILE_PORTS   the ports file: {"pid", "other", "cases": {CASE: PORT}}
#   HOSTILE_LOG     the request log (one JSON line per request)
#   HOSTILE_PID     the server's pid
# runs the command, stops the server (by its pid) and exits with the command's status.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
py=${RELKIT_PYTHON:-/usr/bin/python3}
cases='' log=''
usage() { echo "usage: with-hostile.sh --cases FILE [--log FILE] [--] CMD ARGS..." >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    --cases) [ $# -ge 2 ] || usage; cases=$2; shift 2 ;;
    --log) [ $# -ge 2 ] || usage; log=$2; shift 2 ;;
    --) shift; break ;;
    -*) usage ;;
    *) break ;;
    esac
done
[ -n "$cases" ] && [ $# -ge 1 ] || usage
tmp=$(mktemp -d "${TMPDIR:-/tmp}/relkit-hostile.XXXXXX") || exit 6
[ -n "$log" ] || log=$tmp/log
pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
: >"$log"
"$py" "$here/server.py" --cases "$cases" --ports-file "$tmp/ports" --log "$log" &
pid=$!
for _ in $(seq 400); do
    [ -s "$tmp/ports" ] && break
    kill -0 "$pid" 2>/dev/null || { echo "with-hostile.sh: the server did not start" >&2; exit 1; }
    sleep 0.05
done
[ -s "$tmp/ports" ] || { echo "with-hostile.sh: no ports file after 20 s" >&2; exit 1; }
export HOSTILE_PORTS=$tmp/ports HOSTILE_LOG=$log HOSTILE_PID=$pid
"$@"
exit $?
