#!/usr/bin/env bash
# GitHub lists at most 1000 releases. With 1010 (seed ghr_cap), list and prune still reach the
# oldest ten (through the repository's tags), and create finds a release beyond the cap.
. "$RELKIT_SRC/tests/e2e/gh_release_lib.bash"
ghr_with_emulator ghr_cap "$@"
. "$RELKIT_SRC/tests/lib/common.sh"
export GITHUB_REPOSITORY=relkit-test/ghr-cap

t_case "list reaches releases past the 1000-release cap"
emu_log_clear
run gh-release list --tag-regex '^nightly-0000[1-5]$'
expect_rc 0
expect_eq "$(json_py 'sorted(r["tag"] for r in d["releases"])')" \
    '["nightly-00001", "nightly-00002", "nightly-00003", "nightly-00004", "nightly-00005"]' "tags"
# past the cap only the tags matching the regex are looked up
expect_eq "$(emu_py 'print(sum(1 for e in L if "/releases/tags/" in e["path"]))')" 5 "lookups"

t_case "all 1010 are listed"
run gh-release list
expect_rc 0
expect_eq "$(json_py 'len(d["releases"])')" 1010 "releases"

t_case "create finds a published release past the cap"
run gh-release create nightly-00002
expect_rc 0
expect_eq "$(json_get '["gh_release"]["action"]')" reused "action"
expect_eq "$(release_count nightly-00002)" 1 "releases"

t_case "prune deletes pre-releases past the cap"
run gh-release prune --older-than 180d --tag-regex '^nightly-0000[1-3]$' --cleanup-tag --yes
expect_rc 0
expect_eq "$(json_py 'sorted(r["tag"] for r in d["deleted"])')" '["nightly-00001", "nightly-00002", "nightly-00003"]' "deleted"
expect_eq "$(emu_py 'print(len(repo()["releases"]))')" 1007 "releases left"
expect_eq "$(tag_exists nightly-00001)" no "tag deleted"
t_done
