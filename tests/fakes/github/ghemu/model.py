"""Emulator state: seed loading, bulk generation, in-memory indexes and JSON persistence.

Everything persisted lives in Model.data (plain JSON types).  Indexes are rebuilt from it on load
and kept up to date by the mutating helpers here; callers hold Model.lock around any access.
"""

import base64
import hashlib
import json
import os
import re
import tempfile
import threading
import time
from datetime import datetime, timezone

DEFAULT_TOKEN = "ghp_relkitTEST0123456789SECRET"
GEN_PERIOD = 32


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def parse_iso(s):
    """RFC 3339 / ISO 8601 (date or date-time) -> epoch seconds; None if unparsable."""
    if not s:
        return None
    s = s.strip()
    try:
        if len(s) == 10:
            return datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()
        if s.endswith("Z"):
            s = s[:-1] + "+00:00"
        dt = datetime.fromisoformat(s)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.timestamp()
    except ValueError:
        return None


def norm_time(s, default=None):
    t = parse_iso(s) if isinstance(s, str) else None
    return iso(t) if t is not None else default


def fake_sha(*parts):
    return hashlib.sha1(":".join(str(p) for p in parts).encode()).hexdigest()


def gen_bytes(key, start, length):
    """Deterministic generated asset content: a 32-byte pattern from sha256(key), repeated."""
    pat = hashlib.sha256(key.encode()).digest()
    rot = start % GEN_PERIOD
    pat = pat[rot:] + pat[:rot]
    reps = length // GEN_PERIOD + 1
    return (pat * reps)[:length]


class SeedError(Exception):
    pass


