#!/usr/bin/env bash
# gh-release upload against the GitHub emulator (seed ghr_basic): idempotent uploads (same
# bytes skipped, other bytes refused or swapped in with --clobber), labels, content types,
# sidecars, files from the context, broken uploads and swap leftovers cleaned, null digests,
# faults (5xx, resets, secondary rate limits) survived without duplicates.
. "$RELKIT_SRC/tests/e2e/gh_release_lib.bash"
ghr_with_emulator ghr_basic "$@"
. "$RELKIT_SRC/tests/lib/common.sh"

C4=d342c42d418a82e800bdbbe6d78f434d06037f61
D=$T_TMP/files
mkdir -p "$D"
for i in 1 2 3; do mkfile "$D/part-$i.bin" $((100000 * i)); done
echo "hello" >"$D/readme.txt"
gh-release create up-1 --target $C4 --draft -q </dev/null >/dev/null
uploads_sent() { emu_py 'print(sum(1 for e in L if e["listener"] == "uploads"))'; }

t_case "upload new files: each once, digests match"
run gh-release upload --tag up-1 "$D"/part-*.bin "$D/readme.txt"
expect_rc 0
expect_schema gh-release.output
expect_assets up-1 "part-1.bin uploaded 100000
part-2.bin uploaded 200000
part-3.bin uploaded 300000
readme.txt uploaded 6"
expect_eq "$(json_py '[a["action"] for a in d["assets"]]')" '["uploaded", "uploaded", "uploaded", "uploaded"]' "actions"
expect_eq "$(json_get '["assets"][1]["sha256"]')" "$(sha256 "$D/part-2.bin")" "digest"

t_case "run again: everything skipped, nothing uploaded"
emu_log_clear
run gh-release upload --tag up-1 "$D"/part-*.bin "$D/readme.txt"
expect_rc 0
expect_eq "$(json_py '[a["action"] for a in d["assets"]]')" '["skipped", "skipped", "skipped", "skipped"]' "actions"
expect_eq "$(uploads_sent)" 0 "upload requests"

t_case "other bytes under an existing name are refused without --clobber"
echo "changed" >"$D/readme.txt"
run gh-release upload --tag up-1 "$D/readme.txt"
expect_rc 4
expect_err "asset 'readme.txt' exists with other bytes"
expect_err "use --clobber"
expect_assets up-1 "part-1.bin uploaded 100000
part-2.bin uploaded 200000
part-3.bin uploaded 300000
readme.txt uploaded 6"

t_case "--clobber swaps the new bytes in, leaving no temporary asset"
run gh-release upload --tag up-1 --clobber "$D/readme.txt"
expect_rc 0
expect_eq "$(json_get '["assets"][0]["action"]')" replaced "action"
expect_eq "$(json_get '["assets"][0]["sha256"]')" "$(sha256 "$D/readme.txt")" "digest"
expect_assets up-1 "part-1.bin uploaded 100000
part-2.bin uploaded 200000
part-3.bin uploaded 300000
readme.txt uploaded 8"

t_case "labels (FILE#LABEL) and content types"
run gh-release upload --tag up-1 "$D/part-1.bin#First part" "$D/readme.txt"
expect_rc 0
expect_eq "$(json_get '["assets"][0]["action"]')" relabeled "action"
expect_eq "$(emu_py 'print([(a["label"], a["content_type"]) for a in assets("up-1") if a["name"] in ("part-1.bin", "readme.txt")])')" \
    "[('First part', 'application/octet-stream'), (None, 'text/plain')]" "label, content type"

t_case "--content-type applies to every file"
echo '{}' >"$D/data.json"
cp "$D/readme.txt" "$D/notes.weird"
run gh-release upload --tag up-1 --content-type application/x-test "$D/notes.weird"
expect_rc 0
expect_eq "$(emu_py 'print([a["content_type"] for a in assets("up-1") if a["name"] == "notes.weird"][0])')" application/x-test "type"

t_case "globs are expanded"
run gh-release upload --tag up-1 "$D/*.json"
expect_rc 0
expect_eq "$(json_get '["assets"][0]["name"]')" data.json "name"

