#!/usr/bin/env bash
# gh-release download: every file checked against the asset's digest before it is renamed into
# place (a corrupted asset is exit 1 and leaves no file), null digests handled, files already
# there kept, a killed download resumed from its .part file, the token never sent to the asset
# host, and the JSON "files" list printed for wheel-retag.
. "$RELKIT_SRC/tests/e2e/gh_release_lib.bash"
ghr_with_emulator ghr_basic "$@"
. "$RELKIT_SRC/tests/lib/common.sh"

O=$T_TMP/out
good_sha=$("$RELKIT_PYTHON" -c 'import hashlib; print(hashlib.sha256(b"good bytes\n" * 100).hexdigest())')
downloads() { emu_py 'print(sum(1 for e in L if e["listener"] == "downloads"))'; }

t_case "download by patterns: files checked and listed"
run gh-release download --tag assets-1 -D "$O" 'good.*' -p '*.whl'
expect_rc 0
expect_schema gh-release.output
expect_eq "$(json_py '[(f["name"], f["action"]) for f in d["files"]]')" \
    '[["good.bin", "downloaded"], ["pkg-1.0-py3-none-any.whl", "downloaded"]]' "files"
expect_eq "$(sha256 "$O/good.bin")" "$good_sha" "good.bin"
expect_eq "$(json_get '["files"][0]["sha256"]')" "$good_sha" "listed sha256"
expect_eq "$(json_get '["files"][0]["path"]')" "$O/good.bin" "listed path"
expect_eq "$(ls -A "$O" | wc -l)" 2 "files in the directory"

t_case "the token never goes to the asset host"
expect_eq "$(emu_py 'print(sum(1 for e in L if e["listener"] == "downloads" and e["authorization"]))')" 0 "downloads with Authorization"
expect_eq "$(emu GET /stats | "$RELKIT_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["downloads_rejected_authorization"])')" 0 "rejected"

t_case "run again: files with the right digest are kept, nothing downloaded"
emu_log_clear
run gh-release download --tag assets-1 -D "$O" 'good.*' '*.whl'
expect_rc 0
expect_eq "$(json_py '[f["action"] for f in d["files"]]')" '["kept", "kept"]' "actions"
expect_eq "$(downloads)" 0 "downloads"

t_case "a corrupted asset is rejected: exit 1, no file kept"
run gh-release download --tag assets-1 -D "$O" corrupt.bin
expect_rc 1
expect_err "'corrupt.bin': sha256"
expect_err "does not match the digest"
expect_eq "$(json_get '["rejected"]')" '["corrupt.bin"]' "rejected"
expect_eq "$(json_get '["files"]')" '[]' "files"
expect_no_file "$O/corrupt.bin"
expect_eq "$(ls -A "$O" | grep -c part)" 0 ".part files"

t_case "an asset without a digest: downloaded, its size checked"
run gh-release download --tag assets-1 -D "$O" -v nodigest.bin
expect_rc 0
expect_err "'nodigest.bin' has no digest on GitHub: checked its size only"
expect_eq "$(cat "$O/nodigest.bin" | head -n 1)" "no digest here" "content"

t_case "an asset without a digest, already here: its bytes are compared, the file kept"
run gh-release download --tag assets-1 -D "$O" nodigest.bin
expect_rc 0
expect_eq "$(json_get '["files"][0]["action"]')" kept "action"

t_case "a local file with other bytes is refused without --clobber"
echo "local edit" >"$O/good.bin"
run gh-release download --tag assets-1 -D "$O" good.bin
expect_rc 6
expect_err "exists with other bytes: use --clobber"
expect_eq "$(cat "$O/good.bin")" "local edit" "untouched"

t_case "--clobber replaces it"
run gh-release download --tag assets-1 -D "$O" --clobber good.bin
expect_rc 0
expect_eq "$(sha256 "$O/good.bin")" "$good_sha" "good.bin"

