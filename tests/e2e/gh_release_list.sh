#!/usr/bin/env bash
# gh-release list / view / verify against the emulator (seed ghr_basic): filters (tag regex,
# draft / pre-release / stable, age, limit), drafts seen only with push access, one release with
# its assets, and digests checked against the assets' bytes or local files.
. "$RELKIT_SRC/tests/e2e/gh_release_lib.bash"
ghr_with_emulator ghr_basic "$@"
. "$RELKIT_SRC/tests/lib/common.sh"

tags() { json_py '[r["tag"] for r in d["releases"]]'; }

t_case "list: every release, drafts included, newest first"
run gh-release list
expect_rc 0
expect_schema gh-release.output
expect_eq "$(tags)" '["v1.2.0", "v1.1.0", "assets-1", "nightly-20990101", "nightly-20250501", "nightly-20250401", "nightly-20250301", "v1.0.0", "nightly-20250110", "other-20250101", "v0.9.0"]' "tags"

t_case "--tag-regex"
run gh-release list --tag-regex '^nightly-2025[0-9]+$'
expect_rc 0
expect_eq "$(tags)" '["nightly-20250501", "nightly-20250401", "nightly-20250301", "nightly-20250110"]' "tags"

t_case "--prerelease: published pre-releases"
run gh-release list --prerelease --tag-regex '^nightly'
expect_rc 0
expect_eq "$(tags)" '["nightly-20990101", "nightly-20250501", "nightly-20250401", "nightly-20250301"]' "tags"

t_case "--draft and --stable add up"
run gh-release list --draft --stable
expect_rc 0
expect_eq "$(tags)" '["v1.2.0", "v1.1.0", "v1.0.0", "nightly-20250110", "v0.9.0"]' "tags"

t_case "--older-than and --newer-than (age from publication)"
run gh-release list --older-than 3650d
expect_rc 0
expect_eq "$(tags)" '[]' "older than 10 years"
run gh-release list --newer-than 1d
expect_rc 0
expect_eq "$(tags)" '["v1.2.0", "v1.1.0", "assets-1", "nightly-20990101"]' "newer than a day (dated 2099)"

t_case "--limit"
run gh-release list --limit 2
expect_rc 0
expect_eq "$(tags)" '["v1.2.0", "v1.1.0"]' "tags"

t_case "a token without push access does not see drafts"
GH_TOKEN=ghp_relkitREADONLY0000000000000 run gh-release list --draft
expect_rc 0
expect_eq "$(tags)" '[]' "drafts"

t_case "an invalid --tag-regex"
run gh-release list --tag-regex '(['
expect_rc 2
expect_err "invalid --tag-regex '(['"

t_case "view a draft: the release and its assets"
run gh-release view v1.1.0
expect_rc 0
expect_schema gh-release.output
expect_eq "$(json_get '["release"]["draft"]')" true "draft"
expect_eq "$(json_get '["release"]["latest"]')" false "latest"
expect_eq "$(json_py '[(a["name"], a["state"]) for a in d["assets"]]')" '[["a.txt", "uploaded"], ["half.bin", "starter"]]' "assets"

t_case "view the latest release"
run gh-release view --tag v1.0.0
expect_rc 0
expect_eq "$(json_get '["release"]["latest"]')" true "latest"
expect_eq "$(json_get '["release"]["body"]')" "first stable" "body"
expect_eq "$(json_get '["assets"][0]["label"]')" Notes "label"

t_case "view a tag without a release"
run gh-release view nothing-here
expect_rc 4
expect_err "no release for tag 'nothing-here'"

t_case "verify the assets' bytes: a corrupted asset is a mismatch (exit 1)"
run gh-release verify --tag assets-1
expect_rc 1
expect_schema gh-release.output
expect_eq "$(json_py '[(a["name"], a["status"]) for a in d["assets"]]')" \
    '[["good.bin", "ok"], ["nodigest.bin", "unverified"], ["corrupt.bin", "mismatch"], ["pkg-1.0-py3-none-any.whl", "ok"]]' "statuses"
expect_eq "$(json_get '["verify"]')" '{"ok": 2, "mismatch": 1, "missing": 0, "missing-local": 0, "unverified": 1}' "counts"
expect_err "'corrupt.bin': sha256 "
expect_err "does not match the digest"
# one error line per problem; the count is information
expect_eq "$(grep -c ': error: ' <<<"$T_ERR")" 1 "error lines"
expect_eq "$(grep -c '^gh-release: 1 mismatched, 0 missing$' <<<"$T_ERR")" 1 "count line"

t_case "verify only some assets (--pattern)"
run gh-release verify --tag assets-1 -p 'good.*' -p '*.whl'
expect_rc 0
expect_eq "$(json_get '["verify"]["ok"]')" 2 "ok"

t_case "verify local files against the digests"
"$RELKIT_PYTHON" -c 'import sys; open(sys.argv[1], "w").write("good bytes\n" * 100)' "$T_TMP/good.bin"
"$RELKIT_PYTHON" -c 'import sys; open(sys.argv[1], "w").write("no digest here\n" * 10)' "$T_TMP/nodigest.bin"
run gh-release verify --tag assets-1 "$T_TMP/good.bin" "$T_TMP/nodigest.bin"
expect_rc 0
expect_eq "$(json_py '[a["status"] for a in d["assets"]]')" '["ok", "ok"]' "statuses"

t_case "a local file that differs, and one with no asset"
echo "other" >"$T_TMP/good.bin"
echo "x" >"$T_TMP/stray.bin"
run gh-release verify --tag assets-1 "$T_TMP/good.bin" "$T_TMP/stray.bin"
expect_rc 1
expect_eq "$(json_py '[a["status"] for a in d["assets"]]')" '["mismatch", "missing"]' "statuses"
expect_eq "$(grep ': error: ' <<<"$T_ERR")" "gh-release: error: 'good.bin': mismatch
gh-release: error: 'stray.bin': missing" "error lines"
expect_err "1 mismatched, 1 missing"

t_case "verify a download directory (--dir)"
gh-release download --tag assets-1 -D "$T_TMP/dl" good.bin nodigest.bin '*.whl' </dev/null >/dev/null 2>&1
run gh-release verify --tag assets-1 --dir "$T_TMP/dl"
expect_rc 1
expect_eq "$(json_py '[(a["name"], a["status"]) for a in d["assets"]]')" \
    '[["good.bin", "ok"], ["nodigest.bin", "ok"], ["corrupt.bin", "missing-local"], ["pkg-1.0-py3-none-any.whl", "ok"]]' "statuses"
t_done
