#!/usr/bin/env bash
# mk-candidate-tag against the GitHub emulator (seed glg_tags.json: commits A = a1a1..., B =
# b2b2... committed 2024-11-19T23:30:00Z; existing tags candidate-20241119.1 and .3,
# candidate-20241119.x, annotated candidate-20241118.1, iree-3.0.0rc20241118,
# snapshot-20241119.07, v3.0.0): presets, schemes, version files, dates, reuse, collisions,
# annotated tags, the context, and every error path. The state is reset before each case.
if [ -z "${RELKIT_EMU_API:-}" ]; then
    exec "$RELKIT_SRC/tests/fakes/github/with-emulator.sh" \
        --seed "$RELKIT_SRC/tests/fakes/github/seeds/glg_tags.json" -- bash "$0" "$@"
fi
. "$RELKIT_SRC/tests/lib/common.sh"

A=a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1
B=b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2
unset SOURCE_DATE_EPOCH GITHUB_RUN_NUMBER GITHUB_REPOSITORY
reset() { curl -sf -X POST "$RELKIT_EMU_API/_emulator/reset" >/dev/null; }
log_count() {
    curl -sf "$RELKIT_EMU_API/_emulator/log" | "$RELKIT_PYTHON" -c '
import json, re, sys
rx = re.compile(sys.argv[1])
print(sum(1 for e in json.load(sys.stdin) if rx.search(e["method"] + " " + e["path"])))' "${1:-.}"
}
# ref NAME -> the object sha and type of refs/tags/NAME ("" when absent)
ref() {
    curl -sf -H "Authorization: Bearer $GH_TOKEN" "$RELKIT_EMU_API/repos/tags/repo/git/ref/tags/$1" |
        "$RELKIT_PYTHON" -c 'import json,sys; o=json.load(sys.stdin)["object"]; print(o["sha"], o["type"])' 2>/dev/null
}
mct() { run mk-candidate-tag --repo tags/repo "$@"; }
jpy() { "$RELKIT_PYTHON" -c 'import json,sys; d=json.loads(sys.stdin.read()); v=eval(sys.argv[1]); print(json.dumps(v) if isinstance(v,(dict,list,bool)) or v is None else v)' "$1" <<<"$T_OUT"; }
vfiles() { # compiler and runtime version.json with the given versions
    mkdir -p "$T_TMP/v/compiler" "$T_TMP/v/runtime"
    printf '{\n  "package-version": "%s",\n  "other": 1\n}\n' "$1" >"$T_TMP/v/compiler/version.json"
    printf '{"package-version": "%s"}\n' "$2" >"$T_TMP/v/runtime/version.json"
}

t_case "candidate preset: the number after the highest existing one"
reset
mct --sha "$B" --date 20241119
expect_rc 0
expect_eq "$(json_get '["tag"]')" candidate-20241119.4 "tag"
expect_eq "$(json_get '["n"]')" 4 "n"
expect_eq "$(json_get '["date"]')" 20241119 "date"
expect_eq "$(json_get '["sha"]')" "$B" "sha"
expect_eq "$(json_get '["version"]')" null "version"
expect_eq "$(json_get '["candidate"]["created"]')" true "created"
expect_eq "$(ref candidate-20241119.4)" "$B commit" "the ref"
expect_err "created tag 'candidate-20241119.4'"
expect_schema mk-candidate-tag.output

t_case "--dry-run: the tag it would create, nothing created"
reset
curl -sf -X POST "$RELKIT_EMU_API/_emulator/log/clear" >/dev/null
mct --sha "$B" --date 20241119 --dry-run
expect_rc 0
expect_eq "$(json_get '["tag"]')" candidate-20241119.4 "tag"
expect_eq "$(json_get '["candidate"]["created"]')" false "created"
expect_eq "$(json_get '["candidate"]["dry_run"]')" true "dry_run"
expect_eq "$(log_count '^(POST|PATCH|PUT|DELETE)')" 0 "mutating requests"
expect_eq "$(ref candidate-20241119.4)" "" "no ref"
expect_schema mk-candidate-tag.output

