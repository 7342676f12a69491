/* http_xfer.c - one request's life: hops, redirects, retries, the final classification */
#include "http_xfer.h"
#include "clock.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#define ERROR_BODY_MAX ((size_t)1 << 20) /* kept from a non-2xx answer to a download */

static uint32_t random32(void)
{
    uint32_t r;
    if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
        r = (uint32_t)random();
    return r;
}

void rk_xfer_fail(struct xfer *x, int code, const char *fmt, ...)
{
    char msg[RK_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rk_err_set(&x->resp->err, code, "%s", msg);
    x->state = XFER_DONE;
}

static void chain_reset(struct xfer *x)
{
    const struct rk_http_req *r = x->req;
    x->method = r->method;
    x->with_body = r->body != NULL || r->body_fd >= 0;
    x->auth_ok = r->auth != NULL && r->origin[0] != '\0';
    x->hops = 0;
    x->resp->redirects = 0;
}

static int set_url(struct xfer *x, const char *url)
{
    char *copy = strdup(url);
    if (!copy) {
        rk_xfer_fail(x, RK_SYSTEM, "out of memory");
        return -1;
    }
    free(x->resp->url);
    x->resp->url = copy;
    return 0;
}

int rk_xfer_init(struct xfer *x, struct rk_http_client *c, struct rk_http_req *req,
                 struct rk_http_resp *resp)
{
    memset(x, 0, sizeof(*x));
    x->c = c;
    x->req = req;
    x->resp = resp;
    rk_http_resp_init(resp); /* see http.h: the caller released any earlier content */
    x->max_body = req->max_body ? req->max_body : c->opts.max_body;
    resp->body.max =
        req->out_fd >= 0 && x->max_body > ERROR_BODY_MAX ? ERROR_BODY_MAX : x->max_body;
    x->attempt = 1;
    if (req->oom || !req->method || !req->url)
        return rk_xfer_fail(x, RK_SYSTEM, "out of memory"), -1;
    if (req->bad)
        return rk_xfer_fail(x, RK_USAGE, "invalid header for '%s'", req->url), -1;
    if (rk_http_check_url(c, req->url, &resp->err) < 0)
        return x->state = XFER_DONE, -1;
    if (set_url(x, req->url) < 0)
        return -1;
    if (req->out_fd >= 0 && rk_sha256_init(&x->sha, &resp->err) < 0)
        return x->state = XFER_DONE, -1;
    if (!(x->easy = curl_easy_init()))
        return rk_xfer_fail(x, RK_SYSTEM, "unable to create a curl handle"), -1;
    chain_reset(x);
    x->state = XFER_PENDING;
    return 0;
}

static void free_header_list(struct xfer *x)
{
    for (struct curl_slist *l = x->hdrs; l; l = l->next)
        if (strncasecmp(l->data, "Authorization:", 14) == 0)
            OPENSSL_cleanse(l->data, strlen(l->data));
    curl_slist_free_all(x->hdrs);
    x->hdrs = NULL;
}

void rk_xfer_cleanup(struct xfer *x)
{
    if (x->easy && x->state == XFER_ACTIVE)
        curl_multi_remove_handle(x->c->multi, x->easy);
    if (x->easy)
        curl_easy_cleanup(x->easy);
    x->easy = NULL;
    free_header_list(x);
    rk_sha256_release(&x->sha);
    free(x->wbuf);
    x->wbuf = NULL;
}

static int add_line(struct curl_slist **l, const char *line)
{
    struct curl_slist *n = curl_slist_append(*l, line);
    if (!n)
        return -1;
    *l = n;
    return 0;
}

static int has_header(const struct rk_http_req *r, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < r->nheaders; i++)
        if (strncasecmp(r->headers[i], name, n) == 0 && r->headers[i][n] == ':')
            return 1;
    return 0;
}

static int add_auth(struct xfer *x)
{
    size_t n = strlen(x->req->auth) + 16;
    char *line = malloc(n);
    int rc;
    if (!line)
        return -1;
    snprintf(line, n, "Authorization: %s", x->req->auth);
    rc = add_line(&x->hdrs, line);
    OPENSSL_cleanse(line, n);
    free(line);
    return rc;
}

