#!/usr/bin/env bash
# ./run demo's pipeline (tests/demo/demo.sh) into a scratch directory: every step succeeds,
# and what it says it did is really there - in the emulator's state file, the registry's
# storage, pip's target directories and the generated index - and its servers are gone.
. "$RELKIT_SRC/tests/lib/common.sh"

D=$T_TMP/demo
# py FILE EXPR: a Python expression over the JSON in FILE (d)
py() { "$RELKIT_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(json.dumps(v) if isinstance(v,(dict,list,bool)) or v is None else v)' "$1" "$2"; }
# st EXPR: over the emulator state of relkit-demo/compiler (R), rel(tag), assets(tag)
st() {
    "$RELKIT_PYTHON" -c '
import json, sys
S = json.load(open(sys.argv[1]))
R = [r for r in S["repos"] if r["owner"] == "relkit-demo" and r["name"] == "compiler"][0]
def rel(tag): return [x for x in R["releases"] if x["tag_name"] == tag]
def assets(tag): return sorted(R["assets"][str(a)]["name"] for a in rel(tag)[0]["assets"])
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)' "$D/github/state.json" "$1"
}

t_case "usage: an output directory is required"
run bash "$RELKIT_SRC/tests/demo/demo.sh"
expect_rc 2
expect_err "usage: demo.sh OUTDIR"

t_case "the demo runs end to end and every step succeeds"
start=$(date +%s)
run env RELKIT_BIN="$RELKIT_BIN" bash "$RELKIT_SRC/tests/demo/demo.sh" "$D"
secs=$(($(date +%s) - start))
expect_rc 0
expect_out "every step succeeded"
expect_file "$D/summary.md"
expect_eq "$(py "$D/summary.json" 'd["ok"]')" true "summary.json ok"
expect_eq "$(py "$D/summary.json" '[s["step"] for s in d["steps"] if not s["status"].startswith("ok")]')" "[]" "steps not ok"
[ "$(py "$D/summary.json" 'len(d["steps"])')" -ge 20 ] || t_fail "fewer than 20 steps"
grep -q '^| 16-promote | ok | v3.2.0 ' "$D/summary.md" || t_fail "summary.md lacks the promotion: $(cat "$D/summary.md")"
[ "$secs" -lt 180 ] || t_fail "the demo took ${secs}s (budget 180 s)"
[ "$T_RC" = 0 ] || echo "$T_OUT" | tail -n 40

GREEN=$(py "$D/ctx/02-get-latest-green.json" 'd["commit"]["sha"]')
TAG=$(py "$D/ctx/03-mk-candidate-tag.json" 'd["tag"]')
VERSION=$(py "$D/ctx/03-mk-candidate-tag.json" 'd["version"]')

t_case "the green commit is the newest one with ci.yml and lint green (depth 3)"
expect_eq "$GREEN" "$(printf 'compiler:9' | sha1sum | cut -d' ' -f1)" "green commit"
expect_eq "$(py "$D/ctx/02-get-latest-green.json" '[r["state"] for p in d["green"]["passed_over"] for r in p["reasons"]]')" \
    '["pending", "failure", "failure"]' "reasons of the commits passed over"

t_case "the candidate: tag at the green commit, published pre-release with every asset and sidecar"
[[ $TAG =~ ^candidate-[0-9]{8}\.1$ ]] || t_fail "tag '$TAG'"
[[ $VERSION =~ ^3\.2\.0rc[0-9]{8}01$ ]] || t_fail "version '$VERSION'"
expect_eq "$(st 'R["refs"]["refs/tags/'"$TAG"'"]')" "$GREEN" "candidate tag"
expect_eq "$(st '[(r["draft"], r["prerelease"]) for r in rel("'"$TAG"'")]')" '[[false, true]]' "draft, prerelease"
expect_eq "$(st 'assets("'"$TAG"'")')" "[\"demo-dist-$VERSION-linux-x86_64.tar.xz\", \"demo_compiler-$VERSION-py3-none-any.whl\", \"demo_compiler-$VERSION-py3-none-any.whl.metadata\", \"demo_runtime-$VERSION-py3-none-any.whl\", \"demo_runtime-$VERSION-py3-none-any.whl.metadata\", \"demo_suite-$VERSION-py3-none-any.whl\", \"demo_suite-$VERSION-py3-none-any.whl.metadata\"]" "candidate assets"

