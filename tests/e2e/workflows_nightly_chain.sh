#!/usr/bin/env bash
# The reusable workflows' steps as the runner runs them (tests/lib/run_action.py), against the
# emulator with the demo seed (relkit-demo/compiler: head in progress, a failed CI, a failed
# lint, then the green commit at depth 3) and a registry (no auth):
# - the three nightly composite actions chained by hand, `context` from each step's outputs
#   into the next step's inputs: a draft pre-release at the green commit with the candidate tag;
# - the job of .github/workflows/nightly-candidate.yml itself (tests/demo/workflow_job.py
#   turns a job into a composite action; checkouts, cache, artifacts and the setup are left
#   out, the tools are on PATH), with version files, with dry-run, with nothing green; its
#   dispatch step's request against a recorder;
# - then the rest of the chain the same way, on that candidate: validate-and-publish.yml
#   (publish, index), promote-stable.yml (promote), retention.yml (prune), and
#   image-promotion.yml (promote) on the seed's Models CI;
# - every relkit step of every workflow against the action.yml it uses
#   (tests/demo/check_workflows.py: what actionlint cannot see).
if [ -z "${RELKIT_EMU_API:-}" ]; then
    seed_dir=$(mktemp -d "${TMPDIR:-/tmp}/relkit-nightly-seed.XXXXXX") || exit 6
    "${RELKIT_PYTHON:-/usr/bin/python3}" "$RELKIT_SRC/tests/demo/make_seed.py" "$seed_dir/seed.json" \
        --now 2025-01-05T12:00:00Z || exit 6
    "$RELKIT_SRC/tests/fakes/github/with-emulator.sh" --seed "$seed_dir/seed.json" -- \
        "$RELKIT_SRC/tests/fakes/registry/with-registry.sh" --mode noauth -- \
        env RELKIT_NIGHTLY_IMAGES="$seed_dir/images.json" bash "$0" "$@"
    rc=$?
    rm -rf "$seed_dir"
    exit $rc
fi
. "$RELKIT_SRC/tests/lib/common.sh"
set -o pipefail
unset SOURCE_DATE_EPOCH GITHUB_RUN_NUMBER GITHUB_REPOSITORY CI

REPO=relkit-demo/compiler
RA=$RELKIT_SRC/tests/lib/run_action.py
WF=$RELKIT_SRC/.github/workflows/nightly-candidate.yml
GREEN=$(printf 'compiler:9' | sha1sum | cut -d' ' -f1) # make_seed.py's sha("compiler", 9)
DATE=20250105

# the workspace: relkit "checked out" at .relkit, the project's green commit at src/
WS=$T_TMP/ws
mkdir -p "$WS/src/compiler" "$WS/src/runtime"
ln -s "$RELKIT_SRC" "$WS/.relkit"
printf '{"package-version": "3.2.0.dev"}\n' >"$WS/src/compiler/version.json"
printf '{"package-version": "3.2.0.dev"}\n' >"$WS/src/runtime/version.json"

ra() { # ACTION_DIR ARGS...: run_action's JSON in $T_OUT
    local dir=$1
    shift
    run "$RELKIT_PYTHON" "$RA" "$dir" --workdir "$WS" --runner-temp "$T_TMP/runner" \
        --github "token=$GH_TOKEN" --github "repository=$REPO" \
        --env "PATH=$PATH" --env "GITHUB_API_URL=$GITHUB_API_URL" "$@"
}
out() { json_get "[\"outputs\"][\"$1\"]"; }
# state PYTHON-EXPR: over the emulator state, R = the repository, rel(tag) = its releases of tag
state() {
    curl -fsS "$RELKIT_EMU_API/_emulator/state" | "$RELKIT_PYTHON" -c '
import json, sys
S = json.load(sys.stdin)
R = [r for r in S["repos"] if r["owner"] + "/" + r["name"] == sys.argv[2]][0]
def rel(tag): return [x for x in R["releases"] if x["tag_name"] == tag]
def ref(tag): return R["refs"].get("refs/tags/" + tag)
print(eval(sys.argv[1]))' "$1" "$REPO"
}

t_case "chained actions: get-latest-green -> mk-candidate-tag -> gh-release create"
ra "$RELKIT_SRC/tools/get-latest-green" --input repo=$REPO --input workflows=ci.yml --input checks=lint
expect_rc 0
expect_eq "$(out sha)" "$GREEN" "green sha"
out context >"$T_TMP/green.json"
expect_eq "$("$RELKIT_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["green"]["depth"])' "$T_TMP/green.json")" 3 "depth"
ra "$RELKIT_SRC/tools/mk-candidate-tag" --input "context=$(cat "$T_TMP/green.json")" \
    --input date=$DATE --input base-version=3.2.0
