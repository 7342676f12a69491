"""The GitHub emulator as the fault and crash drivers use it: start, control, route regexes,
and the normalised state a clean run and a faulted run are compared on.

    e = Emulator(src, seed_path, workdir)      # starts tests/fakes/github/emulator.py
    e.reset(); e.faults([...]); e.log(); e.state(); e.stop()

Only the control endpoints (/_emulator/...) are used; nothing of the emulator is changed.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

PY = os.environ.get("RELKIT_PYTHON", "/usr/bin/python3")


class Emulator:
    def __init__(self, src, seed, workdir, log_file=None):
        self.src = src
        ports = os.path.join(workdir, "emu.ports")
        if os.path.exists(ports):
            os.unlink(ports)
        args = [PY, os.path.join(src, "tests/fakes/github/emulator.py"), "--seed", seed,
                "--ports-file", ports]
        if log_file:
            args += ["--log", log_file]
        self.stderr = open(os.path.join(workdir, "emu.stderr"), "ab")
        self.proc = subprocess.Popen(args, stdout=self.stderr, stderr=self.stderr,
                                     stdin=subprocess.DEVNULL)
        end = time.time() + 20
        while time.time() < end:
            if os.path.exists(ports) and os.path.getsize(ports) > 0:
                break
            if self.proc.poll() is not None:
                raise RuntimeError("the emulator exited at startup (see %s/emu.stderr)" % workdir)
            time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError("the emulator did not start within 20 s")
        p = json.load(open(ports))
        self.api = "http://127.0.0.1:%d" % p["api"]
        self.uploads = "http://127.0.0.1:%d" % p["uploads"]
        self.downloads = "http://127.0.0.1:%d" % p["downloads"]

    def env(self):
        return {"GITHUB_API_URL": self.api, "GH_TOKEN": "ghp_relkitTEST0123456789SECRET",
                "GITHUB_TOKEN": None}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    # ---- control --------------------------------------------------------------------------
    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.api + "/_emulator" + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def reset(self):
        self._call("POST", "/reset")

    def faults(self, specs):
        self._call("POST", "/faults", specs)

    def fault_counters(self):
        return self._call("GET", "/faults")

    def log(self):
        return self._call("GET", "/log")

    def clear_log(self):
        self._call("POST", "/log/clear")

    def state(self):
        return self._call("GET", "/state")


# ---- routes -------------------------------------------------------------------------------

def _load_routes(src):
    """The emulator's own route table: [(method, path regex source, name)], in match order."""
    sys.path.insert(0, os.path.join(src, "tests/fakes/github"))
    try:
        from ghemu.routes import ROUTES  # noqa: read-only use of the emulator's table
    finally:
        sys.path.pop(0)
    out = []
    for meth, rx, _fn, name in ROUTES:
        body = re.sub(r"\(\?P<\w+>", "(?:", rx.pattern)
        out.append((meth, body[1:-1] if body.startswith("^") and body.endswith("$") else body, name))
    return out


# routes of the other listeners and the github.com role (not in ROUTES)
OTHER_ROUTES = {
    ("uploads", "POST /repos/{owner}/{repo}/releases/{release_id}/assets"):
        r"^POST /repos/[^/]+/[^/]+/releases/\d+/assets(\?.*)?$",
    ("downloads", "GET /github-production-release-asset/{repo_id}/{asset_id}"):
        r"^GET /github-production-release-asset/\d+/\d+(\?.*)?$",
    ("api", "GET /{owner}/{repo}/releases/download/{tag}/{name}"):
        r"^GET /[^/]+/[^/]+/releases/(latest/)?download/.+$",
}


