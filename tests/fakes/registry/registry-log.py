#!/usr/bin/python3
"""Summarize the requests in a registry peer's log (WORKDIR/registry.log) as JSON.

  registry-log.py LOG [--since BYTES] [--repo NAME]...

Reads the access-log lines (Apache combined format, one per request, every status
including 401s) that distribution 2.8 writes next to its JSON log lines, from byte
offset --since (take `stat -c %s LOG` before the operation under test), and
classifies each request:

  mount           POST /v2/R/blobs/uploads/?mount=D&from=S answered 201: no bytes moved
  mount_fallback  same POST answered 202: the registry could not mount and started an
                  upload session instead (blob unknown in S); bytes will follow
  upload_start    POST /v2/R/blobs/uploads/ without mount, 202
  upload_patch    PATCH /v2/R/blobs/uploads/UUID: a chunk of blob bytes
  upload_put      PUT /v2/R/blobs/uploads/UUID?digest=D: upload finished (may carry bytes)
  upload_other    GET/DELETE on an upload session
  blob_head, blob_get, blob_delete, manifest_head, manifest_get, manifest_put,
  manifest_delete, tags, catalog, base (GET /v2/), other

Output: {"requests", "kinds": {kind: n}, "statuses": {status: n}, "mounts": [...],
"uploads": [...] (finished uploads: repo, digest, status), "manifest_puts": [...],
"blob_bytes_served": response bytes of blob GETs, "bytes_uploaded_possible": bool
(true if any PATCH/PUT upload happened)}.
"""
import argparse
import json
import re
import sys
from urllib.parse import parse_qs, unquote, urlsplit

ACCESS = re.compile(r'^\S+ \S+ \S+ \[[^\]]*\] "(\S+) (\S+) [^"]*" (\d{3}) (\d+|-)')
NAME = r"(?P<name>[a-z0-9]+(?:[._/-]+[a-z0-9]+)*)"
ROUTES = [
    ("base", re.compile(r"^/v2/?$")),
    ("catalog", re.compile(r"^/v2/_catalog$")),
    ("tags", re.compile(r"^/v2/" + NAME + r"/tags/list$")),
    ("manifest", re.compile(r"^/v2/" + NAME + r"/manifests/(?P<ref>[^/]+)$")),
    ("upload_session", re.compile(r"^/v2/" + NAME + r"/blobs/uploads/(?P<uuid>[^/]+)$")),
    ("uploads", re.compile(r"^/v2/" + NAME + r"/blobs/uploads/?$")),
    ("blob", re.compile(r"^/v2/" + NAME + r"/blobs/(?P<digest>[^/]+)$")),
]


def classify(method, uri, status):
    url = urlsplit(uri)
    q = parse_qs(url.query)
    path = unquote(url.path)
    for route, rx in ROUTES:
        m = rx.match(path)
        if not m:
            continue
        g = m.groupdict()
        rec = {"method": method, "status": status, "repo": g.get("name")}
        if route == "uploads" and method == "POST":
            if "mount" in q:
                rec.update(digest=q["mount"][0], source=(q.get("from") or [None])[0])
                return ("mount" if status == 201 else "mount_fallback"), rec
            return "upload_start", rec
        if route == "upload_session":
            if method == "PATCH":
                return "upload_patch", rec
            if method == "PUT":
                rec["digest"] = (q.get("digest") or [None])[0]
                return "upload_put", rec
            return "upload_other", rec
        if route == "blob":
            rec["digest"] = g["digest"]
            return "blob_" + method.lower(), rec
        if route == "manifest":
            rec["reference"] = g["ref"]
            return "manifest_" + method.lower(), rec
        return route, rec
    return "other", {"method": method, "status": status, "uri": uri}


def summarize(lines, repos):
    out = {"requests": 0, "kinds": {}, "statuses": {}, "mounts": [], "uploads": [],
           "manifest_puts": [], "blob_bytes_served": 0}
    for line in lines:
        m = ACCESS.match(line)
        if not m:
            continue
        method, uri, status, size = m.group(1), m.group(2), int(m.group(3)), m.group(4)
        kind, rec = classify(method, uri, status)
        if repos and rec.get("repo") not in repos:
            continue
        out["requests"] += 1
        out["kinds"][kind] = out["kinds"].get(kind, 0) + 1
        out["statuses"][str(status)] = out["statuses"].get(str(status), 0) + 1
        if kind in ("mount", "mount_fallback"):
            out["mounts"].append(rec)
        elif kind == "upload_put":
            out["uploads"].append(rec)
        elif kind == "manifest_put":
            out["manifest_puts"].append(rec)
        elif kind == "blob_get" and status in (200, 206) and size != "-":
            out["blob_bytes_served"] += int(size)
    k = out["kinds"]
    out["bytes_uploaded_possible"] = bool(k.get("upload_patch") or k.get("upload_put"))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("--since", type=int, default=0, help="byte offset to start reading at")
    ap.add_argument("--repo", action="append", default=[], help="only requests on this repo")
    a = ap.parse_args()
    with open(a.log, "rb") as f:
        f.seek(a.since)
        text = f.read().decode("utf-8", "replace")
    json.dump(summarize(text.splitlines(), set(a.repo)), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
