#!/usr/bin/env python3
"""Independent checks of a wheel written by wheel-retag (standard library only).

check_wheel.py record WHEEL
    every CRC (zipfile.testzip), every RECORD hash and size recomputed, every file listed
check_wheel.py same OLD NEW
    every entry of OLD other than METADATA, WHEEL, RECORD and signatures is in NEW (under its
    renamed .dist-info / .data directory) with the same compressed bytes, method, date, CRC and
    external attributes
check_wheel.py field WHEEL FILE KEY
    print the values of header KEY in the .dist-info FILE (METADATA or WHEEL), one a line
"""
import base64
import csv
import hashlib
import io
import struct
import sys
import zipfile


def fail(msg):
    print("check_wheel: " + msg, file=sys.stderr)
    sys.exit(1)


def info_dir(z):
    dirs = {n.split("/")[0] for n in z.namelist() if n.split("/")[0].endswith(".dist-info")}
    if len(dirs) != 1:
        fail("expected one .dist-info directory, got %r" % sorted(dirs))
    return dirs.pop()


def check_record(path):
    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        if bad:
            fail("CRC error in %s" % bad)
        info = info_dir(z)
        rows = list(csv.reader(io.StringIO(z.read(info + "/RECORD").decode())))
        listed = {}
        for row in rows:
            if len(row) != 3:
                fail("bad RECORD row %r" % row)
            listed[row[0]] = row
        for name in z.namelist():
            if name.endswith("/"):
                continue
            if name not in listed:
                fail("%s is not in RECORD" % name)
            _, h, size = listed.pop(name)
            if name == info + "/RECORD" or name.endswith((".jws", ".p7s")):
                continue
            data = z.read(name)
            algo, _, want = h.partition("=")
            got = base64.urlsafe_b64encode(hashlib.new(algo, data).digest()).rstrip(b"=")
            if got.decode() != want:
                fail("hash mismatch for %s" % name)
            if int(size) != len(data):
                fail("size mismatch for %s" % name)
        if listed:
            fail("RECORD lists missing files %r" % sorted(listed))
    print("record ok")


def raw_bytes(path, zi):
    with open(path, "rb") as f:
        f.seek(zi.header_offset)
        h = f.read(30)
        nl, xl = struct.unpack("<HH", h[26:30])
        f.seek(zi.header_offset + 30 + nl + xl)
        return f.read(zi.compress_size)


def check_same(old, new):
    zo, zn = zipfile.ZipFile(old), zipfile.ZipFile(new)
    io_, in_ = info_dir(zo), info_dir(zn)
    do, dn = io_[: -len(".dist-info")] + ".data", in_[: -len(".dist-info")] + ".data"
    byname = {zi.filename: zi for zi in zn.infolist()}
    count = 0
    for zi in zo.infolist():
        n = zi.filename
        if n in (io_ + "/METADATA", io_ + "/WHEEL", io_ + "/RECORD") or n.endswith((".jws", ".p7s")):
            continue
        m = in_ + n[len(io_):] if n.startswith(io_ + "/") else n
        m = dn + m[len(do):] if m.startswith(do + "/") else m
        if m not in byname:
            fail("%s missing from the new wheel (as %s)" % (n, m))
        zj = byname[m]
        for attr in ("compress_type", "date_time", "CRC", "external_attr", "compress_size",
                     "file_size", "create_system"):
            if getattr(zi, attr) != getattr(zj, attr):
                fail("%s: %s changed" % (n, attr))
        if raw_bytes(old, zi) != raw_bytes(new, zj):
            fail("%s: compressed bytes changed" % n)
        count += 1
    print("same ok: %d entries" % count)


def field(path, file, key):
    with zipfile.ZipFile(path) as z:
        text = z.read(info_dir(z) + "/" + file).decode()
    head = text.split("\n\n", 1)[0]
    for line in head.splitlines():
        k, _, v = line.partition(":")
        if k.lower() == key.lower():
            print(v.strip())


def main():
    cmd = sys.argv[1]
    if cmd == "record":
        check_record(sys.argv[2])
    elif cmd == "same":
        check_same(sys.argv[2], sys.argv[3])
    elif cmd == "field":
        field(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
