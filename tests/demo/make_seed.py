#!/usr/bin/env python3
"""make_seed.py - the GitHub emulator seed of the relkit demo (tests/demo/demo.sh).

usage: make_seed.py OUT.json [--now ISO-TIME] [--registry HOST:PORT]

Two repositories, with dates relative to --now (default: the current time) so that the
six-month retention has something old to delete whatever day the demo runs:

relkit-demo/compiler   (IREE-like) 12 commits on main, the last ~4 days. Required for a
    candidate: workflow ci.yml (jobs build, test) and check run "lint".
      c12 (head)  ci in progress
      c11         ci failed (test)
      c10         ci green, lint failed
      c9          ci green (re-run: attempt 1 failed), lint green   <- the green commit
      c1..c8      ci green
    Releases: stable v3.0.0 (~300 days old) and v3.1.0 (latest, ~60 days), nightly
    pre-releases candidate-YYYYMMDD.1 published ~400, ~250, ~200, ~20 and ~3 days ago.

relkit-demo/tt-shield  (tt-inference-server's Models CI) workflow models-ci.yml: 6 runs
    (run ids 52729059622, 52729060622, ... 52729064622) of jobs "setup" and "test (MODEL)":
    llama-3-8b (newest run green), mistral-7b (failed in the two newest runs, green
    before), qwen-2.5-7b (green only in run 5, its image not pushed: "to build") and
    whisper (never green). Each run's image is tagged {VERSION}-{head sha}-{vllm sha7}-{run id}
    (images.json next to OUT.json lists the last good images, for the registry fixtures).
"""
import argparse
import datetime as dt
import hashlib
import json
import os
import sys

OWNER = "relkit-demo"
MODELS = ["llama-3-8b", "mistral-7b", "qwen-2.5-7b", "whisper"]
NOT_PUSHED = {"qwen-2.5-7b"}  # green, but its image is not in the registry: "to build"
VLLM7 = "1d799da"
TT_VERSION = "0.0.5"
IMAGE_REPO = "tt-shield/vllm-tt-metal-src-dev-ubuntu-22.04-amd64"


def sha(*parts):
    return hashlib.sha1(":".join(str(p) for p in parts).encode()).hexdigest()


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def job(name, conclusion, start, minutes=6):
    status = "in_progress" if conclusion is None else "completed"
    j = {"name": name, "status": status, "started_at": iso(start),
         "conclusion": conclusion}
    if conclusion is not None:
        j["completed_at"] = iso(start + dt.timedelta(minutes=minutes))
    return j


