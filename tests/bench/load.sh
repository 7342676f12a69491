#!/usr/bin/env bash
# Load at full size, measured against the design (the CI-sized versions with assertions are
# tests/e2e/load_*.sh):
#   index    index-gen over 10,000 releases x 3 wheels (emulator-generated, past the 1000 cap),
#            a full generation and an unchanged re-run; also 1,000 / 2,500 / 5,000 releases
#            for the memory slope (LOAD_INDEX_SIZES)
#   upload   gh-release upload of 1,000 assets with -j 8 into a draft, a re-run, and a run
#            where 20 uploads are answered 502
#   promote  ghcr-promote of 100 images (3 layers of 4 KiB) in one run: within one registry,
#            a re-run, across two registries (token auth)
# For each: peak RSS (/usr/bin/time), wall time, requests measured (emulator stats, registry
# and token-server logs) next to the formula the design gives. Prints a Markdown table.
#
#   RELKIT_SRC=... RELKIT_BIN=build tests/bench/load.sh [index|upload|promote|all]
# Env: LOAD_INDEX_SIZES ("1000 2500 5000 10000"), LOAD_UPLOADS (1000), LOAD_IMAGES (100),
# LOAD_FIGURES (a file collecting the "figure:" lines; default: a temporary one).
set -uo pipefail
: "${RELKIT_SRC:?}" "${RELKIT_BIN:?}"
export RELKIT_PYTHON=${RELKIT_PYTHON:-/usr/bin/python3}
export PATH="$RELKIT_BIN:$PATH"
unset GITHUB_ACTIONS PIP_FIND_LINKS
here=$RELKIT_SRC/tests/bench/load.sh
what=${1:-all}
t_fail() { echo "load: MISMATCH: $*" >&2; LOAD_MISMATCHES=$((${LOAD_MISMATCHES:-0} + 1)); }

if [ -z "${LOAD_INNER:-}" ]; then
    export LOAD_FIGURES=${LOAD_FIGURES:-$(mktemp "${TMPDIR:-/tmp}/relkit-load-figures.XXXXXX")}
    : >"$LOAD_FIGURES"
    rc=0
    for part in index upload promote; do
        [ "$what" = all ] || [ "$what" = "$part" ] || continue
        echo "## $part" >&2
        LOAD_INNER=$part bash "$here" "$part" || rc=1
    done
    echo
    echo "| run | size | peak RSS | wall | requests measured | expected (formula) |"
    echo "| --- | --- | --- | --- | --- | --- |"
    sed -n 's/^figure: //p' "$LOAD_FIGURES" | "$RELKIT_PYTHON" -c '
import sys
for line in sys.stdin:
    parts = line.split()
    kv = dict(p.split("=", 1) for p in parts if "=" in p)
    name = " ".join(p for p in parts if "=" not in p)
    size = " ".join("%s=%s" % (k, v) for k, v in kv.items() if k in ("N", "K", "faults"))
    meas = ", ".join("%s %s" % (k, v) for k, v in kv.items() if k.endswith("requests") or k in ("tokens", "not_modified"))
    print("| %s | %s | %.1f MB | %s s | %s | %s |" % (name, size, int(kv.get("rss_kb", 0)) / 1024.0,
          kv.get("wall_s", "?"), meas, kv.get("formula", "").replace("_", " ")))'
    exit $rc
fi

. "$RELKIT_SRC/tests/hardening/load/lib.bash"
LOAD_TMP=$(mktemp -d "${TMPDIR:-/tmp}/relkit-load.XXXXXX")
trap 'rm -rf "$LOAD_TMP"' EXIT
T_TMP=$LOAD_TMP
json_get() { "$RELKIT_PYTHON" -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval("d"+sys.argv[1]))' "$1" <<<"$T_OUT"; }
check() { [ "$1" = "$2" ] || t_fail "$3: measured $1, expected $2"; }

# ---- index-gen ----
index_size() { # N (inside an emulator seeded with N releases)
    local n=$1 pages list tags bytag total
    pages=$(((n + 99) / 100))
    list=$((pages < 10 ? pages : 10))
    tags=1 # past the cap: every tag in one GET git/matching-refs/tags
    bytag=$((n > 1000 ? n - 1000 : 0))
    [ "$n" -ge 1000 ] || tags=0 # the list holds 1000: the cap may hide older ones
    total=$((list + tags + bytag))
    emu_snap a
    load_run full index-gen --repo relkit-test/load --output "$LOAD_TMP/site$n" --cache-dir "$LOAD_TMP/cache$n" --no-metadata-fetch
    emu_snap b
    [ "$T_RC" = 0 ] || { t_fail "index-gen N=$n: exit $T_RC: $T_ERR"; return; }
    check "$(emu_delta a b '*')" "$total" "index-gen N=$n requests"
    figure "index-gen full N=$n rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S requests=$(emu_delta a b '*') formula=${list}_list_+_${tags}_tags_+_${bytag}_by_tag_=_$total"
    emu_snap c
    load_run rerun index-gen --repo relkit-test/load --output "$LOAD_TMP/site$n" --cache-dir "$LOAD_TMP/cache$n" --no-metadata-fetch
    emu_snap d
    check "$(emu_delta c d '*')" "$total" "index-gen re-run N=$n requests"
    check "$(json_get '["index"]["requests"]["not_modified"]')" "$total" "index-gen re-run N=$n 304s"
    check "$(emu_spent c d)" 0 "index-gen re-run N=$n primary rate limit spent"
    figure "index-gen rerun N=$n rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S requests=$(emu_delta c d '*') not_modified=$(json_get '["index"]["requests"]["not_modified"]') formula=same_$total,_all_304,_0_rate_limit"
    rm -rf "$LOAD_TMP/site$n" "$LOAD_TMP/cache$n"
}

