#!/usr/bin/env bash
# Secrets, registry side: ghcr-promote at -vv, plain and in Actions, with every credential
# source carrying its own marker: REGISTRY_USERNAME/REGISTRY_PASSWORD, docker config "auths"
# ("auth" and username/password), a docker-credential helper (credHelpers and credsStore), and
# GH_TOKEN (for ghcr.io only: never sent to these registries). Two token-auth registries A and
# B (own token servers, own keys, own passwords) and a noauth registry C; promotions within A,
# A -> B, B -> A, to C; a registry front that redirects blob downloads to "blob storage" on
# another port; error paths (bad password, missing source, a registry that is down, a user
# without pull); credentials inside image references. Every run is audited (strace: every
# byte written to files, pipes and sockets; the sandbox; argv): a password may go only to its
# own registry's token server, a bearer token only to the registry whose token server issued
# it, nothing to the storage host, and in Actions '::add-mask::' must name what was used.
. "$RELKIT_SRC/tests/lib/common.sh"
. "$RELKIT_SRC/tests/hardening/secrets/lib.bash"
PY=$RELKIT_PYTHON
FAKES=$RELKIT_SRC/tests/fakes/registry
export RELKIT_HTTP_MAX_ATTEMPTS=2 RELKIT_HTTP_BACKOFF_MS=10 RELKIT_HTTP_BACKOFF_MAX_MS=20
unset REGISTRY_USERNAME REGISTRY_PASSWORD GITHUB_ACTOR GITHUB_TOKEN

A_MARK=RKregA7f3kQ9pusherLEAKx1
A_READER=RKregA2m8vN4readerLEAKx2
B_MARK=RKregB5t1wZ6pusherLEAKx3
B_ENV_MARK=RKregB9c4hJ2promotLEAKx4
C_MARK=RKregC3y7pL5noauthLEAKx5
GH_MARK=ghp_RELKITLEAKCHECK0123456789abcdefXYZ
URL_MARK=RKurl8d2sF6passwdLEAKx6

# --- peers ---
users() { # OUT pusher-password reader-password promoter-password
    "$PY" - "$FAKES/users.json" "$@" <<'EOF'
import json, sys
src, out, pusher, reader, promoter = sys.argv[1:]
d = json.load(open(src))
d["users"]["pusher"]["password"] = pusher
d["users"]["reader"]["password"] = reader
d["users"]["promoter"]["password"] = promoter
json.dump(d, open(out, "w"))
EOF
}
users "$T_TMP/users_a.json" "$A_MARK" "$A_READER" RKregA6b2xR8promotLEAKx8
users "$T_TMP/users_b.json" "$B_MARK" RKregB1k7dM3readerLEAKx9 "$B_ENV_MARK"
PEERS=()
cleanup_peers() {
    local f
    for f in ${PEERS[@]+"${PEERS[@]}"}; do "$FAKES/stop.sh" "$f" >/dev/null 2>&1 || true; done
    [ -n "${PROXY_PID:-}" ] && kill "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null
    [ -n "${ECHO_PID:-}" ] && kill "$ECHO_PID" 2>/dev/null && wait "$ECHO_PID" 2>/dev/null
    t_cleanup
}
trap cleanup_peers EXIT
start_peer() { # NAME MODE [USERS]
    "$FAKES/start.sh" --mode "$2" --dir "$T_TMP/$1" --env-file "$T_TMP/$1.env" ${3:+--users "$3"} >/dev/null ||
        { echo "cannot start registry $1" >&2; exit 1; }
    PEERS+=("$T_TMP/$1.env")
}
start_peer ra token "$T_TMP/users_a.json"
start_peer rb token "$T_TMP/users_b.json"
start_peer rc noauth
envof() { "$PY" -c 'import shlex,sys; d=dict(l.rstrip("\n").split("=",1) for l in open(sys.argv[1]) if "=" in l); print(shlex.split(d[sys.argv[2]])[0])' "$T_TMP/$1.env" "$2"; }
RA=$(envof ra REGISTRY_ADDR)
RB=$(envof rb REGISTRY_ADDR)
RC=$(envof rc REGISTRY_ADDR)
TA=$(envof ra TOKEN_SERVER_URL)
TB=$(envof rb TOKEN_SERVER_URL)
"$FAKES/push-fixtures.sh" --env-file "$T_TMP/ra.env" >/dev/null || { echo "cannot push fixtures" >&2; exit 1; }
"$FAKES/push-fixtures.sh" --env-file "$T_TMP/rc.env" >/dev/null || { echo "cannot push fixtures to C" >&2; exit 1; }
# registry A behind a front that redirects blob GETs to storage on another port
"$PY" "$RELKIT_SRC/tests/hardening/secrets/redirect_proxy.py" --upstream "http://$RA" \
    --ports-file "$T_TMP/proxy.json" --log "$T_TMP/proxy.log" &
