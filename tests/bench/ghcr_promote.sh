#!/usr/bin/env bash
# Benchmark: ghcr-promote vs `skopeo copy --all` run once per image (as a script would),
# side by side in one run, against two docker-registry peers (tests/fakes/registry).
#
#   BENCH_IMAGES (20) x BENCH_LAYERS (5) x BENCH_LAYER_SIZE (8M) images, pushed to registry 1
#   within one registry:  bench/img-NN -> promoted/img-NN      (ghcr-promote)
#                         bench/img-NN -> skopeo/img-NN        (skopeo, one process per image)
#   across two registries: registry 1 -> registry 2, same repositories
#
# Reports wall time, blob bytes served by the source registry (from its log), blob bytes
# uploaded to the destination (finished uploads in its log x the blob sizes), mounts, and a
# rerun of ghcr-promote (a no-op). Mode: RELKIT_REGISTRY_MODE (token by default).
# Env: RELKIT_SRC, RELKIT_BIN (build dir with ghcr-promote), RELKIT_PYTHON.
set -euo pipefail
: "${RELKIT_SRC:?}" "${RELKIT_BIN:?}"
py=${RELKIT_PYTHON:-/usr/bin/python3}
export RELKIT_PYTHON=$py
fakes=$RELKIT_SRC/tests/fakes/registry

if [ "${BENCH_INNER:-}" != 1 ]; then
    export BENCH_INNER=1
    exec "$fakes/with-registry.sh" --mode "${RELKIT_REGISTRY_MODE:-token}" --second -- bash "$0" "$@"
fi