expect_rc 0
expect_eq "$(out tag)" candidate-$DATE.1 "tag"
expect_eq "$(out version)" 3.2.0rc${DATE}01 "version"
out context >"$T_TMP/tag.json"
ra "$RELKIT_SRC/tools/gh-release" --input command=create --input "context=$(cat "$T_TMP/tag.json")" \
    --input draft=true --input prerelease=true
expect_rc 0
expect_eq "$(out tag)" candidate-$DATE.1 "release tag output"
RID=$(out release-id)
[ -n "$RID" ] || t_fail "no release-id output"
expect_eq "$(state 'len(rel("candidate-'$DATE'.1"))')" 1 "one release for the tag"
expect_eq "$(state '[(r["id"], r["draft"], r["prerelease"], r["target_commitish"]) for r in rel("candidate-'$DATE'.1")][0]')" \
    "($RID, True, True, '$GREEN')" "draft pre-release at the green commit"
expect_eq "$(state 'ref("candidate-'$DATE'.1")')" "$GREEN" "the tag at the green commit"
expect_eq "$(out context | "$RELKIT_PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(d["version"], d["green"]["depth"], d["commit"]["sha"], d["release"]["draft"])')" \
    "3.2.0rc${DATE}01 3 $GREEN True" "the context carries every step's keys"

t_case "nightly-candidate.yml's job as written: version files from the checkout, tag, draft"
run "$RELKIT_PYTHON" "$RELKIT_SRC/tests/demo/workflow_job.py" "$WF" candidate "$T_TMP/job"
expect_rc 0
ra "$T_TMP/job" --input repo=$REPO --input checks=lint --input date=$DATE \
    --input "version-files=compiler/version.json
runtime/version.json"
expect_rc 0
expect_eq "$(out tag)" candidate-$DATE.2 "tag (the next number)"
expect_eq "$(out version)" 3.2.0rc${DATE}02 "version from the version files"
expect_eq "$(out sha)" "$GREEN" "sha"
expect_eq "$(state '[(r["draft"], r["prerelease"]) for r in rel("candidate-'$DATE'.2")]')" "[(True, True)]" "draft pre-release"
expect_eq "$(out release-id)" "$(state 'rel("candidate-'$DATE'.2")[0]["id"]')" "release-id output"
expect_eq "$(out context | "$RELKIT_PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(d["release"]["tag"], d["versions"])')" \
    "candidate-$DATE.2 {'compiler': '3.2.0rc${DATE}02', 'runtime': '3.2.0rc${DATE}02'}" "context output"
steps=$("$RELKIT_PYTHON" -c 'import json,sys; d=json.loads(sys.stdin.read()); print(" ".join("%s:%s" % (s.get("id") or "-", s["outcome"]) for s in d["steps"]))' <<<"$T_OUT")
expect_eq "$steps" "green:success vf:success tag:success release:success dispatch:skipped" "steps"

t_case "nightly-candidate.yml's job with dry-run: the plan, no tag, no release, no dispatch"
ra "$T_TMP/job" --input repo=$REPO --input checks=lint --input date=$DATE --input base-version=3.2.0 \
    --input dry-run=true --input build-workflow=build_package.yml
expect_rc 0
expect_eq "$(out tag)" candidate-$DATE.3 "tag it would create"
expect_eq "$(state 'ref("candidate-'$DATE'.3")')" None "no tag"
expect_eq "$(state 'len(rel("candidate-'$DATE'.3"))')" 0 "no release"
steps=$("$RELKIT_PYTHON" -c 'import json,sys; d=json.loads(sys.stdin.read()); print([s["outcome"] for s in d["steps"] if s.get("id") == "dispatch"][0])' <<<"$T_OUT")
expect_eq "$steps" skipped "dispatch"

t_case "nightly-candidate.yml's job with nothing green: fails at get-latest-green, nothing created"
before=$(state 'len(R["releases"])')
ra "$T_TMP/job" --input repo=$REPO --input checks=no-such-check --input date=$DATE --input base-version=3.2.0
expect_rc 1
steps=$("$RELKIT_PYTHON" -c 'import json,sys; d=json.loads(sys.stdin.read()); print(" ".join("%s:%s" % (s.get("id") or "-", s["outcome"]) for s in d["steps"]))' <<<"$T_OUT")
expect_eq "$steps" "green:failure vf:skipped tag:skipped release:skipped dispatch:skipped" "steps"
expect_eq "$(state 'len(R["releases"])')" "$before" "releases"

