"""GitHub REST routes of the api listener.  Each route function runs with Model.lock held and
returns (status, json[, headers]) or a Resp; it raises HttpError for GitHub-style errors.
"""

import fnmatch
import hashlib
import json
import re

from . import model as M
from . import render as R
from .server import HttpError, Resp

ROUTES = []
CONCLUSIONS = {"success", "failure", "neutral", "cancelled", "skipped", "timed_out",
               "action_required", "stale", "startup_failure"}


def route(method, pattern):
    """pattern: {x} one path segment, {x*} one or more segments, {x#} digits"""
    def conv(m):
        name, kind = m.group(1), m.group(2)
        return "(?P<%s>%s)" % (name, {"*": ".+", "#": r"\d+", "": "[^/]+"}[kind])
    rx = re.compile("^" + re.sub(r"\{(\w+)([*#]?)\}", conv, pattern) + "$")
    name = "%s %s" % (method, re.sub(r"\{(\w+)[*#]?\}", r"{\1}", pattern))

    def deco(fn):
        ROUTES.append((method, rx, fn, name))
        return fn
    return deco


def valid_ref_name(name):
    if not name or name.startswith("/") or name.endswith("/") or name.endswith(".lock"):
        return False
    if ".." in name or "//" in name or "@{" in name or name.endswith("."):
        return False
    return not re.search(r"[\x00-\x20~^:?*\[\\\x7f]", name)


def time_filter(spec):
    """GitHub 'created' qualifier -> predicate on an ISO timestamp."""
    def lo(s):
        return M.parse_iso(s)

    def hi(s):
        t = M.parse_iso(s)
        return t + 86399 if t is not None and len(s.strip()) == 10 else t
    spec = spec.strip()
    if ".." in spec:
        a, b = spec.split("..", 1)
        a = None if a in ("", "*") else lo(a)
        b = None if b in ("", "*") else hi(b)
        return lambda t: (a is None or t >= a) and (b is None or t <= b)
    for op in (">=", "<=", ">", "<"):
        if spec.startswith(op):
            v = spec[len(op):]
            return {">=": lambda t: t >= lo(v), "<=": lambda t: t <= hi(v),
                    ">": lambda t: t > hi(v), "<": lambda t: t < lo(v)}[op]
    a, b = lo(spec), hi(spec)
    return lambda t: a is not None and a <= t <= b


# ======================================================================================
# repositories and commits
# ======================================================================================

@route("GET", "/repos/{o}/{r}")
def get_repo(api, req, o, r):
    return 200, R.repo_json(api.U, api.repo(req, o, r))


@route("GET", "/repos/{o}/{r}/commits")
def list_commits(api, req, o, r):
    repo = api.repo(req, o, r)
    if not repo["commits"]:
        raise HttpError(409, "Git Repository is empty.")
    start = req.query.get("sha") or repo["default_branch"]
    sha = api.model.resolve(repo, start)
    if sha is None:
        raise HttpError(404, "No commit found for SHA: %s" % start)
    since = M.parse_iso(req.query.get("since", ""))
    until = M.parse_iso(req.query.get("until", ""))
    out = []
    for c in api.model.first_parents(repo, sha):
        t = M.parse_iso(c["committer"]["date"])
        if since is not None and t < since:
            continue
        if until is not None and t > until:
            continue
        out.append(c)
    chunk, link = api.page(req, out)
    return 200, [R.commit_json(api.U, repo, c) for c in chunk], link


@route("GET", "/repos/{o}/{r}/commits/{ref*}/check-runs")
def check_runs(api, req, o, r, ref):
    repo = api.repo(req, o, r)
    sha = api.commit(repo, ref)
    runs = api.model.ix(repo)["checks_by_sha"].get(sha, [])
    q = req.query
    if q.get("check_name"):
        runs = [c for c in runs if c["name"] == q["check_name"]]
    if q.get("status"):
        runs = [c for c in runs if c["status"] == q["status"]]
    if q.get("app_id"):
        runs = [c for c in runs if str(R.app_json(api.U, c["app"])["id"]) == q["app_id"]]
    if q.get("filter", "latest") == "latest":
        seen, latest = set(), []
        for c in runs:
            key = (c["name"], c["app"])
            if key not in seen:
                seen.add(key)
                latest.append(c)
        runs = latest
    chunk, link = api.page(req, runs)
    return 200, {"total_count": len(runs),
                 "check_runs": [R.check_run_json(api.U, repo, c) for c in chunk]}, link


