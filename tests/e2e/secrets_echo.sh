#!/usr/bin/env bash
# Secrets against servers that echo the Authorization header in their error messages
# (tests/hardening/secrets/echo_server.py): a GitHub API answering 401, 403 (secondary limit),
# 404, 422 or 500, for every GitHub tool; a Basic-auth registry answering 401/404/500, for
# ghcr-promote; each also with the credential placed where the tools cut long messages. At -vv,
# plain and in Actions. The tools may show the server's message, but the credential must
# appear only as '***' (stderr, stdout, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, every file), in
# whole or in part, and '::add-mask::' must be emitted.
. "$RELKIT_SRC/tests/lib/common.sh"
. "$RELKIT_SRC/tests/hardening/secrets/lib.bash"
PY=$RELKIT_PYTHON
export RELKIT_HTTP_MAX_ATTEMPTS=2 RELKIT_HTTP_BACKOFF_MS=10 RELKIT_HTTP_BACKOFF_MAX_MS=20 RELKIT_HTTP_MAX_WAIT_MS=100
unset GITHUB_REPOSITORY GITHUB_TOKEN CI
GH_MARK=ghp_RELKITLEAKCHECK0123456789abcdefXYZ
export GH_TOKEN=$GH_MARK

"$PY" "$RELKIT_SRC/tests/hardening/secrets/echo_server.py" --ports-file "$T_TMP/echo.json" &
ECHO_PID=$!
trap 'kill $ECHO_PID 2>/dev/null; wait $ECHO_PID 2>/dev/null; t_cleanup' EXIT
for _ in $(seq 100); do [ -s "$T_TMP/echo.json" ] && break; sleep 0.05; done
PORT=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$T_TMP/echo.json")
sec_secret GH_TOKEN "$GH_MARK" "$PORT" "x-access-token token"
export SEC_EXPECT_MASK=GH_TOKEN
printf 'x\n' >"$T_TMP/f.txt"
REPO=relkit-test/sec
SHA=5ec0000000000000000000000000000000000003

for status in 401 403 404 422 500; do
    t_case "an API answering $status with the token in its message"
    api=http://127.0.0.1:$PORT/$status
    sec_both "glg-$status" GITHUB_API_URL="$api" get-latest-green -vv --repo "$REPO" --workflow ci.yml
    [ "$T_RC" -ge 4 ] || t_fail "get-latest-green: exit $T_RC"
    grep -qF '***' <<<"$T_ERR$SEC_ERR_PLAIN" || t_fail "the echoed token is not shown as ***: $T_ERR"
    sec_both "mct-$status" GITHUB_API_URL="$api" mk-candidate-tag -vv --repo "$REPO" --sha "$SHA" --base-version 1.0.0
    [ "$T_RC" -ge 4 ] || t_fail "mk-candidate-tag: exit $T_RC"
    sec_both "idx-$status" GITHUB_API_URL="$api" index-gen -vv --repo "$REPO" --output @BOX@/site --cache-dir @BOX@/c
    [ "$T_RC" -ge 4 ] || t_fail "index-gen: exit $T_RC"
    for c in "list" "view --tag v1" "create --tag v1 --target $SHA" "upload --tag v1 $T_TMP/f.txt" "publish --tag v1" \
        "download --tag v1 -D @BOX@/dl" "verify --tag v1" "promote --from v1.0rc1" "prune --older-than 1d --yes"; do
        # shellcheck disable=SC2086
        sec_both "ghr-${c%% *}-$status" GITHUB_API_URL="$api" gh-release $c -vv -R "$REPO"
        [ "$T_RC" -ge 4 ] || t_fail "gh-release $c: exit $T_RC"
    done
done
t_case "the token placed where a long API message is cut (400 bytes): no part of it shown"
sec_both trunc-glg GITHUB_API_URL="http://127.0.0.1:$PORT/401p352" get-latest-green -vv --repo "$REPO" --workflow ci.yml
expect_rc 4
sec_both trunc-list GITHUB_API_URL="http://127.0.0.1:$PORT/401p352" gh-release list -vv -R "$REPO"
expect_rc 4

# a Basic-auth registry that echoes the credential (base64 of user:password)
REG_MARK=RKechoReg4u8PwLEAKx0
sec_secret REG_PASSWORD "$REG_MARK" "" pusher
start_registry() { # STATUS PAD -> sets RP (its address)
    rm -f "$T_TMP/reg.json"
    "$PY" "$RELKIT_SRC/tests/hardening/secrets/echo_server.py" --registry --status "$1" --pad "$2" --ports-file "$T_TMP/reg.json" &
    REG_PIDS="${REG_PIDS:-} $!"
    for _ in $(seq 100); do [ -s "$T_TMP/reg.json" ] && break; sleep 0.05; done
    RP=127.0.0.1:$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$T_TMP/reg.json")
    sec_secret REG_PASSWORD "$REG_MARK" "${RP#*:}" pusher
}
trap 'kill $ECHO_PID ${REG_PIDS:-} 2>/dev/null; wait $ECHO_PID ${REG_PIDS:-} 2>/dev/null; t_cleanup' EXIT
export DOCKER_CONFIG=$T_TMP/nodocker
for st in 401 404 500; do
    t_case "a registry answering $st with the Basic credential in its message"
    start_registry "$st" 0
    SEC_EXPECT_MASK=REG_PASSWORD sec_both "reg-$st" -u GH_TOKEN REGISTRY_USERNAME=pusher REGISTRY_PASSWORD="$REG_MARK" \
        ghcr-promote -vv "$RP/src/app:1.0" "$RP/dst/app:1.0"
    [ "$T_RC" -ge 4 ] || t_fail "ghcr-promote: exit $T_RC"
done
t_case "the Basic credential placed where a registry message is cut (300 bytes): no part of it shown"
start_registry 404 263
SEC_EXPECT_MASK=REG_PASSWORD sec_both reg-trunc -u GH_TOKEN REGISTRY_USERNAME=pusher REGISTRY_PASSWORD="$REG_MARK" \
    ghcr-promote -vv "$RP/src/app:1.0" "$RP/dst/app:1.0"
expect_rc 4

echo "audited runs: $SEC_RUNS"
t_done
