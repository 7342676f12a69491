/*
 * http.h - HTTP(S) through libcurl: retries, redirects, credentials, parallel transfers.
 *
 * Ownership: struct rk_http_client owns a curl multi handle and a share handle (connections,
 * DNS, TLS sessions): rk_http_client_init ... rk_http_client_release; it is not thread-safe.
 * struct rk_http_req owns copies of everything given to its setters (method, URL, headers,
 * credential) except the request body buffer and the file descriptors, which are borrowed
 * and must stay valid until the request has run. A credential is wiped on release.
 * struct rk_http_resp owns its body, headers and final URL: rk_http_resp_release.
 *
 * Errors (rk_err codes, one line, the URL quoted, credentials never included):
 *   RK_USAGE     the URL is refused by policy (not http/https; user:password in the URL;
 *                plain http to a host that is neither a loopback address nor in the client's
 *                insecure-host list); a header with CR/LF, or Authorization set as a header
 *   RK_INPUT     the URL is malformed; a 2xx response body is over its cap ("response too
 *                large"; error bodies are truncated instead); too many or too large response
 *                headers; too many redirects
 *   RK_REMOTE    a final 4xx status (unless RK_HTTP_ANY_STATUS); TLS verification failure
 *   RK_TRANSIENT network errors, 5xx, 429 and rate limits still failing after the last attempt
 *                or after the total time bound; a rate limit (Retry-After, reset) asking for a
 *                longer wait than max_wait_ms (failed at once, without waiting)
 *   RK_SYSTEM    local I/O on the body/output file descriptors, out of memory
 * A failed request still fills resp->status, headers and (bounded) body of the last response
 * so callers can build a better message (rk_err_clear then rk_err_set).
 *
 * Policy: TLS is always verified (CA bundle from SSL_CERT_FILE, else CURL_CA_BUNDLE, else
 * curl's default). Only http and https, for the first request and every redirect. Redirects
 * (301, 302, 303, 307, 308; max 10) are followed here, not by curl: the credential is sent
 * only while the request's origin (scheme, host, port) equals the origin it was bound to,
 * and is never sent again once a redirect left that origin. 303, and 301/302 after a POST,
 * continue as GET without a body; 307/308 resend the body (a fd body is re-read with pread).
 *
 * Retries: connect/DNS errors, timeouts, resets, partial bodies, 5xx, 429, and rate-limit
 * 403s (Retry-After, or x-ratelimit-remaining: 0 with x-ratelimit-reset, or a body saying
 * "secondary rate limit") are retried with exponential backoff and full jitter:
 * delay = random(0, min(backoff_max, backoff_base * 2^(attempt-1))), or exactly what
 * Retry-After / x-ratelimit-reset asks when that is within max_wait_ms (else the request
 * fails at once). Other 4xx are final. A retried request restarts its whole redirect chain;
 * a streamed download resumes with Range when the server sent Accept-Ranges: bytes and
 * answers 206 with the matching offset, and otherwise restarts (fd truncated, hash reset);
 * a download completed by such a resume reports the status of the whole body, 200 (a 206
 * reaches the caller only for its own rk_http_req_range).
 * A POST retried after a 5xx may find its effect applied: callers of non-idempotent
 * requests handle "already exists", or set RK_HTTP_NO_RETRY.
 *
 * Environment (read by rk_http_opts_default; meant for tests and slow networks):
 *   RELKIT_HTTP_MAX_ATTEMPTS        attempts per request (default 5)
 *   RELKIT_HTTP_MAX_TIME_MS         total time bound for retries of one request (120000)
 *   RELKIT_HTTP_BACKOFF_MS          backoff base (1000)
 *   RELKIT_HTTP_BACKOFF_MAX_MS      backoff cap (30000)
 *   RELKIT_HTTP_MAX_WAIT_MS         longest Retry-After / rate-limit reset honoured (60000)
 *   RELKIT_HTTP_TIMEOUT_MS          per-attempt time limit, 0 = none (0)
 *   RELKIT_HTTP_CONNECT_TIMEOUT_MS  connect time limit (30000)
 *   RELKIT_HTTP_STALL_S             abort an attempt after this many seconds without data (60)
 *
 * Progress: a one-line byte counter on stderr while transfers above 1 MiB run, only when
 * stderr is a terminal and the log verbosity is >= 0. Never on stdout.
 */
#ifndef RELKIT_HTTP_H
#define RELKIT_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "digest.h"
#include "err.h"

#define RK_HTTP_DEFAULT_MAX_BODY ((size_t)16 << 20) /* 16 MiB */
#define RK_HTTP_MAX_REDIRECTS 10
#define RK_HTTP_MAX_HEADERS 128        /* response headers kept per response */
#define RK_HTTP_MAX_HEADER_BYTES 65536 /* total size of one response's headers */
#define RK_HTTP_ORIGIN_MAX 300         /* "https://host:port" */

