#!/usr/bin/env python3
"""Audit one tool run for secret leaks: every byte it wrote, every file it left, every argv.

usage: audit.py CONFIG.json   (prints a JSON report; exit 0 clean, 1 leaks, 2 bad input)

CONFIG:
  {"strace": FILE,            strace -f -qq -yy -xx -s BIG -e trace=SYSCALLS output (see lib.bash)
   "stderr": FILE,            the tool's stderr (also seen in strace; read here for ::add-mask::)
   "scan": [DIR|FILE, ...],   everything the run may have written (sandbox, GITHUB_OUTPUT, ...)
   "actions": bool,           GITHUB_ACTIONS=true: '::add-mask::<secret>' lines on fd 2 allowed
   "secrets": [{"name": N, "value": V, "users": [U...], "ports": [P...]}],
                              a secret may be sent only to TCP ports P (as itself, or as Basic
                              base64(U:V)); written anywhere else (file, pipe, tty, other port)
                              it is a leak, as are base64 encodings of it and any 12-character
                              window of it (a truncated leak)
   "token_servers": {"TPORT": [RPORT...]}, a bearer token a token server on TPORT issued may be
                              sent only to the registry ports RPORT (tokens are read from the
                              token server's answers in the trace)
   "known_public": [V...]}    Authorization values that are not secrets of this test (ignored)

The first exec of the trace is the tool started by the test: its own argv is not checked (the
test chose it); every later exec's argv is. What counts as the tool: every traced process except those that exec'd docker-credential-*
(a credential helper writes its secret to the tool by design).

Report: {"violations": [...], "masked": [names seen in ::add-mask::], "requests": {port: n},
"authorization": [{"port", "scheme", "what"}], "bytes_checked": n, "files_checked": n}.
"""
import base64
import json
import os
import re
import sys

HEX = re.compile(rb'"((?:\\x[0-9a-f]{2})*)"')
LINE = re.compile(r"^(\d+) +(?:<\.\.\. (\w+) resumed>(.*)|(\w+)\((.*))$")
TCP = re.compile(r"^TCP(?:v6)?:\[(.+):(\d+)->(.+):(\d+)\]$")
AUTH = re.compile(rb"\r\nAuthorization: *([A-Za-z]+) +([^\r\n]+)", re.I)
TOKEN_JSON = re.compile(rb'"(?:access_)?token" *: *"([^"]+)"')
WRITES = {"write", "pwrite64", "writev", "pwritev", "pwritev2", "sendto", "sendmsg", "sendmmsg", "send"}
READS = {"recvfrom", "recvmsg", "read"}


def unhex(s):
    return bytes.fromhex(s.replace(b"\\x", b"").decode())


def split_fd(args):
    """'5<TCP:[..]>, rest' -> (5, 'TCP:[..]', rest); nested <> in the annotation"""
    m = re.match(r"(-?\d+)", args)
    if not m:
        return None, "", args
    fd, i = int(m.group(1)), m.end()
    ann = ""
    if i < len(args) and args[i] == "<":
        depth, j = 0, i
        while j < len(args):
            if args[j] == "<":
                depth += 1
            elif args[j] == ">" and args[j - 1] != "-":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        ann = args[i + 1:j]
        i = j + 1
    ann = re.sub(r"\\x([0-9a-f]{2})", lambda x: chr(int(x.group(1), 16)), ann)
    return fd, ann, args[i:]


def variants(secret, users):
    """byte strings whose presence means the secret leaked"""
    v = secret.encode()
    out = {"plain": [v]}
    out["window"] = [v[i:i + 12] for i in range(0, max(1, len(v) - 11))] if len(v) > 16 else []
    b64 = []
    for k in range(3):  # the secret at any alignment inside a base64 text
        enc = base64.b64encode(b"\0" * k + v).rstrip(b"=")
        skip = (k * 4 + 2) // 3 + (1 if k else 0)
        b64.append(enc[skip:-2] if len(enc) - skip > 8 else enc)
    out["base64"] = b64
    # a truncated base64 text (of the secret alone, at any alignment)
    out["base64-window"] = [x[i:i + 12] for x in b64 for i in range(0, max(1, len(x) - 11))] if len(v) > 16 else []
    out["basic"] = [base64.b64encode(("%s:%s" % (u, secret)).encode()) for u in users]
    return out


