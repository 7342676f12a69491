#!/usr/bin/env bash
# Load, CI size: ghcr-promote of 20 images (3 layers of 4 KiB, OCI, token auth) in one run,
# within one registry and across two, then 70 images (past the 64 repositories one batch
# token covers). Exact request counts from the registries' logs and the token servers',
# bounded memory (a stated peak-RSS bound, not a timing). Full size (100): tests/bench/load.sh.
#
# Requests, K single-platform images of B blobs (B = layers + config = 4), fresh destinations:
#   within one registry   GET /v2/ 1; per image: GET source manifest, GET destination tag
#                         (404), HEAD destination manifest by digest (404), B x (HEAD blob 404,
#                         mount POST 201), PUT manifest: 1 + K (4 + 2B) = 1 + 12K
#   across two            source: 1 + K (1 + B) (manifest, blob GETs) = 1 + 5K
#                         destination: 1 + K (3 + 3B) (tag GET, HEAD, PUT manifest; per blob
#                         HEAD, upload POST, upload PUT) = 1 + 15K
#   a re-run              1 + 2K (source manifest, destination tag: present)
#   token requests        one per registry for the batch ("asked once for all the
#                         repositories of a batch", ghcr-promote(1)); when a batch spans
#                         more than 64 repositories of a registry, one per image
#                         (tools/ghcr-promote/input.c) - never more than one per image
# Memory bound: 60 MB (measured ~20 MB at 100 images), x5 in a sanitizer build.
. "$RELKIT_SRC/tests/lib/common.sh"
FAKES=$RELKIT_SRC/tests/fakes/registry
if [ "${LOAD_INNER:-}" != 1 ]; then
    LOAD_INNER=1 exec "$FAKES/with-registry.sh" --mode token --second -- bash "$0" "$@"
fi
. "$RELKIT_SRC/tests/hardening/load/lib.bash"
K=20
BIG=70
B=4
"$RELKIT_PYTHON" "$FAKES/make-fixtures.py" --out "$T_TMP/fx" --set bench --images "$BIG" --layers 3 \
    --layer-size 4k --repo-prefix load/img >/dev/null
"$FAKES/push-fixtures.sh" --env-file "$REGISTRY_ENV_FILE" --fixtures "$T_TMP/fx" --jobs 4 >/dev/null ||
    { echo "cannot push the fixtures" >&2; exit 1; }
images() { # N -> a JSON list of the first N references
    "$RELKIT_PYTHON" -c 'import json,sys; print(json.dumps([i["ref"] for i in json.load(open(sys.argv[1]))["images"]][:int(sys.argv[2])]))' \
        "$T_TMP/fx/fixtures.json" "$1"
}
images "$K" >"$T_TMP/k.json"
images "$BIG" >"$T_TMP/big.json"
export DOCKER_CONFIG=$T_TMP/docker
mkdir -p "$DOCKER_CONFIG"
printf '{"auths": {"%s": {"auth": "%s"}, "%s": {"auth": "%s"}}}\n' \
    "$REGISTRY_ADDR" "$(printf 'pusher:%s' "$REGISTRY_PASSWORD" | base64 -w0)" \
    "$REGISTRY2_ADDR" "$(printf 'pusher:%s' "$REGISTRY2_PASSWORD" | base64 -w0)" >"$DOCKER_CONFIG/config.json"
unset REGISTRY_USERNAME REGISTRY_PASSWORD
kinds() { # LOG OFFSET 'python expression over d (registry-log.py JSON) and k (its kinds)'
    reg_kinds "$1" "$2" | "$RELKIT_PYTHON" -c "import json,sys; d=json.load(sys.stdin); k=d['kinds']; print($3)"
}
tokens_since() { tail -c +$(($2 + 1)) "$1" | grep -c .; }

t_case "$K images within one registry: 1 + 12x$K registry requests, 1 token, only mounts"
o=$(stat -c %s "$REGISTRY_LOG")
t=$(stat -c %s "$TOKEN_SERVER_LOG")
load_run within ghcr-promote --images "$T_TMP/k.json" --repo-rule '^load/=within/'
expect_rc 0
expect_eq "$(json_get '["promotion"]["totals"]["copied"]')" "$K" copied
expect_eq "$(kinds "$REGISTRY_LOG" "$o" 'd["requests"]')" $((1 + (4 + 2 * B) * K)) "registry requests"
expect_eq "$(kinds "$REGISTRY_LOG" "$o" 'k.get("mount",0), k.get("upload_start",0)+k.get("upload_put",0), d["blob_bytes_served"]')" \
    "$((B * K)) 0 0" "mounts, uploads, blob bytes served"