class Model:
    def __init__(self, seed, state_path=None, blob_dir=None):
        self.lock = threading.RLock()
        self.seed = seed
        self.state_path = state_path
        if blob_dir is None:
            self.tmp_blob_dir = tempfile.mkdtemp(prefix="ghemu-blobs-")
            blob_dir = self.tmp_blob_dir
        else:
            self.tmp_blob_dir = None
            os.makedirs(blob_dir, exist_ok=True)
        self.blob_dir = blob_dir
        self.saves = 0
        if state_path and os.path.exists(state_path):
            with open(state_path) as f:
                self.data = json.load(f)
        else:
            self.data = build_state(seed)
        self.reindex()
        self.save()

    # ---- persistence -------------------------------------------------------------------
    def reset(self):
        with self.lock:
            for _, a in list(self.assets.values()):
                self.remove_blob(a)
            self.data = build_state(self.seed)
            self.reindex()
            self.save()

    def save(self):
        if not self.state_path:
            return
        with self.lock:
            text = json.dumps(self.data, separators=(",", ":"))
            tmp = "%s.tmp.%d" % (self.state_path, os.getpid())
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, self.state_path)
            self.saves += 1

    def new_id(self):
        self.data["next_id"] += 1
        return self.data["next_id"]

    # ---- indexes -----------------------------------------------------------------------
    def reindex(self):
        d = self.data
        self.tokens = {t["token"]: t for t in d["tokens"]}
        self.repos = {}
        self.repos_by_id = {}
        self.releases = {}
        self.assets = {}
        self.runs = {}
        self.repo_ix = {}
        self.rel_cache = {}
        self.page_cache = {}  # releases list pages: key -> (the release bytes joined, page, ETag)
        for repo in d["repos"]:
            key = (repo["owner"].lower(), repo["name"].lower())
            self.repos[key] = repo
            self.repos_by_id[repo["id"]] = repo
            self.reindex_repo(repo)

    def reindex_repo(self, repo):
        ix = {}
        self.repo_ix[repo["id"]] = ix
        for rel in repo["releases"]:
            self.releases[rel["id"]] = (repo, rel)
        for a in repo["assets"].values():
            self.assets[a["id"]] = (repo, a)
        self.sort_releases(repo)
        ix["workflows"] = {w["id"]: w for w in repo["workflows"]}
        runs = sorted(repo["runs"], key=lambda r: (r["created_at"], r["id"]), reverse=True)
        ix["runs_sorted"] = runs
        for r in runs:
            self.runs[r["id"]] = (repo, r)
        jobs = {}
        for j in repo["jobs"]:
            jobs.setdefault(j["run_id"], []).append(j)
        ix["jobs_by_run"] = jobs
        self.index_checks(repo)

    def touch(self, rel_id):
        """Forget the cached JSON of a release (call after changing it or its assets)."""
        self.rel_cache.pop(rel_id, None)

    def ix(self, repo):
        return self.repo_ix[repo["id"]]

    def sort_releases(self, repo):
        ordered = sorted(repo["releases"], key=lambda r: (r["created_at"], r["id"]), reverse=True)
        self.repo_ix[repo["id"]]["releases_sorted"] = ordered

    def index_checks(self, repo):
        ix = self.ix(repo)
        by_sha = {}
        for cr in repo["check_runs"]:
            by_sha.setdefault(cr["head_sha"], []).append(cr)
        if repo.get("jobs_as_check_runs", True):
            for run in repo["runs"]:
                for j in ix["jobs_by_run"].get(run["id"], []):
                    by_sha.setdefault(run["head_sha"], []).append(job_check_run(run, j))
        for lst in by_sha.values():
            lst.sort(key=lambda c: (c.get("started_at") or "", c["id"]), reverse=True)
        ix["checks_by_sha"] = by_sha
        st = {}
        for s in repo["statuses"]:
            st.setdefault(s["sha"], []).append(s)
        for lst in st.values():
            lst.sort(key=lambda s: (s["created_at"], s["id"]), reverse=True)
        ix["statuses_by_sha"] = st

    # ---- lookups -----------------------------------------------------------------------
    def repo(self, owner, name):
        return self.repos.get((owner.lower(), name.lower()))

    def resolve(self, repo, ref):
        """commit-ish (sha, short sha, branch, tag, heads/x, refs/...) -> commit sha or None"""
        if not ref:
            return None
        commits = repo["commits"]
        if ref in commits:
            return ref
        refs = repo["refs"]
        for cand in (ref, "refs/" + ref, "refs/heads/" + ref, "refs/tags/" + ref):
            if cand in refs:
                return self.peel(repo, refs[cand])
        if re.fullmatch(r"[0-9a-f]{4,39}", ref):
            hits = [s for s in commits if s.startswith(ref)]
            if len(hits) == 1:
                return hits[0]
        return None

    def peel(self, repo, sha):
        seen = 0
        while sha in repo["tag_objects"] and seen < 10:
            sha = repo["tag_objects"][sha]["object"]["sha"]
            seen += 1
        return sha if sha in repo["commits"] else None

    def object_type(self, repo, sha):
        if sha in repo["tag_objects"]:
            return "tag"
        if sha in repo["commits"]:
            return "commit"
        return None

    def first_parents(self, repo, sha):
        commits = repo["commits"]
        seen = set()
        while sha and sha in commits and sha not in seen:
            seen.add(sha)
            c = commits[sha]
            yield c
            sha = c["parents"][0] if c["parents"] else None

    def is_ancestor(self, repo, anc, desc):
        commits = repo["commits"]
        todo, seen = [desc], set()
        while todo:
            s = todo.pop()
            if s == anc:
                return True
            if s in seen or s not in commits:
                continue
            seen.add(s)
            todo.extend(commits[s]["parents"])
        return False

    def branch_of(self, repo, sha):
        for name, head in repo["refs"].items():
            if name.startswith("refs/heads/") and head == sha:
                return name[len("refs/heads/"):]
        return None

    # ---- releases ----------------------------------------------------------------------
    def releases_sorted(self, repo):
        return self.ix(repo)["releases_sorted"]

    def release_assets(self, repo, rel):
        return [repo["assets"][str(i)] for i in rel["assets"]]

    def published_with_tag(self, repo, tag, exclude=None):
        for rel in self.releases_sorted(repo):
            if rel["tag_name"] == tag and not rel["draft"] and rel["id"] != exclude:
                return rel
        return None

    def latest_release(self, repo):
        rid = repo.get("latest_release_id")
        if rid in self.releases:
            rel = self.releases[rid][1]
            if not rel["draft"] and not rel["prerelease"]:
                return rel
        for rel in self.releases_sorted(repo):
            if not rel["draft"] and not rel["prerelease"] and rel.get("make_latest") != "false":
                return rel
        return None

    def add_release(self, repo, rel):
        repo["releases"].append(rel)
        self.releases[rel["id"]] = (repo, rel)
        order = self.releases_sorted(repo)
        if not order or (rel["created_at"], rel["id"]) >= (order[0]["created_at"], order[0]["id"]):
            order.insert(0, rel)
        else:
            self.sort_releases(repo)

    def delete_release(self, repo, rel):
        self.touch(rel["id"])
        for aid in list(rel["assets"]):
            self.delete_asset(repo, repo["assets"][str(aid)])
        repo["releases"].remove(rel)
        self.releases.pop(rel["id"], None)
        self.releases_sorted(repo).remove(rel)
        if repo.get("latest_release_id") == rel["id"]:
            repo["latest_release_id"] = None

    def add_asset(self, repo, rel, asset):
        self.touch(rel["id"])
        repo["assets"][str(asset["id"])] = asset
        rel["assets"].append(asset["id"])
        self.assets[asset["id"]] = (repo, asset)

    def delete_asset(self, repo, asset):
        self.touch(asset["release_id"])
        rel = self.releases[asset["release_id"]][1]
        if asset["id"] in rel["assets"]:
            rel["assets"].remove(asset["id"])
        repo["assets"].pop(str(asset["id"]), None)
        self.assets.pop(asset["id"], None)
        self.remove_blob(asset)

    def blob_path(self, asset):
        return os.path.join(self.blob_dir, "asset-%d.bin" % asset["id"])

    def remove_blob(self, asset):
        if asset.get("source", {}).get("kind") == "blob":
            try:
                os.unlink(self.blob_path(asset))
            except OSError:
                pass

    def asset_reader(self, asset):
        """-> function(start, length) -> iterator of byte chunks"""
        src = asset.get("source") or {"kind": "gen", "key": str(asset["id"])}
        kind = src["kind"]
        if kind == "inline":
            raw = base64.b64decode(src["b64"])
            return lambda start, n: iter([raw[start:start + n]])
        if kind == "gen":
            key = src["key"]

            def gen(start, n):
                while n > 0:
                    k = min(n, 1 << 20)
                    yield gen_bytes(key, start, k)
                    start += k
                    n -= k
            return gen
        path = self.blob_path(asset)

        def blob(start, n):
            with open(path, "rb") as f:
                f.seek(start)
                while n > 0:
                    b = f.read(min(n, 1 << 20))
                    if not b:
                        break
                    n -= len(b)
                    yield b
        return blob


