#!/usr/bin/env bash
# mk-candidate-tag races and faults against the emulator (seed glg_tags.json): eight processes
# started together on one day and sha get eight distinct, ordered tags; a create whose ref was
# written before the connection broke is not allocated twice; 5xx before the write are retried;
# a retry answered "already exists" by another run's ref takes the next number.
if [ -z "${RELKIT_EMU_API:-}" ]; then
    exec "$RELKIT_SRC/tests/fakes/github/with-emulator.sh" \
        --seed "$RELKIT_SRC/tests/fakes/github/seeds/glg_tags.json" -- bash "$0" "$@"
fi
. "$RELKIT_SRC/tests/lib/common.sh"

A=a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1
B=b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2
export RELKIT_HTTP_BACKOFF_MS=50
unset SOURCE_DATE_EPOCH GITHUB_RUN_NUMBER GITHUB_REPOSITORY
ctl() { curl -sf -X POST "$RELKIT_EMU_API/_emulator/$1" ${2:+-d "$2"} >/dev/null; }
# refs/tags/candidate-DAY.* in the emulator: "name sha" lines, sorted by number
tags_of_day() {
    curl -sf "$RELKIT_EMU_API/_emulator/state" | "$RELKIT_PYTHON" -c '
import json, sys
refs = json.load(sys.stdin)["repos"][0]["refs"]
p = "refs/tags/candidate-%s." % sys.argv[1]
for k in sorted((k for k in refs if k.startswith(p)), key=lambda k: int(k[len(p):])):
    print(k[len("refs/tags/"):], refs[k])' "$1"
}
posts() {
    curl -sf "$RELKIT_EMU_API/_emulator/log" | "$RELKIT_PYTHON" -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin) if e["method"] == "POST" and e["path"].endswith("/git/refs")))'
}
field() { "$RELKIT_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d" + sys.argv[2]))' "$@"; }

t_case "eight processes started together: eight distinct, ordered tags, no failure"
ctl reset
rm -f "$T_TMP/go"
for i in 1 2 3 4 5 6 7 8; do
    (while [ ! -e "$T_TMP/go" ]; do sleep 0.01; done
     exec mk-candidate-tag --repo tags/repo --sha "$B" --date 20241120 --base-version 3.1.0 \
         >"$T_TMP/race.$i" 2>"$T_TMP/race.$i.err" </dev/null
    ) &
    pids[$i]=$!
done
touch "$T_TMP/go"
for i in 1 2 3 4 5 6 7 8; do
    wait "${pids[$i]}" || t_fail "process $i exited $?: $(cat "$T_TMP/race.$i.err")"
done
got=$(for i in 1 2 3 4 5 6 7 8; do field "$T_TMP/race.$i" '["tag"]'; done | sort -t. -k2 -n | tr '\n' ' ')
expect_eq "$got" "candidate-20241120.1 candidate-20241120.2 candidate-20241120.3 candidate-20241120.4 candidate-20241120.5 candidate-20241120.6 candidate-20241120.7 candidate-20241120.8 " "tags"
expect_eq "$(tags_of_day 20241120 | wc -l)" 8 "refs in the repository"
expect_eq "$(tags_of_day 20241120 | cut -d' ' -f2 | sort -u)" "$B" "all at the sha"
# the versions are distinct and their PEP 440 order is the order of the numbers
versions=$(for i in 1 2 3 4 5 6 7 8; do field "$T_TMP/race.$i" '["n"], d["version"]'; done)
"$RELKIT_PYTHON" - "$versions" <<'EOF' || t_fail "versions not ordered: $versions"
import ast, sys
from pip._vendor.packaging.version import Version
pairs = sorted(ast.literal_eval(l) for l in sys.argv[1].splitlines())
vs = [Version(v) for _, v in pairs]
assert len(set(vs)) == 8 and vs == sorted(vs) and all(v < Version("3.1.0") for v in vs), pairs
EOF

t_case "eight local-checkout processes: the same, with git refs"
git init -q "$T_TMP/repo" && git -C "$T_TMP/repo" -c user.name=t -c user.email=t@x commit -q --allow-empty -m c
rm -f "$T_TMP/go"
for i in 1 2 3 4 5 6 7 8; do
    (while [ ! -e "$T_TMP/go" ]; do sleep 0.01; done
     exec mk-candidate-tag --local --checkout "$T_TMP/repo" --date 20241120 >"$T_TMP/lrace.$i" 2>"$T_TMP/lrace.$i.err" </dev/null
    ) &
    pids[$i]=$!
done
touch "$T_TMP/go"
for i in 1 2 3 4 5 6 7 8; do
    wait "${pids[$i]}" || t_fail "process $i exited $?: $(cat "$T_TMP/lrace.$i.err")"
done
expect_eq "$(git -C "$T_TMP/repo" tag -l 'candidate-20241120.*' | sort -t. -k2 -n | tr '\n' ' ')" \
    "candidate-20241120.1 candidate-20241120.2 candidate-20241120.3 candidate-20241120.4 candidate-20241120.5 candidate-20241120.6 candidate-20241120.7 candidate-20241120.8 " "git tags"
expect_eq "$(for i in 1 2 3 4 5 6 7 8; do field "$T_TMP/lrace.$i" '["tag"]'; done | sort -u | wc -l)" 8 "distinct results"