@route("GET", "/repos/{o}/{r}/commits/{ref*}/check-suites")
def check_suites(api, req, o, r, ref):
    repo = api.repo(req, o, r)
    sha = api.commit(repo, ref)
    suites = {}
    for c in api.model.ix(repo)["checks_by_sha"].get(sha, []):
        suites.setdefault(c["check_suite_id"], []).append(c)
    q = req.query
    items = sorted(suites.items())
    if q.get("check_name"):
        items = [(k, v) for k, v in items if any(c["name"] == q["check_name"] for c in v)]
    if q.get("app_id"):
        items = [(k, v) for k, v in items
                 if str(R.app_json(api.U, v[0]["app"])["id"]) == q["app_id"]]
    chunk, link = api.page(req, items)
    return 200, {"total_count": len(items),
                 "check_suites": [R.check_suite_json(api.U, repo, api.model, k, v)
                                  for k, v in chunk]}, link


def latest_statuses(api, repo, sha):
    seen, out = set(), []
    for s in api.model.ix(repo)["statuses_by_sha"].get(sha, []):
        if s["context"] not in seen:
            seen.add(s["context"])
            out.append(s)
    return out


@route("GET", "/repos/{o}/{r}/commits/{ref*}/status")
def combined_status(api, req, o, r, ref):
    repo = api.repo(req, o, r)
    sha = api.commit(repo, ref, 404)
    sts = latest_statuses(api, repo, sha)
    states = {s["state"] for s in sts}
    if not sts or "pending" in states and not states & {"error", "failure"}:
        state = "pending"
    elif states & {"error", "failure"}:
        state = "failure"
    else:
        state = "success"
    chunk, link = api.page(req, sts)
    creator = R.simple_user(api.U, "relkit-bot")
    a = R.repo_base(api.U, repo)
    return 200, {"state": state, "sha": sha, "total_count": len(sts),
                 "statuses": [R.status_json(api.U, repo, s, creator) for s in chunk],
                 "repository": R.repo_json(api.U, repo, full=False),
                 "commit_url": a + "/commits/" + sha,
                 "url": a + "/commits/" + sha + "/status"}, link


@route("GET", "/repos/{o}/{r}/commits/{ref*}/statuses")
def statuses(api, req, o, r, ref):
    repo = api.repo(req, o, r)
    sha = api.model.resolve(repo, ref)
    sts = api.model.ix(repo)["statuses_by_sha"].get(sha, []) if sha else []
    chunk, link = api.page(req, sts)
    creator = R.simple_user(api.U, "relkit-bot")
    return 200, [R.status_json(api.U, repo, s, creator) for s in chunk], link


@route("GET", "/repos/{o}/{r}/commits/{ref*}")
def get_commit(api, req, o, r, ref):
    repo = api.repo(req, o, r)
    sha = api.commit(repo, ref)
    if "application/vnd.github.sha" in (req.header("Accept") or ""):
        return Resp(200, sha.encode(), ctype="application/vnd.github.sha; charset=utf-8")
    return 200, R.commit_json(api.U, repo, repo["commits"][sha], detail=True)


# ======================================================================================
# branches, protection, rules
# ======================================================================================

def branch_head(api, repo, b):
    sha = repo["refs"].get("refs/heads/" + b)
    if sha is None:
        raise HttpError(404, "Branch not found")
    return sha


@route("GET", "/repos/{o}/{r}/branches/{b*}/protection/required_status_checks")
def required_checks(api, req, o, r, b):
    repo = api.repo(req, o, r)
    branch_head(api, repo, b)
    prot = repo["protection"].get(b)
    if prot is None:
        raise HttpError(404, "Branch not protected")
    rsc = prot.get("required_status_checks")
    if rsc is None:
        raise HttpError(404, "Required status checks not enabled")
    u = "%s/branches/%s/protection/required_status_checks" % (R.repo_base(api.U, repo), R.qpath(b))
    return 200, {"url": u, "strict": rsc["strict"], "contexts": rsc["contexts"],
                 "contexts_url": u + "/contexts",
                 "checks": [{"context": c["context"], "app_id": c.get("app_id")}
                            for c in rsc["checks"]]}


