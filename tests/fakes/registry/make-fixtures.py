#!/usr/bin/python3
"""Build container image fixtures as an OCI image layout on disk, without docker.

  make-fixtures.py --out DIR [--set test]
  make-fixtures.py --out DIR --set bench [--images 20 --layers 5 --layer-size 8M
                   --shared-layers 0 --repo-prefix bench/img --tag 1.0 --docker]

Writes DIR/layout (an OCI image layout holding every image, each under its own
`org.opencontainers.image.ref.name`) and DIR/plan.json, which says for each image the
repository and tag to push it to and its manifest digest, media type and platforms.
push-fixtures.sh pushes the plan with skopeo.

Layers are gzip tars of one file of pseudo-random bytes from a PRNG seeded by
(--seed, image, layer): the same arguments give the same digests. Random bytes do not
compress, so a layer's blob is about --layer-size bytes (realistic for bytes moved);
--gzip-level 0 (default) stores them and is fast, 1-9 really deflates them.
Images may be OCI (default) or Docker schema 2 (--docker in the bench set; the test set
has both). A multi-platform image is an index (OCI) or manifest list (Docker) of a
linux/amd64 and a linux/arm64/v8 manifest.
"""
import argparse
import hashlib
import io
import json
import os
import random
import re
import shutil
import sys
import tarfile
import zlib

OCI = {
    "manifest": "application/vnd.oci.image.manifest.v1+json",
    "index": "application/vnd.oci.image.index.v1+json",
    "config": "application/vnd.oci.image.config.v1+json",
    "layer": "application/vnd.oci.image.layer.v1.tar+gzip",
}
DOCKER = {
    "manifest": "application/vnd.docker.distribution.manifest.v2+json",
    "index": "application/vnd.docker.distribution.manifest.list.v2+json",
    "config": "application/vnd.docker.container.image.v1+json",
    "layer": "application/vnd.docker.image.rootfs.diff.tar.gzip",
}
REF_ANNOTATION = "org.opencontainers.image.ref.name"
CREATED = "2024-01-01T00:00:00Z"
PLATFORMS = {
    "amd64": {"architecture": "amd64", "os": "linux"},
    "arm64": {"architecture": "arm64", "os": "linux", "variant": "v8"},
}
TT_TAG = "0.0.5-ef93cf18b3aee66cc9ec703423de0ad3c6fde844-1d799da-52729064622"


def parse_size(text):
    m = re.fullmatch(r"(\d+)([kKmMgG]?)[iI]?[bB]?", text.strip())
    if not m:
        raise argparse.ArgumentTypeError("bad size '%s'" % text)
    mult = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[m.group(2).lower()]
    return int(m.group(1)) * mult


class Layout:
    """An OCI image layout being written: blobs by digest, and the top-level index."""

    def __init__(self, root):
        self.root = root
        self.blobdir = os.path.join(root, "blobs", "sha256")
        os.makedirs(self.blobdir, exist_ok=True)
        self.refs = []

    def put(self, data, media_type):
        hexd = hashlib.sha256(data).hexdigest()
        path = os.path.join(self.blobdir, hexd)
        if not os.path.exists(path):
            tmp = path + ".tmp"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        return {"mediaType": media_type, "digest": "sha256:" + hexd, "size": len(data)}

    def put_json(self, obj, media_type):
        return self.put(json.dumps(obj, separators=(",", ":")).encode(), media_type)

    def tag(self, desc, ref):
        d = dict(desc)
        d["annotations"] = {REF_ANNOTATION: ref}
        self.refs.append(d)

    def finish(self):
        with open(os.path.join(self.root, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        with open(os.path.join(self.root, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "mediaType": OCI["index"], "manifests": self.refs}, f,
                      separators=(",", ":"))


def layer_bytes(seed, key, size, gzip_level):
    """(gzip blob, diff_id) of a tar holding one file of `size` seeded random bytes."""
    rng = random.Random("%s/%s" % (seed, key))
    content = rng.randbytes(size)
    info = tarfile.TarInfo("data/%s.bin" % key.replace("/", "-"))
    info.size, info.mtime, info.mode = size, 0, 0o644
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        tar.addfile(info, io.BytesIO(content))
    tar_data = raw.getvalue()
    comp = zlib.compressobj(gzip_level, zlib.DEFLATED, 31)  # gzip, mtime 0
    blob = comp.compress(tar_data) + comp.flush()
    return blob, "sha256:" + hashlib.sha256(tar_data).hexdigest()


def build_image(lay, mt, seed, name, arch, layer_keys, layer_size, gzip_level):
    """One single-platform image; returns the manifest descriptor."""
    layers, diff_ids = [], []
    for key in layer_keys:
        blob, diff_id = layer_bytes(seed, key, layer_size, gzip_level)
        layers.append(lay.put(blob, mt["layer"]))
        diff_ids.append(diff_id)
    plat = PLATFORMS[arch]
    config = {
        "created": CREATED,
        "architecture": plat["architecture"],
        "os": plat["os"],
        "config": {"Labels": {"org.relkit.fixture": name}, "Env": ["PATH=/usr/bin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": CREATED, "created_by": "make-fixtures.py layer %d" % i}
                    for i in range(len(diff_ids))],
    }
    if "variant" in plat:
        config["variant"] = plat["variant"]
    manifest = {
        "schemaVersion": 2,
        "mediaType": mt["manifest"],
        "config": lay.put_json(config, mt["config"]),
        "layers": layers,
    }
    if mt is OCI:
        manifest["annotations"] = {"org.opencontainers.image.title": name}
    desc = lay.put_json(manifest, mt["manifest"])
    desc["platform"] = dict(plat)
    return desc, sum(l["size"] for l in layers)


def export_dir(lay, top, entries, name):
    """A containers/image dir: layout (version 1.1) of one image or manifest list:
    manifest.json, instance manifests as HEX.manifest.json, blobs as HEX."""
    root = os.path.abspath(os.path.join(lay.root, "..", "dir", name))
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "version"), "w") as f:
        f.write("Directory Transport Version: 1.1\n")

    def blob(digest):
        return os.path.join(lay.blobdir, digest.split(":", 1)[1])

    def link(digest, dest):
        dest = os.path.join(root, dest)
        if not os.path.exists(dest):
            os.link(blob(digest), dest)

    link(top["digest"], "manifest.json")
    for e in entries:
        if len(entries) > 1:
            link(e["digest"], e["digest"].split(":", 1)[1] + ".manifest.json")
        with open(blob(e["digest"])) as f:
            m = json.load(f)
        for d in [m["config"]] + m["layers"]:
            link(d["digest"], d["digest"].split(":", 1)[1])
    return root