images=${BENCH_IMAGES:-20}
layers=${BENCH_LAYERS:-5}
size=${BENCH_LAYER_SIZE:-8M}
work=$(mktemp -d "${TMPDIR:-/tmp}/relkit-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
tool=$RELKIT_BIN/ghcr-promote

now_ms() { echo $(($(date +%s%N) / 1000000)); }
calc() { awk "BEGIN { print $1 }"; } # floating point without bc
logsize() { stat -c %s "$1"; }
# blob bytes served (GET) and uploaded (finished uploads x sizes) since an offset
logbytes() { # LOG OFFSET
    sleep 0.3
    "$py" "$fakes/registry-log.py" "$1" --since "$2" | "$py" -c '
import json, sys
d = json.load(sys.stdin)
sizes = {b["digest"]: b["size"] for i in json.load(open(sys.argv[1]))["images"] for b in i["blobs"]}
up = sum(sizes.get(u.get("digest"), 0) for u in d["uploads"] if u.get("status") in (201, "201"))
k = d["kinds"]
print(d["blob_bytes_served"], up, k.get("mount", 0), k.get("upload_put", 0))' "$fixtures"
}

echo "# building $images images x $layers layers x $size"
"$py" "$fakes/make-fixtures.py" --out "$work/fx" --set bench --images "$images" \
    --layers "$layers" --layer-size "$size" --repo-prefix bench/img >/dev/null
"$fakes/push-fixtures.sh" --env-file "$REGISTRY_ENV_FILE" --fixtures "$work/fx" --jobs 4
fixtures=$work/fx/fixtures.json
"$py" -c 'import json,sys; [print(i["ref"]) for i in json.load(open(sys.argv[1]))["images"]]' \
    "$fixtures" >"$work/refs"
"$py" -c 'import json,sys; print(json.dumps([l.strip() for l in open(sys.argv[1]) if l.strip()]))' \
    "$work/refs" >"$work/images.json"
total=$("$py" -c 'import json,sys; print(sum(b["size"] for i in json.load(open(sys.argv[1]))["images"] for b in i["blobs"]))' "$fixtures")

# the tool reads registry 1 credentials from a docker config, registry 2's from the env
export DOCKER_CONFIG=$work/docker
mkdir -p "$DOCKER_CONFIG"
a1=$(printf '%s:%s' "$REGISTRY_USERNAME" "$REGISTRY_PASSWORD" | base64 -w0)
a2=$(printf '%s:%s' "$REGISTRY2_USERNAME" "$REGISTRY2_PASSWORD" | base64 -w0)
printf '{"auths": {"%s": {"auth": "%s"}, "%s": {"auth": "%s"}}}\n' \
    "$REGISTRY_ADDR" "$a1" "$REGISTRY2_ADDR" "$a2" >"$DOCKER_CONFIG/config.json"
creds1=$REGISTRY_USERNAME:$REGISTRY_PASSWORD
creds2=$REGISTRY2_USERNAME:$REGISTRY2_PASSWORD
unset REGISTRY_USERNAME REGISTRY_PASSWORD

results=()
measure() { # LABEL DSTLOG CMD...: time CMD, bytes from both logs
    local label=$1 dlog=$2 o1 o2 t0 t1 b1 b2
    shift 2
    o1=$(logsize "$REGISTRY_LOG")
    o2=$(logsize "$dlog")
    t0=$(now_ms)
    "$@" >"$work/out.json" 2>"$work/err" || { cat "$work/err" >&2; echo "bench: '$label' failed" >&2; exit 1; }
    t1=$(now_ms)
    read -r served _ mounts _ <<<"$(logbytes "$REGISTRY_LOG" "$o1")"
    if [ "$dlog" = "$REGISTRY_LOG" ]; then
        read -r _ up _ puts <<<"$(logbytes "$REGISTRY_LOG" "$o1")"
    else
        read -r _ up mounts puts <<<"$(logbytes "$dlog" "$o2")"
    fi
    results+=("$(printf '%-44s %8.2f s %10.1f MiB %10.1f MiB %6s %6s' "$label" \
        "$(calc "($t1 - $t0) / 1000")" "$(calc "$served / 1048576")" \
        "$(calc "$up / 1048576")" "$mounts" "$puts")")
    echo $((t1 - t0)) >"$work/last_ms"
}

skopeo_all() { # SRCPREFIX DSTADDR DSTPREFIX SRCCREDS DSTCREDS
    local ref name
    while read -r ref; do
        name=${ref##*/}
        skopeo copy --quiet --all --preserve-digests --src-tls-verify=false --dest-tls-verify=false \
            --src-creds "$4" --dest-creds "$5" "docker://$ref" "docker://$2/$3/${name}"
    done <"$work/refs"
}

echo "# within one registry ($REGISTRY_ADDR, ${RELKIT_REGISTRY_MODE:-token} auth)"
measure "ghcr-promote (same registry)" "$REGISTRY_LOG" \
    "$tool" --images "$work/images.json" --repo-rule '^bench/=promoted/'
ms_tool_same=$(cat "$work/last_ms")
measure "ghcr-promote rerun (no-op)" "$REGISTRY_LOG" \
    "$tool" --images "$work/images.json" --repo-rule '^bench/=promoted/'
measure "skopeo copy --all x $images (same registry)" "$REGISTRY_LOG" \
    skopeo_all bench "$REGISTRY_ADDR" skopeo "$creds1" "$creds1"
ms_skopeo_same=$(cat "$work/last_ms")

echo "# across two registries ($REGISTRY_ADDR -> $REGISTRY2_ADDR)"
measure "ghcr-promote (two registries)" "$REGISTRY2_LOG" \
    "$tool" --images "$work/images.json" --dst-registry "$REGISTRY2_ADDR"
ms_tool_cross=$(cat "$work/last_ms")
measure "skopeo copy --all x $images (two registries)" "$REGISTRY2_LOG" \
    skopeo_all bench "$REGISTRY2_ADDR" skopeo "$creds1" "$creds2"
ms_skopeo_cross=$(cat "$work/last_ms")

# every destination digest equals its source digest
digest_of() { skopeo inspect --raw --tls-verify=false --creds "$1" "docker://$2" 2>/dev/null | sha256sum | cut -d' ' -f1; }
bad=0
while read -r ref; do
    name=${ref##*/}
    want=$(digest_of "$creds1" "$ref")
    [ "$(digest_of "$creds1" "$REGISTRY_ADDR/promoted/$name")" = "$want" ] || { echo "bench: digest differs: promoted/$name" >&2; bad=1; }
    [ "$(digest_of "$creds2" "$REGISTRY2_ADDR/bench/$name")" = "$want" ] || { echo "bench: digest differs: $REGISTRY2_ADDR/bench/$name" >&2; bad=1; }
done <"$work/refs"

echo
printf '%s MiB of blobs in %s images\n' "$(calc "int($total / 1048576)")" "$images"
printf '%-44s %10s %14s %14s %6s %6s\n' "run" "wall" "src served" "dst uploaded" "mounts" "PUTs"
printf '%s\n' "${results[@]}"
echo
printf 'speed-up within one registry:  %.1fx\n' "$(calc "$ms_skopeo_same / $ms_tool_same")"
printf 'speed-up across two registries: %.1fx\n' "$(calc "$ms_skopeo_cross / $ms_tool_cross")"
[ "$bad" = 0 ] && echo "digests: every destination equals its source"
exit "$bad"
