#!/usr/bin/env bash
# wheel-retag end to end: version, tags, build, name, pins; real pip, wheel, twine as judges.
. "$RELKIT_SRC/tests/lib/common.sh"
PY=$RELKIT_PYTHON
MK="$PY $RELKIT_SRC/tests/data/wheels/make_wheel.py"
CHECK="$PY $RELKIT_SRC/tests/data/wheels/check_wheel.py"
IN=$T_TMP/in
mkdir -p "$IN"
RC=$($MK "$IN" --require 'iree-base-compiler==3.2.0rc20250101' --require 'numpy>=1.0' \
    --require 'sharktank (==3.2.0rc20250101) ; python_version >= "3.9"' --require 'shortfin==3.2.0.dev5')
RCBASE=$(basename "$RC")

# field WHEEL FILE KEY: header values, space-separated
field() { $CHECK field "$1" "$2" "$3" | tr '\n' ' ' | sed 's/ $//'; }

t_case "final: rc wheel promoted, output matches the schema"
run wheel-retag --final -o "$T_TMP/out1" "$RC"
expect_rc 0
expect_schema wheel-retag.output
OUT1=$T_TMP/out1/demo_pkg-3.1.0-py3-none-any.whl
expect_file "$OUT1"
expect_eq "$(json_get '["wheels"][0]["status"]')" retagged status
expect_eq "$(json_get '["wheels"][0]["version"]')" 3.1.0 version
expect_eq "$(json_get '["wheels"][0]["previous_version"]')" 3.1.0rc20241119 previous
expect_eq "$(json_get '["wheels"][0]["changed"]')" '["version"]' changed
expect_eq "$(json_get '["wheels"][0]["sha256"]')" "$(sha256sum "$OUT1" | cut -d' ' -f1)" sha256
expect_eq "$(json_get '["wheels"][0]["size"]')" "$(stat -c %s "$OUT1")" size
[ -s "$RC" ] || t_fail "input was modified or removed"

t_case "final: RECORD validates, unchanged entries keep their bytes and attributes"
$CHECK record "$OUT1" >/dev/null || t_fail "RECORD check failed"
$CHECK same "$RC" "$OUT1" >/dev/null || t_fail "entries changed"
expect_eq "$(field "$OUT1" METADATA Version)" 3.1.0 "METADATA Version"
unzip -l "$OUT1" | grep -q 'demo_pkg-3.1.0.data/scripts/hello' || t_fail ".data not renamed"

t_case "final: pip installs it offline, importlib.metadata sees the new version, exec bits kept"
run "$PY" -m pip install -q --no-index --no-deps --find-links "$T_TMP/out1" --target "$T_TMP/site" \
    demo-pkg==3.1.0
expect_rc 0
expect_eq "$(PYTHONPATH=$T_TMP/site "$PY" -c 'import importlib.metadata as m; print(m.version("demo-pkg"))')" \
    3.1.0 "importlib version"
[ -x "$T_TMP/site/demo_pkg/tool.sh" ] || t_fail "exec bit of demo_pkg/tool.sh lost"
[ -x "$T_TMP/site/bin/hello" ] || t_fail "script not installed"

t_case "final: wheel unpack accepts it, twine check passes"
run "$PY" -m wheel unpack -d "$T_TMP/unpacked" "$OUT1"
expect_rc 0
run twine check "$RC"
IN_OK=$T_RC
run twine check "$OUT1"
[ "$IN_OK" != 0 ] || expect_rc 0

t_case "idempotent: a second run writes the identical file"
cp "$OUT1" "$T_TMP/first.whl"
run wheel-retag --final -o "$T_TMP/out1" "$RC"
expect_rc 0
cmp -s "$OUT1" "$T_TMP/first.whl" || t_fail "second output differs"
[ -z "$(ls -A "$T_TMP/out1" | grep -v '^demo_pkg-3.1.0-py3-none-any.whl$')" ] || t_fail "stray files"

