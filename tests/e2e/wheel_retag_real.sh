#!/usr/bin/env bash
# wheel-retag on real wheels: the ones Debian ships, and one past 65,535 entries (ZIP64).
. "$RELKIT_SRC/tests/lib/common.sh"
PY=$RELKIT_PYTHON
MK="$PY $RELKIT_SRC/tests/data/wheels/make_wheel.py"
CHECK="$PY $RELKIT_SRC/tests/data/wheels/check_wheel.py"
WHEELS=/usr/share/python-wheels

for whl in "$WHEELS"/pip-*-py3-none-any.whl "$WHEELS"/setuptools-*-py3-none-any.whl; do
    [ -f "$whl" ] || { echo "skip: $whl not installed (python3-pip-whl, python3-setuptools-whl)"; continue; }
    base=$(basename "$whl")
    proj=${base%%-*}
    ver=${base#*-}
    ver=${ver%%-*}
    dir=$T_TMP/$proj

    t_case "$base: already final, passed through byte for byte"
    run wheel-retag --final --verify -o "$dir/final" "$whl"
    expect_rc 0
    expect_schema wheel-retag.output
    expect_eq "$(json_get '["wheels"][0]["status"]')" unchanged status
    cmp -s "$whl" "$dir/final/$base" || t_fail "not a byte copy"

    t_case "$base: to an rc and back to final"
    run wheel-retag --set-version "${ver}rc1" --verify -o "$dir/rc" "$whl"
    expect_rc 0
    RCW=$dir/rc/$proj-${ver}rc1-py3-none-any.whl
    expect_file "$RCW"
    run wheel-retag --final --verify -o "$dir/back" "$RCW"
    expect_rc 0
    BACK=$dir/back/$base
    expect_file "$BACK"
    $CHECK record "$BACK" >/dev/null || t_fail "RECORD check failed"
    $CHECK same "$whl" "$BACK" >/dev/null || t_fail "entries changed"
    cmp -s <(unzip -p "$whl" '*.dist-info/METADATA') <(unzip -p "$BACK" '*.dist-info/METADATA') ||
        t_fail "METADATA not restored"

    t_case "$base: new version installs with pip, wheel unpack and twine check accept it"
    run wheel-retag --set-version "$ver.post7" -o "$dir/post" "$whl"
    expect_rc 0
    POST=$dir/post/$proj-$ver.post7-py3-none-any.whl
    $CHECK record "$POST" >/dev/null || t_fail "RECORD check failed"
    $CHECK same "$whl" "$POST" >/dev/null || t_fail "entries changed"
    run "$PY" -m pip install -q --no-index --no-deps --find-links "$dir/post" --target "$dir/site" \
        "$proj==$ver.post7"
    expect_rc 0
    expect_eq "$(PYTHONPATH=$dir/site "$PY" -c "import importlib.metadata as m; print(m.version('$proj'))")" \
        "$ver.post7" "importlib version"
    run "$PY" -m wheel unpack -d "$dir/unpacked" "$POST"
    expect_rc 0
    run twine check "$whl"
    IN_OK=$T_RC
    run twine check "$POST"
    [ "$IN_OK" != 0 ] || expect_rc 0
done

t_case "66,010 entries: ZIP64 end records read and written"
mkdir -p "$T_TMP/many"
MANY=$($MK "$T_TMP/many" --name many --files 66000)
run wheel-retag --final --verify -o "$T_TMP/many/out" "$MANY"
expect_rc 0
OUT=$T_TMP/many/out/many-3.1.0-py3-none-any.whl
$CHECK record "$OUT" >/dev/null || t_fail "RECORD check failed"
expect_eq "$(unzip -Z1 "$OUT" | wc -l)" 66010 entries
"$PY" -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.read("many/mod65999.py")' "$OUT" ||
    t_fail "zipfile cannot read the last entry"

t_done
