/* http.c - see http.h: options, client, requests and responses */
#include "http.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#ifndef RELKIT_VERSION
#define RELKIT_VERSION "0"
#endif

static long env_long(const char *name, long fallback, long min, long max)
{
    const char *v = getenv(name);
    char *end;
    long n;
    if (!v || !*v)
        return fallback;
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || *end || n < min || n > max) {
        rk_log_warn("ignoring %s='%s': not a number in [%ld, %ld]", name, v, min, max);
        return fallback;
    }
    return n;
}

void rk_http_opts_default(struct rk_http_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->max_attempts = (int)env_long("RELKIT_HTTP_MAX_ATTEMPTS", 5, 1, 100);
    o->max_total_ms = env_long("RELKIT_HTTP_MAX_TIME_MS", 120000, 0, 86400000L);
    o->backoff_base_ms = env_long("RELKIT_HTTP_BACKOFF_MS", 1000, 0, 600000);
    o->backoff_max_ms = env_long("RELKIT_HTTP_BACKOFF_MAX_MS", 30000, 0, 3600000);
    o->max_wait_ms = env_long("RELKIT_HTTP_MAX_WAIT_MS", 60000, 0, 86400000L);
    o->timeout_ms = env_long("RELKIT_HTTP_TIMEOUT_MS", 0, 0, 86400000L);
    o->connect_timeout_ms = env_long("RELKIT_HTTP_CONNECT_TIMEOUT_MS", 30000, 1, 3600000);
    o->stall_s = env_long("RELKIT_HTTP_STALL_S", 60, 1, 86400);
    o->max_body = RK_HTTP_DEFAULT_MAX_BODY;
    o->max_parallel = 8;
    o->progress = 1;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init_once(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* libcurl's global init is not thread-safe: exactly once, whichever thread comes first */
static int curl_global(struct rk_err *e)
{
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK)
        return rk_err_set(e, RK_SYSTEM, "unable to initialise libcurl");
    return 0;
}

static int client_share(struct rk_http_client *c, struct rk_err *e)
{
    CURLSH *sh = curl_share_init();
    if (!sh)
        return rk_err_set(e, RK_SYSTEM, "unable to create a curl share handle");
    curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    c->share = sh;
    return 0;
}

int rk_http_client_init(struct rk_http_client *c, const struct rk_http_opts *opts, struct rk_err *e)
{
    const char *ca = getenv("SSL_CERT_FILE");
    memset(c, 0, sizeof(*c));
    if (opts)
        c->opts = *opts;
    else
        rk_http_opts_default(&c->opts);
    if (c->opts.max_attempts < 1)
        c->opts.max_attempts = 1;
    if (c->opts.max_body == 0)
        c->opts.max_body = RK_HTTP_DEFAULT_MAX_BODY;
    if (c->opts.max_parallel < 1)
        c->opts.max_parallel = 1;
    snprintf(c->user_agent, sizeof(c->user_agent), "relkit/%s", RELKIT_VERSION);
    if (!ca || !*ca)
        ca = getenv("CURL_CA_BUNDLE");
    if (curl_global(e) < 0)
        return -1;
    if (ca && *ca && !(c->cainfo = strdup(ca)))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    if (client_share(c, e) < 0) {
        rk_http_client_release(c);
        return -1;
    }
    c->multi = curl_multi_init();
    if (!c->multi) {
        rk_http_client_release(c);
        return rk_err_set(e, RK_SYSTEM, "unable to create a curl multi handle");
    }
    curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    return 0;
}

void rk_http_client_release(struct rk_http_client *c)
{
    if (c->multi)
        curl_multi_cleanup(c->multi);
    if (c->share)
        curl_share_cleanup(c->share);
    for (size_t i = 0; i < c->ninsecure; i++)
        free(c->insecure_hosts[i]);
    free(c->insecure_hosts);
    free(c->cainfo);
    c->multi = c->share = NULL;
    c->insecure_hosts = NULL;
    c->ninsecure = 0;
    c->cainfo = NULL;
}

int rk_http_client_allow_insecure(struct rk_http_client *c, const char *host, struct rk_err *e)
{
    char **v;
    char *copy;
    if (!host || !*host || strpbrk(host, "/@ \t"))
        return rk_err_set(e, RK_USAGE, "invalid insecure host '%s'", host ? host : "");
    v = realloc(c->insecure_hosts, (c->ninsecure + 1) * sizeof(*v));
    if (!v)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    c->insecure_hosts = v;
    if (!(copy = strdup(host)))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    for (char *s = copy; *s; s++)
        *s = (char)tolower((unsigned char)*s);
    v[c->ninsecure++] = copy;
    return 0;
}

/* ---- requests ---- */

static char *req_dup(struct rk_http_req *r, const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        r->oom = 1;
    return d;
}

void rk_http_req_init(struct rk_http_req *r, const char *method, const char *url)
{
    memset(r, 0, sizeof(*r));
    r->method = req_dup(r, method ? method : "GET");
    r->url = req_dup(r, url);
    r->body_fd = -1;
    r->out_fd = -1;
}

static void wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void rk_http_req_release(struct rk_http_req *r)
{
    free(r->method);
    free(r->url);
    for (size_t i = 0; i < r->nheaders; i++)
        free(r->headers[i]);
    free(r->headers);
    wipe_free(r->auth);
    free(r->range);
    memset(r, 0, sizeof(*r));
    r->body_fd = r->out_fd = -1;
}

void rk_http_req_header(struct rk_http_req *r, const char *name, const char *value)
{
    size_t n;
    char **v, *line;
    if (strcasecmp(name, "Authorization") == 0 || strpbrk(name, ":\r\n") ||
        strpbrk(value, "\r\n")) {
        r->bad = 1; /* reported when the request runs */
        return;
    }
    n = strlen(name) + strlen(value) + 3;
    v = realloc(r->headers, (r->nheaders + 1) * sizeof(*v));
    line = malloc(n);
    if (v)
        r->headers = v;
    if (!v || !line) {
        free(line);
        r->oom = 1;
        return;
    }
    snprintf(line, n, "%s: %s", name, value);
    v[r->nheaders++] = line;
}

void rk_http_req_auth(struct rk_http_req *r, const char *value, const char *origin_url)
{
    const char *sp;
    wipe_free(r->auth);
    r->auth = NULL;
    r->origin[0] = '\0';
    if (!value || !*value)
        return;
    if (strpbrk(value, "\r\n")) {
        r->bad = 1;
        return;
    }
    sp = strchr(value, ' ');
    rk_log_secret(sp ? sp + 1 : value);
    r->auth = req_dup(r, value);
    if (rk_http_origin(origin_url ? origin_url : r->url, r->origin, sizeof(r->origin)) < 0)
        r->origin[0] = '\0'; /* never matches: the credential is not sent */
}

void rk_http_req_body(struct rk_http_req *r, const void *p, size_t n)
{
    r->body = p ? p : "";
    r->body_len = n;
    r->body_fd = -1;
}

void rk_http_req_body_fd(struct rk_http_req *r, int fd, uint64_t off, uint64_t size)
{
    r->body = NULL;
    r->body_len = 0;
    r->body_fd = fd;
    r->body_off = off;
    r->body_size = size;
}

void rk_http_req_output_fd(struct rk_http_req *r, int fd)
{
    r->out_fd = fd;
}

void rk_http_req_range(struct rk_http_req *r, int64_t from, int64_t to)
{
    char tmp[64];
    free(r->range);
    if (to >= 0)
        snprintf(tmp, sizeof(tmp), "%lld-%lld", (long long)from, (long long)to);
    else
        snprintf(tmp, sizeof(tmp), "%lld-", (long long)from);
    r->range = req_dup(r, tmp);
}

/* ---- responses ---- */

void rk_http_resp_init(struct rk_http_resp *r)
{
    memset(r, 0, sizeof(*r));
    rk_buf_init(&r->body, RK_HTTP_DEFAULT_MAX_BODY);
}

void rk_http_resp_release(struct rk_http_resp *r)
{
    rk_buf_release(&r->body);
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->url);
    r->headers = NULL;
    r->nheaders = 0;
    r->url = NULL;
}

const char *rk_http_resp_header(const struct rk_http_resp *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}
