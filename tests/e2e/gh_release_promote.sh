#!/usr/bin/env bash
# The seeds' promotion as one scripted pipeline (seed ghr_iree): IREE's candidate
# iree-3.1.0rc20241119 becomes v3.1.0 at the same commit (3ed07da...), titled "Release v3.1.0",
# with the notes, the linux iree-dist tarballs copied from the candidate, the wheels retagged to
# 3.1.0 (wheel-retag when it is built, else the same result made here with Python's zipfile),
# not a pre-release, latest. Then: a re-run changes nothing, a killed run is finished by the
# next one, and a stable tag already elsewhere is refused.
. "$RELKIT_SRC/tests/e2e/gh_release_lib.bash"
ghr_with_emulator ghr_iree "$@"
. "$RELKIT_SRC/tests/lib/common.sh"
export GITHUB_REPOSITORY=iree-org/iree

RC=iree-3.1.0rc20241119
RC_SHA=3ed07da0e5d2a1b7f9c8e6d4b2a0f1e3c5d7b9a1
cd "$T_TMP"
printf '## IREE 3.1.0\n\nHighlights: ...\n' >notes.md

# wheel-retag --final, or the same done by hand (the version in the file name, the .dist-info
# directory, METADATA and RECORD)
retag() { # downloaded.json out-dir -> wheel-retag's JSON on stdout
    if wheel-retag --help 2>/dev/null | grep -q -- '--final'; then
        wheel-retag --final -o "$2" <"$1"
        return
    fi
    "$RELKIT_PYTHON" - "$1" "$2" <<'EOF'
import base64, hashlib, json, os, sys, zipfile
ctx = json.load(open(sys.argv[1])); out = sys.argv[2]; os.makedirs(out, exist_ok=True)
wheels = []
for f in ctx["files"]:
    src = zipfile.ZipFile(f["path"]); name = os.path.basename(f["path"])
    dist, old = name.split("-")[:2]; new = old.split("rc")[0]
    dst_name = name.replace("-" + old + "-", "-" + new + "-"); dst = os.path.join(out, dst_name)
    z = zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED); record = []
    for info in src.infolist():
        data = src.read(info); n = info.filename.replace("%s-%s.dist-info" % (dist, old), "%s-%s.dist-info" % (dist, new))
        if n.endswith("/RECORD"):
            continue
        if n.endswith("/METADATA"):
            data = data.replace(b"Version: " + old.encode(), b"Version: " + new.encode())
        z.writestr(n, data)
        record.append("%s,sha256=%s,%d" % (n, base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode(), len(data)))
    z.writestr("%s-%s.dist-info/RECORD" % (dist, new), "\n".join(record + ["%s-%s.dist-info/RECORD,," % (dist, new)]) + "\n")
    z.close()
    wheels.append({"input": f["path"], "output": dst, "filename": dst_name, "version": new})
ctx["wheels"] = wheels
print(json.dumps(ctx))
EOF
}

stable() { emu_py 'r=[x for x in repo()["releases"] if x["tag_name"] == "v3.1.0"]; print(len(r), *([r[0]["name"], r[0]["draft"], r[0]["prerelease"], repo()["latest_release_id"] == r[0]["id"]] if r else []))'; }
stable_assets() { emu_py 'print("\n".join(sorted("%s %s" % (a["name"], a["digest"][7:]) for a in assets("v3.1.0"))))'; }
rc_digest() { emu_py 'print([a["digest"][7:] for a in assets(A[0]) if a["name"] == A[1]][0])' "$RC" "$1"; }

t_case "download the candidate's wheels and retag them"
run gh-release download --tag $RC -D rc '*.whl'
expect_rc 0
echo "$T_OUT" >downloaded.json
retag downloaded.json final >retagged.json || t_fail "retagging failed"
expect_eq "$(cd final && ls)" "iree_base_compiler-3.1.0-cp311-cp311-manylinux_2_28_x86_64.whl
iree_base_runtime-3.1.0-cp311-cp311-manylinux_2_28_x86_64.whl" "retagged wheels"

