#!/usr/bin/python3
"""A small TLS-terminating reverse proxy, for the gh-release benchmark only.

Debian's gh speaks https to any host but github.com, and the GitHub emulator speaks plain
http. This proxy listens on 127.0.0.1 with a certificate signed by a throw-away test CA,
and lays the emulator out like GitHub Enterprise Server: "/api/v3/..." goes to the emulator's
API listener, "/api/uploads/..." to its uploads listener, and the uploads origin in JSON
answers is rewritten to https://HOST/api/uploads so both gh and gh-release upload through the
proxy. Request and download bodies stream (never whole in memory); only JSON answers are
read whole to be rewritten. Asset downloads stay on the emulator's downloads listener
(127.0.0.1, another host name than "localhost", as objects.githubusercontent.com is).

gh also asks GraphQL whether the tag has a draft release (in parallel with the REST lookup);
the emulator has no GraphQL, so the proxy answers that one query with "no such release",
which makes gh use the REST answer (the benchmark's release is published).

usage: tls_proxy.py --cert CERT --key KEY --api http://127.0.0.1:P --uploads http://127.0.0.1:P
                    [--public-host localhost] --ports-file FILE
"""

import argparse
import http.client
import json
import os
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

CHUNK = 1 << 16
HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
       "upgrade"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        # no Nagle delays on small writes (headers, JSON answers): the proxy must not add
        # latency the real service does not have
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().setup()

    def backend(self, which):
        conns = self.__dict__.setdefault("_conns", {})
        c = conns.get(which)
        if c is None:
            u = urlsplit(getattr(self.server, which))
            c = conns[which] = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
            c.connect()
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return c

    def body_iter(self):
        n = int(self.headers.get("Content-Length") or 0)
        while n > 0:
            b = self.rfile.read(min(CHUNK, n))
            if not b:
                return
            n -= len(b)
            yield b

    def graphql(self):
        for _ in self.body_iter():
            pass
        body = b'{"data":{"repository":{"release":null}}}'
        self.send_response_only(200, "OK")
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def forward(self):
        if self.command == "POST" and self.path == "/api/graphql":
            return self.graphql()
        path, which = self.path, "api"
        if path.startswith("/api/v3"):
            path = path[len("/api/v3"):] or "/"
        elif path.startswith("/api/uploads"):
            path, which = path[len("/api/uploads"):] or "/", "uploads"
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        has_body = self.headers.get("Content-Length") not in (None, "0")
        c = self.backend(which)
        try:
            c.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
            for k, v in headers.items():
                c.putheader(k, v)
            c.endheaders()
            if has_body:
                for b in self.body_iter():
                    c.send(b)
            r = c.getresponse()
        except (OSError, http.client.HTTPException):
            self._conns.pop(which, None)
            self.send_error(502)
            return
        self.answer(r)
        if r.will_close:
            self._conns.pop(which, None)

    def answer(self, r):
        json_body = "json" in (r.getheader("Content-Type") or "")
        body = None
        if json_body:
            body = r.read().replace(self.server.uploads.encode(),
                                    (self.server.public + "/api/uploads").encode())
        self.send_response_only(r.status, r.reason)
        length = r.getheader("Content-Length")
        for k, v in r.getheaders():
            if k.lower() in HOP or (body is not None and k.lower() == "content-length"):
                continue
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if length is None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        while True:
            b = r.read(CHUNK)
            if not b:
                break
            self.wfile.write(b)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = forward


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # the emulator's backlog: with socketserver's default of 5, a client opening several
    # connections at once gets SYNs dropped and waits a 1 s retransmission
    request_queue_size = 512

    def handle_error(self, request, client_address):
        pass  # a client that went away (gh cancels its losing GraphQL/REST race)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--api", required=True)
    ap.add_argument("--uploads", required=True)
    ap.add_argument("--public-host", default="localhost")
    ap.add_argument("--ports-file", required=True)
    a = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.api, srv.uploads = a.api, a.uploads
    srv.public = "https://%s:%d" % (a.public_host, srv.server_address[1])
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = a.ports_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"port": srv.server_address[1], "pid": os.getpid()}, f)
    os.replace(tmp, a.ports_file)
    parent = os.getppid()

    def watch():
        import time
        while os.getppid() == parent:
            time.sleep(0.5)
        srv.shutdown()
    threading.Thread(target=watch, daemon=True).start()
    srv.serve_forever(poll_interval=0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