def compiler_repo(now):
    first = now - dt.timedelta(hours=4 * 24)
    commits, runs, checks = [], [], []
    msgs = ["Initial import", "Add runtime HAL", "Compiler: fold constants", "Bump LLVM",
            "Runtime: async queues", "Docs: release process", "Fix Windows build",
            "Add dist tarball", "Integrate LLVM at llvm/llvm-project@3ed07da",
            "Compiler: new tiling pass", "Runtime: flaky test fix", "WIP: scheduler rewrite"]
    for i, msg in enumerate(msgs, 1):
        t = first + dt.timedelta(hours=8 * (i - 1))
        commits.append({"sha": sha("compiler", i), "message": msg, "date": iso(t),
                        "author": {"name": "Dev %d" % i, "email": "dev%d@example.invalid" % i}})
    for i, c in enumerate(commits, 1):
        t = dt.datetime.strptime(c["date"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=dt.timezone.utc) + dt.timedelta(minutes=5)
        run = {"id": 7000 + i, "run_number": 100 + i, "head_sha": c["sha"],
               "head_branch": "main", "event": "push", "created_at": iso(t),
               "html_url": "https://github.invalid/%s/compiler/actions/runs/%d" % (OWNER, 7000 + i)}
        if i == 12:
            run.update(status="in_progress", conclusion=None,
                       jobs=[job("build", "success", t), job("test", None, t + dt.timedelta(minutes=8))])
        elif i == 11:
            run.update(status="completed", conclusion="failure",
                       jobs=[job("build", "success", t), job("test", "failure", t + dt.timedelta(minutes=8))])
        elif i == 9:
            run.update(status="completed", conclusion="success", run_attempt=2,
                       attempts=[{"run_attempt": 1, "conclusion": "failure",
                                  "jobs": [job("build", "success", t),
                                           job("test", "failure", t + dt.timedelta(minutes=8))]}],
                       jobs=[job("build", "success", t + dt.timedelta(minutes=30)),
                             job("test", "success", t + dt.timedelta(minutes=38))])
        else:
            run.update(status="completed", conclusion="success",
                       jobs=[job("build", "success", t), job("test", "success", t + dt.timedelta(minutes=8))])
        runs.append(run)
        if i <= 11:
            checks.append({"head_sha": c["sha"], "name": "lint", "status": "completed",
                           "conclusion": "failure" if i == 10 else "success",
                           "started_at": iso(t), "completed_at": iso(t + dt.timedelta(minutes=2)),
                           "app": "relkit-lint"})

    def release(tag, days, prerelease, target, assets, name=None, body=""):
        t = iso(now - dt.timedelta(days=days))
        return {"tag_name": tag, "name": name or tag, "body": body, "draft": False,
                "prerelease": prerelease, "target_commitish": target,
                "created_at": t, "published_at": t,
                "assets": [{"name": a, "content": "%s of %s (seeded)\n" % (a, tag),
                            "digest": "auto", "created_at": t} for a in assets]}

    releases = [
        release("v3.0.0", 300, False, commits[0]["sha"],
                ["demo-dist-3.0.0-linux-x86_64.tar.xz"], "Release v3.0.0", "Stable 3.0.0."),
        release("v3.1.0", 60, False, commits[0]["sha"],
                ["demo-dist-3.1.0-linux-x86_64.tar.xz"], "Release v3.1.0", "Stable 3.1.0."),
    ]
    for days in (400, 250, 200, 20, 3):
        d = (now - dt.timedelta(days=days)).strftime("%Y%m%d")
        releases.append(release("candidate-%s.1" % d, days, True, commits[0]["sha"],
                                ["demo-dist-3.1.0rc%s01-linux-x86_64.tar.xz" % d],
                                "nightly candidate-%s.1" % d))
    return {
        "owner": OWNER, "name": "compiler", "private": False, "default_branch": "main",
        "description": "an IREE-like project released by relkit (demo)",
        "created_at": iso(now - dt.timedelta(days=500)),
        "commits": commits,
        "branches": {"main": commits[-1]["sha"]},
        "check_runs": checks,
        "workflows": [{"id": 501, "name": "CI", "path": ".github/workflows/ci.yml",
                       "created_at": iso(now - dt.timedelta(days=500)), "runs": runs},
                      {"id": 502, "name": "Build packages", "path": ".github/workflows/build_package.yml",
                       "created_at": iso(now - dt.timedelta(days=500)), "runs": []}],
        "releases": releases,
        "latest_release": "v3.1.0",
    }


def tt_repo(now):
    first = now - dt.timedelta(days=6)
    commits, runs, images = [], [], {}
    for i in range(1, 7):
        t = first + dt.timedelta(days=i - 1)
        commits.append({"sha": sha("tt-shield", i), "message": "models ci %d" % i, "date": iso(t)})
    for i, c in enumerate(commits, 1):
        t = dt.datetime.strptime(c["date"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=dt.timezone.utc) + dt.timedelta(hours=1)
        run_id = 52729064622 - (6 - i) * 1000
        jobs = [dict(job("setup", "success", t), id=90000 + i * 10)]
        results = {"llama-3-8b": "success" if i != 3 else "failure",
                   "mistral-7b": "success" if i <= 4 else "failure",
                   "qwen-2.5-7b": "success" if i == 5 else ("failure" if i == 6 else "skipped"),
                   "whisper": "failure" if i % 2 else "cancelled"}
        for k, m in enumerate(MODELS):
            jobs.append(dict(job("test (%s)" % m, results[m], t + dt.timedelta(minutes=10 + k)),
                             id=90000 + i * 10 + k + 1))
        runs.append({"id": run_id, "run_number": 280 + i, "head_sha": c["sha"],
                     "head_branch": "main", "event": "schedule", "created_at": iso(t),
                     "status": "completed",
                     "conclusion": "failure" if any(r != "success" for r in results.values()) else "success",
                     "html_url": "https://github.invalid/%s/tt-shield/actions/runs/%d" % (OWNER, run_id),
                     "jobs": jobs})
        for m in MODELS:
            if results[m] == "success":  # the newest green run per model wins (runs go oldest first)
                images[m] = {"run_id": run_id, "head_sha": c["sha"], "pushed": m not in NOT_PUSHED,
                             "tag": "%s-%s-%s-%d" % (TT_VERSION, c["sha"], VLLM7, run_id)}
    repo = {
        "owner": OWNER, "name": "tt-shield", "private": False, "default_branch": "main",
        "description": "Models CI (demo)", "created_at": iso(now - dt.timedelta(days=100)),
        "commits": commits, "branches": {"main": commits[-1]["sha"]},
        "jobs_as_check_runs": False,
        "workflows": [{"id": 601, "name": "Models CI", "path": ".github/workflows/models-ci.yml",
                       "created_at": iso(now - dt.timedelta(days=100)), "runs": runs}],
    }
    return repo, images


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--now", help="ISO time (default: now)")
    a = ap.parse_args(argv)
    now = (dt.datetime.strptime(a.now, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
           if a.now else dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
    tt, images = tt_repo(now)
    seed = {"_comment": "generated by tests/demo/make_seed.py at %s" % iso(now),
            "tokens": [{"token": "ghp_relkitTEST0123456789SECRET", "login": "relkit-bot", "push": True}],
            "rate_limit": {"authenticated": 100000, "unauthenticated": 1000},
            "repositories": [compiler_repo(now), tt]}
    with open(a.out, "w") as f:
        json.dump(seed, f, indent=1)
        f.write("\n")
    with open(os.path.join(os.path.dirname(os.path.abspath(a.out)), "images.json"), "w") as f:
        json.dump({"repo": IMAGE_REPO, "version": TT_VERSION, "vllm7": VLLM7, "last_good": images},
                  f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