t_case "the dispatch step: POST .../actions/workflows/FILE/dispatches at the tag, inputs filled"
port_file=$T_TMP/recorder.port
"$RELKIT_PYTHON" - "$port_file" "$T_TMP/recorded.json" <<'EOF' &
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        json.dump({"path": self.path, "auth": self.headers.get("Authorization"),
                   "accept": self.headers.get("Accept"), "body": json.loads(body)},
                  open(sys.argv[2], "w"))
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
s.timeout = 30  # never wait forever for a request that does not come
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.handle_request()
EOF
rec=$!
for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
"$RELKIT_PYTHON" - "$WF" >"$T_TMP/dispatch.sh" <<'EOF'
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
print([s for s in wf["jobs"]["candidate"]["steps"] if s.get("id") == "dispatch"][0]["run"])
EOF
: >"$T_TMP/summary.md"
run env GH_TOKEN=ghp_dispatchTOKEN RK_API="http://127.0.0.1:$(cat "$port_file")" RK_REPO=$REPO \
    RK_WORKFLOW=build_package.yml RK_TAG=candidate-$DATE.2 RK_VERSION=3.2.0rc${DATE}02 \
    RK_SHA="$GREEN" RK_RELEASE_ID=42 GITHUB_STEP_SUMMARY="$T_TMP/summary.md" \
    RK_INPUTS='{"package_version": "{version}", "release_id": "{release_id}", "commit": "{sha}", "note": "tag {tag}", "retries": 2}' \
    bash -eo pipefail "$T_TMP/dispatch.sh"
expect_rc 0
wait "$rec"
expect_out "dispatched 'build_package.yml' at 'candidate-$DATE.2'"
got=$("$RELKIT_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["path"]); print(d["auth"]); print(json.dumps(d["body"], sort_keys=True))' "$T_TMP/recorded.json")
expect_eq "$got" "/repos/$REPO/actions/workflows/build_package.yml/dispatches
Bearer ghp_dispatchTOKEN
{\"inputs\": {\"commit\": \"$GREEN\", \"note\": \"tag candidate-$DATE.2\", \"package_version\": \"3.2.0rc${DATE}02\", \"release_id\": \"42\", \"retries\": \"2\"}, \"ref\": \"candidate-$DATE.2\"}" "request"
grep -q 'build_package.yml' "$T_TMP/summary.md" || t_fail "no step summary line"

# ---------------------------------------------------------------- the rest of the chain
W=$RELKIT_SRC/.github/workflows
job() { # WORKFLOW JOB: convert it into $T_TMP/WORKFLOW-JOB
    "$RELKIT_PYTHON" "$RELKIT_SRC/tests/demo/workflow_job.py" "$W/$1.yml" "$2" "$T_TMP/$1-$2" ||
        t_fail "cannot convert $1.yml job $2"
}
outcomes() { "$RELKIT_PYTHON" -c 'import json,sys; d=json.loads(sys.stdin.read()); print(" ".join("%s:%s" % (s.get("id") or "-", s["outcome"]) for s in d["steps"]))' <<<"$T_OUT"; }
names() { "$RELKIT_PYTHON" -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin))))'; }
CAND=candidate-$DATE.2
CVER=3.2.0rc${DATE}02
# the package build of the candidate (what build_package.yml uploads)
"$RELKIT_PYTHON" "$RELKIT_SRC/tests/demo/make_wheels.py" "$T_TMP/dist" "$CVER" >/dev/null
gh-release upload --repo $REPO --tag $CAND "$T_TMP"/dist/*.whl </dev/null >/dev/null 2>"$T_TMP/upload.err" ||
    echo "upload failed: $(cat "$T_TMP/upload.err")" >&2

t_case "validate-and-publish.yml, job publish: refused while the tarball is missing, then published"
job validate-and-publish publish
EXPECT='demo_compiler-*.whl
demo_suite-*.whl
demo-dist-*-linux-x86_64.tar.xz'
ra "$T_TMP/validate-and-publish-publish" --input repo=$REPO --input tag=$CAND --input "expect=$EXPECT"
expect_rc 1
expect_eq "$(out context | "$RELKIT_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["missing"])')" \
    "['demo-dist-*-linux-x86_64.tar.xz']" "missing"
expect_eq "$(state '[r["draft"] for r in rel("'$CAND'")]')" "[True]" "still a draft"
gh-release upload --repo $REPO --tag $CAND "$T_TMP"/dist/*.tar.xz </dev/null >/dev/null 2>&1
ra "$T_TMP/validate-and-publish-publish" --input repo=$REPO --input tag=$CAND --input "expect=$EXPECT"
expect_rc 0
expect_eq "$(state '[(r["draft"], r["prerelease"]) for r in rel("'$CAND'")]')" "[(False, True)]" "published pre-release"
grep -q "/releases/tag/$CAND\$" <<<"$(out release-url)" || t_fail "release-url output: $(out release-url)"

t_case "validate-and-publish.yml, job index: the index, .metadata sidecars uploaded and advertised"
job validate-and-publish index
ra "$T_TMP/validate-and-publish-index" --input repo=$REPO --input tag=$CAND \
    --input "index-tag-regex=^candidate-$DATE" --input find-links-name=pip-release-links.html
expect_rc 0
expect_eq "$(outcomes)" "index:success sidecars:success -:success" "steps"
expect_file "$WS/site/pip-release-links.html"
expect_eq "$(cat "$WS"/site/simple/demo-*/index.html | grep -c 'data-core-metadata="sha256=')" 3 "advertised sidecars"
expect_eq "$(state 'sorted(a for a in [R["assets"][str(i)]["name"] for i in rel("'$CAND'")[0]["assets"]] if a.endswith(".metadata"))')" \
    "['demo_compiler-$CVER-py3-none-any.whl.metadata', 'demo_runtime-$CVER-py3-none-any.whl.metadata', 'demo_suite-$CVER-py3-none-any.whl.metadata']" "sidecars on the release"