if [ "$LOAD_INNER" = index ]; then
    if [ -n "${1:-}" ] && [ "$1" != index ]; then index_size "$1"; exit $((${LOAD_MISMATCHES:-0} > 0)); fi
    rc=0
    for n in ${LOAD_INDEX_SIZES:-1000 2500 5000 10000}; do
        seed=$LOAD_TMP/seed-$n.json
        sed "s/\"releases\": 1500,/\"releases\": $n,/" "$RELKIT_SRC/tests/fakes/github/seeds/load_index_1500.json" >"$seed"
        "$RELKIT_SRC/tests/fakes/github/with-emulator.sh" --seed "$seed" -- bash "$here" "$n" || rc=1
    done
    exit $rc
fi

# ---- gh-release upload ----
if [ "$LOAD_INNER" = upload ]; then
    if [ -z "${RELKIT_EMU_API:-}" ]; then
        exec "$RELKIT_SRC/tests/fakes/github/with-emulator.sh" \
            --seed "$RELKIT_SRC/tests/fakes/github/seeds/load_upload.json" -- bash "$here" upload
    fi
    export RELKIT_HTTP_BACKOFF_MS=10 RELKIT_HTTP_BACKOFF_MAX_MS=50
    n=${LOAD_UPLOADS:-1000}
    mkdir -p "$LOAD_TMP/files"
    "$RELKIT_PYTHON" -c '
