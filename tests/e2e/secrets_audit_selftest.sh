#!/usr/bin/env bash
# The leak audit itself (tests/hardening/secrets/audit.py via lib.bash): each kind of leak
# the secrets tests rely on it to see is planted by a shell command and must be reported,
# and the allowed cases (a token to its own port, '::add-mask::' in Actions) must not be.
# shellcheck disable=SC2016 # the planted commands expand $GH_TOKEN in their own shell
. "$RELKIT_SRC/tests/lib/common.sh"
. "$RELKIT_SRC/tests/hardening/secrets/lib.bash"
PY=$RELKIT_PYTHON
TOK=ghp_RELKITLEAKCHECK0123456789abcdefXYZ

# two tiny HTTP peers: A answers every request with a token JSON (a "token server"), B with 200
cat >"$T_TMP/peer.py" <<'EOF'
import http.server, sys, threading
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"token": "tokFROMpeerA_RKBEARER0123456789"}' if sys.argv[1] == "A" else b"ok"
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[2], "w").write(str(s.server_address[1]))
s.serve_forever()
EOF
# a client that keeps its secrets out of argv: send.py PORT token | send.py PORT bearer-from TPORT
cat >"$T_TMP/send.py" <<'EOF'
import json, os, sys, urllib.request
port, how = sys.argv[1], sys.argv[2]
if how == "token":
    auth = "Bearer " + os.environ["GH_TOKEN"]
else:
    auth = "Bearer " + json.load(urllib.request.urlopen("http://127.0.0.1:%s/token" % sys.argv[3]))["token"]
urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%s/v2/" % port, headers={"Authorization": auth})).read()
EOF
"$PY" "$T_TMP/peer.py" A "$T_TMP/pa" &
PA_PID=$!
"$PY" "$T_TMP/peer.py" B "$T_TMP/pb" &
PB_PID=$!
trap 'kill $PA_PID $PB_PID 2>/dev/null; wait $PA_PID $PB_PID 2>/dev/null; t_cleanup' EXIT
for _ in $(seq 100); do [ -s "$T_TMP/pa" ] && [ -s "$T_TMP/pb" ] && break; sleep 0.05; done
PA=$(cat "$T_TMP/pa")
PB=$(cat "$T_TMP/pb")
sec_secret GH_TOKEN "$TOK" "$PA" "x-access-token"
sec_token_server "$PA" "$PA"
export GH_TOKEN=$TOK

# expect_leak KIND-FRAGMENT: the last audit reported a violation whose JSON contains it
expect_leak() {
    local v
    v=$(sec_report_get 'json.dumps(r["violations"])')
    grep -qF -- "$1" <<<"$v" || t_fail "audit missed a planted leak ($1): $v"
}
expect_clean() {
    local v
    v=$(sec_report_get 'json.dumps(r["violations"])')
    [ "$v" = "[]" ] || t_fail "audit reported a leak that is not one: $v"
}
# planted leaks must fail their case: run them in a throwaway case and undo the failure count
planted() {
    local before=$T_CASE_FAILED
    SEC_EXPECT_MASK='' sec_run "$@" 2>/dev/null
    T_CASE_FAILED=$before
}

t_case "a token on stdout, in a file (even one removed), in stderr"
planted stdout sh -c 'echo "$GH_TOKEN"'
expect_leak '"channel": "local write"'
planted file-removed sh -c 'echo "x $GH_TOKEN" >"$TMPDIR/t"; rm "$TMPDIR/t"'
expect_leak '"channel": "local write"'
planted file-kept sh -c 'echo "x $GH_TOKEN" >out.txt'
expect_leak '"channel": "file"'
planted stderr sh -c 'echo "debug: $GH_TOKEN" >&2'
expect_leak '"channel": "stderr"'

t_case "encoded and partial forms"
planted base64 sh -c 'printf "junk%s" "$GH_TOKEN" | base64 -w0'
expect_leak '"form": "base64"'
planted basic sh -c 'printf "x-access-token:%s" "$GH_TOKEN" | base64 -w0'
expect_leak '"form": "b'
planted truncated sh -c 'printf "%.20s\n" "$GH_TOKEN"'
expect_leak '"form": "window"'
planted basic-truncated sh -c 'printf "x-access-token:%s" "$GH_TOKEN" | base64 -w0 | cut -c1-44'
expect_leak '"form": "base64-window"'

t_case "argv of a child, and Actions' add-mask outside Actions"
planted argv sh -c '/bin/true "$GH_TOKEN"'
expect_leak '"channel": "argv"'
SEC_MODE=plain planted mask-plain sh -c 'echo "::add-mask::$GH_TOKEN" >&2'
expect_leak '"channel": "stderr"'

t_case "allowed: add-mask in Actions, the token to its own port"
SEC_MODE=actions SEC_EXPECT_MASK=GH_TOKEN sec_run mask-actions sh -c 'echo "::add-mask::$GH_TOKEN" >&2'
expect_clean
sec_run own-port "$PY" "$T_TMP/send.py" "$PA" token
expect_clean
expect_eq "$(sec_report_get 'r["authorization"][0]["what"]')" "secret:GH_TOKEN" "identified credential"

t_case "the token, or a bearer token from peer A, sent to peer B"
planted other-port "$PY" "$T_TMP/send.py" "$PB" token
expect_leak 'credential to another host'
planted bearer-other "$PY" "$T_TMP/send.py" "$PB" bearer-from "$PA"
expect_leak 'bearer token to another registry'
sec_run bearer-own "$PY" "$T_TMP/send.py" "$PA" bearer-from "$PA"
expect_clean
expect_eq "$(sec_report_get 'r["bearer_tokens_issued"]')" 1 "bearer tokens seen issued"

t_done