def job_check_run(run, job):
    """GitHub Actions jobs are also check runs (same id) of the run's check suite."""
    return {
        "id": job["id"], "head_sha": run["head_sha"], "name": job["name"],
        "status": job["status"], "conclusion": job["conclusion"],
        "started_at": job["started_at"], "completed_at": job["completed_at"],
        "app": "github-actions", "check_suite_id": run["check_suite_id"],
        "details_url": job.get("html_url"), "html_url": job.get("html_url"),
        "run_attempt": job["run_attempt"], "from_job": True,
    }


# ======================================================================================
# seed -> state
# ======================================================================================

APPS = {
    "github-actions": {"id": 15368, "name": "GitHub Actions"},
}


def build_state(seed):
    st = {"version": 1, "next_id": int(seed.get("first_id", 1000000)), "repos": []}
    toks = seed.get("tokens")
    if toks is None:
        toks = [DEFAULT_TOKEN]
    st["tokens"] = []
    for i, t in enumerate(toks):
        if isinstance(t, str):
            t = {"token": t}
        t = dict(t)
        t.setdefault("login", "relkit-bot")
        t.setdefault("id", 41898282 + i)
        t.setdefault("push", True)
        st["tokens"].append(t)
    st["rate_limit"] = {"authenticated": 5000, "unauthenticated": 60}
    st["rate_limit"].update(seed.get("rate_limit", {}))
    b = _Builder(st)
    for i, r in enumerate(seed.get("repositories", [])):
        b.repo(r, i)
    return st


