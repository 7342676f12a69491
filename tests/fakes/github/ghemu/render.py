"""GitHub-shaped JSON for the emulator's objects (fields required by api.github.com's OpenAPI).

U is a Urls object: U.api (public API base, Prism when configured), U.web (the "github.com"
role, always the api listener directly), U.uploads, U.downloads.
"""

import base64
import hashlib
import os
from urllib.parse import quote

EPOCH = "2020-01-01T00:00:00Z"


class Urls:
    def __init__(self, api, web, uploads, downloads):
        self.api, self.web, self.uploads, self.downloads = api, web, uploads, downloads


def node_id(kind, ident):
    return kind + "_" + base64.b64encode(("%s:%s" % (kind, ident)).encode()).decode().rstrip("=")


def q(s):
    return quote(s, safe="")


def qpath(s):
    return quote(s, safe="/")


def simple_user(U, login, uid=None, typ="User"):
    if uid is None:
        uid = int(hashlib.sha1(login.encode()).hexdigest()[:7], 16)
    u = U.api + "/users/" + login
    return {
        "login": login, "id": uid, "node_id": node_id("U", uid),
        "avatar_url": "%s/avatars/u/%d?v=4" % (U.web, uid), "gravatar_id": "",
        "url": u, "html_url": U.web + "/" + login, "followers_url": u + "/followers",
        "following_url": u + "/following{/other_user}", "gists_url": u + "/gists{/gist_id}",
        "starred_url": u + "/starred{/owner}{/repo}", "subscriptions_url": u + "/subscriptions",
        "organizations_url": u + "/orgs", "repos_url": u + "/repos",
        "events_url": u + "/events{/privacy}", "received_events_url": u + "/received_events",
        "type": typ, "user_view_type": "public", "site_admin": False,
    }


def repo_base(U, repo):
    return "%s/repos/%s/%s" % (U.api, repo["owner"], repo["name"])


def repo_json(U, repo, full=True):
    o, n = repo["owner"], repo["name"]
    a = repo_base(U, repo)
    html = "%s/%s/%s" % (U.web, o, n)
    j = {
        "id": repo["id"], "node_id": node_id("R", repo["id"]), "name": n, "full_name": o + "/" + n,
        "private": repo["private"],
        "owner": simple_user(U, o, repo["owner_id"], repo["owner_type"]),
        "html_url": html, "description": repo["description"], "fork": False, "url": a,
        "forks_url": a + "/forks", "keys_url": a + "/keys{/key_id}",
        "collaborators_url": a + "/collaborators{/collaborator}", "teams_url": a + "/teams",
        "hooks_url": a + "/hooks", "issue_events_url": a + "/issues/events{/number}",
        "events_url": a + "/events", "assignees_url": a + "/assignees{/user}",
        "branches_url": a + "/branches{/branch}", "tags_url": a + "/tags",
        "blobs_url": a + "/git/blobs{/sha}", "git_tags_url": a + "/git/tags{/sha}",
        "git_refs_url": a + "/git/refs{/sha}", "trees_url": a + "/git/trees{/sha}",
        "statuses_url": a + "/statuses/{sha}", "languages_url": a + "/languages",
        "stargazers_url": a + "/stargazers", "contributors_url": a + "/contributors",
        "subscribers_url": a + "/subscribers", "subscription_url": a + "/subscription",
        "commits_url": a + "/commits{/sha}", "git_commits_url": a + "/git/commits{/sha}",
        "comments_url": a + "/comments{/number}", "issue_comment_url": a + "/issues/comments{/number}",
        "contents_url": a + "/contents/{+path}", "compare_url": a + "/compare/{base}...{head}",
        "merges_url": a + "/merges", "archive_url": a + "/{archive_format}{/ref}",
        "downloads_url": a + "/downloads", "issues_url": a + "/issues{/number}",
        "pulls_url": a + "/pulls{/number}", "milestones_url": a + "/milestones{/number}",
        "notifications_url": a + "/notifications{?since,all,participating}",
        "labels_url": a + "/labels{/name}", "releases_url": a + "/releases{/id}",
        "deployments_url": a + "/deployments",
    }
    if not full:
        return j
    j.update({
        "created_at": repo["created_at"], "updated_at": repo["created_at"],
        "pushed_at": repo["created_at"], "git_url": "git://127.0.0.1/%s/%s.git" % (o, n),
        "ssh_url": "git@127.0.0.1:%s/%s.git" % (o, n), "clone_url": html + ".git",
        "svn_url": html, "homepage": None, "size": 1, "stargazers_count": 0,
        "watchers_count": 0, "language": "C", "has_issues": True, "has_projects": False,
        "has_downloads": True, "has_wiki": False, "has_pages": False, "has_discussions": False,
        "forks_count": 0, "mirror_url": None, "archived": False, "disabled": False,
        "open_issues_count": 0, "license": None, "allow_forking": True, "is_template": False,
        "web_commit_signoff_required": False, "topics": [],
        "visibility": "private" if repo["private"] else "public", "forks": 0,
        "open_issues": 0, "watchers": 0, "default_branch": repo["default_branch"],
        "permissions": {"admin": True, "maintain": True, "push": True, "triage": True,
                        "pull": True},
        "network_count": 0, "subscribers_count": 0,
    })
    if repo["owner_type"] == "Organization":
        j["organization"] = simple_user(U, o, repo["owner_id"], "Organization")
    return j