struct rk_http_opts {
    int max_attempts;  /* >= 1 */
    long max_total_ms; /* bound on one request's retries (time from first start) */
    long backoff_base_ms;
    long backoff_max_ms;
    long max_wait_ms; /* longest server-requested wait that is honoured */
    long timeout_ms;  /* per attempt; 0 = none */
    long connect_timeout_ms;
    long stall_s;     /* seconds below 1 byte/s before an attempt is aborted */
    size_t max_body;  /* cap for in-memory bodies */
    int max_parallel; /* default cap for rk_http_run (8) */
    int progress;     /* 1 auto (terminal + verbosity >= 0), 0 never */
};

struct rk_http_client {
    void *multi; /* CURLM */
    void *share; /* CURLSH */
    struct rk_http_opts opts;
    char **insecure_hosts; /* owned; hosts allowed over plain http besides loopback */
    size_t ninsecure;
    char *cainfo;        /* owned copy of SSL_CERT_FILE / CURL_CA_BUNDLE, or NULL */
    char user_agent[64]; /* "relkit/<RELKIT_VERSION>" */
    uint64_t requests;   /* HTTP requests sent: every attempt and redirect hop */
    uint64_t retries;    /* attempts that were retries */
    uint64_t bytes_down, bytes_up;
};

/* Request flags */
enum {
    RK_HTTP_NO_RETRY = 1 << 0,    /* a single attempt */
    RK_HTTP_ANY_STATUS = 1 << 1,  /* a final 4xx is not an error: 0 with resp->status set */
    RK_HTTP_NO_REDIRECT = 1 << 2, /* return a 3xx as is */
};

struct rk_http_req {
    char *method;   /* owned; "GET" by default */
    char *url;      /* owned, absolute */
    char **headers; /* owned "Name: value" lines */
    size_t nheaders;
    char *auth;                      /* owned Authorization value ("Bearer X"), wiped on release */
    char origin[RK_HTTP_ORIGIN_MAX]; /* where auth may be sent */
    char *range;                     /* owned "A-B" / "A-" (Range: bytes=...), or NULL */
    const void *body;                /* borrowed in-memory body */
    size_t body_len;
    int body_fd; /* borrowed fd body (-1 none), read with pread from body_off */
    uint64_t body_off, body_size;
    int out_fd;      /* borrowed; -1: body into resp->body. Must be a regular file
                        opened for writing: it is truncated to 0 when a download
                        (re)starts, and the 2xx body is written from offset 0 */
    size_t max_body; /* 0: the client's opts.max_body */
    unsigned flags;  /* RK_HTTP_* */
    int oom;         /* a setter ran out of memory: the request fails with RK_SYSTEM */
    int bad;         /* a setter was given an invalid header (CR/LF, Authorization):
                        the request fails with RK_USAGE */
    void *user;      /* caller's tag, untouched */
    /* > 0: a 2xx body streamed to out_fd may hold at most out_max bytes (a resumed part
     * included): past that the transfer stops, nothing more is read or written, and the
     * request fails with RK_INPUT ("response too large"), resp->too_large set */
    uint64_t out_max;
};

struct rk_http_header {
    char *name;  /* as received */
    char *value; /* trimmed */
};

struct rk_http_resp {
    long status;                    /* final status, 0 when no response was received */
    struct rk_buf body;             /* in-memory body; with out_fd set, a non-2xx response's body */
    struct rk_http_header *headers; /* owned, of the final response */
    size_t nheaders;
    uint64_t bytes;                 /* body bytes of the final response (incl. resumed part) */
    char sha256[RK_SHA256_HEX_LEN]; /* hex sha256 of a 2xx body streamed to out_fd; "" for
                                       in-memory bodies and failures */
    char *url;                      /* owned: the last URL requested (after redirects) */
    int too_large;                  /* the body went over max_body (in memory) or out_max */
    int attempts;                   /* 1 when no retry was needed */
    int redirects;
    struct rk_err err; /* this request's error; code RK_OK on success */
};

/* ---- client ---- */

/* Defaults with the RELKIT_HTTP_* environment overrides applied. */
void rk_http_opts_default(struct rk_http_opts *o);
/* opts NULL: rk_http_opts_default. Reads SSL_CERT_FILE / CURL_CA_BUNDLE. */
int rk_http_client_init(struct rk_http_client *c, const struct rk_http_opts *opts,
                        struct rk_err *e);
void rk_http_client_release(struct rk_http_client *c);
/* Allow plain http to host ("name" or "name:port", e.g. for --insecure-registry). */
int rk_http_client_allow_insecure(struct rk_http_client *c, const char *host, struct rk_err *e);

/* ---- request / response ---- */

void rk_http_req_init(struct rk_http_req *r, const char *method, const char *url);
void rk_http_req_release(struct rk_http_req *r);
/* Add "Name: value" (copied). An "Authorization" header is refused: use rk_http_req_auth. */
void rk_http_req_header(struct rk_http_req *r, const char *name, const char *value);
/* Credential header value ("Bearer X", "Basic ..."), copied and registered with
 * rk_log_secret, bound to origin_url's origin (NULL: the request URL's origin). */