t_case "already final: passed through unchanged, byte for byte"
run wheel-retag --final -o "$T_TMP/out2" "$OUT1"
expect_rc 0
expect_eq "$(json_get '["wheels"][0]["status"]')" unchanged status
expect_eq "$(json_get '["wheels"][0]["changed"]')" '[]' changed
cmp -s "$OUT1" "$T_TMP/out2/demo_pkg-3.1.0-py3-none-any.whl" || t_fail "not a byte copy"

t_case "set-version, build tag, platform tag and name in one pass"
run wheel-retag --set-version 3.2.0.post1 --build-tag 1 --platform-tag manylinux_2_28_x86_64 \
    --python-tag cp311 --abi-tag cp311 --name iree-demo -o "$T_TMP/out3" "$RC"
expect_rc 0
expect_schema wheel-retag.output
OUT3=$T_TMP/out3/iree_demo-3.2.0.post1-1-cp311-cp311-manylinux_2_28_x86_64.whl
expect_file "$OUT3"
expect_eq "$(json_get '["wheels"][0]["changed"]')" '["name", "version", "build", "tags"]' changed
expect_eq "$(field "$OUT3" WHEEL Tag)" cp311-cp311-manylinux_2_28_x86_64 "WHEEL Tag"
expect_eq "$(field "$OUT3" WHEEL Build)" 1 "WHEEL Build"
expect_eq "$(field "$OUT3" METADATA Name)" iree-demo "METADATA Name"
$CHECK record "$OUT3" >/dev/null || t_fail "RECORD check failed"
$CHECK same "$RC" "$OUT3" >/dev/null || t_fail "entries changed"

t_case "add and remove tags; removing the build tag"
run wheel-retag --add-platform-tag manylinux_2_28_x86_64 --remove-platform-tag any \
    --add-platform-tag linux_x86_64 --build-tag '' -o "$T_TMP/out4" "$OUT3"
expect_rc 0
OUT4=$T_TMP/out4/iree_demo-3.2.0.post1-cp311-cp311-manylinux_2_28_x86_64.linux_x86_64.whl
expect_file "$OUT4"
expect_eq "$(field "$OUT4" WHEEL Tag)" \
    "cp311-cp311-manylinux_2_28_x86_64 cp311-cp311-linux_x86_64" "WHEEL Tags"
expect_eq "$(field "$OUT4" WHEEL Build)" "" "WHEEL Build"
expect_eq "$(json_get '["wheels"][0]["build"]')" null build
$CHECK record "$OUT4" >/dev/null || t_fail "RECORD check failed"

t_case "pins: --pin and --finalize-pins rewrite Requires-Dist, the rest stays"
run wheel-retag --final --pin 'iree-base-compiler==3.2.0' --finalize-pins 'sharktank,shortfin' \
    -o "$T_TMP/out5" "$RC"
expect_rc 0
expect_eq "$(json_get '["wheels"][0]["changed"]')" '["version", "requires-dist"]' changed
OUT5=$T_TMP/out5/demo_pkg-3.1.0-py3-none-any.whl
expect_eq "$($CHECK field "$OUT5" METADATA Requires-Dist | tr '\n' '|')" \
    'iree-base-compiler==3.2.0|numpy>=1.0|sharktank (==3.2.0) ; python_version >= "3.9"|shortfin==3.2.0|' \
    "Requires-Dist"
unzip -p "$RC" '*/METADATA' | grep -v -e '^Version:' -e '^Requires-Dist:' >"$T_TMP/m.in"
unzip -p "$OUT5" '*/METADATA' | grep -v -e '^Version:' -e '^Requires-Dist:' >"$T_TMP/m.out"
cmp -s "$T_TMP/m.in" "$T_TMP/m.out" || t_fail "other METADATA bytes changed"
$CHECK record "$OUT5" >/dev/null || t_fail "RECORD check failed"

t_case "pins: the version is normalised, extras and the marker of each Requires-Dist kept"
run wheel-retag --pin ' sharktank == 3.2.0-RC2 ' -o "$T_TMP/out5b" "$RC"
expect_rc 0
expect_eq "$($CHECK field "$T_TMP/out5b/$RCBASE" METADATA Requires-Dist | grep sharktank)" \
    'sharktank (==3.2.0rc2) ; python_version >= "3.9"' "Requires-Dist"