PROXY_PID=$!
for _ in $(seq 100); do [ -s "$T_TMP/proxy.json" ] && break; sleep 0.05; done
RX=127.0.0.1:$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["front"])' "$T_TMP/proxy.json")
# and behind a front that echoes the Authorization header in its 401/403/404 error messages
"$PY" "$RELKIT_SRC/tests/hardening/secrets/redirect_proxy.py" --upstream "http://$RA" --echo-auth \
    --ports-file "$T_TMP/echo.json" --log "$T_TMP/echo.log" &
ECHO_PID=$!
for _ in $(seq 100); do [ -s "$T_TMP/echo.json" ] && break; sleep 0.05; done
RE=127.0.0.1:$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["front"])' "$T_TMP/echo.json")
STORAGE_PORT=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["storage"])' "$T_TMP/proxy.json")

p() { sed 's/.*://; s/[^0-9].*//' <<<"$1"; }
sec_secret REG_A "$A_MARK" "$(p "$TA")" pusher
sec_secret REG_A_READER "$A_READER" "$(p "$TA")" reader
sec_secret REG_B "$B_MARK" "$(p "$TB")" pusher
sec_secret REG_B_ENV "$B_ENV_MARK" "$(p "$TB")" promoter
sec_secret REG_C "$C_MARK" "" pusher
sec_secret GH_TOKEN "$GH_MARK" "" "token x-access-token"
sec_secret URL_PASSWORD "$URL_MARK" "" "pusher u"
BAD_PASS=RKbad4n9qT1wrongpLEAKx7
sec_secret BAD_PASS "$BAD_PASS" "$(p "$TA")" pusher
sec_token_server "$(p "$TA")" "$(p "$RA") $(p "$RX") $(p "$RE")"
sec_token_server "$(p "$TB")" "$(p "$RB")"
export GH_TOKEN=$GH_MARK

# credential inputs live outside the sandboxes
CFG=$T_TMP/cfg
mkdir -p "$CFG/auths" "$CFG/fields" "$CFG/helper" "$CFG/store" "$CFG/bin"
b64() { printf '%s' "$1" | base64 -w0; }
printf '{"auths": {"%s": {"auth": "%s"}, "%s": {"auth": "%s"}, "%s": {"auth": "%s"}, "%s": {"auth": "%s"}}}\n' \
    "$RA" "$(b64 "pusher:$A_MARK")" "$RX" "$(b64 "pusher:$A_MARK")" "$RB" "$(b64 "pusher:$B_MARK")" \
    "$RC" "$(b64 "pusher:$C_MARK")" >"$CFG/auths/config.json"
"$PY" - "$CFG/auths/config.json" "$RE" "$(b64 "pusher:$A_MARK")" <<'EOF'
import json, sys
p, host, auth = sys.argv[1:]
d = json.load(open(p)); d["auths"][host] = {"auth": auth}; json.dump(d, open(p, "w"))
EOF
printf '{"auths": {"http://%s/v2/": {"username": "pusher", "password": "%s"}, "%s": {"username": "pusher", "password": "%s"}}}\n' \
    "$RA" "$A_MARK" "$RB" "$B_MARK" >"$CFG/fields/config.json"
cat >"$CFG/bin/docker-credential-relkitsec" <<EOF
#!/bin/sh
read -r server
case "\$server" in
$RB) printf '{"ServerURL":"%s","Username":"pusher","Secret":"%s"}' "\$server" "$B_MARK" ;;
$RA) printf '{"ServerURL":"%s","Username":"pusher","Secret":"%s"}' "\$server" "$A_MARK" ;;
*) echo "credentials not found in native keychain"; exit 1 ;;
esac
EOF
chmod +x "$CFG/bin/docker-credential-relkitsec"
printf '{"auths": {"%s": {"auth": "%s"}}, "credHelpers": {"%s": "relkitsec"}}\n' \
    "$RA" "$(b64 "pusher:$A_MARK")" "$RB" >"$CFG/helper/config.json"
printf '{"credsStore": "relkitsec"}\n' >"$CFG/store/config.json"
export PATH=$CFG/bin:$PATH
export DOCKER_CONFIG=$CFG/auths

token_users() { # LOGFILE OFFSET -> "user status" lines
    tail -c +$(($2 + 1)) "$1" | "$PY" -c 'import json,sys; [print(j.get("user") or "-", j["status"]) for j in map(json.loads, sys.stdin)]' | sort | uniq -c | sed 's/^ *//' | tr '\n' ';'
}
TLA=$T_TMP/ra/token.log
TLB=$T_TMP/rb/token.log

