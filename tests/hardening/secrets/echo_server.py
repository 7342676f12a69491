#!/usr/bin/env python3
"""A hostile (or just careless) server: every answer echoes the request's Authorization
header in its error message, as some proxies and servers do.

usage: echo_server.py --ports-file FILE [--registry --status N [--pad N]]

GitHub (default): GITHUB_API_URL=http://127.0.0.1:PORT/STATUS[pPAD] makes every request under
that prefix answer STATUS (401, 403, 404, 422, 500, ...) with
  {"message": "Bad credentials for 'PADAUTH'", "errors": [{"resource": "Release", "code":
   "custom", "field": "tag_name", "message": "AUTH is not allowed"}], "documentation_url": ...}
(PAD: that many 'x' before AUTH, to put AUTH where a client truncates the message) and, for 403,
the secondary-rate-limit wording (so retries happen, each echoing again).
--registry: a Basic-auth registry: GET /v2/ without Authorization is 401 with
`WWW-Authenticate: Basic realm="echo"`; every other request is STATUS with
{"errors": [{"code": "DENIED", "message": "PADAUTH refused"}]}.
Ports file: {"port": P, "pid": PID}. It stops when its parent exits.
"""
import argparse
import http.server
import json
import os
import sys
import threading
import time


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        auth = self.headers.get("Authorization") or "(none)"
        if OPTS.registry:
            return self.registry(auth)
        seg = self.path.lstrip("/").split("/", 1)[0]
        status, _, pad = seg.partition("p")
        status = int(status) if status.isdigit() else 401
        pad = "x" * int(pad) if pad.isdigit() else ""
        msg = "Bad credentials for '%s%s'" % (pad, auth)
        if status == 403:
            msg = "You have exceeded a secondary rate limit (%s%s)" % (pad, auth)
        body = json.dumps({"message": msg,
                           "errors": [{"resource": "Release", "code": "custom", "field": "tag_name",
                                       "message": "%s is not allowed" % auth}],
                           "documentation_url": "https://docs.github.com/rest"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("X-Echo", auth)
        if status == 403:
            self.send_header("Retry-After", "0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def registry(self, auth):
        path = self.path.split("?")[0]
        if auth == "(none)":
            status, body = 401, b'{"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}'
        elif path == "/v2/":
            status, body = 200, b"{}"
        else:
            status = OPTS.status
            body = json.dumps({"errors": [{"code": "DENIED", "message": "%s%s refused" % ("x" * OPTS.pad, auth)}]}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        if auth == "(none)":
            self.send_header("WWW-Authenticate", 'Basic realm="echo"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = answer


OPTS = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ports-file", required=True)
    ap.add_argument("--registry", action="store_true")
    ap.add_argument("--status", type=int, default=404)
    ap.add_argument("--pad", type=int, default=0)
    global OPTS
    a = OPTS = ap.parse_args()
    s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    s.daemon_threads = True
    tmp = a.ports_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"port": s.server_address[1], "pid": os.getpid()}, f)
    os.replace(tmp, a.ports_file)
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    s.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