def git_user(u):
    return {"name": u["name"], "email": u["email"], "date": u["date"]}


def commit_json(U, repo, c, detail=False):
    a = repo_base(U, repo)
    html = "%s/%s/%s" % (U.web, repo["owner"], repo["name"])
    sha = c["sha"]
    j = {
        "sha": sha, "node_id": node_id("C", sha),
        "commit": {
            "author": git_user(c["author"]), "committer": git_user(c["committer"]),
            "message": c["message"], "tree": {"sha": c["tree"], "url": a + "/git/trees/" + c["tree"]},
            "url": a + "/git/commits/" + sha, "comment_count": 0,
            "verification": {"verified": False, "reason": "unsigned", "signature": None,
                             "payload": None, "verified_at": None},
        },
        "url": a + "/commits/" + sha, "html_url": html + "/commit/" + sha,
        "comments_url": a + "/commits/" + sha + "/comments", "author": None, "committer": None,
        "parents": [{"sha": p, "url": a + "/commits/" + p, "html_url": html + "/commit/" + p}
                    for p in c["parents"]],
    }
    if detail:
        j["stats"] = {"total": 0, "additions": 0, "deletions": 0}
        j["files"] = []
    return j


def git_commit_json(U, repo, c):
    a = repo_base(U, repo)
    html = "%s/%s/%s" % (U.web, repo["owner"], repo["name"])
    return {
        "sha": c["sha"], "node_id": node_id("C", c["sha"]), "url": a + "/git/commits/" + c["sha"],
        "html_url": html + "/commit/" + c["sha"], "author": git_user(c["author"]),
        "committer": git_user(c["committer"]), "message": c["message"],
        "tree": {"sha": c["tree"], "url": a + "/git/trees/" + c["tree"]},
        "parents": [{"sha": p, "url": a + "/git/commits/" + p, "html_url": html + "/commit/" + p}
                    for p in c["parents"]],
        "verification": {"verified": False, "reason": "unsigned", "signature": None,
                         "payload": None, "verified_at": None},
    }


def simple_commit(c):
    return {"id": c["sha"], "tree_id": c["tree"], "message": c["message"],
            "timestamp": c["committer"]["date"],
            "author": {"name": c["author"]["name"], "email": c["author"]["email"]},
            "committer": {"name": c["committer"]["name"], "email": c["committer"]["email"]}}