class _Builder:
    def __init__(self, st):
        self.st = st
        self.used = set()

    def nid(self, want=None):
        if want is not None:
            want = int(want)
            if want in self.used:
                raise SeedError("duplicate id %d" % want)
            self.used.add(want)
            self.st["next_id"] = max(self.st["next_id"], want)
            return want
        self.st["next_id"] += 1
        while self.st["next_id"] in self.used:
            self.st["next_id"] += 1
        self.used.add(self.st["next_id"])
        return self.st["next_id"]

    def repo(self, r, index):
        owner, name = r.get("owner"), r.get("name")
        if "full_name" in r:
            owner, name = r["full_name"].split("/", 1)
        if not owner or not name:
            raise SeedError("repository needs owner and name")
        repo = {
            "id": self.nid(r.get("id")), "owner": owner, "name": name,
            "owner_id": int(r.get("owner_id", 100000 + index)),
            "owner_type": r.get("owner_type", "Organization"),
            "private": bool(r.get("private", False)),
            "description": r.get("description", "relkit emulator repository"),
            "default_branch": r.get("default_branch", "main"),
            "created_at": norm_time(r.get("created_at"), "2020-01-01T00:00:00Z"),
            "commits": {}, "refs": {}, "protection": {}, "rulesets": [], "tag_objects": {},
            "check_runs": [], "statuses": [], "workflows": [], "runs": [], "jobs": [],
            "releases": [], "assets": {}, "latest_release_id": None,
            "jobs_as_check_runs": bool(r.get("jobs_as_check_runs", True)),
        }
        self.st["repos"].append(repo)
        full = owner + "/" + name
        self.commits(repo, r.get("commits", []), full)
        gen = r.get("generate", {})
        if gen.get("commits"):
            self.gen_commits(repo, gen, full)
        self.branches(repo, r.get("branches"))
        for rs in r.get("rulesets", []):
            self.ruleset(repo, rs)
        self.tags(repo, r.get("tags", []))
        self.checks(repo, r.get("check_runs", []))
        self.statuses(repo, r.get("statuses", []))
        for w in r.get("workflows", []):
            self.workflow(repo, w)
        for run in r.get("runs", []):
            self.run(repo, self.find_workflow(repo, run.get("workflow_id", run.get("workflow"))), run)
        if gen.get("workflow_runs"):
            self.gen_runs(repo, gen["workflow_runs"])
        for rel in r.get("releases", []):
            self.release(repo, rel)
        if gen.get("releases"):
            self.gen_releases(repo, gen)
        if "latest_release" in r:
            repo["latest_release_id"] = self.release_by_tag(repo, r["latest_release"])

    # ---- git -------------------------------------------------------------------------
    def commits(self, repo, commits, full):
        prev = None
        for i, c in enumerate(commits):
            sha = c.get("sha") or fake_sha(full, "commit", i, c.get("message", ""))
            parents = c.get("parents")
            if parents is None:
                parents = [prev] if prev else []
            self.add_commit(repo, sha, parents, c.get("message", "commit %d" % i),
                            c.get("date") or c.get("author", {}).get("date"), c.get("author"),
                            c.get("committer"))
            prev = sha
        repo["_last"] = prev

    def add_commit(self, repo, sha, parents, message, date, author=None, committer=None):
        if not re.fullmatch(r"[0-9a-f]{40}", sha):
            raise SeedError("commit sha must be 40 lowercase hex digits: %r" % sha)
        date = norm_time(date, "2024-01-01T00:00:00Z")
        a = {"name": "Relkit Dev", "email": "dev@relkit.invalid", "date": date}
        a.update(author or {})
        a["date"] = norm_time(a.get("date"), date)
        cm = dict(a)
        cm.update(committer or {})
        cm["date"] = norm_time(cm.get("date"), a["date"])
        repo["commits"][sha] = {"sha": sha, "parents": list(parents), "message": message,
                                "author": a, "committer": cm, "tree": fake_sha("tree", sha)}

    def gen_commits(self, repo, gen, full):
        n = int(gen["commits"])
        t0 = parse_iso(gen.get("commit_start", "2024-01-01T00:00:00Z"))
        step = int(gen.get("commit_interval_s", 3600))
        prev = repo.get("_last")
        if prev:
            t0 = max(t0, parse_iso(repo["commits"][prev]["committer"]["date"]) + step)
        for i in range(n):
            sha = fake_sha(full, "gen-commit", i)
            self.add_commit(repo, sha, [prev] if prev else [], "generated commit %d" % (i + 1),
                            iso(t0 + i * step))
            prev = sha
        repo["_last"] = prev

    def branches(self, repo, branches):
        last = repo.pop("_last", None)
        if branches is None:
            branches = {repo["default_branch"]: last} if last else {}
        for name, b in branches.items():
            if not isinstance(b, dict):
                b = {"sha": b}
            sha = b.get("sha") or last
            if sha not in repo["commits"]:
                raise SeedError("branch %s points at unknown commit %s" % (name, sha))
            repo["refs"]["refs/heads/" + name] = sha
            prot = b.get("protection")
            if prot is not None:
                rsc = prot.get("required_status_checks")
                p = {}
                if rsc is not None:
                    if isinstance(rsc, list):
                        rsc = {"contexts": rsc}
                    checks = rsc.get("checks") or [{"context": c, "app_id": None}
                                                    for c in rsc.get("contexts", [])]
                    p["required_status_checks"] = {
                        "strict": bool(rsc.get("strict", False)),
                        "contexts": rsc.get("contexts") or [c["context"] for c in checks],
                        "checks": checks}
                repo["protection"][name] = p
            for rs in b.get("rulesets", []):
                rs = dict(rs)
                rs.setdefault("conditions", {"ref_name": {"include": ["refs/heads/" + name],
                                                          "exclude": []}})
                self.ruleset(repo, rs)

    def ruleset(self, repo, rs):
        rules = list(rs.get("rules", []))
        if "required_status_checks" in rs:
            checks = [c if isinstance(c, dict) else {"context": c}
                      for c in rs["required_status_checks"]]
            rules.append({"type": "required_status_checks", "parameters": {
                "required_status_checks": checks,
                "strict_required_status_checks_policy": bool(rs.get("strict", False))}})
        repo["rulesets"].append({
            "id": self.nid(rs.get("id")), "name": rs.get("name", "ruleset"),
            "enforcement": rs.get("enforcement", "active"),
            "target": rs.get("target", "branch"),
            "conditions": rs.get("conditions", {"ref_name": {"include": ["~DEFAULT_BRANCH"],
                                                             "exclude": []}}),
            "rules": rules})

    def tags(self, repo, tags):
        if isinstance(tags, dict):
            tags = [{"name": k, "sha": v} for k, v in tags.items()]
        for t in tags:
            sha = t.get("sha") or t.get("commit")
            if sha not in repo["commits"]:
                sha = repo["refs"].get("refs/heads/" + str(sha)) or sha
            if sha not in repo["commits"]:
                raise SeedError("tag %s points at unknown commit %s" % (t["name"], sha))
            target = sha
            if t.get("message") is not None:
                target = add_tag_object(repo, t["name"], t["message"], sha, "commit",
                                        t.get("tagger"), t.get("date"))
            repo["refs"]["refs/tags/" + t["name"]] = target

    def resolve_sha(self, repo, ref):
        if ref in repo["commits"]:
            return ref
        for cand in ("refs/heads/" + str(ref), "refs/tags/" + str(ref)):
            if cand in repo["refs"]:
                return repo["refs"][cand]
        raise SeedError("unknown commit %r" % (ref,))

    # ---- checks and statuses ---------------------------------------------------------
    def checks(self, repo, runs):
        if isinstance(runs, dict):
            runs = [dict(c, head_sha=sha) for sha, lst in runs.items() for c in lst]
        for c in runs:
            sha = self.resolve_sha(repo, c.get("head_sha") or c.get("sha"))
            status = c.get("status", "completed")
            app = c.get("app", "github-actions")
            if isinstance(app, dict):
                app = app.get("slug", "github-actions")
            suite = c.get("check_suite", {})
            suite_id = suite.get("id") if isinstance(suite, dict) else suite
            repo["check_runs"].append({
                "id": self.nid(c.get("id")), "head_sha": sha, "name": c["name"], "status": status,
                "conclusion": c.get("conclusion", "success" if status == "completed" else None),
                "started_at": norm_time(c.get("started_at"), repo["commits"][sha]["committer"]["date"]),
                "completed_at": norm_time(c.get("completed_at")) if status == "completed" else None,
                "app": app, "check_suite_id": int(suite_id) if suite_id else self.nid(),
                "details_url": c.get("details_url"), "html_url": c.get("html_url"),
            })
            if status == "completed" and not repo["check_runs"][-1]["completed_at"]:
                repo["check_runs"][-1]["completed_at"] = repo["check_runs"][-1]["started_at"]

    def statuses(self, repo, sts):
        if isinstance(sts, dict):
            sts = [dict(s, sha=sha) for sha, lst in sts.items() for s in lst]
        for s in sts:
            sha = self.resolve_sha(repo, s["sha"])
            t = norm_time(s.get("created_at"), repo["commits"][sha]["committer"]["date"])
            repo["statuses"].append({
                "id": self.nid(s.get("id")), "sha": sha, "state": s.get("state", "success"),
                "context": s.get("context", "default"), "description": s.get("description"),
                "target_url": s.get("target_url"), "created_at": t,
                "updated_at": norm_time(s.get("updated_at"), t)})

    # ---- actions ---------------------------------------------------------------------
    def workflow(self, repo, w):
        path = w.get("path") or ".github/workflows/%s" % w.get("file", "ci.yml")
        wf = {"id": self.nid(w.get("id")), "name": w.get("name", os.path.basename(path)),
              "path": path, "state": w.get("state", "active"),
              "created_at": norm_time(w.get("created_at"), repo["created_at"]),
              "updated_at": norm_time(w.get("updated_at"), repo["created_at"]), "next_run": 1}
        repo["workflows"].append(wf)
        for run in w.get("runs", []):
            self.run(repo, wf, run)
        return wf

    def find_workflow(self, repo, key):
        for w in repo["workflows"]:
            if key in (w["id"], w["name"], w["path"], os.path.basename(w["path"])):
                return w
        if key is None and repo["workflows"]:
            return repo["workflows"][0]
        return self.workflow(repo, {"path": ".github/workflows/%s" % (key or "ci.yml"),
                                    "name": "CI"})

    def run(self, repo, wf, r):
        sha = self.resolve_sha(repo, r.get("head_sha") or r.get("sha"))
        created = norm_time(r.get("created_at"), repo["commits"][sha]["committer"]["date"])
        attempts = sorted(r.get("attempts", []), key=lambda a: a.get("run_attempt", 1))
        n_attempt = int(r.get("run_attempt", max([a.get("run_attempt", 1) for a in attempts] + [1])))
        status = r.get("status", "completed")
        run = {
            "id": self.nid(r.get("id")), "workflow_id": wf["id"], "name": r.get("name", wf["name"]),
            "run_number": int(r.get("run_number", wf["next_run"])), "run_attempt": n_attempt,
            "head_sha": sha, "head_branch": r.get("head_branch", repo["default_branch"]),
            "event": r.get("event", "push"), "status": status,
            "conclusion": r.get("conclusion", "success" if status == "completed" else None),
            "created_at": created, "updated_at": norm_time(r.get("updated_at"), created),
            "run_started_at": norm_time(r.get("run_started_at"), created),
            "html_url": r.get("html_url"), "display_title": r.get("display_title"),
            "check_suite_id": self.nid(), "path": wf["path"], "attempts": {},
        }
        wf["next_run"] = max(wf["next_run"], run["run_number"] + 1)
        repo["runs"].append(run)
        for a in attempts:
            k = int(a.get("run_attempt", 1))
            if k >= n_attempt:
                continue
            run["attempts"][str(k)] = {
                "status": a.get("status", "completed"), "conclusion": a.get("conclusion", "failure"),
                "run_started_at": norm_time(a.get("run_started_at") or a.get("created_at"), created)}
            for j in a.get("jobs", []):
                self.job(repo, run, j, k)
        for j in r.get("jobs", []):
            self.job(repo, run, j, int(j.get("run_attempt", n_attempt)))
        return run

    def job(self, repo, run, j, attempt):
        status = j.get("status", "completed")
        start = norm_time(j.get("started_at"), run["run_started_at"])
        repo["jobs"].append({
            "id": self.nid(j.get("id")), "run_id": run["id"], "run_attempt": attempt,
            "name": j["name"], "status": status,
            "conclusion": j.get("conclusion", "success" if status == "completed" else None),
            "created_at": norm_time(j.get("created_at"), start), "started_at": start,
            "completed_at": norm_time(j.get("completed_at"), start) if status == "completed" else None,
            "html_url": j.get("html_url"), "labels": j.get("labels", ["ubuntu-latest"]),
            "steps": j.get("steps", []), "runner_name": j.get("runner_name"),
        })

    def gen_runs(self, repo, g):
        wf = self.find_workflow(repo, g.get("workflow", "ci.yml"))
        branch = g.get("branch", repo["default_branch"])
        head = repo["refs"].get("refs/heads/" + branch)
        shas = []
        while head and head in repo["commits"]:
            shas.append(head)
            p = repo["commits"][head]["parents"]
            head = p[0] if p else None
        limit = g.get("commits_with_runs")
        if limit:
            shas = shas[:int(limit)]
        shas.reverse()
        jobs = g.get("jobs", ["build", "test"])
        fail_every = int(g.get("fail_every", 0))
        in_prog = int(g.get("latest_in_progress", 0))
        for i, sha in enumerate(shas):
            t = parse_iso(repo["commits"][sha]["committer"]["date"]) + 60
            fails = fail_every and (i + 1) % fail_every == 0
            running = i >= len(shas) - in_prog
            js = []
            for k, name in enumerate(jobs):
                c = "failure" if fails and k == len(jobs) - 1 else "success"
                js.append({"name": name, "status": "in_progress" if running else "completed",
                           "conclusion": None if running else c, "started_at": iso(t + 10 * k),
                           "completed_at": None if running else iso(t + 10 * k + 300)})
            self.run(repo, wf, {"head_sha": sha, "head_branch": branch,
                                "event": g.get("event", "push"), "created_at": iso(t),
                                "status": "in_progress" if running else "completed",
                                "conclusion": None if running else ("failure" if fails else "success"),
                                "jobs": js})

    # ---- releases --------------------------------------------------------------------
    def release(self, repo, r):
        draft = bool(r.get("draft", False))
        created = norm_time(r.get("created_at"), "2024-01-01T00:00:00Z")
        rel = {
            "id": self.nid(r.get("id")), "tag_name": r["tag_name"],
            "target_commitish": r.get("target_commitish", repo["default_branch"]),
            "name": r.get("name", r["tag_name"]), "body": r.get("body", ""), "draft": draft,
            "prerelease": bool(r.get("prerelease", False)), "created_at": created,
            "published_at": None if draft else norm_time(r.get("published_at"), created),
            "updated_at": norm_time(r.get("updated_at"), created),
            "author": r.get("author", "relkit-bot"), "make_latest": r.get("make_latest", "true"),
            "assets": [],
        }
        if not draft and "refs/tags/" + rel["tag_name"] not in repo["refs"]:
            repo["refs"]["refs/tags/" + rel["tag_name"]] = self.resolve_sha(repo, rel["target_commitish"])
        repo["releases"].append(rel)
        for a in r.get("assets", []):
            self.asset(repo, rel, a)
        return rel

    def release_by_tag(self, repo, tag):
        for rel in repo["releases"]:
            if rel["tag_name"] == tag:
                return rel["id"]
        raise SeedError("latest_release: no release %s" % tag)

    def asset(self, repo, rel, a):
        aid = self.nid(a.get("id"))
        if "content" in a or "content_b64" in a:
            raw = a["content"].encode() if "content" in a else base64.b64decode(a["content_b64"])
            src = {"kind": "inline", "b64": base64.b64encode(raw).decode()}
            size = len(raw)
        else:
            size = int(a.get("size", 0))
            src = {"kind": "gen", "key": a.get("key", "%s/%s/%s" % (repo["id"], rel["tag_name"], a["name"]))}
            raw = None
        digest = a.get("digest")
        if digest in ("auto", True):
            digest = "sha256:" + (hashlib.sha256(raw).hexdigest() if raw is not None
                                  else hashlib.sha256(gen_bytes(src["key"], 0, size)).hexdigest())
        created = norm_time(a.get("created_at"), rel["created_at"])
        asset = {"id": aid, "release_id": rel["id"], "name": a["name"], "label": a.get("label"),
                 "content_type": a.get("content_type", "application/octet-stream"), "size": size,
                 "digest": digest, "state": a.get("state", "uploaded"),
                 "download_count": int(a.get("download_count", 0)), "created_at": created,
                 "updated_at": norm_time(a.get("updated_at"), created),
                 "uploader": a.get("uploader", "relkit-bot"), "source": src}
        repo["assets"][str(aid)] = asset
        rel["assets"].append(aid)

    def gen_releases(self, repo, g):
        n = int(g["releases"])
        per = int(g.get("assets_per_release", 0))
        size = int(g.get("asset_size", 16))
        t0 = parse_iso(g.get("release_start", "2023-01-01T00:00:00Z"))
        step = int(g.get("release_interval_s", 3600))
        tag_fmt = g.get("release_tag", "gen-{n:05d}")
        name_fmt = g.get("asset_name", "asset-{m:03d}.bin")
        pre_every = int(g.get("prerelease_every", 0))
        draft_every = int(g.get("draft_every", 0))
        head = repo["refs"].get("refs/heads/" + repo["default_branch"])
        per_day = {}
        for i in range(1, n + 1):
            t = t0 + (i - 1) * step
            date = time.strftime("%Y%m%d", time.gmtime(t))
            per_day[date] = per_day.get(date, 0) + 1
            tag = tag_fmt.format(n=i, date=date, k=per_day[date])
            draft = bool(draft_every and i % draft_every == 0)
            rel = {"id": self.nid(), "tag_name": tag, "target_commitish": repo["default_branch"],
                   "name": tag, "body": "", "draft": draft,
                   "prerelease": bool(pre_every and i % pre_every == 0), "created_at": iso(t),
                   "published_at": None if draft else iso(t), "updated_at": iso(t),
                   "author": "relkit-bot", "make_latest": "true", "assets": []}
            if not draft and head:
                repo["refs"]["refs/tags/" + tag] = head
            repo["releases"].append(rel)
            for m in range(1, per + 1):
                aid = self.nid()
                repo["assets"][str(aid)] = {
                    "id": aid, "release_id": rel["id"], "name": name_fmt.format(n=i, m=m, tag=tag),
                    "label": None, "content_type": "application/octet-stream", "size": size,
                    "digest": None, "state": "uploaded", "download_count": 0,
                    "created_at": iso(t), "updated_at": iso(t), "uploader": "relkit-bot",
                    "source": {"kind": "gen", "key": "%d" % aid}}
                rel["assets"].append(aid)


def add_tag_object(repo, tag, message, obj_sha, obj_type, tagger=None, date=None):
    tg = {"name": "Relkit Bot", "email": "bot@relkit.invalid"}
    tg.update(tagger or {})
    tg["date"] = norm_time(tg.get("date") or date, now_iso())
    sha = fake_sha("tag", tag, message, obj_sha, tg["date"])
    repo["tag_objects"][sha] = {"sha": sha, "tag": tag, "message": message, "tagger": tg,
                                "object": {"sha": obj_sha, "type": obj_type}}
    return sha
