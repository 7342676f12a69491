/* zip_write.c - the raw-copying zip writer (see zip.h) */
#define _GNU_SOURCE /* copy_file_range */
#include "zip.h"
#include "err.h"
#include "fs.h"
#include "zip_hash.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_Z64_LOC 0x07064b50u
#define SIG_Z64_EOCD 0x06064b50u
#define LOCAL_LEN 30u
#define CENTRAL_LEN 46u
#define MAX32 0xFFFFFFFFu
#define KERNEL_COPY_MIN ((uint64_t)64 << 10) /* smaller ranges go through io */
#define KERNEL_COPY_CHUNK ((size_t)8 << 20)  /* the hasher follows this closely */
#define ADD_MAX ((size_t)256 << 20)          /* largest content added with rk_zip_writer_add */

int rk_zip_writer_init(struct rk_zip_writer *w, int fd, const char *what, struct rk_err *e)
{
    memset(w, 0, sizeof(*w));
    w->fd = fd;
    w->what = what;
    rk_buf_init(&w->cd, RK_ZIP_CD_MAX);
    w->io = malloc(RK_ZIP_IOBUF);
    if (!w->io)
        return rk_err_set(e, RK_SYSTEM, "unable to write '%s': out of memory", what);
    if (rk_zip_hasher_start(&w->hasher, fd, e) < 0) {
        free(w->io);
        w->io = NULL;
        return -1;
    }
    return 0;
}

void rk_zip_writer_release(struct rk_zip_writer *w)
{
    rk_buf_release(&w->cd);
    rk_zip_hasher_abort(w->hasher);
    w->hasher = NULL;
    free(w->io);
    w->io = NULL;
}

/* start writing back what is complete, so that the final fsync has little left to do */
static void start_writeback(struct rk_zip_writer *w)
{
    if (w->off - w->flushed >= KERNEL_COPY_CHUNK) {
        sync_file_range(w->fd, (off64_t)w->flushed, (off64_t)(w->off - w->flushed),
                        SYNC_FILE_RANGE_WRITE);
        w->flushed = w->off;
    }
}

static int flush_pending(struct rk_zip_writer *w, struct rk_err *e);

static int wr(struct rk_zip_writer *w, const void *p, size_t n, struct rk_err *e)
{
    if (w->pend_to > w->pend_from && flush_pending(w, e) < 0)
        return -1;
    if (rk_write_all(w->fd, p, n, w->what, e) < 0)
        return -1;
    w->off += n;
    if (w->off - w->published >= RK_ZIP_IOBUF) {
        rk_zip_hasher_publish(w->hasher, w->off);
        w->published = w->off;
        start_writeback(w);
    }
    return 0;
}

static int name_is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

/* extra field x without its ZIP64 (0x0001) record, into out (65535 bytes at least) */
static size_t strip_zip64(const unsigned char *x, size_t n, unsigned char *out)
{
    size_t o = 0;
    if (!x)
        return 0;
    while (n >= 4) {
        size_t len = rk_le16(x + 2);
        if (len > n - 4) {
            memcpy(out + o, x, n); /* keep trailing odd bytes as they were */
            return o + n;
        }
        if (rk_le16(x) != 1) {
            memcpy(out + o, x, 4 + len);
            o += 4 + len;
        }
        x += 4 + len, n -= 4 + len;
    }
    memcpy(out + o, x, n);
    return o + n;
}

struct central {
    const struct rk_zip_entry *ze;
    const char *name;
    uint16_t flags, version_needed;
    uint64_t offset;
};