t_case "ghcr-promote has no credential option; the man page says argv is never used"
grep -qiE -- '--(token|password|username|creds?|auth)\b' <<<"$(ghcr-promote --help)" && t_fail "a credential option"
grep -q "never from the command line" "$RELKIT_SRC/docs/man/ghcr-promote.1" || t_fail "ghcr-promote.1 does not say it"
grep -q "never taken from the command line" "$RELKIT_SRC/docs/man/gh-release.1" || t_fail "gh-release.1 does not say it"

t_case "within registry A (docker config auths): one token, mounts, masked in Actions"
SEC_EXPECT_MASK=REG_A sec_both within-a ghcr-promote -vv "$RA/src/multi:1.0" "$RA/dst/multi:1.0"
expect_rc 0
expect_eq "$(sec_report_get 'sorted(set(a["what"].split(":")[0] for a in r["authorization"]))')" "['bearer-from', 'secret']" "credentials seen on the wire"

t_case "A -> B: A from the docker config, B from REGISTRY_USERNAME/PASSWORD"
a0=$(stat -c %s "$TLA")
b0=$(stat -c %s "$TLB")
SEC_EXPECT_MASK="REG_A REG_B_ENV" sec_both a-to-b REGISTRY_USERNAME=promoter REGISTRY_PASSWORD="$B_ENV_MARK" \
    ghcr-promote -vv "$RA/src/multi-docker:1.0" "$RB/dst/multi-docker:1.0"
expect_rc 0
expect_eq "$(token_users "$TLA" "$a0")" "2 pusher 200;" "token server A saw"
expect_eq "$(token_users "$TLB" "$b0")" "2 promoter 200;" "token server B saw"

t_case "B -> A: REGISTRY_PASSWORD (for the destination A) never goes to the source B"
"$FAKES/push-fixtures.sh" --env-file "$T_TMP/rb.env" >/dev/null 2>&1 || t_fail "cannot push fixtures to B"
a0=$(stat -c %s "$TLA")
b0=$(stat -c %s "$TLB")
SEC_EXPECT_MASK="REG_A REG_B" sec_both b-to-a REGISTRY_USERNAME=pusher REGISTRY_PASSWORD="$A_MARK" \
    ghcr-promote -vv "$RB/src/app:1.0" "$RA/dst/from-b:1.0"
expect_rc 0
expect_eq "$(token_users "$TLB" "$b0")" "2 pusher 200;" "token server B saw"
expect_eq "$(token_users "$TLA" "$a0")" "2 pusher 200;" "token server A saw"

t_case "credential helper (credHelpers) and credsStore, username/password fields"
SEC_EXPECT_MASK="REG_A REG_B" sec_both helper DOCKER_CONFIG="$CFG/helper" ghcr-promote -vv "$RA/src/app:1.0" "$RB/dst/app-helper:1.0"
expect_rc 0
expect_eq "$(sec_report_get 'r["helpers"] > 0')" True "the helper ran"
SEC_EXPECT_MASK="REG_A REG_B" sec_both store DOCKER_CONFIG="$CFG/store" ghcr-promote -vv "$RA/src/app:1.0" "$RB/dst/app-store:1.0"
expect_rc 0
SEC_EXPECT_MASK="REG_A REG_B" sec_both fields DOCKER_CONFIG="$CFG/fields" ghcr-promote -vv "$RA/src/app:1.0" "$RB/dst/app-fields:1.0"
expect_rc 0

t_case "a batch (--images), a dry run, referrers, the summary file"
printf '["%s/src/app:1.0", "%s/src/multi:1.0", "%s/public/base:1.0"]\n' "$RA" "$RA" "$RA" >"$CFG/images.json"
SEC_EXPECT_MASK="REG_A REG_B" sec_both batch ghcr-promote -vv --images "$CFG/images.json" --dst-registry "$RB" \
    --repo-rule '^src/=dst/batch/' --repo-rule '^public/=dst/batch/' --summary-md @BOX@/summary.md --with-referrers
expect_rc 0
SEC_EXPECT_MASK="REG_A REG_B" sec_both batch-dry ghcr-promote -vv --dry-run --images "$CFG/images.json" --dst-registry "$RB" \
    --repo-rule '^src/=dst/dry/' --repo-rule '^public/=dst/dry/'
expect_rc 0

