#!/usr/bin/env python3
"""A hostile HTTP server: canned bad answers, one listener per case, for relkit's tests.

usage: server.py --cases CASES.json --ports-file FILE --log FILE

Standard library only; listens on 127.0.0.1 only, on free ports. Every case of CASES.json gets
its own listener (so a case is a whole "GitHub API" or a whole "registry", /v2/ included), and
one more listener, "other", plays another host: its paths are /CASE/..., answered by the same
case's routes. When all listeners are up the ports file is written atomically:
    {"pid": PID, "other": PORT, "cases": {"CASE": PORT, ...}}
Every request is one JSON line in the log: {"case", "listener" ("main" or "other"), "method",
"path", "auth" (an Authorization header was sent), "range", "body" (its first 1000 bytes)}. The server stops on SIGTERM or
SIGINT, or by itself when its parent process exits.

CASES.json: {"CASE": {"routes": [ROUTE, ...]}, ...}; the first route whose "method" (a regular
expression, default any) and "path" (a regular expression searched in the path with its query)
match, and whose "on" ("main" or "other", default both) is the listener, answers; no
match is a 404 with a GitHub-style JSON message. A ROUTE answers with:
  "status"          (default 200)
  "headers"         {name: value}; a list value sends the header several times
  "body"            text | "json": any JSON value | "body_file": a file next to CASES.json |
  "repeat"          {"head", "unit", "tail", "bytes"}: head, unit repeated up to about bytes,
                    tail, streamed (a huge body without holding it) |
  "gzip_zeros"      N: a gzip stream of N zero bytes, sent with Content-Encoding: gzip
  "content_length"  the Content-Length to announce (default: the body's); when it is larger
                    than the body, the connection is closed after the body (a truncated answer)
  "redirect"        "self" (302 to the same URL: a loop) or "other" (302 to the same path on
                    the other listener: another host)
  "ranges"          answer "Range: bytes=..." with 206 and the part (a body, a file or a json),
                    its Content-Range being "content_range" when the route gives one (a lie)
In texts, {api} is the case's own base URL (http://127.0.0.1:PORT), {other} the other host's
base URL for the case (http://127.0.0.1:OTHER/CASE).
"""
import argparse
import gzip
import http.server
import json
import os
import re
import signal
import socketserver
import sys
import threading
import time

LOCK = threading.Lock()
GZIP_CACHE = {}


class State:
    cases = {}
    ports = {}
    other_port = 0
    log = None
    base_dir = "."


def subst(text, case):
    return (text.replace("{api}", "http://127.0.0.1:%d" % State.ports[case])
            .replace("{other}", "http://127.0.0.1:%d/%s" % (State.other_port, case)))


def subst_json(value, case):
    if isinstance(value, str):
        return subst(value, case)
    if isinstance(value, list):
        return [subst_json(v, case) for v in value]
    if isinstance(value, dict):
        return {k: subst_json(v, case) for k, v in value.items()}
    return value


def find_route(case, listener, method, path):
    for route in State.cases[case].get("routes", []):
        if "method" in route and not re.fullmatch(route["method"], method):
            continue
        if route.get("on", listener) != listener:
            continue
        if re.search(route.get("path", ""), path):
            return route
    return None


