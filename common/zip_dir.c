/* zip_dir.c - end records and central directory (see zip.h) */
#include "zip.h"
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int rk_wheel_invalid(struct rk_err *e, const char *what, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return rk_err_set(e, RK_INPUT, "invalid wheel '%s': %s", what, msg);
}

#define SIG_EOCD 0x06054b50u
#define SIG_Z64_LOC 0x07064b50u
#define SIG_Z64_EOCD 0x06064b50u
#define SIG_CENTRAL 0x02014b50u
#define EOCD_LEN 22u
#define Z64_LOC_LEN 20u
#define Z64_EOCD_LEN 56u
#define CENTRAL_LEN 46u
#define LOCAL_LEN 30u

uint16_t rk_le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t rk_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t rk_le64(const unsigned char *p)
{
    return (uint64_t)rk_le32(p) | (uint64_t)rk_le32(p + 4) << 32;
}

void rk_put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

void rk_put32(unsigned char *p, uint32_t v)
{
    rk_put16(p, (uint16_t)v);
    rk_put16(p + 2, (uint16_t)(v >> 16));
}

void rk_put64(unsigned char *p, uint64_t v)
{
    rk_put32(p, (uint32_t)v);
    rk_put32(p + 4, (uint32_t)(v >> 32));
}

int rk_pread_all(int fd, void *p, size_t n, uint64_t off, const char *what, struct rk_err *e)
{
    unsigned char *c = p;
    while (n > 0) {
        ssize_t r = pread(fd, c, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return rk_err_errno(e, RK_SYSTEM, "unable to read '%s'", what);
        if (r == 0)
            return rk_wheel_invalid(e, what, "truncated at byte %llu", (unsigned long long)off);
        c += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

void rk_zip_dir_init(struct rk_zip_dir *d)
{
    memset(d, 0, sizeof(*d));
}

void rk_zip_dir_release(struct rk_zip_dir *d)
{
    free(d->entries);
    free(d->comment);
    free(d->arena);
    rk_zip_dir_init(d);
}

/* the ZIP64 end record at loc->end_offset, found through the locator before the EOCD */
static int locate_zip64(const unsigned char *tail, uint64_t base, uint64_t eocd_off,
                        struct rk_zip_loc *loc, const char *what, struct rk_err *e)
{
    const unsigned char *l = tail + (eocd_off - Z64_LOC_LEN - base), *z;
    uint64_t zoff = rk_le64(l + 8);
    if (rk_le32(l + 4) != 0 || rk_le32(l + 16) > 1)
        return rk_wheel_invalid(e, what, "multi-disk archives are not supported");
    if (zoff > eocd_off - Z64_LOC_LEN || eocd_off - Z64_LOC_LEN - zoff < Z64_EOCD_LEN)
        return rk_wheel_invalid(e, what, "ZIP64 end record out of bounds");
    if (zoff < base) {
        loc->need = zoff;
        return 1;
    }
    z = tail + (zoff - base);
    if (rk_le32(z) != SIG_Z64_EOCD)
        return rk_wheel_invalid(e, what, "ZIP64 end record not found");
    if (rk_le64(z + 4) < Z64_EOCD_LEN - 12 || rk_le64(z + 4) > eocd_off - Z64_LOC_LEN - zoff - 12)
        return rk_wheel_invalid(e, what, "ZIP64 end record has a bad size");
    if (rk_le32(z + 16) != 0 || rk_le32(z + 20) != 0 || rk_le64(z + 24) != rk_le64(z + 32))
        return rk_wheel_invalid(e, what, "multi-disk archives are not supported");
    loc->zip64 = 1;
    loc->nentries = rk_le64(z + 32);
    loc->cd_size = rk_le64(z + 40);
    loc->cd_offset = rk_le64(z + 48);
    loc->end_offset = zoff;
    return 0;
}

/* the last EOCD signature whose comment ends exactly at the end of the file */
static long find_eocd(const unsigned char *tail, size_t tail_len)
{
    if (tail_len < EOCD_LEN)
        return -1;
    for (size_t i = tail_len - EOCD_LEN + 1; i-- > 0;) {
        if (rk_le32(tail + i) == SIG_EOCD && i + EOCD_LEN + rk_le16(tail + i + 20) == tail_len)
            return (long)i;
        if (tail_len - i > EOCD_LEN + 65535u)
            break;
    }
    return -1;
}

static int eocd_fields(const unsigned char *p, struct rk_zip_loc *loc, const char *what,
                       struct rk_err *e)
{
    if (rk_le16(p + 4) != 0 || rk_le16(p + 6) != 0 || rk_le16(p + 8) != rk_le16(p + 10))
        return rk_wheel_invalid(e, what, "multi-disk archives are not supported");
    loc->nentries = rk_le16(p + 10);
    loc->cd_size = rk_le32(p + 12);
    loc->cd_offset = rk_le32(p + 16);
    loc->comment_len = rk_le16(p + 20);
    return 0;
}

int rk_zip_locate(const void *tail_p, size_t tail_len, uint64_t file_size, struct rk_zip_loc *loc,
                  const char *what, struct rk_err *e)
{
    const unsigned char *tail = tail_p;
    uint64_t base, eocd_off;
    long at;
    int rc = 0;
    memset(loc, 0, sizeof(*loc));
    loc->file_size = file_size;
    if (tail_len > file_size)
        return rk_err_set(e, RK_SYSTEM, "zip tail of '%s' longer than the file", what);
    base = file_size - tail_len;
    at = find_eocd(tail, tail_len);
    if (at < 0)
        return rk_wheel_invalid(e, what, "not a zip file (no end of central directory record)");
    eocd_off = base + (uint64_t)at;
    if (eocd_fields(tail + at, loc, what, e) < 0)
        return -1;
    loc->comment_offset = eocd_off + EOCD_LEN;
    loc->end_offset = eocd_off;
    if (eocd_off >= Z64_LOC_LEN && eocd_off - Z64_LOC_LEN >= base &&
        rk_le32(tail + at - Z64_LOC_LEN) == SIG_Z64_LOC) {
        rc = locate_zip64(tail, base, eocd_off, loc, what, e);
        if (rc != 0)
            return rc;
    } else if (eocd_off >= Z64_LOC_LEN && eocd_off - Z64_LOC_LEN < base) {
        /* the locator, if any, is before the tail: ask for more */
        loc->need = eocd_off - Z64_LOC_LEN;
        return 1;
    }
    if (loc->cd_offset > loc->end_offset || loc->cd_size > loc->end_offset - loc->cd_offset)
        return rk_wheel_invalid(e, what, "central directory out of bounds");
    if (loc->cd_size > RK_ZIP_CD_MAX || loc->nentries > RK_ZIP_MAX_ENTRIES)
        return rk_wheel_invalid(e, what, "central directory too large");
    if (loc->nentries > loc->cd_size / CENTRAL_LEN)
        return rk_wheel_invalid(e, what, "entry count %llu does not fit the central directory",
                                (unsigned long long)loc->nentries);
    return 0;
}

/* resolve 0xFFFF.. fields from the ZIP64 extra field */
static int central_zip64(struct rk_zip_entry *ze, uint32_t csize32, uint32_t usize32,
                         uint32_t off32, const char *what, struct rk_err *e)
{
    const unsigned char *x = ze->extra, *end = ze->extra + ze->extra_len;
    ze->usize = usize32;
    ze->csize = csize32;
    ze->offset = off32;
    if (usize32 != 0xFFFFFFFFu && csize32 != 0xFFFFFFFFu && off32 != 0xFFFFFFFFu)
        return 0;
    while (end - x >= 4) {
        uint16_t id = rk_le16(x), len = rk_le16(x + 2);
        const unsigned char *p = x + 4, *pe = p + len;
        if (len > end - p)
            break;
        if (id == 1) {
            if (usize32 == 0xFFFFFFFFu) {
                if (pe - p < 8)
                    break;
                ze->usize = rk_le64(p), p += 8;
            }
            if (csize32 == 0xFFFFFFFFu) {
                if (pe - p < 8)
                    break;
                ze->csize = rk_le64(p), p += 8;
            }
            if (off32 == 0xFFFFFFFFu) {
                if (pe - p < 8)
                    break;
                ze->offset = rk_le64(p);
            }
            return 0;
        }
        x = pe;
    }
    return rk_wheel_invalid(e, what, "entry '%s' lacks its ZIP64 extra field", ze->name);
}

static int parse_one(struct rk_zip_dir *d, struct rk_zip_entry *ze, const unsigned char *p,
                     size_t avail, size_t *used, unsigned char **arena, const char *what,
                     struct rk_err *e)
{
    size_t nl, xl, cl;
    if (avail < CENTRAL_LEN || rk_le32(p) != SIG_CENTRAL)
        return rk_wheel_invalid(e, what, "central directory entry %zu is damaged", d->n);
    nl = rk_le16(p + 28), xl = rk_le16(p + 30), cl = rk_le16(p + 32);
    if (CENTRAL_LEN + nl + xl + cl > avail)
        return rk_wheel_invalid(e, what, "central directory entry %zu overruns the directory",
                                d->n);
    if (nl == 0 || memchr(p + CENTRAL_LEN, 0, nl))
        return rk_wheel_invalid(e, what, "entry %zu has an empty name or a NUL byte in its name",
                                d->n);
    if (rk_le16(p + 34) != 0 && rk_le16(p + 34) != 0xFFFF)
        return rk_wheel_invalid(e, what, "multi-disk archives are not supported");
    memcpy(*arena, p + CENTRAL_LEN, nl);
    (*arena)[nl] = '\0';
    ze->name = (const char *)*arena, ze->name_len = (uint16_t)nl;
    memcpy(*arena + nl + 1, p + CENTRAL_LEN + nl, xl + cl);
    ze->extra = *arena + nl + 1, ze->extra_len = (uint16_t)xl;
    ze->comment = ze->extra + xl, ze->comment_len = (uint16_t)cl;
    *arena += nl + 1 + xl + cl;
    ze->version_made = rk_le16(p + 4), ze->version_needed = rk_le16(p + 6);
    ze->flags = rk_le16(p + 8), ze->method = rk_le16(p + 10);
    ze->mtime = rk_le16(p + 12), ze->mdate = rk_le16(p + 14);
    ze->crc32 = rk_le32(p + 16);
    ze->internal_attr = rk_le16(p + 36), ze->external_attr = rk_le32(p + 38);
    *used = CENTRAL_LEN + nl + xl + cl;
    return central_zip64(ze, rk_le32(p + 20), rk_le32(p + 24), rk_le32(p + 42), what, e);
}

static int check_entry_bounds(const struct rk_zip_dir *d, const struct rk_zip_entry *ze,
                              const char *what, struct rk_err *e)
{
    uint64_t cd = d->loc.cd_offset;
    if (ze->flags & RK_ZIP_FLAG_ENCRYPTED)
        return rk_wheel_invalid(e, what, "entry '%s' is encrypted", ze->name);
    if (ze->offset > cd || cd - ze->offset < LOCAL_LEN + (uint64_t)ze->name_len ||
        ze->csize > cd - ze->offset - LOCAL_LEN - ze->name_len)
        return rk_wheel_invalid(e, what, "entry '%s' lies outside the archive", ze->name);
    if (ze->method == RK_ZIP_STORED && ze->csize != ze->usize)
        return rk_wheel_invalid(e, what, "stored entry '%s' has different sizes", ze->name);
    return 0;
}

int rk_zip_dir_parse(struct rk_zip_dir *d, const void *cd_p, size_t cd_len,
                     const struct rk_zip_loc *loc, const char *what, struct rk_err *e)
{
    const unsigned char *cd = cd_p;
    unsigned char *arena;
    size_t pos = 0;
    rk_zip_dir_init(d);
    d->loc = *loc;
    if (cd_len != loc->cd_size || loc->nentries > RK_ZIP_MAX_ENTRIES)
        return rk_wheel_invalid(e, what, "central directory size mismatch");
    d->entries = calloc(loc->nentries ? loc->nentries : 1, sizeof(*d->entries));
    d->arena = arena = malloc(cd_len + loc->nentries + 1);
    if (!d->entries || !d->arena) {
        rk_zip_dir_release(d);
        return rk_err_set(e, RK_SYSTEM, "unable to read '%s': out of memory", what);
    }
    for (uint64_t i = 0; i < loc->nentries; i++) {
        size_t used = 0;
        struct rk_zip_entry *ze = &d->entries[d->n];
        if (parse_one(d, ze, cd + pos, cd_len - pos, &used, &arena, what, e) < 0 ||
            check_entry_bounds(d, ze, what, e) < 0) {
            rk_zip_dir_release(d);
            return -1;
        }
        pos += used;
        d->n++;
    }
    if (pos != cd_len) {
        rk_zip_dir_release(d);
        return rk_wheel_invalid(e, what, "central directory has %zu trailing bytes", cd_len - pos);
    }
    return 0;
}

static int take_comment(struct rk_zip_dir *d, const unsigned char *p, const char *what,
                        struct rk_err *e)
{
    if (!d->loc.comment_len)
        return 0;
    d->comment = malloc(d->loc.comment_len);
    if (!d->comment)
        return rk_err_set(e, RK_SYSTEM, "unable to read '%s': out of memory", what);
    memcpy(d->comment, p, d->loc.comment_len);
    return 0;
}

int rk_zip_dir_from_tail(struct rk_zip_dir *d, const void *tail_p, size_t tail_len,
                         uint64_t file_size, const char *what, struct rk_err *e)
{
    const unsigned char *tail = tail_p;
    struct rk_zip_loc loc;
    uint64_t base = file_size >= tail_len ? file_size - tail_len : 0;
    int rc = rk_zip_locate(tail, tail_len, file_size, &loc, what, e);
    rk_zip_dir_init(d);
    if (rc != 0) {
        d->loc = loc;
        return rc;
    }
    if (loc.cd_offset < base) {
        loc.need = loc.cd_offset;
        d->loc = loc;
        return 1;
    }
    if (rk_zip_dir_parse(d, tail + (loc.cd_offset - base), (size_t)loc.cd_size, &loc, what, e) < 0)
        return -1;
    if (take_comment(d, tail + (loc.comment_offset - base), what, e) < 0) {
        rk_zip_dir_release(d);
        return -1;
    }
    return 0;
}

static int read_tail(int fd, uint64_t size, uint64_t from, unsigned char **out, const char *what,
                     struct rk_err *e)
{
    *out = malloc(size - from ? (size_t)(size - from) : 1);
    if (!*out)
        return rk_err_set(e, RK_SYSTEM, "unable to read '%s': out of memory", what);
    if (rk_pread_all(fd, *out, (size_t)(size - from), from, what, e) < 0) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int rk_zip_dir_read(struct rk_zip_dir *d, int fd, const char *what, struct rk_err *e)
{
    struct stat st;
    unsigned char *tail = NULL;
    uint64_t size, from;
    int rc;
    rk_zip_dir_init(d);
    if (fstat(fd, &st) < 0)
        return rk_err_errno(e, RK_SYSTEM, "unable to stat '%s'", what);
    size = (uint64_t)st.st_size;
    from = size > RK_ZIP_TAIL_MIN ? size - RK_ZIP_TAIL_MIN : 0;
    for (int round = 0; round < 3; round++) {
        if (read_tail(fd, size, from, &tail, what, e) < 0)
            return -1;
        rc = rk_zip_dir_from_tail(d, tail, (size_t)(size - from), size, what, e);
        free(tail);
        if (rc <= 0)
            return rc;
        if (d->loc.need >= from || size - d->loc.need > RK_ZIP_CD_MAX + RK_ZIP_TAIL_MIN + 4096) {
            rk_zip_dir_release(d);
            return rk_wheel_invalid(e, what, "central directory out of bounds");
        }
        from = d->loc.need;
        rk_zip_dir_release(d);
    }
    return rk_wheel_invalid(e, what, "central directory out of bounds");
}

long rk_zip_dir_find(const struct rk_zip_dir *d, const char *name)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->entries[i].name, name) == 0)
            return (long)i;
    return -1;
}

int rk_zip_entry_is_dir(const struct rk_zip_entry *ze)
{
    return ze->name_len > 0 && ze->name[ze->name_len - 1] == '/';
}