def app_json(U, slug):
    if slug == "github-actions":
        aid, name = 15368, "GitHub Actions"
    else:
        aid, name = int(hashlib.sha1(slug.encode()).hexdigest()[:6], 16), slug
    return {
        "id": aid, "slug": slug, "node_id": node_id("A", aid),
        "client_id": "Iv1.%016x" % aid, "owner": simple_user(U, "github", 9919, "Organization"),
        "name": name, "description": "", "external_url": "%s/apps/%s" % (U.web, slug),
        "html_url": "%s/apps/%s" % (U.web, slug), "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2024-04-10T20:33:16Z",
        "permissions": {"actions": "write", "checks": "write", "contents": "write",
                        "metadata": "read", "statuses": "write"},
        "events": ["check_run", "check_suite", "push", "workflow_dispatch"],
    }


def check_run_json(U, repo, cr):
    a = repo_base(U, repo)
    html = cr.get("html_url") or "%s/%s/%s/runs/%d" % (U.web, repo["owner"], repo["name"], cr["id"])
    return {
        "id": cr["id"], "name": cr["name"], "node_id": node_id("CR", cr["id"]),
        "head_sha": cr["head_sha"], "external_id": str(cr["id"]),
        "url": "%s/check-runs/%d" % (a, cr["id"]), "html_url": html,
        "details_url": cr.get("details_url") or html, "status": cr["status"],
        "conclusion": cr["conclusion"], "started_at": cr["started_at"],
        "completed_at": cr["completed_at"],
        "output": {"title": None, "summary": None, "text": None, "annotations_count": 0,
                   "annotations_url": "%s/check-runs/%d/annotations" % (a, cr["id"])},
        "check_suite": {"id": cr["check_suite_id"]}, "app": app_json(U, cr["app"]),
        "pull_requests": [],
    }


SEVERITY = ["action_required", "startup_failure", "failure", "timed_out", "cancelled",
            "stale", "neutral", "skipped", "success"]


def worst(conclusions):
    cs = [c for c in conclusions if c]
    if not cs:
        return None
    return min(cs, key=lambda c: SEVERITY.index(c) if c in SEVERITY else 0)


def check_suite_json(U, repo, model, suite_id, runs):
    a = repo_base(U, repo)
    first = runs[0]
    sha = first["head_sha"]
    seen, latest = set(), []
    for r in runs:                       # newest first: the latest attempt of each check
        if r["name"] not in seen:
            seen.add(r["name"])
            latest.append(r)
    runs = latest
    done = all(r["status"] == "completed" for r in runs)
    created = min((r["started_at"] or EPOCH) for r in runs)
    updated = max((r["completed_at"] or r["started_at"] or EPOCH) for r in runs)
    c = repo["commits"][sha]
    return {
        "id": suite_id, "node_id": node_id("CS", suite_id),
        "head_branch": model.branch_of(repo, sha), "head_sha": sha,
        "status": "completed" if done else "in_progress",
        "conclusion": worst(r["conclusion"] for r in runs) if done else None,
        "url": "%s/check-suites/%d" % (a, suite_id),
        "before": c["parents"][0] if c["parents"] else "0" * 40, "after": sha,
        "pull_requests": [], "app": app_json(U, first["app"]),
        "repository": repo_json(U, repo, full=False), "created_at": created,
        "updated_at": updated, "head_commit": simple_commit(c),
        "latest_check_runs_count": len({r["name"] for r in runs}),
        "check_runs_url": "%s/check-suites/%d/check-runs" % (a, suite_id),
        "rerequestable": True, "runs_rerequestable": True,
    }


def status_json(U, repo, s, creator):
    return {
        "url": "%s/statuses/%s" % (repo_base(U, repo), s["sha"]),
        "avatar_url": creator["avatar_url"], "id": s["id"], "node_id": node_id("ST", s["id"]),
        "state": s["state"], "description": s["description"], "target_url": s["target_url"],
        "context": s["context"], "created_at": s["created_at"], "updated_at": s["updated_at"],
        "creator": creator,
    }


