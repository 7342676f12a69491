/* github.c - see github.h: client, JSON calls, API errors */
#include "github_priv.h"
#include "github_slim.h"
#include "jsonio.h"
#include "log.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>

static int take_token(struct rk_github *g, struct rk_err *e)
{
    const char *t = getenv("GH_TOKEN");
    if (!t || !*t)
        t = getenv("GITHUB_TOKEN");
    if (!t || !*t)
        return 0;
    if (strpbrk(t, "\r\n \t"))
        return rk_err_set(e, RK_USAGE, "the GitHub token in the environment contains spaces");
    g->token = strdup(t);
    if (!g->token)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    rk_log_secret(g->token);
    return 0;
}

static int take_api_url(struct rk_github *g, struct rk_err *e)
{
    const char *u = getenv("GITHUB_API_URL");
    size_t n;
    if (!u || !*u)
        u = RK_GITHUB_DEFAULT_API;
    g->api_url = strdup(u);
    if (!g->api_url)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    n = strlen(g->api_url);
    while (n > 0 && g->api_url[n - 1] == '/')
        g->api_url[--n] = '\0';
    if (strchr(g->api_url, '?') || strchr(g->api_url, '#'))
        return rk_err_set(e, RK_USAGE, "invalid GITHUB_API_URL '%s'", u);
    if (rk_http_check_url(&g->http, g->api_url, e) < 0)
        return rk_err_prefix(e, "GITHUB_API_URL");
    if (rk_http_origin(g->api_url, g->api_origin, sizeof(g->api_origin)) < 0)
        return rk_err_set(e, RK_USAGE, "invalid GITHUB_API_URL '%s'", u);
    return 0;
}

int rk_github_init(struct rk_github *g, const struct rk_http_opts *opts, struct rk_err *e)
{
    memset(g, 0, sizeof(*g));
    g->rate_limit = g->rate_remaining = g->rate_used = -1;
    g->rate_reset = -1;
    if (rk_http_client_init(&g->http, opts, e) < 0)
        return -1;
    if (take_api_url(g, e) < 0 || take_token(g, e) < 0) {
        rk_github_release(g);
        return -1;
    }
    return 0;
}

void rk_github_release(struct rk_github *g)
{
    rk_http_client_release(&g->http);
    free(g->api_url);
    if (g->token) {
        OPENSSL_cleanse(g->token, strlen(g->token));
        free(g->token);
    }
    json_object_put(g->etags);
    free(g->etag_path);
    g->api_url = g->token = g->etag_path = NULL;
    g->etags = NULL;
}

int rk_github_have_token(const struct rk_github *g)
{
    return g->token != NULL;
}

char *rk_github_url(const struct rk_github *g, const char *path)
{
    size_t n;
    char *url;
    if (strncmp(path, "https://", 8) == 0 || strncmp(path, "http://", 7) == 0)
        return strdup(path);
    n = strlen(g->api_url) + strlen(path) + 2;
    url = malloc(n);
    if (url)
        snprintf(url, n, "%s%s%s", g->api_url, path[0] == '/' ? "" : "/", path);
    return url;
}

const char *rk_gh_shown(const struct rk_github *g, const char *url)
{
    size_t n = strlen(g->api_url);
    if (strncmp(url, g->api_url, n) == 0 && (url[n] == '/' || url[n] == '?'))
        return url + n;
    return url;
}

void rk_gh_bearer(struct rk_github *g, struct rk_http_req *req, const char *bound_to)
{
    size_t n;
    char *v;
    if (!g->token)
        return;
    n = strlen(g->token) + 8;
    v = malloc(n);
    if (!v) {
        req->oom = 1;
        return;
    }
    snprintf(v, n, "Bearer %s", g->token);
    rk_http_req_auth(req, v, bound_to);
    OPENSSL_cleanse(v, n);
    free(v);
}

/* spec as text: "k1,k2,nested[c1,c2]" */
static void spec_text(struct rk_buf *b, const struct rk_json_spec *spec)
{
    for (size_t i = 0; spec->keys[i]; i++)
        rk_buf_printf(b, "%s%s", i ? "," : "", spec->keys[i]);
    if (spec->nested) {
        rk_buf_printf(b, ",%s[", spec->nested);
        if (spec->child)
            spec_text(b, spec->child);
        rk_buf_puts(b, "]");
    }
}

char *rk_gh_cache_key(const char *url, const struct rk_json_spec *spec)
{
    struct rk_buf b;
    if (!spec)
        return strdup(url);
    rk_buf_init(&b, 0);
    rk_buf_printf(&b, "%s slim=", url);
    spec_text(&b, spec);
    return rk_buf_detach(&b, NULL);
}