t_case "a new day starts at 1; {n} tags of other days and foreign names are ignored"
reset
mct --sha "$B" --date 2024-11-20
expect_rc 0
expect_eq "$(json_get '["tag"]')" candidate-20241120.1 "tag"

t_case "iree preset: the PEP 440 maximum of the components, rc{date}"
reset
vfiles 3.10.0.dev 3.9.0
mct --sha "$B" --date 20241119 --preset iree \
    --version-file "$T_TMP/v/compiler/version.json" --version-file "$T_TMP/v/runtime/version.json"
expect_rc 0
expect_eq "$(json_get '["tag"]')" iree-3.10.0rc20241119 "tag (3.10 > 3.9, not a string comparison)"
expect_eq "$(json_get '["version"]')" 3.10.0rc20241119 "version"
expect_eq "$(json_get '["versions"]')" '{"compiler": "3.10.0rc20241119", "runtime": "3.9.0rc20241119"}' "versions"
expect_eq "$(json_get '["n"]')" null "n"
expect_eq "$(json_get '["candidate"]["scheme"]')" "rc{date}" "scheme"
expect_schema mk-candidate-tag.output

t_case "iree preset, second run of the day: a date-only tag collides (exit 4)"
mct --sha "$B" --date 20241119 --preset iree --base-version 3.10.0
expect_rc 4
expect_err "tag 'iree-3.10.0rc20241119' already exists (at b2b2b2b2b2b2)"
expect_err "has no {n} to allocate another"
expect_error_line mk-candidate-tag
expect_eq "$T_OUT" "" "stdout"

t_case "iree preset with --reuse returns the tag already at the commit"
mct --sha "$B" --date 20241119 --preset iree --base-version 3.10.0 --reuse
expect_rc 0
expect_eq "$(json_get '["tag"]')" iree-3.10.0rc20241119 "tag"
expect_eq "$(json_get '["candidate"]["reused"]')" true "reused"
expect_eq "$(json_get '["candidate"]["created"]')" false "created"

t_case "--reuse does not take a tag at another commit"
mct --sha "$A" --date 20241119 --preset iree --base-version 3.10.0 --reuse
expect_rc 4
expect_err "already exists"

t_case "iree with a same-day counter: two candidates of one day, distinct and ordered"
reset
mct --sha "$B" --date 20241119 --preset iree --base-version 3.1.0 --scheme 'rc{date}{n:02}'
expect_eq "$(json_get '["tag"]')" iree-3.1.0rc2024111901 "first"
mct --sha "$B" --date 20241119 --preset iree --base-version 3.1.0 --scheme 'rc{date}{n:02}'
expect_eq "$(json_get '["tag"]')" iree-3.1.0rc2024111902 "second"

t_case "the rc scheme gets the same-day counter when the tag has {n}"
reset
vfiles 3.1.0.dev 3.1.0.dev
mct --sha "$B" --date 20241119 --version-file "$T_TMP/v/compiler/version.json"
expect_eq "$(json_get '["tag"]')" candidate-20241119.4 "tag"
expect_eq "$(json_get '["version"]')" 3.1.0rc2024111904 "version"
expect_eq "$(json_get '["candidate"]["scheme"]')" "rc{date}{n:02}" "scheme"

t_case "--reuse with {n}: the highest tag of the template already at the commit"
reset
mct --sha "$A" --date 20241119 --reuse
expect_rc 0
expect_eq "$(json_get '["tag"]')" candidate-20241119.3 "tag"
expect_eq "$(json_get '["n"]')" 3 "n"
expect_eq "$(json_get '["candidate"]["reused"]')" true "reused"

t_case "--reuse peels annotated tags"
mct --sha "$A" --date 20241118 --reuse
expect_rc 0
expect_eq "$(json_get '["tag"]')" candidate-20241118.1 "tag"

