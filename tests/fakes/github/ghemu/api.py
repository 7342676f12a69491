"""REST routes of the api listener, the github.com release-download route, and /_emulator/."""

import base64
import hashlib
import json
import re

from . import render as R
from .routes import ROUTES
from .server import HttpError, Resp, paginate

WEB_DOWNLOAD = re.compile(r"^/([^/]+)/([^/]+)/releases/(?:download/(.+)|latest/download)/([^/]+)$")
DL_SECRET = b"relkit-emulator"


def dl_sig(asset_id):
    return hashlib.sha256(DL_SECRET + b":%d" % asset_id).hexdigest()[:32]


class Api:
    def __init__(self, emu):
        self.emu = emu
        self.model = emu.model

    @property
    def U(self):
        return self.emu.urls

    # ---- pipeline ------------------------------------------------------------------------
    def authenticate(self, req):
        auth = req.header("Authorization")
        if not auth:
            return None
        req.auth_present = True
        scheme, _, cred = auth.strip().partition(" ")
        scheme, cred = scheme.lower(), cred.strip()
        tok = None
        if scheme in ("token", "bearer"):
            tok = cred
        elif scheme == "basic":
            try:
                user, _, pw = base64.b64decode(cred).decode().partition(":")
                tok = pw or user
            except (ValueError, UnicodeDecodeError):
                tok = None
        rec = self.model.tokens.get(tok)
        req.token_ok = rec is not None
        if rec is None:
            with self.emu.rate.lock:
                req.bucket = self.emu.rate.bucket("anon")
            raise HttpError(401, "Bad credentials")
        req.token = rec
        return rec

    def charge(self, req):
        key = req.token["token"] if req.token else "anon"
        with self.emu.rate.lock:
            b = self.emu.rate.bucket(key)
            req.bucket = b
            exhausted = b["used"] >= b["limit"]
        if exhausted:
            who = "user ID %d" % req.token["id"] if req.token else "127.0.0.1"
            msg = "API rate limit exceeded for %s." % who
            if not req.token:
                msg += (" (But here's the good news: Authenticated requests get a higher rate "
                        "limit. Check out the documentation for more details.)")
            raise HttpError(403, msg, doc="https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
        req.spend = True

    def dispatch(self, req):
        m = WEB_DOWNLOAD.match(req.path)
        if m and req.method in ("GET", "HEAD"):
            req.route = "GET /{owner}/{repo}/releases/download/{tag}/{name}"
            return self.web_download(req, *m.groups())
        method = "GET" if req.method == "HEAD" else req.method
        found = None
        for meth, rx, fn, name in ROUTES:
            mm = rx.match(req.path)
            if mm and meth == method:
                found = (fn, mm.groupdict())
                req.route = name
                break
        try:
            self.authenticate(req)
            self.charge(req)
            if found is None:
                raise HttpError(404, "Not Found")
            with self.model.lock:
                out = found[0](self, req, **found[1])
            return out if isinstance(out, Resp) else Resp.json(*out)
        except HttpError as e:
            req.drain()
            return Resp.json(e.status, e.body, e.headers)

    # ---- helpers -------------------------------------------------------------------------
    def repo(self, req, o, r):
        repo = self.model.repo(o, r)
        if repo is None or (repo["private"] and req.token is None):
            raise HttpError(404, "Not Found")
        return repo

    def push(self, req):
        if req.token is None:
            raise HttpError(401, "Requires authentication")
        if not req.token.get("push", True):
            raise HttpError(403, "Resource not accessible by personal access token")

    def can_push(self, req):
        return req.token is not None and req.token.get("push", True)

    def commit(self, repo, ref, status=422):
        sha = self.model.resolve(repo, ref)
        if sha is None:
            raise HttpError(status, "No commit found for SHA: %s" % ref)
        return sha

    def page(self, req, items, cap=None):
        return paginate(self.emu, req, items, cap)

    def listing(self, req, key, items):
        chunk, link = self.page(req, items)
        return 200, {"total_count": len(items), key: chunk}, link

    def created(self, obj, url):
        return 201, obj, [("Location", url)]

    def save(self):
        self.model.save()

    # ---- github.com: release downloads ---------------------------------------------------
    def web_download(self, req, o, r, tag, name):
        try:
            if req.header("Authorization"):
                self.authenticate(req)
        except HttpError:
            return Resp(404, b"Not Found", ctype="text/plain; charset=utf-8")
        with self.model.lock:
            repo = self.model.repo(o, r)
            rel = None
            if repo is not None and not (repo["private"] and req.token is None):
                if tag is None:
                    rel = self.model.latest_release(repo)
                else:
                    rel = self.model.published_with_tag(repo, tag)
                    if rel is None and self.can_push(req):
                        for x in self.model.releases_sorted(repo):
                            if x["draft"] and tag in (x["tag_name"], R.untagged(x)):
                                rel = x
                                break
            asset = None
            if rel is not None:
                for a in self.model.release_assets(repo, rel):
                    if a["name"] == name and a["state"] == "uploaded":
                        asset = a
            if asset is None:
                return Resp(404, b"Not Found", ctype="text/plain; charset=utf-8")
            loc = self.download_url(repo, asset)
        r = Resp(302, b"", [("Location", loc)], ctype="text/html; charset=utf-8")
        r.etag_ok = False
        return r

    def download_url(self, repo, a):
        return "%s/github-production-release-asset/%d/%d?sig=%s&name=%s" % (
            self.U.downloads, repo["id"], a["id"], dl_sig(a["id"]), R.q(a["name"]))

    # ---- control endpoints ---------------------------------------------------------------
    def control(self, req):
        emu, p, meth = self.emu, req.path[len("/_emulator"):], req.method
        try:
            body = req.json(allow_list=True) if meth in ("POST", "PUT", "PATCH") else {}
        except HttpError as e:
            return Resp.json(e.status, e.body)
        if p == "/log" and meth == "GET":
            since = int(req.query.get("since", 0))
            with emu.log_lock:
                return Resp.json(200, [e for e in emu.log if e["seq"] > since])
        if p == "/log/clear" and meth == "POST":
            with emu.log_lock:
                emu.log = []
            return Resp.json(200, {"ok": True})
        if p == "/faults" and meth == "GET":
            return Resp.json(200, emu.faults.snapshot())
        if p in ("/faults", "/faults/add") and meth == "POST":
            specs = body if isinstance(body, list) else body.get("faults", [])
            if isinstance(body, dict) and "kind" in body:
                specs = [body]
            try:
                (emu.faults.add if p.endswith("add") else emu.faults.replace)(specs)
            except ValueError as e:
                return Resp.json(400, {"message": str(e)})
            return Resp.json(200, emu.faults.snapshot())
        if p == "/state" and meth == "GET":
            with self.model.lock:
                data = dict(self.model.data)
                data["tokens"] = [dict(t, token=t["token"][:8] + "...") for t in data["tokens"]]
                return Resp(200, json.dumps(data).encode(), ctype="application/json")
        if p == "/stats" and meth == "GET":
            return Resp.json(200, self.stats())
        if p == "/reset" and meth == "POST":
            self.model.reset()
            emu.faults.replace(emu.seed_faults)
            emu.rate.reset()
            with emu.log_lock:
                emu.log = []
            return Resp.json(200, {"ok": True})
        if p == "/config" and meth == "POST":
            if "public_api_url" in body:
                emu.set_urls(body["public_api_url"] or None)
            if "latency_ms" in body:
                emu.latency_ms = int(body["latency_ms"])
            return Resp.json(200, {"public_api_url": emu.urls.api, "latency_ms": emu.latency_ms})
        if p == "/ratelimit" and meth == "POST":
            with emu.rate.lock:
                if body.get("reset"):
                    emu.rate.buckets = {}
                else:
                    b = emu.rate.bucket(body.get("token") or "anon")
                    if "limit" in body:
                        b["limit"] = int(body["limit"])
                    if "used" in body:
                        b["used"] = int(body["used"])
            return Resp.json(200, self.stats()["rate_limit"])
        if p == "/ports" and meth == "GET":
            return Resp.json(200, dict(emu.ports, api_url=emu.urls.api))
        return Resp.json(404, {"message": "unknown control endpoint"})

    def stats(self):
        emu = self.emu
        with emu.log_lock:
            st = json.loads(json.dumps(emu.stats))
        with emu.rate.lock:
            rl = {}
            for k, b in emu.rate.buckets.items():
                name = "unauthenticated" if k == "anon" else k[:8] + "..."
                rl[name] = {"limit": b["limit"], "used": b["used"], "spent_total": b["spent_total"],
                            "reset": b["reset"]}
        st["rate_limit"] = rl
        st["primary_rate_limit_spent"] = sum(b["spent_total"] for b in rl.values())
        st["requests"] = sum(st["listeners"].values())
        st["state_saves"] = self.model.saves
        return st
