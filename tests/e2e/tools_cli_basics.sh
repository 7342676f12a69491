#!/usr/bin/env bash
# Every tool: --help and --version answer on stdout with exit 0; an unknown option is a usage
# error (exit 2) with one "tool: ..." line and a hint on stderr and nothing on stdout.
. "$RELKIT_SRC/tests/lib/common.sh"

for tool in get-latest-green mk-candidate-tag wheel-retag index-gen gh-release ghcr-promote; do
    t_case "$tool --help"
    run "$tool" --help
    expect_rc 0
    expect_out "usage: $tool"
    [ -z "$T_ERR" ] || t_fail "stderr not empty: $T_ERR"

    t_case "$tool --version"
    run "$tool" --version
    expect_rc 0
    expect_out "$tool (relkit) "

    t_case "$tool unknown option"
    run "$tool" --no-such-option
    expect_rc 2
    expect_err "try '$tool --help'"
    expect_eq "$T_OUT" "" "stdout"
done
t_done