static int central_add(struct rk_zip_writer *w, const struct central *c, struct rk_err *e)
{
    const struct rk_zip_entry *ze = c->ze;
    unsigned char h[CENTRAL_LEN], x[65536 + 28], z[28];
    size_t nl = strlen(c->name), xl = strip_zip64(ze->extra, ze->extra_len, x), zl = 4;
    uint16_t need = c->version_needed;
    if (ze->usize >= MAX32)
        rk_put64(z + zl, ze->usize), zl += 8;
    if (ze->csize >= MAX32)
        rk_put64(z + zl, ze->csize), zl += 8;
    if (c->offset >= MAX32)
        rk_put64(z + zl, c->offset), zl += 8;
    if (zl > 4) {
        rk_put16(z, 1), rk_put16(z + 2, (uint16_t)(zl - 4));
        memcpy(x + xl, z, zl);
        xl += zl;
        need = need < 45 ? 45 : need;
    }
    if (xl > 65535 || nl > 65535)
        return rk_err_set(e, RK_INPUT, "invalid wheel '%s': extra field of '%s' too long", w->what,
                          c->name);
    rk_put32(h, SIG_CENTRAL);
    rk_put16(h + 4, ze->version_made), rk_put16(h + 6, need);
    rk_put16(h + 8, c->flags), rk_put16(h + 10, ze->method);
    rk_put16(h + 12, ze->mtime), rk_put16(h + 14, ze->mdate);
    rk_put32(h + 16, ze->crc32);
    rk_put32(h + 20, ze->csize >= MAX32 ? MAX32 : (uint32_t)ze->csize);
    rk_put32(h + 24, ze->usize >= MAX32 ? MAX32 : (uint32_t)ze->usize);
    rk_put16(h + 28, (uint16_t)nl), rk_put16(h + 30, (uint16_t)xl);
    rk_put16(h + 32, ze->comment_len), rk_put16(h + 34, 0);
    rk_put16(h + 36, ze->internal_attr), rk_put32(h + 38, ze->external_attr);
    rk_put32(h + 42, c->offset >= MAX32 ? MAX32 : (uint32_t)c->offset);
    if (rk_buf_append(&w->cd, h, sizeof(h)) < 0 || rk_buf_append(&w->cd, c->name, nl) < 0 ||
        rk_buf_append(&w->cd, x, xl) < 0 ||
        (ze->comment_len && rk_buf_append(&w->cd, ze->comment, ze->comment_len) < 0))
        return rk_err_set(e, RK_INPUT, "invalid wheel '%s': central directory too large", w->what);
    w->n++;
    return 0;
}

/* copy [*from, to) of src in the kernel, advancing *from; 1 when the kernel cannot do it
 * here (the caller goes on with the rest) */
static int kernel_copy(struct rk_zip_writer *w, int src, uint64_t *from, uint64_t to,
                       struct rk_err *e)
{
    while (*from < to) {
        loff_t in = (loff_t)*from;
        size_t k = to - *from > KERNEL_COPY_CHUNK ? KERNEL_COPY_CHUNK : (size_t)(to - *from);
        ssize_t r = copy_file_range(src, &in, w->fd, NULL, k, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP ||
                      errno == EBADF))
            return 1;
        if (r < 0)
            return rk_err_errno(e, RK_SYSTEM, "unable to write '%s'", w->what);
        if (r == 0)
            return rk_err_set(e, RK_INPUT, "invalid wheel '%s': truncated", w->what);
        *from += (uint64_t)r;
        w->off += (uint64_t)r;
        rk_zip_hasher_publish(w->hasher, w->off);
        start_writeback(w);
    }
    return 0;
}

/* copy [from, to) of src; compressed data is also fed to tap */
static int copy_range(struct rk_zip_writer *w, int src, uint64_t from, uint64_t to,
                      struct rk_zip_inflate *tap, struct rk_err *e)
{
    if (!tap && to - from >= KERNEL_COPY_MIN) {
        int rc = kernel_copy(w, src, &from, to, e);
        if (rc <= 0)
            return rc;
    }
    while (from < to) {
        size_t k = to - from > RK_ZIP_IOBUF ? RK_ZIP_IOBUF : (size_t)(to - from);
        if (rk_pread_all(src, w->io, k, from, w->what, e) < 0)
            return -1;
        if (tap && rk_zip_inflate_feed(tap, w->io, k, e) < 0)
            return -1;
        if (wr(w, w->io, k, e) < 0)
            return -1;
        from += k;
    }
    return 0;
}

/* a new local header for an entry whose name changes: the old one with the new name */
static int renamed_header(struct rk_zip_writer *w, int src, const struct rk_zip_local *lo,
                          const char *name, uint16_t *flags, struct rk_err *e)
{
    unsigned char h[LOCAL_LEN];
    size_t nl = strlen(name);
    if (nl > 65535)
        return rk_err_set(e, RK_INPUT, "invalid wheel '%s': name too long", w->what);
    if (rk_pread_all(src, h, LOCAL_LEN, lo->header_offset, w->what, e) < 0)
        return -1;
    if (!name_is_ascii(name))
        rk_put16(h + 6, rk_le16(h + 6) | RK_ZIP_FLAG_UTF8);
    *flags = rk_le16(h + 6);
    rk_put16(h + 26, (uint16_t)nl);
    if (wr(w, h, LOCAL_LEN, e) < 0 || wr(w, name, nl, e) < 0 ||
        wr(w, lo->extra, lo->extra_len, e) < 0)
        return -1;
    return 0;
}