def workflow_json(U, repo, w):
    a = repo_base(U, repo)
    html = "%s/%s/%s" % (U.web, repo["owner"], repo["name"])
    return {
        "id": w["id"], "node_id": node_id("W", w["id"]), "name": w["name"], "path": w["path"],
        "state": w["state"], "created_at": w["created_at"], "updated_at": w["updated_at"],
        "url": "%s/actions/workflows/%d" % (a, w["id"]),
        "html_url": "%s/blob/%s/%s" % (html, repo["default_branch"], w["path"]),
        "badge_url": "%s/workflows/%s/badge.svg" % (html, q(w["name"])),
    }


def run_json(U, repo, run, wf, actor, commit, attempt=None):
    a = repo_base(U, repo)
    rid = run["id"]
    ru = "%s/actions/runs/%d" % (a, rid)
    n = run["run_attempt"] if attempt is None else attempt
    status, conclusion, started = run["status"], run["conclusion"], run["run_started_at"]
    if n != run["run_attempt"]:
        old = run["attempts"].get(str(n), {})
        status = old.get("status", "completed")
        conclusion = old.get("conclusion", "failure")
        started = old.get("run_started_at", started)
    html = run.get("html_url") or "%s/%s/%s/actions/runs/%d" % (U.web, repo["owner"], repo["name"], rid)
    minimal = repo_json(U, repo, full=False)
    return {
        "id": rid, "name": run["name"], "node_id": node_id("WFR", rid),
        "head_branch": run["head_branch"], "head_sha": run["head_sha"],
        "path": run["path"], "display_title": run.get("display_title") or commit["message"].split("\n")[0],
        "run_number": run["run_number"], "event": run["event"], "status": status,
        "conclusion": conclusion, "workflow_id": run["workflow_id"],
        "check_suite_id": run["check_suite_id"], "check_suite_node_id": node_id("CS", run["check_suite_id"]),
        "url": ru, "html_url": html, "pull_requests": [], "created_at": run["created_at"],
        "updated_at": run["updated_at"], "actor": actor, "run_attempt": n,
        "referenced_workflows": [], "run_started_at": started, "triggering_actor": actor,
        "jobs_url": ru + "/jobs", "logs_url": ru + "/logs",
        "check_suite_url": "%s/check-suites/%d" % (a, run["check_suite_id"]),
        "artifacts_url": ru + "/artifacts", "cancel_url": ru + "/cancel", "rerun_url": ru + "/rerun",
        "previous_attempt_url": "%s/attempts/%d" % (ru, n - 1) if n > 1 else None,
        "workflow_url": "%s/actions/workflows/%d" % (a, run["workflow_id"]),
        "head_commit": simple_commit(commit), "repository": minimal, "head_repository": minimal,
    }


def job_json(U, repo, run, j, wf_name):
    a = repo_base(U, repo)
    html = j.get("html_url") or "%s/%s/%s/actions/runs/%d/job/%d" % (
        U.web, repo["owner"], repo["name"], run["id"], j["id"])
    return {
        "id": j["id"], "run_id": run["id"], "workflow_name": wf_name,
        "head_branch": run["head_branch"], "run_url": "%s/actions/runs/%d" % (a, run["id"]),
        "run_attempt": j["run_attempt"], "node_id": node_id("CR", j["id"]),
        "head_sha": run["head_sha"], "url": "%s/actions/jobs/%d" % (a, j["id"]), "html_url": html,
        "status": j["status"], "conclusion": j["conclusion"], "created_at": j["created_at"],
        "started_at": j["started_at"], "completed_at": j["completed_at"], "name": j["name"],
        "steps": j["steps"], "check_run_url": "%s/check-runs/%d" % (a, j["id"]),
        "labels": j["labels"], "runner_id": 1 if j["status"] != "queued" else None,
        "runner_name": j.get("runner_name") or ("GitHub Actions 1" if j["status"] != "queued" else None),
        "runner_group_id": 2 if j["status"] != "queued" else None,
        "runner_group_name": "GitHub Actions" if j["status"] != "queued" else None,
    }


