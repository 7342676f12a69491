#!/usr/bin/env bash
# gh-release prune (retention): old pre-releases matching the tag regex go, the newest --keep
# stay, drafts only with --include-drafts, tags with --cleanup-tag; a stable release and the
# latest release are never deleted, nor one promoted between the listing and the delete.
. "$RELKIT_SRC/tests/e2e/gh_release_lib.bash"
ghr_with_emulator ghr_basic "$@"
. "$RELKIT_SRC/tests/lib/common.sh"

planned() { json_py '[r["tag"] for r in d["plan"]]'; }
deleted() { json_py '[r["tag"] for r in d["deleted"]]'; }
alive() { emu_py 'print(" ".join(sorted(r["tag_name"] for r in repo()["releases"])))'; }
ALL="assets-1 nightly-20250110 nightly-20250301 nightly-20250401 nightly-20250501 nightly-20990101 other-20250101 v0.9.0 v1.0.0 v1.1.0 v1.2.0"

t_case "--dry-run lists the old pre-releases matching the regex, deletes nothing"
run gh-release prune --older-than 180d --tag-regex '^nightly-' --dry-run
expect_rc 0
expect_schema gh-release.output
expect_eq "$(planned)" '["nightly-20250501", "nightly-20250401", "nightly-20250301"]' "plan"
expect_eq "$(deleted)" '[]' "deleted"
expect_eq "$(alive)" "$ALL" "releases"

t_case "--keep spares the newest matching pre-releases whatever their age"
run gh-release prune --older-than 180d --tag-regex '^nightly-' --keep 2 --dry-run
expect_rc 0
expect_eq "$(planned)" '["nightly-20250401", "nightly-20250301"]' "plan"

t_case "without a regex: every old pre-release, never a stable one"
run gh-release prune --older-than 180d --dry-run
expect_rc 0
expect_eq "$(planned)" '["nightly-20250501", "nightly-20250401", "nightly-20250301", "other-20250101"]' "plan"

t_case "--include-drafts adds old drafts"
run gh-release prune --older-than 180d --include-drafts --tag-regex '^nightly-' --dry-run
expect_rc 0
expect_eq "$(planned)" '["nightly-20250501", "nightly-20250401", "nightly-20250301", "nightly-20250110"]' "plan"

t_case "a release promoted between the listing and the delete is spared"
# slow down the latest-release lookup that follows the listing, and promote meanwhile
emu_faults '[{"kind": "latency", "route": "^GET /repos/relkit-test/ghr/releases/latest", "ms": 1500}]'
id=$(emu_py 'print(releases("nightly-20250301")[0]["id"])')
gh-release prune --older-than 180d --tag-regex '^nightly-20250301$' --yes </dev/null >"$T_TMP/spared.json" 2>"$T_TMP/spared.err" &
pid=$!
sleep 0.7
curl -fsS -X PATCH -H "Authorization: Bearer $GH_TOKEN" "$GITHUB_API_URL/repos/relkit-test/ghr/releases/$id" \
    -d '{"prerelease": false, "make_latest": "false"}' >/dev/null
wait $pid
expect_eq "$?" 0 "exit code"
emu_no_faults
grep -q "changed since it was listed: kept" "$T_TMP/spared.err" || t_fail "no 'kept' warning: $(cat "$T_TMP/spared.err")"
expect_eq "$(release_count nightly-20250301)" 1 "nightly-20250301 kept"
curl -fsS -X PATCH -H "Authorization: Bearer $GH_TOKEN" "$GITHUB_API_URL/repos/relkit-test/ghr/releases/$id" \
    -d '{"prerelease": true, "make_latest": "false"}' >/dev/null

t_case "a real run with --keep and --cleanup-tag"
run gh-release prune --older-than 180d --tag-regex '^nightly-' --keep 1 --cleanup-tag --yes
expect_rc 0
expect_schema gh-release.output
expect_eq "$(deleted)" '["nightly-20250501", "nightly-20250401", "nightly-20250301"]' "deleted"
expect_eq "$(json_py '[r["tag_deleted"] for r in d["deleted"]]')" '[true, true, true]' "tags deleted"
expect_eq "$(alive)" "assets-1 nightly-20250110 nightly-20990101 other-20250101 v0.9.0 v1.0.0 v1.1.0 v1.2.0" "releases"
expect_eq "$(tag_exists nightly-20250401)" no "tag nightly-20250401"
expect_eq "$(tag_exists v1.0.0)" yes "tag v1.0.0"

