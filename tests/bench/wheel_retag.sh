#!/usr/bin/env bash
# wheel-retag benchmark: promote a generated ~200 MB compiler-like wheel (rc -> final) with
# wheel-retag, with the unpack/edit/pack method (Debian's python3-wheel), and copy it with cp;
# side by side in one run, medians of several runs, peak RSS from GNU time. Then peak RSS of
# wheel-retag on a ~1 GB wheel. wheel-retag fsyncs its output before renaming it into place
# (DESIGN.md), so cp is also timed followed by an fsync of the copy; every measurement starts
# after a sync so that no method pays for the dirty pages of the one before.
#
# env: RELKIT_BIN (build dir with wheel-retag), RELKIT_SRC, RELKIT_PYTHON (/usr/bin/python3),
#      BENCH_DIR (scratch, needs ~3 GB; default a temp dir), BENCH_MB (default 170 -> ~200 MB
#      file), BENCH_BIG_MB (default 900 -> ~1 GB file; 0 skips), BENCH_RUNS (default 5),
#      BENCH_STRICT=1 (exit 1 when a target is missed).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
RELKIT_SRC=${RELKIT_SRC:-$(cd "$HERE/../.." && pwd)}
RELKIT_BIN=${RELKIT_BIN:-$RELKIT_SRC/build}
PY=${RELKIT_PYTHON:-/usr/bin/python3}
RETAG=$RELKIT_BIN/wheel-retag
RUNS=${BENCH_RUNS:-7}
MB=${BENCH_MB:-170}
BIG_MB=${BENCH_BIG_MB:-900}
TIME=/usr/bin/time
[ -x "$RETAG" ] || { echo "wheel_retag bench: no $RETAG (build first)" >&2; exit 2; }
[ -x "$TIME" ] || { echo "wheel_retag bench: needs GNU time (Debian package 'time')" >&2; exit 2; }
"$PY" -c 'import wheel' 2>/dev/null || { echo "wheel_retag bench: needs python3-wheel" >&2; exit 2; }
DIR=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/relkit-bench.XXXXXX")}
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT

# measure NAME CMD...: one run; appends "seconds rss_kb" to $DIR/NAME.txt
measure() {
    local name=$1
    shift
    sync # every method starts with no dirty pages left by the one before
    "$TIME" -f "%e %M" -o "$DIR/.t" "$@" >/dev/null 2>"$DIR/.err" ||
        { echo "wheel_retag bench: $name failed:" >&2; cat "$DIR/.err" >&2; exit 1; }
    cat "$DIR/.t" >>"$DIR/$name.txt"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
secs() { cut -d' ' -f1 "$DIR/$1.txt" | median; }
rss_mb() { cut -d' ' -f2 "$DIR/$1.txt" | sort -n | tail -1 | awk '{ printf "%.1f", $1 / 1024 }'; }

# the unpack / edit / pack method (what change_wheel_version does)
cat >"$DIR/unpack_pack.sh" <<'EOF'
set -e
in=$1 out=$2 work=$3 py=$4
rm -rf "$work" "$out" && mkdir -p "$work" "$out"
"$py" -m wheel unpack -d "$work" "$in" >/dev/null
cd "$work"/*/
old=$(basename "$PWD")
new=${old%rc*}
for d in "$old".dist-info "$old".data; do [ -d "$d" ] && mv "$d" "$new${d#$old}"; done
sed -i "s/^Version: .*/Version: ${new#*-}/" "$new".dist-info/METADATA
cd .. && mv "$old" "$new"
"$py" -m wheel pack -d "$out" "$new" >/dev/null
EOF

echo "generating a ~$((MB * 200 / 170)) MB wheel ..." >&2
mkdir -p "$DIR/in"
W=$("$PY" "$HERE/gen_wheel.py" "$DIR/in" --mb "$MB" --files 3000)
SIZE=$(stat -c %s "$W")
cat "$W" >/dev/null # warm the page cache for everyone alike

for i in $(seq "$RUNS"); do
    rm -rf "$DIR/out-retag" "$DIR/cp.whl"
    measure retag "$RETAG" -q --final -o "$DIR/out-retag" "$W"
    measure cp cp "$W" "$DIR/cp.whl"
    rm -f "$DIR/cpf.whl"
    measure cp_fsync sh -c 'cp "$1" "$2" && sync "$2"' sh "$W" "$DIR/cpf.whl"
    rm -rf "$DIR/out-verify"
    measure retag_verify "$RETAG" -q --final --verify -o "$DIR/out-verify" "$W"
done
for i in $(seq "$(( RUNS < 2 ? RUNS : 2 ))"); do
    measure unpack_pack bash "$DIR/unpack_pack.sh" "$W" "$DIR/out-pack" "$DIR/work" "$PY"
done
"$PY" "$RELKIT_SRC/tests/data/wheels/check_wheel.py" record "$DIR"/out-retag/*.whl >/dev/null ||
    { echo "wheel_retag bench: the retagged wheel does not validate" >&2; exit 1; }

T_RETAG=$(secs retag)
T_CP=$(secs cp)
T_CPF=$(secs cp_fsync)
T_VERIFY=$(secs retag_verify)
T_PACK=$(secs unpack_pack)
R_RETAG=$(rss_mb retag)

BIG_LINE=""
R_BIG=0
if [ "$BIG_MB" -gt 0 ]; then
    echo "generating a ~$((BIG_MB * 1100 / 1000)) MB wheel ..." >&2
    rm -rf "$DIR/in" "$DIR/out-pack" "$DIR/work" "$DIR/out-verify" "$DIR/cp.whl"
    mkdir -p "$DIR/big"
    BIG=$("$PY" "$HERE/gen_wheel.py" "$DIR/big" --mb "$BIG_MB" --files 3000 --level 1)
    BIG_SIZE=$(stat -c %s "$BIG")
    cat "$BIG" >/dev/null
    measure big_retag "$RETAG" -q --final -o "$DIR/out-big" "$BIG"
    measure big_cp cp "$BIG" "$DIR/big-cp.whl"
    rm -rf "$DIR/out-big"
    measure big_verify "$RETAG" -q --final --verify -o "$DIR/out-big" "$BIG"
    R_BIG=$(rss_mb big_retag)
    BIG_LINE=$(printf '%s\n' \
        "| wheel-retag --final (1 GB wheel) | $(secs big_retag) | $R_BIG | $(awk -v a="$(secs big_retag)" -v b="$(secs big_cp)" 'BEGIN { printf "%.1fx cp", a / b }') |" \
        "| wheel-retag --final --verify (1 GB wheel) | $(secs big_verify) | $(rss_mb big_verify) | |" \
        "| cp (1 GB wheel) | $(secs big_cp) | $(rss_mb big_cp) | |")
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }
SPEEDUP=$(ratio "$T_PACK" "$T_RETAG")
VS_CP=$(ratio "$T_RETAG" "$T_CP")
VS_CPF=$(ratio "$T_RETAG" "$T_CPF")
echo
echo "wheel-retag benchmark: $(basename "$W"), $((SIZE / 1048576)) MiB, 3,008 entries; medians of $RUNS runs (unpack/pack: $(( RUNS < 2 ? RUNS : 2 )))"
echo
echo "| method | seconds | peak RSS (MB) | ratio |"
echo "| --- | --- | --- | --- |"
echo "| wheel-retag --final | $T_RETAG | $R_RETAG | 1 |"
echo "| wheel-retag --final --verify | $T_VERIFY | $(rss_mb retag_verify) | $(ratio "$T_VERIFY" "$T_RETAG")x |"
echo "| wheel unpack + edit + wheel pack | $T_PACK | $(rss_mb unpack_pack) | ${SPEEDUP}x slower |"
echo "| cp | $T_CP | $(rss_mb cp) | wheel-retag is ${VS_CP}x cp |"
echo "| cp + fsync (the durability wheel-retag gives) | $T_CPF | $(rss_mb cp_fsync) | wheel-retag is ${VS_CPF}x cp + fsync |"
[ -n "$BIG_LINE" ] && echo "$BIG_LINE"
echo
ok=1
check() { if awk "BEGIN { exit !($2) }"; then echo "target met: $1"; else echo "TARGET MISSED: $1"; ok=0; fi; }
check "at least 40x faster than unpack/pack (${SPEEDUP}x)" "$SPEEDUP >= 40"
check "within 4x of cp (${VS_CP}x)" "$VS_CP <= 4"
check "peak RSS under 32 MB (${R_RETAG} MB; 1 GB wheel: ${R_BIG} MB)" "$R_RETAG < 32 && $R_BIG < 32"
[ "$ok" = 1 ] || [ "${BENCH_STRICT:-0}" != 1 ]