t_case "files from the context (download's output, also as a bare array)"
gh-release create up-2 --target $C4 --draft -q </dev/null >/dev/null
printf '[{"path": "%s", "name": "renamed.bin"}, "%s"]' "$D/part-1.bin" "$D/part-2.bin" >"$T_TMP/files.json"
run_in "$T_TMP/files.json" gh-release upload --tag up-2
expect_rc 0
expect_assets up-2 "part-2.bin uploaded 200000
renamed.bin uploaded 100000"

t_case "wheels from wheel-retag's output: uploaded under their filename"
mkdir -p "$T_TMP/final"
mkfile "$T_TMP/final/x.whl" 5000
echo '{"wheels": [{"input": "a", "output": "'"$T_TMP/final/x.whl"'", "filename": "pkg-1.0-py3-none-any.whl", "name": "pkg"}], "files": [{"path": "/nonexistent"}]}' >"$T_TMP/w.json"
run_in "$T_TMP/w.json" gh-release upload --tag up-2
expect_rc 0
expect_eq "$(json_get '["assets"][0]["name"]')" pkg-1.0-py3-none-any.whl "asset name"

t_case "--metadata uploads index-gen's .metadata sidecars next to wheels"
mkdir -p "$T_TMP/whl"
mkfile "$T_TMP/whl/demo-1.0-py3-none-any.whl" 3000
printf 'Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n' >"$T_TMP/whl/demo-1.0-py3-none-any.whl.metadata"
run gh-release upload --tag up-2 --metadata "$T_TMP/whl/demo-1.0-py3-none-any.whl"
expect_rc 0
expect_eq "$(json_py '[a["name"] for a in d["assets"]]')" \
    '["demo-1.0-py3-none-any.whl", "demo-1.0-py3-none-any.whl.metadata"]' "assets"

t_case "--metadata without files: index-gen's .metadata files, each to its release"
mkdir -p "$T_TMP/idx"
printf 'Metadata-Version: 2.1\nName: a\nVersion: 1\n' >"$T_TMP/idx/a-1-py3-none-any.whl.metadata"
printf 'Metadata-Version: 2.1\nName: b\nVersion: 2\n' >"$T_TMP/idx/b-2-py3-none-any.whl.metadata"
cat >"$T_TMP/index.json" <<EOF
{"files": [{"path": "/nonexistent"}], "index": {"metadata_uploads": [
  {"repo": "relkit-test/ghr", "tag": "up-1", "files": [{"path": "$T_TMP/idx/a-1-py3-none-any.whl.metadata", "name": "a-1-py3-none-any.whl.metadata", "size": 42, "sha256": "x"}]},
  {"repo": null, "tag": "up-2", "files": [{"path": "$T_TMP/idx/b-2-py3-none-any.whl.metadata", "name": "b-2-py3-none-any.whl.metadata"}]}]}}
EOF
run_in "$T_TMP/index.json" gh-release upload --metadata
expect_rc 0
expect_schema gh-release.output
expect_eq "$(json_py '[(a["tag"], a["name"], a["action"]) for a in d["assets"]]')" \
    '[["up-1", "a-1-py3-none-any.whl.metadata", "uploaded"], ["up-2", "b-2-py3-none-any.whl.metadata", "uploaded"]]' "assets"
expect_eq "$(emu_py 'print([a["content_type"] for a in assets("up-2") if a["name"].startswith("b-2")][0])')" text/plain "type"
run_in "$T_TMP/index.json" gh-release upload --metadata
expect_eq "$(json_py '[a["action"] for a in d["assets"]]')" '["skipped", "skipped"]' "second run"

t_case "a broken partial upload left by an earlier run is deleted and redone"
printf 'truncated upload!' >"$T_TMP/half.bin"
run gh-release upload --tag v1.1.0 "$T_TMP/half.bin"
expect_rc 0
expect_err "removing the broken upload of 'half.bin'"
expect_assets v1.1.0 "a.txt uploaded 2
half.bin uploaded 17"

