#!/usr/bin/env bash
# ghcr-promote against a docker-registry peer without auth (fixtures pushed by skopeo):
# single images and indexes (OCI and Docker) within one registry with identical digests and
# mounts only, a rerun that writes nothing, conflicts, missing sources, the tt tag grammar,
# --platform, --dry-run, batches (file, context, "last good" map), referrers, summaries.
. "$RELKIT_SRC/tests/lib/common.sh"
fakes=$RELKIT_SRC/tests/fakes/registry

if [ "${E2E_INNER:-}" != 1 ]; then
    E2E_INNER=1 exec "$fakes/with-registry.sh" --mode noauth --second --fixtures -- bash "$0" "$@"
fi
export RELKIT_HTTP_MAX_ATTEMPTS=2 RELKIT_HTTP_BACKOFF_MS=10
R=$REGISTRY_ADDR
fixture() { "$RELKIT_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); i=[i for i in d["images"] if i["name"]==sys.argv[2]][0]; print(eval(sys.argv[3], {}, {"i": i}))' "$REGISTRY_FIXTURES" "$1" "$2"; }
digest_of() { skopeo inspect --raw --tls-verify=false "docker://$1" 2>/dev/null | sha256sum | sed 's/^/sha256:/; s/ .*//'; }
logoff() { stat -c %s "$REGISTRY_LOG"; }
# out_py EXPR: a Python expression over the output JSON d
out_py() { "$RELKIT_PYTHON" -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$1" <<<"$T_OUT"; }
# logsum OFFSET EXPR: registry-log.py summary since OFFSET, EXPR over d (waits for the access log)
logsum() { sleep 0.3; "$RELKIT_PYTHON" "$fakes/registry-log.py" "$REGISTRY_LOG" --since "$1" | "$RELKIT_PYTHON" -c "import json,sys; d=json.load(sys.stdin); k=d['kinds']; print($2)"; }
TT_TAG=0.0.5-ef93cf18b3aee66cc9ec703423de0ad3c6fde844-1d799da-52729064622
TT_RULE='^([0-9]+\.[0-9]+\.[0-9]+)-([0-9a-f]{40})-([0-9a-f]{7})-[0-9]+$={1}-{2:7}-{3}'

t_case "single OCI image within one registry: same digest, mounts only"
off=$(logoff)
run ghcr-promote "$R/src/app:1.0" "$R/dst/app:1.0"
expect_rc 0
expect_schema ghcr-promote.output
expect_eq "$(json_get '["images"][0]["status"]')" copied status
expect_eq "$(json_get '["images"][0]["digest"]')" "$(fixture app 'i["digest"]')" "output digest"
expect_eq "$(digest_of "$R/dst/app:1.0")" "$(fixture app 'i["digest"]')" "skopeo digest"
expect_eq "$(logsum "$off" 'k.get("mount",0), k.get("upload_patch",0)+k.get("upload_put",0)+k.get("mount_fallback",0), d["blob_bytes_served"]')" \
    "3 0 0" "mounts, uploads, blob bytes"

t_case "rerun is a no-op: present, nothing written"
off=$(logoff)
run ghcr-promote "$R/src/app:1.0" "$R/dst/app:1.0"
expect_rc 0
expect_eq "$(json_get '["images"][0]["status"]')" present status
expect_eq "$(logsum "$off" 'k.get("manifest_put",0)+k.get("mount",0)+k.get("upload_start",0)')" 0 writes

t_case "multi-platform OCI index copied whole, child digests preserved"
off=$(logoff)
run ghcr-promote "$R/src/multi:1.0" "$R/dst/multi:1.0"
expect_rc 0
expect_eq "$(json_get '["images"][0]["platforms"]')" '["linux/amd64", "linux/arm64/v8"]' platforms
expect_eq "$(json_get '["images"][0]["digest_changed"]')" false digest_changed
expect_eq "$(digest_of "$R/dst/multi:1.0")" "$(fixture multi 'i["digest"]')" "index digest"
arm=$(fixture multi '[p["digest"] for p in i["platforms"] if p["architecture"]=="arm64"][0]')
expect_eq "$(digest_of "$R/dst/multi@$arm")" "$arm" "arm64 child"
expect_eq "$(logsum "$off" 'k.get("manifest_put",0), k.get("upload_put",0), d["blob_bytes_served"]')" "3 0 0" "puts, uploads, bytes"

t_case "Docker schema 2 manifest and manifest list"
run ghcr-promote "$R/src/app-docker:1.0" "$R/dst/app-docker:1.0"
expect_rc 0
expect_eq "$(digest_of "$R/dst/app-docker:1.0")" "$(fixture app-docker 'i["digest"]')" "schema 2 digest"
expect_eq "$(json_get '["images"][0]["media_type"]')" application/vnd.docker.distribution.manifest.v2+json media_type
run ghcr-promote "$R/src/multi-docker:1.0" "$R/dst/multi-docker:1.0"
expect_rc 0
expect_eq "$(digest_of "$R/dst/multi-docker:1.0")" "$(fixture multi-docker 'i["digest"]')" "list digest"

t_case "across two registries: single image and index, same digests, rerun a no-op"
off2=$(stat -c %s "$REGISTRY2_LOG")
run ghcr-promote --images <(printf '["%s/src/app:1.0", "%s/src/multi:1.0"]' "$R" "$R") --dst-registry "$REGISTRY2_ADDR"
expect_rc 0
expect_eq "$(digest_of "$REGISTRY2_ADDR/src/app:1.0")" "$(fixture app 'i["digest"]')" "image digest"
expect_eq "$(digest_of "$REGISTRY2_ADDR/src/multi:1.0")" "$(fixture multi 'i["digest"]')" "index digest"
expect_eq "$(json_get '["promotion"]["totals"]["blobs_copied"]')" 9 "blobs copied"
run ghcr-promote --images <(printf '["%s/src/app:1.0", "%s/src/multi:1.0"]' "$R" "$R") --dst-registry "$REGISTRY2_ADDR"
expect_eq "$(json_get '["promotion"]["totals"]["present"]')" 2 "present on rerun"
sleep 0.3
"$RELKIT_PYTHON" "$fakes/registry-log.py" "$REGISTRY2_LOG" --since "$off2" >"$T_TMP/log2.json"
expect_eq "$("$RELKIT_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["uploads"]), d["kinds"].get("manifest_put",0))' "$T_TMP/log2.json")" "9 4" "uploads, manifest puts in registry 2"