static int build_headers(struct xfer *x)
{
    const struct rk_http_req *r = x->req;
    char range[64];
    int rc = 0;
    for (size_t i = 0; i < r->nheaders && rc == 0; i++)
        rc = add_line(&x->hdrs, r->headers[i]);
    if (rc == 0 && x->auth_ok) {
        char origin[RK_HTTP_ORIGIN_MAX];
        if (rk_http_origin(x->resp->url, origin, sizeof(origin)) == 0 &&
            strcmp(origin, r->origin) == 0)
            rc = add_auth(x);
        else
            x->auth_ok = 0;
    }
    if (rc == 0)
        rc = add_line(&x->hdrs, "Expect:");
    if (rc == 0 && x->with_body && !has_header(r, "Content-Type"))
        rc = add_line(&x->hdrs, "Content-Type: application/octet-stream");
    if (rc == 0 && (r->range || x->resume_from > 0)) {
        if (r->range)
            snprintf(range, sizeof(range), "Range: bytes=%s", r->range);
        else
            snprintf(range, sizeof(range), "Range: bytes=%llu-",
                     (unsigned long long)x->resume_from);
        rc = add_line(&x->hdrs, range);
    }
    return rc;
}

static int url_is_loopback(const char *url)
{
    char origin[RK_HTTP_ORIGIN_MAX], *host, *colon;
    if (rk_http_origin(url, origin, sizeof(origin)) < 0)
        return 0;
    host = strstr(origin, "://") + 3;
    colon = strrchr(host, ':');
    if (colon)
        *colon = '\0';
    return rk_http_is_loopback(host);
}

static void setup_method(struct xfer *x)
{
    CURL *h = x->easy;
    const struct rk_http_req *r = x->req;
    int is_post = strcmp(x->method, "POST") == 0;
    if (strcmp(x->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        return;
    }
    if (x->with_body) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(r->body_fd >= 0 ? r->body_size : r->body_len));
        curl_easy_setopt(h, CURLOPT_READFUNCTION, rk_xfer_on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, x);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, rk_xfer_on_seek);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, x);
    } else if (is_post || !strcmp(x->method, "PUT") || !strcmp(x->method, "PATCH")) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
    }
    if (strcmp(x->method, "GET") != 0 && !is_post)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, x->method);
}

static void setup_easy(struct xfer *x)
{
    CURL *h = x->easy;
    const struct rk_http_opts *o = &x->c->opts;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, x->resp->url);
    curl_easy_setopt(h, CURLOPT_PRIVATE, x);
    curl_easy_setopt(h, CURLOPT_SHARE, x->c->share);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
    /* curl ignores SIGPIPE during its calls (the resolver is threaded: no SIGALRM) */
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 0L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, x->c->user_agent);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    if (o->timeout_ms > 0)
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o->stall_s);
    if (x->c->cainfo)
        curl_easy_setopt(h, CURLOPT_CAINFO, x->c->cainfo);
    if (url_is_loopback(x->resp->url))
        curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    if (x->req->out_fd < 0)
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, rk_xfer_on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, rk_xfer_on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->hdrs);
    if (x->req->out_fd >= 0)
        curl_easy_setopt(h, CURLOPT_BUFFERSIZE, (long)RK_XFER_WBUF);
    setup_method(x);
}

int rk_xfer_start(struct xfer *x)
{
    rk_buf_reset(&x->resp->body);
    rk_xfer_headers_clear(x->resp);
    x->resp->status = 0;
    x->hdr_bytes = 0;
    x->hdr_overflow = x->body_overflow = x->range_mismatch = 0;
    x->sink_decided = x->to_fd = 0;
    x->hop_status = 0;
    x->body_pos = 0;
    x->errbuf[0] = '\0';
    if (!x->started)
        x->started = rk_mono_ms();
    free_header_list(x);
    if (build_headers(x) < 0) {
        rk_xfer_fail(x, RK_SYSTEM, "out of memory");
        return -1;
    }
    setup_easy(x);
    if (curl_multi_add_handle(x->c->multi, x->easy) != CURLM_OK) {
        rk_xfer_fail(x, RK_SYSTEM, "unable to start a transfer to '%s'", x->req->url);
        return -1;
    }
    x->c->requests++;
    x->resp->attempts = x->attempt;
    x->state = XFER_ACTIVE;
    /* a redirect target's query may be a signature: not logged */
    rk_log_debug("%s %.*s%s", x->method,
                 (int)(x->hops ? strcspn(x->resp->url, "?") : strlen(x->resp->url)), x->resp->url,
                 x->auth_ok ? " (authenticated)" : "");
    return 0;
}