/* unchanged entries that follow each other in the source are copied as one range */
static int flush_pending(struct rk_zip_writer *w, struct rk_err *e)
{
    uint64_t from = w->pend_from, to = w->pend_to;
    w->pend_from = w->pend_to = 0;
    return to > from ? copy_range(w, w->pend_fd, from, to, NULL, e) : 0;
}

static int copy_later(struct rk_zip_writer *w, int src_fd, const struct rk_zip_entry *ze,
                      const struct rk_zip_local *lo, struct rk_err *e)
{
    struct central c = {ze, ze->name, ze->flags, ze->version_needed, 0};
    if (w->pend_to > w->pend_from && (w->pend_fd != src_fd || w->pend_to != lo->header_offset) &&
        flush_pending(w, e) < 0)
        return -1;
    if (w->pend_to == w->pend_from) {
        w->pend_fd = src_fd;
        w->pend_from = w->pend_to = lo->header_offset;
    }
    c.offset = w->off + (w->pend_to - w->pend_from);
    w->pend_to = lo->end_offset;
    return central_add(w, &c, e);
}

int rk_zip_writer_copy(struct rk_zip_writer *w, int src_fd, const struct rk_zip_entry *ze,
                       const struct rk_zip_local *lo, const char *new_name,
                       struct rk_zip_inflate *tap, struct rk_err *e)
{
    struct central c = {ze, new_name ? new_name : ze->name, ze->flags, ze->version_needed, 0};
    int renamed = new_name && strcmp(new_name, ze->name) != 0;
    if (!renamed && !tap)
        return copy_later(w, src_fd, ze, lo, e);
    if (flush_pending(w, e) < 0)
        return -1;
    c.offset = w->off;
    if (renamed) {
        uint16_t lflags;
        if (renamed_header(w, src_fd, lo, new_name, &lflags, e) < 0)
            return -1;
        if (!name_is_ascii(new_name))
            c.flags |= RK_ZIP_FLAG_UTF8;
    } else if (copy_range(w, src_fd, lo->header_offset, lo->data_offset, NULL, e) < 0) {
        return -1;
    }
    if (copy_range(w, src_fd, lo->data_offset, lo->data_offset + ze->csize, tap, e) < 0 ||
        copy_range(w, src_fd, lo->data_offset + ze->csize, lo->end_offset, NULL, e) < 0)
        return -1;
    return central_add(w, &c, e);
}

