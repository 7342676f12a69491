#!/usr/bin/env python3
"""Write the hostile wheels of tests/data/hostile/wheels/MANIFEST, deterministically.

usage: make_hostile_wheels.py OUTDIR [CASE...]

One file per case, named CASE.whl-name: the case's wheel is OUTDIR/CASE/<wheel file name>
(a directory per case, so that index-gen --dir sees that wheel alone). Without CASE
arguments every case is written. Nothing here needs more than ~2 MB on disk: the zip bombs
are deflate streams of zeros (1032:1 at most), the "GB" ones claim sizes they do not have.

The zip writer is our own (not zipfile) so that every field can lie: sizes, counts, offsets,
ZIP64 records, names, attributes. A case is a function returning (file name, bytes).
"""
import base64
import hashlib
import os
import struct
import sys
import zlib

NAME, VERSION = "demo_pkg", "1.0"
STEM = "%s-%s" % (NAME, VERSION)
INFO = STEM + ".dist-info"
FILENAME = STEM + "-py3-none-any.whl"
DOSTIME, DOSDATE = (12 << 11), ((2024 - 1980) << 9) | (11 << 5) | 19
REG, LNK = 0o100644, 0o120777


def b64hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def deflate(data, level=9):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def deflate_zeros(n, level=9):
    """raw deflate of n zero bytes, streamed (never n bytes in memory)"""
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    block, out, left = b"\0" * (1 << 20), [], n
    while left:
        k = min(left, len(block))
        out.append(c.compress(block[:k]))
        left -= k
    out.append(c.flush())
    return b"".join(out)


def crc_zeros(n):
    crc, block, left = 0, b"\0" * (1 << 20), n
    while left:
        k = min(left, len(block))
        crc = zlib.crc32(block[:k], crc)
        left -= k
    return crc


def sha_zeros(n):
    h, block, left = hashlib.sha256(), b"\0" * (1 << 20), n
    while left:
        k = min(left, len(block))
        h.update(block[:k])
        left -= k
    return "sha256=" + base64.urlsafe_b64encode(h.digest()).rstrip(b"=").decode()


class E:
    """one entry; every field may be overridden to lie"""

    def __init__(self, name, data=b"", method=8, mode=REG, **kw):
        self.name = name.encode() if isinstance(name, str) else name
        self.data = data
        self.method = method
        self.mode = mode
        self.comp = kw.pop("comp", None)  # compressed bytes given as they are
        self.crc = kw.pop("crc", None)
        self.usize = kw.pop("usize", None)
        self.csize = kw.pop("csize", None)
        self.flags = kw.pop("flags", 0)
        self.local_name = kw.pop("local_name", None)
        self.cd_extra = kw.pop("cd_extra", b"")
        self.local_extra = kw.pop("local_extra", b"")
        self.offset = kw.pop("offset", None)  # central offset override
        self.in_record = kw.pop("in_record", True)
        self.record_hash = kw.pop("record_hash", None)
        self.record_size = kw.pop("record_size", None)
        assert not kw, kw

    def compressed(self):
        if self.comp is not None:
            return self.comp
        return deflate(self.data) if self.method == 8 else self.data


def metadata(name=NAME.replace("_", "-"), version=VERSION, extra=""):
    return ("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: hostile\n%s\nbody\n"
            % (name, version, extra)).encode()


def wheel_text(tags=("py3-none-any",), extra=""):
    return ("Wheel-Version: 1.0\nGenerator: hostile\nRoot-Is-Purelib: true\n"
            + "".join("Tag: %s\n" % t for t in tags) + extra).encode()


def base_entries(meta=None, wheel=None):
    return [E(NAME + "/__init__.py", b"X = 1\n"),
            E(INFO + "/METADATA", metadata() if meta is None else meta),
            E(INFO + "/WHEEL", wheel_text() if wheel is None else wheel)]


def record_for(entries):
    lines = []
    for e in entries:
        if not e.in_record:
            continue
        name = e.name.decode("utf-8", "replace")
        h = e.record_hash if e.record_hash is not None else b64hash(e.data)
        size = e.record_size if e.record_size is not None else str(len(e.data))
        lines.append("%s,%s,%s\n" % (name, h, size))
    lines.append(INFO + "/RECORD,,\n")
    return "".join(lines).encode()


