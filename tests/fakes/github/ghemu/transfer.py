"""Asset uploads (uploads listener) and asset downloads (downloads listener).

Uploads stream to a file in the blob directory, never into memory.  A body cut short, or the
"reset" fault, leaves the asset in state "starter" with the bytes received, as GitHub does.
The downloads host plays the object store: it serves bytes (with Range), and answers any request
that carries an Authorization header with 400, counting it in /_emulator/stats.
"""

import hashlib
import os
import re
import time

from . import model as M
from . import render as R
from .api import dl_sig
from .server import HttpError, Resp, abort_connection

UPLOAD = re.compile(r"^/repos/([^/]+)/([^/]+)/releases/(\d+)/assets$")
DOWNLOAD = re.compile(r"^/github-production-release-asset/(\d+)/(\d+)$")
CHUNK = 1 << 20
S3_AUTH_ERROR = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidArgument</Code>'
                 b"<Message>Only one auth mechanism allowed; only the X-Amz-Algorithm query "
                 b"parameter, Signature query string parameter or the Authorization header "
                 b"should be specified</Message><ArgumentName>Authorization</ArgumentName>"
                 b"</Error>")


def xml_error(status, code, message):
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>'
            "</Error>" % (code, message)).encode()
    return Resp(status, body, ctype="application/xml")


def clean_name(name):
    """GitHub renames asset files with special characters or leading/trailing periods."""
    name = re.sub(r"[^A-Za-z0-9._+\-~@]+", ".", name)
    name = re.sub(r"\.{2,}", ".", name).strip(".")
    return name or "default"