t_case "snapshot preset: snapshot-YYYYMMDD.NN"
reset
mct --sha "$B" --date 20241119 --preset snapshot
expect_eq "$(json_get '["tag"]')" snapshot-20241119.08 "tag"
mct --sha "$B" --date 20241121 --preset snapshot
expect_eq "$(json_get '["tag"]')" snapshot-20241121.01 "tag"

t_case "dev scheme: .dev{date}{n:03}"
reset
mct --sha "$B" --date 20241119 --base-version 3.1.0 --scheme dev
expect_eq "$(json_get '["version"]')" 3.1.0.dev20241119004 "version"

t_case "sha scheme: .dev0+{sha}"
reset
mct --sha "$B" --date 20241119 --base-version 3.1.0 --scheme sha --template 'dev-{date}.{n}'
expect_eq "$(json_get '["version"]')" "3.1.0.dev0+$B" "version"
expect_eq "$(json_get '["tag"]')" dev-20241119.1 "tag"

t_case "stable preset, --increment minor --write on a plain VERSION file"
reset
printf '0.0.5\n' >"$T_TMP/VERSION"
cd "$T_TMP" || exit 1
mct --sha "$B" --preset stable --version-file VERSION --increment minor --write
cd - >/dev/null || exit 1
expect_rc 0
expect_eq "$(json_get '["tag"]')" v0.1.0 "tag"
expect_eq "$(json_get '["version"]')" 0.1.0 "version"
expect_eq "$(json_get '["versions"]')" '{"VERSION": "0.1.0"}' "versions"
expect_eq "$(cat "$T_TMP/VERSION")" 0.1.0 "VERSION file"

t_case "--increment major and patch; JSON files keep their other keys and suffix"
reset
vfiles 3.1.0.dev 3.1.0.dev
mct --sha "$B" --preset stable --version-file "compiler=$T_TMP/v/compiler/version.json" --increment major --write
expect_eq "$(json_get '["tag"]')" v4.0.0 "major"
expect_eq "$("$RELKIT_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1])))' "$T_TMP/v/compiler/version.json")" \
    "{'package-version': '4.0.0.dev', 'other': 1}" "file"
mct --sha "$B" --preset stable --version-file "$T_TMP/v/runtime/version.json" --increment patch --dry-run --write
expect_eq "$(json_get '["tag"]')" v3.1.1 "patch"
expect_eq "$(cat "$T_TMP/v/runtime/version.json")" '{"package-version": "3.1.0.dev"}' "dry run wrote nothing"

t_case "--write-local: version_local.json with the version and the revision"
reset
vfiles 3.1.0.dev 3.1.0.dev
mct --sha "$B" --date 20241119 --preset iree --version-file "$T_TMP/v/compiler/version.json" \
    --version-file "$T_TMP/v/runtime/version.json" --write-local
expect_rc 0
expect_eq "$(cat "$T_TMP/v/runtime/version_local.json" | tr -d ' \n')" \
    "{\"package-version\":\"3.1.0rc20241119\",\"iree-revision\":\"$B\"}" "runtime"
expect_file "$T_TMP/v/compiler/version_local.json"
expect_eq "$(cat "$T_TMP/v/compiler/version.json" | tr -d ' \n')" '{"package-version":"3.1.0.dev","other":1}' "inputs untouched"

t_case "--revision-key and version_info.json with a key"
reset
printf '{"version": "1.2.3", "pinned": {}}\n' >"$T_TMP/version_info.json"
mct --sha "$B" --date 20241119 --template 'rel-{version}' --scheme dev --template 'rel-{version}-{n}' \
    --version-file "$T_TMP/version_info.json" --write-local --revision-key source-revision
expect_rc 0
expect_eq "$(json_get '["version"]')" 1.2.3.dev20241119001 "version"
grep -q '"source-revision": "'"$B" "$T_TMP/version_local.json" || t_fail "revision key"

t_case "annotated tag with --message"
reset
mct --sha "$B" --date 20241119 --message "nightly candidate"
expect_rc 0
expect_eq "$(json_get '["candidate"]["annotated"]')" true "annotated"
expect_eq "$(ref candidate-20241119.4 | cut -d' ' -f2)" tag "ref type"

