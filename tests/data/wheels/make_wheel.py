#!/usr/bin/env python3
"""Write a small test wheel (valid, or crafted bad) with the standard library's zipfile.

usage: make_wheel.py OUTDIR [--name N] [--version V] [--tag PY-ABI-PLAT] [--build B]
                     [--require REQ]... [--bad KIND] [--files N] [--zip64] [--sign]
                     [--descriptor]

Prints the path of the wheel written. The wheel holds a package with an __init__.py that
reports its version, a stored binary, a script with the exec bit in .data/scripts, a symlink
entry, and the .dist-info files (METADATA with a Markdown body, WHEEL, RECORD).
Bad kinds (each breaks one check of wheel-retag): abs-path, dotdot, backslash, duplicate,
not-in-record, record-extra, bad-hash, version-mismatch, name-mismatch, tags-mismatch,
build-mismatch, no-metadata, two-dist-info, truncated, not-zip, bad-crc, bad-filename,
encrypted, overlap, cd-bounds.
"""
import argparse
import base64
import hashlib
import io
import os
import re
import struct
import sys
import zipfile

EPOCH = (2024, 11, 19, 12, 0, 0)


def record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def escape(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def metadata(args, version, name):
    lines = [
        "Metadata-Version: 2.1",
        "Name: %s" % name,
        "Version: %s" % version,
        "Summary: a test package for wheel-retag",
        "Home-page: https://example.invalid/%s" % name,
        "License: Apache-2.0",
    ]
    lines += ["Requires-Dist: %s" % r for r in args.require]
    lines += ["Description-Content-Type: text/markdown", "", "# %s" % name, "",
              "A package used by the wheel-retag tests.", ""]
    return "\n".join(lines).encode()


def wheel_file(tags, build):
    lines = ["Wheel-Version: 1.0", "Generator: make_wheel.py (1.0)", "Root-Is-Purelib: true"]
    lines += ["Tag: %s" % t for t in tags]
    if build:
        lines.append("Build: %s" % build)
    return ("\n".join(lines) + "\n").encode()


def expand(tag):
    py, abi, plat = tag.split("-")
    return ["%s-%s-%s" % (a, b, c) for a in py.split(".") for b in abi.split(".")
            for c in plat.split(".")]


class Entry:
    def __init__(self, name, data, mode=0o644, method=zipfile.ZIP_DEFLATED, kind=0o100000):
        self.name, self.data, self.mode, self.method, self.kind = name, data, mode, method, kind


def payload(args, pkg, info, data_dir, version):
    import random
    rnd = random.Random(42)
    entries = [
        Entry("%s/__init__.py" % pkg, ('__version__ = "%s"\n' % version).encode()),
        Entry("%s/core.py" % pkg, b"def answer():\n    return 42\n" * 20),
        Entry("%s/blob.bin" % pkg, bytes(rnd.getrandbits(8) for _ in range(4096)),
              method=zipfile.ZIP_STORED),
        Entry("%s/scripts/hello" % data_dir, b"#!python\nprint('hello')\n", mode=0o755),
        Entry("%s/link.py" % pkg, b"core.py", mode=0o777, kind=0o120000),
        Entry("%s/tool.sh" % pkg, b"#!/bin/sh\necho tool\n", mode=0o755),
    ]
    for i in range(args.files):
        entries.append(Entry("%s/mod%05d.py" % (pkg, i), ("X = %d\n" % i).encode() * 10))
    entries.append(Entry("%s/entry_points.txt" % info, b"[console_scripts]\n"))
    return entries


def build_entries(args):
    name, version = args.name, args.version
    stem = "%s-%s" % (escape(name), version)
    info, data_dir, pkg = stem + ".dist-info", stem + ".data", escape(name)
    tags = expand(args.tag)
    entries = payload(args, pkg, info, data_dir, version)
    meta_version = "9.9.9" if args.bad == "version-mismatch" else version
    meta_name = "other-name" if args.bad == "name-mismatch" else name
    if args.bad != "no-metadata":
        entries.append(Entry(info + "/METADATA", metadata(args, meta_version, meta_name)))
    wtags = ["py2-none-any"] if args.bad == "tags-mismatch" else tags
    entries.append(Entry(info + "/WHEEL", wheel_file(wtags, "7" if args.bad == "build-mismatch"
                                                     else args.build)))
    if args.sign:
        entries.append(Entry(info + "/RECORD.jws", b'{"signatures": []}'))
    return entries, info, stem


def record_text(entries, info, bad):
    out = io.StringIO()
    for e in entries:
        if e.name.endswith("RECORD.jws"):
            continue
        if bad == "not-in-record" and e.name.endswith("core.py"):
            continue
        h = record_hash(e.data)
        if bad == "bad-hash" and e.name.endswith("core.py"):
            h = record_hash(b"something else")
        out.write("%s,%s,%d\n" % (e.name, h, len(e.data)))
    if bad == "record-extra":
        out.write("%s/ghost.py,%s,1\n" % (info.split("-")[0], record_hash(b"x")))
    out.write("%s/RECORD,,\n" % info)
    return out.getvalue().encode()


def bad_entries(kind, entries, info):
    extra = {
        "abs-path": "/etc/evil",
        "dotdot": "../evil",
        "backslash": "pkg\\evil.py",
        "two-dist-info": "other-1.0.dist-info/METADATA",
    }
    if kind in extra:
        entries.insert(0, Entry(extra[kind], b"evil\n"))
    if kind == "duplicate":
        entries.insert(0, Entry(entries[0].name, entries[0].data))


def zinfo(e, args):
    zi = zipfile.ZipInfo(e.name, date_time=EPOCH)
    zi.compress_type = e.method
    zi.external_attr = (e.kind | e.mode) << 16
    zi.create_system = 3
    return zi


class Unseekable:
    """A file zipfile cannot seek in: it then writes data descriptors."""

    def __init__(self, f):
        self.f = f

    def write(self, b):
        return self.f.write(b)

    def flush(self):
        self.f.flush()


def write_zip(path, entries, args):
    import warnings
    warnings.simplefilter("ignore")
    with open(path, "wb") as raw:
        out = Unseekable(raw) if args.descriptor else raw
        with zipfile.ZipFile(out, "w") as z:
            for e in entries:
                if args.descriptor or args.zip64:
                    with z.open(zinfo(e, args), "w", force_zip64=args.zip64) as f:
                        f.write(e.data)
                else:
                    z.writestr(zinfo(e, args), e.data)


def post_process(path, kind):
    data = bytearray(open(path, "rb").read())
    if kind == "truncated":
        data = data[: len(data) // 2]
    elif kind == "not-zip":
        data = bytearray(b"this is not a zip file\n" * 10)
    elif kind == "bad-crc":
        # flip one byte inside the stored blob: CRC and hash no longer match
        i = data.find(b"blob.bin") + 8 + 100
        data[i] ^= 0xFF
    elif kind == "encrypted":
        i = data.find(b"PK\x01\x02")
        data[i + 8] |= 1
    elif kind == "cd-bounds":
        i = data.rfind(b"PK\x05\x06")
        struct.pack_into("<I", data, i + 16, 0xFFFFFF00)
    elif kind == "overlap":
        # second central entry points at the first local header
        first = data.find(b"PK\x01\x02")
        second = data.find(b"PK\x01\x02", first + 4)
        struct.pack_into("<I", data, second + 42, 0)
    open(path, "wb").write(bytes(data))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--name", default="demo-pkg")
    ap.add_argument("--version", default="3.1.0rc20241119")
    ap.add_argument("--tag", default="py3-none-any")
    ap.add_argument("--build", default="")
    ap.add_argument("--require", action="append", default=[])
    ap.add_argument("--bad", default="")
    ap.add_argument("--files", type=int, default=0)
    ap.add_argument("--zip64", action="store_true")
    ap.add_argument("--descriptor", action="store_true")
    ap.add_argument("--sign", action="store_true")
    ap.add_argument("--filename", default="")
    args = ap.parse_args()
    entries, info, stem = build_entries(args)
    bad_entries(args.bad, entries, info)
    entries.append(Entry(info + "/RECORD", record_text(entries, info, args.bad)))
    parts = [stem] + ([args.build] if args.build else []) + [args.tag]
    fname = args.filename or "-".join(parts) + ".whl"
    path = os.path.join(args.outdir, fname)
    write_zip(path, entries, args)
    post_process(path, args.bad)
    print(path)


if __name__ == "__main__":
    sys.exit(main())
