/* zip_read.c - local headers, entry spans, streaming decompression (see zip.h) */
#include "zip.h"
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_DESCRIPTOR 0x08074b50u
#define LOCAL_LEN 30u
#define INFLATE_OUT ((size_t)64 << 10)

void rk_zip_local_release(struct rk_zip_local *lo)
{
    free(lo->extra);
    memset(lo, 0, sizeof(*lo));
}

static int has_zip64_extra(const unsigned char *x, size_t n)
{
    while (n >= 4) {
        size_t len = rk_le16(x + 2);
        if (rk_le16(x) == 1)
            return 1;
        if (len > n - 4)
            return 0;
        x += 4 + len, n -= 4 + len;
    }
    return 0;
}

static int match_descriptor(const unsigned char *b, size_t avail, size_t s, int wide,
                            const struct rk_zip_entry *ze, size_t *len)
{
    if (avail < s + 12 || rk_le32(b + s) != ze->crc32)
        return 0;
    if (!wide && rk_le32(b + s + 4) == ze->csize && rk_le32(b + s + 8) == ze->usize) {
        *len = s + 12;
        return 1;
    }
    if (avail >= s + 20 && rk_le64(b + s + 4) == ze->csize && rk_le64(b + s + 12) == ze->usize) {
        *len = s + 20;
        return 1;
    }
    return 0;
}

/* the data descriptor after the data: optional signature, crc, 32- or 64-bit sizes */
static int read_descriptor(int fd, const struct rk_zip_dir *d, const struct rk_zip_entry *ze,
                           struct rk_zip_local *lo, const char *what, struct rk_err *e)
{
    unsigned char b[24];
    uint64_t data_end = lo->data_offset + ze->csize;
    size_t avail = d->loc.cd_offset - data_end < 24 ? (size_t)(d->loc.cd_offset - data_end) : 24;
    size_t len = 0;
    int wide = has_zip64_extra(lo->extra, lo->extra_len);
    if (rk_pread_all(fd, b, avail, data_end, what, e) < 0)
        return -1;
    if ((avail >= 4 && rk_le32(b) == SIG_DESCRIPTOR &&
         match_descriptor(b, avail, 4, wide, ze, &len)) ||
        match_descriptor(b, avail, 0, wide, ze, &len) ||
        (avail >= 4 && rk_le32(b) == SIG_DESCRIPTOR &&
         match_descriptor(b, avail, 4, 0, ze, &len)) ||
        match_descriptor(b, avail, 0, 0, ze, &len)) {
        lo->end_offset = data_end + len;
        return 0;
    }
    return rk_wheel_invalid(e, what, "data descriptor of '%s' does not match the central directory",
                            ze->name);
}

static int check_local_fields(const unsigned char *h, const struct rk_zip_entry *ze,
                              const char *what, struct rk_err *e)
{
    uint16_t flags = rk_le16(h + 6);
    if (flags & RK_ZIP_FLAG_ENCRYPTED)
        return rk_wheel_invalid(e, what, "entry '%s' is encrypted", ze->name);
    if (rk_le16(h + 8) != ze->method)
        return rk_wheel_invalid(
            e, what, "local header of '%s' disagrees with the central directory", ze->name);
    if (flags & RK_ZIP_FLAG_DESCRIPTOR)
        return 0;
    if (rk_le32(h + 14) != ze->crc32 ||
        (rk_le32(h + 18) != 0xFFFFFFFFu && rk_le32(h + 18) != ze->csize) ||
        (rk_le32(h + 22) != 0xFFFFFFFFu && rk_le32(h + 22) != ze->usize))
        return rk_wheel_invalid(
            e, what, "local header of '%s' disagrees with the central directory", ze->name);
    return 0;
}