t_case "promote-stable.yml, job promote: v3.2.0 at the candidate's commit, final wheels, tarball copied"
job promote-stable promote
ra "$T_TMP/promote-stable-promote" --input repo=$REPO --input candidate=$CAND --input release-version=3.2.0 \
    --input 'copy=demo-dist-*.tar.xz' --input "notes=Stable 3.2.0."
expect_rc 0
expect_eq "$(outcomes)" "download:success retag:success promote:success" "steps"
expect_eq "$(out tag)" v3.2.0 "tag"
expect_eq "$(state '[(r["draft"], r["prerelease"], r["target_commitish"], r["name"], r["body"]) for r in rel("v3.2.0")]')" \
    "[(False, False, '$GREEN', 'Release v3.2.0', 'Stable 3.2.0.')]" "stable release"
expect_eq "$(state 'sorted(R["assets"][str(i)]["name"] for i in rel("v3.2.0")[0]["assets"])')" \
    "['demo-dist-$CVER-linux-x86_64.tar.xz', 'demo_compiler-3.2.0-py3-none-any.whl', 'demo_runtime-3.2.0-py3-none-any.whl', 'demo_suite-3.2.0-py3-none-any.whl']" "assets"
expect_eq "$(state 'R["latest_release_id"] == rel("v3.2.0")[0]["id"]')" True "latest"

t_case "retention.yml, job prune: the dry run lists, the real run deletes the old pre-releases"
job retention prune
cutoff=$(date -u -d '180 days ago' +%Y-%m-%dT%H:%M:%SZ)
old=$(state '" ".join(sorted(r["tag_name"] for r in R["releases"] if r["prerelease"] and (r["published_at"] or "9") < "'"$cutoff"'"))')
[ -n "$old" ] || t_fail "the seed has no old pre-release"
ra "$T_TMP/retention-prune" --input repo=$REPO --input 'tag-regex=^candidate-' --input cleanup-tag=true --input dry-run=true
expect_rc 0
expect_eq "$(out deleted | names)" "$old" "would delete"
expect_eq "$(state 'len([r for r in R["releases"] if r["tag_name"] in "'"$old"'".split()])')" "$(wc -w <<<"$old" | tr -d ' ')" "nothing deleted yet"
ra "$T_TMP/retention-prune" --input repo=$REPO --input 'tag-regex=^candidate-' --input cleanup-tag=true
expect_rc 0
expect_eq "$(out deleted | names)" "$old" "deleted"
expect_eq "$(state 'sorted(r["tag_name"] for r in R["releases"] if r["tag_name"].startswith("candidate-"))')" \
    "['candidate-$DATE.1', 'candidate-$DATE.2']" "candidates left"
expect_eq "$(state 'len([r for r in R["releases"] if not r["prerelease"]])')" 3 "stable releases kept"

t_case "image-promotion.yml, job promote: VERSION bumped, last good images promoted, one to build"
job image-promotion promote
IWS=$T_TMP/tt-ws
mkdir -p "$IWS"
(cd "$IWS" && git init -q -b main . && echo 0.0.5 >VERSION && git add VERSION &&
    git -c user.name=t -c user.email=t@example.invalid commit -q -m v) || t_fail "git"