@route("GET", "/repos/{o}/{r}/branches/{b*}")
def get_branch(api, req, o, r, b):
    repo = api.repo(req, o, r)
    sha = branch_head(api, repo, b)
    a = R.repo_base(api.U, repo)
    prot = repo["protection"].get(b)
    rsc = (prot or {}).get("required_status_checks")
    protection = {"enabled": prot is not None, "required_status_checks": {
        "enforcement_level": "non_admins" if rsc else "off",
        "contexts": rsc["contexts"] if rsc else [],
        "checks": [{"context": c["context"], "app_id": c.get("app_id")}
                   for c in rsc["checks"]] if rsc else []}}
    return 200, {
        "name": b, "commit": R.commit_json(api.U, repo, repo["commits"][sha]),
        "_links": {"self": "%s/branches/%s" % (a, R.qpath(b)),
                   "html": "%s/%s/%s/tree/%s" % (api.U.web, repo["owner"], repo["name"], R.qpath(b))},
        "protected": prot is not None, "protection": protection,
        "protection_url": "%s/branches/%s/protection" % (a, R.qpath(b)),
    }


def ref_matches(repo, ref, patterns):
    for p in patterns:
        if p == "~ALL":
            return True
        if p == "~DEFAULT_BRANCH" and ref == "refs/heads/" + repo["default_branch"]:
            return True
        if fnmatch.fnmatchcase(ref, p) or fnmatch.fnmatchcase(ref, "refs/heads/" + p):
            return True
    return False


@route("GET", "/repos/{o}/{r}/rules/branches/{b*}")
def branch_rules(api, req, o, r, b):
    repo = api.repo(req, o, r)
    ref = "refs/heads/" + b
    out = []
    for rs in repo["rulesets"]:
        if rs["enforcement"] != "active" or rs.get("target", "branch") != "branch":
            continue
        cond = rs["conditions"].get("ref_name", {})
        if not ref_matches(repo, ref, cond.get("include", [])):
            continue
        if ref_matches(repo, ref, cond.get("exclude", [])):
            continue
        for rule in rs["rules"]:
            x = dict(rule)
            x.update({"ruleset_source_type": "Repository",
                      "ruleset_source": repo["owner"] + "/" + repo["name"], "ruleset_id": rs["id"]})
            out.append(x)
    chunk, link = api.page(req, out)
    return 200, chunk, link


# ======================================================================================
# actions
# ======================================================================================

def find_workflow(api, repo, key):
    for w in repo["workflows"]:
        if key == str(w["id"]) or key == R.file_name(w["path"]):
            return w
    raise HttpError(404, "Not Found")


@route("GET", "/repos/{o}/{r}/actions/workflows")
def list_workflows(api, req, o, r):
    repo = api.repo(req, o, r)
    ws = repo["workflows"]
    chunk, link = api.page(req, ws)
    return 200, {"total_count": len(ws),
                 "workflows": [R.workflow_json(api.U, repo, w) for w in chunk]}, link


@route("GET", "/repos/{o}/{r}/actions/workflows/{w}")
def get_workflow(api, req, o, r, w):
    repo = api.repo(req, o, r)
    return 200, R.workflow_json(api.U, repo, find_workflow(api, repo, w))


def run_payload(api, repo, run, attempt=None):
    wf = api.model.ix(repo)["workflows"].get(run["workflow_id"], {"name": run["name"]})
    actor = R.simple_user(api.U, "relkit-dev")
    return R.run_json(api.U, repo, run, wf, actor, repo["commits"][run["head_sha"]], attempt)