t_case "by digest: source @digest, destination without a tag is pushed by digest"
d=$(fixture app 'i["digest"]')
run ghcr-promote "$R/src/app@$d" "$R/dst/bydigest"
expect_rc 0
expect_eq "$(json_get '["images"][0]["dst"]')" "$R/dst/bydigest@$d" dst
expect_eq "$(digest_of "$R/dst/bydigest@$d")" "$d" "pushed by digest"
run ghcr-promote "$R/src/app@$d" "$R/dst/bydigest"
expect_eq "$(json_get '["images"][0]["status"]')" present "rerun by digest"

t_case "conflicting tag is refused, --force replaces it"
run ghcr-promote "$R/src/app-docker:1.0" "$R/dst/app:1.0"
expect_rc 4
expect_error_line ghcr-promote
expect_err "use --force to replace it"
expect_eq "$(json_get '["images"][0]["status"]')" conflict status
expect_eq "$(json_get '["images"][0]["dst_before"]')" "$(fixture app 'i["digest"]')" dst_before
expect_eq "$(json_get '["promotion"]["conflicts"]')" "[\"$R/dst/app:1.0\"]" conflicts
expect_eq "$(digest_of "$R/dst/app:1.0")" "$(fixture app 'i["digest"]')" "unchanged"
run ghcr-promote --force "$R/src/app-docker:1.0" "$R/dst/app-forced:1.0"
run ghcr-promote --force "$R/src/app:1.0" "$R/dst/app-forced:1.0"
expect_rc 0
expect_eq "$(json_get '["images"][0]["status"]')" copied "forced status"
expect_eq "$(digest_of "$R/dst/app-forced:1.0")" "$(fixture app 'i["digest"]')" "replaced"

