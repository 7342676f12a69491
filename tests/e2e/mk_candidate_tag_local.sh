#!/usr/bin/env bash
# mk-candidate-tag --local: tags in a local git checkout (no API): allocation after existing
# tags, annotated tags, --reuse, dates from the commit, revisions, errors.
. "$RELKIT_SRC/tests/lib/common.sh"
unset SOURCE_DATE_EPOCH GITHUB_RUN_NUMBER GITHUB_REPOSITORY GH_TOKEN GITHUB_TOKEN
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@relkit.invalid GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@relkit.invalid

R=$T_TMP/repo
git init -q -b main "$R"
GIT_COMMITTER_DATE=2024-11-18T10:00:00Z git -C "$R" commit -q --allow-empty -m first
A=$(git -C "$R" rev-parse HEAD)
GIT_COMMITTER_DATE=2024-11-19T23:30:00Z git -C "$R" commit -q --allow-empty -m second
B=$(git -C "$R" rev-parse HEAD)
git -C "$R" tag candidate-20241119.2 "$A"
git -C "$R" tag -a -m old candidate-20241119.5 "$A"
git -C "$R" tag candidate-20241119.x "$A"
mct() { run mk-candidate-tag --local --checkout "$R" "$@"; }

t_case "HEAD by default; the number after the highest existing one (annotated ones too)"
mct --date 20241119
expect_rc 0
expect_eq "$(json_get '["tag"]')" candidate-20241119.6 "tag"
expect_eq "$(json_get '["sha"]')" "$B" "sha"
expect_eq "$(json_get '["candidate"]["local"]')" true "local"
expect_eq "$(git -C "$R" rev-parse candidate-20241119.6^{commit})" "$B" "git tag"
expect_eq "$(git -C "$R" cat-file -t candidate-20241119.6)" commit "lightweight"
expect_schema mk-candidate-tag.output

t_case "--message makes an annotated tag"
mct --date 20241119 --message "nightly"
expect_eq "$(json_get '["tag"]')" candidate-20241119.7 "tag"
expect_eq "$(git -C "$R" cat-file -t candidate-20241119.7)" tag "annotated"
expect_eq "$(git -C "$R" tag -l --format='%(contents:subject)' candidate-20241119.7)" nightly "message"

t_case "--reuse returns the highest tag already at the commit"
mct --date 20241119 --reuse
expect_eq "$(json_get '["tag"]')" candidate-20241119.7 "tag"
expect_eq "$(json_get '["candidate"]["reused"]')" true "reused"
mct --date 20241119 --reuse --sha "$A"
expect_eq "$(json_get '["tag"]')" candidate-20241119.5 "annotated tag peeled"

t_case "--sha as a revision; --date commit from git"
mct --sha main~1 --date commit --dry-run
expect_rc 0
expect_eq "$(json_get '["sha"]')" "$A" "sha"
expect_eq "$(json_get '["date"]')" 20241118 "date"
expect_eq "$(json_get '["tag"]')" candidate-20241118.1 "tag"

t_case "--dry-run creates nothing"
before=$(git -C "$R" tag | wc -l)
mct --date 20241201 --dry-run
expect_eq "$(json_get '["tag"]')" candidate-20241201.1 "tag"
expect_eq "$(git -C "$R" tag | wc -l)" "$before" "tags"

t_case "a date-only template that collides: exit 4"
mct --date 20241119 --preset iree --base-version 3.1.0
expect_rc 0
expect_eq "$(json_get '["tag"]')" iree-3.1.0rc20241119 "tag"
mct --date 20241119 --preset iree --base-version 3.1.0
expect_rc 4
expect_err "already exists"

t_case "the context's repo is not needed with --local"
printf '{"sha": "%s"}' "$A" >"$T_TMP/ctx.json"
run_in "$T_TMP/ctx.json" mk-candidate-tag --local --checkout "$R" --date 20241130
expect_rc 0
expect_eq "$(json_get '["sha"]')" "$A" "sha"
expect_eq "$(json_get '.get("repo")')" null "no repo"

t_case "error: not a git checkout"
mkdir -p "$T_TMP/empty"
run mk-candidate-tag --local --checkout "$T_TMP/empty" --date 20241119
expect_rc 3
expect_err "unknown revision 'HEAD' in the local checkout"
expect_error_line mk-candidate-tag

t_case "error: an unknown revision"
mct --sha nosuch --date 20241119
expect_rc 3
expect_err "unknown revision 'nosuch'"

t_case "error: a revision that looks like an option"
mct --sha=--output=x --date 20241119
expect_rc 3
expect_err "invalid commit '--output=x'"

t_done