t_case "the connection breaks after the ref was written: one tag, not two"
ctl reset
ctl faults '{"kind": "reset", "route": "^POST /repos/tags/repo/git/refs", "count": 1}'
ctl log/clear
run mk-candidate-tag --repo tags/repo --sha "$B" --date 20241121
expect_rc 0
expect_eq "$(json_get '["tag"]')" candidate-20241121.1 "tag"
expect_eq "$(json_get '["candidate"]["created"]')" true "created"
expect_eq "$(json_get '["candidate"]["attempts"]')" 2 "attempts"
expect_err "our earlier attempt created it"
expect_eq "$(tags_of_day 20241121)" "candidate-20241121.1 $B" "refs"
expect_eq "$(posts)" 2 "creates sent"

t_case "the same with an annotated tag: recognised by its tag object, made once"
ctl reset
ctl faults '{"kind": "reset", "route": "^POST /repos/tags/repo/git/refs", "count": 1}'
ctl log/clear
run mk-candidate-tag --repo tags/repo --sha "$B" --date 20241121 --message "candidate"
expect_rc 0
expect_eq "$(json_get '["tag"]')" candidate-20241121.1 "tag"
expect_eq "$(tags_of_day 20241121 | wc -l)" 1 "refs"
expect_eq "$(curl -sf "$RELKIT_EMU_API/_emulator/log" | "$RELKIT_PYTHON" -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin) if e["method"] == "POST" and e["path"].endswith("/git/tags")))')" 1 "tag objects made"

t_case "5xx after the ref was written: the retry's 422 is our own tag, not a second one"
ctl reset
ctl faults '{"kind": "5xx", "status": 502, "apply": true, "route": "^POST /repos/tags/repo/git/refs", "count": 1}'
ctl log/clear
run mk-candidate-tag --repo tags/repo --sha "$B" --date 20241121
expect_rc 0
expect_eq "$(json_get '["tag"]')" candidate-20241121.1 "tag"
expect_eq "$(json_get '["candidate"]["attempts"]')" 2 "attempts"
expect_err "our earlier attempt created it"
expect_eq "$(tags_of_day 20241121)" "candidate-20241121.1 $B" "refs"
expect_eq "$(posts)" 2 "creates sent"

t_case "5xx before the write: retried, created once"
ctl reset
ctl faults '{"kind": "5xx", "status": 502, "route": "^POST /repos/tags/repo/git/refs", "count": 2}'
ctl log/clear
run mk-candidate-tag --repo tags/repo --sha "$B" --date 20241121
expect_rc 0
expect_eq "$(json_get '["tag"]')" candidate-20241121.1 "tag"
expect_eq "$(json_get '["candidate"]["attempts"]')" 3 "attempts"
expect_eq "$(posts)" 3 "creates sent"
expect_eq "$(tags_of_day 20241121 | wc -l)" 1 "refs"

t_case "5xx that does not stop: exit 5 after the retries, nothing created"
ctl reset
ctl faults '{"kind": "5xx", "status": 503, "route": "^POST /repos/tags/repo/git/refs", "count": -1}'
run mk-candidate-tag --repo tags/repo --sha "$B" --date 20241121
expect_rc 5
expect_err "503"
expect_error_line mk-candidate-tag
expect_eq "$(tags_of_day 20241121 | wc -l)" 0 "refs"

# Two runs; the first create to reach the emulator waits 3 s and then fails with 502 before
# any write. Whichever run that is, the other run takes .1 meanwhile, and the faulted run's
# retry must see that .1 is not its own and take .2: 4 creates in all.
two_runs() { # DAY ARGS_B... -- ARGS_A...
    local day=$1 b=() a=()
    shift
    while [ "$1" != -- ]; do b+=("$1"); shift; done
    shift
    a=("$@")
    ctl faults '[{"kind": "latency", "ms": 3000, "route": "^POST /repos/tags/repo/git/refs", "count": 1},
                 {"kind": "5xx", "status": 502, "route": "^POST /repos/tags/repo/git/refs", "count": 1}]'
    ctl log/clear
    mk-candidate-tag --repo tags/repo --date "$day" "${b[@]}" >"$T_TMP/b.json" 2>"$T_TMP/b.err" </dev/null &
    local bpid=$!
    sleep 0.3
    run mk-candidate-tag --repo tags/repo --date "$day" "${a[@]}"
    expect_rc 0
    wait "$bpid" || t_fail "the other run exited $?: $(cat "$T_TMP/b.err")"
    expect_eq "$( (json_get '["tag"]'; field "$T_TMP/b.json" '["tag"]') | sort | tr '\n' ' ')" \
        "candidate-$day.1 candidate-$day.2 " "tags"
    expect_eq "$(posts)" 4 "creates: the faulted one, the other run's, the retry (422), the next"
}

t_case "a retry answered by another run's ref at another sha takes the next number"
ctl reset
two_runs 20241122 --sha "$B" -- --sha "$A"
expect_eq "$(tags_of_day 20241122 | cut -d' ' -f2 | sort | tr '\n' ' ')" "$A $B " "one tag at each commit"

t_case "annotated, same sha: another run's tag object at the number is not ours"
ctl reset
two_runs 20241123 --sha "$B" --message "run one" -- --sha "$B" --message "run two"
expect_eq "$(tags_of_day 20241123 | wc -l)" 2 "two tags"

t_done