t_case "missing source: listed to build, exit 4 unless --missing-ok"
run ghcr-promote "$R/src/nope:1.0" "$R/dst/nope:1.0"
expect_rc 4
expect_err "source '$R/src/nope:1.0' not found"
expect_eq "$(json_get '["promotion"]["to_build"]')" "[\"$R/src/nope:1.0\"]" to_build
run ghcr-promote --missing-ok "$R/src/app:9.9" "$R/dst/app:9.9"
expect_rc 0
expect_eq "$(json_get '["images"][0]["status"]')" missing status

t_case "tt tag grammar and repository rule, end to end"
run ghcr-promote --repo-rule '^src/tt-shield/=dst/tt-inference-server/' --tag-rule "$TT_RULE" \
    "$R/src/tt-shield/model-a:$TT_TAG"
expect_rc 0
expect_eq "$(json_get '["images"][0]["dst"]')" "$R/dst/tt-inference-server/model-a:0.0.5-ef93cf1-1d799da" dst
expect_eq "$(digest_of "$R/dst/tt-inference-server/model-a:0.0.5-ef93cf1-1d799da")" \
    "$(fixture tt-model-a 'i["digest"]')" digest

t_case "{version} from the context"
echo '{"version": "0.1.0", "other": {"kept": true}}' >"$T_TMP/ctx.json"
run ghcr-promote --context "$T_TMP/ctx.json" --repo-rule '^src/tt-shield/=dst/tt2/' \
    --tag-rule '^[0-9.]+-([0-9a-f]{7})[0-9a-f]*-([0-9a-f]{7})-[0-9]+$={version}-{1}-{2}' \
    "$R/src/tt-shield/model-a:$TT_TAG"
expect_rc 0
expect_eq "$(json_get '["images"][0]["dst"]')" "$R/dst/tt2/model-a:0.1.0-ef93cf1-1d799da" dst
expect_eq "$(json_get '["other"]["kept"]')" true "unknown keys kept"

t_case "--platform copies a subset and says the digest changes"
run ghcr-promote --platform linux/arm64 "$R/src/multi:1.0" "$R/dst/multi-arm:1.0"
expect_rc 0
expect_eq "$(json_get '["images"][0]["digest_changed"]')" true digest_changed
expect_eq "$(json_get '["images"][0]["platforms"]')" '["linux/arm64/v8"]' platforms
got=$(json_get '["images"][0]["digest"]')
expect_eq "$(digest_of "$R/dst/multi-arm:1.0")" "$got" "filtered index digest"
[ "$got" != "$(fixture multi 'i["digest"]')" ] || t_fail "digest did not change"
run ghcr-promote --platform linux/arm64 "$R/src/multi:1.0" "$R/dst/multi-arm:1.0"
expect_eq "$(json_get '["images"][0]["status"]')" present "rerun with --platform"
run ghcr-promote --platform windows/amd64 "$R/src/multi:1.0" "$R/dst/multi-win:1.0"
expect_rc 3
expect_err "no manifest in the index matches"

t_case "--dry-run reads but writes nothing, not even the summary"
off=$(logoff)
run ghcr-promote --dry-run --summary-md "$T_TMP/dry.md" "$R/src/multi:1.0" "$R/dst/dry:1.0"
expect_rc 0
expect_schema ghcr-promote.output
expect_eq "$(json_get '["images"][0]["status"]')" planned status
expect_eq "$(json_get '["dry_run"]')" true dry_run
expect_no_file "$T_TMP/dry.md"
expect_eq "$(logsum "$off" 'k.get("manifest_put",0)+k.get("mount",0)+k.get("upload_start",0)+k.get("blob_head",0)')" 0 "writes"

t_case "batch from a file: copied, missing, a repeat, two sources for one tag; JSON and Markdown"
cat >"$T_TMP/batch.json" <<EOF
["$R/src/app:1.0",
 {"src": "$R/src/multi:1.0", "dst": "$R/batch/multi:2.0"},
 "$R/src/public-nope:1.0",
 "$R/src/app:1.0",
 {"src": "$R/src/app-docker:1.0", "dst": "$R/batch/app:1.0"}]
