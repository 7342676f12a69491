#!/usr/bin/env bash
# tests/demo/demo.sh OUTDIR - the whole relkit release pipeline, end to end, on local peers.
#
# Starts the GitHub emulator (tests/fakes/github, seed from tests/demo/make_seed.py: an
# IREE-like repository with a CI history, and a tt-shield-like Models CI) and a container
# registry (tests/fakes/registry, no auth, fixture images), then runs the real tools from
# $RELKIT_BIN (default build/) the way the seeds' release processes run:
#
#   nightly      get-latest-green -> mk-candidate-tag -> gh-release create --draft --prerelease
#   build        three wheels (rc versions, exact and loose pins) and a dist tarball
#   publish      gh-release upload -> publish --expect (refused while an asset is missing,
#                then published) -> index-gen -> .metadata sidecars uploaded -> index-gen ->
#                pip install from that index (real pip, offline, --target)
#   promote      gh-release download -> wheel-retag --final -> gh-release promote (v{version})
#                -> gh-release verify -> pip install the stable wheels
#   images       get-latest-green --per-job -> mk-candidate-tag (VERSION bump, local tag)
#                -> ghcr-promote (tt tag rule; dry run, then real)
#   retention    gh-release prune --older-than 180d (dry run, then --yes)
#
# Every step's JSON goes to OUTDIR/ctx/NN-step.json, its stderr to OUTDIR/logs/, and a summary
# table (step, status, key result) to stdout and OUTDIR/summary.md (+ summary.json). Exit 0
# when every step did what it should, 1 otherwise. Servers are stopped by PID on exit.
# Environment: RELKIT_BIN (tools), RELKIT_PYTHON (Debian's python3, default /usr/bin/python3),
# RELKIT_DEMO_NOW (ISO time the seed's dates are relative to; default now).
set -uo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: demo.sh OUTDIR" >&2
    exit 2
fi
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$(realpath -m "$1")
BIN=${RELKIT_BIN:-$SRC/build}
PY=${RELKIT_PYTHON:-/usr/bin/python3}
DEMO=$SRC/tests/demo
export PATH=$BIN:$PATH
unset GITHUB_ACTIONS GITHUB_TOKEN GITHUB_REPOSITORY GITHUB_RUN_NUMBER SOURCE_DATE_EPOCH
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL
export RELKIT_HTTP_BACKOFF_MS=50

for tool in get-latest-green mk-candidate-tag gh-release index-gen wheel-retag ghcr-promote; do
    if [ ! -x "$BIN/$tool" ]; then
        echo "demo: error: '$BIN/$tool' is missing: build first (./run build, or RELKIT_BIN=DIR)" >&2
        exit 6
    fi
done

rm -rf "$OUT"
mkdir -p "$OUT/ctx" "$OUT/logs" "$OUT/github" "$OUT/dist" "$OUT/checkout" || exit 6
cd "$OUT" || exit 6
T0=$(date +%s.%N)
B= R=
if [ -t 1 ]; then B=$(printf '\033[1m') R=$(printf '\033[0m'); fi

