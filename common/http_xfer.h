/*
 * http_xfer.h - internal to http_*.c: the state of one request while rk_http_run drives it.
 *
 * Not for tools: use http.h. An xfer borrows its client, request and response; it owns the
 * easy handle, the header list (wiped: it may hold the credential) and the hash context.
 */
#ifndef RELKIT_HTTP_XFER_H
#define RELKIT_HTTP_XFER_H

#include <stdint.h>
#include <curl/curl.h>

#include "digest.h"
#include "http.h"

/* curl's receive buffer for streamed downloads and the size of the writes to out_fd (over TLS
 * curl hands the body over in 16 KiB pieces, gathered to one write(2) per buffer). Not larger:
 * with 256 KiB writes the kernel took about twice as long copying into the page cache, and
 * tests/bench/gh_release.sh's 4 x 256 MiB download ran at 0.51x of gh's speed (0.84x with
 * 32 KiB). 32 KiB is also what gh (Go's io.Copy) writes. */
#define RK_XFER_WBUF ((size_t)32 << 10)

enum xfer_state { XFER_PENDING, XFER_ACTIVE, XFER_WAITING, XFER_DONE };

struct xfer {
    struct rk_http_client *c;
    struct rk_http_req *req;
    struct rk_http_resp *resp;
    CURL *easy;
    struct curl_slist *hdrs;
    char errbuf[CURL_ERROR_SIZE];
    const char *method; /* this hop's method: req->method, or "GET" after a 303 */
    int with_body;      /* this hop sends the body */
    int auth_ok;        /* the credential may still be sent in this redirect chain */
    enum xfer_state state;
    int64_t due;     /* monotonic ms when a waiting xfer (re)starts */
    int64_t started; /* monotonic ms of the first attempt */
    int attempt;
    int hops;
    uint64_t body_pos; /* upload position */
    size_t max_body;
    /* the response being received */
    size_t hdr_bytes;
    int hdr_overflow, body_overflow, range_mismatch;
    int sink_decided, to_fd;
    long hop_status; /* status of the response being received (known at its first byte) */
    /* streamed download: bytes are gathered in wbuf (owned, RK_XFER_WBUF), hashed and
     * written in large pieces; written counts them all, flushed or not */
    uint64_t written, resume_from;
    struct rk_sha256 sha;
    char *wbuf;
    size_t wlen;
    int can_resume;
};

/* http_xfer.c */
int rk_xfer_init(struct xfer *x, struct rk_http_client *c, struct rk_http_req *req,
                 struct rk_http_resp *resp);
void rk_xfer_cleanup(struct xfer *x);
int rk_xfer_start(struct xfer *x); /* adds the easy handle to the multi; -1 when failed (DONE) */
/* after curl reported the hop finished: redirect, schedule a retry, or finish */
void rk_xfer_finish(struct xfer *x, CURLcode rc);
void rk_xfer_fail(struct xfer *x, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* http_sink.c: curl callbacks */
size_t rk_xfer_on_header(char *p, size_t size, size_t n, void *ud);
size_t rk_xfer_on_body(char *p, size_t size, size_t n, void *ud);
size_t rk_xfer_on_read(char *p, size_t size, size_t n, void *ud);
int rk_xfer_on_seek(void *ud, curl_off_t off, int origin);
int rk_xfer_sink_decide(struct xfer *x);
/* hash and write out what wbuf holds; -1 with resp->err set (RK_SYSTEM) */
int rk_xfer_sink_flush(struct xfer *x);
void rk_xfer_headers_clear(struct rk_http_resp *r);

#endif
