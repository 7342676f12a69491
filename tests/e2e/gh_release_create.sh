#!/usr/bin/env bash
# gh-release create against the GitHub emulator (seed ghr_basic): a release is created once,
# found again (drafts included), updated or refused per --if-exists, its tag created at
# --target; concurrent runs leave one draft; --dry-run writes nothing.
. "$RELKIT_SRC/tests/e2e/gh_release_lib.bash"
ghr_with_emulator ghr_basic "$@"
. "$RELKIT_SRC/tests/lib/common.sh"

C3=316f6f3023bc169b6f8f59301b3c99523879160d
C4=d342c42d418a82e800bdbbe6d78f434d06037f61

t_case "create a draft at --target: tag created, one draft"
run gh-release create v2.1.0 --target $C4 --draft --prerelease --notes "hello"
expect_rc 0
expect_schema gh-release.output
expect_eq "$(json_get '["release"]["draft"]')" true "draft"
expect_eq "$(json_get '["release"]["prerelease"]')" true "prerelease"
expect_eq "$(json_get '["tag"]')" v2.1.0 "tag"
expect_eq "$(json_get '["gh_release"]["action"]')" created "action"
expect_eq "$(tag_exists v2.1.0)" yes "tag v2.1.0"
expect_eq "$(release_count v2.1.0)" 1 "releases of v2.1.0"
id1=$(json_get '["release"]["id"]')

t_case "run again: the draft is found (the tags endpoint does not show drafts) and reused"
run gh-release create v2.1.0 --target $C4 --draft --prerelease
expect_rc 0
expect_eq "$(json_get '["release"]["id"]')" "$id1" "id"
expect_eq "$(json_get '["gh_release"]["action"]')" reused "action"
expect_eq "$(release_count v2.1.0)" 1 "releases of v2.1.0"

t_case "a seeded draft is found, not duplicated"
run gh-release create v1.1.0 --draft
expect_rc 0
expect_eq "$(json_get '["release"]["name"]')" "v1.1.0 draft" "name"
expect_eq "$(release_count v1.1.0)" 1 "releases of v1.1.0"

t_case "--if-exists update applies the given fields"
run gh-release create v2.1.0 --if-exists update --name "Two one" --notes "new notes"
expect_rc 0
expect_eq "$(json_get '["gh_release"]["action"]')" updated "action"
expect_eq "$(emu_py 'r=releases("v2.1.0")[0]; print(r["name"], "|", r["body"], "|", r["draft"])')" \
    "Two one | new notes | True" "name | body | draft"

t_case "--if-exists fail refuses an existing release"
run gh-release create v2.1.0 --if-exists fail
expect_rc 4
expect_err "a release for tag 'v2.1.0' already exists"

t_case "--draft never turns a published release back into a draft"
run gh-release create v1.0.0 --draft --if-exists update
expect_rc 0
expect_err "is published: --draft ignored"
expect_eq "$(emu_py 'print(releases("v1.0.0")[0]["draft"])')" False "draft"

t_case "a tag that does not exist needs --target"
run gh-release create v9.9.9
expect_rc 4
expect_err "tag 'v9.9.9' does not exist: give --target SHA"
expect_eq "$(release_count v9.9.9)" 0 "releases"

t_case "an existing annotated tag is peeled to its commit"
run gh-release create v2.0.0 --target $C4
expect_rc 0
expect_eq "$(json_get '["release"]["draft"]')" false "published"

t_case "a tag at another commit than --target is refused"
run gh-release create base --target $C3
expect_rc 4
expect_err "tag 'base' exists at 578c52866258, not at 316f6f3023bc"
expect_eq "$(release_count base)" 0 "releases"

t_case "--target may name a branch"
run gh-release create v2.2.0 --target main --draft
expect_rc 0
expect_eq "$(emu_py 'print(repo()["refs"]["refs/tags/v2.2.0"])')" $C4 "tag commit"

