#!/usr/bin/env bash
# wheel-retag on crafted bad wheels: one clear line, exit 3, no output file, for each check.
. "$RELKIT_SRC/tests/lib/common.sh"
PY=$RELKIT_PYTHON
MK="$PY $RELKIT_SRC/tests/data/wheels/make_wheel.py"

# bad KIND MESSAGE [OPTION...]: a wheel broken in one way is refused with MESSAGE
bad() {
    local kind=$1 msg=$2 dir=$T_TMP/$1 w
    shift 2
    t_case "bad wheel: $kind"
    mkdir -p "$dir/in"
    case $kind in
    bad-filename) w=$($MK "$dir/in" --filename demo.whl) ;;
    *) w=$($MK "$dir/in" --bad "$kind") ;;
    esac
    run wheel-retag --final "$@" -o "$dir/out" "$w"
    expect_rc 3
    expect_error_line wheel-retag
    expect_err "$msg"
    [ "$(grep -c . <<<"$T_ERR")" = 1 ] || t_fail "more than one line: $T_ERR"
    [ -z "$T_OUT" ] || t_fail "stdout not empty"
    [ -z "$(ls -A "$dir/out" 2>/dev/null)" ] || t_fail "output left behind: $(ls -A "$dir/out")"
}

bad abs-path "invalid wheel 'demo_pkg-3.1.0rc20241119-py3-none-any.whl': entry '/etc/evil' has an absolute path"
bad dotdot "entry '../evil' escapes the archive"
bad backslash "entry 'pkg\\evil.py' contains a backslash"
bad duplicate "duplicate entry 'demo_pkg/__init__.py'"
bad not-in-record "'demo_pkg/core.py' is not listed in RECORD"
bad record-extra "RECORD lists 'demo_pkg/ghost.py' which is not in the wheel"
bad version-mismatch "METADATA Version '9.9.9' does not match the file name '3.1.0rc20241119'"
bad name-mismatch "METADATA Name 'other-name' does not match the file name 'demo_pkg'"
bad tags-mismatch "WHEEL tags do not match the file name tags 'py3-none-any'"
bad build-mismatch "WHEEL Build '7' does not match the file name's ''"
bad no-metadata "'demo_pkg-3.1.0rc20241119.dist-info/METADATA' is missing"
bad two-dist-info "more than one .dist-info directory"
bad truncated "not a zip file (no end of central directory record)"
bad not-zip "not a zip file"
bad cd-bounds "central directory out of bounds"
bad encrypted "entry 'demo_pkg/__init__.py' is encrypted"
bad overlap "overlap"
bad bad-filename "invalid wheel file name 'demo.whl'"
bad bad-hash "'demo_pkg/core.py' does not match its RECORD hash" --verify
bad bad-crc "entry 'demo_pkg/blob.bin' fails its CRC-32 check" --verify

t_case "without --verify a wrong RECORD hash is not looked at"
run wheel-retag --final -o "$T_TMP/bad-hash/out2" "$T_TMP/bad-hash/in/"*.whl
expect_rc 0

t_case "--dry-run --verify finds the bad hash too, and writes nothing"
run wheel-retag --dry-run --verify --final -o "$T_TMP/bad-hash/out3" "$T_TMP/bad-hash/in/"*.whl
expect_rc 3
expect_err "does not match its RECORD hash"
expect_no_file "$T_TMP/bad-hash/out3"

t_case "one bad wheel among good ones: exit 3, no JSON, no output for the bad one"
mkdir -p "$T_TMP/mix"
GOOD=$($MK "$T_TMP/mix" --name good)
run wheel-retag --final -o "$T_TMP/mix/out" "$GOOD" "$T_TMP/dotdot/in/"*.whl
expect_rc 3
[ -z "$T_OUT" ] || t_fail "stdout not empty"
expect_no_file "$T_TMP/mix/out/demo_pkg-3.1.0-py3-none-any.whl"

t_case "a missing file is a local failure (exit 6)"
run wheel-retag --final -o "$T_TMP/none" "$T_TMP/nope-1.0-py3-none-any.whl"
expect_rc 6
expect_err "unable to open"

t_case "invalid JSON on stdin is invalid input"
echo '{"files": [' >"$T_TMP/bad.json"
run_in "$T_TMP/bad.json" wheel-retag --final -o "$T_TMP/none"
expect_rc 3

t_done
