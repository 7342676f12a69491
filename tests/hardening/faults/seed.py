#!/usr/bin/env python3
"""Write the GitHub emulator seed of the fault matrix and crash-consistency runs.

usage: seed.py OUT.json WORKDIR

One repository, relkit-test/fm, holding what every mutating scenario starts from (each trial
resets the emulator to this seed):

  c0..c4            linear history of main; v1.0.0 (annotated) at c1
  v1.0.0            stable release with a real wheel and an sdist (index-gen)
  fm-2.0.0rc20240601  published pre-release at c3: two dist tarballs (promote --copy), a wheel
                      (index-gen, metadata read by range requests) and its .metadata sidecar
  cand-1            empty draft pre-release at c3 (gh-release upload)
  nightly-1         draft pre-release at c3 with a wheel and a tarball (gh-release publish)
  old-1..old-4      published pre-releases of 2024 with tags (gh-release prune)

Wheels are made with tests/data/wheels/make_wheel.py (deterministic). Local files the
scenarios upload are written under WORKDIR/files by scenarios.py, not here.
"""
import base64
import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MAKE_WHEEL = os.path.join(SRC, "tests", "data", "wheels", "make_wheel.py")
TOKEN = "ghp_relkitTEST0123456789SECRET"
OWNER, NAME = "relkit-test", "fm"


def sha(i):
    return hashlib.sha1(("relkit-fm-commit-%d" % i).encode()).hexdigest()


COMMITS = [sha(i) for i in range(5)]


def wheel(workdir, name, version):
    out = subprocess.run([sys.executable, MAKE_WHEEL, workdir, "--name", name, "--version", version],
                         check=True, capture_output=True, text=True).stdout.strip()
    return out


def b64(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


def metadata_of(path):
    import zipfile
    z = zipfile.ZipFile(path)
    return [z.read(n) for n in z.namelist() if n.endswith(".dist-info/METADATA")][0]


def build(workdir):
    os.makedirs(workdir, exist_ok=True)
    w1 = wheel(workdir, "fm-pkg", "1.0.0")
    w2 = wheel(workdir, "fm-pkg", "2.0.0rc20240601")
    wn = wheel(workdir, "fm-pkg", "2.1.0.dev1")
    releases = [
        {"tag_name": "v1.0.0", "name": "Release v1.0.0", "target_commitish": COMMITS[1],
         "created_at": "2024-02-01T00:00:00Z", "published_at": "2024-02-01T00:00:00Z",
         "assets": [{"name": os.path.basename(w1), "content_b64": b64(w1), "digest": "auto"},
                    {"name": "fm-pkg-1.0.0.tar.gz", "size": 3000, "digest": "auto"}]},
        {"tag_name": "fm-2.0.0rc20240601", "name": "fm 2.0.0rc20240601",
         "target_commitish": COMMITS[3], "prerelease": True,
         "created_at": "2024-06-01T00:00:00Z", "published_at": "2024-06-01T00:00:00Z",
         "assets": [{"name": "fm-dist-2.0.0rc20240601-linux.tar.gz", "size": 300000,
                     "digest": "auto"},
                    {"name": "fm-dist-2.0.0rc20240601-macos.tar.gz", "size": 70000,
                     "digest": "auto"},
                    {"name": os.path.basename(w2), "content_b64": b64(w2)},
                    {"name": "fm-notes.txt", "content": "not copied\n", "digest": "auto"}]},
        {"tag_name": "cand-1", "name": "cand-1", "target_commitish": COMMITS[3], "draft": True,
         "prerelease": True, "created_at": "2024-06-02T00:00:00Z", "assets": []},
        {"tag_name": "nightly-1", "name": "nightly-1", "target_commitish": COMMITS[3],
         "draft": True, "prerelease": True, "created_at": "2024-06-03T00:00:00Z",
         "assets": [{"name": os.path.basename(wn), "content_b64": b64(wn), "digest": "auto"},
                    {"name": "fm-nightly.tar.gz", "size": 5000, "digest": "auto"}]},
    ]
    for i in range(1, 5):
        releases.append({"tag_name": "old-%d" % i, "name": "old-%d" % i,
                         "target_commitish": COMMITS[i % 4], "prerelease": True,
                         "created_at": "2024-0%d-15T00:00:00Z" % i,
                         "published_at": "2024-0%d-15T00:00:00Z" % i,
                         "assets": [{"name": "old-%d.bin" % i, "size": 100 * i, "digest": "auto"}]})
    repo = {
        "owner": OWNER, "name": NAME, "default_branch": "main",
        "created_at": "2024-01-01T00:00:00Z",
        "commits": [{"sha": c, "message": "commit %d" % i,
                     "date": "2024-0%d-01T00:00:00Z" % (i + 1)} for i, c in enumerate(COMMITS)],
        "branches": {"main": COMMITS[-1]},
        "tags": [{"name": "v1.0.0", "sha": COMMITS[1], "message": "Version 1.0.0",
                  "tagger": {"name": "Relkit Bot", "email": "bot@relkit.invalid",
                             "date": "2024-02-01T00:00:00Z"}}],
        "releases": releases,
        "latest_release": "v1.0.0",
    }
    return {"tokens": [{"token": TOKEN, "login": "relkit-bot", "push": True,
                        "rate_limit": 100000000}],
            "rate_limit": {"authenticated": 100000000, "unauthenticated": 100000000},
            "repositories": [repo]}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: seed.py OUT.json WORKDIR")
    seed = build(sys.argv[2])
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        json.dump(seed, f, indent=1)
    os.replace(tmp, sys.argv[1])


if __name__ == "__main__":
    main()