t_case "--dry-run prints the whole plan and changes nothing"
run_in retagged.json gh-release promote --from $RC --copy 'iree-dist-*-linux-*.tar.xz' --notes-file notes.md --dry-run
expect_rc 0
expect_schema gh-release.output
expect_eq "$(json_get '["plan"]["tag"]')" v3.1.0 "tag"
expect_eq "$(json_get '["plan"]["candidate"]["commit"]')" $RC_SHA "commit"
expect_eq "$(json_get '["plan"]["release"]["name"]')" "Release v3.1.0" "title"
expect_eq "$(json_get '["plan"]["release"]["prerelease"]')" false "prerelease"
expect_eq "$(json_get '["plan"]["release"]["make_latest"]')" true "latest"
expect_eq "$(json_py '[a["name"] for a in d["plan"]["copy"]]')" \
    '["iree-dist-3.1.0rc20241119-linux-x86_64.tar.xz", "iree-dist-3.1.0rc20241119-linux-aarch64.tar.xz"]' "copies"
expect_eq "$(json_py '[(u["name"], u["action"]) for u in d["plan"]["upload"]]')" \
    '[["iree_base_compiler-3.1.0-cp311-cp311-manylinux_2_28_x86_64.whl", "upload"], ["iree_base_runtime-3.1.0-cp311-cp311-manylinux_2_28_x86_64.whl", "upload"]]' "uploads"
expect_eq "$(stable)" 0 "no release"
expect_eq "$(tag_exists v3.1.0)" no "no tag"