t_case "to the noauth registry C: its configured password is never sent"
SEC_EXPECT_MASK=REG_A sec_both a-to-c ghcr-promote -vv "$RA/src/app:1.0" "$RC/dst/app:1.0"
expect_rc 0
sec_both c-to-c REGISTRY_USERNAME=pusher REGISTRY_PASSWORD="$C_MARK" ghcr-promote -vv "$RC/src/app:1.0" "$RC/dst/app2:1.0"
expect_rc 0
expect_eq "$(sec_report_get 'len(r["authorization"])')" 0 "Authorization headers sent to a registry that never asked"

t_case "blob downloads redirected to storage on another host: no credential follows"
SEC_EXPECT_MASK="REG_A REG_B" sec_both redirect ghcr-promote -vv "$RX/src/app-docker:1.0" "$RB/dst/redirected:1.0"
expect_rc 0
expect_eq "$("$PY" -c 'import json,sys; L=[json.loads(l) for l in open(sys.argv[1])]; print(sum(1 for e in L if e["listener"]=="storage"), sum(1 for e in L if e["listener"]=="storage" and e["authorization"]))' "$T_TMP/proxy.log")" "3 0" "storage requests (3 blobs, copied once), with Authorization"
expect_eq "$(sec_report_get "[a for a in r['authorization'] if a['port'] == $STORAGE_PORT]")" "[]" "Authorization sent to the storage port (client side)"

t_case "errors: bad password, missing source, registry down, no pull on the source"
SEC_EXPECT_MASK=BAD_PASS sec_both bad-pass REGISTRY_USERNAME=pusher REGISTRY_PASSWORD="$BAD_PASS" ghcr-promote -vv "$RA/src/app:1.0" "$RA/dst/bad:1.0"
expect_rc 4
SEC_EXPECT_MASK=REG_A sec_both missing ghcr-promote -vv "$RA/src/nope:1.0" "$RA/dst/nope:1.0"
expect_rc 4
SEC_EXPECT_MASK=REG_A sec_both down ghcr-promote -vv "$RA/src/app:1.0" "127.0.0.1:9/dst/app:1.0"
expect_rc 5
SEC_EXPECT_MASK=REG_A_READER sec_both no-push REGISTRY_USERNAME=reader REGISTRY_PASSWORD="$A_READER" ghcr-promote -vv "$RA/src/app:1.0" "$RA/dst/denied:1.0"
expect_rc 4

t_case "a registry echoing the bearer token in its 404 message: the token never printed or written"
SEC_EXPECT_MASK=REG_A sec_both echo-404 ghcr-promote -vv "$RE/src/nope:1.0" "$RE/dst/nope:1.0"
expect_rc 4
expect_eq "$(sec_report_get 'r["bearer_tokens_issued"] > 0')" True "a token was issued"
grep -q '"status": 404' "$T_TMP/echo.log" || t_fail "the echo front never answered 404"

t_case "a registry echoing the bearer token in its 401 (no pull on the source): never printed or written"
SEC_EXPECT_MASK=REG_A_READER sec_both echo-401 REGISTRY_USERNAME=reader REGISTRY_PASSWORD="$A_READER" \
    ghcr-promote -vv "$RE/src/app:1.0" "$RE/dst/denied:1.0"
expect_rc 4
grep -q "401" <<<"$T_ERR" || t_fail "no 401 reported: $T_ERR"

t_case "a reference with user:password@ (no scheme): refused, the password never printed or written"
SEC_EXPECT_MASK='' sec_both ref-userinfo ghcr-promote -vv "pusher:$URL_MARK@$RA/src/app:1.0" "$RA/dst/u:1.0"
[ "$T_RC" != 0 ] || t_fail "a reference with user:password@ was accepted"

t_case "a reference written as a URL with user:password@: refused, never printed or written"
SEC_EXPECT_MASK='' sec_both ref-url ghcr-promote -vv "http://pusher:$URL_MARK@$RA/src/app:1.0" "$RA/dst/u:1.0"
[ "$T_RC" != 0 ] || t_fail "a reference with a URL was accepted"

t_case "--dst-registry with user:password@: refused, never printed"
SEC_EXPECT_MASK='' sec_both dst-registry ghcr-promote -vv --dst-registry "u:$URL_MARK@$RB" "$RA/src/app:1.0"
[ "$T_RC" != 0 ] || t_fail "--dst-registry with user:password@ was accepted"

t_case "an --images file whose destination carries user:password@: never printed or written"
printf '[{"src": "%s/src/app:1.0", "dst": "https://u:%s@%s/dst/x:1.0"}]\n' "$RA" "$URL_MARK" "$RB" >"$CFG/images-cred.json"
SEC_EXPECT_MASK='' sec_both images-cred ghcr-promote -vv --images "$CFG/images-cred.json"
[ "$T_RC" != 0 ] || t_fail "an images file with credentials in a reference was accepted"

echo "audited runs: $SEC_RUNS"
t_done