static int cacheable(const struct rk_github *g, const struct rk_http_req *req,
                     const struct rk_http_resp *resp, unsigned flags)
{
    return g->etags && !(flags & RK_GH_NO_CACHE) && resp->status == 200 && req->out_fd < 0 &&
           strcmp(req->method, "GET") == 0 && rk_http_resp_header(resp, "ETag");
}

void rk_gh_prepare(struct rk_github *g, struct rk_http_req *req, const char *method,
                   const char *path, const char *body, const char *accept, unsigned flags)
{
    rk_gh_prepare_slim(g, req, method, path, body, accept, flags, NULL);
}

void rk_gh_prepare_slim(struct rk_github *g, struct rk_http_req *req, const char *method,
                        const char *path, const char *body, const char *accept, unsigned flags,
                        const struct rk_json_spec *spec)
{
    char *url = rk_github_url(g, path), *key = NULL;
    const char *etag;
    rk_http_req_init(req, method, url ? url : "");
    if (!url)
        req->oom = 1;
    rk_http_req_header(req, "Accept", accept ? accept : RK_GH_ACCEPT_JSON);
    rk_http_req_header(req, "X-GitHub-Api-Version", RK_GITHUB_API_VERSION);
    rk_gh_bearer(g, req, g->api_url);
    if (body) {
        rk_http_req_body(req, body, strlen(body));
        rk_http_req_header(req, "Content-Type", "application/json");
    }
    req->flags = RK_HTTP_ANY_STATUS | ((flags & RK_GH_NO_RETRY) ? RK_HTTP_NO_RETRY : 0);
    if (url && g->etags && !(flags & RK_GH_NO_CACHE) && strcmp(req->method, "GET") == 0 &&
        (key = rk_gh_cache_key(url, spec)) != NULL &&
        (etag = rk_gh_etag_get(g, key, NULL, NULL, NULL)) != NULL)
        rk_http_req_header(req, "If-None-Match", etag);
    free(key);
    free(url);
}

static void note_rate(struct rk_github *g, const struct rk_http_resp *resp)
{
    const char *v;
    if ((v = rk_http_resp_header(resp, "x-ratelimit-limit")))
        g->rate_limit = strtol(v, NULL, 10);
    if ((v = rk_http_resp_header(resp, "x-ratelimit-remaining")))
        g->rate_remaining = strtol(v, NULL, 10);
    if ((v = rk_http_resp_header(resp, "x-ratelimit-used")))
        g->rate_used = strtol(v, NULL, 10);
    if ((v = rk_http_resp_header(resp, "x-ratelimit-reset")))
        g->rate_reset = strtoll(v, NULL, 10);
}

int rk_gh_bad_json(struct rk_github *g, const struct rk_http_req *req, const struct rk_err *pe,
                   struct rk_err *e)
{
    return rk_err_set(e, RK_REMOTE, "%s %s: invalid JSON in the response: %s", req->method,
                      rk_gh_shown(g, req->url), pe->msg);
}

int rk_gh_parse_text(const char *text, size_t len, const struct rk_json_spec *spec,
                     json_object **out, struct rk_buf *kept, struct rk_err *pe)
{
    *out = NULL;
    if (len == 0)
        return 0;
    return spec ? rk_json_slim(text, len, "response", spec, out, kept, pe)
                : rk_json_parse(text, len, "response", out, pe);
}

static int parse_body(struct rk_github *g, const struct rk_http_req *req, const char *text,
                      size_t len, const struct rk_json_spec *spec, json_object **out,
                      struct rk_buf *kept, struct rk_err *e)
{
    struct rk_err pe;
    rk_err_clear(&pe);
    if (rk_gh_parse_text(text, len, spec, out, kept, &pe) < 0)
        return rk_gh_bad_json(g, req, &pe, e);
    return 0;
}

/* the answer of a failed exchange, as one API error line */
static int failed(struct rk_github *g, const struct rk_http_req *req,
                  const struct rk_http_resp *resp, struct rk_err *e)
{
    struct rk_err tmp;
    if (resp->status < 400) {
        rk_err_set(e, resp->err.code, "%s", resp->err.msg);
        return -1;
    }
    rk_err_clear(&tmp);
    rk_github_api_error(&tmp, resp->err.code, req->method, rk_gh_shown(g, req->url), resp->status,
                        rk_buf_cstr(&resp->body));
    if (resp->attempts > 1)
        return rk_err_set(e, tmp.code, "%s (after %d attempts)", tmp.msg, resp->attempts);
    return rk_err_set(e, tmp.code, "%s", tmp.msg);
}

