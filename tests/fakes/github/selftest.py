#!/usr/bin/python3
"""Self-test of the GitHub emulator: every route, every fault kind, the control endpoints.

usage: selftest.py [--api URL] [--emu URL] [--seed FILE] [-k SUBSTRING] [-v]

--api  where GitHub REST requests go (default $GITHUB_API_URL): the emulator, or Prism in front
       of it.  Requests sent there are all valid per GitHub's OpenAPI description.
--emu  the emulator's api listener itself (default $RELKIT_EMU_API): control endpoints, fault
       injection, and deliberately invalid requests (which Prism would refuse to forward).
The emulator must have been started with seeds/selftest.json (default.json plus relkit-test/many).
The persistence test starts and stops its own emulators.  Prints 'N passed, N failed' last.
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from urllib.parse import quote, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "ghp_relkitTEST0123456789SECRET"
RO_TOKEN = "ghp_relkitREADONLY0000000000000"
R = "/repos/relkit-test/demo"
MANY = "/repos/relkit-test/many"
RL_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-used",
              "x-ratelimit-reset", "x-ratelimit-resource")
SHA = {"c1": "2bd91f821fbde826eea8d1413850be15fb87d615",
       "c2": "270b81691e2472a2f97ff12f23c112638f001666",
       "c3": "57842f8a0a3c447e8dc60ed63ef402bd5099b4b7",
       "c4": "28ed3b34530d959d603116f6a384ded4dc6f45dc",
       "f1": "0282f39eead2c80f2e0e073269c409984c7e47b6",
       "c5": "835903ae7293338506562ba55dfc197a806b773a",
       "c6": "0b9491aa33ecc7a8212f454558330481a0f1ddaa",
       "c7": "b24c7ac6e7ff3707a2a38ecda5fbb26b8f9763e9",
       "c8": "9839169f44f9b44ec8f5a2e1dcdd35fd66ed83f8"}
MAIN = [SHA[k] for k in ("c8", "c7", "c6", "c5", "c4", "c3", "c2", "c1")]


# ======================================================================================
# a small keep-alive HTTP client
# ======================================================================================

class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name.lower())

    @property
    def json(self):
        return json.loads(self.body) if self.body else None

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


class Client:
    def __init__(self):
        self.local = threading.local()

    def conn(self, host, port, fresh=False):
        pool = self.local.__dict__.setdefault("pool", {})
        c = pool.get((host, port))
        if c is None or fresh:
            if c is not None:
                c.close()
            c = http.client.HTTPConnection(host, port, timeout=30)
            pool[(host, port)] = c
        return c

    def request(self, method, url, body=None, headers=None, token=TOKEN):
        u = urlsplit(url)
        path = u.path + ("?" + u.query if u.query else "")
        hdrs = {"User-Agent": "relkit-emulator-selftest", "Accept": "application/vnd.github+json"}
        if token:
            hdrs["Authorization"] = "Bearer " + token
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        hdrs = {k: v for k, v in hdrs.items() if v is not None}
        for attempt in (0, 1):
            c = self.conn(u.hostname, u.port, fresh=attempt > 0)
            try:
                c.request(method, path, body=body, headers=hdrs)
                r = c.getresponse()
                data = r.read()
                h = {k.lower(): v for k, v in r.getheaders()}
                if r.will_close:
                    c.close()
                return Response(r.status, h, data)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                c.close()
                if attempt:
                    raise


CLIENT = Client()


class Ctx:
    def __init__(self, api, emu, seed):
        self.api, self.emu, self.seed = api.rstrip("/"), emu.rstrip("/"), seed

    def call(self, method, path, body=None, headers=None, token=TOKEN, direct=False):
        url = path if path.startswith("http") else (self.emu if direct else self.api) + path
        return CLIENT.request(method, url, body, headers, token)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def ctl(self, method, what, body=None):
        r = CLIENT.request(method, self.emu + "/_emulator/" + what, body, token=None)
        ok(r.status == 200, "control %s %s -> %s" % (method, what, r))
        return r.json


def ok(cond, msg="check failed"):
    if not cond:
        raise AssertionError(msg)


def status(r, want, what=""):
    ok(r.status == want, "%s: want %d, got %r" % (what, want, r))
    return r


def links(r):
    out = {}
    for part in (r.header("link") or "").split(","):
        part = part.strip()
        if not part:
            continue
        url, _, rel = part.partition(";")
        out[rel.strip().split("=")[1].strip('"')] = url.strip()[1:-1]
    return out


def enc(ref):
    return quote(ref, safe="")


TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


# ======================================================================================
# repositories, auth, rate limit headers
# ======================================================================================

@test
def repository(c):
    j = status(c.get(R), 200, "get repo").json
    ok(j["full_name"] == "relkit-test/demo" and j["default_branch"] == "main", j)
    ok(j["owner"]["login"] == "relkit-test", "owner")
    status(c.get("/repos/relkit-test/private-repo", token=None), 404, "private repo, no auth")
    status(c.get("/repos/relkit-test/private-repo"), 200, "private repo, auth")
    status(c.get("/repos/relkit-test/nope"), 404, "missing repo")


@test
def auth_and_rate_limit_headers(c):
    r = status(c.get(R, token=None), 200, "anonymous read")
    ok(r.header("x-ratelimit-limit") == "60", "anonymous limit 60: %s" % r.headers)
    r = status(c.get(R), 200, "token read")
    ok(r.header("x-ratelimit-limit") == "5000", "token limit 5000")
    for h in RL_HEADERS:
        ok(r.header(h) is not None, "missing header " + h)
    ok(r.header("x-ratelimit-resource") == "core", "resource core")
    r = status(c.get(R, token="ghp_wrongwrongwrong"), 401, "bad token")
    ok(r.json["message"] == "Bad credentials", r)
    r = status(c.get(R, headers={"Authorization": "token " + TOKEN}, token=None), 200, "token scheme")
    basic = base64.b64encode(("x-access-token:" + TOKEN).encode()).decode()
    status(c.get(R, headers={"Authorization": "Basic " + basic}, token=None), 200, "basic scheme")


@test
def writes_need_auth_and_push(c):
    r = c.call("POST", R + "/releases", {"tag_name": "nope-anon"}, token=None)
    status(r, 401, "anonymous write")
    ok(r.json["message"] == "Requires authentication", r)
    status(c.call("POST", R + "/releases", {"tag_name": "nope-ro"}, token=RO_TOKEN), 403, "read-only write")
    names = [x["tag_name"] for x in c.get(R + "/releases", token=RO_TOKEN).json]
    ok("v0.3.0" not in names, "read-only token sees no drafts: %s" % names)


# ======================================================================================
# commits, checks, statuses
# ======================================================================================

@test
def commits_first_parent(c):
    r = status(c.get(R + "/commits?per_page=100"), 200, "list commits")
    ok([x["sha"] for x in r.json] == MAIN, "first-parent order from main")
    ok(r.json[3]["commit"]["message"].startswith("Merge pull request"), "merge commit")
    ok(len(r.json[3]["parents"]) == 2, "merge has two parents")
    r = status(c.get(R + "/commits?per_page=3&page=2"), 200, "page 2")
    ok([x["sha"] for x in r.json] == MAIN[3:6], "page 2 content")
    lk = links(r)
    ok(set(lk) == {"prev", "next", "last", "first"}, "links %s" % lk)
    ok(lk["next"].startswith(c.api + R + "/commits?") and "page=3" in lk["next"], lk["next"])
    ok("page=3" in lk["last"] and "per_page=3" in lk["last"], lk["last"])
    r = c.get(lk["next"])
    ok([x["sha"] for x in r.json] == MAIN[6:], "followed next link")
    ok(set(links(r)) == {"prev", "first"}, "last page links %s" % links(r))
    r = c.get(R + "/commits?sha=" + enc("release/0.2"))
    ok([x["sha"] for x in r.json] == MAIN[4:], "sha=branch")
    r = c.get(R + "/commits?sha=" + SHA["c6"] + "&since=2024-01-03T00:00:00Z&until=2024-01-05T23:00:00Z")
    ok([x["sha"] for x in r.json] == [SHA["c5"], SHA["c4"], SHA["c3"]], "since/until %s" % r.json)
    status(c.get(R + "/commits?sha=nosuchbranch"), 404, "unknown sha=")


@test
def single_commit(c):
    for ref in (SHA["c7"], SHA["c7"][:7], "main", "v0.2.0"):
        r = status(c.get(R + "/commits/" + enc(ref)), 200, "commit " + ref)
        want = SHA["c4"] if ref == "v0.2.0" else (SHA["c8"] if ref == "main" else SHA["c7"])
        ok(r.json["sha"] == want, "resolved %s" % ref)
        ok("files" in r.json and "stats" in r.json, "detail fields")
    r = status(c.get(R + "/commits/main", headers={"Accept": "application/vnd.github.sha"}), 200, "sha")
    ok(r.body.decode() == SHA["c8"], "vnd.github.sha body")
    status(c.get(R + "/commits/" + "0" * 40), 422, "unknown commit")


@test
def check_runs(c):
    r = status(c.get(R + "/commits/%s/check-runs" % SHA["c7"]), 200, "check runs")
    runs = r.json["check_runs"]
    ok(r.json["total_count"] == 4 and len(runs) == 4, "latest: build, test, lint, nightly-build: %s"
       % [x["name"] for x in runs])
    ok({x["name"] for x in runs} == {"build", "test", "lint", "nightly-build"}, "names")
    ok(all(x["conclusion"] == "success" for x in runs if x["name"] != "nightly-build"), "latest are green")
    r = c.get(R + "/commits/%s/check-runs?filter=all" % SHA["c7"])
    ok(r.json["total_count"] == 6, "all attempts: %d" % r.json["total_count"])
    ok(sorted(x["conclusion"] for x in r.json["check_runs"] if x["name"] == "test")
       == ["failure", "success"], "both attempts of test")
    r = c.get(R + "/commits/%s/check-runs?check_name=lint" % SHA["c7"])
    ok([x["name"] for x in r.json["check_runs"]] == ["lint"], "check_name")
    ok(r.json["check_runs"][0]["app"]["slug"] == "relkit-lint", "app")
    r = c.get(R + "/commits/main/check-runs?status=in_progress")
    ok({x["name"] for x in r.json["check_runs"]} == {"build", "test"}, "status filter on c8")
    r = c.get(R + "/commits/%s/check-runs?per_page=1&filter=all" % SHA["c7"])
    ok(len(r.json["check_runs"]) == 1 and "next" in links(r), "paginated check runs")


@test
def check_suites(c):
    r = status(c.get(R + "/commits/%s/check-suites" % SHA["c7"]), 200, "check suites")
    ok(r.json["total_count"] == 3, "CI run, nightly run, lint: %s" % r.json["total_count"])
    for s in r.json["check_suites"]:
        ok(s["head_sha"] == SHA["c7"] and s["status"] == "completed", s)
    concl = sorted(s["conclusion"] for s in r.json["check_suites"])
    ok(concl == ["failure", "success", "success"], "suite conclusions %s" % concl)
    r = c.get(R + "/commits/%s/check-suites?check_name=lint" % SHA["c7"])
    ok(r.json["total_count"] == 1, "check_name filter")


@test
def commit_statuses(c):
    r = status(c.get(R + "/commits/%s/status" % SHA["c7"]), 200, "combined c7")
    ok(r.json["state"] == "success" and r.json["total_count"] == 1, r.json["state"])
    r = c.get(R + "/commits/main/status")
    ok(r.json["state"] == "pending" and r.json["statuses"][0]["context"] == "legacy-ci", "c8 pending")
    r = c.get(R + "/commits/%s/status" % SHA["c1"])
    ok(r.json["state"] == "pending" and r.json["total_count"] == 0, "no statuses -> pending")
    r = status(c.get(R + "/commits/%s/statuses" % SHA["c8"]), 200, "statuses")
    ok(len(r.json) == 1 and r.json[0]["state"] == "pending", r.json)


# ======================================================================================
# branches, protection, rules
# ======================================================================================

@test
def branches(c):
    r = status(c.get(R + "/branches/main"), 200, "branch main")
    j = r.json
    ok(j["commit"]["sha"] == SHA["c8"] and j["protected"], "main head / protected")
    ok(j["protection"]["required_status_checks"]["contexts"] == ["build", "test"], "protection")
    r = status(c.get(R + "/branches/" + enc("release/0.2")), 200, "branch with slash")
    ok(r.json["commit"]["sha"] == SHA["c4"] and not r.json["protected"], "release/0.2")
    status(c.get(R + "/branches/nope"), 404, "missing branch")


@test
def required_status_checks(c):
    r = status(c.get(R + "/branches/main/protection/required_status_checks"), 200, "rsc")
    ok(r.json["contexts"] == ["build", "test"] and r.json["strict"] is True, r.json)
    ok([x["context"] for x in r.json["checks"]] == ["build", "test"], "checks")
    status(c.get(R + "/branches/%s/protection/required_status_checks" % enc("release/0.2")), 404,
           "unprotected branch")


@test
def branch_rules(c):
    r = status(c.get(R + "/rules/branches/main"), 200, "rules main")
    ok(len(r.json) == 1 and r.json[0]["type"] == "required_status_checks", r.json)
    ctxs = [x["context"] for x in r.json[0]["parameters"]["required_status_checks"]]
    ok(ctxs == ["build", "test", "lint"], ctxs)
    ok(r.json[0]["ruleset_source"] == "relkit-test/demo", "ruleset source")
    r = status(c.get(R + "/rules/branches/" + enc("release/0.2")), 200, "rules other")
    ok(r.json == [], "no rules on release/0.2")


# ======================================================================================
# actions
# ======================================================================================

@test
def workflows(c):
    r = status(c.get(R + "/actions/workflows"), 200, "workflows")
    ok(r.json["total_count"] == 2, r.json["total_count"])
    ok([w["path"] for w in r.json["workflows"]] == [".github/workflows/ci.yml",
                                                    ".github/workflows/nightly.yml"], "paths")
    a = status(c.get(R + "/actions/workflows/1001"), 200, "by id").json
    b = status(c.get(R + "/actions/workflows/ci.yml"), 200, "by file").json
    ok(a == b and a["name"] == "CI", "same workflow")
    status(c.get(R + "/actions/workflows/nope.yml"), 404, "missing workflow")


@test
def workflow_runs(c):
    def ids(q, wf="ci.yml"):
        base = R + ("/actions/workflows/%s/runs" % wf if wf else "/actions/runs")
        r = status(c.get(base + q), 200, "runs " + q)
        return [x["id"] for x in r.json["workflow_runs"]], r
    got, r = ids("")
    ok(got == [2004, 2003, 2002, 2001, 2005], "newest first: %s" % got)
    ok(r.json["total_count"] == 5, "total")
    ok(ids("?branch=main")[0] == [2004, 2003, 2002, 2001], "branch filter")
    ok(ids("?event=pull_request")[0] == [2005], "event filter")
    ok(ids("?status=success")[0] == [2003, 2001, 2005], "conclusion as status")
    ok(ids("?status=in_progress")[0] == [2004], "status filter")
    ok(ids("?head_sha=" + SHA["c7"])[0] == [2003], "head_sha filter")
    ok(ids("?created=" + quote(">=2024-01-07"))[0] == [2004, 2003], "created >=")
    ok(ids("?created=2024-01-05..2024-01-06")[0] == [2002, 2001], "created range")
    got, r = ids("?per_page=2&page=2")
    ok(got == [2002, 2001] and set(links(r)) == {"prev", "next", "last", "first"}, "paging")
    ok(ids("", wf="1002")[0] == [2102, 2101], "by workflow id")
    got, r = ids("?branch=main", wf=None)
    ok(got == [2004, 2102, 2003, 2101, 2002, 2001], "repo-wide runs %s" % got)
    ok(ids("?event=schedule&status=failure", wf=None)[0] == [2102], "repo-wide filters")


@test
def run_and_jobs(c):
    run = status(c.get(R + "/actions/runs/2003"), 200, "run").json
    ok(run["run_attempt"] == 2 and run["conclusion"] == "success" and run["workflow_id"] == 1001, run)
    ok(run["head_sha"] == SHA["c7"] and run["path"] == ".github/workflows/ci.yml", "run fields")
    j = status(c.get(R + "/actions/runs/2003/jobs"), 200, "jobs").json
    ok(j["total_count"] == 2 and all(x["run_attempt"] == 2 for x in j["jobs"]), "latest jobs")
    ok(all(x["conclusion"] == "success" for x in j["jobs"]), "latest green")
    j = c.get(R + "/actions/runs/2003/jobs?filter=all").json
    ok(j["total_count"] == 4, "all attempts jobs")
    j = status(c.get(R + "/actions/runs/2003/attempts/1/jobs"), 200, "attempt 1 jobs").json
    ok(sorted(x["conclusion"] for x in j["jobs"]) == ["failure", "success"], "attempt 1")
    ok(all(x["html_url"] for x in j["jobs"]), "html_url")
    a1 = status(c.get(R + "/actions/runs/2003/attempts/1"), 200, "attempt 1 run").json
    ok(a1["run_attempt"] == 1 and a1["conclusion"] == "failure", a1["conclusion"])
    status(c.get(R + "/actions/runs/2003/attempts/3/jobs"), 404, "attempt 3")
    status(c.get(R + "/actions/runs/999999"), 404, "missing run")
    j = c.get(R + "/actions/runs/2004/jobs").json
    ok(all(x["status"] == "in_progress" and x["conclusion"] is None for x in j["jobs"]), "running")


# ======================================================================================
# git refs and tags
# ======================================================================================

@test
def refs_read(c):
    r = status(c.get(R + "/git/matching-refs/" + enc("tags/v0")), 200, "matching-refs")
    ok([x["ref"] for x in r.json] == ["refs/tags/v0.1.0", "refs/tags/v0.2.0"], r.json)
    r = c.get(R + "/git/matching-refs/" + enc("tags/candidate-2024"))
    ok([x["ref"] for x in r.json] == ["refs/tags/candidate-20240107.1"], "candidate tags")
    ok(c.get(R + "/git/matching-refs/" + enc("tags/zzz")).json == [], "no match -> []")
    r = status(c.get(R + "/git/ref/" + enc("tags/v0.1.0")), 200, "lightweight tag ref")
    ok(r.json["object"] == {"sha": SHA["c2"], "type": "commit", "url": r.json["object"]["url"]}, r.json)
    r = status(c.get(R + "/git/ref/" + enc("tags/v0.2.0")), 200, "annotated tag ref")
    ok(r.json["object"]["type"] == "tag", "annotated")
    t = status(c.get(R + "/git/tags/" + r.json["object"]["sha"]), 200, "tag object").json
    ok(t["tag"] == "v0.2.0" and t["object"]["sha"] == SHA["c4"] and t["message"] == "relkit 0.2.0", t)
    r = status(c.get(R + "/git/ref/" + enc("heads/main")), 200, "branch ref")
    ok(r.json["object"]["sha"] == SHA["c8"], "main")
    status(c.get(R + "/git/ref/" + enc("tags/nope")), 404, "missing ref")
    status(c.get(R + "/git/tags/" + "0" * 40), 404, "missing tag object")
    g = status(c.get(R + "/git/commits/" + SHA["c5"]), 200, "git commit").json
    ok(g["sha"] == SHA["c5"] and [p["sha"] for p in g["parents"]] == [SHA["c4"], SHA["f1"]], g)
    status(c.get(R + "/git/commits/" + "0" * 40), 404, "missing git commit")
    # legacy listings, not in the OpenAPI description: emulator directly
    r = status(c.get(R + "/git/refs", direct=True), 200, "all refs")
    ok("refs/heads/main" in [x["ref"] for x in r.json], "all refs")
    r = status(c.get(R + "/git/refs/tags", direct=True), 200, "legacy prefix listing")
    ok(all(x["ref"].startswith("refs/tags/") for x in r.json) and len(r.json) >= 3, r.json)
    r = status(c.get(R + "/git/refs/heads/main", direct=True), 200, "legacy exact ref")
    ok(r.json["object"]["sha"] == SHA["c8"], "legacy exact")
    r = status(c.get(R + "/git/matching-refs/", direct=True), 200, "matching-refs, empty prefix")
    ok(len(r.json) >= 5, "every ref")


@test
def refs_write(c):
    ref = "refs/tags/selftest-ref"
    r = status(c.call("POST", R + "/git/refs", {"ref": ref, "sha": SHA["c5"]}), 201, "create ref")
    ok(r.json["ref"] == ref and r.json["object"]["sha"] == SHA["c5"], r.json)
    ok(r.header("location"), "Location header")
    r = status(c.call("POST", R + "/git/refs", {"ref": ref, "sha": SHA["c6"]}), 422, "duplicate ref")
    ok(r.json["message"] == "Reference already exists", r.json)
    p = R + "/git/refs/" + enc("tags/selftest-ref")
    r = status(c.call("PATCH", p, {"sha": SHA["c4"]}), 422, "non fast-forward")
    ok(r.json["message"] == "Update is not a fast forward", r.json)
    r = status(c.call("PATCH", p, {"sha": SHA["c7"]}), 200, "fast-forward")
    ok(r.json["object"]["sha"] == SHA["c7"], "moved")
    status(c.call("PATCH", p, {"sha": SHA["c4"], "force": True}), 200, "forced")
    ok(c.get(R + "/git/ref/" + enc("tags/selftest-ref")).json["object"]["sha"] == SHA["c4"], "forced")
    status(c.call("DELETE", p), 204, "delete ref")
    status(c.get(R + "/git/ref/" + enc("tags/selftest-ref")), 404, "deleted")
    status(c.call("DELETE", p), 422, "delete missing ref")


@test
def annotated_tag_create(c):
    body = {"tag": "selftest-annotated", "message": "annotated by selftest", "object": SHA["c6"],
            "type": "commit", "tagger": {"name": "Self Test", "email": "self@test.invalid",
                                         "date": "2024-02-01T00:00:00Z"}}
    t = status(c.call("POST", R + "/git/tags", body), 201, "create tag object").json
    ok(t["tag"] == "selftest-annotated" and t["object"]["sha"] == SHA["c6"], t)
    ok(t["tagger"]["date"] == "2024-02-01T00:00:00Z", "tagger date")
    status(c.call("POST", R + "/git/refs", {"ref": "refs/tags/selftest-annotated", "sha": t["sha"]}),
           201, "ref to tag object")
    r = c.get(R + "/git/ref/" + enc("tags/selftest-annotated"))
    ok(r.json["object"] == {"sha": t["sha"], "type": "tag", "url": r.json["object"]["url"]}, r.json)
    ok(c.get(R + "/git/tags/" + t["sha"]).json["sha"] == t["sha"], "get tag object")
    r = c.get(R + "/commits/selftest-annotated")
    ok(r.json["sha"] == SHA["c6"], "tag peels to its commit")
    status(c.call("DELETE", R + "/git/refs/" + enc("tags/selftest-annotated")), 204, "cleanup")


@test
def tags_list(c):
    r = status(c.get(R + "/tags"), 200, "tags")
    names = [t["name"] for t in r.json]
    ok(set(names) >= {"v0.1.0", "v0.2.0", "candidate-20240107.1"}, names)
    v2 = [t for t in r.json if t["name"] == "v0.2.0"][0]
    ok(v2["commit"]["sha"] == SHA["c4"], "annotated tag lists its commit")
    r = c.get(R + "/tags?per_page=1")
    ok(len(r.json) == 1 and "next" in links(r), "paginated")


# ======================================================================================
# releases
# ======================================================================================

def release_tags(c, **kw):
    return [x["tag_name"] for x in c.get(R + "/releases", **kw).json]


@test
def releases_read(c):
    r = status(c.get(R + "/releases"), 200, "list")
    tags = [x["tag_name"] for x in r.json]
    ok(tags[:4] == ["v0.3.0", "candidate-20240107.1", "v0.2.0", "v0.1.0"], "newest first %s" % tags)
    ok("v0.3.0" not in release_tags(c, token=None), "anonymous: no drafts")
    rel = [x for x in r.json if x["tag_name"] == "v0.1.0"][0]
    ok(rel["upload_url"].endswith("/repos/relkit-test/demo/releases/%d/assets{?name,label}" % rel["id"]),
       rel["upload_url"])
    ok(all(a["digest"] is None for a in rel["assets"]), "old assets have digest null")
    one = status(c.get(R + "/releases/%d" % rel["id"]), 200, "by id").json
    ok(one["id"] == rel["id"] and one["assets"] == rel["assets"], "same release")
    status(c.get(R + "/releases/tags/v0.3.0"), 404, "draft not returned by tag")
    ok(status(c.get(R + "/releases/tags/v0.2.0"), 200, "by tag").json["name"] == "relkit 0.2.0", "name")
    ok(c.get(R + "/releases/latest").json["tag_name"] == "v0.2.0", "latest skips prerelease")
    draft = [x for x in r.json if x["draft"]][0]
    status(c.get(R + "/releases/%d" % draft["id"], token=None), 404, "draft hidden from anonymous")
    status(c.get(R + "/releases/99999999"), 404, "missing release")


@test
def releases_write(c):
    main_head = c.get(R + "/branches/main").json["commit"]["sha"]
    r = status(c.call("POST", R + "/releases", {"tag_name": "selftest-1.0", "name": "st 1.0",
                                                "body": "notes"}), 201, "create")
    rel = r.json
    ok(not rel["draft"] and rel["published_at"], "published")
    ok(c.get(R + "/git/ref/" + enc("tags/selftest-1.0")).json["object"]["sha"] == main_head,
       "tag created at target_commitish")
    ok(c.get(R + "/releases/latest").json["id"] == rel["id"], "new release is latest")
    r = status(c.call("POST", R + "/releases", {"tag_name": "selftest-1.0"}), 422, "duplicate")
    ok(r.json["errors"][0]["code"] == "already_exists" and r.json["errors"][0]["field"] == "tag_name", r.json)
    d = status(c.call("POST", R + "/releases", {"tag_name": "selftest-1.0", "draft": True}), 201,
               "draft may duplicate a tag").json
    status(c.call("PATCH", R + "/releases/%d" % d["id"], {"draft": False}), 422, "publish duplicate")
    status(c.call("DELETE", R + "/releases/%d" % d["id"]), 204, "delete draft")
    # a draft for a tag that does not exist yet: no tag until it is published
    d = status(c.call("POST", R + "/releases", {"tag_name": "selftest-2.0", "draft": True,
                                                "target_commitish": SHA["c6"]}), 201, "draft").json
    status(c.get(R + "/git/ref/" + enc("tags/selftest-2.0")), 404, "no tag for a draft")
    status(c.get(R + "/releases/tags/selftest-2.0"), 404, "draft by tag")
    p = status(c.call("PATCH", R + "/releases/%d" % d["id"], {"draft": False, "make_latest": "false"}),
               200, "publish").json
    ok(not p["draft"] and p["published_at"], "published")
    ok(c.get(R + "/git/ref/" + enc("tags/selftest-2.0")).json["object"]["sha"] == SHA["c6"],
       "tag created on publish at target_commitish")
    ok(c.get(R + "/releases/latest").json["id"] == rel["id"], "make_latest=false keeps latest")
    status(c.call("PATCH", R + "/releases/%d" % d["id"], {"make_latest": "true"}), 200, "make latest")
    ok(c.get(R + "/releases/latest").json["id"] == d["id"], "make_latest=true")
    p = status(c.call("PATCH", R + "/releases/%d" % d["id"], {"prerelease": True, "name": "renamed",
                                                            "body": "new body"}), 200, "edit").json
    ok(p["prerelease"] and p["name"] == "renamed" and p["body"] == "new body", p)
    ok(c.get(R + "/releases/latest").json["id"] == rel["id"], "prerelease is never latest")
    status(c.call("PATCH", R + "/releases/%d" % rel["id"], {"make_latest": "legacy"}), 200, "legacy")
    p = status(c.call("PATCH", R + "/releases/%d" % d["id"], {"tag_name": "selftest-2.1",
                                                            "prerelease": False}), 200, "retag").json
    ok(p["tag_name"] == "selftest-2.1", "tag renamed")
    ok(c.get(R + "/git/ref/" + enc("tags/selftest-2.1")).status == 200, "new tag created")
    for x in (rel, d):
        status(c.call("DELETE", R + "/releases/%d" % x["id"]), 204, "delete")
        status(c.get(R + "/releases/%d" % x["id"]), 404, "deleted")
    ok(c.get(R + "/releases/latest").json["tag_name"] == "v0.2.0", "latest falls back")


@test
def releases_invalid_requests(c):
    # invalid per the OpenAPI description: sent to the emulator directly, never through Prism
    r = status(c.call("POST", R + "/releases", {"name": "no tag"}, direct=True), 422, "missing tag")
    ok(r.json["errors"][0]["code"] == "missing_field", r.json)
    status(c.call("POST", R + "/releases", {"tag_name": "bad tag name"}, direct=True), 422, "bad tag")
    status(c.call("POST", R + "/releases", {"tag_name": "new-tag-x", "target_commitish": "nope"},
                  direct=True), 422, "bad target")
    status(c.call("POST", R + "/git/refs", {"ref": "refs/x", "sha": SHA["c1"]}, direct=True), 422,
           "two-component ref")
    status(c.call("POST", R + "/git/refs", {"ref": "refs/tags/x", "sha": "1" * 40}, direct=True), 422,
           "unknown object")
    status(c.call("POST", R + "/releases", b"{not json", direct=True), 400, "bad json")
    status(c.get("/repos/relkit-test/demo/unknown-route", direct=True), 404, "unknown route")


@test
def releases_1000_cap(c):
    r = status(c.get(MANY + "/releases?per_page=100&page=10"), 200, "page 10")
    ok(len(r.json) == 100, "100 items on page 10")
    ok(r.json[-1]["tag_name"] == "many-0006", "1000th newest is many-0006: %s" % r.json[-1]["tag_name"])
    lk = links(r)
    ok("next" not in lk and "last" not in lk and "prev" in lk and "first" in lk, "no next: %s" % lk)
    ok(c.get(MANY + "/releases?per_page=100&page=11").json == [], "page 11 empty")
    r = c.get(MANY + "/releases?per_page=100")
    ok("page=10" in links(r)["last"], "last is page 10: %s" % links(r))
    r = c.get(MANY + "/releases?page=34")
    ok(len(r.json) == 10 and "next" not in links(r), "per_page 30: page 34 has the last 10")
    ok(c.get(MANY + "/releases?page=35").json == [], "page 35 empty")
    r = c.get(MANY + "/releases")
    ok(len(r.json) == 30 and r.json[0]["tag_name"] == "many-1005", "default per_page 30")
    ok("page=34" in links(r)["last"], "last page 34")


@test
def per_page_cap(c):
    r = status(c.get(MANY + "/releases?per_page=250"), 200, "per_page 250", )
    ok(len(r.json) == 100, "per_page capped at 100: %d" % len(r.json))


# ======================================================================================
# assets: upload, download, partial upload
# ======================================================================================

def upload(c, rel, name, data, ctype="application/octet-stream", label=None, token=TOKEN):
    base = rel["upload_url"].split("{")[0]
    url = base + "?name=" + quote(name) + ("&label=" + quote(label) if label else "")
    return CLIENT.request("POST", url, data, {"Content-Type": ctype}, token)


@test
def assets_lifecycle(c):
    rel = status(c.call("POST", R + "/releases", {"tag_name": "selftest-assets", "draft": True}),
                 201, "draft").json
    data = os.urandom(200000)
    ok(urlsplit(rel["upload_url"]).port != urlsplit(c.emu).port, "uploads is its own listener")
    r = status(upload(c, rel, "blob.bin", data, label="the blob"), 201, "upload")
    a = r.json
    ok(a["state"] == "uploaded" and a["size"] == len(data), a)
    ok(a["digest"] == "sha256:" + hashlib.sha256(data).hexdigest(), "digest")
    ok(a["label"] == "the blob" and a["content_type"] == "application/octet-stream", "label/type")
    r = status(upload(c, rel, "blob.bin", b"again"), 422, "duplicate name")
    ok(r.json["errors"] == [{"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}], r.json)
    status(upload(c, rel, "x.bin", b"x", token=None), 401, "anonymous upload")
    r = upload(c, rel, "bad name!.txt", b"hello", ctype="text/plain")
    ok(r.json["name"] == "bad.name.txt", "GitHub-style renaming: %s" % r.json["name"])
    lst = status(c.get(R + "/releases/%d/assets" % rel["id"]), 200, "list assets").json
    ok([x["name"] for x in lst] == ["blob.bin", "bad.name.txt"], lst)
    r = c.get(R + "/releases/%d/assets?per_page=1" % rel["id"])
    ok(len(r.json) == 1 and "next" in links(r), "assets paginated")
    j = status(c.get(R + "/releases/assets/%d" % a["id"]), 200, "asset json").json
    ok(j["id"] == a["id"] and j["browser_download_url"].endswith("/blob.bin"), j)
    p = status(c.call("PATCH", R + "/releases/assets/%d" % a["id"], {"name": "renamed.bin",
                                                                  "label": "relabelled"}), 200, "patch").json
    ok(p["name"] == "renamed.bin" and p["label"] == "relabelled", p)
    status(c.call("PATCH", R + "/releases/assets/%d" % a["id"], {"name": "bad.name.txt"}), 422,
           "rename onto existing")
    # download through the API: 302 to the downloads host, which must not see credentials
    r = status(c.get(R + "/releases/assets/%d" % a["id"],
                     headers={"Accept": "application/octet-stream"}), 302, "octet-stream")
    loc = r.header("location")
    ok(loc and urlsplit(loc).port not in (urlsplit(c.api).port, urlsplit(c.emu).port), loc)
    d = status(CLIENT.request("GET", loc, token=None), 200, "download")
    ok(d.body == data, "downloaded bytes")
    ok(d.header("accept-ranges") == "bytes", "accept-ranges")
    d = status(CLIENT.request("GET", loc, headers={"Range": "bytes=100-199"}, token=None), 206, "range")
    ok(d.body == data[100:200] and d.header("content-range") == "bytes 100-199/%d" % len(data), "206")
    d = status(CLIENT.request("GET", loc, headers={"Range": "bytes=-10"}, token=None), 206, "suffix")
    ok(d.body == data[-10:], "suffix range")
    status(CLIENT.request("GET", loc, headers={"Range": "bytes=999999-"}, token=None), 416, "416")
    c.ctl("POST", "log/clear")
    before = c.ctl("GET", "stats")["downloads_rejected_authorization"]
    status(CLIENT.request("GET", loc, token=TOKEN), 400, "downloads host rejects Authorization")
    log = c.ctl("GET", "log")
    hit = [e for e in log if e["listener"] == "downloads"]
    ok(hit and hit[-1]["authorization"] is True and hit[-1]["status"] == 400, "logged: %s" % hit)
    ok(c.ctl("GET", "stats")["downloads_rejected_authorization"] == before + 1, "counted")
    status(CLIENT.request("GET", loc.replace("sig=", "sig=x"), token=None), 403, "bad signature")
    # publish, then the github.com-style browser_download_url works
    pub = status(c.call("PATCH", R + "/releases/%d" % rel["id"], {"draft": False, "make_latest": "false"}),
                 200, "publish").json
    url = [x for x in pub["assets"] if x["name"] == "renamed.bin"][0]["browser_download_url"]
    r = status(CLIENT.request("GET", url, token=None), 302, "browser_download_url")
    d = status(CLIENT.request("GET", r.header("location"), token=None), 200, "follow")
    ok(d.body == data, "bytes via browser_download_url")
    status(CLIENT.request("GET", url.replace("renamed.bin", "nope.bin"), token=None), 404, "no asset")
    web = urlsplit(url)
    latest = "%s://%s/relkit-test/demo/releases/latest/download/SHA256SUMS" % (web.scheme, web.netloc)
    r = status(CLIENT.request("GET", latest, token=None), 302, "latest/download")
    ok(CLIENT.request("GET", r.header("location"), token=None).body == b"see release assets\n", "latest")
    ok(c.get(R + "/releases/assets/%d" % a["id"]).json["download_count"] >= 4, "download_count")
    status(c.call("DELETE", R + "/releases/assets/%d" % a["id"]), 204, "delete asset")
    status(c.get(R + "/releases/assets/%d" % a["id"]), 404, "deleted asset")
    status(c.call("DELETE", R + "/releases/%d" % rel["id"]), 204, "delete release")


@test
def seeded_asset_downloads(c):
    rel = c.get(R + "/releases/tags/v0.1.0").json
    by = {a["name"]: a for a in rel["assets"]}
    r = c.get(R + "/releases/assets/%d" % by["relkit-0.1.0.tar.gz"]["id"],
              headers={"Accept": "application/octet-stream"})
    d = CLIENT.request("GET", r.header("location"), token=None)
    ok(d.body == b"relkit 0.1.0 source tarball (emulated)\n", d.body)
    gen = by["relkit-0.1.0-linux-x86_64.tar.gz"]
    r = c.get(R + "/releases/assets/%d" % gen["id"], headers={"Accept": "application/octet-stream"})
    d = CLIENT.request("GET", r.header("location"), token=None)
    ok(len(d.body) == 2048 == gen["size"], "generated content size")
    d2 = CLIENT.request("GET", r.header("location"), headers={"Range": "bytes=1000-1099"}, token=None)
    ok(d2.body == d.body[1000:1100], "generated content is stable under Range")
    w = c.get(R + "/releases/tags/v0.2.0").json["assets"][0]
    r = c.get(R + "/releases/assets/%d" % w["id"], headers={"Accept": "application/octet-stream"})
    d = CLIENT.request("GET", r.header("location"), token=None)
    ok("sha256:" + hashlib.sha256(d.body).hexdigest() == w["digest"], "seeded digest matches")


def raw_partial_upload(rel, name, declared, sent):
    u = urlsplit(rel["upload_url"].split("{")[0])
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    head = ("POST %s?name=%s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n"
            % (u.path, name, u.hostname, u.port, TOKEN, declared))
    s.sendall(head.encode() + b"p" * sent)
    s.shutdown(socket.SHUT_WR)
    try:
        s.recv(65536)
    except OSError:
        pass
    s.close()


def wait_for(pred, what, timeout=5):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


@test
def partial_upload_leaves_starter(c):
    rel = status(c.call("POST", R + "/releases", {"tag_name": "selftest-partial", "draft": True}),
                 201, "draft").json
    raw_partial_upload(rel, "cut.bin", 100000, 1000)

    def starter():
        lst = c.get(R + "/releases/%d/assets" % rel["id"]).json
        return [a for a in lst if a["name"] == "cut.bin" and a["state"] == "starter"]
    a = wait_for(starter, "starter asset")[0]
    ok(a["digest"] is None, "starter has no digest")
    status(upload(c, rel, "cut.bin", b"full"), 422, "name still taken by the starter asset")
    r = c.get(R + "/releases/assets/%d" % a["id"], headers={"Accept": "application/octet-stream"})
    status(r, 404, "starter asset cannot be downloaded")
    status(c.call("DELETE", R + "/releases/assets/%d" % a["id"]), 204, "delete starter")
    status(upload(c, rel, "cut.bin", b"full"), 201, "re-upload after delete")
    status(c.call("DELETE", R + "/releases/%d" % rel["id"]), 204, "cleanup")


# ======================================================================================
# ETags, 304, rate limit accounting
# ======================================================================================

@test
def etags_and_304(c):
    r1 = status(c.get(R + "/releases/tags/v0.2.0"), 200, "first")
    etag = r1.header("etag")
    ok(etag, "ETag present")
    r2 = status(c.get(R + "/releases/tags/v0.2.0"), 200, "second")
    ok(r2.header("etag") == etag, "stable ETag")
    rem = int(r2.header("x-ratelimit-remaining"))
    r3 = status(c.get(R + "/releases/tags/v0.2.0", headers={"If-None-Match": etag}), 304, "304")
    ok(r3.body == b"", "304 has no body")
    ok(int(r3.header("x-ratelimit-remaining")) == rem, "304 does not spend rate limit")
    r4 = status(c.get(R + "/releases/tags/v0.2.0"), 200, "after")
    ok(int(r4.header("x-ratelimit-remaining")) == rem - 1, "200 spends one")
    for p in (R, R + "/commits", R + "/actions/runs", R + "/git/matching-refs/" + enc("tags/v")):
        r = c.get(p)
        status(c.get(p, headers={"If-None-Match": r.header("etag")}), 304, "304 on " + p)
    rel = r1.json
    c.call("PATCH", R + "/releases/%d" % rel["id"], {"body": "changed body"})
    r5 = status(c.get(R + "/releases/tags/v0.2.0", headers={"If-None-Match": etag}), 200, "changed")
    ok(r5.header("etag") != etag, "ETag changes with content")
    c.call("PATCH", R + "/releases/%d" % rel["id"], {"body": rel["body"]})


@test
def primary_rate_limit_exhaustion(c):
    c.ctl("POST", "ratelimit", {"token": None, "used": 60})
    r = status(c.get(R, token=None), 403, "anonymous limit exhausted")
    ok(r.header("x-ratelimit-remaining") == "0" and "rate limit" in r.json["message"], r)
    status(c.get(R), 200, "token bucket unaffected")
    c.ctl("POST", "ratelimit", {"token": None, "used": 0})
    status(c.get(R, token=None), 200, "restored")


# ======================================================================================
# concurrency
# ======================================================================================

@test
def keep_alive_and_parallel(c):
    errors = []

    def worker(n):
        try:
            for i in range(40):
                path = [R, R + "/releases", R + "/commits/main", R + "/actions/runs/2003/jobs"][i % 4]
                r = c.get(path, direct=True)     # the emulator's concurrency, not Prism's
                if r.status != 200:
                    errors.append((path, r.status))
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))
    c.ctl("POST", "log/clear")
    ts = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    ok(not errors, errors[:5])
    # one persistent connection serves many requests
    u = urlsplit(c.emu)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    for _ in range(5):
        conn.request("GET", R, headers={"Authorization": "Bearer " + TOKEN})
        r = conn.getresponse()
        r.read()
        ok(r.status == 200 and not r.will_close, "keep-alive")
    conn.close()


# ======================================================================================
# faults (injected and observed on the emulator directly)
# ======================================================================================

def faults(c, *specs):
    c.ctl("POST", "faults", list(specs))


@test
def fault_5xx(c):
    faults(c, {"route": r"^GET /repos/relkit-test/demo$", "kind": "5xx", "status": 503, "count": 2})
    for _ in range(2):
        status(c.get(R, direct=True), 503, "fault fires")
    status(c.get(R, direct=True), 200, "count exhausted")
    faults(c, {"route": r"^GET /repos/relkit-test/demo$", "kind": "5xx", "after": 1})
    status(c.get(R, direct=True), 200, "after=1 lets the first through")
    status(c.get(R, direct=True), 502, "then fires (default 502)")
    status(c.get(R, direct=True), 200, "count 1")
    snap = c.ctl("GET", "faults")
    ok(snap[0]["seen"] == 3 and snap[0]["fired"] == 1, snap)
    faults(c, {"route": "releases", "kind": "5xx", "count": -1, "listener": "uploads"})
    status(c.get(R + "/releases", direct=True), 200, "listener filter")
    log = c.ctl("GET", "log")
    ok(any(e["fault"] == "5xx" and e["status"] == 502 for e in log), "fault logged")
    faults(c)


@test
def fault_429_and_secondary(c):
    faults(c, {"route": "^GET /repos/relkit-test/demo$", "kind": "429", "retry_after": 3})
    r = status(c.get(R, direct=True), 429, "429")
    ok(r.header("retry-after") == "3", "Retry-After 3")
    faults(c, {"route": "^POST /repos/relkit-test/demo/releases$", "kind": "secondary"})
    r = status(c.call("POST", R + "/releases", {"tag_name": "never"}, direct=True), 403, "secondary")
    ok("secondary rate limit" in r.json["message"] and r.header("retry-after") == "1", r)
    ok("never" not in release_tags(c), "faulted request did nothing")
    faults(c)


@test
def fault_5xx_after_apply(c):
    faults(c, {"route": "^POST /repos/relkit-test/demo/git/refs$", "kind": "5xx", "apply": True})
    body = {"ref": "refs/tags/applied-then-502", "sha": c.get(R + "/commits/main", direct=True).json["sha"]}
    status(c.call("POST", R + "/git/refs", body, direct=True), 502, "5xx after the write")
    r = status(c.get(R + "/git/ref/tags/applied-then-502", direct=True), 200, "the ref exists")
    r = status(c.call("POST", R + "/git/refs", body, direct=True), 422, "a retry meets it")
    ok("already exists" in r.json["message"], r.json)
    c.call("DELETE", R + "/git/refs/tags/applied-then-502", direct=True)
    faults(c)


@test
def fault_primary(c):
    faults(c, {"route": "^GET /repos/relkit-test/demo$", "kind": "primary", "retry_after": 5})
    r = status(c.get(R, direct=True), 403, "primary")
    ok(r.header("x-ratelimit-remaining") == "0", "remaining 0")
    ok(int(r.header("x-ratelimit-reset")) >= int(time.time()) + 3, "reset in the future")
    ok("API rate limit exceeded" in r.json["message"], r.json)
    status(c.get(R, direct=True), 200, "count 1")
    faults(c)


@test
def fault_reset(c):
    faults(c, {"route": "^GET /repos/relkit-test/demo/releases$", "kind": "reset"})
    u = urlsplit(c.emu)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("GET", R + "/releases", headers={"Authorization": "Bearer " + TOKEN})
    r = conn.getresponse()
    ok(r.status == 200 and int(r.getheader("content-length")) > 1000, "headers arrive")
    try:
        r.read()
        raise AssertionError("body should be cut")
    except (http.client.IncompleteRead, ConnectionResetError):
        pass
    conn.close()
    status(c.get(R + "/releases", direct=True), 200, "next request fine")
    # downloads: cut after N bytes
    rel = c.get(R + "/releases/tags/v0.1.0").json
    gen = [a for a in rel["assets"] if a["size"] == 2048][0]
    loc = c.get(R + "/releases/assets/%d" % gen["id"],
                headers={"Accept": "application/octet-stream"}).header("location")
    faults(c, {"route": "github-production-release-asset", "listener": "downloads", "kind": "reset",
               "reset_after_bytes": 100})
    du = urlsplit(loc)
    conn = http.client.HTTPConnection(du.hostname, du.port, timeout=10)
    conn.request("GET", du.path + "?" + du.query)
    r = conn.getresponse()
    try:
        r.read()
        raise AssertionError("download should be cut")
    except http.client.IncompleteRead as e:
        ok(len(e.partial) == 100, "cut after 100 bytes: %d" % len(e.partial))
    except ConnectionResetError:
        pass
    conn.close()
    # uploads: the connection dies mid-body, leaving a starter asset
    drel = c.call("POST", R + "/releases", {"tag_name": "selftest-reset", "draft": True}).json
    faults(c, {"route": "^POST ", "listener": "uploads", "kind": "reset", "reset_after_bytes": 500})
    try:
        r = upload(c, drel, "reset.bin", b"r" * 5000)
        ok(r.status != 201, "upload must not succeed")
    except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
        pass
    lst = c.get(R + "/releases/%d/assets" % drel["id"]).json
    ok([(a["name"], a["state"], a["size"]) for a in lst] == [("reset.bin", "starter", 500)], lst)
    c.call("DELETE", R + "/releases/%d" % drel["id"])
    faults(c)


@test
def fault_latency(c):
    faults(c, {"route": ".*", "kind": "latency", "ms": 300, "count": -1})
    t = time.time()
    status(c.get(R, direct=True), 200, "slow")
    ok(time.time() - t >= 0.29, "latency applied")
    faults(c, {"route": "^GET /repos/relkit-test/demo$", "kind": "latency", "ms": 200},
           {"route": "^GET /repos/relkit-test/demo$", "kind": "5xx", "status": 500})
    t = time.time()
    status(c.get(R, direct=True), 500, "latency combines with another fault")
    ok(time.time() - t >= 0.19, "latency before the 500")
    log = c.ctl("GET", "log")
    ok(log[-1]["fault"] == "latency+5xx", log[-1])
    c.ctl("POST", "config", {"latency_ms": 150})
    t = time.time()
    status(c.get(R, direct=True), 200, "global latency")
    ok(time.time() - t >= 0.14, "global latency applied")
    c.ctl("POST", "config", {"latency_ms": 0})
    faults(c)


# ======================================================================================
# control endpoints
# ======================================================================================

@test
def control_endpoints(c):
    c.ctl("POST", "log/clear")
    c.get(R + "/releases?per_page=1")
    c.get(R, token="ghp_bad")
    log = c.ctl("GET", "log")
    ok(len(log) == 2, "log after clear: %s" % log)
    e = log[0]
    for k in ("seq", "listener", "method", "path", "query", "status", "authorization", "token_ok",
              "if_none_match", "bytes_in", "bytes_out", "fault"):
        ok(k in e, "log field " + k)
    ok(e["path"] == R + "/releases" and e["query"] == "per_page=1" and e["token_ok"] is True, e)
    ok(log[1]["status"] == 401 and log[1]["token_ok"] is False and log[1]["authorization"], log[1])
    ok(TOKEN not in json.dumps(log), "log never holds tokens")
    ok(c.ctl("GET", "log?since=%d" % e["seq"]) == log[1:], "log since")
    st = c.ctl("GET", "state")
    ok(any(r["name"] == "demo" for r in st["repos"]), "state")
    ok(TOKEN not in json.dumps(st), "state shows no token values")
    stats = c.ctl("GET", "stats")
    ok(stats["listeners"]["api"] > 0 and stats["primary_rate_limit_spent"] > 0, stats)
    ok(any(k.startswith("api GET /repos/{o}/{r}/releases") for k in stats["routes"]), stats["routes"])
    ok(TOKEN not in json.dumps(stats), "stats never hold tokens")
    ports = c.ctl("GET", "ports")
    ok(ports["api"] == urlsplit(c.emu).port, ports)
    r = CLIENT.request("POST", c.emu + "/_emulator/faults", [{"kind": "bogus"}], token=None)
    ok(r.status == 400, "bad fault rejected")


@test
def control_reset(c):
    c.call("POST", R + "/releases", {"tag_name": "selftest-before-reset"})
    ok("selftest-before-reset" in release_tags(c), "created")
    c.ctl("POST", "reset")
    ok("selftest-before-reset" not in release_tags(c), "reset restores the seed")
    status(c.get(R + "/git/ref/" + enc("tags/selftest-before-reset")), 404, "tag gone")


# ======================================================================================
# persistence, startup options (own emulator processes)
# ======================================================================================

def start_emulator(tmp, name, extra=(), env=None, seed=None):
    ports = os.path.join(tmp, name + ".ports")
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "emulator.py"), "--seed", seed or c_seed[0],
                          "--ports-file", ports] + list(extra), env=env)
    for _ in range(200):
        if os.path.exists(ports):
            with open(ports) as f:
                return p, json.load(f)
        if p.poll() is not None:
            raise AssertionError("emulator exited with %s" % p.returncode)
        time.sleep(0.05)
    p.kill()
    raise AssertionError("emulator did not start")


def stop(p):
    p.terminate()
    p.wait(10)


c_seed = [None]


@test
def persistence_and_startup_options(c):
    tmp = tempfile.mkdtemp(prefix="ghemu-selftest-")
    try:
        state = os.path.join(tmp, "state.json")
        faults_file = os.path.join(tmp, "faults.json")
        logf = os.path.join(tmp, "log.jsonl")
        with open(faults_file, "w") as f:
            json.dump([{"route": "^GET /from-file", "kind": "5xx", "count": -1}], f)
        env = dict(os.environ, RELKIT_EMU_FAULTS=json.dumps(
            [{"route": "^GET /from-env", "kind": "429", "count": -1}]))
        seed = os.path.join(tmp, "seed.json")
        with open(seed, "w") as f:
            json.dump({"include": [os.path.abspath(c_seed[0])],
                       "faults": [{"route": "^GET /from-seed", "kind": "secondary"}]}, f)
        p, ports = start_emulator(tmp, "a", ["--state", state, "--faults", faults_file, "--log", logf,
                                             "--latency-ms", "20"], env, seed)
        base = "http://127.0.0.1:%d" % ports["api"]
        ok(ports["pid"] == p.pid, "pid in ports file")
        try:
            snap = CLIENT.request("GET", base + "/_emulator/faults", token=None).json
            ok({f["route"] for f in snap} == {"^GET /from-seed", "^GET /from-file", "^GET /from-env"},
               snap)
            ok(CLIENT.request("GET", base + "/from-seed", token=None).status == 403, "seed fault")
            ok(CLIENT.request("GET", base + "/from-env/x", token=None).status == 429, "env fault")
            rel = CLIENT.request("POST", base + R + "/releases", {"tag_name": "persisted-1"}).json
            ok(rel["upload_url"].startswith("http://127.0.0.1:%d/" % ports["uploads"]), "upload_url")
            data = os.urandom(5000)
            a = upload(c, rel, "kept.bin", data)
            ok(a.status == 201, a)
            t = time.time()
            CLIENT.request("GET", base + R)
            ok(time.time() - t >= 0.019, "--latency-ms")
            ok(os.path.exists(state), "state file written")
        finally:
            stop(p)
        with open(logf) as f:
            lines = [json.loads(x) for x in f]
        ok(any(x["path"] == R + "/releases" and x["method"] == "POST" for x in lines), "--log lines")
        p, ports = start_emulator(tmp, "b", ["--state", state])
        base = "http://127.0.0.1:%d" % ports["api"]
        try:
            r = CLIENT.request("GET", base + R + "/releases/tags/persisted-1")
            ok(r.status == 200, "release survived restart: %r" % r)
            ok(r.json["upload_url"].startswith("http://127.0.0.1:%d/" % ports["uploads"]),
               "URLs use the new ports")
            asset = r.json["assets"][0]
            ok(asset["name"] == "kept.bin" and asset["digest"] == "sha256:" + hashlib.sha256(data).hexdigest(),
               asset)
            loc = CLIENT.request("GET", asset["url"], headers={"Accept": "application/octet-stream"}
                                 ).header("location")
            ok(CLIENT.request("GET", loc, token=None).body == data, "bytes survived restart")
            ok(CLIENT.request("GET", base + R + "/git/ref/" + enc("tags/persisted-1")).status == 200,
               "tag survived")
        finally:
            stop(p)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ======================================================================================

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--api", default=os.environ.get("GITHUB_API_URL"))
    ap.add_argument("--emu", default=os.environ.get("RELKIT_EMU_API"))
    ap.add_argument("--seed", default=os.path.join(HERE, "seeds", "selftest.json"))
    ap.add_argument("-k", dest="only")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    if not args.api or not args.emu:
        ap.error("need --api and --emu (or GITHUB_API_URL and RELKIT_EMU_API)")
    c_seed[0] = args.seed
    c = Ctx(args.api, args.emu, args.seed)
    c.ctl("POST", "reset")
    passed = failed = 0
    t0 = time.time()
    for fn in TESTS:
        if args.only and args.only not in fn.__name__:
            continue
        t = time.time()
        try:
            fn(c)
            passed += 1
            print("ok   %-40s %.2fs" % (fn.__name__, time.time() - t), flush=True)
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("FAIL %-40s %s" % (fn.__name__, e), flush=True)
            if args.v or not isinstance(e, AssertionError):
                traceback.print_exc()
            try:
                c.ctl("POST", "faults", [])
            except Exception:  # noqa: BLE001
                pass
    c.ctl("POST", "reset")
    print("selftest took %.1fs" % (time.time() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