t_case "the promoted release v3.2.0 exists: stable, latest, at the candidate's commit, final wheels"
expect_eq "$(st '[(r["draft"], r["prerelease"], r["target_commitish"], r["name"]) for r in rel("v3.2.0")]')" \
    "[[false, false, \"$GREEN\", \"Release v3.2.0\"]]" "v3.2.0"
expect_eq "$(st 'R["latest_release_id"] == rel("v3.2.0")[0]["id"]')" true "latest"
expect_eq "$(st 'R["refs"]["refs/tags/v3.2.0"]')" "$GREEN" "v3.2.0 tag"
expect_eq "$(st 'assets("v3.2.0")')" "[\"demo-dist-$VERSION-linux-x86_64.tar.xz\", \"demo_compiler-3.2.0-py3-none-any.whl\", \"demo_runtime-3.2.0-py3-none-any.whl\", \"demo_suite-3.2.0-py3-none-any.whl\"]" "stable assets"
pin=$("$RELKIT_PYTHON" -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print([l for l in z.read("demo_suite-3.2.0.dist-info/METADATA").decode().splitlines() if l.startswith("Requires-Dist")])' "$D/final/demo_suite-3.2.0-py3-none-any.whl")
expect_eq "$pin" "['Requires-Dist: demo-compiler==3.2.0', 'Requires-Dist: demo-runtime>=3.2.0.dev0']" "final pins"

t_case "pip installed the nightly from the generated index and the stable wheels from v3.2.0"
expect_file "$D/pip-nightly/demo_suite-$VERSION.dist-info/METADATA"
expect_file "$D/pip-nightly/demo_compiler-$VERSION.dist-info/METADATA"
expect_file "$D/pip-stable/demo_suite-3.2.0.dist-info/METADATA"
expect_file "$D/pip-stable/demo_compiler-3.2.0.dist-info/METADATA"
expect_file "$D/index/pip-release-links.html"
expect_eq "$(grep -c 'data-core-metadata="sha256=' "$D"/index/simple/demo-*/index.html | awk -F: '{ n += $2 } END { print n }')" 3 "wheels advertising .metadata"
grep -q 'Obtaining dependency information for demo-suite from .*\.whl\.metadata' "$D"/logs/*pip-install.stdout.log ||
    t_fail "pip did not read the PEP 658 metadata"

t_case "the images: promoted tags in the registry storage point at the source digests"
tags=$D/registry/storage/docker/registry/v2/repositories/tt-inference-server/vllm-tt-metal-src-dev-ubuntu-22.04-amd64/_manifests/tags
expect_eq "$(ls "$tags" 2>/dev/null | tr '\n' ' ')" "0.1.0-e53d479-1d799da 0.1.0-fae450b-1d799da " "promoted tags"
for t in $(ls "$tags" 2>/dev/null); do
    want=$(py "$D/ctx/23-ghcr-promote.json" '[i["source_digest"] for i in d["images"] if i["dst"].endswith(":'"$t"'")][0]')
    expect_eq "$(cat "$tags/$t/current/link")" "$want" "digest of $t"
done
expect_eq "$(py "$D/ctx/23-ghcr-promote.json" 'len(d["promotion"]["to_build"])')" 1 "to build"
expect_eq "$(cat "$D/tt-checkout/VERSION")" 0.1.0 "VERSION bumped"
expect_file "$D/release_logs/dev_artifacts_summary.md"
expect_file "$D/release_logs/models_ci_last_good.json"

t_case "retention: the three nightlies older than 180 days and their tags are gone, the rest kept"
expect_eq "$(st 'sorted(r["tag_name"] for r in R["releases"])')" \
    "$(py "$D/ctx/26-releases.json" 'sorted(r["tag"] for r in d["releases"])')" "releases"
expect_eq "$(st 'len([r for r in R["releases"] if r["tag_name"].startswith("candidate-")])')" 3 "nightlies left"
expect_eq "$(st 'len([r for r in R["releases"] if not r["prerelease"]])')" 3 "stable releases"
for t in $(py "$D/ctx/25-prune.json" '" ".join(r["tag"] for r in d["deleted"])'); do
    expect_eq "$(st '"refs/tags/'"$t"'" in R["refs"]')" false "tag $t deleted"
done

t_case "no server is left running"
for pid in $(py "$D/github/ports.json" 'd["pid"]') $(sed -n 's/^REGISTRY_PID=//p' "$D/registry/registry.env"); do
    if kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
        t_fail "process $pid still running"
    fi
done

t_done