t_case "promote: v3.1.0 at the candidate's commit, assets copied and uploaded, stable, latest"
run_in retagged.json gh-release promote --from $RC --copy 'iree-dist-*-linux-*.tar.xz' --notes-file notes.md
expect_rc 0
expect_schema gh-release.output
expect_eq "$(stable)" "1 Release v3.1.0 False False True" "count name draft prerelease latest"
expect_eq "$(emu_py 'print(repo()["refs"]["refs/tags/v3.1.0"])')" $RC_SHA "tag commit"
expect_eq "$(emu_py 'print(releases("v3.1.0")[0]["body"])')" "$(cat notes.md)" "notes"
expect_eq "$(stable_assets)" "$(for f in iree-dist-3.1.0rc20241119-linux-aarch64.tar.xz iree-dist-3.1.0rc20241119-linux-x86_64.tar.xz; do echo "$f $(rc_digest $f)"; done
    for f in final/*.whl; do echo "$(basename "$f") $(sha256 "$f")"; done)" "assets"
expect_eq "$(json_get '["version"]')" 3.1.0 "version"
expect_eq "$(json_get '["candidate"]["tag"]')" $RC "candidate"
expect_eq "$(emu_py 'r=releases(A[0])[0]; print(r["prerelease"], len(r["assets"]))' $RC)" "True 5" "candidate untouched"

t_case "the stable release's wheels say 3.1.0 and pass verify"
run gh-release download --tag v3.1.0 -D stable '*.whl'
expect_rc 0
expect_eq "$("$RELKIT_PYTHON" -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1]); m = [n for n in z.namelist() if n.endswith("/METADATA")][0]
print([l for l in z.read(m).decode().splitlines() if l.startswith("Version:")][0])' stable/iree_base_runtime-3.1.0-*.whl)" \
    "Version: 3.1.0" "METADATA"
run gh-release verify --tag v3.1.0
expect_rc 0
expect_eq "$(json_get '["verify"]["ok"]')" 4 "verified"

t_case "run again: nothing transferred, nothing changed"
id=$(emu_py 'print(releases("v3.1.0")[0]["id"])')
emu_log_clear
run_in retagged.json gh-release promote --from $RC --copy 'iree-dist-*-linux-*.tar.xz' --notes-file notes.md
expect_rc 0
expect_eq "$(json_get '["release"]["id"]')" "$id" "release id"
expect_eq "$(json_py '[a["action"] for a in d["assets"]]')" '["skipped", "skipped", "skipped", "skipped"]' "actions"
expect_eq "$(emu_py 'print(sum(1 for e in L if e["listener"] != "api"))')" 0 "uploads and downloads"
expect_eq "$(stable)" "1 Release v3.1.0 False False True" "release"

t_case "a promotion killed midway is finished by the next run, and not public before"
for delay in 0.4 0.9; do
    emu_reset
    emu POST /config '{"latency_ms": 150}' >/dev/null
    gh-release promote --from $RC --copy 'iree-dist-*-linux-*.tar.xz' --notes-file notes.md -q <retagged.json >/dev/null 2>&1 &
    pid=$!
    sleep $delay
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    emu POST /config '{"latency_ms": 0}' >/dev/null
    state=$(stable)
    case $state in
    0 | "1 Release v3.1.0 True False False") ;;
    *) t_fail "after a kill at ${delay}s the release is visible unfinished: $state" ;;
    esac
    run_in retagged.json gh-release promote --from $RC --copy 'iree-dist-*-linux-*.tar.xz' --notes-file notes.md
    expect_rc 0
    expect_eq "$(stable)" "1 Release v3.1.0 False False True" "release after the re-run"
    expect_eq "$(stable_assets | wc -l)" 4 "assets"
done

t_case "the stable tag already at another commit is refused"
emu_reset
C1=2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e
curl -fsS -X POST -H "Authorization: Bearer $GH_TOKEN" "$GITHUB_API_URL/repos/iree-org/iree/git/refs" \
    -d "{\"ref\": \"refs/tags/v3.1.0\", \"sha\": \"$C1\"}" >/dev/null
run_in retagged.json gh-release promote --from $RC --copy 'iree-dist-*-linux-*.tar.xz'
expect_rc 4
expect_err "tag 'v3.1.0' exists at 2b3c4d5e6f70, not at 3ed07da0e5d2"
expect_eq "$(stable)" 0 "no release"

t_case "a --copy pattern matching nothing is refused before anything is created"
emu_reset
run_in retagged.json gh-release promote --from $RC --copy 'iree-dist-*-macos-*.tar.xz'
expect_rc 4
expect_err "no asset of '$RC' matches --copy 'iree-dist-*-macos-*.tar.xz'"
expect_eq "$(tag_exists v3.1.0)" no "no tag"

t_case "--release-version and --tag override the derived ones"
run_in retagged.json gh-release promote --from $RC --release-version 3.1.0.post1 --tag v3.1.0-p1 --dry-run
expect_rc 0
expect_eq "$(json_get '["plan"]["tag"]')" v3.1.0-p1 "tag"
expect_eq "$(json_get '["plan"]["release"]["name"]')" "Release v3.1.0.post1" "title"
# the version: --release-version, else the context's "version" (mk-candidate-tag's), else the
# retagged wheels' common version, else the candidate tag's
with_ctx() { "$RELKIT_PYTHON" -c 'import json, sys
d = json.load(open("retagged.json")); exec(sys.argv[1]); print(json.dumps(d))' "$1" >ctx.json; }

t_case "the context's \"version\" (a candidate version) gives the stable version"
with_ctx 'd["version"] = "3.2.0.dev2024111901"'
run_in ctx.json gh-release promote --from $RC --dry-run
expect_rc 0
expect_eq "$(json_get '["plan"]["tag"]')" v3.2.0 "tag"
expect_eq "$(json_get '["plan"]["release"]["name"]')" "Release v3.2.0" "title"

t_case "--release-version wins over the context's \"version\""
run_in ctx.json gh-release promote --from $RC --release-version 3.2.1 --dry-run
expect_rc 0
expect_eq "$(json_get '["plan"]["tag"]')" v3.2.1 "tag"

t_case "an invalid \"version\" in the context is refused"
with_ctx 'd["version"] = "three"'
run_in ctx.json gh-release promote --from $RC --dry-run
expect_rc 3
expect_error_line gh-release
expect_err "the context's \"version\": invalid version 'three'"

t_case "without a context version: the version the retagged wheels all have"
with_ctx 'for w in d["wheels"]: w["version"] = "3.1.1"'
run_in ctx.json gh-release promote --from $RC --dry-run
expect_rc 0
expect_eq "$(json_get '["plan"]["tag"]')" v3.1.1 "tag"

t_case "wheels with different versions: the candidate tag's"
with_ctx 'd["wheels"][0]["version"] = "3.1.1"'
run_in ctx.json gh-release promote --from $RC --dry-run
expect_rc 0
expect_eq "$(json_get '["plan"]["tag"]')" v3.1.0 "tag"
t_done