t_case "a download killed midway resumes from its .part file"
rm -f "$O/good.bin"
id=$(emu_py 'print([a["id"] for a in assets("assets-1") if a["name"] == "good.bin"][0])')
head -c 300 <<<"$("$RELKIT_PYTHON" -c 'print("good bytes\n" * 100, end="")')" >"$O/.good.bin.$id.part"
emu_log_clear
run gh-release download --tag assets-1 -D "$O" -v good.bin
expect_rc 0
expect_err "resuming 'good.bin' after 300 bytes"
expect_eq "$(emu_py 'print([e["bytes_out"] for e in L if e["listener"] == "downloads"])')" "[800]" "bytes sent"
expect_eq "$(sha256 "$O/good.bin")" "$good_sha" "good.bin"
expect_no_file "$O/.good.bin.$id.part"

t_case "a .part file with wrong bytes fails the digest check and is removed"
rm -f "$O/good.bin"
printf 'XXXXXXXXXX' >"$O/.good.bin.$id.part"
run gh-release download --tag assets-1 -D "$O" good.bin
expect_rc 1
expect_no_file "$O/good.bin"
expect_no_file "$O/.good.bin.$id.part"
run gh-release download --tag assets-1 -D "$O" good.bin
expect_rc 0
expect_eq "$(sha256 "$O/good.bin")" "$good_sha" "good.bin after a fresh download"

t_case "resets and 5xx on the asset host are retried"
rm -rf "$O"
emu_faults '[{"kind": "reset", "listener": "downloads", "count": 1, "reset_after_bytes": 100},
  {"kind": "5xx", "status": 503, "listener": "downloads", "after": 2, "count": 1}]'
run gh-release download --tag assets-1 -D "$O" good.bin '*.whl' nodigest.bin
expect_rc 0
emu_no_faults
expect_eq "$(sha256 "$O/good.bin")" "$good_sha" "good.bin"

t_case "a download refused by the asset host: exit 4, no file and no .part file left"
rm -rf "$O"
emu_faults '[{"kind": "5xx", "status": 403, "listener": "downloads", "count": 1}]'
run gh-release download --tag assets-1 -D "$O" good.bin
expect_rc 4
emu_no_faults
expect_err "403 Forbidden"
expect_no_file "$O/good.bin"
expect_eq "$(ls -A "$O" | wc -l)" 0 "files left in the directory"

t_case "a download cut off after its retries: exit 5, the bytes kept in .part for the next run"
rm -rf "$O"
emu_faults '[{"kind": "reset", "listener": "downloads", "count": 1, "reset_after_bytes": 300}]'
RELKIT_HTTP_MAX_ATTEMPTS=1 run gh-release download --tag assets-1 -D "$O" good.bin
expect_rc 5
emu_no_faults
expect_no_file "$O/good.bin"
expect_eq "$(stat -c %s "$O/.good.bin.$id.part" 2>/dev/null)" 300 ".part size"
emu_log_clear
run gh-release download --tag assets-1 -D "$O" -v good.bin
expect_rc 0
expect_err "resuming 'good.bin' after 300 bytes"
expect_eq "$(sha256 "$O/good.bin")" "$good_sha" "good.bin"
expect_eq "$(ls -A "$O")" "good.bin" "files in the directory"

t_case "a pattern matching no asset"
run gh-release download --tag assets-1 -D "$O" '*.dmg'
expect_rc 4
expect_err "no asset matches '*.dmg'"

t_case "--dry-run lists and writes nothing"
run gh-release download --tag v1.0.0 -D "$T_TMP/dry" --dry-run
expect_rc 0
expect_eq "$(json_py '[(p["name"], p["action"]) for p in d["plan"]]')" '[["notes.txt", "download"]]' "plan"
expect_no_file "$T_TMP/dry"

t_case "the release from the context; its files feed an upload"
gh-release create v3.0.0 --target main --draft -q </dev/null >/dev/null
echo '{"tag": "v1.0.0"}' >"$T_TMP/ctx.json"
gh-release download -D "$T_TMP/chain" <"$T_TMP/ctx.json" >"$T_TMP/files.json" 2>/dev/null
run_in "$T_TMP/files.json" gh-release upload --tag v3.0.0
expect_rc 0
expect_assets v3.0.0 "notes.txt uploaded 14"
t_done
