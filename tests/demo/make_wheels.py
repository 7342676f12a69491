#!/usr/bin/env python3
"""make_wheels.py - the "build" of the relkit demo: three small pure-Python wheels and a dist
tarball at one release-candidate version, written with the standard library only.

usage: make_wheels.py OUTDIR VERSION

  demo_compiler-VERSION-py3-none-any.whl   no dependencies
  demo_runtime-VERSION-py3-none-any.whl    no dependencies
  demo_suite-VERSION-py3-none-any.whl      leaf package: Requires-Dist demo-compiler==VERSION
                                           (exact pin), demo-runtime>=BASE.dev0 (loose pin)
  demo-dist-VERSION-linux-x86_64.tar.xz    "install image" of the C parts

as IREE's nightlies are: core packages with loose pins between them and a leaf with an exact
pin (seeds/001: "loose vs exact pins"). Each package's __version__ is read from its installed
METADATA, so it follows wheel-retag's rewrite.
Prints the paths written, one per line.
"""
import base64
import hashlib
import io
import os
import re
import sys
import tarfile
import zipfile

DATE = (2024, 11, 19, 12, 0, 0)


def rhash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel(outdir, name, version, requires, summary):
    mod = name.replace("-", "_")
    dist = "%s-%s" % (mod, version)
    files = [
        ("%s/__init__.py" % mod,
         ('"""%s (relkit demo)"""\nfrom importlib.metadata import version\n\n'
          '__version__ = version("%s")  # what the installed METADATA says\n' % (summary, name)).encode()),
        ("%s.dist-info/METADATA" % dist, "\n".join(
            ["Metadata-Version: 2.1", "Name: %s" % name, "Version: %s" % version,
             "Summary: %s" % summary, "Requires-Python: >=3.8"]
            + ["Requires-Dist: %s" % r for r in requires] + ["", ""]).encode()),
        ("%s.dist-info/WHEEL" % dist,
         b"Wheel-Version: 1.0\nGenerator: relkit-demo (1.0)\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
        ("%s.dist-info/top_level.txt" % dist, (mod + "\n").encode()),
    ]
    record = "".join("%s,%s,%d\n" % (n, rhash(d), len(d)) for n, d in files)
    record += "%s.dist-info/RECORD,,\n" % dist
    files.append(("%s.dist-info/RECORD" % dist, record.encode()))
    path = os.path.join(outdir, "%s-py3-none-any.whl" % dist)
    with zipfile.ZipFile(path + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files:
            info = zipfile.ZipInfo(n, DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, d)
    os.replace(path + ".tmp", path)
    return path


def dist_tarball(outdir, version):
    path = os.path.join(outdir, "demo-dist-%s-linux-x86_64.tar.xz" % version)
    with tarfile.open(path + ".tmp", "w:xz") as t:
        for name, data in (("demo-dist/bin/demo-compile", b"#!/bin/sh\necho demo-compile " + version.encode() + b"\n"),
                           ("demo-dist/include/demo/version.h",
                            ('#define DEMO_VERSION "%s"\n' % version).encode())):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 1732017600, 0o755
            t.addfile(info, io.BytesIO(data))
    os.replace(path + ".tmp", path)
    return path


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: make_wheels.py OUTDIR VERSION\n")
        return 2
    outdir, version = argv
    base = re.match(r"\d+(\.\d+)*", version).group(0)
    os.makedirs(outdir, exist_ok=True)
    out = [
        wheel(outdir, "demo-compiler", version, [], "the demo compiler"),
        wheel(outdir, "demo-runtime", version, [], "the demo runtime"),
        wheel(outdir, "demo-suite", version,
              ["demo-compiler==%s" % version, "demo-runtime>=%s.dev0" % base],
              "the demo leaf package, tested with exact versions"),
        dist_tarball(outdir, version),
    ]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