int rk_zip_local_read(int fd, const struct rk_zip_dir *d, const struct rk_zip_entry *ze,
                      struct rk_zip_local *lo, const char *what, struct rk_err *e)
{
    unsigned char h[LOCAL_LEN], *ne;
    uint64_t cd = d->loc.cd_offset;
    size_t nl, xl;
    memset(lo, 0, sizeof(*lo));
    lo->header_offset = ze->offset;
    if (rk_pread_all(fd, h, LOCAL_LEN, ze->offset, what, e) < 0)
        return -1;
    if (rk_le32(h) != SIG_LOCAL)
        return rk_wheel_invalid(e, what, "local header of '%s' not found", ze->name);
    nl = rk_le16(h + 26), xl = rk_le16(h + 28);
    lo->data_offset = ze->offset + LOCAL_LEN + nl + xl;
    if (lo->data_offset > cd || ze->csize > cd - lo->data_offset)
        return rk_wheel_invalid(e, what, "entry '%s' lies outside the archive", ze->name);
    if (check_local_fields(h, ze, what, e) < 0)
        return -1;
    ne = malloc(nl + xl + 1);
    if (!ne)
        return rk_err_set(e, RK_SYSTEM, "unable to read '%s': out of memory", what);
    if (rk_pread_all(fd, ne, nl + xl, ze->offset + LOCAL_LEN, what, e) < 0) {
        free(ne);
        return -1;
    }
    if (nl != ze->name_len || memcmp(ne, ze->name, nl) != 0) {
        free(ne);
        return rk_wheel_invalid(e, what, "local name of '%s' differs from the central directory",
                                ze->name);
    }
    memmove(ne, ne + nl, xl);
    lo->extra = ne;
    lo->extra_len = (uint16_t)xl;
    lo->end_offset = lo->data_offset + ze->csize;
    if ((rk_le16(h + 6) & RK_ZIP_FLAG_DESCRIPTOR) && read_descriptor(fd, d, ze, lo, what, e) < 0) {
        rk_zip_local_release(lo);
        return -1;
    }
    return 0;
}

struct span {
    uint64_t start, end;
    size_t i;
};

static int span_cmp(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

int rk_zip_dir_check_spans(const struct rk_zip_dir *d, const char *what, struct rk_err *e)
{
    struct span *s;
    if (d->n < 2)
        return 0;
    s = malloc(d->n * sizeof(*s));
    if (!s)
        return rk_err_set(e, RK_SYSTEM, "unable to read '%s': out of memory", what);
    for (size_t i = 0; i < d->n; i++) {
        const struct rk_zip_entry *ze = &d->entries[i];
        s[i].start = ze->offset;
        s[i].end = ze->offset + LOCAL_LEN + ze->name_len + ze->csize; /* bounded by parse */
        s[i].i = i;
    }
    qsort(s, d->n, sizeof(*s), span_cmp);
    for (size_t i = 1; i < d->n; i++) {
        if (s[i].start < s[i - 1].end) {
            const char *a = d->entries[s[i - 1].i].name, *b = d->entries[s[i].i].name;
            free(s);
            return rk_wheel_invalid(e, what, "entries '%s' and '%s' overlap", a, b);
        }
    }
    free(s);
    return 0;
}

int rk_zip_inflate_begin(struct rk_zip_inflate *z, const struct rk_zip_entry *ze, rk_zip_sink sink,
                         void *arg, const char *what, struct rk_err *e)
{
    memset(z, 0, sizeof(*z));
    z->ze = ze, z->sink = sink, z->arg = arg, z->what = what;
    z->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    if (ze->method == RK_ZIP_STORED)
        return 0;
    if (ze->method != RK_ZIP_DEFLATED)
        return rk_wheel_invalid(e, what, "entry '%s' uses unsupported compression method %u",
                                ze->name, ze->method);
    z->z = calloc(1, sizeof(z_stream));
    z->out = malloc(INFLATE_OUT);
    if (!z->z || !z->out || inflateInit2((z_stream *)z->z, -MAX_WBITS) != Z_OK) {
        free(z->z);
        free(z->out);
        z->z = NULL, z->out = NULL;
        return rk_err_set(e, RK_SYSTEM, "unable to start inflating: out of memory");
    }
    return 0;
}

static int emit(struct rk_zip_inflate *z, const unsigned char *p, size_t n, struct rk_err *e)
{
    if (n > z->ze->usize - z->seen)
        return rk_wheel_invalid(e, z->what, "entry '%s' is larger than its recorded size",
                                z->ze->name);
    z->seen += n;
    while (n > 0) {
        uInt k = n > 0x40000000u ? 0x40000000u : (uInt)n;
        z->crc = (uint32_t)crc32(z->crc, p, k);
        if (z->sink && z->sink(z->arg, p, k, e) < 0)
            return -1;
        p += k, n -= k;
    }
    return 0;
}

int rk_zip_inflate_feed(struct rk_zip_inflate *z, const void *p, size_t n, struct rk_err *e)
{
    z_stream *s = z->z;
    if (!s)
        return emit(z, p, n, e);
    s->next_in = (Bytef *)(uintptr_t)p;
    s->avail_in = (uInt)n;
    while (s->avail_in > 0) {
        int rc;
        if (z->done)
            return rk_wheel_invalid(e, z->what, "entry '%s' has data after its deflate stream",
                                    z->ze->name);
        s->next_out = z->out;
        s->avail_out = (uInt)INFLATE_OUT;
        rc = inflate(s, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && s->avail_out == 0))
            return rk_wheel_invalid(e, z->what, "entry '%s' is not valid deflate data",
                                    z->ze->name);
        if (rc == Z_STREAM_END)
            z->done = 1;
        if (emit(z, z->out, INFLATE_OUT - s->avail_out, e) < 0)
            return -1;
    }
    return 0;
}

