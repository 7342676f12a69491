#!/usr/bin/env bash
# gh-release command line: help texts, usage errors (exit 2) and invalid input (exit 3), each
# with the message it prints. No GitHub needed: everything here fails before the first request.
. "$RELKIT_SRC/tests/lib/common.sh"
export GITHUB_API_URL=http://127.0.0.1:9 GH_TOKEN=ghp_unused
unset GITHUB_REPOSITORY CI

t_case "--help lists every command"
run gh-release --help
expect_rc 0
for c in create upload publish promote download list view verify prune; do
    grep -qE "^  $c " <<<"$T_OUT" || t_fail "command $c not listed"
done

t_case "<command> --help shows that command's options"
run gh-release upload --help
expect_rc 0
expect_out "usage: gh-release upload"
expect_out "--clobber"
grep -q -- "--older-than" <<<"$T_OUT" && t_fail "upload --help shows prune's options"

t_case "no command"
run gh-release
expect_rc 2
expect_error_line gh-release
expect_err "a command is required"

t_case "unknown command"
run gh-release frobnicate
expect_rc 2
expect_err "unknown command 'frobnicate'"
expect_err "try 'gh-release --help'"

t_case "an option of another command"
run gh-release create --clobber -R o/r
expect_rc 2
expect_err "option '--clobber' is not an option of 'create'"

t_case "unknown option after a command"
run gh-release list --bogus
expect_rc 2
expect_err "try 'gh-release --help'"
expect_eq "$T_OUT" "" "stdout"

t_case "no repository"
run gh-release list
expect_rc 2
expect_err "no repository: give --repo"

t_case "invalid repository"
run gh-release list -R 'not a repo'
expect_rc 3
expect_err "invalid repository 'not a repo'"

t_case "invalid repository in the context"
echo '{"repo": "x/../y"}' >"$T_TMP/ctx.json"
run gh-release list --context "$T_TMP/ctx.json"
expect_rc 3
expect_err "invalid repository 'x/../y'"

t_case "context that is not JSON"
echo '{"repo": ' >"$T_TMP/bad.json"
run gh-release list --context "$T_TMP/bad.json"
expect_rc 3
expect_err "invalid JSON"

t_case "--jobs out of range"
run gh-release upload -R o/r -j 0 x
expect_rc 2
expect_err "invalid --jobs '0'"

t_case "--latest must be true, false or legacy"
run gh-release create -R o/r --latest maybe v1
expect_rc 2
expect_err "invalid --latest 'maybe'"

t_case "--if-exists must be reuse, update or fail"
run gh-release create -R o/r --if-exists replace v1
expect_rc 2
expect_err "invalid --if-exists 'replace'"

t_case "bad duration"
run gh-release prune -R o/r --older-than 6months
expect_rc 2
expect_err "invalid --older-than '6months'"

t_case "prune needs --older-than"
run gh-release prune -R o/r --yes
expect_rc 2
expect_err "prune needs --older-than"

t_case "prune needs --yes outside CI"
run gh-release prune -R o/r --older-than 180d
expect_rc 2
expect_err "confirm with --yes"

t_case "invalid tag"
run gh-release create -R o/r 'bad..tag'
expect_rc 3
expect_err "invalid tag 'bad..tag'"

t_case "upload without files"
run gh-release upload -R o/r --tag v1
expect_rc 2
expect_err "no files"

t_case "upload of a file that does not exist"
run gh-release upload -R o/r --tag v1 "$T_TMP/missing.bin"
expect_rc 3
expect_err "unable to upload '$T_TMP/missing.bin'"

t_case "upload of a glob matching nothing"
run gh-release upload -R o/r --tag v1 "$T_TMP/*.none"
expect_rc 3
expect_err "no file matches"

t_case "two files for one asset name"
mkdir -p "$T_TMP/a" "$T_TMP/b"
echo 1 >"$T_TMP/a/same.txt"
echo 2 >"$T_TMP/b/same.txt"
run gh-release upload -R o/r --tag v1 "$T_TMP/a/same.txt" "$T_TMP/b/same.txt"
expect_rc 3
expect_err "two files would be asset 'same.txt'"

t_case "reserved asset name prefix"
echo x >"$T_TMP/ghr-tmp--x.txt"
run gh-release upload -R o/r --tag v1 "$T_TMP/ghr-tmp--x.txt"
expect_rc 3
expect_err "reserved by gh-release"

t_case "a files entry without a path"
echo '{"files": [{"label": "x"}]}' >"$T_TMP/ctx.json"
run gh-release upload -R o/r --tag v1 --context "$T_TMP/ctx.json"
expect_rc 3
expect_err "files[0] has no \"path\""

t_case "verify: FILE arguments and --dir together"
run gh-release verify -R o/r --tag v1 --dir "$T_TMP" x
expect_rc 2
expect_err "not both"

t_case "the token never appears in messages"
GH_TOKEN=ghp_SECRET_never_printed RELKIT_HTTP_MAX_ATTEMPTS=1 run gh-release list -R o/r -vv
grep -q ghp_SECRET_never_printed <<<"$T_ERR$T_OUT" && t_fail "token printed"
expect_rc 5
t_done
