/* http_sink.c - curl callbacks of a transfer: response headers, body sinks, request body */
#include "http_xfer.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void rk_xfer_headers_clear(struct rk_http_resp *r)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    r->headers = NULL;
    r->nheaders = 0;
}

static char *trim_dup(const char *p, size_t n)
{
    char *d;
    while (n && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    d = malloc(n + 1);
    if (d) {
        memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

/* 1 added, 0 not a header line, -1 out of memory */
static int header_add(struct rk_http_resp *r, const char *p, size_t n)
{
    const char *colon = memchr(p, ':', n);
    struct rk_http_header *v;
    char *name, *value;
    if (!colon || colon == p || *p == ' ' || *p == '\t')
        return 0;
    name = trim_dup(p, (size_t)(colon - p));
    value = trim_dup(colon + 1, n - (size_t)(colon - p) - 1);
    v = realloc(r->headers, (r->nheaders + 1) * sizeof(*v));
    if (v)
        r->headers = v;
    if (!name || !value || !v) {
        free(name);
        free(value);
        return -1;
    }
    v[r->nheaders].name = name;
    v[r->nheaders].value = value;
    r->nheaders++;
    return 1;
}

size_t rk_xfer_on_header(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        /* a new response (1xx, proxy CONNECT, the final one): keep only its headers */
        rk_xfer_headers_clear(x->resp);
        x->hdr_bytes = 0;
        return len;
    }
    x->hdr_bytes += len;
    if (x->hdr_bytes > RK_HTTP_MAX_HEADER_BYTES ||
        (x->resp->nheaders >= RK_HTTP_MAX_HEADERS && memchr(p, ':', len))) {
        x->hdr_overflow = 1;
        return 0;
    }
    if (header_add(x->resp, p, len) < 0) {
        rk_err_set(&x->resp->err, RK_SYSTEM, "out of memory");
        return 0;
    }
    return len;
}

/* the download (re)starts from byte 0 */
static int sink_restart(struct xfer *x)
{
    int fd = x->req->out_fd;
    struct stat st;
    /* an empty file is not truncated: on ext4 a truncate to 0 makes the close start the
     * writeback of everything written since (auto_da_alloc), a stall of ~1 s per GB */
    if (fstat(fd, &st) < 0 || (st.st_size > 0 && ftruncate(fd, 0) < 0) ||
        lseek(fd, 0, SEEK_SET) < 0)
        return rk_err_errno(&x->resp->err, RK_SYSTEM, "unable to truncate the output of '%s'",
                            x->req->url);
    rk_sha256_release(&x->sha);
    if (rk_sha256_init(&x->sha, &x->resp->err) < 0)
        return -1;
    x->written = 0;
    x->wlen = 0;
    return 0;
}

/* a 206 answering our resume request: continue after the bytes already written */
static int sink_resume(struct xfer *x)
{
    const char *cr = rk_http_resp_header(x->resp, "Content-Range");
    char want[48];
    int n = snprintf(want, sizeof(want), "bytes %" PRIu64 "-", x->resume_from);
    if (!cr || strncasecmp(cr, want, (size_t)n) != 0 || x->written != x->resume_from) {
        x->range_mismatch = 1;
        return -1;
    }
    x->wlen = 0; /* flushed when the previous attempt finished */
    if (lseek(x->req->out_fd, (off_t)x->written, SEEK_SET) < 0)
        return rk_err_errno(&x->resp->err, RK_SYSTEM, "unable to seek in the output of '%s'",
                            x->req->url);
    return 0;
}

int rk_xfer_sink_decide(struct xfer *x)
{
    long status = 0;
    const char *ar;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    x->hop_status = status;
    x->sink_decided = 1;
    x->to_fd = x->req->out_fd >= 0 && status >= 200 && status < 300;
    if (!x->to_fd)
        return 0;
    if (status == 206 && x->resume_from > 0)
        return sink_resume(x);
    ar = rk_http_resp_header(x->resp, "Accept-Ranges");
    x->can_resume = !x->req->range && ar && strcasecmp(ar, "bytes") == 0;
    return sink_restart(x);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int rk_xfer_sink_flush(struct xfer *x)
{
    if (x->wlen == 0)
        return 0;
    /* hashed here, a buffer at a time, rather than in curl's 16 KiB pieces */
    rk_sha256_update(&x->sha, x->wbuf, x->wlen);
    if (write_all(x->req->out_fd, x->wbuf, x->wlen) < 0)
        return rk_err_errno(&x->resp->err, RK_SYSTEM, "unable to write the download of '%s'",
                            x->req->url);
    x->wlen = 0;
    return 0;
}

/* a piece of a 2xx body for out_fd: gathered, hashed and written a buffer at a time */
static size_t sink_fd(struct xfer *x, const char *p, size_t len)
{
    size_t left = len;
    if (x->req->out_max && x->written + len > x->req->out_max) {
        x->body_overflow = 1; /* read no further: the rest is never written */
        return 0;
    }
    if (!x->wbuf && !(x->wbuf = malloc(RK_XFER_WBUF))) {
        rk_err_set(&x->resp->err, RK_SYSTEM, "out of memory");
        return 0;
    }
    x->written += len;
    while (left > 0) {
        size_t n = RK_XFER_WBUF - x->wlen < left ? RK_XFER_WBUF - x->wlen : left;
        memcpy(x->wbuf + x->wlen, p, n);
        x->wlen += n;
        p += n;
        left -= n;
        if (x->wlen == RK_XFER_WBUF && rk_xfer_sink_flush(x) < 0)
            return 0;
    }
    return len;
}

/* The first piece of an in-memory body: room for all of it when the answer says its size
 * (Content-Length, bounded by the body's max and PRESIZE_MAX; a compressed answer may still
 * grow past it), so a page of megabytes is not grown by doubling, a copy at each step. */
#define PRESIZE_MAX ((size_t)64 << 20)
#define PREFAULT_MIN ((size_t)256 << 10)
#define PREFAULT_MAX ((size_t)16 << 20) /* what a Content-Length may make resident unsent */

/* the pages of a large new buffer (up to PREFAULT_MAX) made present in one call rather than
 * one fault each: a fault per 4 KiB page was a third of the CPU time of reading the 6 MB
 * pages of a release list */
static void prefault(char *p, size_t n)
{
#if defined(MADV_POPULATE_WRITE)
    long ps = sysconf(_SC_PAGESIZE);
    uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096, lo = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t hi = ((uintptr_t)p + (n < PREFAULT_MAX ? n : PREFAULT_MAX)) & ~(page - 1);
    if (n < PREFAULT_MIN || hi <= lo)
        return;
    madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE); /* a failure leaves the faults */
#else
    (void)p, (void)n;
#endif
}

static void presize_body(struct xfer *x)
{
    struct rk_buf *b = &x->resp->body;
    curl_off_t cl = -1;
    size_t want;
    char *p;
    if (curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) != CURLE_OK || cl <= 0)
        return;
    want = (uint64_t)cl < PRESIZE_MAX ? (size_t)cl : PRESIZE_MAX;
    want = (want < b->max ? want : b->max) + 1;
    if (want <= b->cap || !(p = realloc(b->data, want)))
        return;
    b->data = p, b->cap = want;
    prefault(p, want);
}

size_t rk_xfer_on_body(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    if (!x->sink_decided && rk_xfer_sink_decide(x) < 0)
        return 0;
    x->c->bytes_down += len;
    if (x->to_fd)
        return sink_fd(x, p, len);
    if (x->resp->body.len == 0)
        presize_body(x);
    if (rk_buf_append(&x->resp->body, p, len) < 0) {
        struct rk_buf *b = &x->resp->body;
        if (x->hop_status < 300) {
            x->body_overflow = 1;
            return 0;
        }
        /* an error or redirect body is only read for its message: keep its beginning */
        if (b->len < b->max)
            rk_buf_append(b, p, b->max - b->len);
    }
    return len;
}

size_t rk_xfer_on_read(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    const struct rk_http_req *r = x->req;
    uint64_t total = r->body_fd >= 0 ? r->body_size : r->body_len;
    size_t want = size * n;
    ssize_t got;
    if (x->body_pos >= total)
        return 0;
    if (want > total - x->body_pos)
        want = (size_t)(total - x->body_pos);
    if (r->body_fd < 0) {
        memcpy(p, (const char *)r->body + x->body_pos, want);
        got = (ssize_t)want;
    } else {
        do
            got = pread(r->body_fd, p, want, (off_t)(r->body_off + x->body_pos));
        while (got < 0 && errno == EINTR);
        if (got <= 0) {
            if (got == 0)
                errno = EIO;
            rk_err_errno(&x->resp->err, RK_SYSTEM, "unable to read the body of '%s'%s", r->url,
                         got == 0 ? " (the file is shorter than its size)" : "");
            return CURL_READFUNC_ABORT;
        }
    }
    x->body_pos += (uint64_t)got;
    x->c->bytes_up += (uint64_t)got;
    return (size_t)got;
}

int rk_xfer_on_seek(void *ud, curl_off_t off, int origin)
{
    struct xfer *x = ud;
    const struct rk_http_req *r = x->req;
    uint64_t total = r->body_fd >= 0 ? r->body_size : r->body_len;
    if (origin != SEEK_SET || off < 0 || (uint64_t)off > total)
        return CURL_SEEKFUNC_CANTSEEK;
    x->body_pos = (uint64_t)off;
    return CURL_SEEKFUNC_OK;
}
