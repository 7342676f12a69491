#!/usr/bin/env python3
"""The hostile HTTP answers, one case per listener of tests/fakes/hostile/server.py.

usage: cases.py OUT.json   (tests/e2e/hostile_http.sh writes it at test time; the hostile
                           wheels the idx-remote-* cases serve are written next to it)

Each case is named KIND-WHAT: gh-* play the GitHub API (gh-release, index-gen), glg-* and mct-*
the API as get-latest-green and mk-candidate-tag read it, idx-* as index-gen reads it, reg-*
a container registry (ghcr-promote). MANIFEST says which command meets which case and what it
must answer. Route syntax: see server.py.
"""
import hashlib
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wheels"))
import make_hostile_wheels  # noqa: E402

ABC = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # sha256("abc")
SHA = "b" * 40
UNSET = object()


def asset(name="a-1.0-py3-none-any.whl", size=3, digest=ABC, aid=5, **kw):
    a = {"id": aid, "name": name, "label": "", "size": size, "state": "uploaded", "digest": digest,
         "content_type": "application/octet-stream", "download_count": 0,
         "created_at": "2024-11-19T08:15:00Z", "updated_at": "2024-11-19T08:15:00Z",
         "url": "{api}/repos/o/r/releases/assets/%d" % aid,
         "browser_download_url": "{api}/o/r/releases/download/v1/%s" % name}
    a.update(kw)
    return a


def release(assets=UNSET, **kw):
    r = {"id": 17, "tag_name": "v1", "name": "v1", "draft": False, "prerelease": False,
         "target_commitish": "main", "created_at": "2024-11-19T08:15:00Z",
         "published_at": "2024-11-19T08:15:00Z", "html_url": "{api}/o/r/releases/tag/v1",
         "upload_url": "{api}/repos/o/r/releases/17/assets{?name,label}",
         "assets": [asset()] if assets is UNSET else assets, "body": ""}
    r.update(kw)
    return r


def one_release(assets, download=None, rel=None):
    """release v1 by tag, its asset list, the asset's download (the API 302s to another host)"""
    routes = [
        {"path": "/releases/tags/v1$", "json": rel or release(assets if isinstance(assets, list) else [])},
        {"path": "/releases/17/assets", "json": assets},
        {"path": "/releases/latest$", "json": rel or release([])},
        {"path": "/releases/assets/", "on": "main", "redirect": "other"},
    ]
    if download:
        d = dict(download, on="other", path="/releases/assets/")
        d.setdefault("headers", {"Content-Type": "application/octet-stream"})
        routes.append(d)
    return routes


LIST = "/repos/o/r/releases(\\?|$)"
BIG = 100 << 20  # 100 MiB, streamed


