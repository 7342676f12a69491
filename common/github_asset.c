/* github_asset.c - release assets of github.h: streamed upload and download */
#include "github_priv.h"
#include "log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* upload_url without its "{?name,label}" template, plus ?name=...&label=...; owned */
static char *expand_upload_url(const char *upload_url, const char *name, const char *label)
{
    size_t base = strcspn(upload_url, "{");
    char *en = rk_url_escape(name), *el = label ? rk_url_escape(label) : NULL, *url = NULL;
    size_t n = base + (en ? strlen(en) : 0) + (el ? strlen(el) : 0) + 32;
    if (en && (!label || el) && (url = malloc(n)) != NULL)
        snprintf(url, n, "%.*s%cname=%s%s%s", (int)base, upload_url,
                 memchr(upload_url, '?', base) ? '&' : '?', en, el ? "&label=" : "", el ? el : "");
    free(en);
    free(el);
    return url;
}

int rk_github_upload_asset(struct rk_github *g, const char *upload_url, const char *name,
                           const char *label, const char *content_type, int fd, uint64_t size,
                           json_object **asset, struct rk_err *e)
{
    struct rk_http_req req;
    struct rk_http_resp resp;
    char *url;
    int rc;
    if (asset)
        *asset = NULL;
    if (!upload_url || !*upload_url || !name || !*name)
        return rk_err_set(e, RK_INPUT, "an asset upload needs an upload URL and a name");
    if (!(url = expand_upload_url(upload_url, name, label)))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    rk_http_req_init(&req, "POST", url);
    free(url);
    rk_http_req_header(&req, "Accept", RK_GH_ACCEPT_JSON);
    rk_http_req_header(&req, "X-GitHub-Api-Version", RK_GITHUB_API_VERSION);
    rk_http_req_header(&req, "Content-Type",
                       content_type && *content_type ? content_type : "application/octet-stream");
    /* the credential is bound to the upload host the API named, for this request only */
    rk_gh_bearer(g, &req, req.url);
    rk_http_req_body_fd(&req, fd, 0, size);
    /* one attempt: an upload cut mid-body leaves a 'starter' asset that makes a blind resend
     * fail with 422 already_exists; the caller cleans up and retries (gh-release upload) */
    req.flags = RK_HTTP_ANY_STATUS | RK_HTTP_NO_RETRY;
    rk_http_resp_init(&resp);
    rk_http_do(&g->http, &req, &resp, NULL);
    rc = rk_gh_result(g, &req, &resp, RK_GH_NO_CACHE, asset, NULL, NULL, e);
    rk_http_resp_release(&resp);
    rk_http_req_release(&req);
    return rc;
}

/* a 206 must be the part the caller asked for */
static int check_range(struct rk_github *g, const struct rk_http_req *req,
                       const struct rk_http_resp *resp, uint64_t from, struct rk_err *e)
{
    const char *cr = rk_http_resp_header(resp, "Content-Range");
    char want[48];
    int n = snprintf(want, sizeof(want), "bytes %" PRIu64 "-", from);
    if (cr && strncasecmp(cr, want, (size_t)n) == 0)
        return 0;
    return rk_err_set(e, RK_REMOTE,
                      "GET %s: unexpected Content-Range '%.80s' (asked from %" PRIu64 ")",
                      rk_gh_shown(g, req->url), cr ? cr : "", from);
}

int rk_github_get_asset(struct rk_github *g, const char *owner, const char *repo,
                        struct rk_asset_get *a, struct rk_err *e)
{
    struct rk_http_req req;
    struct rk_http_resp resp;
    char *eo = rk_url_escape(owner), *er = rk_url_escape(repo), *path = NULL;
    size_t n = (eo ? strlen(eo) : 0) + (er ? strlen(er) : 0) + 64;
    int rc;
    a->partial = a->too_large = 0;
    a->bytes = 0;
    a->sha256[0] = '\0';
    if (eo && er && (path = malloc(n)) != NULL)
        snprintf(path, n, "/repos/%s/%s/releases/assets/%" PRId64, eo, er, a->id);
    free(eo);
    free(er);
    if (!path)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    rk_gh_prepare(g, &req, "GET", path, NULL, "application/octet-stream", RK_GH_NO_CACHE);
    free(path);
    rk_http_req_output_fd(&req, a->out_fd);
    req.out_max = a->max;
    if (a->from > 0)
        rk_http_req_range(&req, (int64_t)a->from, -1);
    rk_http_resp_init(&resp);
    rk_http_do(&g->http, &req, &resp, NULL);
    a->too_large = resp.too_large;
    rc = rk_gh_result(g, &req, &resp, RK_GH_NO_CACHE, NULL, NULL, NULL, e);
    if (rc == 0 && resp.status == 206 && a->from > 0)
        rc = check_range(g, &req, &resp, a->from, e);
    if (rc == 0) {
        a->partial = resp.status == 206 && a->from > 0;
        a->bytes = resp.bytes;
        memcpy(a->sha256, resp.sha256, RK_SHA256_HEX_LEN);
    }
    rk_http_resp_release(&resp);
    rk_http_req_release(&req);
    return rc;
}

int rk_github_download_asset(struct rk_github *g, const char *owner, const char *repo,
                             int64_t asset_id, int out_fd, char *sha256_hex, uint64_t *size,
                             struct rk_err *e)
{
    struct rk_asset_get a = {.id = asset_id, .out_fd = out_fd};
    if (rk_github_get_asset(g, owner, repo, &a, e) < 0)
        return -1;
    if (sha256_hex)
        memcpy(sha256_hex, a.sha256, RK_SHA256_HEX_LEN);
    if (size)
        *size = a.bytes;
    return 0;
}