static int deflate_all(const void *data, size_t len, unsigned char **out, size_t *out_len,
                       struct rk_err *e)
{
    z_stream s;
    uLong bound;
    memset(&s, 0, sizeof(s));
    if (deflateInit2(&s, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return rk_err_set(e, RK_SYSTEM, "unable to start deflating");
    bound = deflateBound(&s, (uLong)len);
    *out = malloc(bound ? bound : 1);
    if (!*out) {
        deflateEnd(&s);
        return rk_err_set(e, RK_SYSTEM, "unable to deflate: out of memory");
    }
    s.next_in = (Bytef *)(uintptr_t)data;
    s.avail_in = (uInt)len;
    s.next_out = *out;
    s.avail_out = (uInt)bound;
    if (deflate(&s, Z_FINISH) != Z_STREAM_END) {
        deflateEnd(&s);
        free(*out);
        *out = NULL;
        return rk_err_set(e, RK_SYSTEM, "unable to deflate");
    }
    *out_len = bound - s.avail_out;
    deflateEnd(&s);
    return 0;
}

static int local_header(struct rk_zip_writer *w, const struct rk_zip_entry *ze, const char *name,
                        const struct rk_zip_local *lo, struct rk_err *e)
{
    unsigned char h[LOCAL_LEN], x[65536];
    size_t nl = strlen(name), xl = lo ? strip_zip64(lo->extra, lo->extra_len, x) : 0;
    rk_put32(h, SIG_LOCAL);
    rk_put16(h + 4, ze->version_needed), rk_put16(h + 6, ze->flags);
    rk_put16(h + 8, ze->method), rk_put16(h + 10, ze->mtime), rk_put16(h + 12, ze->mdate);
    rk_put32(h + 14, ze->crc32);
    rk_put32(h + 18, (uint32_t)ze->csize), rk_put32(h + 22, (uint32_t)ze->usize);
    rk_put16(h + 26, (uint16_t)nl), rk_put16(h + 28, (uint16_t)xl);
    if (wr(w, h, LOCAL_LEN, e) < 0 || wr(w, name, nl, e) < 0 || wr(w, x, xl, e) < 0)
        return -1;
    return 0;
}

int rk_zip_writer_add(struct rk_zip_writer *w, const char *name, const void *data, size_t len,
                      const struct rk_zip_entry *tmpl, const struct rk_zip_local *lo,
                      struct rk_err *e)
{
    struct rk_zip_entry ze = *tmpl;
    struct central c;
    unsigned char *packed = NULL;
    size_t plen = len;
    int rc;
    if (len > ADD_MAX || strlen(name) > 65535)
        return rk_err_set(e, RK_INPUT, "invalid wheel '%s': '%s' is too large", w->what, name);
    if (flush_pending(w, e) < 0)
        return -1;
    ze.method = tmpl->method == RK_ZIP_STORED ? RK_ZIP_STORED : RK_ZIP_DEFLATED;
    if (ze.method == RK_ZIP_DEFLATED && deflate_all(data, len, &packed, &plen, e) < 0)
        return -1;
    ze.flags = (uint16_t)(tmpl->flags & ~(RK_ZIP_FLAG_DESCRIPTOR | RK_ZIP_FLAG_ENCRYPTED |
                                          RK_ZIP_FLAG_UTF8 | 0x0006u));
    if (!name_is_ascii(name))
        ze.flags |= RK_ZIP_FLAG_UTF8;
    ze.version_needed = ze.version_needed < 20 ? 20 : ze.version_needed;
    ze.crc32 = (uint32_t)crc32(crc32(0L, Z_NULL, 0), data, (uInt)len);
    ze.usize = len, ze.csize = plen;
    c = (struct central){&ze, name, ze.flags, ze.version_needed, w->off};
    rc = local_header(w, &ze, name, lo, e);
    if (rc == 0)
        rc = wr(w, packed ? packed : data, plen, e);
    free(packed);
    if (rc == 0)
        rc = central_add(w, &c, e);
    return rc;
}

static int end_records(struct rk_zip_writer *w, uint64_t cd_off, uint64_t cd_len, struct rk_err *e)
{
    unsigned char z[56 + 20];
    uint64_t z64_off = w->off;
    rk_put32(z, SIG_Z64_EOCD);
    rk_put64(z + 4, 44);
    rk_put16(z + 12, 45), rk_put16(z + 14, 45);
    rk_put32(z + 16, 0), rk_put32(z + 20, 0);
    rk_put64(z + 24, w->n), rk_put64(z + 32, w->n);
    rk_put64(z + 40, cd_len), rk_put64(z + 48, cd_off);
    rk_put32(z + 56, SIG_Z64_LOC);
    rk_put32(z + 60, 0), rk_put64(z + 64, z64_off), rk_put32(z + 72, 1);
    return wr(w, z, sizeof(z), e);
}

int rk_zip_writer_finish(struct rk_zip_writer *w, const void *comment, uint16_t comment_len,
                         unsigned char sha[RK_SHA256_LEN], uint64_t *size, struct rk_err *e)
{
    unsigned char h[22];
    uint64_t cd_off, cd_len = w->cd.len;
    int zip64, rc;
    if (flush_pending(w, e) < 0)
        return -1;
    cd_off = w->off;
    zip64 = w->n >= 0xFFFF || cd_off >= MAX32 || cd_len >= MAX32;
    if (wr(w, w->cd.data, w->cd.len, e) < 0)
        return -1;
    if (zip64 && end_records(w, cd_off, cd_len, e) < 0)
        return -1;
    rk_put32(h, SIG_EOCD);
    rk_put16(h + 4, 0), rk_put16(h + 6, 0);
    rk_put16(h + 8, w->n >= 0xFFFF ? 0xFFFF : (uint16_t)w->n);
    rk_put16(h + 10, w->n >= 0xFFFF ? 0xFFFF : (uint16_t)w->n);
    rk_put32(h + 12, cd_len >= MAX32 ? MAX32 : (uint32_t)cd_len);
    rk_put32(h + 16, cd_off >= MAX32 ? MAX32 : (uint32_t)cd_off);
    rk_put16(h + 20, comment_len);
    if (wr(w, h, sizeof(h), e) < 0 || wr(w, comment, comment_len, e) < 0)
        return -1;
    *size = w->off;
    rc = rk_zip_hasher_finish(w->hasher, w->off, sha, w->what, e);
    w->hasher = NULL;
    return rc;
}
