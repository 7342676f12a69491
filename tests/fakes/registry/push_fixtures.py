#!/usr/bin/python3
"""Push fixtures built by make-fixtures.py into a registry peer with skopeo, check them
with `skopeo inspect --raw`, and write the fixtures JSON (see README.md).

  push_fixtures.py --env-file ENV [--fixtures DIR] [--out FILE] [--jobs N] [--env-prefix P]

--env-prefix REGISTRY2 reads REGISTRY2_ADDR etc. (the second registry of with-registry.sh).
"""
import argparse
import hashlib
import json
import os
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            k, sep, v = line.rstrip("\n").partition("=")
            if sep:
                env[k] = (shlex.split(v) or [""])[0]
    return env


def run(argv):
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv[:2]), p.stderr.decode(errors="replace").strip()))
    return p.stdout


def blobs_of(layout, img):
    """Config and layer descriptors of every platform of an image, from the layout."""
    out, seen = [], set()
    for plat in img["platforms"]:
        with open(os.path.join(layout, "blobs", "sha256", plat["digest"].split(":", 1)[1])) as f:
            m = json.load(f)
        for d in [m["config"]] + m["layers"]:
            if d["digest"] not in seen:
                seen.add(d["digest"])
                out.append({"digest": d["digest"], "size": d["size"], "mediaType": d["mediaType"]})
    return out


def push_one(env, authfile, img):
    dest = "docker://%s/%s:%s" % (env["ADDR"], img["repo"], img["tag"])
    t0 = time.monotonic()
    run(["skopeo", "copy", "--quiet", "--all", "--preserve-digests", "--dest-tls-verify=false",
         "--dest-authfile", authfile, img["source"], dest])
    raw = run(["skopeo", "inspect", "--raw", "--tls-verify=false", "--authfile", authfile, dest])
    got = "sha256:" + hashlib.sha256(raw).hexdigest()
    if got != img["digest"]:
        raise RuntimeError("%s: pushed digest %s, expected %s" % (dest, got, img["digest"]))
    media = json.loads(raw).get("mediaType")
    if media != img["mediaType"]:
        raise RuntimeError("%s: media type %s, expected %s" % (dest, media, img["mediaType"]))
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--env-file", required=True)
    ap.add_argument("--fixtures", help="directory written by make-fixtures.py (default: build "
                    "the test set into the registry's work directory)")
    ap.add_argument("--out", help="fixtures JSON (default FIXTURES/fixtures.json)")
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--env-prefix", default="REGISTRY")
    a = ap.parse_args()

    raw_env = read_env(a.env_file)
    env = {k[len(a.env_prefix) + 1:]: v for k, v in raw_env.items()
           if k.startswith(a.env_prefix + "_")}
    if "ADDR" not in env:
        sys.stderr.write("push-fixtures: error: no %s_ADDR in '%s'\n" % (a.env_prefix, a.env_file))
        return 2
    authfile = env["SKOPEO_AUTHFILE"]
    if not a.fixtures:
        a.fixtures = os.path.join(env["DIR"], "fixtures")
        run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                          "make-fixtures.py"), "--out", a.fixtures])
    with open(os.path.join(a.fixtures, "plan.json")) as f:
        plan = json.load(f)

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        futures = [pool.submit(push_one, env, authfile, img) for img in plan["images"]]
        errors = []
        for img, fut in zip(plan["images"], futures):
            try:
                fut.result()
            except RuntimeError as e:
                errors.append(str(e))
    if errors:
        for e in errors:
            sys.stderr.write("push-fixtures: error: %s\n" % e)
        return 1

    images = []
    for img in plan["images"]:
        images.append({
            "name": img["name"],
            "repo": img["repo"],
            "tag": img["tag"],
            "ref": "%s/%s:%s" % (env["ADDR"], img["repo"], img["tag"]),
            "digest": img["digest"],
            "mediaType": img["mediaType"],
            "format": img["format"],
            "platforms": img["platforms"],
            "blobs": blobs_of(plan["layout"], img),
            "layer_bytes": img["layer_bytes"],
        })
    out = a.out or os.path.join(a.fixtures, "fixtures.json")
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"registry": env["ADDR"], "images": images}, f, indent=2)
        f.write("\n")
    os.replace(tmp, out)
    sys.stderr.write("push-fixtures: %d images pushed to %s in %.1fs, see '%s'\n"
                     % (len(images), env["ADDR"], time.monotonic() - t0, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