t_case "tag and commit from the context (mk-candidate-tag's output)"
echo "{\"tag\": \"candidate-20990101.1\", \"sha\": \"$C3\", \"keep\": 1}" >"$T_TMP/ctx.json"
run_in "$T_TMP/ctx.json" gh-release create --draft --prerelease
expect_rc 0
expect_eq "$(json_get '["keep"]')" 1 "unknown key kept"
expect_eq "$(emu_py 'print(repo()["refs"]["refs/tags/candidate-20990101.1"])')" $C3 "tag commit"

t_case "notes from standard input (--notes-file -)"
printf 'line one\nline two\n' >"$T_TMP/notes.md"
run_in "$T_TMP/notes.md" gh-release create v2.3.0 --target $C4 --notes-file -
expect_rc 0
expect_eq "$(emu_py 'print(repr(releases("v2.3.0")[0]["body"]))')" "'line one\\nline two\\n'" "body"

t_case "notes file that does not exist"
run gh-release create v2.4.0 --target $C4 --notes-file "$T_TMP/nope.md"
expect_rc 6
expect_err "unable to open '$T_TMP/nope.md'"

t_case "--latest false keeps the latest release"
latest() { emu_py 'r=repo(); print([x["tag_name"] for x in r["releases"] if x["id"] == r["latest_release_id"]][0])'; }
before=$(latest)
run gh-release create v2.5.0 --target $C4 --latest false
expect_rc 0
expect_eq "$(latest)" "$before" "latest"

t_case "--dry-run prints the plan and creates nothing"
run gh-release create v3.0.0 --target $C4 --draft --dry-run
expect_rc 0
expect_schema gh-release.output
expect_eq "$(json_get '["plan"]["action"]')" create "plan action"
expect_eq "$(json_get '["plan"]["tag_commit"]')" $C4 "plan commit"
expect_eq "$(release_count v3.0.0)" 0 "releases"
expect_eq "$(tag_exists v3.0.0)" no "tag"

t_case "concurrent create --draft for one tag leave one draft"
# 150 ms on every release creation: all runs look before any has created
emu_faults '[{"kind": "latency", "route": "^POST /repos/[^/]+/[^/]+/releases$", "ms": 150, "count": -1}]'
for round in 1 2 3; do
    tag=race-$round
    for i in 1 2 3 4; do
        gh-release create $tag --target $C4 --draft --prerelease </dev/null >"$T_TMP/race-$i.json" 2>"$T_TMP/race-$i.err" &
    done
    wait
    expect_eq "$(release_count $tag)" 1 "releases of $tag"
    ids=$(for i in 1 2 3 4; do "$RELKIT_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["release"]["id"])' "$T_TMP/race-$i.json"; done | sort -u)
    expect_eq "$(wc -l <<<"$ids")" 1 "ids returned in round $round"
    expect_eq "$ids" "$(emu_py 'print(releases(A[0])[0]["id"])' $tag)" "the surviving id"
    # the race did happen: the losers created drafts and deleted them
    grep -q "another run created release" "$T_TMP"/race-*.err || t_fail "no duplicate was created in round $round"
done
emu_no_faults
t_case "a POST the client timed out on and GitHub applied late: one draft, adopted"
# GitHub applies the first POST 1.5 s after it was sent, the client gives up after 0.5 s: the
# run waits until GitHub is done with it (RELKIT_GITHUB_REQUEST_MAX_MS after sending), finds
# the release and sends no second POST
emu_log_clear
emu_faults '[{"kind": "latency", "route": "^POST /repos/[^/]+/[^/]+/releases$", "ms": 1500, "count": 1}]'
RELKIT_HTTP_TIMEOUT_MS=500 RELKIT_GITHUB_REQUEST_MAX_MS=3000 \
    run gh-release create late-1 --target d342c42d418a82e800bdbbe6d78f434d06037f61 --draft
emu_no_faults
expect_rc 0
expect_err "the creation of release 'late-1' timed out: waiting"
expect_err "an attempt took effect, adopting it"
expect_eq "$(release_count late-1)" 1 "releases of late-1"
expect_eq "$(json_get '["release"]["id"]')" "$(emu_py 'print(releases("late-1")[0]["id"])')" "the release adopted"
expect_eq "$(emu_py 'print(sum(1 for e in L if e["method"] == "POST" and e["path"].endswith("/releases")))')" 1 "POSTs"
t_done