import hashlib, sys
for i in range(int(sys.argv[2])):
    open("%s/asset-%05d.bin" % (sys.argv[1], i), "wb").write(b"".join(hashlib.sha256(b"%d:%d" % (i, k)).digest() for k in range(64)))' \
        "$LOAD_TMP/files" "$n"
    gh-release create -R relkit-test/loadup --tag v1.0.0 --draft </dev/null >/dev/null 2>&1 || t_fail "create"
    emu_snap a
    load_run up gh-release upload -R relkit-test/loadup --tag v1.0.0 -j 8 "$LOAD_TMP"/files/*.bin
    emu_snap b
    [ "$T_RC" = 0 ] || t_fail "upload: exit $T_RC: $T_ERR"
    check "$(emu_delta a b '*')" $((3 + n)) "upload N=$n requests"
    figure "gh-release upload N=$n rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S requests=$(emu_delta a b '*') uploads=$(emu_delta a b '~uploads') formula=1_by_tag_+_1_list_+_1_assets_+_${n}_uploads_=_$((3 + n))"
    emu_snap c
    load_run rerun gh-release upload -R relkit-test/loadup --tag v1.0.0 -j 8 "$LOAD_TMP"/files/*.bin
    emu_snap d
    e=$((2 + (n + 99) / 100))
    check "$(emu_delta c d '*')" "$e" "upload re-run N=$n requests"
    figure "gh-release upload-rerun N=$n rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S requests=$(emu_delta c d '*') formula=1_+_1_+_ceil(N/100)_assets_pages_=_$e"
    gh-release create -R relkit-test/loadup --tag v2.0.0 --target 10ad00000000000000000000000000000000000a --draft </dev/null >/dev/null 2>&1 || t_fail "create v2"
    curl -fsS -X POST "$RELKIT_EMU_API/_emulator/faults" -d '[{"route": "^POST /repos/", "listener": "uploads", "kind": "5xx", "status": 502, "count": 20, "after": 100}]' >/dev/null
    emu_snap e
    load_run faults gh-release upload -R relkit-test/loadup --tag v2.0.0 -j 8 "$LOAD_TMP"/files/*.bin
    emu_snap f
    curl -fsS -X POST "$RELKIT_EMU_API/_emulator/faults" -d '[]' >/dev/null
    check "$(emu_delta e f '*')" $((3 + n + 20)) "upload with 20 faults N=$n requests"
    figure "gh-release upload-5xx N=$n faults=20 rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S requests=$(emu_delta e f '*') formula=3_+_N_+_20_retries_=_$((3 + n + 20))"
    exit $((${LOAD_MISMATCHES:-0} > 0))
fi

# ---- ghcr-promote ----
if [ "$LOAD_INNER" = promote ]; then
    FAKES=$RELKIT_SRC/tests/fakes/registry
    if [ -z "${REGISTRY_ENV_FILE:-}" ]; then
        exec "$FAKES/with-registry.sh" --mode token --second -- bash "$here" promote
    fi
    k=${LOAD_IMAGES:-100}
    b=4
    "$RELKIT_PYTHON" "$FAKES/make-fixtures.py" --out "$LOAD_TMP/fx" --set bench --images "$k" --layers 3 \
        --layer-size 4k --repo-prefix load/img >/dev/null
    "$FAKES/push-fixtures.sh" --env-file "$REGISTRY_ENV_FILE" --fixtures "$LOAD_TMP/fx" --jobs 4 >&2 || exit 1
    "$RELKIT_PYTHON" -c 'import json,sys; print(json.dumps([i["ref"] for i in json.load(open(sys.argv[1]))["images"]]))' \
        "$LOAD_TMP/fx/fixtures.json" >"$LOAD_TMP/images.json"
    export DOCKER_CONFIG=$LOAD_TMP/docker
    mkdir -p "$DOCKER_CONFIG"
    printf '{"auths": {"%s": {"auth": "%s"}, "%s": {"auth": "%s"}}}\n' \
        "$REGISTRY_ADDR" "$(printf 'pusher:%s' "$REGISTRY_PASSWORD" | base64 -w0)" \
        "$REGISTRY2_ADDR" "$(printf 'pusher:%s' "$REGISTRY2_PASSWORD" | base64 -w0)" >"$DOCKER_CONFIG/config.json"
    unset REGISTRY_USERNAME REGISTRY_PASSWORD
    req() { reg_kinds "$1" "$2" | "$RELKIT_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }
    toks() { tail -c +$(($2 + 1)) "$1" | grep -c .; }

    o=$(stat -c %s "$REGISTRY_LOG"); t=$(stat -c %s "$TOKEN_SERVER_LOG")
    load_run within ghcr-promote --images "$LOAD_TMP/images.json" --repo-rule '^load/=within/'
    [ "$T_RC" = 0 ] || t_fail "within: exit $T_RC"
    r=$(req "$REGISTRY_LOG" "$o"); n=$(toks "$TOKEN_SERVER_LOG" "$t")
    check "$r" $((1 + (4 + 2 * b) * k)) "within K=$k registry requests"
    check "$n" 1 "within K=$k token requests (man page: once per batch)"
    figure "ghcr-promote within K=$k rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S registry_requests=$r tokens=$n formula=1_+_K(4_+_2B)_=_$((1 + (4 + 2 * b) * k)),_tokens_1_(man)_or_${k}_(one_per_image_past_64_repos)"

    o=$(stat -c %s "$REGISTRY_LOG"); t=$(stat -c %s "$TOKEN_SERVER_LOG")
    load_run rerun ghcr-promote --images "$LOAD_TMP/images.json" --repo-rule '^load/=within/'
    r=$(req "$REGISTRY_LOG" "$o"); n=$(toks "$TOKEN_SERVER_LOG" "$t")
    check "$r" $((1 + 2 * k)) "re-run K=$k registry requests"
    figure "ghcr-promote rerun K=$k rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S registry_requests=$r tokens=$n formula=1_+_2K_=_$((1 + 2 * k))"

    o=$(stat -c %s "$REGISTRY_LOG"); o2=$(stat -c %s "$REGISTRY2_LOG")
    t=$(stat -c %s "$TOKEN_SERVER_LOG"); t2=$(stat -c %s "$TOKEN_SERVER2_LOG")
    load_run across ghcr-promote --images "$LOAD_TMP/images.json" --dst-registry "$REGISTRY2_ADDR"
    [ "$T_RC" = 0 ] || t_fail "across: exit $T_RC"
    r=$(req "$REGISTRY_LOG" "$o"); r2=$(req "$REGISTRY2_LOG" "$o2")
    n=$(($(toks "$TOKEN_SERVER_LOG" "$t") + $(toks "$TOKEN_SERVER2_LOG" "$t2")))
    check "$r" $((1 + (1 + b) * k)) "across K=$k source requests"
    check "$r2" $((1 + (3 + 3 * b) * k)) "across K=$k destination requests"
    check "$n" 2 "across K=$k token requests (man page: once per batch and registry)"
    figure "ghcr-promote across K=$k rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S src_requests=$r dst_requests=$r2 tokens=$n formula=src_1_+_K(1_+_B)_=_$((1 + (1 + b) * k)),_dst_1_+_K(3_+_3B)_=_$((1 + (3 + 3 * b) * k)),_tokens_2"
    exit $((${LOAD_MISMATCHES:-0} > 0))
fi