t_case "{run} from GITHUB_RUN_NUMBER; a second run collides, --reuse returns it"
reset
GITHUB_RUN_NUMBER=77 run mk-candidate-tag --repo tags/repo --sha "$B" --date 20241119 --template 'nightly-{date}.{run}'
expect_eq "$(json_get '["tag"]')" nightly-20241119.77 "tag"
expect_eq "$(json_get '["n"]')" null "n"
GITHUB_RUN_NUMBER=77 run mk-candidate-tag --repo tags/repo --sha "$B" --date 20241119 --template 'nightly-{date}.{run}'
expect_rc 4
GITHUB_RUN_NUMBER=77 run mk-candidate-tag --repo tags/repo --sha "$B" --date 20241119 --template 'nightly-{date}.{run}' --reuse
expect_rc 0
expect_eq "$(json_get '["candidate"]["reused"]')" true "reused"

t_case "{sha7} and literal braces"
reset
mct --sha "$B" --date 20241119 --template 'c-{date}-{sha7}-{{x}}.{n}'
expect_eq "$(json_get '["tag"]')" "c-20241119-b2b2b2b-{x}.1" "tag"

t_case "dates: SOURCE_DATE_EPOCH, --date commit, --date ISO time (UTC)"
reset
SOURCE_DATE_EPOCH=1700000000 run mk-candidate-tag --repo tags/repo --sha "$B" --dry-run
expect_eq "$(json_get '["date"]')" 20231114 "SOURCE_DATE_EPOCH"
mct --sha "$B" --date commit --dry-run
expect_eq "$(json_get '["date"]')" 20241119 "commit date"
mct --sha "$B" --date 2024-11-19T23:30:00-05:00 --dry-run
expect_eq "$(json_get '["date"]')" 20241120 "ISO time in UTC"
SOURCE_DATE_EPOCH=1700000000 run mk-candidate-tag --repo tags/repo --sha "$B" --date 20240229 --dry-run
expect_eq "$(json_get '["date"]')" 20240229 "--date wins"
mct --sha "$B" --dry-run
expect_eq "$(json_get '["date"]')" "$(date -u +%Y%m%d)" "now"

t_case "the commit from the context (get-latest-green's commit.sha), keys kept"
reset
printf '{"repo": "tags/repo", "commit": {"sha": "%s", "date": "2024-11-19T23:30:00Z"}, "keep": [1]}' "$B" >"$T_TMP/ctx.json"
curl -sf -X POST "$RELKIT_EMU_API/_emulator/log/clear" >/dev/null
run_in "$T_TMP/ctx.json" mk-candidate-tag --date commit --dry-run
expect_rc 0
expect_eq "$(json_get '["sha"]')" "$B" "sha"
expect_eq "$(json_get '["keep"]')" "[1]" "kept"
expect_eq "$(json_get '["commit"]["sha"]')" "$B" "commit kept"
expect_eq "$(log_count '/commits/')" 0 "the commit date came from the context"

t_case "the commit from the context's sha key; --sha overrides"
printf '{"repo": "tags/repo", "sha": "%s"}' "$A" >"$T_TMP/ctx2.json"
run_in "$T_TMP/ctx2.json" mk-candidate-tag --date 20241119 --dry-run
expect_eq "$(json_get '["sha"]')" "$A" "sha"
run_in "$T_TMP/ctx2.json" mk-candidate-tag --date 20241119 --dry-run --sha "$B"
expect_eq "$(json_get '["sha"]')" "$B" "sha"

t_case "a branch name as --sha is resolved to the commit"
mct --sha main --date 20241119 --dry-run
expect_rc 0
expect_eq "$(json_get '["sha"]')" "$B" "sha"

t_case "GitHub Actions: outputs and step summary"
reset
: >"$T_TMP/out" && : >"$T_TMP/summary"
GITHUB_ACTIONS=true GITHUB_OUTPUT=$T_TMP/out GITHUB_STEP_SUMMARY=$T_TMP/summary \
    run mk-candidate-tag --repo tags/repo --sha "$B" --date 20241119