def build(entries, record=None, comment=b"", eocd=None, zip64=None, tail=b""):
    """entries + RECORD (computed unless given; False: none) -> zip bytes"""
    if record is not False:
        entries = entries + [E(INFO + "/RECORD", record if record is not None else record_for(entries))]
    out, cd = bytearray(), bytearray()
    for e in entries:
        comp = e.compressed()
        crc = e.crc if e.crc is not None else zlib.crc32(e.data)
        usize = e.usize if e.usize is not None else len(e.data)
        csize = e.csize if e.csize is not None else len(comp)
        off = len(out)
        lname = e.local_name if e.local_name is not None else e.name
        lcs, lus = (0xFFFFFFFF, 0xFFFFFFFF) if e.local_extra[:2] == b"\x01\x00" else (csize & 0xFFFFFFFF, usize & 0xFFFFFFFF)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, e.flags, e.method, DOSTIME, DOSDATE,
                           crc, lcs, lus, len(lname), len(e.local_extra))
        out += lname + e.local_extra + comp
        cs, us, o = csize, usize, e.offset if e.offset is not None else off
        if e.cd_extra[:2] == b"\x01\x00":
            cs = us = 0xFFFFFFFF
            o = 0xFFFFFFFF if len(e.cd_extra) >= 28 else o
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, e.flags, e.method,
                          DOSTIME, DOSDATE, crc, cs & 0xFFFFFFFF, us & 0xFFFFFFFF, len(e.name),
                          len(e.cd_extra), 0, 0, 0, (e.mode << 16) & 0xFFFFFFFF, o & 0xFFFFFFFF)
        cd += e.name + e.cd_extra
    cd_off, n = len(out), len(entries)
    out += cd
    if zip64 is not None:
        z = dict(n=n, size=len(cd), offset=cd_off, locator_offset=None, disk=0)
        z.update(zip64)
        rec = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, z["disk"], 0, z["n"], z["n"],
                           z["size"], z["offset"])
        loc = z["locator_offset"] if z["locator_offset"] is not None else rec
        out += struct.pack("<IIQI", 0x07064B50, 0, loc, 1)
    e = dict(disk=0, n=n, size=len(cd), offset=cd_off, comment_len=len(comment))
    if zip64 is not None:
        e.update(n=0xFFFF, size=0xFFFFFFFF, offset=0xFFFFFFFF)
    e.update(eocd or {})
    out += struct.pack("<IHHHHIIH", 0x06054B50, e["disk"], 0, e["n"] & 0xFFFF, e["n"] & 0xFFFF,
                       e["size"] & 0xFFFFFFFF, e["offset"] & 0xFFFFFFFF, e["comment_len"])
    out += comment + tail
    return bytes(out)


def zip64_extra(usize, csize, offset=None):
    body = struct.pack("<QQ", usize, csize) + (struct.pack("<Q", offset) if offset is not None else b"")
    return struct.pack("<HH", 1, len(body)) + body


# ---- the cases: name -> (file name, bytes) ----

def c_valid():
    return FILENAME, build(base_entries())


def c_path(name):
    return lambda: (FILENAME, build(base_entries() + [E(name, b"evil\n")]))


def c_symlink(target):
    return lambda: (FILENAME, build(base_entries() + [E(NAME + "/link", target.encode(), method=0, mode=LNK)]))


def c_duplicate():
    es = base_entries()
    return FILENAME, build(es + [E(NAME + "/__init__.py", b"X = 2\n", in_record=False)])


def c_duplicate_metadata():
    es = base_entries()
    return FILENAME, build(es + [E(INFO + "/METADATA", metadata(version="6.6.6"), in_record=False)])


def c_nul_name():
    return FILENAME, build(base_entries() + [E(NAME.encode() + b"/a\0b.py", b"x\n")])


def c_bomb_metadata():
    """METADATA: ~100 KB of deflate expanding to 100 MiB (the headers, then zeros), sizes true"""
    n, meta = 100 << 20, metadata()
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts, crc = [c.compress(meta)], zlib.crc32(meta)
    block, left = b"\0" * (1 << 20), n - len(meta)
    while left:
        k = min(left, len(block))
        parts.append(c.compress(block[:k]))
        crc = zlib.crc32(block[:k], crc)
        left -= k
    parts.append(c.flush())
    es = base_entries()
    es[1] = E(INFO + "/METADATA", meta, comp=b"".join(parts), crc=crc, usize=n,
              record_hash="sha256=x", record_size=str(n))
    return FILENAME, build(es)