static void status_text(long status, char *out, size_t n)
{
    const char *reason = rk_http_reason(status);
    snprintf(out, n, "%ld%s%s", status, *reason ? " " : "", reason);
}

static void complete(struct xfer *x)
{
    struct rk_http_resp *r = x->resp;
    unsigned char md[RK_SHA256_LEN];
    char st[64];
    long s = r->status;
    x->state = XFER_DONE;
    if (s == 206 && x->req->out_fd >= 0 && !x->req->range && x->resume_from > 0)
        r->status = s = 200; /* our own resume completed the whole body the caller asked for */
    if (s >= 200 && s < 300 && x->req->out_fd >= 0) {
        rk_sha256_final(&x->sha, md);
        rk_hex(md, RK_SHA256_LEN, r->sha256);
        r->bytes = x->written;
    } else if (s >= 200 && s < 300) {
        r->bytes = r->body.len; /* no hash: no caller of an in-memory body needs one */
    }
    status_text(s, st, sizeof(st));
    if (s >= 500)
        rk_xfer_fail(x, RK_TRANSIENT, "%s '%s': %s", x->req->method, x->req->url, st);
    else if (s >= 400 && !(x->req->flags & RK_HTTP_ANY_STATUS))
        rk_xfer_fail(x, RK_REMOTE, "%s '%s': %s", x->req->method, x->req->url, st);
}

static void retry(struct xfer *x, long delay, const char *why)
{
    const struct rk_http_opts *o = &x->c->opts;
    const struct rk_http_req *q = x->req;
    int64_t now = rk_mono_ms();
    if ((q->flags & RK_HTTP_NO_RETRY) || x->attempt >= o->max_attempts) {
        rk_xfer_fail(x, RK_TRANSIENT, "%s '%s': %s (after %d attempt%s)", q->method, q->url, why,
                     x->attempt, x->attempt == 1 ? "" : "s");
        return;
    }
    if (now + delay - x->started > o->max_total_ms) {
        rk_xfer_fail(x, RK_TRANSIENT, "%s '%s': %s (giving up after %d attempts in %lld ms)",
                     q->method, q->url, why, x->attempt, (long long)(now - x->started));
        return;
    }
    if (x->range_mismatch)
        x->can_resume = 0;
    x->resume_from = x->can_resume && x->written > 0 ? x->written : 0;
    rk_log_verbose("%s '%s': %s; retrying in %ld ms (attempt %d of %d)", q->method, q->url, why,
                   delay, x->attempt + 1, o->max_attempts);
    x->attempt++;
    x->c->retries++;
    chain_reset(x);
    if (set_url(x, q->url) < 0)
        return;
    x->state = XFER_WAITING;
    x->due = now + delay;
}

static void transport_failed(struct xfer *x, CURLcode rc)
{
    const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
    const char *m = x->req->method, *u = x->req->url;
    if (x->resp->err.code != RK_OK) {
        x->state = XFER_DONE;
        return;
    }
    if (x->range_mismatch) {
        retry(x, 0, "unexpected Content-Range when resuming");
        return;
    }
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        retry(x, rk_http_backoff_ms(&x->c->opts, x->attempt, random32()), why);
        return;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
        rk_xfer_fail(x, RK_REMOTE, "%s '%s': TLS verification failed: %s", m, u, why);
        return;
    case CURLE_URL_MALFORMAT:
        rk_xfer_fail(x, RK_INPUT, "%s '%s': %s", m, u, why);
        return;
    case CURLE_UNSUPPORTED_PROTOCOL:
        rk_xfer_fail(x, RK_USAGE, "%s '%s': %s", m, u, why);
        return;
    case CURLE_OUT_OF_MEMORY: /* libcurl refuses a header line over its 100 KiB cap this way */
        rk_xfer_fail(x, RK_INPUT, "%s '%s': too many or too large response headers", m, u);
        return;
    default:
        rk_xfer_fail(x, RK_TRANSIENT, "%s '%s': %s", m, u, why);
    }
}

