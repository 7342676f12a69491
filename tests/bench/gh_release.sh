#!/usr/bin/env bash
# gh-release upload / download side by side with Debian's gh (2.23), against the GitHub
# emulator behind a TLS-terminating proxy (tests/bench/gh_release/tls_proxy.py: gh speaks
# https only, and to non-github.com hosts as GitHub Enterprise Server: /api/v3, /api/uploads).
# Both tools go through the same proxy; gh-release also runs straight against the emulator
# (plain http on loopback) for reference.
#
#   cases: 200 x 1 MiB and 4 x 256 MiB uploaded to a fresh published release, then downloaded
#   into an empty directory; and one 1 GiB asset up and down with gh-release alone (peak RSS).
#   figures: wall seconds and peak RSS (/usr/bin/time -v) per run, the ratio gh / gh-release;
#   gh-release with its defaults (-j 16 uploads, -j 24 downloads), with -j 32, and (http)
#   straight to the emulator. A second table gives, for the same (fastest) runs of gh and
#   gh-release, the CPU seconds of the client (user+sys) and of the servers (emulator and
#   proxy, from /proc/PID/stat): on a small machine the servers share the CPUs with the
#   client, and gh-release also hashes every byte (sha256) where gh does not.
#   Each case runs with the emulator answering at once (the emulator's CPU is the limit) and
#   with 50 ms added to every request (closer to api.github.com from a CI runner, where the
#   number of requests in flight is what counts). Both tools run with their defaults (gh
#   uploads 5 and downloads 8 at a time, gh-release 16 and 24).
#
# Environment: RELKIT_BIN (gh-release), RELKIT_SRC; RELKIT_BENCH_RUNS (default 2) repeats each
# timed run on fresh releases, the tools in turn (the order reversed every other round), and
# keeps each one's fastest; RELKIT_BENCH_SMALL_N / _LARGE_N / _LARGE_MB
# / _HUGE_MB shrink the cases for a quick look; RELKIT_BENCH_LATENCIES (default "0 50", ms).
# Output: a table on stdout.
set -euo pipefail
: "${RELKIT_SRC:?}" "${RELKIT_BIN:?}"
PY=${RELKIT_PYTHON:-/usr/bin/python3}
RUNS=${RELKIT_BENCH_RUNS:-2}
SMALL_N=${RELKIT_BENCH_SMALL_N:-200}
LARGE_N=${RELKIT_BENCH_LARGE_N:-4}
LARGE_MB=${RELKIT_BENCH_LARGE_MB:-256}
HUGE_MB=${RELKIT_BENCH_HUGE_MB:-1024}
REPO=relkit-test/demo
GHR=$RELKIT_BIN/gh-release

if [ "${1:-}" != --inner ]; then
    command -v gh >/dev/null || { echo "gh_release bench: gh is not installed" >&2; exit 6; }
    [ -x /usr/bin/time ] || { echo "gh_release bench: /usr/bin/time is missing" >&2; exit 6; }
    first=1
    for lat in ${RELKIT_BENCH_LATENCIES:-0 50}; do
        FIRST=$first "$RELKIT_SRC/tests/fakes/github/with-emulator.sh" --latency-ms "$lat" -- \
            bash "$0" --inner "$lat"
        first=0
    done
    exit 0
fi
LAT=${2:-0}

W=$(mktemp -d "${TMPDIR:-/tmp}/relkit-bench-ghr.XXXXXX")
PROXY_PID=
cleanup() {
    if [ -n "$PROXY_PID" ]; then
        kill "$PROXY_PID" 2>/dev/null || true
        wait "$PROXY_PID" 2>/dev/null || true
    fi
    rm -rf "$W"
}
trap cleanup EXIT

make_ca() {
    local d=$W/ca
    mkdir -p "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 \
        -subj "/CN=relkit bench CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout "$d/srv.key" -out "$d/srv.csr" \
        -subj "/CN=localhost" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$d/ext"
    openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -out "$d/srv.pem" -days 2 -extfile "$d/ext" 2>/dev/null
}

# the API URL the emulator puts in its answers (links, upload URLs): the proxy's, or its own
emu_public() {
    curl -fsS -XPOST "$RELKIT_EMU_API/_emulator/config" -d "{\"public_api_url\": \"$1\"}" >/dev/null
}

