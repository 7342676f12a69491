#!/usr/bin/env bash
# ghcr-promote without a registry: usage errors (exit 2) and invalid input (exit 3), each
# with the bad input, its message and nothing on stdout.
. "$RELKIT_SRC/tests/lib/common.sh"
export RELKIT_HTTP_MAX_ATTEMPTS=1

usage_case() { # NAME FRAGMENT ARGS...
    local name=$1 frag=$2
    shift 2
    t_case "usage: $name"
    run ghcr-promote "$@"
    expect_rc 2
    expect_error_line ghcr-promote
    expect_err "$frag"
    expect_err "try 'ghcr-promote --help'"
    expect_eq "$T_OUT" "" stdout
}

usage_case "nothing to promote" "nothing to promote"
usage_case "three arguments" "too many arguments" a/b:1 c/d:1 e/f:1
usage_case "SRC and --images" "exclude each other" --images x.json a/b:1
usage_case "bad regex" "--tag-rule: invalid regex" --tag-rule '([a-z]=x' a/b:1
usage_case "rule without =" "expected REGEX=TEMPLATE" --repo-rule 'tt-shield' a/b:1
usage_case "template group not in the regex" "the regex has 1 group" --tag-rule '^(a)$={2}' a/b:1
usage_case "bad platform" "invalid platform 'linux'" --platform linux/amd64,linux a/b:1
usage_case "bad jobs" "invalid --jobs '0'" -j 0 a/b:1
usage_case "bad registry" "invalid registry" --dst-registry 'bad host' a/b:1
usage_case "bad --var" "invalid --var" --var novalue a/b:1
usage_case "bad --insecure-registry" "invalid insecure host" --insecure-registry 'a/b' a/b:1

t_case "invalid reference: exit 3, reported in the result"
run ghcr-promote 'ghcr.io/Upper/Case:1'
expect_rc 3
expect_err "invalid image reference 'ghcr.io/Upper/Case:1': bad repository"
expect_eq "$(json_get '["images"][0]["status"]')" failed status
expect_schema ghcr-promote.output

t_case "a tag rule giving an invalid tag"
run ghcr-promote --tag-rule '^(.*)$=-{1}' '127.0.0.1:1/a/b:1.0'
expect_rc 3
expect_err "not a valid tag"

t_case "an unset template variable"
run ghcr-promote --tag-rule '^(.*)$={version}-{1}' '127.0.0.1:1/a/b:1.0'
expect_rc 3
expect_err "template variable {version} is not set"

t_case "invalid image list"
echo '{"images": [42]}' >"$T_TMP/bad.json"
run ghcr-promote --images "$T_TMP/bad.json"
expect_rc 3
expect_err "images[0]: expected a reference"
expect_eq "$T_OUT" "" stdout
echo '[1,' >"$T_TMP/broken.json"
run ghcr-promote --images "$T_TMP/broken.json"
expect_rc 3
run ghcr-promote --images "$T_TMP/missing.json"
expect_rc 6

t_case "invalid context"
echo 'not json' >"$T_TMP/ctx"
run ghcr-promote --context "$T_TMP/ctx" a/b:1
expect_rc 3
expect_error_line ghcr-promote

t_case "an empty list is an empty result"
echo '[]' >"$T_TMP/empty.json"
run ghcr-promote --images "$T_TMP/empty.json"
expect_rc 0
expect_eq "$(json_get '["promotion"]["totals"]["images"]')" 0 images
expect_schema ghcr-promote.output

t_done