t_case "pins: anything but NAME==VERSION is a usage error, nothing written"
pin_bad() { # VALUE REASON
    run wheel-retag --pin "$1" -o "$T_TMP/out5c" "$RC"
    expect_rc 2
    expect_error_line wheel-retag
    expect_err "invalid --pin '"
    expect_err "': expected NAME==VERSION: $2"
    expect_no_file "$T_TMP/out5c"
}
pin_bad 'sharktank==' "no version after '=='"
pin_bad 'sharktank==$(rm -rf /)' "'\$(rm -rf /)' is not a PEP 440 version"
pin_bad $'sharktank==1\nEvil: injected' "it holds a control character"
pin_bad 'sharktank==1.0; python_version<"3"' "environment markers are not supported"
pin_bad 'sharktank[x]==1.0' "not a project name before '=='"
pin_bad 'sharktank>=1.0' "no '=='"
pin_bad 'sharktank===1.0' "'===' is not supported"
pin_bad 'sharktank==3.*' "'3.*' is not a PEP 440 version"

t_case "stdin: the files list gh-release download prints; other keys kept, non-wheels skipped"
printf '{"tag": "v3.1.0", "files": [{"path": "%s", "name": "%s"}, {"path": "x.tar.xz", "name": "x.tar.xz"}]}' \
    "$RC" "$RCBASE" >"$T_TMP/ctx.json"
run_in "$T_TMP/ctx.json" wheel-retag --final -o "$T_TMP/out6"
expect_rc 0
expect_schema wheel-retag.output
expect_eq "$(json_get '["tag"]')" v3.1.0 "kept key"
expect_eq "$(json_get '["wheels"][0]["output"]')" "$T_TMP/out6/demo_pkg-3.1.0-py3-none-any.whl" output
expect_eq "$(json_get '["files"][1]["name"]')" x.tar.xz "files kept"

t_case "stdin: a bare JSON array of paths"
printf '["%s"]' "$RC" >"$T_TMP/list.json"
run_in "$T_TMP/list.json" wheel-retag --final -o "$T_TMP/out7"
expect_rc 0
expect_file "$T_TMP/out7/demo_pkg-3.1.0-py3-none-any.whl"

t_case "--context FILE"
run wheel-retag --context "$T_TMP/ctx.json" --final -o "$T_TMP/out7b"
expect_rc 0
expect_file "$T_TMP/out7b/demo_pkg-3.1.0-py3-none-any.whl"

t_case "dry run: the plan, nothing written"
run wheel-retag --dry-run --verify --final -o "$T_TMP/out8" "$RC"
expect_rc 0
expect_schema wheel-retag.output
expect_eq "$(json_get '["dry_run"]')" true dry_run
expect_eq "$(json_get '["wheels"][0]["status"]')" retagged status
expect_eq "$(json_get '["wheels"][0]["sha256"]')" null sha256
expect_no_file "$T_TMP/out8"

t_case "in place: the input is replaced by the new file"
mkdir -p "$T_TMP/inplace" && cp "$RC" "$T_TMP/inplace/"
run wheel-retag --final --in-place "$T_TMP/inplace/$RCBASE"
expect_rc 0
expect_no_file "$T_TMP/inplace/$RCBASE"
cmp -s "$T_TMP/inplace/demo_pkg-3.1.0-py3-none-any.whl" "$OUT1" || t_fail "in-place output differs"

t_case "output would replace the input without --in-place: usage error"
run wheel-retag --pin 'numpy==2.0' -o "$IN" "$RC"
expect_rc 2
expect_err "would replace the input"

t_case "parallel: -j 3 keeps the input order"
mkdir -p "$T_TMP/many"
for n in alpha beta gamma delta; do $MK "$T_TMP/many" --name "$n" >/dev/null; done
run wheel-retag -j 3 --final -o "$T_TMP/out9" "$T_TMP/many/delta-"*.whl "$T_TMP/many/alpha-"*.whl \
    "$T_TMP/many/gamma-"*.whl "$T_TMP/many/beta-"*.whl