# ------------------------------------------------------------------ servers, stopped by PID
EMU_PID= HTTP_PID= REG_ENV=
cleanup() {
    [ -n "$HTTP_PID" ] && kill "$HTTP_PID" 2>/dev/null && wait "$HTTP_PID" 2>/dev/null
    [ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null && wait "$EMU_PID" 2>/dev/null
    [ -n "$REG_ENV" ] && [ -f "$REG_ENV" ] && "$SRC/tests/fakes/registry/stop.sh" "$REG_ENV" >/dev/null 2>&1
    HTTP_PID= EMU_PID= REG_ENV=
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# jx FILE EXPR: a Python expression over the JSON in FILE (d), printed (JSON for containers)
jx() {
    "$PY" -c 'import json,sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)' "$1" "$2" 2>/dev/null
}
# show FILE KEY...: print those top-level keys of a step's JSON, compactly
show() {
    "$PY" - "$@" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    sys.exit(0)
for k in sys.argv[2:]:
    path = k.split(".")
    v = d
    for p in path:
        v = v.get(p) if isinstance(v, dict) else None
    s = json.dumps(v, separators=(", ", ": "))
    print("   %-18s %s" % (k, s if len(s) <= 400 else s[:397] + "..."))
EOF
}

# ------------------------------------------------------------------ steps and the summary
N=0 FAILED=0 STEP_OUT= STEP_RC= STEP_ID=
: >"$OUT/steps.tsv"
# step ID EXPECT_RC STDIN CMD...: run one step (stdin from a file, or - for none), stdout to
# ctx/NN-ID.json, stderr to logs/NN-ID.log. After a failure later steps are not run.
step() {
    local id=$1 want=$2 in=$3 t1 t2
    shift 3
    N=$((N + 1))
    STEP_ID=$(printf '%02d-%s' "$N" "$id")
    STEP_OUT=$OUT/ctx/$STEP_ID.json
    STEP_WANT=$want
    printf '\n%s== %s%s\n' "$B" "$STEP_ID" "$R"
    if [ "$FAILED" = 1 ]; then
        STEP_RC=skip
        echo "   (not run: an earlier step failed)"
        return 1
    fi
    printf '$ %s' "$(printf '%q ' "$@" | sed "s#$OUT/##g; s#$SRC/##g")"
    [ "$in" = - ] || printf '< %s' "${in#"$OUT"/}"
    printf '\n'
    t1=$(date +%s.%N)
    if [ "$in" = - ]; then
        "$@" </dev/null >"$STEP_OUT" 2>"$OUT/logs/$STEP_ID.log"
    else
        "$@" <"$in" >"$STEP_OUT" 2>"$OUT/logs/$STEP_ID.log"
    fi
    STEP_RC=$?
    t2=$(date +%s.%N)
    STEP_SECS=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')
    sed 's/^/   | /' "$OUT/logs/$STEP_ID.log" | head -n 12
    [ -s "$STEP_OUT" ] || rm -f "$STEP_OUT"
    return 0
}
# record KEY_RESULT [CHECK_OK]: the step's summary line; ok when its exit code was the expected
# one and CHECK_OK (default 1) is 1
record() {
    local key=$1 check=${2:-1} status
    if [ "$STEP_RC" = skip ]; then
        status="not run"
        key=-
    elif [ "$STEP_RC" = "$STEP_WANT" ] && [ "$check" = 1 ]; then
        status=ok
        [ "$STEP_WANT" != 0 ] && status="ok (exit $STEP_RC, expected)"
    else
        status="FAILED (exit $STEP_RC)"
        [ "$STEP_RC" = "$STEP_WANT" ] && status="FAILED (check)"
        FAILED=1
        echo "   !! $STEP_ID failed, see logs/$STEP_ID.log" >&2
    fi
    [ "$STEP_RC" = skip ] || printf '   -> %s: %s (%ss)\n' "$status" "$key" "$STEP_SECS"
    printf '%s\t%s\t%s\t%s\n' "$STEP_ID" "$status" "$key" "${STEP_SECS:--}" >>"$OUT/steps.tsv"
}
# check COND_COMMAND...: 1 when it succeeds, else 0 (for record's CHECK_OK)
check() { if "$@" >/dev/null 2>&1; then echo 1; else echo 0; fi; }

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_servers() {
    local i
    "$PY" "$DEMO/make_seed.py" "$OUT/github/seed.json" ${RELKIT_DEMO_NOW:+--now "$RELKIT_DEMO_NOW"} || return 1
    "$PY" "$SRC/tests/fakes/github/emulator.py" --seed "$OUT/github/seed.json" \
        --ports-file "$OUT/github/ports.json" --state "$OUT/github/state.json" \
        --log "$OUT/logs/github-requests.jsonl" >"$OUT/logs/github-emulator.log" 2>&1 &
    EMU_PID=$!
    for i in $(seq 200); do
        [ -s "$OUT/github/ports.json" ] && break
        kill -0 "$EMU_PID" 2>/dev/null || return 1
        sleep 0.1
    done
    [ -s "$OUT/github/ports.json" ] || return 1
    API=http://127.0.0.1:$(jx "$OUT/github/ports.json" 'd["api"]')
    export GITHUB_API_URL=$API GH_TOKEN=ghp_relkitTEST0123456789SECRET

    REG_ENV=$OUT/registry/registry.env
    "$SRC/tests/fakes/registry/start.sh" --mode noauth --dir "$OUT/registry" \
        --env-file "$REG_ENV" >"$OUT/logs/registry-start.log" 2>&1 || return 1
    REG=$(sed -n 's/^REGISTRY_ADDR=//p' "$REG_ENV" | tr -d "'\"")
    # fixtures: the Models CI images of the seed's last good runs (not the "to build" one)
    "$PY" "$SRC/tests/fakes/registry/make-fixtures.py" --out "$OUT/registry/fixtures" --set bench \
        --images 2 --layers 2 --layer-size 16k --seed relkit-demo 2>>"$OUT/logs/registry-start.log" || return 1
    "$PY" - "$OUT/registry/fixtures/plan.json" "$OUT/github/images.json" <<'EOF' || return 1
import json, sys
plan, imgs = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
pushed = [(k, v) for k, v in sorted(imgs["last_good"].items()) if v["pushed"]]
for img, (key, v) in zip(plan["images"], pushed):
    img["repo"], img["tag"], img["name"] = imgs["repo"], v["tag"], key
json.dump(plan, open(sys.argv[1], "w"), indent=1)
EOF
    "$SRC/tests/fakes/registry/push-fixtures.sh" --env-file "$REG_ENV" --fixtures "$OUT/registry/fixtures" \
        >>"$OUT/logs/registry-start.log" 2>&1 || return 1
}

REPO=relkit-demo/compiler
TT_REPO=relkit-demo/tt-shield

echo "relkit demo: output in $OUT, tools from $BIN"
N=$((N + 1))
STEP_ID=$(printf '%02d-servers' "$N") STEP_WANT=0 STEP_SECS=
printf '\n%s== %s%s\n' "$B" "$STEP_ID" "$R"
echo "   GitHub emulator (seed tests/demo/make_seed.py) and a container registry (no auth) on 127.0.0.1"
t1=$(date +%s.%N)
if start_servers; then STEP_RC=0; else STEP_RC=6; fi
STEP_SECS=$(awk -v a="$t1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
record "GitHub emulator at ${API:-?}, registry at ${REG:-?} with $(jx "$OUT/registry/fixtures/fixtures.json" 'len(d["images"])' || echo 0) images"

# ================================================================== nightly candidate (seed 000)
step get-latest-green 0 - get-latest-green --repo $REPO --branch main --workflow ci.yml --check lint
show "$STEP_OUT" commit.sha green.depth
[ -s "$STEP_OUT" ] && jx "$STEP_OUT" '"\n".join("   passed over %s: %s" % (p["sha"][:7], ", ".join("%s %s" % (r["required"], r["state"]) for r in p["reasons"])) for p in d["green"]["passed_over"])'
GREEN=$(jx "$STEP_OUT" 'd["commit"]["sha"]')
record "green commit ${GREEN:0:7} at depth $(jx "$STEP_OUT" 'd["green"]["depth"]'), $(jx "$STEP_OUT" 'len(d["green"]["passed_over"])') newer commits passed over"
GLG=$STEP_OUT

# the project's version files, as the nightly's checkout has them
mkdir -p checkout/compiler checkout/runtime
printf '{"package-version": "3.2.0.dev"}\n' >checkout/compiler/version.json
printf '{"package-version": "3.2.0.dev"}\n' >checkout/runtime/version.json
step mk-candidate-tag 0 "$GLG" mk-candidate-tag --preset candidate \
    --version-file checkout/compiler/version.json --version-file checkout/runtime/version.json --write-local
show "$STEP_OUT" tag version versions sha
TAG=$(jx "$STEP_OUT" 'd["tag"]')
VERSION=$(jx "$STEP_OUT" 'd["version"]')
record "tag $TAG at ${GREEN:0:7}, version $VERSION (version_local.json written)" \
    "$(check grep -q "$GREEN" checkout/runtime/version_local.json)"
MCT=$STEP_OUT

step create-draft 0 "$MCT" gh-release create --draft --prerelease --name "nightly $TAG" \
    --notes "Automated nightly candidate at ${GREEN:0:12}."
show "$STEP_OUT" release.id release.tag release.draft release.prerelease
record "release $(jx "$STEP_OUT" 'd["release"]["id"]') draft=$(jx "$STEP_OUT" 'd["release"]["draft"]') prerelease=$(jx "$STEP_OUT" 'd["release"]["prerelease"]')" \
    "$(check test "$(jx "$STEP_OUT" 'd["release"]["draft"] and d["release"]["prerelease"]')" = true)"
CREATED=$STEP_OUT

# ================================================================== build (build_package.yml)
step build 0 - "$PY" "$DEMO/make_wheels.py" "$OUT/dist" "$VERSION"
sed 's/^/   /; s#'"$OUT"'/##' "$STEP_OUT" 2>/dev/null
record "$(ls dist | grep -c '\.whl$') wheels + $(ls dist | grep -c '\.tar\.xz$') dist tarball at $VERSION"
mv "$STEP_OUT" "$OUT/ctx/$STEP_ID.txt" 2>/dev/null

# ================================================================== validate and publish
step upload-wheels 0 "$CREATED" gh-release upload --jobs 4 "$OUT"/dist/*.whl
show "$STEP_OUT" release.tag
[ -s "$STEP_OUT" ] && jx "$STEP_OUT" '"\n".join("   %-8s %s" % (a["action"], a["name"]) for a in d["assets"])'
record "$(jx "$STEP_OUT" 'len([a for a in d["assets"] if a["action"] == "uploaded"])') wheels uploaded"

EXPECT=(--expect 'demo_compiler-*.whl' --expect 'demo_runtime-*.whl' --expect 'demo_suite-*.whl'
    --expect 'demo-dist-*-linux-x86_64.tar.xz')
step publish-gate 1 "$STEP_OUT" gh-release publish "${EXPECT[@]}"
show "$STEP_OUT" missing release.draft
record "refused: missing $(jx "$STEP_OUT" '", ".join(d["missing"])'), still a draft" \
    "$(check test "$(jx "$STEP_OUT" 'd["release"]["draft"]')" = true)"

step upload-all 0 "$CREATED" gh-release upload --jobs 4 "$OUT"/dist/*
[ -s "$STEP_OUT" ] && jx "$STEP_OUT" '"\n".join("   %-8s %s" % (a["action"], a["name"]) for a in d["assets"])'
record "re-run converges: $(jx "$STEP_OUT" 'len([a for a in d["assets"] if a["action"] == "skipped"])') skipped (same sha256), $(jx "$STEP_OUT" 'len([a for a in d["assets"] if a["action"] == "uploaded"])') uploaded"

step publish 0 "$STEP_OUT" gh-release publish "${EXPECT[@]}"
show "$STEP_OUT" expected missing release.draft release.prerelease
record "published $TAG as a pre-release, every expected asset present" \
    "$(check test "$(jx "$STEP_OUT" 'not d["release"]["draft"] and d["release"]["prerelease"]')" = true)"
PUBLISHED=$STEP_OUT

step index-gen 0 - index-gen --repo $REPO --tag-regex '^candidate-' --output "$OUT/index" \
    --find-links-name pip-release-links.html --title "demo nightly releases" \
    --upload-dir "$OUT/metadata-upload" --cache-dir "$OUT/index-cache"
show "$STEP_OUT" index.files index.projects index.without_metadata
jx "$STEP_OUT" '[{"tag": g["tag"], "files": [f["name"] for f in g["files"]]} for g in d["index"]["metadata_uploads"]]' >"$OUT/ctx/metadata-uploads.json"
record "$(jx "$STEP_OUT" 'd["index"]["files"]') files indexed, $(jx "$STEP_OUT" 'sum(len(g["files"]) for g in d["index"]["metadata_uploads"])') .metadata sidecars to upload"
INDEX1=$STEP_OUT

# the sidecars index-gen wrote, uploaded to their release as "files" (gh-release upload reads them)
jx "$INDEX1" '{"files": [f for g in d["index"]["metadata_uploads"] if g["tag"] == "'"$TAG"'" for f in g["files"]]}' \
    >"$OUT/ctx/metadata-files.json"
step upload-metadata 0 "$OUT/ctx/metadata-files.json" gh-release upload --repo $REPO --tag "$TAG"
[ -s "$STEP_OUT" ] && jx "$STEP_OUT" '"\n".join("   %-8s %s" % (a["action"], a["name"]) for a in d["assets"])'
record "$(jx "$STEP_OUT" 'len([a for a in d["assets"] if a["name"].endswith(".metadata")])') PEP 658 sidecars on the release"

step index-gen-again 0 - index-gen --repo $REPO --tag-regex '^candidate-' --output "$OUT/index" \
    --find-links-name pip-release-links.html --title "demo nightly releases" \
    --upload-dir "$OUT/metadata-upload" --cache-dir "$OUT/index-cache"
META=$(grep -ho 'data-core-metadata' "$OUT"/index/simple/*/index.html 2>/dev/null | wc -l)
show "$STEP_OUT" index.files index.without_metadata index.cache_hits
record "pages regenerated: $META wheels advertise .metadata, $(jx "$STEP_OUT" 'd["index"]["requests"]["total"]') API requests" \
    "$(check test "$META" -ge 3)"

# pip, offline, from the index served on 127.0.0.1 (files come from the emulator's download host)
HTTP_PORT=$(free_port)
(cd "$OUT/index" && exec "$PY" -m http.server "$HTTP_PORT" --bind 127.0.0.1) >"$OUT/logs/http-server.log" 2>&1 &
HTTP_PID=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$HTTP_PORT/" >/dev/null && break; sleep 0.1; done
step pip-install 0 - "$PY" -m pip install --isolated --no-cache-dir --disable-pip-version-check \
    --root-user-action=ignore --no-input -v --target "$OUT/pip-nightly" --pre \
    --index-url "http://127.0.0.1:$HTTP_PORT/simple/" demo-suite
mv "$STEP_OUT" "$OUT/logs/$STEP_ID.stdout.log" 2>/dev/null
grep -E '^Successfully installed|Obtaining dependency information' "$OUT/logs/$STEP_ID.stdout.log" | sed 's/^/   /; s/ from http[^ ]*\/\([^/]*\)$/ from ...\/\1/'
NIGHTLY_VERSIONS=$(PYTHONPATH=$OUT/pip-nightly "$PY" -c 'import demo_compiler, demo_runtime, demo_suite; print(demo_suite.__version__, demo_compiler.__version__, demo_runtime.__version__)' 2>/dev/null)
USED_META=$(grep -c 'Obtaining dependency information.*\.metadata' "$OUT/logs/$STEP_ID.stdout.log" 2>/dev/null)
record "demo-suite, demo-compiler, demo-runtime ${NIGHTLY_VERSIONS%% *} installed (pip read ${USED_META:-0} .metadata files)" \
    "$(check test "$NIGHTLY_VERSIONS" = "$VERSION $VERSION $VERSION")"
kill "$HTTP_PID" 2>/dev/null && wait "$HTTP_PID" 2>/dev/null
HTTP_PID=

# ================================================================== promote to stable (seed 001)
step download 0 "$PUBLISHED" gh-release download -D "$OUT/rc" '*.whl'
[ -s "$STEP_OUT" ] && jx "$STEP_OUT" '"\n".join("   %-10s %s" % (f["action"], f["name"]) for f in d["files"])'
record "$(jx "$STEP_OUT" 'len(d["files"])') wheels of $TAG downloaded, digests checked"

step wheel-retag 0 "$STEP_OUT" wheel-retag --final --finalize-pins '*' -o "$OUT/final"
[ -s "$STEP_OUT" ] && jx "$STEP_OUT" '"\n".join("   %s -> %s" % (w["previous_version"], w["filename"]) for w in d["wheels"])'
PIN=$("$PY" -c 'import glob, sys, zipfile
for w in glob.glob(sys.argv[1]):
    z = zipfile.ZipFile(w)
    for n in z.namelist():
        if n.endswith(".dist-info/METADATA"):
            print("\n".join(l for l in z.read(n).decode().splitlines() if l.startswith("Requires-Dist: demo-compiler")))' \
    "$OUT/final/demo_suite-*.whl" 2>/dev/null)
echo "   demo_suite METADATA: $PIN"
STABLE=$(jx "$STEP_OUT" 'd["wheels"][0]["version"]')
record "$(jx "$STEP_OUT" 'len(d["wheels"])') wheels -> $STABLE, exact pin now '${PIN#Requires-Dist: }'" \
    "$(check test "$PIN" = "Requires-Dist: demo-compiler==$STABLE")"
RETAGGED=$STEP_OUT

printf '## relkit demo %s\n\nPromoted from the nightly %s.\n' "$STABLE" "$TAG" >"$OUT/notes.md"
step promote 0 "$RETAGGED" gh-release promote --from "$TAG" --release-version "$STABLE" \
    --copy 'demo-dist-*.tar.xz' --notes-file "$OUT/notes.md"
show "$STEP_OUT" tag release.name release.prerelease release.draft
[ -s "$STEP_OUT" ] && jx "$STEP_OUT" '"\n".join("   %-8s %s" % (a["action"], a["name"]) for a in d["assets"])'
STABLE_TAG=$(jx "$STEP_OUT" 'd["release"]["tag"]')
record "$STABLE_TAG '$(jx "$STEP_OUT" 'd["release"]["name"]')' at $(jx "$STEP_OUT" 'd["release"]["target_commitish"][:7]') (the candidate's commit): stable, $(jx "$STEP_OUT" 'len(d["assets"])') assets" \
    "$(check test "$(jx "$STEP_OUT" 'not d["release"]["prerelease"] and not d["release"]["draft"] and d["release"]["target_commitish"] == "'"$GREEN"'"')" = true)"

step verify 0 - gh-release verify --repo $REPO --tag "$STABLE_TAG"
show "$STEP_OUT" verify
record "$(jx "$STEP_OUT" 'd["verify"].get("ok", d["verify"])') assets of $STABLE_TAG match their digests"

step index-stable 0 - index-gen --repo $REPO --tag-regex '^v' --prereleases exclude --output "$OUT/index-stable" \
    --cache-dir "$OUT/index-cache"
show "$STEP_OUT" index.files index.projects
record "stable index: $(jx "$STEP_OUT" 'd["index"]["files"]') files"

step pip-install-stable 0 - "$PY" -m pip install --isolated --no-cache-dir --disable-pip-version-check \
    --root-user-action=ignore --no-input --target "$OUT/pip-stable" --no-index -f "$OUT/index-stable/links.html" "demo-suite==$STABLE"
mv "$STEP_OUT" "$OUT/logs/$STEP_ID.stdout.log" 2>/dev/null
grep '^Successfully installed' "$OUT/logs/$STEP_ID.stdout.log" | sed 's/^/   /'
STABLE_VERSIONS=$(PYTHONPATH=$OUT/pip-stable "$PY" -c 'import demo_compiler, demo_suite; print(demo_suite.__version__, demo_compiler.__version__)' 2>/dev/null)
record "demo-suite==$STABLE resolves demo-compiler==${STABLE_VERSIONS##* } from $STABLE_TAG" \
    "$(check test "$STABLE_VERSIONS" = "$STABLE $STABLE")"

# ================================================================== tt image promotion (seed 004)
step models-last-good 0 - get-latest-green --repo $TT_REPO --workflow models-ci.yml \
    --per-job '^test \((.*)\)$' --max-runs 90
[ -s "$STEP_OUT" ] && jx "$STEP_OUT" '"\n".join("   %-12s last good: %-12s latest: %s" % (k, (v["last_good"] or {}).get("run_id", "never"), v["latest"]["conclusion"]) for k, v in sorted(d["per_job"]["keys"].items()))'
record "$(jx "$STEP_OUT" 'len(d["per_job"]["keys"])') models over $(jx "$STEP_OUT" 'd["per_job"]["runs"]') runs, $(jx "$STEP_OUT" 'len([v for v in d["per_job"]["keys"].values() if v["last_good"]])') with a last good run"
PERJOB=$STEP_OUT
mkdir -p "$OUT/release_logs"
cp "$PERJOB" "$OUT/release_logs/models_ci_last_good.json" 2>/dev/null

# tt-inference-server's checkout: VERSION 0.0.5, bumped (minor) and tagged locally
mkdir -p "$OUT/tt-checkout"
(cd "$OUT/tt-checkout" && git init -q -b main . && echo 0.0.5 >VERSION && git add VERSION &&
    git -c user.name=demo -c user.email=demo@example.invalid commit -q -m "VERSION 0.0.5") \
    >>"$OUT/logs/tt-checkout.log" 2>&1
step version-bump 0 "$PERJOB" mk-candidate-tag --checkout "$OUT/tt-checkout" --preset stable \
    --version-file "$OUT/tt-checkout/VERSION" --increment minor --write
show "$STEP_OUT" tag version
TT_VERSION=$(jx "$STEP_OUT" 'd["version"]')
record "VERSION 0.0.5 -> $(cat "$OUT/tt-checkout/VERSION"), local tag $(jx "$STEP_OUT" 'd["tag"]')" \
    "$(check test "$(cat "$OUT/tt-checkout/VERSION")" = "$TT_VERSION")"

# each model's last good job -> its CI image (the Models CI naming: VERSION-SHA-VLLM7-RUNID)
[ "$FAILED" = 1 ] || "$PY" - "$STEP_OUT" "$OUT/github/images.json" "$REG" >"$OUT/ctx/tt-context.json" <<'EOF'
import json, sys
ctx, imgs, reg = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
for key, v in ctx["per_job"]["keys"].items():
    lg = v["last_good"]
    if lg:
        lg["image"] = "%s/%s:%s-%s-%s-%d" % (reg, imgs["repo"], imgs["version"], lg["head_sha"],
                                             imgs["vllm7"], lg["run_id"])
print(json.dumps(ctx))
EOF
TT_RULES=(--repo-rule 'tt-shield/=tt-inference-server/'
    --tag-rule '^[0-9.]+-([0-9a-f]{7})[0-9a-f]{33}-([0-9a-f]{7})-[0-9]+$={version}-{1}-{2}' --missing-ok)
step ghcr-promote-plan 0 "$OUT/ctx/tt-context.json" ghcr-promote --dry-run "${TT_RULES[@]}"
[ -s "$STEP_OUT" ] && jx "$STEP_OUT" '"\n".join("   %-8s %s -> %s" % (i["status"], i["src"].split("/", 1)[1], i["dst"].split("/", 1)[1]) for i in d["images"])'
record "plan: $(jx "$STEP_OUT" 'len(d["promotion"]["planned"])') to copy, $(jx "$STEP_OUT" 'len(d["promotion"]["to_build"])') to build, nothing written"

step ghcr-promote 0 "$OUT/ctx/tt-context.json" ghcr-promote "${TT_RULES[@]}" \
    --summary-md "$OUT/release_logs/dev_artifacts_summary.md"
[ -s "$STEP_OUT" ] && jx "$STEP_OUT" '"\n".join("   %-8s %s" % (i["status"], i["dst"].split("/", 1)[1]) for i in d["images"])'
cp "$STEP_OUT" "$OUT/release_logs/dev_artifacts_summary.json" 2>/dev/null
COPIED=$(jx "$STEP_OUT" 'len(d["promotion"]["copied"])')
SAME=$(jx "$STEP_OUT" 'all(i["digest"] == i["source_digest"] for i in d["images"] if i["status"] == "copied")')
record "$COPIED images copied to tt-inference-server (digests preserved: $SAME), $(jx "$STEP_OUT" 'len(d["promotion"]["to_build"])') to build" \
    "$(check test "$COPIED/$SAME" = "2/true")"

# ================================================================== retention (seed 000)
step prune-plan 0 - gh-release prune --repo $REPO --older-than 180d --tag-regex '^candidate-' --cleanup-tag --dry-run
[ -s "$STEP_OUT" ] && jx "$STEP_OUT" '"\n".join("   would delete %s" % r["tag"] for r in d["plan"])'
record "dry run: $(jx "$STEP_OUT" 'len(d["plan"])') pre-releases older than 180 days, nothing deleted"

step prune 0 - gh-release prune --repo $REPO --older-than 180d --tag-regex '^candidate-' --cleanup-tag --yes
[ -s "$STEP_OUT" ] && jx "$STEP_OUT" '"\n".join("   deleted %s" % r["tag"] for r in d["deleted"])'
record "$(jx "$STEP_OUT" 'len(d["deleted"])') old nightlies and their tags deleted; stable releases kept"

step releases 0 - gh-release list --repo $REPO
[ -s "$STEP_OUT" ] && jx "$STEP_OUT" '"\n".join("   %-22s %s" % (r["tag"], "draft" if r["draft"] else "pre-release" if r["prerelease"] else "stable") for r in d["releases"])'
record "$(jx "$STEP_OUT" 'len(d["releases"])') releases left: $(jx "$STEP_OUT" '", ".join(r["tag"] for r in d["releases"])')"

# ================================================================== summary
cleanup
TOTAL=$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
"$PY" - "$OUT/steps.tsv" "$OUT/summary.md" "$OUT/summary.json" "$TOTAL" "$B" "$R" <<'EOF'
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
ok = all(r[1].startswith("ok") for r in rows)
md = ["# relkit demo", "", "| step | status | key result | s |", "| --- | --- | --- | --- |"]
md += ["| %s | %s | %s | %s |" % tuple(c.replace("|", "\\|") for c in r) for r in rows]
md += ["", "%d steps, %s in %s s." % (len(rows), "every step succeeded" if ok else "SOME STEPS FAILED", sys.argv[4]), ""]
open(sys.argv[2], "w").write("\n".join(md))
json.dump({"ok": ok, "seconds": float(sys.argv[4]),
           "steps": [{"step": r[0], "status": r[1], "result": r[2], "seconds": r[3]} for r in rows]},
          open(sys.argv[3], "w"), indent=1)
w = max(len(r[0]) for r in rows)
print("\n%sSummary%s" % (sys.argv[5], sys.argv[6]))
for r in rows:
    print("%-*s  %-22s %s" % (w, r[0], r[1], r[2]))
print("\n%d steps, %s in %s s; everything is in %s" % (len(rows), "every step succeeded" if ok else "SOME STEPS FAILED", sys.argv[4], sys.argv[2].rsplit("/", 1)[0]))
sys.exit(0 if ok else 1)
EOF
