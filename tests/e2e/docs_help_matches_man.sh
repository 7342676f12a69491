#!/usr/bin/env bash
# Docs are part of the feature: for every tool with a man page, the options its --help defines
# (lines that start with an option) are exactly the options the man page defines (the tag
# lines of .TP paragraphs). Examples and prose may mention other tools' options freely.
. "$RELKIT_SRC/tests/lib/common.sh"

help_defined() { grep -oE '^[[:space:]]+(-[A-Za-z0-9], )?--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u; }
man_defined() {
    awk 'prev == ".TP" { print } { prev = $1 }' "$1" |
        sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

for tool in get-latest-green mk-candidate-tag wheel-retag index-gen gh-release ghcr-promote; do
    man="$RELKIT_SRC/docs/man/$tool.1"
    [ -f "$man" ] || continue
    t_case "$tool: the man page defines exactly the options --help defines"
    run "$tool" --help
    expect_rc 0
    help_opts=$(help_defined <<<"$T_OUT")
    man_opts=$(man_defined "$man")
    [ -n "$help_opts" ] || t_fail "no option definitions found in --help"
    missing=$(comm -23 <(echo "$help_opts") <(echo "$man_opts"))
    extra=$(comm -13 <(echo "$help_opts") <(echo "$man_opts"))
    [ -z "$missing" ] || t_fail "defined in --help, not in the man page: $(echo $missing)"
    [ -z "$extra" ] || t_fail "defined in the man page, not in --help: $(echo $extra)"
done
t_done