def build(lay, spec, seed, gzip_level):
    """spec: dict(name, repo, tag, docker, arches, layers, layer_size, shared)."""
    mt = DOCKER if spec["docker"] else OCI
    entries, total = [], 0
    for arch in spec["arches"]:
        keys = []
        for i in range(spec["layers"]):
            shared = i < spec.get("shared", 0)
            keys.append("shared/%d" % i if shared else "%s/%s/%d" % (spec["name"], arch, i))
        desc, size = build_image(lay, mt, seed, spec["name"], arch, keys, spec["layer_size"],
                                 gzip_level)
        entries.append(desc)
        total += size
    if len(entries) == 1:
        top = {k: v for k, v in entries[0].items() if k != "platform"}
    else:
        index = {"schemaVersion": 2, "mediaType": mt["index"], "manifests": entries}
        top = lay.put_json(index, mt["index"])
    if spec["docker"]:
        # skopeo's oci: transport ignores Docker media types: use a dir: layout instead
        source = "dir:" + export_dir(lay, top, entries, spec["name"])
    else:
        lay.tag(top, "fixture-%s" % spec["name"])
        source = "oci:%s:fixture-%s" % (os.path.abspath(lay.root), spec["name"])
    return {
        "name": spec["name"],
        "repo": spec["repo"],
        "tag": spec["tag"],
        "source": source,
        "digest": top["digest"],
        "mediaType": top["mediaType"],
        "format": "docker" if spec["docker"] else "oci",
        "platforms": [dict(e["platform"], digest=e["digest"]) for e in entries],
        "layer_bytes": total,
    }


def test_set(a):
    k = 16 << 10
    base = dict(layers=2, layer_size=k, shared=0, docker=False, arches=["amd64"])
    specs = [
        dict(base, name="app", repo="src/app", tag="1.0"),
        dict(base, name="multi", repo="src/multi", tag="1.0", arches=["amd64", "arm64"]),
        dict(base, name="tt-model-a", repo="src/tt-shield/model-a", tag=TT_TAG, layers=3),
        dict(base, name="app-docker", repo="src/app-docker", tag="1.0", docker=True),
        dict(base, name="multi-docker", repo="src/multi-docker", tag="1.0", docker=True,
             arches=["amd64", "arm64"]),
        dict(base, name="public-base", repo="public/base", tag="1.0", layers=1),
    ]
    return specs


def bench_set(a):
    width = max(2, len(str(a.images)))
    arches = ["amd64", "arm64"] if a.multi else ["amd64"]
    return [dict(name="bench-%0*d" % (width, i), repo="%s-%0*d" % (a.repo_prefix, width, i),
                 tag=a.tag, layers=a.layers, layer_size=a.layer_size, shared=a.shared_layers,
                 docker=a.docker, arches=arches)
            for i in range(a.images)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="output directory (replaced)")
    ap.add_argument("--set", choices=("test", "bench"), default="test")
    ap.add_argument("--seed", default="relkit")
    ap.add_argument("--gzip-level", type=int, default=0, choices=range(0, 10))
    ap.add_argument("--images", type=int, default=20, help="bench: number of images")
    ap.add_argument("--layers", type=int, default=5, help="bench: layers per image")
    ap.add_argument("--layer-size", type=parse_size, default=8 << 20,
                    help="bench: bytes of content per layer (8M, 512k, ...)")
    ap.add_argument("--shared-layers", type=int, default=0,
                    help="bench: the first K layers are the same in every image")
    ap.add_argument("--repo-prefix", default="bench/img")
    ap.add_argument("--tag", default="1.0")
    ap.add_argument("--docker", action="store_true", help="bench: Docker schema 2 media types")
    ap.add_argument("--multi", action="store_true", help="bench: amd64+arm64 index per image")
    a = ap.parse_args()

    specs = test_set(a) if a.set == "test" else bench_set(a)
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    lay = Layout(os.path.join(a.out, "layout"))
    images = [build(lay, s, a.seed, a.gzip_level) for s in specs]
    lay.finish()
    plan = {"layout": os.path.abspath(lay.root), "seed": a.seed, "set": a.set, "images": images}
    with open(os.path.join(a.out, "plan.json"), "w") as f:
        json.dump(plan, f, indent=2)
        f.write("\n")
    sys.stderr.write("make-fixtures: %d images, %d layer bytes in '%s'\n"
                     % (len(images), sum(i["layer_bytes"] for i in images), a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