def runs_listing(api, req, repo, wf=None):
    q = req.query
    runs = api.model.ix(repo)["runs_sorted"]
    preds = []
    if wf is not None:
        preds.append(lambda x: x["workflow_id"] == wf["id"])
    if q.get("branch"):
        preds.append(lambda x: x["head_branch"] == q["branch"])
    if q.get("event"):
        preds.append(lambda x: x["event"] == q["event"])
    if q.get("head_sha"):
        preds.append(lambda x: x["head_sha"] == q["head_sha"])
    if q.get("status"):
        s = q["status"]
        if s in CONCLUSIONS:
            preds.append(lambda x: x["conclusion"] == s)
        else:
            preds.append(lambda x: x["status"] == s)
    if q.get("created"):
        tf = time_filter(q["created"])
        preds.append(lambda x: tf(M.parse_iso(x["created_at"])))
    if q.get("check_suite_id"):
        preds.append(lambda x: str(x["check_suite_id"]) == q["check_suite_id"])
    if preds:
        runs = [x for x in runs if all(p(x) for p in preds)]
    chunk, link = api.page(req, runs)
    return 200, {"total_count": len(runs),
                 "workflow_runs": [run_payload(api, repo, x) for x in chunk]}, link


@route("GET", "/repos/{o}/{r}/actions/workflows/{w}/runs")
def list_workflow_runs(api, req, o, r, w):
    repo = api.repo(req, o, r)
    return runs_listing(api, req, repo, find_workflow(api, repo, w))


@route("GET", "/repos/{o}/{r}/actions/runs")
def list_runs(api, req, o, r):
    return runs_listing(api, req, api.repo(req, o, r))


def get_run_obj(api, repo, run_id):
    hit = api.model.runs.get(int(run_id))
    if hit is None or hit[0] is not repo:
        raise HttpError(404, "Not Found")
    return hit[1]


@route("GET", "/repos/{o}/{r}/actions/runs/{rid#}")
def get_run(api, req, o, r, rid):
    repo = api.repo(req, o, r)
    return 200, run_payload(api, repo, get_run_obj(api, repo, rid))


@route("GET", "/repos/{o}/{r}/actions/runs/{rid#}/attempts/{n#}")
def get_run_attempt(api, req, o, r, rid, n):
    repo = api.repo(req, o, r)
    run = get_run_obj(api, repo, rid)
    if not 1 <= int(n) <= run["run_attempt"]:
        raise HttpError(404, "Not Found")
    return 200, run_payload(api, repo, run, int(n))


def jobs_listing(api, req, repo, run, attempt=None):
    jobs = api.model.ix(repo)["jobs_by_run"].get(run["id"], [])
    if attempt is not None:
        jobs = [j for j in jobs if j["run_attempt"] == attempt]
    jobs = sorted(jobs, key=lambda j: (-j["run_attempt"], j["id"]))
    wf = api.model.ix(repo)["workflows"].get(run["workflow_id"], {"name": run["name"]})
    chunk, link = api.page(req, jobs)
    return 200, {"total_count": len(jobs),
                 "jobs": [R.job_json(api.U, repo, run, j, wf["name"]) for j in chunk]}, link


@route("GET", "/repos/{o}/{r}/actions/runs/{rid#}/jobs")
def list_jobs(api, req, o, r, rid):
    repo = api.repo(req, o, r)
    run = get_run_obj(api, repo, rid)
    flt = req.query.get("filter", "latest")
    return jobs_listing(api, req, repo, run, None if flt == "all" else run["run_attempt"])


@route("GET", "/repos/{o}/{r}/actions/runs/{rid#}/attempts/{n#}/jobs")
def list_attempt_jobs(api, req, o, r, rid, n):
    repo = api.repo(req, o, r)
    run = get_run_obj(api, repo, rid)
    if not 1 <= int(n) <= run["run_attempt"]:
        raise HttpError(404, "Not Found")
    return jobs_listing(api, req, repo, run, int(n))


# ======================================================================================
# git refs, tags
# ======================================================================================

def ref_payload(api, repo, ref):
    sha = repo["refs"][ref]
    return R.ref_json(api.U, repo, ref, sha, api.model.object_type(repo, sha) or "commit")


def matching(api, repo, prefix):
    return [ref_payload(api, repo, k) for k in sorted(repo["refs"]) if k.startswith(prefix)]