expect_rc 0
grep -q "^tag<<" "$T_TMP/out" || t_fail "no tag output"
grep -q "candidate-20241119.4" "$T_TMP/out" || t_fail "tag value"
grep -q "candidate-20241119.4" "$T_TMP/summary" || t_fail "summary"

t_case "error: no commit"
mct --date 20241119
expect_rc 2
expect_err "no commit"
expect_error_line mk-candidate-tag

t_case "error: no repository"
run mk-candidate-tag --sha "$B"
expect_rc 2
expect_err "no repository"

t_case "error: unknown preset, bad template, unknown field"
mct --sha "$B" --preset nightly
expect_rc 2
expect_err "unknown preset 'nightly'"
mct --sha "$B" --template 'x-{when}'
expect_rc 2
expect_err "invalid template 'x-{when}': unknown field"
mct --sha "$B" --template 'x-}'
expect_rc 2
expect_err "unmatched '}'"

t_case "error: {version} without a version"
mct --sha "$B" --preset iree
expect_rc 2
expect_err "uses {version}: give --version-file or --base-version"

t_case "error: {run} without GITHUB_RUN_NUMBER"
mct --sha "$B" --template 'n-{run}'
expect_rc 2
expect_err "uses {run} (GITHUB_RUN_NUMBER)"

t_case "error: a version scheme with {n} and a tag without {n} or {version}"
mct --sha "$B" --template 'x-{date}' --base-version 1.0 --scheme dev
expect_rc 2
expect_err "uses {n}, which is not allocated here"

t_case "error: a tag name git refuses"
mct --sha "$B" --template 'bad tag {n}'
expect_rc 3
expect_err "invalid tag 'bad tag 1'"

t_case "error: a version that is not PEP 440"
printf 'banana\n' >"$T_TMP/BADVERSION"
mct --sha "$B" --version-file "$T_TMP/BADVERSION"
expect_rc 3
expect_err "banana"
mct --sha "$B" --base-version 1.0 --scheme '-{date}x'
expect_rc 3
expect_err "scheme '-{date}x'"

t_case "error: a missing version file"
mct --sha "$B" --version-file "$T_TMP/nosuch.json"
expect_rc 6
expect_err "nosuch.json"

t_case "error: a JSON version file without the key"
printf '{"name": "x"}' >"$T_TMP/nokey.json"
mct --sha "$B" --version-file "$T_TMP/nokey.json"
expect_rc 3
expect_err "no \"package-version\" string"

t_case "error: two files for one component"
vfiles 1.0 1.0
mct --sha "$B" --version-file "$T_TMP/v/runtime/version.json" --version-file "$T_TMP/v/runtime/version.json"
expect_rc 2
expect_err "two version files for component 'runtime'"

t_case "error: bad --date, --increment, --write alone, --local with --repo"
mct --sha "$B" --date tomorrow
expect_rc 2
expect_err "invalid --date 'tomorrow'"
mct --sha "$B" --date 20240231
expect_rc 2
mct --sha "$B" --increment huge
expect_rc 2
expect_err "invalid --increment 'huge'"
mct --sha "$B" --write
expect_rc 2
expect_err "--write needs --increment"
mct --sha "$B" --local
expect_rc 2
expect_err "--local and --repo exclude each other"

t_case "error: bad SOURCE_DATE_EPOCH"
SOURCE_DATE_EPOCH=soon run mk-candidate-tag --repo tags/repo --sha "$B"
expect_rc 3
expect_err "invalid SOURCE_DATE_EPOCH 'soon'"

t_case "error: an unknown commit"
mct --sha nosuchbranch
expect_rc 4
expect_err "commit 'nosuchbranch'"
mct --sha 0000000000000000000000000000000000000000 --date 20241119
expect_rc 4
expect_err "Object does not exist"

t_case "error: a read-only token"
GH_TOKEN=ghp_relkitREADONLY0000000000000 run mk-candidate-tag --repo tags/repo --sha "$B" --date 20241119
expect_rc 4
expect_error_line mk-candidate-tag

t_done
