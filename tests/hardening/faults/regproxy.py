"""A fault-injecting HTTP proxy in front of a registry peer (docker-registry), run in-process.

    p = RegProxy("127.0.0.1:5000", counter=shared_counter)   # starts listening on a free port
    p.addr                                 # "127.0.0.1:PORT": give it to ghcr-promote
    p.set_faults([{"route": "PUT /v2/{dst}/manifests/{ref}", "kind": "5xx", "count": 1}])
    p.log                                  # [{seq, method, path, route, status, fault}, ...]
    p.close()

Every request is forwarded to the upstream registry with its Host header kept, so the
registry's absolute Location headers point back at the proxy and the client stays behind it.

Routes: requests are named like the emulator's log routes, with the repository replaced by
{src} (a name under src/ or public/) or {dst} (anything else), so that one route stands for the
same step of every trial although each trial writes to its own destination repository:
    GET /v2/, HEAD|GET /v2/{src}/manifests/{ref}, PUT /v2/{dst}/manifests/{ref},
    HEAD|GET /v2/{x}/blobs/{digest}, POST /v2/{dst}/blobs/uploads/ (mount), POST ... (upload),
    PATCH|PUT /v2/{dst}/blobs/uploads/{uuid}, GET /v2/{x}/tags/list, ...

Fault kinds (a fault's "route" is a route name as above, or "*"; "count" -1 = always, "after"
lets the first K matching requests through):
    5xx        502 with a registry error body; the request is not forwarded
    5xx-apply  forwarded (the registry applies it), then answered 502
    429        429 TOOMANYREQUESTS with Retry-After (retry_after, default 1)
    reset      forwarded (applied), then the status line, headers and half the body are sent
               and the connection is reset (RST); with an empty body nothing is sent
    latency    sleeps ms (default 200) before forwarding
Latency adds to any other fault that fires for the same request.

Hold (crash-consistency kill points): hold_after(k) makes every request after the k-th (counted
on the shared counter, across every proxy sharing it) wait; held() tells how many wait;
release(apply) lets them go, forwarded (apply=True: the registry applies what the killed
client had sent) or answered 502 without being forwarded.
"""
import http.client
import http.server
import json
import re
import socket
import struct
import sys
import threading
import time

ROUTE_RX = re.compile(r"^/v2/(?P<repo>.+?)/(?P<kind>manifests|blobs/uploads|blobs|tags)(?P<rest>/.*)?$")


def route_of(method, path, query):
    if path in ("/v2/", "/v2"):
        return "%s /v2/" % method
    m = ROUTE_RX.match(path)
    if not m:
        return "%s %s" % (method, path)
    repo = m.group("repo")
    role = "{src}" if repo.startswith(("src/", "public/")) else "{dst}"
    kind, rest = m.group("kind"), m.group("rest") or ""
    if kind == "manifests":
        tail = "/manifests/{digest}" if rest.startswith("/sha256:") else "/manifests/{tag}"
    elif kind == "blobs":
        tail = "/blobs/{digest}"
    elif kind == "blobs/uploads":
        if rest in ("", "/"):
            tail = "/blobs/uploads/" + (" (mount)" if "mount=" in query else "")
        else:
            tail = "/blobs/uploads/{uuid}"
    else:
        tail = "/tags/list"
    return "%s /v2/%s%s" % (method, role, tail)


class Counter:
    """Requests seen by every proxy sharing it; the hold state lives here too."""

    def __init__(self):
        self.lock = threading.Lock()
        self.n = 0
        self.hold_k = None
        self.waiting = 0
        self.inflight = 0
        self.release_apply = False
        self.gate = threading.Event()
        self.gate.set()

    def next(self):
        with self.lock:
            self.n += 1
            self.inflight += 1
            hold = self.hold_k is not None and self.n > self.hold_k
            if hold:
                self.waiting += 1
            return self.n, hold

    def done(self):
        with self.lock:
            self.inflight -= 1

    def reset(self):
        with self.lock:
            self.n = 0
            self.hold_k = None
            self.waiting = 0
            self.gate.set()

    def hold_after(self, k):
        with self.lock:
            self.n = 0
            self.hold_k = k
            self.waiting = 0
            self.gate.clear()

    def held(self):
        with self.lock:
            return self.waiting

    def release(self, apply):
        with self.lock:
            self.release_apply = apply
            self.hold_k = None
        self.gate.set()

    def idle(self, timeout=10.0):
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                if self.inflight == 0:
                    return True
            time.sleep(0.005)
        return False