/* a 304: the cached answer (*text borrowed until the next rk_gh_etag_get) */
static int from_cache(struct rk_github *g, const struct rk_http_req *req,
                      const struct rk_json_spec *spec, const char **text, size_t *len, char **link,
                      struct rk_err *e)
{
    const char *body = NULL, *clink = NULL;
    char *key = rk_gh_cache_key(req->url, spec);
    int hit = key && rk_gh_etag_get(g, key, &body, len, &clink) && body;
    free(key);
    if (!hit)
        return rk_err_set(e, RK_REMOTE, "%s %s: unexpected 304 Not Modified", req->method,
                          rk_gh_shown(g, req->url));
    g->not_modified++;
    if (link && !*link && clink)
        *link = strdup(clink);
    *text = body;
    return 0;
}

/* a 200 with an ETag into the cache, which takes the body out of resp: then the body
 * (borrowed from the cache until rk_github_etag_save or release), else NULL */
static const char *remember(struct rk_github *g, const struct rk_http_req *req,
                            struct rk_http_resp *resp, unsigned flags)
{
    if (cacheable(g, req, resp, flags))
        return rk_gh_etag_put(g, req->url, rk_http_resp_header(resp, "ETag"), &resp->body,
                              rk_http_resp_header(resp, "Link"));
    return NULL;
}

int rk_gh_result(struct rk_github *g, const struct rk_http_req *req, struct rk_http_resp *resp,
                 unsigned flags, json_object **out, long *status, char **link, struct rk_err *e)
{
    return rk_gh_result_slim(g, req, resp, flags, NULL, out, status, link, e);
}

int rk_gh_result_text(struct rk_github *g, const struct rk_http_req *req, struct rk_http_resp *resp,
                      unsigned flags, const struct rk_json_spec *spec, const char **text,
                      size_t *len, long *status, char **link, struct rk_err *e)
{
    const char *l = rk_http_resp_header(resp, "Link");
    long st = resp->status;
    note_rate(g, resp);
    *text = NULL;
    *len = 0;
    if (status)
        *status = st;
    if (link)
        *link = l ? strdup(l) : NULL;
    if (resp->err.code != RK_OK)
        return failed(g, req, resp, e);
    if (st == 304) {
        return from_cache(g, req, spec, text, len, link, e);
    }
    if (st == 404 && (flags & RK_GH_ALLOW_404))
        return 0;
    if (st >= 300) {
        rk_github_api_error(e, RK_REMOTE, req->method, rk_gh_shown(g, req->url), st,
                            rk_buf_cstr(&resp->body));
        return -1;
    }
    if (req->out_fd < 0) {
        size_t n = resp->body.len;
        const char *kept = spec ? NULL : remember(g, req, resp, flags);
        *text = kept ? (n ? kept : NULL) : resp->body.data;
        *len = n;
    }
    return 0;
}

int rk_gh_result_slim(struct rk_github *g, const struct rk_http_req *req, struct rk_http_resp *resp,
                      unsigned flags, const struct rk_json_spec *spec, json_object **out,
                      long *status, char **link, struct rk_err *e)
{
    const char *text;
    size_t len;
    struct rk_buf kept;
    char *key;
    int rc;
    if (out)
        *out = NULL;
    if (rk_gh_result_text(g, req, resp, flags, spec, &text, &len, status, link, e) < 0)
        return -1;
    if (!out || !text)
        return 0;
    if (!spec || !cacheable(g, req, resp, flags))
        return parse_body(g, req, text, len, spec, out, NULL, e);
    /* a slim answer: the cache keeps what was kept of it, under the key of its spec */
    rk_buf_init(&kept, len + 1);
    rc = parse_body(g, req, text, len, spec, out, &kept, e);
    if (rc == 0 && (key = rk_gh_cache_key(req->url, spec)) != NULL) {
        rk_gh_etag_put(g, key, rk_http_resp_header(resp, "ETag"), &kept,
                       rk_http_resp_header(resp, "Link"));
        free(key);
    }
    rk_buf_release(&kept);
    return rc;
}

int rk_github_json(struct rk_github *g, const char *method, const char *path, json_object *body,
                   unsigned flags, json_object **out, long *status, struct rk_err *e)
{
    struct rk_http_req req;
    struct rk_http_resp resp;
    const char *text = NULL;
    int rc;
    if (body)
        text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE);
    rk_gh_prepare(g, &req, method, path, text, NULL, flags);
    rk_http_resp_init(&resp);
    rk_http_do(&g->http, &req, &resp, NULL);
    rc = rk_gh_result(g, &req, &resp, flags, out, status, NULL, e);
    rk_http_resp_release(&resp);
    rk_http_req_release(&req);
    return rc;
}

int rk_github_get(struct rk_github *g, const char *path, json_object **out, struct rk_err *e)
{
    return rk_github_json(g, "GET", path, NULL, 0, out, NULL, e);
}
