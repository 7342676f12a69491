#!/usr/bin/env bash
# ./run bench index_gen: 1,000 releases x 40 assets (30 wheels, 10 other files, GitHub digests)
# in the emulator with 20 ms latency per request. Side by side:
#   sequential  the old generator's way: per_page=100 pages one after the other (Python)
#   index-gen   a full generation (cold cache): parallel pages, hashes from digests, all pages
#   re-run      the same generation again, unchanged: conditional requests (304s)
#   transfer    the floor under any client: curl fetching the same pages the fastest way
#               (page 1, then the rest at once), parsing nothing
# Figures: wall time, HTTP requests, primary rate limit spent (emulator's count), and where the
# time went: index-gen's phases (-v, full generation), CPU seconds of the client (user+sys, all
# threads) and of the emulator (its /proc stat), so that a loaded machine (wall >> CPU) shows
# as such.
set -euo pipefail
: "${RELKIT_SRC:?}" "${RELKIT_BIN:?}"
PY=${RELKIT_PYTHON:-/usr/bin/python3}
RELEASES=${BENCH_RELEASES:-1000}
ASSETS=${BENCH_ASSETS:-40}
LATENCY=${BENCH_LATENCY_MS:-20}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/relkit-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$PY" - "$tmp/seed.json" "$RELEASES" "$ASSETS" <<'PYEOF'
import json, sys
path, nrel, nas = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rels = []
for n in range(1, nrel + 1):
    day = "2024-%02d-%02dT00:00:00Z" % (1 + (n // 28) % 12, 1 + n % 28)
    assets = []
    for m in range(1, nas + 1):
        if m <= nas * 3 // 4:
            name = "pkg%02d-1.0.%d-cp311-cp311-manylinux_2_28_x86_64.whl" % (m, n)
        else:
            name = "dist%02d-1.0.%d-linux-x86_64.tar.xz" % (m, n)
        assets.append({"name": name, "size": 4096, "digest": "auto", "key": "b/%d/%d" % (n, m)})
    rels.append({"tag_name": "candidate-%05d" % n, "created_at": day, "prerelease": True,
                 "assets": assets})
sha = "3333333333333333333333333333333333333333"
json.dump({"tokens": [{"token": "ghp_relkitTEST0123456789SECRET", "login": "relkit-bot"}],
           "rate_limit": {"authenticated": 100000, "unauthenticated": 60},
           "repositories": [{"owner": "bench", "name": "nightly", "default_branch": "main",
                             "commits": [{"sha": sha, "parents": [], "message": "x",
                                          "date": "2023-01-01T00:00:00Z"}],
                             "branches": {"main": {"sha": sha}}, "releases": rels}]},
          open(path, "w"))
PYEOF

inner() {
    set -euo pipefail
    spent() { curl -sf "$RELKIT_EMU_API/_emulator/stats" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["primary_rate_limit_spent"])'; }
    emu_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$RELKIT_EMU_PID/stat"; }
    row() { printf '%-34s %8s s %6s requests %6s rate-limit %7s s client CPU %7s s emulator CPU\n' "$@"; }
    field() { "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"; }
    # measured CMD...: sets m_wall, m_cpu (client user+sys), m_emu (emulator CPU), m_spent
    measured() {
        local s0 e0 u s
        s0=$(spent); e0=$(emu_cpu)
        /usr/bin/time -f '%e %U %S' -o "$tmp/time" "$@"
        m_spent=$(($(spent) - s0))
        m_emu=$(printf %.2f "$(echo "$(emu_cpu) - $e0" | bc)")
        read -r m_wall u s <"$tmp/time"
        m_cpu=$(printf %.2f "$(echo "$u + $s" | bc)")
    }
    echo "corpus: $RELEASES releases x $ASSETS assets, ${LATENCY} ms latency per request, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
    # warm the emulator's own caches once (not measured)
    "$PY" "$RELKIT_SRC/tests/bench/index_gen_seq_reader.py" "$RELKIT_EMU_API" bench/nightly "$tmp/warm.html" >/dev/null

    measured "$PY" "$RELKIT_SRC/tests/bench/index_gen_seq_reader.py" "$RELKIT_EMU_API" bench/nightly "$tmp/old.html" >"$tmp/seq.json"
    seq_t=$m_wall
    row "sequential reader (per_page=100)" "$m_wall" "$(field '["requests"]' <"$tmp/seq.json")" "$m_spent" "$m_cpu" "$m_emu"

    local u="$RELKIT_EMU_API/repos/bench/nightly/releases?per_page=100&page=" pages rest=() p
    pages=$(((RELEASES + 99) / 100))
    for p in $(seq 2 "$pages"); do rest+=(-o /dev/null "$u$p"); done
    printf 'header = "Authorization: Bearer %s"\n' "$GH_TOKEN" >"$tmp/curlrc"
    # shellcheck disable=SC2016
    measured bash -c 'curl -sSf -K "$1" -o /dev/null "$2" && shift 2 && curl -sSf -K "$1" \
        --no-progress-meter --parallel --parallel-max 100 "${@:2}"' _ "$tmp/curlrc" "${u}1" \
        "$tmp/curlrc" "${rest[@]}"
    row "transfer only (curl, no parsing)" "$m_wall" "$pages" "$m_spent" "$m_cpu" "$m_emu"

    measured "$RELKIT_BIN/index-gen" -v --cache-dir "$tmp/cache" --repo bench/nightly --output "$tmp/idx" \
        --no-metadata-fetch </dev/null >"$tmp/full.json" 2>"$tmp/full.err"
    full_t=$m_wall
    row "index-gen full generation" "$m_wall" "$(field '["index"]["requests"]["total"]' <"$tmp/full.json")" "$m_spent" "$m_cpu" "$m_emu"

    measured "$RELKIT_BIN/index-gen" --cache-dir "$tmp/cache" --repo bench/nightly --output "$tmp/idx2" \
        --no-metadata-fetch </dev/null >"$tmp/rerun.json"
    re_spent=$m_spent
    row "index-gen unchanged re-run" "$m_wall" "$(field '["index"]["requests"]["total"]' <"$tmp/rerun.json")" "$m_spent" "$m_cpu" "$m_emu"
    echo "re-run: $(field '["index"]["requests"]["not_modified"]' <"$tmp/rerun.json") of $(field '["index"]["requests"]["total"]' <"$tmp/rerun.json") answers were 304 Not Modified"
    echo "files indexed: $(field '["index"]["files"]' <"$tmp/full.json") ($(field '["index"]["without_hash"].__len__()' <"$tmp/full.json") without hash)"
    echo "ETag cache: $(du -sk "$tmp/cache/etags" | cut -f1) KiB"
    echo "full generation by phase (index-gen -v: wall, CPU):"
    grep -E ': [0-9.]+ s \([0-9.]+ s CPU\)$' "$tmp/full.err" | sed 's/^index-gen: /  /'
    echo "speed-up, full generation vs sequential reader: $(echo "scale=2; $seq_t / $full_t" | bc)x"
    diff -r "$tmp/idx/simple" "$tmp/idx2/simple" >/dev/null && echo "re-run output: byte-identical"
    [ "$re_spent" = 0 ] || { echo "FAIL: the unchanged re-run spent primary rate limit"; return 1; }
}
export -f inner
export PY RELEASES ASSETS LATENCY tmp
"$RELKIT_SRC/tests/fakes/github/with-emulator.sh" --seed "$tmp/seed.json" --latency-ms "$LATENCY" -- bash -c inner
