#!/usr/bin/env bash
# Docs are part of the feature: for every tool with a man page, the set of long options in
# docs/man/<tool>.1 equals the set its --help prints.
. "$RELKIT_SRC/tests/lib/common.sh"

opts() { grep -oE -- '--[a-z][a-z0-9-]*' | sort -u; }

for tool in get-latest-green mk-candidate-tag wheel-retag index-gen gh-release ghcr-promote; do
    man="$RELKIT_SRC/docs/man/$tool.1"
    [ -f "$man" ] || continue
    t_case "$tool: man page options == --help options"
    run "$tool" --help
    expect_rc 0
    help_opts=$(opts <<<"$T_OUT")
    # roff escapes '-' as '\-'
    man_opts=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$man" | opts)
    missing=$(comm -23 <(echo "$help_opts") <(echo "$man_opts"))
    extra=$(comm -13 <(echo "$help_opts") <(echo "$man_opts"))
    [ -z "$missing" ] || t_fail "in --help, not in the man page: $(echo $missing)"
    [ -z "$extra" ] || t_fail "in the man page, not in --help: $(echo $extra)"
done
t_done