t_case "run again: nothing left to delete"
run gh-release prune --older-than 180d --tag-regex '^nightly-' --keep 1 --cleanup-tag --yes
expect_rc 0
expect_eq "$(deleted)" '[]' "deleted"

t_case "in CI no --yes is needed; tags stay without --cleanup-tag"
CI=true run gh-release prune --older-than 180d --tag-regex '^other-'
expect_rc 0
expect_eq "$(deleted)" '["other-20250101"]' "deleted"
expect_eq "$(tag_exists other-20250101)" yes "tag kept"

t_case "the latest release is never deleted, however old"
GITHUB_REPOSITORY=relkit-test/ghr-latest run gh-release prune --older-than 1s --include-drafts --yes
expect_rc 0
expect_eq "$(deleted)" '["nightly-20240102"]' "deleted"
GITHUB_REPOSITORY=relkit-test/ghr-latest run gh-release view v0.1.0
expect_eq "$(json_get '["release"]["latest"]')" true "v0.1.0 is still the latest"
# --cleanup-tag with --tag-regex: tags that carry no release at all (left by a failed or killed
# run, or never released) go when older than --older-than
delete_plan() { json_py '[(r["tag"], r["action"]) for r in d["plan"] if r["action"] == "delete_tag"]'; }

t_case "--cleanup-tag --dry-run lists a tag left without a release too"
run gh-release prune --older-than 180d --tag-regex '^other-' --cleanup-tag --dry-run
expect_rc 0
expect_schema gh-release.output
expect_eq "$(delete_plan)" '[["other-20250101", "delete_tag"]]' "plan"
expect_eq "$(json_py 'd["plan"][0]["date"]')" '"2024-02-01T00:00:00Z"' "the commit's date"
expect_eq "$(json_py 'd["deleted_tags"]')" '[]' "deleted_tags"
expect_eq "$(tag_exists other-20250101)" yes "tag kept"

t_case "a tag left without a release is deleted, listed in deleted_tags"
emu_log_clear
run gh-release prune --older-than 180d --tag-regex '^other-' --cleanup-tag --yes
expect_rc 0
expect_schema gh-release.output
expect_eq "$(deleted)" '[]' "deleted releases"
expect_eq "$(json_py 'd["deleted_tags"]')" '["other-20250101"]' "deleted_tags"
expect_eq "$(tag_exists other-20250101)" no "tag"
expect_eq "$(emu_py 'print([e["path"].split("/git/")[1] for e in L if "/git/" in e["path"] and e["method"] == "GET"])')" \
    "['matching-refs/tags%2Fother-', 'commits/f5154d45d489970820ea1a24b44d8366235d2174']" "tag requests"

t_case "a tag whose DELETE failed is deleted by the re-run"
emu_reset
emu_faults '[{"kind": "5xx", "status": 502, "route": "^DELETE /repos/relkit-test/ghr/git/refs/", "count": -1}]'
RELKIT_HTTP_MAX_ATTEMPTS=2 run gh-release prune --older-than 180d --tag-regex '^nightly-20250301$' --cleanup-tag --yes
expect_rc 5
emu_no_faults
expect_eq "$(release_count nightly-20250301)" 0 "release deleted"
expect_eq "$(tag_exists nightly-20250301)" yes "tag left"
run gh-release prune --older-than 180d --tag-regex '^nightly-20250301$' --cleanup-tag --yes
expect_rc 0
expect_eq "$(deleted)" '[]' "no release left to delete"
expect_eq "$(json_py 'd["deleted_tags"]')" '["nightly-20250301"]' "deleted_tags"
expect_eq "$(tag_exists nightly-20250301)" no "tag"

t_case "a tag with a release is never touched; a tag newer than --older-than is kept"
# v0.9.0, v1.0.0: stable releases; v2.0.0: annotated, tagged today (commit of 2024); base:
# lightweight at a commit of 2024-01-01
run gh-release prune --older-than 180d --tag-regex '^(v|base)' --cleanup-tag --dry-run
expect_rc 0
expect_eq "$(delete_plan)" '[["base", "delete_tag"]]' "plan"
run gh-release prune --older-than 2000d --tag-regex '^(v|base)' --cleanup-tag --dry-run
expect_rc 0
expect_eq "$(delete_plan)" '[]' "plan with 2000d"

t_case "without --tag-regex no tag without a release is touched"
run gh-release prune --older-than 180d --cleanup-tag --yes
expect_rc 0
expect_eq "$(json_py 'd["deleted_tags"]')" '["nightly-20250501", "nightly-20250401", "other-20250101"]' "deleted_tags"
expect_eq "$(tag_exists base)" yes "tag base"
t_done
