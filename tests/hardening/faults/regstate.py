"""What a registry holds for the destination repositories of a trial, read straight from the
registry (not through the fault proxy), normalised so that trials writing to different
repositories compare equal when they wrote the same thing.

    regstate(addr, {"dst/t12/multi": "multi"}) ->
        {"multi": {"tags": {"1.0": "sha256:..."}, "manifests": {digest: media type},
                   "missing": ["blob sha256:... of sha256:..."]}}

"missing" lists every blob or child manifest that a tagged manifest references but the
repository cannot serve (a half-written image); a blob whose size differs counts too.
`upload_sessions(storage, repo)` counts upload directories left in the registry's storage
(abandoned upload sessions: invisible to clients, purged by the registry later).
"""
import json
import os
import urllib.error
import urllib.request

ACCEPT = ", ".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
])
INDEX_TYPES = ("application/vnd.oci.image.index.v1+json",
               "application/vnd.docker.distribution.manifest.list.v2+json")


def _req(method, url):
    req = urllib.request.Request(url, method=method, headers={"Accept": ACCEPT})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def _manifest(base, repo, ref):
    st, h, body = _req("GET", "%s/v2/%s/manifests/%s" % (base, repo, ref))
    if st != 200:
        return None, None, None
    return h.get("Docker-Content-Digest"), h.get("Content-Type"), json.loads(body)


def _walk(base, repo, digest, out, missing, depth=0):
    d, mt, m = _manifest(base, repo, digest)
    if m is None:
        missing.append("manifest %s" % digest)
        return
    out["manifests"][digest] = mt
    if mt in INDEX_TYPES and depth < 2:
        for child in m.get("manifests", []):
            _walk(base, repo, child["digest"], out, missing, depth + 1)
        return
    for blob in [m.get("config")] + m.get("layers", []):
        if not blob:
            continue
        st, h, _ = _req("HEAD", "%s/v2/%s/blobs/%s" % (base, repo, blob["digest"]))
        if st != 200 or int(h.get("Content-Length", -1)) != int(blob.get("size", -2)):
            missing.append("blob %s of %s (HEAD %d)" % (blob["digest"], digest, st))


def regstate(addr, repos):
    base = "http://" + addr
    out = {}
    for repo, label in sorted(repos.items()):
        st, _, body = _req("GET", "%s/v2/%s/tags/list" % (base, repo))
        tags = (json.loads(body).get("tags") or []) if st == 200 else []
        one = {"tags": {}, "manifests": {}, "missing": []}
        for tag in sorted(tags):
            d, _, _ = _manifest(base, repo, tag)
            one["tags"][tag] = d
            if d:
                _walk(base, repo, d, one, one["missing"])
        one["missing"] = sorted(set(one["missing"]))
        out[label] = one
    return out


def upload_sessions(storage, repo):
    d = os.path.join(storage, "docker/registry/v2/repositories", repo, "_uploads")
    try:
        return len(os.listdir(d))
    except OSError:
        return 0


def diff_reg(clean, got):
    out = []
    for label in sorted(set(clean) | set(got)):
        c, g = clean.get(label), got.get(label)
        if g is None or c is None:
            out.append("image %s: %s" % (label, "missing" if g is None else "unexpected"))
            continue
        if c["tags"] != g["tags"]:
            out.append("image %s: tags %s, expected %s" % (label, g["tags"], c["tags"]))
        if g["missing"]:
            out.append("image %s: incomplete: %s" % (label, "; ".join(g["missing"][:3])))
        if set(c["manifests"]) != set(g["manifests"]) and c["tags"] == g["tags"]:
            out.append("image %s: manifests differ" % label)
    return out