def body_of(route, case):
    """(bytes or None, total length, chunk generator or None)"""
    if "json" in route:
        data = json.dumps(subst_json(route["json"], case)).encode()
    elif "body_file" in route:
        with open(os.path.join(State.base_dir, route["body_file"]), "rb") as f:
            data = f.read()
        try:
            data = subst(data.decode(), case).encode()
        except UnicodeDecodeError:
            pass
    elif "repeat" in route:
        r = route["repeat"]
        head, unit, tail = (subst(r.get(k, ""), case).encode() for k in ("head", "unit", "tail"))
        count = max(0, (int(r["bytes"]) - len(head) - len(tail)) // max(1, len(unit)))
        total = len(head) + count * len(unit) + len(tail)

        def chunks():
            yield head
            block = unit * max(1, 65536 // max(1, len(unit)))
            per = 65536 // max(1, len(unit)) or 1
            left = count
            while left > 0:
                n = min(left, per)
                yield block if n == per else unit * n
                left -= n
            yield tail
        return None, total, chunks()
    elif "gzip_zeros" in route:
        n = int(route["gzip_zeros"])
        with LOCK:
            if n not in GZIP_CACHE:
                GZIP_CACHE[n] = gzip.compress(b"\0" * n, compresslevel=9, mtime=0)
            data = GZIP_CACHE[n]
    else:
        data = subst(route.get("body", ""), case).encode()
    return data, len(data), None


def ranged(data, rng, route):
    """the part of data a "Range: bytes=A-B" (A-, -N) asks for, with its Content-Range (or the
    route's "content_range", a lie)"""
    m = re.fullmatch(r"bytes=(\d*)-(\d*)", rng.strip())
    n = len(data)
    if not m or (not m.group(1) and not m.group(2)):
        a, b = 0, n - 1
    elif not m.group(1):
        a, b = max(0, n - int(m.group(2))), n - 1
    else:
        a = int(m.group(1))
        b = min(n - 1, int(m.group(2))) if m.group(2) else n - 1
    part = data[a:b + 1]
    return part, {"Content-Range": route.get("content_range", "bytes %d-%d/%d" % (a, b, n)),
                  "Accept-Ranges": "bytes"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile/1.0"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def case_and_path(self):
        if self.server.case is not None:
            return self.server.case, self.path
        parts = self.path.split("/", 2)
        case = parts[1] if len(parts) > 1 else ""
        return case, "/" + (parts[2] if len(parts) > 2 else "")

    def record(self, case, body):
        entry = {"body": body.decode("utf-8", "replace"),"case": case, "listener": "main" if self.server.case else "other",
                 "method": self.command, "path": self.path,
                 "auth": self.headers.get("Authorization") is not None,
                 "range": self.headers.get("Range"), "t": round(time.time(), 3)}
        with LOCK:
            State.log.write(json.dumps(entry) + "\n")
            State.log.flush()

    def drain(self):
        """read the request body; keep its first 1000 bytes for the log"""
        n, head = int(self.headers.get("Content-Length") or 0), b""
        while n > 0:
            chunk = self.rfile.read(min(n, 65536))
            if not chunk:
                break
            head += chunk[:1000 - len(head)]
            n -= len(chunk)
        return head

    def answer(self):
        case, path = self.case_and_path()
        self.record(case, self.drain())
        if case not in State.cases:
            return self.send_simple(404, {"message": "Not Found (no case '%s')" % case})
        route = find_route(case, "main" if self.server.case else "other", self.command, path)
        if route is None:
            return self.send_simple(404, {"message": "Not Found"})
        if route.get("redirect"):
            if route["redirect"] == "self":
                where = "http://127.0.0.1:%d%s" % (self.server.server_address[1], self.path)
            else:
                where = "http://127.0.0.1:%d/%s%s" % (State.other_port, case, path)
            self.send_response(route.get("status", 302))
            self.send_header("Location", where)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data, total, chunks = body_of(route, case)
        status = int(route.get("status", 200))
        extra = {}
        rng = self.headers.get("Range")
        if route.get("ranges") and rng and chunks is None and status == 200:
            data, extra = ranged(data, rng, route)
            status, total = 206, len(data)
        announced = int(route.get("content_length", total))
        self.send_response(status)
        headers = {"Content-Type": "application/json"}
        if "gzip_zeros" in route:
            headers["Content-Encoding"] = "gzip"
        headers.update(route.get("headers", {}))
        headers.update(extra)
        for name, value in headers.items():
            for v in value if isinstance(value, list) else [value]:
                self.send_header(name, subst(str(v), case))
        self.send_header("Content-Length", str(announced))
        if announced > total:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return
        try:
            if chunks is None:
                self.wfile.write(data)
            else:
                for c in chunks:
                    self.wfile.write(c)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def send_simple(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = answer


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, case):
        self.case = case
        super().__init__(("127.0.0.1", 0), Handler)

    def handle_error(self, request, client_address):
        pass  # a client that hangs up on a huge body is expected


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", required=True)
    ap.add_argument("--ports-file", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    try:
        with open(args.cases) as f:
            State.cases = json.load(f)
        for case, spec in State.cases.items():
            for route in spec.get("routes", []):
                re.compile(route.get("path", ""))
    except (OSError, ValueError, re.error) as exc:
        print("server.py: error: bad cases file '%s': %s" % (args.cases, exc), file=sys.stderr)
        return 1
    State.base_dir = os.path.dirname(os.path.abspath(args.cases))
    State.log = open(args.log, "a")
    servers = [Server(None)]
    State.other_port = servers[0].server_address[1]
    for case in State.cases:
        s = Server(case)
        State.ports[case] = s.server_address[1]
        servers.append(s)
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    tmp = args.ports_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"pid": os.getpid(), "other": State.other_port, "cases": State.ports}, f)
    os.replace(tmp, args.ports_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    parent = os.getppid()
    while not stop.wait(0.5):
        if os.getppid() != parent:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