void rk_http_req_auth(struct rk_http_req *r, const char *value, const char *origin_url);
/* Body from memory (borrowed) or from fd [off, off+size) (borrowed; Content-Length: size). */
void rk_http_req_body(struct rk_http_req *r, const void *p, size_t n);
void rk_http_req_body_fd(struct rk_http_req *r, int fd, uint64_t off, uint64_t size);
/* Stream a 2xx body to fd (sha256 and byte count in the response). */
void rk_http_req_output_fd(struct rk_http_req *r, int fd);
/* Range: bytes=from-to (to < 0: to the end). Disables download resume. */
void rk_http_req_range(struct rk_http_req *r, int64_t from, int64_t to);

void rk_http_resp_init(struct rk_http_resp *r);
void rk_http_resp_release(struct rk_http_resp *r);
/* First header with that name (case-insensitive), borrowed; NULL when absent. */
const char *rk_http_resp_header(const struct rk_http_resp *r, const char *name);

/* ---- running ---- */

/* One request. resp is initialised here (earlier content is not released: release a reused
 * response first); release it with rk_http_resp_release even after a failure. The error is
 * in resp->err and also in e (may be NULL). */
int rk_http_do(struct rk_http_client *c, struct rk_http_req *req, struct rk_http_resp *resp,
               struct rk_err *e);
/* n requests, at most max_parallel at once (<= 0: opts.max_parallel), HTTP/2-multiplexed
 * when the server offers it, each with its own retries (a waiting retry never blocks the
 * others). resps[i] is initialised here and gets request i's result and error; release
 * each. Returns 0 when all succeeded, else -1
 * with e set from the first failing request (in index order). */
int rk_http_run(struct rk_http_client *c, struct rk_http_req *reqs, struct rk_http_resp *resps,
                size_t n, int max_parallel, struct rk_err *e);
/* rk_http_run, calling done(i, arg) as soon as request i is finished (its retries and
 * redirects over; resps[i] holds its status, body and error) while the other transfers go on:
 * the caller may read and release resps[i] there (re-initialise it with rk_http_resp_init if
 * it releases it). Every request gets exactly one call, in completion order. Return value and
 * e as rk_http_run, from what resps[i] holds after the calls. done may be NULL. */
typedef void (*rk_http_done_fn)(size_t i, void *arg);
int rk_http_run_each(struct rk_http_client *c, struct rk_http_req *reqs, struct rk_http_resp *resps,
                     size_t n, int max_parallel, rk_http_done_fn done, void *arg, struct rk_err *e);

/* ---- URL helpers (pure) ---- */

/* "scheme://host:port" in lowercase with the default port filled in; -1 if not parsable. */
int rk_http_origin(const char *url, char *out, size_t n);
/* 1 when both URLs parse and have the same origin. */
int rk_http_same_origin(const char *a, const char *b);
/* 1 for localhost, 127.0.0.0/8, ::1 (bracketed or not), ::ffff:127.x.y.z. */
int rk_http_is_loopback(const char *host);
/* 0 when the client may request url (see Policy above), else -1 with RK_USAGE/RK_INPUT. */
int rk_http_check_url(const struct rk_http_client *c, const char *url, struct rk_err *e);
/* Percent-encode everything but ALPHA DIGIT "-._~" (a path segment or query value).
 * Owned result, NULL on ENOMEM. */
char *rk_url_escape(const char *s);
/* Integer value of query parameter name in url (e.g. "page"); -1 when absent/invalid. */
int rk_url_query_int(const char *url, const char *name, long *out);
/* Copy of url with query parameter name set to value (replaced or appended); owned. */
char *rk_url_set_query(const char *url, const char *name, const char *value);

/* ---- retry policy (pure; exposed for tests) ---- */

/* Retry-After: delta seconds or an HTTP date. Milliseconds from now (>= 0), -1 if invalid. */
long rk_http_retry_after_ms(const char *value, time_t now);
/* Backoff with full jitter for attempt (1 = the first retry); rnd is a random number. */
long rk_http_backoff_ms(const struct rk_http_opts *o, int attempt, uint32_t rnd);

enum rk_http_verdict {
    RK_HTTP_DONE = 0,    /* final: success or a non-retryable status */
    RK_HTTP_RETRY = 1,   /* retry after *delay_ms */
    RK_HTTP_GIVE_UP = 2, /* retryable but the server's wait exceeds max_wait_ms */
};
/* Classify a completed HTTP response for retry. Headers are the response's values (NULL when
 * absent); body may be NULL. */
enum rk_http_verdict rk_http_classify(const struct rk_http_opts *o, int attempt, long status,
                                      const char *retry_after, const char *rl_remaining,
                                      const char *rl_reset, const char *body, time_t now,
                                      uint32_t rnd, long *delay_ms);

/* Reason phrase for a status ("Not Found"); "" when unknown. */
const char *rk_http_reason(long status);

#endif