start_proxy() {
    "$PY" "$RELKIT_SRC/tests/bench/gh_release/tls_proxy.py" --cert "$W/ca/srv.pem" \
        --key "$W/ca/srv.key" --api "$RELKIT_EMU_API" --uploads "$RELKIT_EMU_UPLOADS" \
        --ports-file "$W/proxy.ports" &
    PROXY_PID=$!
    for _ in $(seq 100); do [ -s "$W/proxy.ports" ] && break; sleep 0.1; done
    PORT=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$W/proxy.ports")
    PUBLIC=https://localhost:$PORT
    GH_ENV=(env -u GH_TOKEN -u GITHUB_TOKEN "GH_HOST=localhost:$PORT" "SSL_CERT_FILE=$W/ca/ca.pem"
        "GH_CONFIG_DIR=$W/ghcfg" GH_NO_UPDATE_NOTIFIER=1 GH_PROMPT_DISABLED=1 NO_COLOR=1)
    GHR_TLS=(env "GITHUB_API_URL=$PUBLIC/api/v3" "SSL_CERT_FILE=$W/ca/ca.pem")
    emu_public "$PUBLIC/api/v3"
    # gh: the token for the proxy's host only (GH_ENTERPRISE_TOKEN would go to every host,
    # the asset-download host included, which refuses it)
    mkdir -p "$W/ghcfg"
    printf 'localhost:%s:\n    oauth_token: %s\n    user: relkit-bot\n    git_protocol: https\n' \
        "$PORT" "$GH_TOKEN" >"$W/ghcfg/hosts.yml"
}

make_files() { # dir count MiB
    mkdir -p "$1"
    for i in $(seq 1 "$2"); do
        head -c "$(($3 << 20))" /dev/urandom >"$1/asset-$(printf %04d "$i").bin"
    done
}

TAGN=0
new_release() {
    TAGN=$((TAGN + 1))
    TAG=bench-$TAGN
    "$GHR" create -q -R "$REPO" --tag "$TAG" --target main --name "$TAG" </dev/null >/dev/null
}

TICK=$(getconf CLK_TCK)
srv_ticks() { # CPU ticks (user+sys) of the emulator and the proxy so far
    awk '{t += $14 + $15} END {print t}' "/proc/$RELKIT_EMU_PID/stat" "/proc/$PROXY_PID/stat"
}

# timed CMD...: sets SECS, RSS_MB (peak resident set of the command), CPU_S (its user+sys
# seconds) and SRV_S (the emulator's and the proxy's CPU seconds meanwhile). Dirty pages are
# written out first: the writeback of what the previous run wrote (the emulator's copy of
# every upload, the downloaded files) must not land in the next run's time.
timed() {
    local t0
    sync
    t0=$(srv_ticks)
    /usr/bin/time -v -o "$W/time.txt" "$@" </dev/null >"$W/out.txt" 2>"$W/err.txt" || {
        echo "bench: command failed: $*" >&2
        tail -n 5 "$W/err.txt" >&2
        exit 1
    }
    SECS=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$W/time.txt")
    RSS_MB=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$W/time.txt")
    CPU_S=$(awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {printf "%.2f", s}' "$W/time.txt")
    SRV_S=$(awk -v a="$t0" -v b="$(srv_ticks)" -v hz="$TICK" 'BEGIN {printf "%.2f", (b - a) / hz}')
}



run_upload() { # who files...
    local who=$1; shift
    new_release
    case $who in
    gh) timed "${GH_ENV[@]}" gh release upload "$TAG" "$@" -R "localhost:$PORT/$REPO" ;;
    ghr) timed "${GHR_TLS[@]}" "$GHR" upload -q -R "$REPO" --tag "$TAG" "$@" ;;
    ghr-j32) timed "${GHR_TLS[@]}" "$GHR" upload -q -j 32 -R "$REPO" --tag "$TAG" "$@" ;;
    ghr-http) timed "$GHR" upload -q -R "$REPO" --tag "$TAG" "$@" ;;
    esac
    LAST_TAG=$TAG
}

