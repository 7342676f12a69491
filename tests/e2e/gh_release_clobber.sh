#!/usr/bin/env bash
# gh-release upload --clobber under injected failures at each step of the swap (upload of the
# new bytes, renames, delete of the old asset): the release is never left without the asset
# under its name, a failed run is exit 5, and the next run finishes the replacement.
. "$RELKIT_SRC/tests/e2e/gh_release_lib.bash"
ghr_with_emulator ghr_basic "$@"
. "$RELKIT_SRC/tests/lib/common.sh"

C4=d342c42d418a82e800bdbbe6d78f434d06037f61
export RELKIT_HTTP_MAX_ATTEMPTS=3
mkfile "$T_TMP/old.bin" 50000 old
mkfile "$T_TMP/new.bin" 60000 new
mkdir -p "$T_TMP/v1" "$T_TMP/v2"
cp "$T_TMP/old.bin" "$T_TMP/v1/pkg.bin"
cp "$T_TMP/new.bin" "$T_TMP/v2/pkg.bin"
PATCH='PATCH /repos/relkit-test/ghr/releases/assets/'
DELETE='DELETE /repos/relkit-test/ghr/releases/assets/'

digest_of() { emu_py 'print(([(a["digest"] or "-")[7:] for a in assets(A[0]) if a["name"] == A[1] and a["state"] == "uploaded"] + ["none"])[0])' "$1" "$2"; }
fresh() { # tag: a release holding the old pkg.bin
    gh-release create "$1" --target $C4 --draft -q </dev/null >/dev/null
    gh-release upload --tag "$1" -q "$T_TMP/v1/pkg.bin" </dev/null >/dev/null
}
# the old asset is deleted only after the new one holds the name
asset_id() { emu_py 'print([a["id"] for a in assets(A[0]) if a["name"] == A[1]][0])' "$1" "$2"; }
order_ok() { # old-asset-id: it is deleted only after the new asset took the name
    emu_py '
ev = [(e["method"], e["path"].rsplit("/", 1)[-1], e["status"]) for e in L if "/releases/assets/" in e["path"]]
renames = [i for i, (m, _, s) in enumerate(ev) if m == "PATCH" and s == 200]
deletes = [i for i, (m, a, s) in enumerate(ev) if m == "DELETE" and a == A[0]]
ok = all(len(renames) >= 2 and d > renames[1] for d in deletes)
print("ok" if ok else "bad: %s" % ev)' "$1"
}

t_case "the new bytes fail to upload: the old asset is untouched"
fresh c1
emu_faults '[{"kind": "5xx", "status": 502, "listener": "uploads", "count": -1}]'
run gh-release upload --tag c1 --clobber "$T_TMP/v2/pkg.bin"
expect_rc 5
emu_no_faults
expect_eq "$(digest_of c1 pkg.bin)" "$(sha256 "$T_TMP/old.bin")" "pkg.bin"
run gh-release upload --tag c1 --clobber "$T_TMP/v2/pkg.bin"
expect_rc 0
expect_eq "$(digest_of c1 pkg.bin)" "$(sha256 "$T_TMP/new.bin")" "pkg.bin after the re-run"
expect_assets c1 "pkg.bin uploaded 60000"

t_case "the old asset cannot be moved aside: it stays in place"
fresh c2
emu_faults "[{\"kind\": \"5xx\", \"status\": 500, \"route\": \"^$PATCH\", \"count\": -1}]"
run gh-release upload --tag c2 --clobber "$T_TMP/v2/pkg.bin"
expect_rc 5
expect_err "unable to move 'pkg.bin' aside"
emu_no_faults
expect_eq "$(digest_of c2 pkg.bin)" "$(sha256 "$T_TMP/old.bin")" "pkg.bin"
run gh-release upload --tag c2 --clobber "$T_TMP/v2/pkg.bin"
expect_rc 0
expect_assets c2 "pkg.bin uploaded 60000"

t_case "the new asset cannot take the name: the old one is renamed back"
fresh c3
old_id=$(asset_id c3 pkg.bin)
emu_log_clear
# the first PATCH (old -> ghr-old--) passes, the next three (new -> name) fail, the rollback passes
emu_faults "[{\"kind\": \"5xx\", \"status\": 502, \"route\": \"^$PATCH\", \"after\": 1, \"count\": 3}]"
run gh-release upload --tag c3 --clobber "$T_TMP/v2/pkg.bin"
expect_rc 5
expect_err "unable to replace 'pkg.bin' (the old asset is kept)"
emu_no_faults
expect_eq "$(digest_of c3 pkg.bin)" "$(sha256 "$T_TMP/old.bin")" "pkg.bin"
expect_eq "$(order_ok $old_id)" ok "no delete before the swap"
run gh-release upload --tag c3 --clobber "$T_TMP/v2/pkg.bin"
expect_rc 0
expect_assets c3 "pkg.bin uploaded 60000"

t_case "neither rename nor rollback works: the bytes stay, the next run restores and swaps"
fresh c4
emu_faults "[{\"kind\": \"5xx\", \"status\": 502, \"route\": \"^$PATCH\", \"after\": 1, \"count\": -1}]"
run gh-release upload --tag c4 --clobber "$T_TMP/v2/pkg.bin"
expect_rc 5
expect_err "a re-run restores it"
emu_no_faults
expect_eq "$(digest_of c4 ghr-old--pkg.bin)" "$(sha256 "$T_TMP/old.bin")" "old bytes kept aside"
run gh-release upload --tag c4 --clobber "$T_TMP/v2/pkg.bin"
expect_rc 0
expect_err "restoring 'pkg.bin'"
expect_assets c4 "pkg.bin uploaded 60000"
expect_eq "$(digest_of c4 pkg.bin)" "$(sha256 "$T_TMP/new.bin")" "pkg.bin"

t_case "the old asset cannot be deleted: replaced anyway, the next run deletes it"
fresh c5
emu_log_clear
emu_faults "[{\"kind\": \"5xx\", \"status\": 502, \"route\": \"^$DELETE\", \"count\": -1}]"
run gh-release upload --tag c5 --clobber "$T_TMP/v2/pkg.bin"
expect_rc 0
expect_err "a re-run deletes it"
emu_no_faults
expect_eq "$(digest_of c5 pkg.bin)" "$(sha256 "$T_TMP/new.bin")" "pkg.bin"
run gh-release upload --tag c5 --clobber "$T_TMP/v2/pkg.bin"
expect_rc 0
expect_eq "$(json_get '["assets"][0]["action"]')" skipped "action"
expect_assets c5 "pkg.bin uploaded 60000"

t_case "a connection reset mid-upload of the new bytes is retried"
fresh c6
old_id=$(asset_id c6 pkg.bin)
emu_log_clear
emu_faults '[{"kind": "reset", "listener": "uploads", "count": 1}]'
run gh-release upload --tag c6 --clobber "$T_TMP/v2/pkg.bin"
expect_rc 0
emu_no_faults
expect_eq "$(order_ok $old_id)" ok "no delete before the swap"
expect_assets c6 "pkg.bin uploaded 60000"
t_done
