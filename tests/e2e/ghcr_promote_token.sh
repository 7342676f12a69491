#!/usr/bin/env bash
# ghcr-promote against two docker-registry peers with token auth: within one registry (one
# token covering pull on the source and push on the destination, mounts only) and across
# two registries (streamed copies, digests preserved); credentials from REGISTRY_USERNAME/
# PASSWORD, the docker config and a credential helper, each sent only to its own registry's
# token server and never printed; a token without pull on the source; bad credentials;
# anonymous pulls; a reader's dry run.
. "$RELKIT_SRC/tests/lib/common.sh"
fakes=$RELKIT_SRC/tests/fakes/registry

if [ "${E2E_INNER:-}" != 1 ]; then
    E2E_INNER=1 exec "$fakes/with-registry.sh" --mode token --second --fixtures -- bash "$0" "$@"
fi
export RELKIT_HTTP_MAX_ATTEMPTS=2 RELKIT_HTTP_BACKOFF_MS=10
R=$REGISTRY_ADDR
R2=$REGISTRY2_ADDR
P1=$REGISTRY_PASSWORD
P2=$REGISTRY2_PASSWORD
fixture() { "$RELKIT_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); i=[i for i in d["images"] if i["name"]==sys.argv[2]][0]; print(eval(sys.argv[3], {}, {"i": i}))' "$REGISTRY_FIXTURES" "$1" "$2"; }
digest_of() { skopeo inspect --raw --tls-verify=false --creds "$1" "docker://$2" 2>/dev/null | sha256sum | sed 's/^/sha256:/; s/ .*//'; }
logsum() { sleep 0.3; "$RELKIT_PYTHON" "$fakes/registry-log.py" "$1" --since "$2" | "$RELKIT_PYTHON" -c "import json,sys; d=json.load(sys.stdin); k=d['kinds']; print($3)"; }
# token-server log lines since an offset, as "user status" pairs
tokens_since() { tail -c +$(($2 + 1)) "$1" | "$RELKIT_PYTHON" -c 'import json,sys; [print(j.get("user") or "-", j["status"]) for j in map(json.loads, sys.stdin)]'; }

# registry 1 credentials come from a docker config; REGISTRY_* are cleared unless a case sets them
export DOCKER_CONFIG=$T_TMP/docker
mkdir -p "$DOCKER_CONFIG"
a1=$(printf 'pusher:%s' "$P1" | base64 -w0)
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$R" "$a1" >"$DOCKER_CONFIG/config.json"
unset REGISTRY_USERNAME REGISTRY_PASSWORD

t_case "within one registry: one token for pull and push, mounts only, same digests"
off=$(stat -c %s "$REGISTRY_LOG")
toff=$(stat -c %s "$TOKEN_SERVER_LOG")
run ghcr-promote -vv "$R/src/multi:1.0" "$R/dst/multi:1.0"
expect_rc 0
expect_schema ghcr-promote.output
expect_eq "$(tokens_since "$TOKEN_SERVER_LOG" "$toff")" "pusher 200" "token server saw"
expect_eq "$(json_get '["promotion"]["totals"]["token_requests"]')" 1 "token requests"
expect_eq "$(digest_of "pusher:$P1" "$R/dst/multi:1.0")" "$(fixture multi 'i["digest"]')" digest
expect_eq "$(logsum "$REGISTRY_LOG" "$off" 'k.get("mount",0), k.get("upload_put",0)+k.get("upload_patch",0), d["blob_bytes_served"]')" "6 0 0" "mounts, uploads, bytes"
grep -q "$P1" <<<"$T_ERR" && t_fail "the password was printed"
grep -qi "bearer [a-z0-9]" <<<"$T_ERR" && t_fail "a token was printed"
grep -q "(authenticated)" <<<"$T_ERR" || t_fail "-vv does not show authenticated requests"

t_case "across two registries: streamed copy, same digests, credentials kept apart"
t1=$(stat -c %s "$TOKEN_SERVER_LOG")
t2=$(stat -c %s "$TOKEN_SERVER2_LOG")
REGISTRY_USERNAME=pusher REGISTRY_PASSWORD=$P2 run ghcr-promote -vv "$R/src/multi-docker:1.0" "$R2/dst/multi-docker:1.0"
expect_rc 0
expect_eq "$(tokens_since "$TOKEN_SERVER_LOG" "$t1")" "pusher 200" "registry 1 token server"
expect_eq "$(tokens_since "$TOKEN_SERVER2_LOG" "$t2")" "pusher 200" "registry 2 token server"
expect_eq "$(digest_of "pusher:$P2" "$R2/dst/multi-docker:1.0")" "$(fixture multi-docker 'i["digest"]')" digest
expect_eq "$(json_get '["images"][0]["blobs"]["copied"]')" 6 "blobs copied"
for secret in "$P1" "$P2"; do grep -qF -- "$secret" <<<"$T_ERR" && t_fail "a password was printed"; done
REGISTRY_USERNAME=pusher REGISTRY_PASSWORD=$P2 run ghcr-promote "$R/src/multi-docker:1.0" "$R2/dst/multi-docker:1.0"
expect_eq "$(json_get '["images"][0]["status"]')" present "rerun across registries"

t_case "single image across registries, with a credential helper for registry 2"
mkdir -p "$T_TMP/bin"
cat >"$T_TMP/bin/docker-credential-relkite2e" <<EOF
#!/bin/sh
read -r server
[ "\$server" = "$R2" ] || { echo "credentials not found in native keychain"; exit 1; }
printf '{"ServerURL":"%s","Username":"pusher","Secret":"%s"}' "\$server" "$P2"
EOF
chmod +x "$T_TMP/bin/docker-credential-relkite2e"
printf '{"auths": {"%s": {"auth": "%s"}}, "credHelpers": {"%s": "relkite2e"}}\n' "$R" "$a1" "$R2" >"$DOCKER_CONFIG/config.json"
PATH=$T_TMP/bin:$PATH run ghcr-promote -v "$R/src/app:1.0" "$R2/dst/app:1.0"
expect_rc 0
expect_err "credentials from docker-credential-relkite2e"
expect_eq "$(digest_of "pusher:$P2" "$R2/dst/app:1.0")" "$(fixture app 'i["digest"]')" digest

t_case "tt tag grammar, a conflict and a missing source in token mode"
TT_TAG=0.0.5-ef93cf18b3aee66cc9ec703423de0ad3c6fde844-1d799da-52729064622
run ghcr-promote --repo-rule '^src/tt-shield/=dst/tt-inference-server/' \
    --tag-rule '^([0-9]+\.[0-9]+\.[0-9]+)-([0-9a-f]{40})-([0-9a-f]{7})-[0-9]+$={1}-{2:7}-{3}' \
    "$R/src/tt-shield/model-a:$TT_TAG"
expect_rc 0
expect_eq "$(digest_of "pusher:$P1" "$R/dst/tt-inference-server/model-a:0.0.5-ef93cf1-1d799da")" \
    "$(fixture tt-model-a 'i["digest"]')" digest
run ghcr-promote "$R/src/app:1.0" "$R/dst/multi:1.0"
expect_rc 4
expect_eq "$(json_get '["images"][0]["status"]')" conflict status
run ghcr-promote "$R/src/nope:1.0" "$R/dst/nope:1.0"
expect_rc 4
expect_eq "$(json_get '["promotion"]["to_build"]')" "[\"$R/src/nope:1.0\"]" to_build

t_case "a token without pull on the source: a clear error, nothing written"
off=$(stat -c %s "$REGISTRY_LOG")
DOCKER_CONFIG=$T_TMP/none REGISTRY_USERNAME=dst-only REGISTRY_PASSWORD=dst-only-secret \
    run ghcr-promote "$R/src/app:1.0" "$R/dst/app-denied:1.0"
expect_rc 4
expect_err "source '$R/src/app:1.0': 401 Unauthorized"
expect_err "the credentials from REGISTRY_USERNAME lack access"
expect_eq "$(logsum "$REGISTRY_LOG" "$off" 'k.get("manifest_put",0)+k.get("mount",0)+k.get("upload_start",0)')" 0 writes

t_case "the same user copies from an anonymous-pull repository (mounts allowed)"
DOCKER_CONFIG=$T_TMP/none REGISTRY_USERNAME=dst-only REGISTRY_PASSWORD=dst-only-secret \
    run ghcr-promote "$R/public/base:1.0" "$R/dst/base:1.0"
expect_rc 0
expect_eq "$(json_get '["images"][0]["blobs"]["mounted"]')" 2 mounted

t_case "bad credentials are refused by the token server"
DOCKER_CONFIG=$T_TMP/none REGISTRY_USERNAME=pusher REGISTRY_PASSWORD=wrong \
    run ghcr-promote "$R/src/app:1.0" "$R/dst/app:1.0"
expect_rc 4
expect_err "refused the credentials from REGISTRY_USERNAME: 401"
grep -q "wrong" <<<"$T_ERR" && t_fail "the password was printed"

t_case "anonymous: public pull works, a push needs credentials"
DOCKER_CONFIG=$T_TMP/none run ghcr-promote --dry-run "$R/public/base:1.0" "$R/public/copy:1.0"
expect_rc 0
expect_eq "$(json_get '["images"][0]["status"]')" planned status
DOCKER_CONFIG=$T_TMP/none run ghcr-promote "$R/src/app:1.0" "$R/dst/anon:1.0"
expect_rc 4
expect_err "no credentials for '$R'"

t_case "a reader's dry run asks pull only"
toff=$(stat -c %s "$TOKEN_SERVER_LOG")
DOCKER_CONFIG=$T_TMP/none REGISTRY_USERNAME=reader REGISTRY_PASSWORD=reader-secret \
    run ghcr-promote --dry-run "$R/src/app:1.0" "$R/src/app-copy:1.0"
expect_rc 0
tail -c +$((toff + 1)) "$TOKEN_SERVER_LOG" | grep -q 'push' && t_fail "a dry run asked for push"
expect_eq "$(json_get '["images"][0]["status"]')" planned status

t_done