def c_bomb_metadata_lying():
    """METADATA claims 300 bytes; its stream expands to 10 MiB"""
    n = 10 << 20
    meta = metadata()
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    comp = c.compress(meta) + c.compress(b"\0" * (n - len(meta))) + c.flush()
    es = base_entries()
    es[1] = E(INFO + "/METADATA", meta, comp=comp, usize=len(meta))
    return FILENAME, build(es)


def c_bomb_record():
    """RECORD: 100 KB expanding to 100 MiB of newlines"""
    n = 100 << 20
    rec = record_for(base_entries())
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    comp = c.compress(rec) + c.compress(b"\n" * (n - len(rec))) + c.flush()
    crc = zlib.crc32(b"\n" * (n - len(rec)), zlib.crc32(rec))
    es = base_entries()
    return FILENAME, build(es + [E(INFO + "/RECORD", rec, comp=comp, crc=crc, usize=n)], record=False)


def c_bomb_payload_claim():
    """a payload entry claiming 4 GiB (ZIP64) from a 10 KB stream that expands to 10 MiB"""
    n, claim = 10 << 20, 4 << 30
    comp = deflate_zeros(n)
    es = base_entries() + [E(NAME + "/zeros.bin", b"", comp=comp, crc=crc_zeros(n), usize=claim,
                             cd_extra=zip64_extra(claim, len(comp)), local_extra=zip64_extra(claim, len(comp)),
                             record_hash=sha_zeros(n), record_size=str(claim))]
    return FILENAME, build(es, zip64={})


def c_bomb_payload_real():
    """a true 256 MiB of zeros in 250 KB: valid, RECORD right; --verify must stream it"""
    n = 256 << 20
    comp = deflate_zeros(n)
    es = base_entries() + [E(NAME + "/zeros.bin", b"", comp=comp, crc=crc_zeros(n), usize=n,
                             record_hash=sha_zeros(n), record_size=str(n))]
    return FILENAME, build(es)


def c_empty():
    return FILENAME, b""


def c_eocd_only():
    return FILENAME, struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0, 0, 0, 0, 0)


def c_eocd(**kw):
    return lambda: (FILENAME, build(base_entries(), eocd=kw))


def c_comment_overflow():
    """the EOCD says a 65535-byte comment follows; the file ends"""
    return FILENAME, build(base_entries(), eocd={"comment_len": 65535})


def c_fake_eocd_in_comment():
    """the real EOCD's comment holds a second, lying EOCD"""
    fake = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, 46, 0, 0)
    return FILENAME, build(base_entries(), comment=fake)


def c_truncated_cd():
    data = build(base_entries())
    cd = data.find(b"PK\x01\x02")
    return FILENAME, data[:cd + 30] + data[data.rfind(b"PK\x05\x06"):]


def c_truncated_local():
    data = bytearray(build(base_entries()))
    first = data.find(b"PK\x01\x02")  # drop the last 20 bytes of compressed data before the CD
    cut = data[:first - 20] + data[first:]
    eocd = cut.rfind(b"PK\x05\x06")
    struct.pack_into("<I", cut, eocd + 16, first - 20)
    return FILENAME, bytes(cut)


def c_zip64(**z):
    return lambda: (FILENAME, build(base_entries(), zip64=z))


def c_zip64_extra_short():
    es = base_entries()
    es[0].cd_extra = struct.pack("<HHI", 1, 4, 7)  # claims ZIP64 sizes, holds 4 bytes
    es[0].csize = es[0].usize = 0xFFFFFFFF
    return FILENAME, build(es)


def c_zip64_sizes_no_extra():
    es = base_entries()
    es[0].csize = es[0].usize = 0xFFFFFFFF
    return FILENAME, build(es)


def c_zip64_offset_huge():
    es = base_entries()
    d = es[0]
    comp = d.compressed()
    d.cd_extra = zip64_extra(len(d.data), len(comp), 1 << 62)
    return FILENAME, build(es)


def c_local_name_mismatch():
    es = base_entries()
    es[0].local_name = b"../evil.py"
    return FILENAME, build(es)


def c_local_sig_bad():
    data = bytearray(build(base_entries()))
    data[0:4] = b"PK\x09\x09"
    return FILENAME, bytes(data)


def c_method_unknown():
    es = base_entries()
    es[0].method = 99
    es[0].comp = b"\x00" * 6
    return FILENAME, build(es)


def c_encrypted():
    es = base_entries()
    es[0].flags = 1
    return FILENAME, build(es)