class Audit:
    def __init__(self, cfg):
        self.cfg = cfg
        self.actions = cfg.get("actions", False)
        self.secrets = cfg.get("secrets", [])
        self.var = {s["name"]: variants(s["value"], s.get("users", [])) for s in self.secrets}
        # a window that also occurs in another secret (a common substring, in the clear or
        # base64-encoded) says nothing about which one leaked: dropped
        for name, v in self.var.items():
            others = b"\0".join(
                b"\0".join([base64.b64encode(b"\0" * k + o["value"].encode()) for k in range(3)] +
                           [base64.b64encode(("%s:%s" % (u, o["value"])).encode()) for u in o.get("users", [])] +
                           [o["value"].encode()])
                for o in self.secrets if o["name"] != name)
            for form in ("window", "base64-window"):
                v[form] = [w for w in v[form] if w not in others]
        self.ts = {int(k): set(v) for k, v in cfg.get("token_servers", {}).items()}
        self.public = set(cfg.get("known_public", []))
        self.violations = []
        self.masked = set()
        self.requests = {}
        self.auth = []
        self.issued = {}  # bearer token -> token server port
        self.bytes = 0
        self.files = 0
        self.helpers = set()
        self.execs = 0
        self.streams = {}  # (kind, key) -> bytearray, in order
        self.order = []

    def v(self, **kw):
        self.violations.append(kw)

    # ---- strace ----
    def parse(self, path):
        pending = {}
        with open(path, "rb") as f:
            for raw in f:
                line = raw.decode("latin-1").rstrip("\n")
                m = LINE.match(line)
                if not m:
                    continue
                pid = int(m.group(1))
                if m.group(2):  # resumed
                    call, rest = m.group(2), m.group(3)
                    fd, ann = pending.pop(pid, (None, ""))
                    data_args = rest
                else:
                    call, args = m.group(4), m.group(5)
                    if call == "execve":
                        self.execve(pid, args)
                        continue
                    fd, ann, data_args = split_fd(args)
                    if args.endswith("<unfinished ...>"):
                        pending[pid] = (fd, ann)
                        if call in READS:
                            continue  # the data comes with the resumed line
                if call not in WRITES and call not in READS:
                    continue
                if pid in self.helpers or fd is None:
                    continue
                chunks = [unhex(x) for x in HEX.findall(data_args.encode("latin-1"))]
                data = b"".join(chunks)
                if not data:
                    continue
                if call in READS:
                    self.on_read(ann, data)
                else:
                    self.on_write(pid, fd, ann, data)

    def execve(self, pid, args):
        strs = [unhex(x) for x in HEX.findall(args.encode("latin-1"))]
        if strs and os.path.basename(strs[0]).startswith(b"docker-credential-"):
            self.helpers.add(pid)
        self.execs += 1
        if self.execs == 1:
            return  # the tool itself, started by the test: its argv is the test's
        for s in strs[1:]:
            self.scan(b"argv of execve " + strs[0], s, "argv")

    def on_read(self, ann, data):
        m = TCP.match(ann)
        if not m:
            return
        port = int(m.group(4))
        if port in self.ts:
            for t in TOKEN_JSON.findall(data):
                self.issued[t] = port

    def on_write(self, pid, fd, ann, data):
        self.bytes += len(data)
        m = TCP.match(ann)
        if m:
            key = ("tcp", ann)
        elif ann == self.cfg.get("stderr") or (fd == 2 and not ann):
            key = ("stderr", ann or "fd2")
        else:
            key = ("local", "fd %d <%s>" % (fd, ann))
        if key not in self.streams:
            self.streams[key] = bytearray()
            self.order.append(key)
        self.streams[key] += data

    def check_streams(self):
        for key in self.order:
            kind, name = key
            data = bytes(self.streams[key])
            if kind == "tcp":
                self.check_tcp(name, data)
            elif kind == "stderr":
                self.check_stderr(name, data)
            else:
                self.scan(name.encode(), data, "local write")

    def check_stderr(self, name, data):
        kept = []
        for line in data.split(b"\n"):
            if line.startswith(b"::add-mask::") and self.actions:
                val = line[len(b"::add-mask::"):].decode("latin-1")
                for s in self.secrets:
                    if s["value"] == val:
                        self.masked.add(s["name"])
                continue
            kept.append(line)
        self.scan(("stderr " + name).encode(), b"\n".join(kept), "stderr")

    def allowed(self, sname, port):
        for s in self.secrets:
            if s["name"] == sname:
                return port in s.get("ports", [])
        return False

    def check_tcp(self, ann, data):
        m = TCP.match(ann)
        port = int(m.group(4))
        self.requests[port] = self.requests.get(port, 0) + len(
            re.findall(rb"(?:^|\r\n\r\n|\n)(?:GET|HEAD|POST|PUT|PATCH|DELETE) /", data))
        for s in self.secrets:
            if self.allowed(s["name"], port):
                continue
            self.scan_one(("tcp port %d" % port).encode(), data, s, "network")
        for scheme, value in AUTH.findall(data):
            value = value.strip()
            what = self.identify(scheme.decode("latin-1").lower(), value)
            self.auth.append({"port": port, "scheme": scheme.decode(), "what": what})
            if what.startswith("secret:"):
                if not self.allowed(what[7:], port):
                    self.v(kind="credential to another host", secret=what[7:], port=port)
            elif what.startswith("bearer-from:"):
                tport = int(what.split(":")[1])
                if port not in self.ts.get(tport, set()):
                    self.v(kind="bearer token to another registry", issued_by=tport, port=port)
            elif what != "public":
                self.v(kind="unrecognised Authorization", port=port, scheme=scheme.decode(), what=what)

    def identify(self, scheme, value):
        if scheme == "basic":
            try:
                user, _, pw = base64.b64decode(value).decode("latin-1").partition(":")
            except Exception:
                return "undecodable basic"
            value_s = pw
        else:
            value_s = value.decode("latin-1")
        for s in self.secrets:
            if s["value"] == value_s:
                return "secret:" + s["name"]
        if value_s in self.public:
            return "public"
        if value in self.issued:
            return "bearer-from:%d" % self.issued[value]
        return "unknown %s credential (%d chars)" % (scheme, len(value_s))

    # ---- matching ----
    def scan(self, where, data, channel):
        for s in self.secrets:
            self.scan_one(where, data, s, channel)
        for tok, tport in self.issued.items():
            if tok in data:
                self.v(kind="bearer token leaked", channel=channel, where=where.decode("latin-1"),
                       issued_by=tport)

    def scan_one(self, where, data, s, channel):
        for form, needles in self.var[s["name"]].items():
            for n in needles:
                if n and n in data:
                    i = data.find(n)
                    ctx = data[max(0, i - 60):i + len(n) + 20]
                    self.v(kind="secret leaked", secret=s["name"], form=form, channel=channel,
                           where=where.decode("latin-1"), context=ctx.decode("latin-1"))
                    return

    def scan_paths(self, paths):
        for p in paths:
            if os.path.isfile(p):
                self.scan_file(p)
                continue
            for root, _, names in os.walk(p):
                for n in names:
                    self.scan_file(os.path.join(root, n))

    def scan_file(self, path):
        if os.path.islink(path) or not os.path.isfile(path):
            return
        self.files += 1
        with open(path, "rb") as f:
            data = f.read()
        if path == self.cfg.get("stderr") and self.actions:
            lines = [l for l in data.split(b"\n") if not l.startswith(b"::add-mask::")]
            data = b"\n".join(lines)
        self.scan(("file " + path).encode(), data, "file")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    a = Audit(cfg)
    if cfg.get("strace"):
        a.parse(cfg["strace"])
        a.check_streams()
    a.scan_paths(cfg.get("scan", []))
    rep = {"violations": a.violations, "masked": sorted(a.masked), "requests": a.requests,
           "authorization": a.auth, "bytes_checked": a.bytes, "files_checked": a.files,
           "bearer_tokens_issued": len(a.issued), "helpers": len(a.helpers)}
    json.dump(rep, sys.stdout, indent=1, sort_keys=True)
    print()
    return 1 if a.violations else 0


if __name__ == "__main__":
    sys.exit(main())