def _rst(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else None

    def _send(self, status, headers, body, cut=None):
        self.send_response_only(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body if cut is None else body[:cut])
        self.wfile.flush()

    def _error(self, status, code, extra=()):
        body = json.dumps({"errors": [{"code": code, "message": "emulated fault"}]}).encode()
        self._send(status, [("Content-Type", "application/json")] + list(extra), body)

    def _forward(self, body):
        p = self.server.proxy
        c = http.client.HTTPConnection(p.upstream, timeout=60)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        c.request(self.command, self.path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        headers = [(k, v) for k, v in r.getheaders()
                   if k.lower() not in ("content-length", "connection", "transfer-encoding")]
        c.close()
        return r.status, headers, data

    def handle_any(self):
        p = self.server.proxy
        path, _, query = self.path.partition("?")
        route = route_of(self.command, path, query)
        seq, hold = p.counter.next()
        entry = {"seq": seq, "proxy": p.name, "method": self.command, "path": path,
                 "query": query, "route": route, "status": None, "fault": None}
        try:
            body = self._body()
            if hold:
                p.counter.gate.wait(60)
                if not p.counter.release_apply:
                    entry["fault"] = "held-dropped"
                    self.close_connection = True
                    _rst(self.connection)
                    return
                entry["fault"] = "held-applied"
            fault, ms = p.match(route)
            if ms:
                time.sleep(ms / 1000.0)
            kind = fault["kind"] if fault else None
            if kind:
                entry["fault"] = kind if not ms else "latency+" + kind
            elif ms:
                entry["fault"] = "latency"
            if kind == "5xx":
                entry["status"] = int(fault.get("status", 502))
                return self._error(entry["status"], "UNAVAILABLE")
            if kind == "429":
                entry["status"] = 429
                return self._error(429, "TOOMANYREQUESTS",
                                   [("Retry-After", str(fault.get("retry_after", 1)))])
            status, headers, data = self._forward(body)
            entry["status"] = status
            if kind == "5xx-apply":
                entry["upstream_status"] = status
                entry["status"] = 502
                return self._error(502, "UNAVAILABLE")
            if kind == "reset":
                self.close_connection = True
                if self.command != "HEAD" and data:
                    self._send(status, headers, data, cut=len(data) // 2)
                else:
                    entry["status"] = 0
                _rst(self.connection)
                return
            self._send(status, headers, data)
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            self.close_connection = True
            entry["status"] = entry["status"] or 499
        finally:
            p.record(entry)
            p.counter.done()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # a killed client resets its idle keep-alive connections: not worth a traceback
        if not isinstance(sys.exc_info()[1], (ConnectionError, socket.timeout, TimeoutError)):
            super().handle_error(request, client_address)


class RegProxy:
    def __init__(self, upstream, name="r1", counter=None):
        self.upstream = upstream
        self.name = name
        self.counter = counter or Counter()
        self.lock = threading.Lock()
        self.faults = []
        self.log = []
        self.srv = _Server(("127.0.0.1", 0), _Handler)
        self.srv.proxy = self
        self.addr = "127.0.0.1:%d" % self.srv.server_address[1]
        self.thread = threading.Thread(target=self.srv.serve_forever, kwargs={"poll_interval": 0.1},
                                       daemon=True)
        self.thread.start()

    def set_faults(self, faults):
        with self.lock:
            self.faults = [dict(f, seen=0, fired=0) for f in faults]

    def match(self, route):
        """-> (the first firing non-latency fault or None, total latency ms)"""
        chosen, ms = None, 0
        with self.lock:
            for f in self.faults:
                if f.get("route", "*") not in ("*", route):
                    continue
                if chosen is not None and f["kind"] != "latency":
                    continue
                f["seen"] += 1
                if f["seen"] <= int(f.get("after", 0)):
                    continue
                count = int(f.get("count", 1))
                if 0 <= count <= f["fired"]:
                    continue
                f["fired"] += 1
                if f["kind"] == "latency":
                    ms += int(f.get("ms", 200))
                else:
                    chosen = f
        return chosen, ms

    def fired(self):
        with self.lock:
            return sum(f["fired"] for f in self.faults)

    def record(self, entry):
        with self.lock:
            self.log.append(entry)

    def take_log(self):
        with self.lock:
            out, self.log = self.log, []
        return sorted(out, key=lambda e: e["seq"])

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()
