#!/usr/bin/env bash
# tools/gh-release/action.yml run through tests/lib/run_action.py against the emulator: a
# nightly chained through the action's context output (create a draft pre-release, upload,
# validate and publish), the outputs and step summary the tool writes, and a failing step.
. "$RELKIT_SRC/tests/e2e/gh_release_lib.bash"
ghr_with_emulator ghr_basic "$@"
. "$RELKIT_SRC/tests/lib/common.sh"

RA=$RELKIT_SRC/tests/lib/run_action.py
C4=d342c42d418a82e800bdbbe6d78f434d06037f61
mkdir -p "$T_TMP/ws/dist"
mkfile "$T_TMP/ws/dist/pkg-1.0-py3-none-any.whl" 3000
mkfile "$T_TMP/ws/dist/pkg-1.0.tar.gz" 2000
ra() { run "$RELKIT_PYTHON" "$RA" "$RELKIT_SRC/tools/gh-release" --workdir "$T_TMP/ws" \
    --runner-temp "$T_TMP" --github "token=$GH_TOKEN" --github repository=relkit-test/ghr \
    --env "PATH=$PATH" --env "GITHUB_API_URL=$GITHUB_API_URL" "$@"; }
out() { json_get "[\"outputs\"][\"$1\"]"; }

t_case "action create: outputs release-id, tag and the context"
ra --input command=create --input tag=nightly-20990102 --input target=$C4 --input draft=true \
    --input prerelease=true
expect_rc 0
expect_eq "$(out tag)" nightly-20990102 "tag"
id=$(out release-id)
expect_eq "$id" "$(emu_py 'print(releases("nightly-20990102")[0]["id"])')" "release-id"
ctx=$(out context)
T_OUT=$ctx expect_schema gh-release.output
grep -q "### gh-release create" <<<"$(json_get '["summary"]')" || t_fail "no step summary"

t_case "action upload: files one per line, the release from the context"
ra --input command=upload --input "context=$ctx" --input "files=dist/*.whl
dist/pkg-1.0.tar.gz#Source"
expect_rc 0
expect_assets nightly-20990102 "pkg-1.0-py3-none-any.whl uploaded 3000
pkg-1.0.tar.gz uploaded 2000"
ctx=$(out context)

t_case "action publish: expectations one per line"
ra --input command=publish --input "context=$ctx" --input "expect=*.whl
*.tar.gz"
expect_rc 0
expect_eq "$(emu_py 'r=releases("nightly-20990102")[0]; print(r["draft"], r["prerelease"])')" "False True" "published"

t_case "action prune: outputs deleted and deleted-tags"
ra --input command=prune --input older-than=180d --input tag-regex='^(nightly|other)-' \
    --input keep=4 --input cleanup-tag=true
expect_rc 0
expect_eq "$(out deleted)" '["nightly-20250301","other-20250101"]' "deleted"
expect_eq "$(out deleted-tags)" '["nightly-20250301","other-20250101"]' "deleted-tags"
expect_eq "$(tag_exists other-20250101)" no "tag other-20250101"
grep -q "| deleted tag |" <<<"$(json_get '["summary"]')" || t_fail "no deleted tags in the summary"

t_case "action: a failing command fails the step"
ra --input command=publish --input "context=$ctx" --input "expect=*.dmg"
expect_rc 1
t_done