@route("GET", "/repos/{o}/{r}/git/matching-refs/{ref*}")
def matching_refs(api, req, o, r, ref):
    repo = api.repo(req, o, r)
    return 200, matching(api, repo, "refs/" + ref)


@route("GET", "/repos/{o}/{r}/git/matching-refs/")
def matching_refs_all(api, req, o, r):
    return 200, matching(api, api.repo(req, o, r), "refs/")


@route("GET", "/repos/{o}/{r}/git/ref/{ref*}")
def get_ref(api, req, o, r, ref):
    repo = api.repo(req, o, r)
    full = "refs/" + ref
    if full not in repo["refs"]:
        raise HttpError(404, "Not Found")
    return 200, ref_payload(api, repo, full)


@route("GET", "/repos/{o}/{r}/git/refs/{ref*}")
def get_refs_legacy(api, req, o, r, ref):
    repo = api.repo(req, o, r)
    full = "refs/" + ref
    if full in repo["refs"]:
        return 200, ref_payload(api, repo, full)
    hits = matching(api, repo, full + "/")
    if not hits:
        raise HttpError(404, "Not Found")
    return 200, hits


@route("GET", "/repos/{o}/{r}/git/refs")
def list_refs(api, req, o, r):
    repo = api.repo(req, o, r)
    items = matching(api, repo, "refs/")
    chunk, link = api.page(req, items)
    return 200, chunk, link


@route("POST", "/repos/{o}/{r}/git/refs")
def create_ref(api, req, o, r):
    repo = api.repo(req, o, r)
    api.push(req)
    body = req.json()
    ref, sha = body.get("ref"), body.get("sha")
    if not isinstance(ref, str) or not isinstance(sha, str):
        raise HttpError(422, "Invalid request.\n\n\"ref\", \"sha\" weren't supplied.")
    if not ref.startswith("refs/") or ref.count("/") < 2 or not valid_ref_name(ref):
        raise HttpError(422, "Reference name must contain at least three slash-separated "
                             "components." if ref.count("/") < 2 else "Reference name is invalid")
    if api.model.object_type(repo, sha) is None:
        raise HttpError(422, "Object does not exist")
    if ref in repo["refs"]:
        raise HttpError(422, "Reference already exists",
                        doc="https://docs.github.com/rest/git/refs#create-a-reference")
    repo["refs"][ref] = sha
    api.save()
    j = ref_payload(api, repo, ref)
    return api.created(j, j["url"])


@route("PATCH", "/repos/{o}/{r}/git/refs/{ref*}")
def update_ref(api, req, o, r, ref):
    repo = api.repo(req, o, r)
    api.push(req)
    body = req.json()
    full = "refs/" + ref
    sha = body.get("sha")
    if full not in repo["refs"]:
        raise HttpError(422, "Reference does not exist")
    if not isinstance(sha, str) or api.model.object_type(repo, sha) is None:
        raise HttpError(422, "Object does not exist")
    old = api.model.peel(repo, repo["refs"][full])
    new = api.model.peel(repo, sha)
    if not body.get("force") and old and new and not api.model.is_ancestor(repo, old, new):
        raise HttpError(422, "Update is not a fast forward")
    repo["refs"][full] = sha
    api.save()
    return 200, ref_payload(api, repo, full)


@route("DELETE", "/repos/{o}/{r}/git/refs/{ref*}")
def delete_ref(api, req, o, r, ref):
    repo = api.repo(req, o, r)
    api.push(req)
    full = "refs/" + ref
    if full not in repo["refs"]:
        raise HttpError(422, "Reference does not exist")
    del repo["refs"][full]
    api.save()
    return Resp(204)