def github_cases():
    return {
        # the releases list (gh-release list, index-gen --repo)
        "gh-list-huge": [{"path": LIST, "repeat": {"head": "[", "unit": "{\"id\": 1, \"tag_name\": \"v1\"},", "tail": "{\"id\": 2}]", "bytes": BIG}}],
        "gh-list-truncated": [{"path": LIST, "body": "[{\"id\": 1, \"tag_name\": \"v1\"}", "content_length": 100000}],
        "gh-list-malformed": [{"path": LIST, "body": "[{\"id\": 1, \"tag_name\": \"v1\","}],
        "gh-list-object": [{"path": LIST, "json": {"releases": [{"id": 1, "tag_name": "v1"}]}}],
        "gh-list-wrong-items": [{"path": LIST, "json": [None, 5, "x", [], {"id": "7", "tag_name": 5, "draft": "yes", "prerelease": None, "assets": None, "published_at": 7}, {"id": 1e300, "tag_name": ["v2"], "created_at": "9999-99-99T99:99:99Z"}]}],
        "gh-list-empty-200": [{"path": LIST, "body": ""}],
        "gh-list-html-200": [{"path": LIST, "headers": {"Content-Type": "text/html"}, "body": "<html><body>Unicorn!</body></html>"}],
        "gh-list-deep-json": [{"path": LIST, "repeat": {"unit": "[", "bytes": 200000}}],
        "gh-list-nan": [{"path": LIST, "body": "[{\"id\": NaN, \"tag_name\": \"v1\", \"draft\": false, \"created_at\": \"2024-11-19T08:15:00Z\"}]"}],
        "gh-list-link-garbage": [{"path": LIST, "headers": {"Link": "<<<>>>;;rel=next,,,<;rel=\"last\"; <http://[::1/x>; rel=next"}, "json": [release([])]}],
        "gh-list-link-other-host": [{"path": LIST, "headers": {"Link": "<{other}/repos/o/r/releases?per_page=100&page=2>; rel=\"next\""}, "json": [release([])]}],
        "gh-list-link-last-huge": [{"path": LIST, "headers": {"Link": "<{api}/repos/o/r/releases?per_page=100&page=2>; rel=\"next\", <{api}/repos/o/r/releases?per_page=100&page=99999999999999999999>; rel=\"last\""}, "json": [release([])]}],
        "gh-list-many-headers": [{"path": LIST, "headers": {"X-Junk": ["x" * 10] * 500}, "json": []}],
        "gh-list-huge-header": [{"path": LIST, "headers": {"X-Junk": "x" * 200000}, "json": []}],
        "gh-list-gzip-bomb": [{"path": LIST, "gzip_zeros": 256 << 20}],
        "gh-list-retry-after-huge": [{"path": LIST, "status": 429, "headers": {"Retry-After": "999999999"}, "json": {"message": "slow down"}}],
        "gh-list-retry-after-garbage": [{"path": LIST, "status": 503, "headers": {"Retry-After": "-5, soon, Tue 99 Foo"}, "json": {"message": "unavailable"}}],
        "gh-list-ratelimit-garbage": [{"path": LIST, "status": 403, "headers": {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "-99999999999999999999"}, "json": {"message": "API rate limit exceeded"}}],
        "gh-list-wwwauth-garbage": [{"path": "", "status": 401, "headers": {"WWW-Authenticate": "Bearer realm=\"\\\"\", , ,=,=\"", "Content-Type": "text/plain"}, "body": "no \u0000 JSON here"}],
        "gh-list-error-huge-message": [{"path": LIST, "status": 404, "repeat": {"head": "{\"message\": \"", "unit": "Not Found ", "tail": "\"}", "bytes": 2 << 20}}],
        "gh-list-error-control-chars": [{"path": LIST, "status": 422, "json": {"message": "bad\r\n::error::injected\u001b[31m red \u0007", "errors": [{"code": "\n::set-output name=x::y", "field": None, "resource": 5}, None, "str"]}}],
        "gh-redirect-loop": [{"path": "", "redirect": "self"}],
        "gh-redirect-other-host": [{"path": LIST, "on": "main", "redirect": "other"}, {"path": LIST, "on": "other", "json": [release([])]}],
        # one release and its assets (gh-release view, download, verify)
        "gh-view-id-string": one_release([asset()], rel=release([asset()], id="17")),
        "gh-view-assets-null": one_release(None, rel=release(None)),
        "gh-view-assets-object": one_release({"a": asset()}),
        "gh-view-assets-wrong-types": one_release([None, 3, "x", {"id": "5", "name": 7, "size": "3", "digest": "sha256:zz", "state": None}, {"id": 6, "name": "b.whl", "size": -1, "digest": 5}]),
        "gh-view-assets-link-loop": [
            {"path": "/releases/tags/v1$", "json": release([])},
            {"path": "/releases/17/assets", "headers": {"Link": "<{api}/repos/o/r/releases/17/assets?per_page=100>; rel=\"next\""}, "json": [asset()]},
            {"path": "/releases/latest$", "json": release([])}],
        "gh-dl-huge": one_release([asset()], download={"repeat": {"unit": "A", "bytes": BIG}}),
        "gh-dl-truncated": one_release([asset(size=1000, digest=None)], download={"body": "0123456789", "content_length": 1000}),
        "gh-dl-digest-mismatch": one_release([asset()], download={"body": "abd"}),
        "gh-dl-name-traversal": one_release([asset(name="../evil-1.0-py3-none-any.whl")], download={"body": "abc"}),
        "gh-dl-name-absolute": one_release([asset(name="/tmp/relkit-hostile-evil.whl")], download={"body": "abc"}),
        "gh-dl-name-slash": one_release([asset(name="sub/evil.whl")], download={"body": "abc"}),
        "gh-dl-name-dotdot": one_release([asset(name="..")], download={"body": "abc"}),
        "gh-dl-name-empty": one_release([asset(name="")], download={"body": "abc"}),
        "gh-dl-redirect-loop": [
            {"path": "/releases/tags/v1$", "json": release([asset()])},
            {"path": "/releases/17/assets", "json": [asset()]},
            {"path": "/releases/assets/", "redirect": "self"}],
        # get-latest-green
        "glg-commits-object": [{"path": "/commits", "json": {"sha": SHA}}, {"path": "/runs", "json": {"total_count": 0, "workflow_runs": []}}],
        "glg-runs-wrong-types": [
            {"path": "/commits", "json": [{"sha": SHA, "commit": {"committer": {"date": "2024-11-19T08:15:00Z"}}, "html_url": "x", "parents": []}]},
            {"path": "/runs", "json": {"total_count": "1", "workflow_runs": [None, 5, {"id": "1", "head_sha": 5, "status": [], "conclusion": {}, "created_at": None, "run_attempt": "x"}, {"id": 2, "head_sha": SHA, "status": "completed", "conclusion": 7, "created_at": "2024-11-19T08:15:00Z"}]}}],
        "glg-runs-null": [
            {"path": "/commits", "json": [{"sha": SHA, "commit": {"committer": {"date": "2024-11-19T08:15:00Z"}}, "parents": []}]},
            {"path": "/runs", "json": {"total_count": 1, "workflow_runs": None}}],
        "glg-commit-sha-traversal": [
            {"path": "/commits(\\?|$)", "json": [{"sha": "../../../x", "commit": {"committer": {"date": "2024-11-19T08:15:00Z"}}, "parents": []}]},
            {"path": "", "json": {"total_count": 0, "check_runs": [], "statuses": [], "workflow_runs": []}}],
        "glg-commit-sha-garbage": [
            {"path": "/commits", "json": [{"sha": "../../x", "commit": None}, {"sha": 5}, None, {"sha": "b" * 400}]},
            {"path": "/runs", "json": {"total_count": 0, "workflow_runs": []}}],
        # mk-candidate-tag (API mode)
        "mct-refs-object": [{"path": "/matching-refs/", "json": {"ref": "refs/tags/candidate-20241119.1"}}],
        "mct-refs-wrong-types": [{"path": "/matching-refs/", "json": [None, 5, {"ref": 5}, {"ref": None, "object": "x"}, {"ref": "refs/tags/candidate-20241119.x", "object": {"sha": 7}}]}],
        "mct-refs-n-overflow": [{"path": "/matching-refs/", "json": [{"ref": "refs/tags/candidate-20241119.9223372036854775807", "object": {"sha": "c" * 40, "type": "commit"}}]}],
        # index-gen --repo: hostile asset names and URLs
        "idx-asset-names": [{"path": LIST, "json": [release([
            asset(name="../../evil-1.0-py3-none-any.whl", aid=1),
            asset(name="x\"><script>alert(1)</script>-1.0-py3-none-any.whl", aid=2),
            asset(name="good-1.0-py3-none-any.whl", aid=3, browser_download_url="javascript:alert(1)//good-1.0-py3-none-any.whl"),
            asset(name="ok-1.0-py3-none-any.whl", aid=4, digest="sha256:\"><script>"),
        ])]}],
    }