t_case "leftovers of a killed --clobber swap are put right"
# seed: x.txt was moved aside (ghr-old--x.txt) with the new bytes in ghr-tmp--x.txt; y.txt
# took its new bytes but ghr-old--y.txt was not deleted yet; z.txt is not part of this upload
printf 'new x\n' >"$T_TMP/x.txt"
printf 'new y\n' >"$T_TMP/y.txt"
run gh-release upload --tag v1.2.0 --clobber "$T_TMP/x.txt" "$T_TMP/y.txt"
expect_rc 0
expect_err "restoring 'x.txt' from an interrupted replacement"
expect_assets v1.2.0 "ghr-tmp--z.txt uploaded 5
x.txt uploaded 6
y.txt uploaded 6"
expect_eq "$(json_py '[a["action"] for a in d["assets"]]')" '["replaced", "skipped"]' "actions"
expect_eq "$(emu_py 'print([a["digest"][7:] for a in assets("v1.2.0") if a["name"] == "x.txt"][0])')" \
    "$(sha256 "$T_TMP/x.txt")" "x.txt bytes"

t_case "an asset without a digest and the same bytes is skipped (its bytes are hashed)"
"$RELKIT_PYTHON" -c 'import sys; open(sys.argv[1], "w").write("no digest here\n" * 10)' "$T_TMP/nodigest.bin"
run gh-release upload --tag assets-1 "$T_TMP/nodigest.bin"
expect_rc 0
expect_eq "$(json_get '["assets"][0]["action"]')" skipped "action"

t_case "an asset without a digest and other bytes of the same size is refused"
"$RELKIT_PYTHON" -c 'import sys; open(sys.argv[1], "w").write("No digest here\n" * 10)' "$T_TMP/nodigest.bin"
run gh-release upload --tag assets-1 "$T_TMP/nodigest.bin"
expect_rc 4
expect_err "exists with other bytes"

t_case "--dry-run plans and uploads nothing"
emu_log_clear
mkfile "$T_TMP/new.bin" 1000
run gh-release upload --tag up-1 --dry-run "$T_TMP/new.bin" "$D/part-1.bin"
expect_rc 0
expect_schema gh-release.output
expect_eq "$(json_py '[p["action"] for p in d["plan"]]')" '["upload", "skip"]' "plan"
expect_eq "$(uploads_sent)" 0 "upload requests"

t_case "no release for the tag"
run gh-release upload --tag nope-1 "$D/part-1.bin"
expect_rc 4
expect_err "no release for tag 'nope-1'"

t_case "a read-only token is refused"
GH_TOKEN=ghp_relkitREADONLY0000000000000 run gh-release upload --tag up-1 "$T_TMP/new.bin"
expect_rc 4

t_case "uploads survive 5xx, connection resets, 429 and secondary rate limits"
gh-release create up-3 --target $C4 --draft -q </dev/null >/dev/null
mkdir -p "$T_TMP/many"
for i in $(seq 1 12); do mkfile "$T_TMP/many/f$i.bin" 200000; done
emu_faults '[{"kind": "reset", "listener": "uploads", "count": 3},
  {"kind": "5xx", "status": 502, "listener": "uploads", "after": 4, "count": 2},
  {"kind": "5xx", "status": 500, "listener": "uploads", "after": 8, "count": 1},
  {"kind": "429", "listener": "uploads", "after": 10, "count": 1, "retry_after": 1},
  {"kind": "secondary", "listener": "uploads", "after": 12, "count": 1, "retry_after": 1},
  {"kind": "5xx", "route": "/assets", "listener": "api", "count": 1}]'
run gh-release upload --tag up-3 -j 4 "$T_TMP/many"/*.bin
expect_rc 0
emu_no_faults
expect_eq "$(emu_py 'print(len(assets("up-3")), len(set(a["name"] for a in assets("up-3"))), all(a["state"] == "uploaded" for a in assets("up-3")))')" \
    "12 12 True" "count, distinct, complete"
expect_eq "$(emu_py 'import hashlib; print(sorted(set(a["digest"] for a in assets("up-3"))) == sorted(set(A)))' \
    $(for f in "$T_TMP/many"/*.bin; do echo "sha256:$(sha256 "$f")"; done))" True "digests"
[ "$(json_get '["gh_release"]["retries"]')" -gt 0 ] || t_fail "no retry happened"

t_case "a 5xx that outlasts the retries is exit 5"
emu_faults '[{"kind": "5xx", "status": 503, "listener": "uploads", "count": -1}]'
RELKIT_HTTP_MAX_ATTEMPTS=2 run gh-release upload --tag up-3 "$T_TMP/new.bin"
expect_rc 5
emu_no_faults
t_done