def ref_json(U, repo, ref, sha, typ):
    a = repo_base(U, repo)
    kind = "tags" if typ == "tag" else "commits"
    return {"ref": ref, "node_id": node_id("REF", "%d:%s" % (repo["id"], ref)),
            "url": a + "/git/" + qpath(ref),
            "object": {"sha": sha, "type": typ, "url": "%s/git/%s/%s" % (a, kind, sha)}}


def tag_object_json(U, repo, t, obj_type):
    a = repo_base(U, repo)
    kind = "tags" if obj_type == "tag" else "commits"
    return {
        "node_id": node_id("TAG", t["sha"]), "sha": t["sha"], "url": a + "/git/tags/" + t["sha"],
        "tag": t["tag"], "message": t["message"], "tagger": dict(t["tagger"]),
        "object": {"sha": t["object"]["sha"], "type": obj_type,
                   "url": "%s/git/%s/%s" % (a, kind, t["object"]["sha"])},
        "verification": {"verified": False, "reason": "unsigned", "signature": None,
                         "payload": None, "verified_at": None},
    }


def tag_json(U, repo, name, sha):
    a = repo_base(U, repo)
    return {"name": name, "commit": {"sha": sha, "url": a + "/commits/" + sha},
            "zipball_url": a + "/zipball/refs/tags/" + qpath(name),
            "tarball_url": a + "/tarball/refs/tags/" + qpath(name),
            "node_id": node_id("REF", name)}


def untagged(rel):
    return "untagged-" + hashlib.sha1(str(rel["id"]).encode()).hexdigest()[:20]


def asset_json(U, repo, rel, a):
    api = repo_base(U, repo)
    tag = untagged(rel) if rel["draft"] else rel["tag_name"]
    return {
        "url": "%s/releases/assets/%d" % (api, a["id"]), "id": a["id"],
        "node_id": node_id("RA", a["id"]), "name": a["name"], "label": a["label"],
        "uploader": simple_user(U, a["uploader"]), "content_type": a["content_type"],
        "state": a["state"], "size": a["size"], "digest": a["digest"],
        "download_count": a["download_count"], "created_at": a["created_at"],
        "updated_at": a["updated_at"],
        "browser_download_url": "%s/%s/%s/releases/download/%s/%s" % (
            U.web, repo["owner"], repo["name"], qpath(tag), q(a["name"])),
    }


def release_json(U, repo, rel, assets):
    api = repo_base(U, repo)
    rid = rel["id"]
    html = "%s/%s/%s/releases/tag/%s" % (U.web, repo["owner"], repo["name"],
                                         qpath(untagged(rel) if rel["draft"] else rel["tag_name"]))
    return {
        "url": "%s/releases/%d" % (api, rid), "assets_url": "%s/releases/%d/assets" % (api, rid),
        "upload_url": "%s/repos/%s/%s/releases/%d/assets{?name,label}" % (
            U.uploads, repo["owner"], repo["name"], rid),
        "html_url": html, "id": rid, "author": simple_user(U, rel["author"]),
        "node_id": node_id("RE", rid), "tag_name": rel["tag_name"],
        "target_commitish": rel["target_commitish"], "name": rel["name"], "draft": rel["draft"],
        "immutable": False, "prerelease": rel["prerelease"], "created_at": rel["created_at"],
        "updated_at": rel["updated_at"], "published_at": rel["published_at"],
        "assets": [asset_json(U, repo, rel, a) for a in assets],
        "tarball_url": None if rel["draft"] else "%s/tarball/%s" % (api, qpath(rel["tag_name"])),
        "zipball_url": None if rel["draft"] else "%s/zipball/%s" % (api, qpath(rel["tag_name"])),
        "body": rel["body"],
    }


def error(message, status, errors=None, doc="https://docs.github.com/rest"):
    j = {"message": message, "documentation_url": doc, "status": str(status)}
    if errors is not None:
        j["errors"] = errors
    return j


def file_name(path):
    return os.path.basename(path)