def oci_manifest():
    """a valid OCI image manifest (its blobs are never reached), and its digest"""
    m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
         "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": 2,
                    "digest": "sha256:" + hashlib.sha256(b"{}").hexdigest()},
         "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 3,
                     "digest": ABC}]}
    text = json.dumps(m)
    return text, "sha256:" + hashlib.sha256(text.encode()).hexdigest()


OCI_MT = "application/vnd.oci.image.manifest.v1+json"
MANIFEST = "/v2/src/app/manifests/"
CHALLENGE = "Bearer realm=\"{api}/token\",service=\"hostile\""


def token_realm(token_route):
    """/v2/ asks for a Bearer token from {api}/token, which answers token_route"""
    return [{"path": "^/v2/$", "status": 401, "headers": {"WWW-Authenticate": CHALLENGE}, "json": {"errors": [{"code": "UNAUTHORIZED"}]}},
            dict(token_route, path="^/token")]


def registry_cases():
    good, good_digest = oci_manifest()
    ok = {"path": "^/v2/$", "json": {}}
    wrong = json.dumps({"schemaVersion": "2", "mediaType": 5, "config": None, "layers": {"a": 1}})
    bad_layers = json.dumps({"schemaVersion": 2, "mediaType": OCI_MT,
                             "config": {"mediaType": "x", "size": "2", "digest": "sha256:short"},
                             "layers": [{"mediaType": "x", "size": -1, "digest": ABC},
                                        {"mediaType": "x", "size": 1e30, "digest": "md5:00"}, None, 5]})
    schema1 = json.dumps({"schemaVersion": 1, "name": "src/app", "tag": "1.0", "fsLayers": [], "signatures": []})
    return {
        # GET /v2/ and the token endpoint
        "reg-wwwauth-garbage": [{"path": "^/v2/", "status": 401, "headers": {"WWW-Authenticate": "Bearer realm=\"\\\"\", , ,=,=\" Basic Basic, ===, realm"}, "json": {}}],
        "reg-wwwauth-nul": [{"path": "^/v2/", "status": 401, "headers": {"WWW-Authenticate": "Bearer realm=\"x\u0000y\""}, "json": {}}],
        "reg-wwwauth-no-realm": [{"path": "^/v2/", "status": 401, "headers": {"WWW-Authenticate": "Bearer service=\"x\",scope=\"y\""}, "json": {}}],
        "reg-wwwauth-realm-file": [{"path": "^/v2/", "status": 401, "headers": {"WWW-Authenticate": "Bearer realm=\"file:///etc/passwd\",service=\"x\""}, "json": {}}],
        "reg-wwwauth-realm-remote-http": [{"path": "^/v2/", "status": 401, "headers": {"WWW-Authenticate": "Bearer realm=\"http://registry.invalid/token\",service=\"x\""}, "json": {}}],
        "reg-wwwauth-many": [{"path": "^/v2/", "status": 401, "headers": {"WWW-Authenticate": ", ".join(["Bearer realm=\"{api}/t%d\"" % i for i in range(2000)])}, "json": {}}],
        "reg-token-malformed": token_realm({"body": "{\"token\": "}),
        "reg-token-wrong-type": token_realm({"json": {"token": 5, "access_token": ["x"], "expires_in": "soon"}}),
        "reg-token-crlf": token_realm({"json": {"token": "abc\r\nX-Injected: 1", "expires_in": 300}}),
        "reg-token-expires-overflow": token_realm({"json": {"token": "hostile-token-0123456789", "expires_in": 9223372036854775807}})
            + [{"path": MANIFEST, "status": 404, "json": {"errors": [{"code": "MANIFEST_UNKNOWN"}]}}],
        "reg-token-huge": token_realm({"repeat": {"head": "{\"token\": \"", "unit": "t", "tail": "\"}", "bytes": BIG}}),
        # the source manifest
        "reg-manifest-huge": [ok, {"path": MANIFEST, "headers": {"Content-Type": OCI_MT}, "repeat": {"head": good[:-1] + ", \"annotations\": {\"x\": \"", "unit": "x", "tail": "\"}}", "bytes": BIG}}],
        "reg-manifest-truncated": [ok, {"path": MANIFEST, "headers": {"Content-Type": OCI_MT}, "body": good[:40], "content_length": len(good)}],
        "reg-manifest-malformed": [ok, {"path": MANIFEST, "headers": {"Content-Type": OCI_MT}, "body": good[:-3]}],
        "reg-manifest-wrong-types": [ok, {"path": MANIFEST, "headers": {"Content-Type": OCI_MT}, "body": wrong}],
        "reg-manifest-bad-layers": [ok, {"path": MANIFEST, "headers": {"Content-Type": OCI_MT}, "body": bad_layers}],
        "reg-manifest-schema1": [ok, {"path": MANIFEST, "headers": {"Content-Type": "application/vnd.docker.distribution.manifest.v1+prettyjws"}, "body": schema1}],
        "reg-manifest-nan": [ok, {"path": MANIFEST, "headers": {"Content-Type": OCI_MT}, "body": good.replace("\"size\": 3", "\"size\": NaN")}],
        "reg-manifest-digest-mismatch": [ok, {"path": MANIFEST, "headers": {"Content-Type": OCI_MT, "Docker-Content-Digest": good_digest}, "body": good.replace("\"size\": 2", "\"size\": 2 ")}],
        "reg-manifest-digest-header-garbage": [ok, {"path": MANIFEST, "headers": {"Content-Type": OCI_MT, "Docker-Content-Digest": "sha256:../../\"><x"}, "body": good},
                                               {"path": "^/v2/dst/", "status": 404, "json": {"errors": [{"code": "MANIFEST_UNKNOWN"}]}}],
        "reg-manifest-redirect-loop": [ok, {"path": MANIFEST, "redirect": "self"}],
        "reg-manifest-content-type-html": [ok, {"path": MANIFEST, "headers": {"Content-Type": "text/html"}, "body": "<html>hello</html>"}],
    }, good_digest