@route("POST", "/repos/{o}/{r}/git/tags")
def create_tag(api, req, o, r):
    repo = api.repo(req, o, r)
    api.push(req)
    body = req.json()
    missing = [k for k in ("tag", "message", "object", "type") if not isinstance(body.get(k), str)]
    if missing:
        raise HttpError(422, "Invalid request.\n\n%s wasn't supplied." % ", ".join(
            '"%s"' % k for k in missing))
    typ = api.model.object_type(repo, body["object"])
    if typ is None or typ != body["type"]:
        raise HttpError(422, "Object does not exist")
    if not valid_ref_name(body["tag"]):
        raise HttpError(422, "Invalid tag name")
    tagger = body.get("tagger") if isinstance(body.get("tagger"), dict) else None
    if tagger is not None:
        tagger = {"name": tagger.get("name", "Relkit Bot"),
                  "email": tagger.get("email", "bot@relkit.invalid"),
                  "date": M.norm_time(tagger.get("date"), M.now_iso())}
    sha = M.add_tag_object(repo, body["tag"], body["message"], body["object"], typ, tagger)
    api.save()
    j = R.tag_object_json(api.U, repo, repo["tag_objects"][sha], typ)
    return api.created(j, j["url"])


@route("GET", "/repos/{o}/{r}/git/commits/{sha}")
def get_git_commit(api, req, o, r, sha):
    repo = api.repo(req, o, r)
    c = repo["commits"].get(sha)
    if c is None:
        raise HttpError(404, "Not Found")
    return 200, R.git_commit_json(api.U, repo, c)


@route("GET", "/repos/{o}/{r}/git/tags/{sha}")
def get_tag(api, req, o, r, sha):
    repo = api.repo(req, o, r)
    t = repo["tag_objects"].get(sha)
    if t is None:
        raise HttpError(404, "Not Found")
    return 200, R.tag_object_json(api.U, repo, t, api.model.object_type(repo, t["object"]["sha"]) or "commit")


def natural(s):
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", s)]


@route("GET", "/repos/{o}/{r}/tags")
def list_tags(api, req, o, r):
    repo = api.repo(req, o, r)
    names = [k[len("refs/tags/"):] for k in repo["refs"] if k.startswith("refs/tags/")]
    names.sort(key=natural, reverse=True)
    chunk, link = api.page(req, names)
    out = []
    for n in chunk:
        sha = api.model.peel(repo, repo["refs"]["refs/tags/" + n]) or repo["refs"]["refs/tags/" + n]
        out.append(R.tag_json(api.U, repo, n, sha))
    return 200, out, link


# ======================================================================================
# releases and assets
# ======================================================================================

def release_payload(api, repo, rel):
    return R.release_json(api.U, repo, rel, api.model.release_assets(repo, rel))


def release_bytes(api, repo, rel):
    """Release JSON, cached per release until Model.touch(); URLs depend on U.api."""
    hit = api.model.rel_cache.get(rel["id"])
    if hit is not None and hit[0] == api.U.api:
        return hit[1]
    b = json.dumps(release_payload(api, repo, rel), separators=(",", ":")).encode()
    api.model.rel_cache[rel["id"]] = (api.U.api, b)
    return b


def release_resp(api, repo, rel, status=200, headers=None):
    return Resp(status, release_bytes(api, repo, rel), headers, "application/json; charset=utf-8")


def get_rel(api, req, repo, rid):
    hit = api.model.releases.get(int(rid))
    if hit is None or hit[0] is not repo or (hit[1]["draft"] and not api.can_push(req)):
        raise HttpError(404, "Not Found")
    return hit[1]


def rel_invalid(code, field):
    return HttpError(422, "Validation Failed",
                     [{"resource": "Release", "code": code, "field": field}],
                     doc="https://docs.github.com/rest/releases/releases")


@route("GET", "/repos/{o}/{r}/releases")
def list_releases(api, req, o, r):
    repo = api.repo(req, o, r)
    rels = api.model.releases_sorted(repo)
    if not api.can_push(req):
        rels = [x for x in rels if not x["draft"]]
    chunk, link = api.page(req, rels, cap=1000)
    parts = tuple(release_bytes(api, repo, x) for x in chunk)
    # a page of 100 releases with their assets is megabytes: joined and hashed once while
    # none of its releases changes (the parts are kept, compared by identity)
    key = (repo["id"], req.qs, api.can_push(req))
    hit = api.model.page_cache.get(key)
    if hit is not None and len(hit[0]) == len(parts) and all(a is b for a, b in zip(hit[0], parts)):
        body, etag = hit[1], hit[2]
    else:
        body = b"[" + b",".join(parts) + b"]"
        etag = 'W/"%s"' % hashlib.md5(body).hexdigest()
        api.model.page_cache[key] = (parts, body, etag)
    resp = Resp(200, body, link, "application/json; charset=utf-8")
    resp.etag = etag
    return resp