expect_rc 0
ORDER=""
for i in 0 1 2 3; do ORDER="$ORDER $(json_get "[\"wheels\"][$i][\"name\"]")"; done
expect_eq "$ORDER" " delta alpha gamma beta" order

t_case "parallel: the jobs share a memory budget for the texts, -j 8 does not take 8 times more"
# 8 wheels of ~45 KB, each with a 15 MiB METADATA: without the budget -j 8 took 254 MB RSS,
# with it 131 MB (36 MB at -j 1); the budget lets about 4 such wheels in at once
"$PY" - "$T_TMP/bigmeta" <<'PYEOF'
import base64, hashlib, os, sys, zipfile
out = sys.argv[1]
os.makedirs(out)
h = lambda b: "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
for k in range(8):
    name, info = "big%d" % k, "big%d-1.0rc1.dist-info" % k
    files = {name + "/__init__.py": b"X = 1\n",
             info + "/METADATA": ("Metadata-Version: 2.1\nName: %s\nVersion: 1.0rc1\n\n" % name).encode()
             + (b"x" * 1023 + b"\n") * (15 * 1024),
             info + "/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    rec = "".join("%s,%s,%d\n" % (p, h(d), len(d)) for p, d in files.items()) + info + "/RECORD,,\n"
    files[info + "/RECORD"] = rec.encode()
    with zipfile.ZipFile("%s/%s-1.0rc1-py3-none-any.whl" % (out, name), "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in files.items():
            z.writestr(p, d)
PYEOF
run /usr/bin/time -f %M -o "$T_TMP/bigmeta.rss" "$(command -v wheel-retag)" -j 8 --final -o "$T_TMP/out-big" \
    "$T_TMP/bigmeta/"*.whl
expect_rc 0
expect_eq "$(ls "$T_TMP/out-big" | wc -l)" 8 "wheels written"
RSS=$(tail -n 1 "$T_TMP/bigmeta.rss")
echo "    max RSS ${RSS} KB for 8 wheels with a 15 MiB METADATA at -j 8"
if [ "${RELKIT_SANITIZE:-0}" != 1 ]; then # ASan's quarantine keeps freed memory
    [ "$RSS" -lt 190000 ] || t_fail "max RSS $RSS KB at -j 8, over 190000 KB"
fi
rm -rf "$T_TMP/bigmeta" "$T_TMP/out-big"

t_case "stale signature dropped with a warning"
mkdir -p "$T_TMP/signed"
SIGNED=$($MK "$T_TMP/signed" --sign)
run wheel-retag --final -o "$T_TMP/out10" "$SIGNED"
expect_rc 0
expect_err "dropping the stale signature"
expect_eq "$(json_get '["wheels"][0]["changed"]')" '["version", "signatures"]' changed
unzip -l "$T_TMP/out10/demo_pkg-3.1.0-py3-none-any.whl" | grep -q RECORD.jws && t_fail "signature kept"
$CHECK record "$T_TMP/out10/demo_pkg-3.1.0-py3-none-any.whl" >/dev/null || t_fail "RECORD check failed"

t_case "data descriptors and ZIP64 extra fields are copied as they are"
mkdir -p "$T_TMP/dd"
DD=$($MK "$T_TMP/dd" --name dd --descriptor --zip64)
run wheel-retag --final --verify -o "$T_TMP/out11" "$DD"
expect_rc 0
$CHECK record "$T_TMP/out11/dd-3.1.0-py3-none-any.whl" >/dev/null || t_fail "RECORD check failed"
$CHECK same "$DD" "$T_TMP/out11/dd-3.1.0-py3-none-any.whl" >/dev/null || t_fail "entries changed"

t_case "usage errors: exit 2"
run wheel-retag --final "$RC"
expect_rc 2
expect_err "--output-dir"
run wheel-retag --final --set-version 1.0 -o "$T_TMP/x" "$RC"
expect_rc 2
run wheel-retag --pin 'not a pin' -o "$T_TMP/x" "$RC"
expect_rc 2
run wheel-retag --build-tag abc -o "$T_TMP/x" "$RC"
expect_rc 2
run wheel-retag --set-version 'not.a.version' -o "$T_TMP/x" "$RC"
expect_rc 2
run wheel-retag --bogus
expect_rc 2
expect_no_file "$T_TMP/x"

t_case "input schema: the gh-release files list and a bare array validate"
T_OUT=$(cat "$T_TMP/ctx.json")
expect_schema wheel-retag.input
T_OUT=$(cat "$T_TMP/list.json")
expect_schema wheel-retag.input

t_case "in GitHub Actions: a step summary and workflow commands"
: >"$T_TMP/summary.md"
GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$T_TMP/summary.md run wheel-retag --final -o "$T_TMP/out12" "$RC"
expect_rc 0
grep -qF "| \`demo_pkg-3.1.0-py3-none-any.whl\` | 3.1.0rc20241119 → 3.1.0 | retagged |" "$T_TMP/summary.md" ||
    t_fail "summary: $(cat "$T_TMP/summary.md")"
GITHUB_ACTIONS=true run wheel-retag --final -o "$T_TMP/out12" "$T_TMP/nope-1.0-py3-none-any.whl"
expect_err "::error::wheel-retag: unable to open"

t_case "action.yml: its script runs the tool and fills GITHUB_OUTPUT"
"$PY" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["runs"]["steps"][0]["run"])' \
    "$RELKIT_SRC/tools/wheel-retag/action.yml" >"$T_TMP/action.sh"
: >"$T_TMP/gh_output"
(cd "$T_TMP" && env GITHUB_OUTPUT="$T_TMP/gh_output" IN_CONTEXT="$(cat "$T_TMP/ctx.json")" IN_WHEELS= \
    IN_OUTPUT_DIR="$T_TMP/out13" IN_IN_PLACE=false IN_SET_VERSION= IN_FINAL=true IN_BUILD_TAG= \
    IN_REMOVE_BUILD_TAG=false IN_NAME= IN_PYTHON_TAG= IN_ADD_PYTHON_TAG= IN_REMOVE_PYTHON_TAG= \
    IN_ABI_TAG= IN_ADD_ABI_TAG= IN_REMOVE_ABI_TAG= IN_PLATFORM_TAG= IN_ADD_PLATFORM_TAG="a_1 b_2" \
    IN_REMOVE_PLATFORM_TAG= IN_PIN="numpy==2.0" IN_FINALIZE_PINS='*' IN_VERIFY=true IN_JOBS=2 \
    IN_DRY_RUN=false IN_VERBOSE=false bash -e "$T_TMP/action.sh") >"$T_TMP/action.out" 2>&1 ||
    t_fail "action script failed: $(cat "$T_TMP/action.out")"
expect_file "$T_TMP/out13/demo_pkg-3.1.0-py3-none-any.a_1.b_2.whl"
grep -qx 'count=1' "$T_TMP/gh_output" || t_fail "no count in GITHUB_OUTPUT: $(cat "$T_TMP/gh_output")"
grep -qx 'retagged=1' "$T_TMP/gh_output" || t_fail "no retagged in GITHUB_OUTPUT"
grep -q '"tag": "v3.1.0"' "$T_TMP/gh_output" || t_fail "no context in GITHUB_OUTPUT"
if [ -x "$RELKIT_SRC/tests/node_modules/.bin/action-validator" ]; then
    "$RELKIT_SRC/tests/node_modules/.bin/action-validator" "$RELKIT_SRC/tools/wheel-retag/action.yml" ||
        t_fail "action-validator rejects action.yml"
fi

t_case "--help lists exactly the options of the man page"
run wheel-retag --help
expect_rc 0
HELP=$(grep -oE -- '--[a-z][a-z-]+' <<<"$T_OUT" | sort -u)
MAN=$(sed -n '/^\.SH OPTIONS/,/^\.SH INPUT/p' "$RELKIT_SRC/docs/man/wheel-retag.1" |
    sed 's/\\f[BIRP]//g; s/\\-/-/g' | grep -oE -- '--[a-z][a-z-]+' | sort -u)
expect_eq "$MAN" "$HELP" "man page options"

t_done