expect_eq "$(tokens_since "$TOKEN_SERVER_LOG" "$t")" 1 "token requests (token server)"
expect_eq "$(json_get '["promotion"]["totals"]["token_requests"]')" 1 "token requests (ghcr-promote's count)"
expect_rss_below 60 "ghcr-promote of $K images"
figure "ghcr-promote within K=$K rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S registry_requests=$(kinds "$REGISTRY_LOG" "$o" 'd["requests"]') expected=$((1 + (4 + 2 * B) * K)) tokens=$(tokens_since "$TOKEN_SERVER_LOG" "$t") expected_tokens=1"

t_case "re-run: 1 + 2x$K requests, every image present, 1 token"
o=$(stat -c %s "$REGISTRY_LOG")
t=$(stat -c %s "$TOKEN_SERVER_LOG")
load_run rerun ghcr-promote --images "$T_TMP/k.json" --repo-rule '^load/=within/'
expect_rc 0
expect_eq "$(json_get '["promotion"]["totals"]["present"]')" "$K" present
expect_eq "$(kinds "$REGISTRY_LOG" "$o" 'd["requests"]')" $((1 + 2 * K)) "registry requests"
expect_eq "$(tokens_since "$TOKEN_SERVER_LOG" "$t")" 1 "token requests"
figure "ghcr-promote rerun K=$K rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S registry_requests=$(kinds "$REGISTRY_LOG" "$o" 'd["requests"]') expected=$((1 + 2 * K))"

t_case "$K images across two registries: source 1 + 5x$K, destination 1 + 15x$K, 1 token each"
o=$(stat -c %s "$REGISTRY_LOG")
o2=$(stat -c %s "$REGISTRY2_LOG")
t=$(stat -c %s "$TOKEN_SERVER_LOG")
t2=$(stat -c %s "$TOKEN_SERVER2_LOG")
load_run across ghcr-promote --images "$T_TMP/k.json" --dst-registry "$REGISTRY2_ADDR"
expect_rc 0
expect_eq "$(json_get '["promotion"]["totals"]["copied"]')" "$K" copied
expect_eq "$(kinds "$REGISTRY_LOG" "$o" 'd["requests"]')" $((1 + (1 + B) * K)) "source registry requests"
expect_eq "$(kinds "$REGISTRY2_LOG" "$o2" 'd["requests"]')" $((1 + (3 + 3 * B) * K)) "destination registry requests"
expect_eq "$(kinds "$REGISTRY2_LOG" "$o2" 'k.get("upload_put",0)')" $((B * K)) "blobs uploaded"
expect_eq "$(tokens_since "$TOKEN_SERVER_LOG" "$t") $(tokens_since "$TOKEN_SERVER2_LOG" "$t2")" "1 1" "token requests (source, destination)"
expect_rss_below 60 "ghcr-promote of $K images across registries"
figure "ghcr-promote across K=$K rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S src_requests=$(kinds "$REGISTRY_LOG" "$o" 'd["requests"]') expected=$((1 + (1 + B) * K)) dst_requests=$(kinds "$REGISTRY2_LOG" "$o2" 'd["requests"]') expected=$((1 + (3 + 3 * B) * K))"

t_case "$BIG images within one registry: 1 + 12x$BIG requests, at most one token per image"
o=$(stat -c %s "$REGISTRY_LOG")
t=$(stat -c %s "$TOKEN_SERVER_LOG")
load_run big ghcr-promote --images "$T_TMP/big.json" --repo-rule '^load/=big/'
expect_rc 0
expect_eq "$(json_get '["promotion"]["totals"]["copied"]')" "$BIG" copied
expect_eq "$(kinds "$REGISTRY_LOG" "$o" 'd["requests"]')" $((1 + (4 + 2 * B) * BIG)) "registry requests"
n=$(tokens_since "$TOKEN_SERVER_LOG" "$t")
[ "$n" -le "$BIG" ] || t_fail "token requests: $n for $BIG images (more than one per image)"
expect_rss_below 60 "ghcr-promote of $BIG images"
figure "ghcr-promote within K=$BIG rss_kb=$LOAD_RSS_KB wall_s=$LOAD_WALL_S registry_requests=$(kinds "$REGISTRY_LOG" "$o" 'd["requests"]') expected=$((1 + (4 + 2 * B) * BIG)) tokens=$n expected_tokens=1..$BIG"

t_done
