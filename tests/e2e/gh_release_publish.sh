#!/usr/bin/env bash
# gh-release publish (IREE's validate-and-publish): every expected pattern must match a
# complete asset, else exit 1 with exactly what is missing and the draft left alone; otherwise
# the draft is published with its pre-release flag kept.
. "$RELKIT_SRC/tests/e2e/gh_release_lib.bash"
ghr_with_emulator ghr_basic "$@"
. "$RELKIT_SRC/tests/lib/common.sh"

C4=d342c42d418a82e800bdbbe6d78f434d06037f61
mkdir -p "$T_TMP/dist"
mkfile "$T_TMP/dist/iree_base_compiler-3.1.0rc20990101-cp311-cp311-manylinux_2_28_x86_64.whl" 2000
mkfile "$T_TMP/dist/iree-dist-3.1.0rc20990101-linux-x86_64.tar.xz" 3000
gh-release create pub-1 --target $C4 --draft --prerelease -q </dev/null >/dev/null
gh-release upload --tag pub-1 -q "$T_TMP/dist"/* </dev/null >/dev/null
draft() { emu_py 'print(releases(A[0])[0]["draft"])' "$1"; }

t_case "missing assets: exit 1, each missing pattern printed, still a draft"
run gh-release publish pub-1 --expect '*.whl' --expect 'iree-dist-*-linux-aarch64.tar.xz' --expect '*.zip'
expect_rc 1
expect_schema gh-release.output
expect_err "missing: no complete asset matches 'iree-dist-*-linux-aarch64.tar.xz'"
expect_err "missing: no complete asset matches '*.zip'"
expect_err "release 'pub-1' lacks 2 expected assets: not published"
expect_eq "$(json_get '["missing"]')" '["iree-dist-*-linux-aarch64.tar.xz", "*.zip"]' "missing"
expect_eq "$(draft pub-1)" True "draft"

t_case "a manifest file (comments and blank lines ignored)"
printf '# IREE nightly\n\niree_base_compiler-*-manylinux_2_28_x86_64.whl\n  iree-dist-*-linux-x86_64.tar.xz  \niree_base_runtime-*.whl\n' >"$T_TMP/manifest.txt"
run gh-release publish pub-1 --manifest "$T_TMP/manifest.txt"
expect_rc 1
expect_eq "$(json_get '["missing"]')" '["iree_base_runtime-*.whl"]' "missing"
expect_eq "$(json_get '["expected"]')" \
    '["iree_base_compiler-*-manylinux_2_28_x86_64.whl", "iree-dist-*-linux-x86_64.tar.xz", "iree_base_runtime-*.whl"]' "expected"

t_case "a broken (partial) upload does not count"
run gh-release publish v1.1.0 --expect 'half.bin' --expect 'a.txt'
expect_rc 1
expect_eq "$(json_get '["missing"]')" '["half.bin"]' "missing"

t_case "--dry-run: would publish, stays a draft"
run gh-release publish pub-1 --expect '*.whl' --expect '*.tar.xz' --dry-run
expect_rc 0
expect_eq "$(json_get '["plan"]["action"]')" would-publish "plan"
expect_eq "$(draft pub-1)" True "draft"

t_case "everything there: published, pre-release kept, tag created"
run gh-release publish pub-1 --expect '*.whl' --expect '*.tar.xz'
expect_rc 0
expect_schema gh-release.output
expect_eq "$(json_get '["gh_release"]["action"]')" published "action"
expect_eq "$(json_get '["missing"]')" '[]' "missing"
expect_eq "$(emu_py 'r=releases("pub-1")[0]; print(r["draft"], r["prerelease"])')" "False True" "draft prerelease"
expect_eq "$(tag_exists pub-1)" yes "tag"

t_case "run again: already published, only checked"
run gh-release publish pub-1 --expect '*.whl'
expect_rc 0
expect_eq "$(json_get '["gh_release"]["action"]')" already-published "action"

t_case "the release from the context, without expectations (a warning)"
gh-release create pub-2 --target $C4 --draft -q </dev/null >"$T_TMP/ctx.json"
run_in "$T_TMP/ctx.json" gh-release publish
expect_rc 0
expect_err "publishing without checking the assets"
expect_eq "$(draft pub-2)" False "draft"

t_case "--latest false on a stable release"
gh-release create pub-3 --target $C4 --draft -q </dev/null >/dev/null
run gh-release publish pub-3 --latest false
expect_rc 0
expect_eq "$(emu_py 'r=repo(); print(r["latest_release_id"] == releases("pub-3")[0]["id"])')" False "latest"

t_case "no release for the tag"
run gh-release publish nope-2 --expect '*'
expect_rc 4
expect_err "no release for tag 'nope-2'"

t_case "a manifest that cannot be read"
run gh-release publish pub-1 --manifest "$T_TMP/none.txt"
expect_rc 6
expect_err "unable to open '$T_TMP/none.txt'"
t_done