def make_latest_arg(body, default="true"):
    v = body.get("make_latest", default)
    v = str(v).lower() if not isinstance(v, bool) else ("true" if v else "false")
    if v not in ("true", "false", "legacy"):
        raise rel_invalid("invalid", "make_latest")
    return v


def publish(api, repo, rel):
    """Draft -> published: create the tag at target_commitish when it does not exist."""
    ref = "refs/tags/" + rel["tag_name"]
    if ref not in repo["refs"]:
        sha = api.model.resolve(repo, rel["target_commitish"])
        if sha is None:
            raise rel_invalid("invalid", "target_commitish")
        repo["refs"][ref] = sha
    rel["published_at"] = M.now_iso()


def apply_latest(repo, rel, how):
    rel["make_latest"] = how
    if how == "true" and not rel["draft"] and not rel["prerelease"]:
        repo["latest_release_id"] = rel["id"]
    elif how == "legacy" or (how == "false" and repo.get("latest_release_id") == rel["id"]):
        repo["latest_release_id"] = None


@route("POST", "/repos/{o}/{r}/releases")
def create_release(api, req, o, r):
    repo = api.repo(req, o, r)
    api.push(req)
    body = req.json()
    tag = body.get("tag_name")
    if not isinstance(tag, str) or not tag:
        raise rel_invalid("missing_field", "tag_name")
    if not valid_ref_name(tag):
        raise rel_invalid("invalid", "tag_name")
    draft = bool(body.get("draft", False))
    target = body.get("target_commitish") or repo["default_branch"]
    if "refs/tags/" + tag not in repo["refs"] and api.model.resolve(repo, target) is None:
        raise rel_invalid("invalid", "target_commitish")
    if not draft and api.model.published_with_tag(repo, tag):
        raise rel_invalid("already_exists", "tag_name")
    how = make_latest_arg(body)
    now = M.now_iso()
    rel = {"id": api.model.new_id(), "tag_name": tag, "target_commitish": target,
           "name": body.get("name") if body.get("name") is not None else tag,
           "body": body.get("body") or "", "draft": draft,
           "prerelease": bool(body.get("prerelease", False)), "created_at": now,
           "published_at": None, "updated_at": now,
           "author": req.token.get("login", "relkit-bot"), "make_latest": how, "assets": []}
    if not draft:
        publish(api, repo, rel)
    api.model.add_release(repo, rel)
    apply_latest(repo, rel, how)
    api.save()
    return release_resp(api, repo, rel, 201, [("Location", "%s/releases/%d" % (
        R.repo_base(api.U, repo), rel["id"]))])


@route("GET", "/repos/{o}/{r}/releases/latest")
def latest_release(api, req, o, r):
    repo = api.repo(req, o, r)
    rel = api.model.latest_release(repo)
    if rel is None:
        raise HttpError(404, "Not Found")
    return release_resp(api, repo, rel)


@route("GET", "/repos/{o}/{r}/releases/tags/{tag*}")
def release_by_tag(api, req, o, r, tag):
    repo = api.repo(req, o, r)
    rel = api.model.published_with_tag(repo, tag)
    if rel is None:
        raise HttpError(404, "Not Found")
    return release_resp(api, repo, rel)


@route("GET", "/repos/{o}/{r}/releases/{rid#}")
def get_release(api, req, o, r, rid):
    repo = api.repo(req, o, r)
    return release_resp(api, repo, get_rel(api, req, repo, rid))


