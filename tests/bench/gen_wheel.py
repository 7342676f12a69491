#!/usr/bin/env python3
"""Generate a large, realistic wheel for the wheel-retag benchmark (standard library only).

usage: gen_wheel.py OUTDIR [--mb 200] [--files 3000] [--level 6] [--version 3.1.0rc20241119]

The wheel looks like a compiler wheel: one large shared library (blocks of random bytes
mixed with blocks of repetitive, code-like bytes, so that it deflates about as well as a real
.so), thousands of small .py files, a script with the exec bit in .data/scripts, and the
.dist-info files. --mb is the approximate size of the wheel file. Prints the path.
"""
import argparse
import base64
import hashlib
import os
import random
import zipfile

NAME = "iree_base_compiler"
BLOCK = 1 << 16


def rec_hash(h):
    return "sha256=" + base64.urlsafe_b64encode(h.digest()).rstrip(b"=").decode()


def code_block(rnd):
    """low-entropy bytes, like machine code and tables: compress ~8:1"""
    words = [rnd.getrandbits(32).to_bytes(4, "little") for _ in range(64)]
    return b"".join(rnd.choice(words) for _ in range(BLOCK // 4))


def write_binary(z, name, target, rnd, record):
    """target: wanted compressed size; 60% random blocks, 40% code blocks"""
    zi = zipfile.ZipInfo(name, date_time=(2024, 11, 19, 12, 0, 0))
    zi.compress_type = zipfile.ZIP_DEFLATED
    zi.external_attr = 0o100755 << 16
    h, size = hashlib.sha256(), 0
    codes = [code_block(rnd) for _ in range(32)]
    with z.open(zi, "w", force_zip64=True) as f:
        written = 0
        while written < target:
            if rnd.random() < 0.6:
                b = os.urandom(BLOCK)
                written += BLOCK
            else:
                b = rnd.choice(codes)
                written += BLOCK // 8
            f.write(b)
            h.update(b)
            size += len(b)
    record.append((name, rec_hash(h), size))


def add(z, name, data, record, mode=0o644):
    zi = zipfile.ZipInfo(name, date_time=(2024, 11, 19, 12, 0, 0))
    zi.compress_type = zipfile.ZIP_DEFLATED
    zi.external_attr = (0o100000 | mode) << 16
    z.writestr(zi, data)
    record.append((name, rec_hash(hashlib.sha256(data)), len(data)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--level", type=int, default=6)
    ap.add_argument("--version", default="3.1.0rc20241119")
    args = ap.parse_args()
    rnd = random.Random(1)
    stem = "%s-%s" % (NAME, args.version)
    info = stem + ".dist-info"
    path = os.path.join(args.outdir, "%s-cp311-cp311-manylinux_2_28_x86_64.whl" % stem)
    record = []
    with zipfile.ZipFile(path, "w", compresslevel=args.level) as z:
        for i in range(args.files):
            body = "".join("def f%d_%d(x):\n    return x * %d + %d\n\n" % (i, k, k, i)
                           for k in range(rnd.randint(5, 60)))
            add(z, "iree/compiler/mod%d/file%04d.py" % (i % 50, i), body.encode(), record)
        write_binary(z, "iree/compiler/_mlir_libs/libIREECompiler.so", args.mb << 20, rnd, record)
        add(z, stem + ".data/scripts/iree-compile", b"#!python\nimport sys\n", record, 0o755)
        meta = ("Metadata-Version: 2.1\nName: iree-base-compiler\nVersion: %s\n"
                "Summary: IREE Compiler API\nRequires-Dist: numpy\nRequires-Dist: sympy\n\n"
                "IREE compiler.\n" % args.version).encode()
        add(z, info + "/METADATA", meta, record)
        add(z, info + "/WHEEL", b"Wheel-Version: 1.0\nGenerator: bdist_wheel (0.38.4)\n"
            b"Root-Is-Purelib: false\nTag: cp311-cp311-manylinux_2_28_x86_64\n", record)
        lines = "".join("%s,%s,%d\n" % r for r in record) + info + "/RECORD,,\n"
        zi = zipfile.ZipInfo(info + "/RECORD", date_time=(2024, 11, 19, 12, 0, 0))
        zi.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(zi, lines.encode())
    print(path)


if __name__ == "__main__":
    main()