class Routes:
    def __init__(self, src):
        self.table = _load_routes(src)

    def regex(self, listener, name):
        """A fault route regex matching exactly the requests the emulator names `name`."""
        if (listener, name) in OTHER_ROUTES:
            return OTHER_ROUTES[(listener, name)]
        method = name.split(" ", 1)[0]
        earlier = []
        for meth, body, nm in self.table:
            if meth != method:
                continue
            if nm == name:
                neg = "(?!(?:%s)(?:\\?|$))" % "|".join(earlier) if earlier else ""
                return "^%s %s%s(\\?.*)?$" % (method, neg, body)
            earlier.append(body)
        raise KeyError(name)


# ---- normalised state ---------------------------------------------------------------------

def norm_github(state, full="relkit-test/fm"):
    """What a clean run and a converged re-run must agree on: refs (annotated tags by their
    tag, message and object), releases (as a sorted list: duplicates stay visible) with their
    assets (name, label, state, size, digest, content type), and the latest release's tag.
    Ids, timestamps, node ids, download counts, uploaders and URLs legitimately differ."""
    owner, name = full.split("/")
    repo = [r for r in state["repos"] if r["owner"] == owner and r["name"] == name][0]
    tags = repo.get("tag_objects", {})
    refs = {}
    for ref, sha in repo["refs"].items():
        t = tags.get(sha)
        refs[ref] = ("tag %s %r -> %s" % (t["tag"], t["message"], t["object"]["sha"])) if t else sha
    rels = []
    for r in repo["releases"]:
        assets = []
        for aid in r["assets"]:
            a = repo["assets"][str(aid)]
            assets.append([a["name"], a.get("label"), a["state"], a["size"], a.get("digest"),
                           a.get("content_type")])
        rels.append({"tag": r["tag_name"], "name": r["name"], "body": r.get("body"),
                     "draft": r["draft"], "prerelease": r["prerelease"],
                     "target": r.get("target_commitish"), "assets": sorted(assets)})
    rels.sort(key=lambda x: json.dumps(x, sort_keys=True))
    latest = [r["tag_name"] for r in repo["releases"] if r["id"] == repo.get("latest_release_id")]
    return {"refs": refs, "releases": rels, "latest": latest[0] if latest else None}


def diff_github(clean, got):
    """Short human descriptions of how `got` differs from `clean` (empty: equal)."""
    out = []
    for ref in sorted(set(clean["refs"]) | set(got["refs"])):
        a, b = clean["refs"].get(ref), got["refs"].get(ref)
        if a != b:
            out.append("ref %s: %s, expected %s" % (ref, b or "missing", a or "absent"))
    by = {}
    for side, st in (("clean", clean), ("got", got)):
        for r in st["releases"]:
            by.setdefault(r["tag"], {"clean": [], "got": []})[side].append(r)
    for tag in sorted(by):
        c, g = by[tag]["clean"], by[tag]["got"]
        if len(c) != len(g):
            out.append("release %s: %d copies, expected %d" % (tag, len(g), len(c)))
            continue
        for rc, rg in zip(c, g):
            for k in ("name", "body", "draft", "prerelease", "target"):
                if rc[k] != rg[k]:
                    out.append("release %s: %s %r, expected %r" % (tag, k, rg[k], rc[k]))
            ca = {a[0]: a for a in rc["assets"]}
            names = [a[0] for a in rg["assets"]]
            for n in sorted(set(names)):
                if names.count(n) > 1:
                    out.append("release %s: asset %s %d times" % (tag, n, names.count(n)))
            ga = {a[0]: a for a in rg["assets"]}
            for n in sorted(set(ca) - set(ga)):
                out.append("release %s: asset %s missing" % (tag, n))
            for n in sorted(set(ga) - set(ca)):
                out.append("release %s: extra asset %s (%s)" % (tag, n, ga[n][2]))
            for n in sorted(set(ga) & set(ca)):
                if ga[n] != ca[n]:
                    out.append("release %s: asset %s is %s, expected %s" % (tag, n, ga[n][1:], ca[n][1:]))
    if clean["latest"] != got["latest"]:
        out.append("latest release %s, expected %s" % (got["latest"], clean["latest"]))
    return out