ln -s "$RELKIT_SRC" "$IWS/.relkit"
"$RELKIT_PYTHON" "$RELKIT_SRC/tests/fakes/registry/make-fixtures.py" --out "$T_TMP/fx" --set bench \
    --images 2 --layers 2 --layer-size 16k 2>/dev/null
"$RELKIT_PYTHON" -c '
import json, sys
plan, imgs = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
pushed = [(k, v) for k, v in sorted(imgs["last_good"].items()) if v["pushed"]]
for img, (key, v) in zip(plan["images"], pushed):
    img["repo"], img["tag"], img["name"] = imgs["repo"], v["tag"], key
json.dump(plan, open(sys.argv[1], "w"))' "$T_TMP/fx/plan.json" "$RELKIT_NIGHTLY_IMAGES"
"$RELKIT_SRC/tests/fakes/registry/push-fixtures.sh" --env-file "$REGISTRY_ENV_FILE" --fixtures "$T_TMP/fx" \
    >/dev/null 2>"$T_TMP/push.err" || t_fail "fixtures: $(cat "$T_TMP/push.err")"
run "$RELKIT_PYTHON" "$RA" "$T_TMP/image-promotion-promote" --workdir "$IWS" --runner-temp "$T_TMP/runner" \
    --github "token=$GH_TOKEN" --github repository=relkit-demo/tt-inference-server \
    --env "PATH=$PATH" --env "GITHUB_API_URL=$GITHUB_API_URL" \
    --input ci-repo=relkit-demo/tt-shield --input ci-workflow=models-ci.yml --input increment=minor \
    --input "image-template=$REGISTRY_ADDR/tt-shield/vllm-tt-metal-src-dev-ubuntu-22.04-amd64:{version}-{head_sha}-1d799da-{run_id}" \
    --input 'repo-rules=tt-shield/=tt-inference-server/' \
    --input 'tag-rules=^[0-9.]+-([0-9a-f]{7})[0-9a-f]{33}-([0-9a-f]{7})-[0-9]+$={version}-{1}-{2}'
expect_rc 0
expect_eq "$(outcomes)" "green:success before:success bump:success version:success images:success rules:success promote:success -:success -:skipped" "steps"
expect_eq "$(out version)/$(cat "$IWS/VERSION")" 0.1.0/0.1.0 "VERSION"
expect_eq "$(out copied)" 2 "copied"
expect_eq "$(out to-build | "$RELKIT_PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)))')" 1 "to build"
tags=$(curl -fsS "$REGISTRY_URL/v2/tt-inference-server/vllm-tt-metal-src-dev-ubuntu-22.04-amd64/tags/list" |
    "$RELKIT_PYTHON" -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["tags"])))')
want=$("$RELKIT_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1]))["last_good"]; print(" ".join(sorted("0.1.0-%s-1d799da" % v["head_sha"][:7] for v in d.values() if v["pushed"])))' "$RELKIT_NIGHTLY_IMAGES")
expect_eq "$tags" "$want" "promoted tags"
expect_file "$IWS/release_logs/dev_artifacts_summary.md"
expect_file "$IWS/release_logs/dev_artifacts_summary.json"
expect_file "$IWS/release_logs/models_ci_last_good.json"

t_case "every relkit step of every workflow uses its action's real inputs and outputs"
run "$RELKIT_PYTHON" "$RELKIT_SRC/tests/demo/check_workflows.py" "$RELKIT_SRC" "$RELKIT_SRC"/.github/workflows/*.yml
expect_rc 0
expect_out "ok: "

t_case "the workflow check catches a wrong input, a wrong output and an unknown step"
sed -e 's/          draft: "true"/          drafts: "true"/' \
    -e 's/release-id: ${{ steps.release.outputs.release-id }}/release-id: ${{ steps.release.outputs.id }}/' \
    -e 's/sha: ${{ steps.green.outputs.sha }}/sha: ${{ steps.gren.outputs.sha }}/' "$WF" >"$T_TMP/broken.yml"
run "$RELKIT_PYTHON" "$RELKIT_SRC/tests/demo/check_workflows.py" "$RELKIT_SRC" "$T_TMP/broken.yml"
expect_rc 1
expect_out "input 'drafts' is not an input of tools/gh-release/action.yml"
expect_out "output 'id' is not an output of its action"
expect_out "steps.gren: no step with that id"

t_done
