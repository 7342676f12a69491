/* oci_io.c - manifest requests and tag lists (oci_client.h) */
#include "oci_client.h"
#include "jsonio.h"
#include "linkhdr.h"
#include "oci.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG_PAGES_MAX 100
#define TAGS_BODY_MAX ((size_t)16 << 20)

long rk_oci_batch_manifest(struct rk_oci_batch *b, struct rk_oci_reg *reg, const char *scope,
                           const char *method, const char *repo, const char *ref, void *tag)
{
    char *url = rk_oci_url(reg, repo, "manifests", ref);
    long i = url ? rk_oci_batch_add(b, reg, scope, method, url, tag) : -1;
    free(url);
    if (i >= 0) {
        rk_http_req_header(&b->reqs[i], "Accept", RK_OCI_ACCEPT);
        b->reqs[i].max_body = RK_OCI_MANIFEST_MAX;
    }
    return i;
}

long rk_oci_batch_manifest_put(struct rk_oci_batch *b, struct rk_oci_reg *reg, const char *scope,
                               const char *repo, const char *ref, const char *media_type,
                               const void *body, size_t len, void *tag)
{
    char *url = rk_oci_url(reg, repo, "manifests", ref);
    long i = url ? rk_oci_batch_add(b, reg, scope, "PUT", url, tag) : -1;
    free(url);
    if (i >= 0) {
        rk_http_req_header(&b->reqs[i], "Content-Type", media_type);
        rk_http_req_body(&b->reqs[i], body, len);
    }
    return i;
}

int rk_oci_manifest_digest(const struct rk_http_resp *r, const char *want, char *out,
                           const char *what, struct rk_err *e)
{
    const char *said = rk_http_resp_header(r, "Docker-Content-Digest");
    if (rk_oci_digest_of(r->body.data ? r->body.data : "", r->body.len, out, e) < 0)
        return -1;
    if (said && strncmp(said, "sha256:", 7) == 0 && strcmp(said, out) != 0)
        return rk_err_set(e, RK_REMOTE, "%s: the registry says '%s' but the manifest is '%s'", what,
                          said, out);
    if (want && strncmp(want, "sha256:", 7) == 0 && strcmp(want, out) != 0)
        return rk_err_set(e, RK_REMOTE, "%s: asked for '%s', got '%s'", what, want, out);
    if (want && strncmp(want, "sha256:", 7) != 0)
        snprintf(out, RK_OCI_DIGEST_MAX, "%s", want); /* sha512: trust the address */
    return 0;
}

static int tags_add(json_object *page, char ***tags, size_t *n, struct rk_err *e)
{
    json_object *arr = rk_json_array(page, "tags"); /* null after the last delete */
    size_t m = arr ? json_object_array_length(arr) : 0;
    char **v;
    if (m == 0)
        return 0;
    if (!(v = realloc(*tags, (*n + m) * sizeof(*v))))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    *tags = v;
    for (size_t i = 0; i < m; i++) {
        const char *t = json_object_get_string(json_object_array_get_idx(arr, i));
        if (t && rk_oci_valid_tag(t) && !(v[(*n)++] = strdup(t)))
            return (*n)--, rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    return 0;
}

/* one page: its tags added, *next (owned) the next page's URL or NULL */
static int tags_page(struct rk_oci_client *oc, struct rk_oci_reg *reg, const char *scope,
                     const char *url, char ***tags, size_t *n, char **next, struct rk_err *e)
{
    struct rk_oci_batch b;
    struct rk_links links;
    json_object *doc = NULL;
    int rc = -1;
    *next = NULL;
    rk_oci_batch_init(&b);
    if (rk_oci_batch_add(&b, reg, scope, "GET", url, NULL) < 0) {
        rk_oci_batch_release(&b);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    b.reqs[0].max_body = TAGS_BODY_MAX;
    if (rk_oci_batch_run(oc, &b, 1, e) == 0) {
        const struct rk_http_resp *r = &b.resps[0];
        if (r->err.code == RK_OK && r->status == 404)
            rc = 0; /* no such repository: no tags */
        else if (rk_oci_check(reg, r, 200, 0, "tag list", e) == 0 &&
                 rk_json_parse(r->body.data, r->body.len, "tag list", &doc, e) == 0)
            rc = tags_add(doc, tags, n, e);
        if (rc == 0 && r->status == 200 &&
            rk_links_parse(rk_http_resp_header(r, "Link"), &links) == 0) {
            const char *nx = rk_links_find(&links, "next");
            if (nx && !(*next = rk_oci_resolve(r->url, nx)))
                rc = rk_err_set(e, RK_SYSTEM, "out of memory");
            rk_links_release(&links);
        }
    }
    json_object_put(doc);
    rk_oci_batch_release(&b);
    return rc;
}

int rk_oci_list_tags(struct rk_oci_client *oc, struct rk_oci_reg *reg, const char *scope,
                     const char *repo, char ***tags, size_t *n, struct rk_err *e)
{
    char *url = rk_oci_url(reg, repo, "tags/list", NULL), *next = NULL;
    int rc = 0, pages = 0;
    *tags = NULL;
    *n = 0;
    if (!url)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    while (url && rc == 0 && pages++ < TAG_PAGES_MAX) {
        rc = tags_page(oc, reg, scope, url, tags, n, &next, e);
        free(url);
        url = next;
        next = NULL;
    }
    free(url);
    if (rc < 0) {
        for (size_t i = 0; i < *n; i++)
            free((*tags)[i]);
        free(*tags);
        *tags = NULL;
        *n = 0;
    }
    return rc;
}
