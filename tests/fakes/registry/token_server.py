#!/usr/bin/python3
"""Docker registry token server for the relkit registry peer (test use only).

Implements the token protocol that distribution 2.8 (Debian docker-registry)
delegates to with `auth.token`:

  GET  /token?service=S&scope=repository:NAME:pull,push&scope=...   (Basic auth optional)
  POST /token   grant_type=password&username=U&password=P&service=S&scope=...  (OAuth2 form)

Users and per-repository permissions come from a JSON file (see users.json).
A token grants the intersection of what was asked and what the user (plus the
anonymous rules) may do; scopes with nothing granted are left out, so a client
can obtain a token that lacks pull on a repository and see the registry refuse it.
The JWT is ES256 and its header carries the libtrust key ID (`kid`) of the signing
key, which is how distribution 2.8 finds the key in `rootcertbundle`.

One JSON line per request goes to stderr (never a password or a token), so tests can
count token requests and see what was asked and granted.
"""
import argparse
import base64
import binascii
import fnmatch
import json
import os
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization

LOG_LOCK = threading.Lock()


def libtrust_kid(public_key):
    """libtrust key ID: base32 of the first 240 bits of sha256(DER SPKI), 12 groups of 4."""
    import hashlib

    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    b32 = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(b32[i:i + 4] for i in range(0, len(b32), 4))


def parse_scope(text):
    """'repository:src/app:pull,push' -> ('repository', 'src/app', ['pull', 'push'])."""
    first = text.find(":")
    last = text.rfind(":")
    if first <= 0 or last == first:
        return None
    actions = [a for a in text[last + 1:].split(",") if a]
    return text[:first], text[first + 1:last], actions


def split_scopes(values):
    """Scopes may come as repeated parameters or space-separated in one parameter."""
    out = []
    for v in values:
        out.extend(s for s in v.split(" ") if s)
    return out


class Policy:
    def __init__(self, path, password_suffix=""):
        with open(path) as f:
            cfg = json.load(f)
        self.users = cfg.get("users", {})
        self.anonymous = cfg.get("anonymous", [])
        self.suffix = password_suffix

    def check(self, user, password):
        u = self.users.get(user)
        return u is not None and u.get("password", "") + self.suffix == password

    def rules(self, user):
        rules = list(self.anonymous)
        if user is not None:
            rules.extend(self.users[user].get("access", []))
        return rules

    def allowed(self, user, rtype, name):
        allowed = set()
        for rule in self.rules(user):
            if rule.get("type", "repository") != rtype:
                continue
            if any(fnmatch.fnmatchcase(name, p) for p in rule.get("names", [])):
                allowed.update(rule.get("actions", []))
        return allowed

    def grant(self, user, scopes):
        """Intersection of requested scopes and permissions, merged per resource."""
        merged = {}
        order = []
        for s in scopes:
            parsed = parse_scope(s)
            if parsed is None:
                continue
            rtype, name, actions = parsed
            allowed = self.allowed(user, rtype, name)
            if "*" in allowed:
                got = list(actions)
            else:
                got = [a for a in actions if a in allowed]
            key = (rtype, name)
            if key not in merged:
                merged[key] = []
                order.append(key)
            for a in got:
                if a not in merged[key]:
                    merged[key].append(a)
        return [{"type": t, "name": n, "actions": merged[(t, n)]}
                for (t, n) in order if merged[(t, n)]]


class Handler(BaseHTTPRequestHandler):
    server_version = "relkit-token-server/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # replaced by log_event
        pass

    def log_event(self, **kw):
        kw["time"] = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        line = json.dumps(kw, sort_keys=True)
        with LOG_LOCK:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

    def send_json(self, status, obj, extra=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def deny(self, why, user):
        self.log_event(method=self.command, status=401, user=user, error=why)
        self.send_json(401, {"errors": [{"code": "UNAUTHORIZED", "message": why}]},
                       {"WWW-Authenticate": 'Basic realm="relkit-token-server"'})

    def basic_credentials(self):
        h = self.headers.get("Authorization")
        if not h:
            return None, None, None
        kind, _, value = h.partition(" ")
        if kind.lower() != "basic":
            return None, None, "unsupported authorization scheme"
        try:
            raw = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None, None, "malformed basic credentials"
        user, sep, password = raw.partition(":")
        if not sep:
            return None, None, "malformed basic credentials"
        return user, password, None

    def issue(self, user, service, scopes, oauth):
        cfg = self.server.cfg
        service = service or cfg.service
        access = cfg.policy.grant(user, scopes)
        now = int(time.time())
        claims = {
            "iss": cfg.issuer,
            "sub": user or "",
            "aud": service,  # distribution 2.8 wants a string, not a list
            "exp": now + cfg.ttl,
            "nbf": now - 5,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        token = jwt.encode(claims, cfg.key, algorithm="ES256",
                           headers={"kid": cfg.kid, "typ": "JWT"})
        issued = datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"token": token, "access_token": token, "expires_in": cfg.ttl,
                "issued_at": issued}
        if oauth:
            body["scope"] = " ".join(scopes)
            body["token_type"] = "Bearer"
        self.log_event(method=self.command, status=200, user=user, service=service,
                       requested=scopes, granted=access)
        self.send_json(200, body)

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/healthz":
            self.send_json(200, {"ok": True})
            return
        if url.path != "/token":
            self.send_json(404, {"errors": [{"code": "NOT_FOUND", "message": url.path}]})
            return
        q = parse_qs(url.query, keep_blank_values=True)
        user, password, err = self.basic_credentials()
        if err:
            self.deny(err, None)
            return
        if user is not None and not self.server.cfg.policy.check(user, password):
            self.deny("invalid username or password", user)
            return
        self.issue(user, (q.get("service") or [""])[0], split_scopes(q.get("scope", [])),
                   oauth=False)

    def do_POST(self):
        url = urlsplit(self.path)
        if url.path != "/token":
            self.send_json(404, {"errors": [{"code": "NOT_FOUND", "message": url.path}]})
            return
        n = int(self.headers.get("Content-Length") or 0)
        if n > 65536:
            self.send_json(413, {"error": "request too large"})
            return
        form = parse_qs(self.rfile.read(n).decode("utf-8", "replace"), keep_blank_values=True)
        grant = (form.get("grant_type") or [""])[0]
        if grant != "password":
            self.log_event(method="POST", status=400, error="unsupported grant_type " + grant)
            self.send_json(400, {"error": "unsupported_grant_type"})
            return
        user = (form.get("username") or [""])[0]
        if not self.server.cfg.policy.check(user, (form.get("password") or [""])[0]):
            self.deny("invalid username or password", user)
            return
        self.issue(user, (form.get("service") or [""])[0], split_scopes(form.get("scope", [])),
                   oauth=True)


class Config:
    pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the bound port here once listening")
    ap.add_argument("--key", required=True, help="PEM private key (EC P-256)")
    ap.add_argument("--users", required=True, help="users/permissions JSON")
    ap.add_argument("--password-suffix", default="")
    ap.add_argument("--issuer", default="relkit-token-server")
    ap.add_argument("--service", default="relkit-registry")
    ap.add_argument("--ttl", type=int, default=300, help="expires_in seconds")
    a = ap.parse_args()

    cfg = Config()
    with open(a.key, "rb") as f:
        cfg.key = serialization.load_pem_private_key(f.read(), password=None)
    cfg.kid = libtrust_kid(cfg.key.public_key())
    cfg.policy = Policy(a.users, a.password_suffix)
    cfg.issuer, cfg.service, cfg.ttl = a.issuer, a.service, a.ttl

    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.cfg = cfg
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.replace(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
