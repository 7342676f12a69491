"""The mutating scenarios the fault matrix and the crash runs exercise.

A scenario is one command of one tool against a backend ("github": the emulator with
seed.py's repository, reset before every trial; "registry": two registry peers behind
regproxy.RegProxy, each trial writing to its own destination repositories). It knows how to
build its command for a trial, how to read the final state it is judged on (normalised so that
two runs that did the same thing compare equal), and which local leftovers are wrong.

    s.prepare(ctx, trial) -> argv        (trial.dir, trial.tmp, trial.cwd exist; TMPDIR=trial.tmp)
    s.state(ctx, trial)   -> JSON-able   the normalised final state
    s.diff(clean, got)    -> [str]       differences (empty: the same)
    s.leftovers(ctx, trial) -> [str]     temporary or partial files where they must not be
"""
import hashlib
import json
import os
import subprocess
import sys

import emu as E
import regstate as RS

REPO = "relkit-test/fm"
HERE = os.path.dirname(os.path.abspath(__file__))


def commit(i):
    return hashlib.sha1(("relkit-fm-commit-%d" % i).encode()).hexdigest()


def pattern_file(path, size, key):
    block = b"".join(hashlib.sha256(("%s:%d" % (key, i)).encode()).digest() for i in range(256))
    data = (block * (size // len(block) + 1))[:size]
    with open(path, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest()


def tree_digest(root):
    """{relative path: sha256} of every file under root ({} when root does not exist)."""
    out = {}
    for d, _dirs, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def temp_like(name):
    return (name.startswith(".") or ".tmp-" in name or name.endswith(".part")
            or name.startswith(("index-gen.", "gh-release.", "gh-release-copy.", ".relkit-blob-")))


def temp_files(root):
    out = []
    for d, dirs, files in os.walk(root):
        for f in files + dirs:
            if temp_like(f):
                out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)


def dir_entries(root):
    try:
        return sorted(os.listdir(root))
    except OSError:
        return []


class Scenario:
    backend = "github"
    name = tool = command = ""
    max_errors = 1  # error lines a failed run may print (a batch: one per failed item)
    ci_routes = 1  # mutating routes the CI subset covers (the first ones used)
    late_ms = [0]  # crash: kills this long after the last request was answered (local writes)

    def setup_session(self, ctx):
        pass

    def prepare(self, ctx, trial):
        raise NotImplementedError

    def state(self, ctx, trial):
        return E.norm_github(ctx.emu.state(), REPO)

    def diff(self, clean, got):
        return E.diff_github(clean, got)

    def leftovers(self, ctx, trial):
        out = ["TMPDIR: " + n for n in dir_entries(trial.tmp)]
        out += ["cwd: " + n for n in dir_entries(trial.cwd)]
        return out


# ---- GitHub ---------------------------------------------------------------------------------

class MctCreate(Scenario):
    tool, name = "mk-candidate-tag", "mct-create"
    command = "create candidate-{date}.{n} --reuse"

    def prepare(self, ctx, trial):
        return ["mk-candidate-tag", "--repo", REPO, "--sha", commit(4), "--date", "20240601",
                "--base-version", "2.0.0", "--reuse"]


class MctAnnotated(MctCreate):
    name = "mct-annotated"
    command = "create annotated --message --reuse"

    def prepare(self, ctx, trial):
        return super().prepare(ctx, trial) + ["--message", "fm candidate"]


class GhrCreate(Scenario):
    tool, name = "gh-release", "ghr-create"
    command = "create --target --draft --prerelease"
    ci_routes = 2  # POST git/refs, POST releases

    def prepare(self, ctx, trial):
        return ["gh-release", "create", "cand-9", "--target", commit(3), "--draft",
                "--prerelease", "--name", "Candidate 9", "--notes", "nightly candidate"]


class GhrCreatePublished(Scenario):
    tool, name = "gh-release", "ghr-create-pub"
    command = "create --target (published)"
    ci_routes = 2

    def prepare(self, ctx, trial):
        return ["gh-release", "create", "rel-9", "--target", commit(2), "--notes", "published"]


class GhrUpload(Scenario):
    tool, name = "gh-release", "ghr-upload"
    command = "upload -j 2 (4 files)"
    FILES = [("fm-a.bin", 60000), ("fm-b.bin", 120000), ("fm-c.whl", 180000),
             ("fm-big.tar.gz", 500000)]

    def setup_session(self, ctx):
        d = os.path.join(ctx.work, "upload-files")
        os.makedirs(d, exist_ok=True)
        self.paths, self.sums = [], {}
        for n, size in self.FILES:
            p = os.path.join(d, n)
            self.sums[p] = pattern_file(p, size, n)
            self.paths.append(p)

    def prepare(self, ctx, trial):
        return ["gh-release", "upload", "--tag", "cand-1", "-j", "2"] + self.paths

    def leftovers(self, ctx, trial):
        out = super().leftovers(ctx, trial)
        for p, s in self.sums.items():
            with open(p, "rb") as f:
                if hashlib.sha256(f.read()).hexdigest() != s:
                    out.append("input %s modified" % os.path.basename(p))
        return out


class GhrPublish(Scenario):
    tool, name = "gh-release", "ghr-publish"
    command = "publish --expect (draft with assets)"

    def prepare(self, ctx, trial):
        return ["gh-release", "publish", "nightly-1", "--expect", "*.whl", "--expect", "*.tar.gz"]


class GhrPromote(Scenario):
    tool, name = "gh-release", "ghr-promote"
    command = "promote --copy 2 assets + 1 wheel"

    def setup_session(self, ctx):
        d = os.path.join(ctx.work, "promote-wheels")
        os.makedirs(d, exist_ok=True)
        w = subprocess.run([sys.executable, os.path.join(ctx.src, "tests/data/wheels/make_wheel.py"),
                            d, "--name", "fm-pkg", "--version", "2.0.0"],
                           check=True, capture_output=True, text=True).stdout.strip()
        self.wheels = os.path.join(ctx.work, "retagged.json")
        with open(self.wheels, "w") as f:
            json.dump({"wheels": [{"output": w, "filename": os.path.basename(w)}]}, f)

    def prepare(self, ctx, trial):
        return ["gh-release", "promote", "fm-2.0.0rc20240601", "--copy", "fm-dist-*",
                "--notes", "stable release", "--wheels", self.wheels, "-j", "2"]


class GhrPrune(Scenario):
    tool, name = "gh-release", "ghr-prune"
    command = "prune --keep 1 --cleanup-tag"

    def prepare(self, ctx, trial):
        return ["gh-release", "prune", "--older-than", "30d", "--tag-regex", "^old-", "--keep", "1",
                "--cleanup-tag", "--yes"]


class IdxGithub(Scenario):
    tool, name = "index-gen", "idx-github"
    command = "--repo into a dir (+cache, --hash-missing)"
    late_ms = [0, 1, 2, 4, 8, 16]  # it writes pages, sidecars and its cache after the last request

    def prepare(self, ctx, trial):
        trial.out = os.path.join(trial.dir, "index")
        trial.cache = os.path.join(trial.dir, "cache")
        return ["index-gen", "--repo", REPO, "--output", trial.out, "--cache-dir", trial.cache,
                "--hash-missing"]

    def state(self, ctx, trial):
        return {"index": tree_digest(trial.out)}

    def diff(self, clean, got):
        c, g = clean["index"], got["index"]
        out = ["index: %s missing" % n for n in sorted(set(c) - set(g))]
        out += ["index: extra %s" % n for n in sorted(set(g) - set(c))]
        out += ["index: %s differs" % n for n in sorted(set(c) & set(g)) if c[n] != g[n]]
        return out

    def leftovers(self, ctx, trial):
        out = super().leftovers(ctx, trial)
        out += ["index: " + n for n in temp_files(trial.out)]
        out += ["cache: " + n for n in temp_files(trial.cache)]
        return out

    def rerun_twice(self):
        return True


# ---- registry -------------------------------------------------------------------------------

class GhcrWithin(Scenario):
    backend = "registry"
    tool, name = "ghcr-promote", "ghcr-within"
    command = "--images: 2 images, one registry (mounts)"
    IMAGES = [("src/multi:1.0", "multi"), ("src/app-docker:1.0", "app-docker")]
    max_errors = 2

    def dst(self, trial, label):
        return "dst/%s/%s" % (trial.key, label)

    def prepare(self, ctx, trial):
        p = ctx.p1.addr
        imgs = [{"src": "%s/%s" % (p, s), "dst": "%s/%s:1.0" % (p, self.dst(trial, label))}
                for s, label in self.IMAGES]
        path = os.path.join(trial.dir, "images.json")
        with open(path, "w") as f:
            json.dump({"images": imgs}, f)
        return ["ghcr-promote", "--images", path]

    def repos(self, trial):
        return {self.dst(trial, label): label for _s, label in self.IMAGES}

    def registry(self, ctx):
        return ctx.r1, ctx.storage1

    def state(self, ctx, trial):
        addr, _ = self.registry(ctx)
        return RS.regstate(addr, self.repos(trial))

    def diff(self, clean, got):
        return RS.diff_reg(clean, got)

    def sessions(self, ctx, trial):
        _, storage = self.registry(ctx)
        return sum(RS.upload_sessions(storage, r) for r in self.repos(trial))


class GhcrCross(GhcrWithin):
    name = "ghcr-cross"
    command = "copy across two registries (OCI index)"
    IMAGES = [("src/multi:1.0", "multi")]
    max_errors = 1

    def prepare(self, ctx, trial):
        return ["ghcr-promote", "%s/src/multi:1.0" % ctx.p1.addr,
                "%s/%s:1.0" % (ctx.p2.addr, self.dst(trial, "multi"))]

    def registry(self, ctx):
        return ctx.r2, ctx.storage2


ALL = [MctCreate(), MctAnnotated(), GhrCreate(), GhrCreatePublished(), GhrUpload(), GhrPublish(),
       GhrPromote(), GhrPrune(), IdxGithub(), GhcrWithin(), GhcrCross()]
BY_NAME = {s.name: s for s in ALL}