WHL = "demo_pkg-1.0-py3-none-any.whl"
REMOTE_WHEELS = {  # case -> hostile wheel of make_hostile_wheels.py served as the release's asset
    "idx-remote-bomb": "w-bomb-metadata",
    "idx-remote-bomb-lying": "w-bomb-metadata-lying",
    "idx-remote-zip64-count": "z-zip64-count-huge",
    "idx-remote-dup-metadata": "w-duplicate-metadata",
    "idx-remote-overlap": "z-overlap",
    "idx-remote-no-version": "m-no-version",
}


def remote_wheel_cases(outdir):
    """index-gen --repo reads a remote wheel's METADATA with range requests"""
    cases = {}
    for case, wheel in REMOTE_WHEELS.items():
        _, data = make_hostile_wheels.CASES[wheel]()
        fname = case + ".whl"
        with open(os.path.join(outdir, fname), "wb") as f:
            f.write(data)
        a = asset(name=WHL, size=len(data), digest="sha256:" + hashlib.sha256(data).hexdigest(),
                  browser_download_url="{api}/dl/" + WHL)
        cases[case] = [{"path": LIST, "json": [release([a])]},
                       {"path": "^/dl/", "ranges": True, "body_file": fname,
                        "headers": {"Content-Type": "application/octet-stream"}}]
    _, good = make_hostile_wheels.CASES["w-valid"]()
    with open(os.path.join(outdir, "idx-remote-valid.whl"), "wb") as f:
        f.write(good)
    a = asset(name=WHL, size=len(good), digest="sha256:" + hashlib.sha256(good).hexdigest(),
              browser_download_url="{api}/dl/" + WHL)
    cases["idx-remote-range-lie"] = [
        {"path": LIST, "json": [release([a])]},
        {"path": "^/dl/", "ranges": True, "content_range": "bytes 0-10/5", "body_file": "idx-remote-valid.whl"}]
    cases["idx-remote-huge"] = [
        {"path": LIST, "json": [release([a])]},
        {"path": "^/dl/", "repeat": {"unit": "PK", "bytes": BIG}}]
    return cases


def main():
    cases = {name: {"routes": routes} for name, routes in github_cases().items()}
    cases.update({name: {"routes": routes} for name, routes in
                  remote_wheel_cases(os.path.dirname(os.path.abspath(sys.argv[1]))).items()})
    reg, digest = registry_cases()
    cases.update({name: {"routes": routes} for name, routes in reg.items()})
    with open(sys.argv[1], "w") as f:
        json.dump(cases, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
