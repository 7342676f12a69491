"""HTTP/1.1 listeners and the request pipeline shared by every route.

Pipeline for one request: parse -> control routes (/_emulator/, api listener only, no faults,
no rate limit) -> global latency -> faults -> listener handler (api routes, uploads, downloads)
-> ETag / 304 -> rate-limit accounting and headers -> write (one send) -> request log.
"""

import hashlib
import json
import re
import socket
import struct
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from . import render

REASONS = {200: "OK", 201: "Created", 204: "No Content", 206: "Partial Content", 302: "Found",
           304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 411: "Length Required",
           413: "Payload Too Large", 416: "Range Not Satisfiable", 422: "Unprocessable Entity",
           429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout"}
MAX_JSON_BODY = 16 << 20
FAULT_KINDS = ("5xx", "429", "secondary", "reset", "latency", "primary")
SECONDARY_MSG = ("You have exceeded a secondary rate limit. Please wait a few minutes before you "
                 "try again. If you reach out to GitHub Support for help, please include the "
                 "request ID 0000:0000:0000000:0000000:00000000.")
DOC_RATE = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"


class HttpError(Exception):
    def __init__(self, status, message, errors=None, headers=None, doc=None):
        super().__init__(message)
        self.status = status
        kw = {"doc": doc} if doc else {}
        self.body = render.error(message, status, errors, **kw)
        self.headers = headers or []


class Resp:
    """A response: status, body bytes (or a streaming writer), headers (list of pairs)."""

    def __init__(self, status, body=b"", headers=None, ctype=None, stream=None, length=None):
        self.status = status
        self.body = body
        self.headers = list(headers or [])
        self.ctype = ctype
        self.stream = stream          # function(write, limit) -> bytes written; used for downloads
        self.length = length          # Content-Length when streaming
        self.etag_ok = True
        self.etag = None              # the body's ETag when the route computed it already

    @classmethod
    def json(cls, status, obj, headers=None):
        body = json.dumps(obj, separators=(",", ":")).encode()
        return cls(status, body, headers, "application/json; charset=utf-8")


class Req:
    def __init__(self, h, listener):
        self.h = h
        self.listener = listener
        self.method = h.command
        parts = urlsplit(h.path)
        self.rawpath = parts.path or "/"
        self.path = unquote(self.rawpath)
        self.qs = parts.query
        self.query = dict(parse_qsl(parts.query, keep_blank_values=True))
        self.headers = h.headers
        self.body = None
        self.bytes_in = 0
        self.token = None          # accepted token record
        self.auth_present = False
        self.token_ok = None
        self.route = None

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def continue_100(self):
        """Send the deferred '100 Continue' (see Handler.handle_expect_100)."""
        if self.h.expect_pending:
            self.h.expect_pending = False
            self.h.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def read_body(self, limit=MAX_JSON_BODY):
        if self.body is not None:
            return self.body
        self.continue_100()
        te = (self.header("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            for c in read_chunked(self.h.rfile):
                chunks.append(c)
                self.bytes_in += len(c)
                if self.bytes_in > limit:
                    raise HttpError(413, "Body too large")
            self.body = b"".join(chunks)
            return self.body
        n = int(self.header("Content-Length") or 0)
        if n > limit:
            self.h.close_connection = True
            raise HttpError(413, "Body too large")
        self.body = self.h.rfile.read(n) if n else b""
        self.bytes_in += len(self.body)
        if len(self.body) < n:
            self.h.close_connection = True
        return self.body

    def json(self, allow_list=False):
        raw = self.read_body()
        if not raw.strip():
            return {}
        try:
            obj = json.loads(raw)
        except ValueError:
            raise HttpError(400, "Problems parsing JSON")
        if not isinstance(obj, dict) and not (allow_list and isinstance(obj, list)):
            raise HttpError(400, "Problems parsing JSON")
        return obj

    def drain(self):
        """Discard an unread request body (or give up the connection) before answering."""
        if self.body is not None:
            return
        te = (self.header("Transfer-Encoding") or "").lower()
        n = int(self.header("Content-Length") or 0)
        if self.h.expect_pending or "chunked" in te or n > (1 << 20):
            self.h.close_connection = True
            self.body = b""
            return
        try:
            self.read_body()
        except (HttpError, OSError):
            self.h.close_connection = True


def read_chunked(rfile):
    while True:
        line = rfile.readline(1024)
        if not line:
            return
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while True:
                t = rfile.readline(1024)
                if t in (b"\r\n", b"\n", b""):
                    return
        data = rfile.read(size)
        rfile.readline(16)
        yield data
        if len(data) < size:
            return


# ======================================================================================
# rate limits
# ======================================================================================

class RateLimiter:
    def __init__(self, model):
        self.model = model
        self.lock = threading.Lock()
        self.buckets = {}

    def bucket(self, key):
        limits = self.model.data["rate_limit"]
        now = time.time()
        b = self.buckets.get(key)
        if b is None or now >= b["reset"]:
            if key == "anon":
                limit = limits["unauthenticated"]
            else:
                tok = self.model.tokens.get(key, {})
                limit = tok.get("rate_limit", limits["authenticated"])
            b = {"limit": int(limit), "used": 0, "reset": int(now) + 3600,
                 "spent_total": b["spent_total"] if b else 0}
            self.buckets[key] = b
        return b

    def headers(self, b):
        return [("x-ratelimit-limit", str(b["limit"])),
                ("x-ratelimit-remaining", str(max(0, b["limit"] - b["used"]))),
                ("x-ratelimit-reset", str(b["reset"])), ("x-ratelimit-used", str(b["used"])),
                ("x-ratelimit-resource", "core")]

    def reset(self):
        with self.lock:
            self.buckets = {}


# ======================================================================================
# faults
# ======================================================================================

class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    @staticmethod
    def parse(specs):
        if isinstance(specs, dict):
            specs = specs.get("faults", [specs] if "kind" in specs else [])
        out = []
        for s in specs or []:
            kind = str(s.get("kind", "5xx"))
            if kind not in FAULT_KINDS:
                raise ValueError("unknown fault kind %r" % kind)
            try:
                rx = re.compile(s.get("route", ".*"))
            except re.error as e:
                raise ValueError("bad fault route regex %r: %s" % (s.get("route"), e))
            out.append({"spec": dict(s), "re": rx, "kind": kind, "seen": 0, "fired": 0})
        return out

    def replace(self, specs):
        items = self.parse(specs)
        with self.lock:
            self.items = items

    def add(self, specs):
        items = self.parse(specs)
        with self.lock:
            self.items.extend(items)

    def match(self, listener, target):
        """-> (total latency ms, the first firing non-latency fault spec or None, kinds fired)"""
        latency, chosen, kinds = 0, None, []
        with self.lock:
            for f in self.items:
                s = f["spec"]
                if s.get("listener") and s["listener"] != listener:
                    continue
                if not f["re"].search(target):
                    continue
                if chosen is not None and f["kind"] != "latency":
                    continue
                f["seen"] += 1
                if f["seen"] <= int(s.get("after", 0)):
                    continue
                count = int(s.get("count", 1))
                if count >= 0 and f["fired"] >= count:
                    continue
                f["fired"] += 1
                kinds.append(f["kind"])
                if f["kind"] == "latency":
                    latency += int(s.get("ms", 100))
                else:
                    chosen = s
        return latency, chosen, kinds

    def snapshot(self):
        with self.lock:
            return [dict(f["spec"], seen=f["seen"], fired=f["fired"]) for f in self.items]


# ======================================================================================
# the emulator
# ======================================================================================

class Emulator:
    def __init__(self, model, seed_faults=None, latency_ms=0, log_path=None):
        self.model = model
        self.faults = Faults()
        self.seed_faults = seed_faults or []
        self.faults.replace(self.seed_faults)
        self.latency_ms = latency_ms
        self.rate = RateLimiter(model)
        self.log_lock = threading.Lock()
        self.log = []
        self.seq = 0
        self.log_file = open(log_path, "a") if log_path else None
        self.stats = {"listeners": {}, "routes": {}, "downloads_rejected_authorization": 0,
                      "faults_fired": 0}
        self.servers = {}
        self.ports = {}
        self.urls = None
        self.public_api = None
        from . import api, transfer  # noqa: circular-safe late import
        self.api = api.Api(self)
        self.transfer = transfer.Transfer(self)

    # ---- lifecycle -----------------------------------------------------------------------
    def bind(self):
        for name in ("api", "uploads", "downloads"):
            srv = Server(("127.0.0.1", 0), Handler)
            srv.emu = self
            srv.listener = name
            self.servers[name] = srv
            self.ports[name] = srv.server_address[1]
        self.set_urls()

    def set_urls(self, public_api=None):
        self.public_api = public_api
        web = "http://127.0.0.1:%d" % self.ports["api"]
        self.urls = render.Urls(public_api or web, web, "http://127.0.0.1:%d" % self.ports["uploads"],
                                "http://127.0.0.1:%d" % self.ports["downloads"])

    def serve(self):
        for srv in self.servers.values():
            threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2},
                             daemon=True).start()

    def shutdown(self):
        for srv in self.servers.values():
            srv.shutdown()
            srv.server_close()

    # ---- request pipeline ----------------------------------------------------------------
    def handle(self, h):
        t0 = time.time()
        listener = h.server.listener
        req = Req(h, listener)
        entry = {"listener": listener, "method": req.method, "path": req.rawpath, "query": req.qs,
                 "status": None, "authorization": bool(h.headers.get("Authorization")),
                 "token_ok": None, "if_none_match": h.headers.get("If-None-Match"),
                 "bytes_in": 0, "bytes_out": 0, "fault": None, "route": None, "ms": 0}
        try:
            if listener == "api" and req.rawpath.startswith("/_emulator/"):
                entry["route"] = "control"      # not logged, not counted
                self.send(h, req, self.api.control(req), entry)
                return
            if self.latency_ms:
                time.sleep(self.latency_ms / 1000.0)
            target = req.method + " " + req.rawpath + ("?" + req.qs if req.qs else "")
            latency, fault, kinds = self.faults.match(listener, target)
            if kinds:
                entry["fault"] = "+".join(kinds)
                with self.log_lock:
                    self.stats["faults_fired"] += len(kinds)
            if latency:
                time.sleep(latency / 1000.0)
            if fault is not None and fault["kind"] != "reset":
                if fault.get("apply") and listener == "api":
                    # the mutation happens, then the client sees the failure: a retry
                    # must recognise its own earlier effect
                    self.api.dispatch(req)
                else:
                    req.drain()
                resp = self.fault_response(req, fault)
                self.send(h, req, resp, entry)
                return
            if listener == "downloads":
                resp = self.transfer.download(req)
            elif listener == "uploads":
                resp = self.transfer.upload(req, fault)
            else:
                resp = self.api.dispatch(req)
            self.send(h, req, resp, entry, fault)
        except (BrokenPipeError, ConnectionResetError, socket.timeout, TimeoutError):
            h.close_connection = True
            entry["status"] = entry["status"] or 499
        except Exception:  # an emulator bug: answer 500, say why on stderr, keep serving
            traceback.print_exc()
            h.close_connection = True
            if entry["status"] is None:
                try:
                    self.send(h, req, Resp.json(500, {"message": "emulator internal error"}), entry)
                except OSError:
                    pass
        finally:
            h.expect_pending = False
            self.fill(entry, req)
            entry["ms"] = round((time.time() - t0) * 1000, 2)
            if "seq" not in entry:
                self.record(entry)
            self.write_log_line(entry)

    def fault_response(self, req, f):
        kind = f["kind"]
        ra = str(f.get("retry_after", 1))
        if kind == "5xx":
            st = int(f.get("status", 502))
            return Resp.json(st, {"message": "Server Error (emulated fault)"})
        if kind == "429":
            return Resp.json(429, {"message": "Too Many Requests", "documentation_url": DOC_RATE},
                             [("Retry-After", ra)])
        if kind == "secondary":
            return Resp.json(403, {"message": SECONDARY_MSG, "documentation_url": DOC_RATE},
                             [("Retry-After", ra)])
        if kind == "primary":
            with self.rate.lock:
                b = dict(self.rate.bucket(req.token["token"] if req.token else "anon"))
            reset = int(time.time()) + int(f.get("retry_after", 1))
            who = "user ID %d" % req.token["id"] if req.token else "127.0.0.1"
            r = Resp.json(403, {"message": "API rate limit exceeded for %s." % who,
                                "documentation_url": DOC_RATE})
            r.headers += [("x-ratelimit-limit", str(b["limit"])), ("x-ratelimit-remaining", "0"),
                          ("x-ratelimit-reset", str(reset)), ("x-ratelimit-used", str(b["limit"])),
                          ("x-ratelimit-resource", "core")]
            r.no_rate = True
            return r
        raise AssertionError(kind)

    def send(self, h, req, resp, entry, fault=None):
        if resp is None:                  # the handler already aborted the connection
            entry["status"] = entry["status"] or 0
            return
        if isinstance(resp, tuple):
            resp = Resp.json(*resp)
        headers = [("Date", h.date_time_string()), ("Server", "GitHub.com")]
        if resp.ctype:
            headers.append(("Content-Type", resp.ctype))
        body = resp.body
        status = resp.status
        if (req.listener != "downloads" and req.method in ("GET", "HEAD") and status == 200
                and resp.stream is None and resp.etag_ok):
            etag = resp.etag or 'W/"%s"' % hashlib.md5(body).hexdigest()
            headers.append(("ETag", etag))
            headers.append(("Cache-Control", "private, max-age=60, s-maxage=60"))
            headers.append(("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP"))
            if etag_match(req.header("If-None-Match"), etag):
                status, body = 304, b""
                headers = [kv for kv in headers if kv[0] != "Content-Type"]
        rate = getattr(req, "bucket", None)
        if rate is not None and not getattr(resp, "no_rate", False):
            with self.rate.lock:
                if status != 304 and getattr(req, "spend", False):
                    rate["used"] += 1
                    rate["spent_total"] += 1
                headers += self.rate.headers(rate)
        if req.listener != "downloads" and not entry.get("route") == "control":
            headers.append(("X-GitHub-Media-Type", "github.v3; format=json"))
            headers.append(("X-GitHub-Api-Version-Selected", "2022-11-28"))
        headers += resp.headers
        if h.close_connection:
            headers.append(("Connection", "close"))
        entry["status"] = status
        length = resp.length if resp.stream is not None else len(body)
        if status != 304 and not (status == 204 or 100 <= status < 200):
            headers.append(("Content-Length", str(length)))
        head = "HTTP/1.1 %d %s\r\n" % (status, REASONS.get(status, "Status"))
        head += "".join("%s: %s\r\n" % kv for kv in headers) + "\r\n"
        head = head.encode("latin-1")
        send_body = req.method != "HEAD" and status not in (204, 304)
        # in the log before the client can see the response (tests read the log right after)
        entry["bytes_out"] = length if send_body else 0
        self.fill(entry, req)
        self.record(entry)
        if fault is not None and fault["kind"] == "reset" and req.listener != "uploads":
            cut = fault.get("reset_after_bytes")
            self.reset_mid_body(h, head, body if send_body else b"", resp if send_body else None,
                                cut, entry)
            return
        if resp.stream is not None and send_body:
            h.wfile.write(head)
            entry["bytes_out"] = resp.stream(h.wfile.write, None)
        elif send_body and len(body) > 65536:
            h.wfile.write(head)  # not head + body: a copy of megabytes
            h.wfile.write(body)
            entry["bytes_out"] = len(body)
        else:
            h.wfile.write(head + body if send_body else head)
            entry["bytes_out"] = len(body) if send_body else 0

    def reset_mid_body(self, h, head, body, resp, cut, entry):
        total = resp.length if resp is not None and resp.stream is not None else len(body)
        n = int(cut) if cut is not None else total // 2
        n = max(0, min(n, max(total - 1, 0)))
        if total > 0:
            h.wfile.write(head)
            if resp is not None and resp.stream is not None:
                entry["bytes_out"] = resp.stream(h.wfile.write, n)
            else:
                h.wfile.write(body[:n])
                entry["bytes_out"] = n
        else:
            entry["status"] = 0                 # nothing was sent
        abort_connection(h)

    @staticmethod
    def fill(entry, req):
        entry["bytes_in"] = req.bytes_in
        entry["token_ok"] = req.token_ok
        entry["route"] = entry["route"] or req.route

    def record(self, entry):
        """Append to the request log and count; later changes to entry show in the log."""
        if entry.get("route") == "control":
            return
        with self.log_lock:
            self.seq += 1
            entry["seq"] = self.seq
            if len(self.log) < 500000:
                self.log.append(entry)
            st = self.stats
            st["listeners"][entry["listener"]] = st["listeners"].get(entry["listener"], 0) + 1
            key = "%s %s" % (entry["listener"], entry.get("route") or "unmatched")
            st["routes"][key] = st["routes"].get(key, 0) + 1

    def write_log_line(self, entry):
        if self.log_file and entry.get("route") != "control":
            with self.log_lock:
                self.log_file.write(json.dumps(entry) + "\n")
                self.log_file.flush()


def abort_connection(h):
    """Close with RST (SO_LINGER 0) so the peer sees a connection reset."""
    h.close_connection = True
    try:
        h.wfile.flush()
    except OSError:
        pass
    try:
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()
    except OSError:
        pass


def etag_match(inm, etag):
    if not inm:
        return False
    want = etag[2:] if etag.startswith("W/") else etag
    for t in inm.split(","):
        t = t.strip()
        if t == "*":
            return True
        if t.startswith("W/"):
            t = t[2:]
        if t == want:
            return True
    return False


def page_args(req):
    try:
        per = int(req.query.get("per_page", 30))
    except ValueError:
        per = 30
    try:
        page = int(req.query.get("page", 1))
    except ValueError:
        page = 1
    return max(1, min(per, 100)), max(1, page)


def paginate(emu, req, items, cap=None):
    """-> (items of the requested page, Link headers) with GitHub's Link rels."""
    per, page = page_args(req)
    total = len(items) if cap is None else min(len(items), cap)
    last = max(1, (total + per - 1) // per)
    start = (page - 1) * per
    chunk = items[start:min(start + per, total)] if start < total else []
    pairs = [(k, v) for k, v in parse_qsl(req.qs, keep_blank_values=True) if k != "page"]
    base = emu.urls.api + req.rawpath

    def url(p):
        return "<%s?%s>" % (base, urlencode(pairs + [("page", str(p))]))
    rels = []
    if page > 1:
        rels.append('%s; rel="prev"' % url(min(page - 1, last)))
    if page < last:
        rels.append('%s; rel="next"' % url(page + 1))
        rels.append('%s; rel="last"' % url(last))
    if page > 1:
        rels.append('%s; rel="first"' % url(1))
    return chunk, ([("Link", ", ".join(rels))] if rels else [])


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    sys_version = ""
    timeout = 60

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    expect_pending = False

    def handle_expect_100(self):
        """Defer '100 Continue' until the request is known to be acceptable (Req.continue_100):
        a refused upload is answered at once and its body is never sent."""
        self.expect_pending = True
        return True

    def log_message(self, fmt, *args):
        pass

    def _do(self):
        self.server.emu.handle(self)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _do