def c_extra_len_overflow():
    data = bytearray(build(base_entries()))
    cd = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, cd + 30, 0xFFFF)
    return FILENAME, bytes(data)


def c_overlap():
    data = bytearray(build(base_entries()))
    first = data.find(b"PK\x01\x02")
    second = data.find(b"PK\x01\x02", first + 4)
    struct.pack_into("<I", data, second + 42, 0)
    return FILENAME, bytes(data)


def c_crc_wrong():
    es = base_entries()
    es[0].crc = 0xDEADBEEF
    return FILENAME, build(es)


def c_usize_wrong():
    es = base_entries()
    es[0].usize = 3
    return FILENAME, build(es)


def c_record(text):
    return lambda: (FILENAME, build(base_entries(), record=text if isinstance(text, bytes) else text(base_entries())))


def rec_line(es, i, h=None, size=None):
    e = es[i]
    return "%s,%s,%s\n" % (e.name.decode(), b64hash(e.data) if h is None else h, len(e.data) if size is None else size)


def rec_all(es, fmt=None):
    return "".join(rec_line(es, i) for i in range(len(es))) + INFO + "/RECORD,,\n"


RECORDS = {
    "r-missing": False,
    "r-empty": b"",
    "r-unterminated-quote": lambda es: ('"' + rec_all(es)).encode(),
    "r-too-many-fields": lambda es: (rec_all(es).replace("\n", ",extra\n", 1)).encode(),
    "r-hash-md5": lambda es: (rec_line(es, 0, h="md5=" + base64.urlsafe_b64encode(hashlib.md5(es[0].data).digest()).rstrip(b"=").decode()) + rec_line(es, 1) + rec_line(es, 2) + INFO + "/RECORD,,\n").encode(),
    "r-hash-bad-base64": lambda es: (rec_line(es, 0, h="sha256=!!!not base64!!!") + rec_line(es, 1) + rec_line(es, 2) + INFO + "/RECORD,,\n").encode(),
    "r-hash-short": lambda es: (rec_line(es, 0, h="sha256=AAAA") + rec_line(es, 1) + rec_line(es, 2) + INFO + "/RECORD,,\n").encode(),
    "r-size-text": lambda es: (rec_line(es, 0, size="ten") + rec_line(es, 1) + rec_line(es, 2) + INFO + "/RECORD,,\n").encode(),
    "r-size-negative": lambda es: (rec_line(es, 0, size="-1") + rec_line(es, 1) + rec_line(es, 2) + INFO + "/RECORD,,\n").encode(),
    "r-size-huge": lambda es: (rec_line(es, 0, size="99999999999999999999999") + rec_line(es, 1) + rec_line(es, 2) + INFO + "/RECORD,,\n").encode(),
    "r-size-wrong": lambda es: (rec_line(es, 0, size="7") + rec_line(es, 1) + rec_line(es, 2) + INFO + "/RECORD,,\n").encode(),
    "r-crlf": lambda es: rec_all(es).replace("\n", "\r\n").encode(),
    "r-duplicate-path": lambda es: (rec_line(es, 0) + rec_all(es)).encode(),
    "r-nul": lambda es: rec_all(es).replace(",", ",\0", 1).encode(),
    "r-path-dotdot": lambda es: (rec_all(es) + "../outside.py,,\n").encode(),
    "r-long-line": lambda es: (rec_all(es) + NAME + "/" + "x" * (1 << 20) + ".py,,\n").encode(),
    "r-bom": lambda es: ("\ufeff" + rec_all(es)).encode(),
    "r-not-utf8": lambda es: rec_all(es).encode() + b"\xff\xfe,,\n",
}

METAS = {
    "m-no-version": b"Metadata-Version: 2.1\nName: demo-pkg\n\n",
    "m-no-name": b"Metadata-Version: 2.1\nVersion: 1.0\n\n",
    "m-version-bad": metadata(version="1..0"),
    "m-version-other": metadata(version="2.0"),
    "m-nul": metadata().replace(b"Summary: hostile", b"Summary: a\0b"),
    "m-not-utf8": metadata().replace(b"Summary: hostile", b"Summary: \xff\xfe"),
    "m-long-header": metadata(extra="X-Long: " + "x" * (8 << 20)),
    "m-many-headers": metadata(extra="".join("X-H%d: v\n" % i for i in range(200000))),
    "m-continuation": b" leading continuation\nMetadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n\n",
    "m-empty": b"",
}