@route("PATCH", "/repos/{o}/{r}/releases/{rid#}")
def update_release(api, req, o, r, rid):
    repo = api.repo(req, o, r)
    api.push(req)
    rel = get_rel(api, req, repo, rid)
    body = req.json()
    api.model.touch(rel["id"])
    tag = body.get("tag_name", rel["tag_name"])
    if not isinstance(tag, str) or not valid_ref_name(tag):
        raise rel_invalid("invalid", "tag_name")
    draft = bool(body.get("draft", rel["draft"]))
    target = body.get("target_commitish") or rel["target_commitish"]
    if not draft and api.model.published_with_tag(repo, tag, exclude=rel["id"]):
        raise rel_invalid("already_exists", "tag_name")
    was_draft = rel["draft"]
    how = make_latest_arg(body, "true" if was_draft and not draft else rel.get("make_latest", "true"))
    if not draft and (was_draft or tag != rel["tag_name"]):
        if "refs/tags/" + tag not in repo["refs"] and api.model.resolve(repo, target) is None:
            raise rel_invalid("invalid", "target_commitish")
    rel.update(tag_name=tag, target_commitish=target, draft=draft)
    for k in ("name", "body"):
        if k in body and body[k] is not None:
            rel[k] = body[k]
    if "prerelease" in body:
        rel["prerelease"] = bool(body["prerelease"])
    if not draft and (was_draft or "refs/tags/" + tag not in repo["refs"]):
        publish(api, repo, rel)
    if draft:
        rel["published_at"] = None
    rel["updated_at"] = M.now_iso()
    if "make_latest" in body or (was_draft and not draft):
        apply_latest(repo, rel, how)
    api.save()
    return release_resp(api, repo, rel)


@route("DELETE", "/repos/{o}/{r}/releases/{rid#}")
def delete_release(api, req, o, r, rid):
    repo = api.repo(req, o, r)
    api.push(req)
    rel = get_rel(api, req, repo, rid)
    api.model.delete_release(repo, rel)
    api.save()
    return Resp(204)


@route("GET", "/repos/{o}/{r}/releases/{rid#}/assets")
def list_assets(api, req, o, r, rid):
    repo = api.repo(req, o, r)
    rel = get_rel(api, req, repo, rid)
    assets = api.model.release_assets(repo, rel)
    chunk, link = api.page(req, assets)
    return 200, [R.asset_json(api.U, repo, rel, a) for a in chunk], link


def get_asset_obj(api, req, repo, aid):
    hit = api.model.assets.get(int(aid))
    if hit is None or hit[0] is not repo:
        raise HttpError(404, "Not Found")
    a = hit[1]
    rel = api.model.releases[a["release_id"]][1]
    if rel["draft"] and not api.can_push(req):
        raise HttpError(404, "Not Found")
    return a, rel


@route("GET", "/repos/{o}/{r}/releases/assets/{aid#}")
def get_asset(api, req, o, r, aid):
    repo = api.repo(req, o, r)
    a, rel = get_asset_obj(api, req, repo, aid)
    if "application/octet-stream" in (req.header("Accept") or ""):
        if a["state"] != "uploaded":
            raise HttpError(404, "Not Found")
        resp = Resp(302, b"", [("Location", api.download_url(repo, a))])
        resp.etag_ok = False
        return resp
    return 200, R.asset_json(api.U, repo, rel, a)


@route("PATCH", "/repos/{o}/{r}/releases/assets/{aid#}")
def update_asset(api, req, o, r, aid):
    repo = api.repo(req, o, r)
    api.push(req)
    a, rel = get_asset_obj(api, req, repo, aid)
    body = req.json()
    api.model.touch(rel["id"])
    if "name" in body:
        name = body["name"]
        if not isinstance(name, str) or not name:
            raise HttpError(422, "Validation Failed", [{"resource": "ReleaseAsset",
                                                        "code": "invalid", "field": "name"}])
        for other in api.model.release_assets(repo, rel):
            if other["name"] == name and other["id"] != a["id"]:
                raise HttpError(422, "Validation Failed", [{
                    "resource": "ReleaseAsset", "code": "already_exists", "field": "name"}])
        a["name"] = name
    if "label" in body:
        a["label"] = body["label"]
    a["updated_at"] = M.now_iso()
    api.save()
    return 200, R.asset_json(api.U, repo, rel, a)


@route("DELETE", "/repos/{o}/{r}/releases/assets/{aid#}")
def delete_asset(api, req, o, r, aid):
    repo = api.repo(req, o, r)
    api.push(req)
    a, rel = get_asset_obj(api, req, repo, aid)
    api.model.delete_asset(repo, a)
    api.save()
    return Resp(204)
