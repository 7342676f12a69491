#!/usr/bin/env python3
"""A registry front that sends blob downloads to "blob storage" on another port, like
registries backed by S3 or a CDN do (307 to a signed URL on another host).

usage: redirect_proxy.py --upstream http://127.0.0.1:PORT --ports-file FILE [--log FILE]
       [--echo-auth]

Two listeners on 127.0.0.1: the front (every request is forwarded to the upstream registry,
Host kept, so the registry's absolute Locations point at the front) and the storage.
`GET /v2/NAME/blobs/DIGEST` on the front is fetched from the upstream with the client's own
headers, kept in memory, and answered `307 Location: http://127.0.0.1:STORAGE/blob/N?sig=...`;
the storage serves the bytes to anyone and logs whether an Authorization header came along
(it should never). With --echo-auth every 401/403/404 answer of the upstream gets the
request's Authorization value put into its error message (a server that echoes credentials).
Ports file: {"front": P, "storage": P, "pid": PID}. One JSON line per request in --log:
{"listener", "method", "path", "status", "authorization": bool}.
"""
import argparse
import http.client
import http.server
import json
import os
import re
import secrets
import sys
import threading
import urllib.parse

BLOB = re.compile(r"^/v2/(.+)/blobs/(sha256:[0-9a-f]{64})$")
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization", "proxy-authenticate"}


class State:
    def __init__(self, upstream, log, echo):
        u = urllib.parse.urlsplit(upstream)
        self.host, self.port = u.hostname, u.port
        self.log_path = log
        self.echo = echo
        self.lock = threading.Lock()
        self.blobs = {}
        self.storage_port = 0

    def log(self, **kw):
        if self.log_path:
            with self.lock, open(self.log_path, "a") as f:
                f.write(json.dumps(kw, sort_keys=True) + "\n")


def make_front(st):
    class Front(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                return self.rfile.read(n)
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                out = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0], 16)
                    if size == 0:
                        self.rfile.readline()
                        return out
                    out += self.rfile.read(size)
                    self.rfile.readline()
            return None

        def forward(self):
            data = self.body()
            auth = self.headers.get("Authorization")
            path = urllib.parse.urlsplit(self.path).path
            c = http.client.HTTPConnection(st.host, st.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            c.request(self.command, self.path, body=data, headers=headers)
            r = c.getresponse()
            payload = r.read()
            status = r.status
            rh = [(k, v) for k, v in r.getheaders() if k.lower() not in HOP and k.lower() != "content-length"]
            m = BLOB.match(path)
            if self.command == "GET" and m and status == 200:
                key = secrets.token_hex(8)
                with st.lock:
                    st.blobs[key] = (payload, dict(rh))
                loc = "http://127.0.0.1:%d/blob/%s?sig=%s" % (st.storage_port, key, secrets.token_hex(16))
                st.log(listener="front", method=self.command, path=path, status=307, authorization=bool(auth))
                self.send_response(307)
                self.send_header("Location", loc)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if st.echo and status in (401, 403, 404) and auth:
                payload = json.dumps({"errors": [{"code": "DENIED", "message": "request with '%s' refused" % auth}],
                                      "message": "Bad credentials: %s" % auth}).encode()
                rh = [(k, v) for k, v in rh if k.lower() != "content-type"] + [("Content-Type", "application/json")]
            st.log(listener="front", method=self.command, path=path, status=status, authorization=bool(auth))
            self.send_response(status)
            for k, v in rh:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)) if self.command != "HEAD" else r.getheader("Content-Length", "0"))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = forward

    return Front


def make_storage(st):
    class Storage(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            auth = self.headers.get("Authorization")
            key = urllib.parse.urlsplit(self.path).path.rsplit("/", 1)[-1]
            with st.lock:
                item = st.blobs.get(key)
            st.log(listener="storage", method="GET", path=self.path.split("?")[0],
                   status=400 if auth else (200 if item else 404), authorization=bool(auth))
            if auth:  # as S3 does with a second credential
                body = b"<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>"
                self.send_response(400)
            elif not item:
                body = b"not found"
                self.send_response(404)
            else:
                body = item[0]
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Storage


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--ports-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--echo-auth", action="store_true")
    a = ap.parse_args()
    st = State(a.upstream, a.log, a.echo_auth)
    front = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_front(st))
    storage = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_storage(st))
    front.daemon_threads = storage.daemon_threads = True
    st.storage_port = storage.server_address[1]
    threading.Thread(target=storage.serve_forever, daemon=True).start()
    tmp = a.ports_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"front": front.server_address[1], "storage": st.storage_port, "pid": os.getpid()}, f)
    os.replace(tmp, a.ports_file)
    parent = os.getppid()

    def watch():  # stop with the parent
        import time
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    try:
        front.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