class Transfer:
    def __init__(self, emu):
        self.emu = emu
        self.model = emu.model

    # ---- uploads ------------------------------------------------------------------------
    def upload(self, req, fault):
        req.route = "POST /repos/{owner}/{repo}/releases/{release_id}/assets"
        api = self.emu.api
        try:
            m = UPLOAD.match(req.path)
            if not m or req.method != "POST":
                req.route = "unmatched"
                raise HttpError(404, "Not Found")
            api.authenticate(req)
            api.charge(req)
            api.push(req)
            o, r, rid = m.groups()
            name = req.query.get("name")
            if not name:
                raise HttpError(422, "Validation Failed", [{"resource": "ReleaseAsset",
                                                            "code": "missing_field", "field": "name"}])
            name = clean_name(name)
            chunked = "chunked" in (req.header("Transfer-Encoding") or "").lower()
            if req.header("Content-Length") is None and not chunked:
                raise HttpError(411, "Content-Length required")
            length = int(req.header("Content-Length") or 0)
            with self.model.lock:
                repo = api.repo(req, o, r)
                hit = self.model.releases.get(int(rid))
                if hit is None or hit[0] is not repo:
                    raise HttpError(404, "Not Found")
                rel = hit[1]
                for a in self.model.release_assets(repo, rel):
                    if a["name"] == name:
                        raise HttpError(422, "Validation Failed", [{
                            "resource": "ReleaseAsset", "code": "already_exists", "field": "name"}])
                now = M.now_iso()
                asset = {"id": self.model.new_id(), "release_id": rel["id"], "name": name,
                         "label": req.query.get("label") or None,
                         "content_type": req.header("Content-Type") or "application/octet-stream",
                         "size": 0, "digest": None, "state": "starter", "download_count": 0,
                         "created_at": now, "updated_at": now,
                         "uploader": req.token.get("login", "relkit-bot"), "source": {"kind": "blob"}}
                self.model.add_asset(repo, rel, asset)
        except HttpError as e:
            req.drain()
            return Resp.json(e.status, e.body, e.headers)
        cut = None
        if fault is not None and fault["kind"] == "reset":
            cut = int(fault.get("reset_after_bytes", length // 2))
        path = self.model.blob_path(asset)
        h = hashlib.sha256()
        got, short = 0, False
        try:
            req.continue_100()
            with open(path + ".part", "wb") as f:
                for chunk in self.body_chunks(req, length, chunked, cut):
                    f.write(chunk)
                    h.update(chunk)
                    got += len(chunk)
            short = (not chunked and got < length) or (cut is not None)
        except OSError:
            short = True
        req.bytes_in = got
        with self.model.lock:
            try:
                os.replace(path + ".part", path)
            except OSError:
                pass
            asset["size"] = got
            asset["updated_at"] = M.now_iso()
            self.model.touch(rel["id"])
            if not short:
                asset["state"] = "uploaded"
                asset["digest"] = "sha256:" + h.hexdigest()
            self.model.save()
            if short:
                abort_connection(req.h)
                return None
            return Resp.json(201, R.asset_json(self.emu.urls, repo, rel, asset))

    def body_chunks(self, req, length, chunked, cut):
        rfile = req.h.rfile
        if chunked:
            from .server import read_chunked
            n = 0
            for c in read_chunked(rfile):
                if cut is not None and n + len(c) >= cut:
                    yield c[:cut - n]
                    return
                n += len(c)
                yield c
            return
        left = length if cut is None else min(cut, length)
        while left > 0:
            c = rfile.read(min(CHUNK, left))
            if not c:
                return
            left -= len(c)
            yield c

    # ---- downloads ----------------------------------------------------------------------
    def download(self, req):
        req.route = "GET /github-production-release-asset/{repo_id}/{asset_id}"
        if req.header("Authorization"):
            with self.emu.log_lock:
                self.emu.stats["downloads_rejected_authorization"] += 1
            req.drain()
            return Resp(400, S3_AUTH_ERROR, ctype="application/xml")
        m = DOWNLOAD.match(req.path)
        if req.method not in ("GET", "HEAD") or not m:
            req.drain()
            return xml_error(404, "NoSuchKey", "The specified key does not exist.")
        repo_id, aid = int(m.group(1)), int(m.group(2))
        if req.query.get("sig") != dl_sig(aid):
            return xml_error(403, "AccessDenied", "Request has expired or the signature is invalid")
        with self.model.lock:
            hit = self.model.assets.get(aid)
            if hit is None or hit[0]["id"] != repo_id or hit[1]["state"] != "uploaded":
                return xml_error(404, "NoSuchKey", "The specified key does not exist.")
            a = hit[1]
            a["download_count"] += 1
            self.model.touch(a["release_id"])
            size, name, reader = a["size"], a["name"], self.model.asset_reader(a)
            etag = '"%s"' % hashlib.md5(("%d:%d:%s" % (aid, size, a["updated_at"])).encode()).hexdigest()
            lm = time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                               time.gmtime(M.parse_iso(a["updated_at"]) or 0))
        headers = [("Accept-Ranges", "bytes"), ("ETag", etag), ("Last-Modified", lm),
                   ("Content-Disposition", "attachment; filename=%s" % R.q(name))]
        start, end, status = 0, size - 1, 200
        rng = req.header("Range")
        if rng:
            parsed = parse_range(rng, size)
            if parsed is None:
                return Resp(416, b"", headers + [("Content-Range", "bytes */%d" % size)],
                            ctype="application/xml")
            if parsed is not False:
                start, end = parsed
                status = 206
                headers.append(("Content-Range", "bytes %d-%d/%d" % (start, end, size)))
        n = max(0, end - start + 1)

        def stream(write, limit):
            want = n if limit is None else min(n, limit)
            sent = 0
            for chunk in reader(start, want):
                write(chunk)
                sent += len(chunk)
            return sent
        return Resp(status, b"", headers, ctype="application/octet-stream", stream=stream, length=n)


def parse_range(h, size):
    """'bytes=a-b' -> (a, b); False to ignore (multi-range, malformed); None if unsatisfiable."""
    m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", h)
    if not m or (m.group(1) == "" and m.group(2) == ""):
        return False
    a, b = m.group(1), m.group(2)
    if a == "":
        n = int(b)
        if n == 0:
            return None
        return max(0, size - n), size - 1
    a = int(a)
    b = size - 1 if b == "" else min(int(b), size - 1)
    if a >= size or b < a:
        return None
    return a, b