WHEELS = {
    "wh-no-tag": wheel_text(tags=()),
    "wh-version-2": wheel_text().replace(b"Wheel-Version: 1.0", b"Wheel-Version: 2.0"),
    "wh-tag-garbage": wheel_text(tags=("../../x",)),
    "wh-tag-many": wheel_text(tags=tuple("py%d-none-any" % i for i in range(5000))),
    "wh-build-garbage": wheel_text(extra="Build: ../x\n"),
}


def c_meta(text):
    return lambda: (FILENAME, build(base_entries(meta=text)))


def c_wheel(text):
    return lambda: (FILENAME, build(base_entries(wheel=text)))


def c_filename(name):
    return lambda: (name, build(base_entries()))


CASES = {
    "w-valid": c_valid,
    # paths
    "w-dotdot": c_path("../evil"),
    "w-dotdot-deep": c_path(NAME + "/../../evil"),
    "w-dotdot-dist-info": c_path(INFO + "/../../evil"),
    "w-abs": c_path("/etc/evil"),
    "w-drive": c_path("C:/evil"),
    "w-backslash": c_path("..\\evil"),
    "w-empty-name": c_path(""),
    "w-nul-name": c_nul_name,
    "w-symlink-abs": c_symlink("/etc/passwd"),
    "w-symlink-out": c_symlink("../../../../../../root/.ssh/authorized_keys"),
    "w-symlink-up": c_symlink("../../x"),
    "w-symlink-in": c_symlink("../demo_pkg/__init__.py"),
    "w-duplicate": c_duplicate,
    "w-duplicate-metadata": c_duplicate_metadata,
    # bombs
    "w-bomb-metadata": c_bomb_metadata,
    "w-bomb-metadata-lying": c_bomb_metadata_lying,
    "w-bomb-record": c_bomb_record,
    "w-bomb-payload-claim": c_bomb_payload_claim,
    "w-bomb-payload-real": c_bomb_payload_real,
    # the zip structure
    "z-empty": c_empty,
    "z-eocd-only": c_eocd_only,
    "z-eocd-count-huge": c_eocd(n=0xFFFE),
    "z-eocd-cd-size-huge": c_eocd(size=0xFFFFFF00),
    "z-eocd-cd-offset-huge": c_eocd(offset=0x7FFFFFFF),
    "z-eocd-multidisk": c_eocd(disk=1),
    "z-comment-overflow": c_comment_overflow,
    "z-fake-eocd-in-comment": c_fake_eocd_in_comment,
    "z-truncated-cd": c_truncated_cd,
    "z-truncated-local": c_truncated_local,
    "z-zip64-locator-oob": c_zip64(locator_offset=1 << 40),
    "z-zip64-count-huge": c_zip64(n=1 << 62),
    "z-zip64-cd-size-huge": c_zip64(size=1 << 62),
    "z-zip64-cd-offset-huge": c_zip64(offset=(1 << 63) - 1),
    "z-zip64-multidisk": c_zip64(disk=3),
    "z-zip64-extra-short": c_zip64_extra_short,
    "z-zip64-sizes-no-extra": c_zip64_sizes_no_extra,
    "z-zip64-offset-huge": c_zip64_offset_huge,
    "z-local-name-mismatch": c_local_name_mismatch,
    "z-local-sig-bad": c_local_sig_bad,
    "z-method-unknown": c_method_unknown,
    "z-encrypted": c_encrypted,
    "z-extra-len-overflow": c_extra_len_overflow,
    "z-overlap": c_overlap,
    "z-crc-wrong": c_crc_wrong,
    "z-usize-wrong": c_usize_wrong,
    # file names
    "f-double-ext": c_filename(FILENAME + ".whl"),
    "f-dash-name": c_filename("demo-pkg-1.0-py3-none-any.whl"),
    "f-extra-part": c_filename("demo_pkg-1.0-py3-none-any-x.whl"),
    "f-version-bad": c_filename("demo_pkg-1..0-py3-none-any.whl"),
    "f-tag-empty": c_filename("demo_pkg-1.0--none-any.whl"),
}
CASES.update({k: c_record(v) if v is not False else (lambda: (FILENAME, build(base_entries(), record=False)))
              for k, v in RECORDS.items()})
CASES.update({k: c_meta(v) for k, v in METAS.items()})
CASES.update({k: c_wheel(v) for k, v in WHEELS.items()})


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or sorted(CASES)
    for name in names:
        fname, data = CASES[name]()
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