static int is_redirect(long s)
{
    return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}

static void follow_redirect(struct xfer *x, long status)
{
    char *loc = NULL, origin[RK_HTTP_ORIGIN_MAX];
    const char *m = x->req->method, *u = x->req->url;
    curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc);
    if (!loc) {
        complete(x);
        return;
    }
    if (++x->hops > RK_HTTP_MAX_REDIRECTS) {
        rk_xfer_fail(x, RK_INPUT, "%s '%s': more than %d redirects", m, u, RK_HTTP_MAX_REDIRECTS);
        return;
    }
    if (rk_http_check_url(x->c, loc, &x->resp->err) < 0) {
        rk_err_prefix(&x->resp->err, "%s '%s' redirected", m, u);
        x->state = XFER_DONE;
        return;
    }
    if (x->auth_ok &&
        (rk_http_origin(loc, origin, sizeof(origin)) < 0 || strcmp(origin, x->req->origin))) {
        x->auth_ok = 0; /* and never again in this chain */
        rk_log_debug("%s '%s': redirected to another host, the credential is dropped", m, u);
    }
    if (status == 303 || ((status == 301 || status == 302) && strcmp(x->method, "POST") == 0)) {
        x->method = "GET";
        x->with_body = 0;
    }
    if (set_url(x, loc) < 0)
        return;
    x->resp->redirects++;
    x->state = XFER_WAITING;
    x->due = rk_mono_ms();
}

static void classify_response(struct xfer *x)
{
    struct rk_http_resp *r = x->resp;
    const struct rk_http_opts *o = &x->c->opts;
    char st[64];
    long delay;
    enum rk_http_verdict v =
        rk_http_classify(o, x->attempt, r->status, rk_http_resp_header(r, "Retry-After"),
                         rk_http_resp_header(r, "x-ratelimit-remaining"),
                         rk_http_resp_header(r, "x-ratelimit-reset"),
                         x->to_fd ? NULL : rk_buf_cstr(&r->body), time(NULL), random32(), &delay);
    status_text(r->status, st, sizeof(st));
    if (v == RK_HTTP_RETRY)
        retry(x, delay, st);
    else if (v == RK_HTTP_GIVE_UP)
        rk_xfer_fail(x, RK_TRANSIENT,
                     "%s '%s': %s: rate limited for %ld s, more than the %ld s allowed",
                     x->req->method, x->req->url, st, (delay + 999) / 1000, o->max_wait_ms / 1000);
    else
        complete(x);
}

void rk_xfer_finish(struct xfer *x, CURLcode rc)
{
    struct rk_http_resp *r = x->resp;
    const char *m = x->req->method, *u = x->req->url;
    curl_multi_remove_handle(x->c->multi, x->easy);
    x->state = XFER_DONE;
    free_header_list(x);
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r->status);
    if (x->to_fd)
        rk_xfer_sink_flush(x); /* before anything reads the file or x->written */
    if (r->err.code != RK_OK)
        return; /* local I/O or memory: already said */
    if (x->body_overflow) {
        r->too_large = 1;
        rk_xfer_fail(x, RK_INPUT, "%s '%s': response too large (over %llu bytes)", m, u,
                     x->to_fd ? (unsigned long long)x->req->out_max
                              : (unsigned long long)r->body.max);
    } else if (x->hdr_overflow)
        rk_xfer_fail(x, RK_INPUT, "%s '%s': too many or too large response headers", m, u);
    else if (rc != CURLE_OK)
        transport_failed(x, rc);
    else if (is_redirect(r->status) && !(x->req->flags & RK_HTTP_NO_REDIRECT))
        follow_redirect(x, r->status);
    else if (x->req->out_fd >= 0 && r->status >= 200 && r->status < 300 && !x->sink_decided &&
             rk_xfer_sink_decide(x) < 0)
        transport_failed(x, CURLE_OK); /* unless the sink already failed (checked there) */
    else
        classify_response(x);
}
