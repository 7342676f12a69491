#!/usr/bin/env bash
# Benchmark: get-latest-green against a one-call-per-commit-per-workflow walker (what IREE's
# get_latest_green.sh does: one commits call per page, then per commit and per required
# workflow one runs query), on the emulator with 20 ms latency per request. The scenario is
# glg/deep of tests/fakes/github/seeds/glg_green.json: the green commit is at depth 30 and 3
# workflows are required. The walker stops asking about a commit at its first missing
# workflow (which only helps it). Requests are counted by the emulator's request log; wall
# time is the median of RUNS runs of each. Target: >= 5x fewer requests and >= 5x faster.
#
#   RELKIT_SRC=. RELKIT_BIN=build bash tests/bench/get_latest_green.sh   (or: ./run bench)
set -euo pipefail
: "${RELKIT_SRC:?}" "${RELKIT_BIN:=$RELKIT_SRC/build}" "${RELKIT_PYTHON:=/usr/bin/python3}"
RUNS=${RUNS:-5}
LATENCY_MS=${LATENCY_MS:-20}
export RELKIT_PYTHON
if [ -z "${RELKIT_EMU_API:-}" ]; then
    exec "$RELKIT_SRC/tests/fakes/github/with-emulator.sh" --latency-ms "$LATENCY_MS" \
        --seed "$RELKIT_SRC/tests/fakes/github/seeds/glg_green.json" -- bash "$0" "$@"
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/relkit-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# the peer: IREE's loop, in Python with one persistent HTTP/1.1 connection
cat >"$tmp/walker.py" <<'EOF'
import http.client, json, os, sys, urllib.parse
api = urllib.parse.urlparse(os.environ["GITHUB_API_URL"])
conn = http.client.HTTPConnection(api.hostname, api.port)
hdr = {"Authorization": "Bearer " + os.environ["GH_TOKEN"], "Accept": "application/vnd.github+json"}
repo, branch, workflows = sys.argv[1], sys.argv[2], sys.argv[3:]
def get(path):
    conn.request("GET", path, headers=hdr)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("walker: GET %s: %d" % (path, r.status))
    return json.loads(body)
page = 1
while True:
    commits = get("/repos/%s/commits?sha=%s&per_page=100&page=%d" % (repo, branch, page))
    if not commits:
        sys.exit("walker: no green commit")
    for c in commits:
        ok = True
        for wf in workflows:
            runs = get("/repos/%s/actions/workflows/%s/runs?branch=%s&event=push&status=success"
                       "&head_sha=%s&per_page=1" % (repo, wf, branch, c["sha"]))
            if runs["total_count"] == 0:
                ok = False
                break
        if ok:
            print(c["sha"])
            sys.exit(0)
    page += 1
EOF

ctl() { curl -sf -X POST "$RELKIT_EMU_API/_emulator/$1" >/dev/null; }
requests() { curl -sf "$RELKIT_EMU_API/_emulator/log" | "$RELKIT_PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
now_ms() { date +%s%3N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

WF=(ci.yml lint.yml build.yml)
expect=$(printf 'deep:9' | sha1sum | cut -d' ' -f1)

measure() { # name command... -> "name requests median_ms"
    local name=$1 t0 t1 out i times=() reqs=0
    shift
    for i in $(seq "$RUNS"); do
        ctl log/clear
        t0=$(now_ms)
        out=$("$@")
        t1=$(now_ms)
        times+=($((t1 - t0)))
        reqs=$(requests)
        if [ "$out" != "$expect" ]; then
            echo "bench: $name answered '$out', expected $expect" >&2
            exit 1
        fi
    done
    echo "$name $reqs $(printf '%s\n' "${times[@]}" | median)"
}

glg() {
    "$RELKIT_BIN/get-latest-green" --repo glg/deep --branch main \
        --workflow "${WF[0]}" --workflow "${WF[1]}" --workflow "${WF[2]}" </dev/null >"$tmp/out.json"
    sed -n '/"commit"/,/}/s/.*"sha": "\([0-9a-f]*\)".*/\1/p' "$tmp/out.json"
}
walker() { "$RELKIT_PYTHON" "$tmp/walker.py" glg/deep main "${WF[@]}"; }

read -r _ r1 t1 < <(measure get-latest-green glg)
read -r _ r2 t2 < <(measure walker walker)
startup=$(for i in $(seq "$RUNS"); do t0=$(now_ms); "$RELKIT_PYTHON" -c pass; echo $(($(now_ms) - t0)); done | median)
echo "get-latest-green bench: green commit at depth 30, 3 required workflows, ${LATENCY_MS} ms latency per request, median of $RUNS runs"
printf '%-34s %10s %12s\n' "tool" "requests" "wall (ms)"
printf '%-34s %10s %12s\n' "get-latest-green" "$r1" "$t1"
printf '%-34s %10s %12s\n' "per-commit-per-workflow walker" "$r2" "$t2"
echo "(the walker's time includes ${startup} ms of Python start-up, measured alone)"
"$RELKIT_PYTHON" - "$r1" "$t1" "$r2" "$t2" <<'EOF'
import sys
r1, t1, r2, t2 = map(float, sys.argv[1:])
rq, tq = r2 / r1, t2 / max(t1, 1)
print("ratio: %.1fx fewer requests, %.1fx faster (target: >= 5x both)" % (rq, tq))
sys.exit(0 if rq >= 5 and tq >= 5 else 1)
EOF