void rk_zip_inflate_release(struct rk_zip_inflate *z)
{
    if (z->z)
        inflateEnd((z_stream *)z->z);
    free(z->z);
    free(z->out);
    z->z = NULL, z->out = NULL;
}

int rk_zip_inflate_end(struct rk_zip_inflate *z, struct rk_err *e)
{
    int rc = 0;
    while (z->z && !z->done && rc == 0) {
        /* flush what inflate still holds */
        z_stream *s = z->z;
        int r;
        s->next_in = NULL, s->avail_in = 0;
        s->next_out = z->out, s->avail_out = (uInt)INFLATE_OUT;
        r = inflate(s, Z_FINISH);
        if (r == Z_STREAM_END)
            z->done = 1;
        if (INFLATE_OUT - s->avail_out == 0 && r != Z_STREAM_END)
            rc = rk_wheel_invalid(e, z->what, "entry '%s' is truncated", z->ze->name);
        else if (emit(z, z->out, INFLATE_OUT - s->avail_out, e) < 0)
            rc = -1;
    }
    if (rc == 0 && z->seen != z->ze->usize)
        rc = rk_wheel_invalid(e, z->what, "entry '%s' is shorter than its recorded size",
                              z->ze->name);
    if (rc == 0 && z->crc != z->ze->crc32)
        rc = rk_wheel_invalid(e, z->what, "entry '%s' fails its CRC-32 check", z->ze->name);
    rk_zip_inflate_release(z);
    return rc;
}

static int sink_buf(void *arg, const void *p, size_t n, struct rk_err *e)
{
    struct rk_buf *b = arg;
    if (rk_buf_append(b, p, n) < 0)
        return rk_err_set(e, errno == EFBIG ? RK_INPUT : RK_SYSTEM,
                          "entry is larger than %zu bytes", b->max);
    return 0;
}

int rk_zip_extract(int fd, const struct rk_zip_dir *d, const struct rk_zip_entry *ze,
                   struct rk_buf *out, const char *what, struct rk_err *e)
{
    struct rk_zip_local lo;
    struct rk_zip_inflate z;
    unsigned char chunk[16384];
    uint64_t pos, left;
    if (ze->usize > out->max)
        return rk_wheel_invalid(e, what, "entry '%s' is larger than %zu bytes", ze->name, out->max);
    if (rk_zip_local_read(fd, d, ze, &lo, what, e) < 0)
        return -1;
    pos = lo.data_offset, left = ze->csize;
    rk_zip_local_release(&lo);
    if (rk_zip_inflate_begin(&z, ze, sink_buf, out, what, e) < 0)
        return -1;
    while (left > 0) {
        size_t k = left > sizeof(chunk) ? sizeof(chunk) : (size_t)left;
        if (rk_pread_all(fd, chunk, k, pos, what, e) < 0 ||
            rk_zip_inflate_feed(&z, chunk, k, e) < 0) {
            rk_zip_inflate_release(&z);
            return -1;
        }
        pos += k, left -= k;
    }
    return rk_zip_inflate_end(&z, e);
}