run_download() { # who tag
    local d=$W/dl-$1-$RANDOM
    case $1 in
    gh) timed "${GH_ENV[@]}" gh release download "$2" -D "$d" -R "localhost:$PORT/$REPO" ;;
    ghr) timed "${GHR_TLS[@]}" "$GHR" download -q -R "$REPO" --tag "$2" -D "$d" ;;
    ghr-j32) timed "${GHR_TLS[@]}" "$GHR" download -q -j 32 -R "$REPO" --tag "$2" -D "$d" ;;
    ghr-http) timed "$GHR" download -q -R "$REPO" --tag "$2" -D "$d" ;;
    esac
    rm -rf "$d"
}

declare -A S R C V
keep() { # key: the fastest run so far
    if [ -z "${S[$1]:-}" ] || awk "BEGIN{exit !($SECS < ${S[$1]})}"; then
        S[$1]=$SECS R[$1]=$RSS_MB C[$1]=$CPU_S V[$1]=$SRV_S
    fi
}
CPU_ROWS=
measure() { # case dir
    local who k r order
    # runs alternate the order (the emulator and the disk are not in the same state for the
    # first and the last tool of a round); each tool's fastest run is kept
    for r in $(seq "$RUNS"); do
        order="gh ghr ghr-j32 ghr-http"
        [ $((r % 2)) = 1 ] || order="ghr-http ghr-j32 ghr gh"
        for who in $order; do
            if [ "$who" = ghr-http ]; then emu_public ""; else emu_public "$PUBLIC/api/v3"; fi
            # shellcheck disable=SC2046
            run_upload "$who" $(ls "$2"/*.bin)
            keep "$1-up-$who"
            run_download "$who" "$LAST_TAG"
            keep "$1-down-$who"
        done
    done
    for k in up down; do
        printf '%-22s %7s %7s %7s %8s %7s %7s %7s %7s\n' "$1 $k" "${S[$1-$k-gh]}" "${S[$1-$k-ghr]}" \
            "${S[$1-$k-ghr-j32]}" "${S[$1-$k-ghr-http]}" \
            "$(awk "BEGIN{printf \"%.2fx\", ${S[$1-$k-gh]} / ${S[$1-$k-ghr]}}")" \
            "$(awk "BEGIN{printf \"%.2fx\", ${S[$1-$k-gh]} / ${S[$1-$k-ghr-j32]}}")" \
            "${R[$1-$k-gh]}" "${R[$1-$k-ghr]}"
        CPU_ROWS+=$(printf '%-22s %9s %9s %9s %9s' "$1 $k" "${C[$1-$k-gh]}" "${V[$1-$k-gh]}" \
            "${C[$1-$k-ghr]}" "${V[$1-$k-ghr]}")$'\n'
    done
}

make_ca
start_proxy
echo "gh-release vs gh $(gh --version | head -n 1 | awk '{print $3}') (emulator + TLS proxy on 127.0.0.1, $(nproc) CPUs, +${LAT} ms per request)"
# what hashing every byte costs here (gh-release checks each asset's sha256; gh does not)
echo "sha256 on this CPU: $(openssl speed -evp sha256 -bytes 32768 -seconds 1 2>/dev/null |
    awk '/^sha256/ {printf "%.0f MB/s", $2 / 1000}') per core (openssl speed -evp sha256)"
printf '%-22s %7s %7s %7s %8s %7s %7s %7s %7s\n' case "gh s" "ghr s" "-j32 s" "http s" "gh/ghr" "/-j32" "gh MB" "ghr MB"
make_files "$W/small" "$SMALL_N" 1
measure "${SMALL_N} x 1 MiB" "$W/small"
rm -rf "$W/small"
make_files "$W/large" "$LARGE_N" "$LARGE_MB"
measure "${LARGE_N} x ${LARGE_MB} MiB" "$W/large"
rm -rf "$W/large"
echo "CPU seconds of the same runs (client: user+sys; servers: emulator + TLS proxy)"
printf '%-22s %9s %9s %9s %9s\n' case "gh" "servers" "ghr" "servers"
printf '%s' "$CPU_ROWS"

[ "${FIRST:-1}" = 1 ] || exit 0
make_files "$W/huge" 1 "$HUGE_MB"
emu_public ""
run_upload ghr-http "$W/huge/asset-0001.bin"
up_s=$SECS up_rss=$RSS_MB
run_download ghr-http "$LAST_TAG"
printf '%-22s up %ss %s MB peak RSS, down %ss %s MB peak RSS (target: < 32 MB)\n' \
    "1 x ${HUGE_MB} MiB gh-release" "$up_s" "$up_rss" "$SECS" "$RSS_MB"
