#!/usr/bin/env bash
# ghcr-promote through a faulty front of the registry peer (a small proxy started here): 503
# and 429 answers on a share of the requests are retried (blobs, uploads, manifests, tokens
# alike) and the copy still ends with identical digests; a Basic-only registry (the proxy
# asks for Basic credentials) works with REGISTRY_USERNAME/PASSWORD and refuses without.
. "$RELKIT_SRC/tests/lib/common.sh"
fakes=$RELKIT_SRC/tests/fakes/registry

if [ "${E2E_INNER:-}" != 1 ]; then
    E2E_INNER=1 exec "$fakes/with-registry.sh" --mode noauth --fixtures -- bash "$0" "$@"
fi
export RELKIT_HTTP_MAX_ATTEMPTS=6 RELKIT_HTTP_BACKOFF_MS=5 RELKIT_HTTP_BACKOFF_MAX_MS=20
R=$REGISTRY_ADDR
unset REGISTRY_USERNAME REGISTRY_PASSWORD
fixture() { "$RELKIT_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); i=[i for i in d["images"] if i["name"]==sys.argv[2]][0]; print(eval(sys.argv[3], {}, {"i": i}))' "$REGISTRY_FIXTURES" "$1" "$2"; }
digest_of() { skopeo inspect --raw --tls-verify=false "docker://$1" 2>/dev/null | sha256sum | sed 's/^/sha256:/; s/ .*//'; }

# the proxy: forwards to the registry; every Nth request gets 503 (odd) or 429 (even), and
# with BASIC=user:pass every request without those credentials gets a Basic challenge
cat >"$T_TMP/proxy.py" <<'EOF'
import base64, http.client, http.server, os, sys, threading
UP = os.environ["UPSTREAM"]
EVERY = int(os.environ.get("FAIL_EVERY", "0"))
BASIC = os.environ.get("BASIC", "")
lock = threading.Lock()
count = [0, 0]  # requests, faults

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def reply(self, status, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        with lock:
            count[0] += 1
            fault = EVERY and count[0] % EVERY == 0
            if fault:
                count[1] += 1
        if self.path == "/_stats":
            return self.reply(200, [("X-Requests", str(count[0])), ("X-Faults", str(count[1]))])
        if BASIC and self.headers.get("Authorization") != "Basic " + base64.b64encode(BASIC.encode()).decode():
            return self.reply(401, [("WWW-Authenticate", 'Basic realm="relkit-proxy"')])
        if fault:
            return self.reply(429 if count[1] % 2 == 0 else 503, [("Retry-After", "0")])
        c = http.client.HTTPConnection(UP, timeout=60)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("authorization", "connection")}
        c.request(self.command, self.path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        c.close()
    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
EOF

proxy_pids=()
start_proxy() { # ENV...: starts a proxy, sets $P (its address); each writes its own port file
    local port="" f=$T_TMP/proxy.${#proxy_pids[@]}.port
    env UPSTREAM="$R" "$@" "$RELKIT_PYTHON" "$T_TMP/proxy.py" >"$f" 2>>"$T_TMP/proxy.err" &
    proxy_pids+=($!)
    for _ in $(seq 300); do
        port=$(head -1 "$f" 2>/dev/null)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { echo "proxy did not start: $(cat "$T_TMP/proxy.err")" >&2; exit 1; }
    P=127.0.0.1:$port
}
stop_proxies() { local p; for p in ${proxy_pids[@]+"${proxy_pids[@]}"}; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap 'stop_proxies; t_cleanup' EXIT

start_proxy FAIL_EVERY=3
FAULTY=$P

t_case "every third request answered 503 or 429: retried, digests identical"
run ghcr-promote -v "$FAULTY/src/multi:1.0" "$FAULTY/dst/multi:1.0"
expect_rc 0
expect_err "retrying"
expect_eq "$(digest_of "$R/dst/multi:1.0")" "$(fixture multi 'i["digest"]')" digest
faults=$(curl -s -D - -o /dev/null "http://$FAULTY/_stats" | tr -d '\r' | sed -n 's/^X-Faults: //Ip')
[ "${faults:-0}" -ge 3 ] || t_fail "only ${faults:-0} faults were injected"

t_case "streamed copies through faults (no mounts)"
run ghcr-promote --no-mount "$FAULTY/src/app-docker:1.0" "$FAULTY/dst/streamed:1.0"
expect_rc 0
expect_eq "$(json_get '["images"][0]["blobs"]["copied"]')" 3 "blobs copied"
expect_eq "$(digest_of "$R/dst/streamed:1.0")" "$(fixture app-docker 'i["digest"]')" digest

t_case "retries exhausted: a transient failure (exit 5)"
RELKIT_HTTP_MAX_ATTEMPTS=1 run ghcr-promote "$FAULTY/src/multi-docker:1.0" "$FAULTY/dst/exhausted:1.0"
expect_rc 5
expect_error_line ghcr-promote

start_proxy BASIC=alice:basic-secret
BASICREG=$P

t_case "Basic-only registry with REGISTRY_USERNAME/PASSWORD"
REGISTRY_USERNAME=alice REGISTRY_PASSWORD=basic-secret DOCKER_CONFIG=$T_TMP/none \
    run ghcr-promote -vv "$BASICREG/src/app:1.0" "$BASICREG/dst/basic:1.0"
expect_rc 0
expect_err "basic auth"
grep -q "basic-secret" <<<"$T_ERR" && t_fail "the password was printed"
expect_eq "$(digest_of "$R/dst/basic:1.0")" "$(fixture app 'i["digest"]')" digest

t_case "Basic-only registry without credentials"
DOCKER_CONFIG=$T_TMP/none run ghcr-promote "$BASICREG/src/app:1.0" "$BASICREG/dst/basic2:1.0"
expect_rc 4
expect_err "requires credentials"

t_case "Basic-only registry with a wrong password"
REGISTRY_USERNAME=alice REGISTRY_PASSWORD=nope DOCKER_CONFIG=$T_TMP/none \
    run ghcr-promote "$BASICREG/src/app:1.0" "$BASICREG/dst/basic3:1.0"
expect_rc 4
expect_err "401 Unauthorized (the registry refused the credentials from REGISTRY_USERNAME)"

t_done