EOF
run ghcr-promote --images "$T_TMP/batch.json" --repo-rule '^src/=batch/' --summary-md "$T_TMP/sum.md"
expect_rc 3
expect_schema ghcr-promote.output
expect_eq "$(out_py '" ".join(i["status"] for i in d["images"])')" "failed copied missing failed failed" statuses
expect_err "would be written from"
expect_eq "$(json_get '["promotion"]["totals"]["images"]')" 5 total
expect_file "$T_TMP/sum.md"
grep -q "| failed | \`$R/src/app:1.0\`" "$T_TMP/sum.md" || t_fail "summary row missing"
grep -q "To build" "$T_TMP/sum.md" || t_fail "summary lacks the to-build list"

t_case "batch from the context on stdin, and a models 'last good' map"
printf '{"images": ["%s/src/app:1.0"], "tag": "keep"}' "$R" >"$T_TMP/ctx2.json"
run_in "$T_TMP/ctx2.json" ghcr-promote --repo-rule '^src/=ctx/'
expect_rc 0
expect_eq "$(json_get '["images"][0]["dst"]')" "$R/ctx/app:1.0" dst
expect_eq "$(json_get '["tag"]')" keep "context key kept"
printf '{"model-a": {"docker_image": "%s/src/tt-shield/model-a:%s", "run": 1}, "model-b": {"no_image": 1}}' "$R" "$TT_TAG" >"$T_TMP/lastgood.json"
run ghcr-promote --images "$T_TMP/lastgood.json" --repo-rule '^src/=lg/' --tag-rule "$TT_RULE"
expect_rc 0
expect_eq "$(json_get '["images"][0]["name"]')" model-a name
expect_eq "$(json_get '["images"][0]["dst"]')" "$R/lg/tt-shield/model-a:0.0.5-ef93cf1-1d799da" dst

t_case "batch from get-latest-green --per-job: each key's last good job with an image"
printf '{"per_job": {"keys": {"model-a": {"last_good": {"run_id": 1, "image": "%s/src/app:1.0"}, "latest": {}}, "model-b": {"last_good": null, "latest": {}}}}}' "$R" >"$T_TMP/perjob.json"
run_in "$T_TMP/perjob.json" ghcr-promote --repo-rule '^src/=pj/'
expect_rc 0
expect_eq "$(out_py 'len(d["images"])')" 1 images
expect_eq "$(json_get '["images"][0]["name"]')" model-a name
expect_eq "$(json_get '["images"][0]["dst"]')" "$R/pj/app:1.0" dst
"$RELKIT_PYTHON" "$RELKIT_SRC/tests/lib/schema_check.py" "$RELKIT_SRC/docs/schemas/ghcr-promote.input.json" <"$T_TMP/batch.json" \
    || t_fail "batch.json does not match the input schema"

t_case "--with-referrers copies sha256-<hex> signature tags"
d=$(fixture app 'i["digest"]')
sigtag="sha256-${d#sha256:}.sig"
skopeo copy --quiet --all --preserve-digests --src-tls-verify=false --dest-tls-verify=false \
    "docker://$R/public/base:1.0" "docker://$R/src/app:$sigtag"
run ghcr-promote --with-referrers "$R/src/app:1.0" "$R/ref/app:1.0"
expect_rc 0
expect_eq "$(json_get '["images"][0]["referrers"][0]["dst"]')" "$R/ref/app:$sigtag" "referrer dst"
expect_eq "$(json_get '["images"][0]["referrers"][0]["status"]')" copied "referrer status"
expect_eq "$(digest_of "$R/ref/app:$sigtag")" "$(fixture public-base 'i["digest"]')" "signature digest"

t_case "unreachable registry is a transient failure (exit 5)"
port=$("$RELKIT_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run ghcr-promote "127.0.0.1:$port/src/app:1.0" "127.0.0.1:$port/dst/app:1.0"
expect_rc 5
expect_error_line ghcr-promote
expect_eq "$(json_get '["images"][0]["status"]')" failed status

t_done
