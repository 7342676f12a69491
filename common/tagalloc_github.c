/* tagalloc_github.c - see tagalloc.h: the GitHub API backend */
#include "tagalloc.h"
#include "buf.h"
#include "checks.h"
#include "err.h"
#include "github.h"
#include "jsonio.h"

#include <stdlib.h>
#include <string.h>

/* .../git/WHAT/tags%2FNAME[QUERY] (owned): the whole ref is one path parameter, its slashes
 * encoded as octokit does (GitHub accepts both forms; OpenAPI routers match only this one) */
static char *ref_path(const struct rk_tag_github *c, const char *what, const char *name,
                      const char *query)
{
    char *esc = rk_url_escape(name);
    struct rk_buf b;
    rk_buf_init(&b, 8192);
    if (!esc || rk_buf_printf(&b, "%s/git/%s/tags%%2F%s%s", c->repo_path, what, esc,
                              query ? query : "") < 0) {
        free(esc);
        rk_buf_release(&b);
        return NULL;
    }
    free(esc);
    return rk_buf_detach(&b, NULL);
}

static int gh_list(void *ctx, const char *prefix, json_object **out, struct rk_err *e)
{
    struct rk_tag_github *c = ctx;
    json_object *tags = NULL;
    size_t n;
    if (rk_github_list_tags(c->g, c->repo_path, prefix, &tags, e) < 0)
        return -1;
    *out = json_object_new_array();
    n = json_object_array_length(tags);
    for (size_t i = 0; i < n; i++) {
        json_object *t = json_object_array_get_idx(tags, i), *o = json_object_new_object();
        const char *type = rk_json_str(t, "type");
        rk_json_set_str(o, "name", rk_json_str(t, "name"));
        rk_json_set_str(o, "sha",
                        type && strcmp(type, "commit") == 0 ? rk_json_str(t, "sha") : NULL);
        json_object_array_add(*out, o);
    }
    json_object_put(tags);
    return 0;
}

/* POST .../git/tags: the tag object's sha (owned) */
static int make_tag_object(struct rk_tag_github *c, const char *name, const char *sha,
                           const char *message, char **out, struct rk_err *e)
{
    json_object *body = json_object_new_object(), *resp = NULL;
    char path[512];
    int rc;
    snprintf(path, sizeof(path), "%s/git/tags", c->repo_path);
    rk_json_set_str(body, "tag", name);
    rk_json_set_str(body, "message", message);
    rk_json_set_str(body, "object", sha);
    rk_json_set_str(body, "type", "commit");
    rc = rk_github_json(c->g, "POST", path, body, 0, &resp, NULL, e);
    json_object_put(body);
    if (rc == 0 && !rk_json_str(resp, "sha"))
        rc = rk_err_set(e, RK_REMOTE, "POST %s: no sha in the answer", path);
    if (rc == 0 && !(*out = strdup(rk_json_str(resp, "sha"))))
        rc = rk_err_set(e, RK_SYSTEM, "out of memory");
    if (resp)
        json_object_put(resp);
    return rc;
}

static int gh_create(void *ctx, const char *name, const char *sha, const char *message,
                     struct rk_err *e)
{
    struct rk_tag_github *c = ctx;
    json_object *body, *resp = NULL;
    char path[512], ref[RK_TAG_MAX + 16], *target = NULL;
    long status = 0;
    int rc;
    if (message && strcmp(c->obj_name, name) == 0 && *c->obj_sha) {
        target = strdup(c->obj_sha); /* a retry: the same tag object */
        if (!target)
            return rk_err_set(e, RK_SYSTEM, "out of memory");
    } else if (message) {
        if (make_tag_object(c, name, sha, message, &target, e) < 0)
            return -1;
        if (strlen(name) < sizeof(c->obj_name) && strlen(target) < sizeof(c->obj_sha)) {
            memcpy(c->obj_name, name, strlen(name) + 1);
            memcpy(c->obj_sha, target, strlen(target) + 1);
        }
    }
    snprintf(path, sizeof(path), "%s/git/refs", c->repo_path);
    snprintf(ref, sizeof(ref), "refs/tags/%s", name);
    body = json_object_new_object();
    rk_json_set_str(body, "ref", ref);
    rk_json_set_str(body, "sha", target ? target : sha);
    rc = rk_github_json(c->g, "POST", path, body, RK_GH_NO_RETRY, &resp, &status, e);
    json_object_put(body);
    free(target);
    if (resp)
        json_object_put(resp);
    if (rc == 0)
        return RK_TAG_CREATED;
    if (status == 422 && strstr(e->msg, "already exists")) {
        rk_err_clear(e);
        return RK_TAG_EXISTS;
    }
    return -1;
}

/* peel tag objects down to the commit */
static int peel(struct rk_tag_github *c, json_object *obj, char *out, struct rk_err *e)
{
    json_object *cur = json_object_get(obj);
    int rc = 0;
    for (int depth = 0; rc == 0; depth++) {
        const char *type = rk_json_str(cur, "type"), *sha = rk_json_str(cur, "sha");
        json_object *tag = NULL;
        char path[512];
        if (!sha || strlen(sha) >= RK_TAG_SHA_MAX) {
            rc = rk_err_set(e, RK_REMOTE, "tag object without a sha");
            break;
        }
        if (!type || strcmp(type, "tag") != 0 || depth >= 8) {
            memcpy(out, sha, strlen(sha) + 1);
            break;
        }
        snprintf(path, sizeof(path), "%s/git/tags/%s", c->repo_path, sha);
        rc = rk_github_get(c->g, path, &tag, e);
        json_object_put(cur);
        cur = rc == 0 ? json_object_get(rk_json_obj(tag, "object")) : NULL;
        if (tag)
            json_object_put(tag);
    }
    if (cur)
        json_object_put(cur);
    return rc;
}

static int gh_resolve(void *ctx, const char *name, char *out, struct rk_err *e)
{
    struct rk_tag_github *c = ctx;
    char *path = ref_path(c, "ref", name, NULL);
    json_object *ref = NULL;
    long status = 0;
    int rc;
    *out = '\0';
    if (!path)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    rc =
        rk_github_json(c->g, "GET", path, NULL, RK_GH_ALLOW_404 | RK_GH_NO_CACHE, &ref, &status, e);
    free(path);
    /* GET git/ref/X answers an array when X is only a prefix of existing refs */
    if (rc == 0 && status != 404 && ref && json_object_is_type(ref, json_type_object))
        rc = peel(c, rk_json_obj(ref, "object"), out, e);
    if (ref)
        json_object_put(ref);
    return rc;
}

/* an annotated tag made here is recognised by its tag object */
static int gh_owned(void *ctx, const char *name, struct rk_err *e)
{
    struct rk_tag_github *c = ctx;
    char *path;
    json_object *ref = NULL;
    const char *sha;
    long status = 0;
    int rc;
    if (strcmp(c->obj_name, name) != 0 || !*c->obj_sha)
        return -1;
    if (!(path = ref_path(c, "ref", name, NULL))) {
        rk_err_set(e, RK_SYSTEM, "out of memory");
        return -2;
    }
    rc =
        rk_github_json(c->g, "GET", path, NULL, RK_GH_ALLOW_404 | RK_GH_NO_CACHE, &ref, &status, e);
    free(path);
    if (rc < 0)
        return -2;
    sha = rk_json_str(rk_json_obj(ref, "object"), "sha");
    rc = sha && strcmp(sha, c->obj_sha) == 0;
    if (ref)
        json_object_put(ref);
    return rc;
}

void rk_tag_backend_github(struct rk_tag_backend *b, struct rk_tag_github *ctx)
{
    b->ctx = ctx;
    b->list = gh_list;
    b->create = gh_create;
    b->resolve = gh_resolve;
    b->owned = gh_owned;
}

int rk_tag_github_commit(struct rk_tag_github *ctx, const char *rev, char *sha, time_t *date,
                         struct rk_err *e)
{
    char *esc = rk_url_escape(rev);
    struct rk_buf b;
    json_object *c = NULL;
    const char *s;
    int rc;
    rk_buf_init(&b, 4096);
    if (!esc || rk_buf_printf(&b, "%s/commits/%s", ctx->repo_path, esc) < 0) {
        free(esc);
        rk_buf_release(&b);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    free(esc);
    rc = rk_github_get(ctx->g, rk_buf_cstr(&b), &c, e);
    rk_buf_release(&b);
    if (rc < 0)
        return rk_err_prefix(e, "commit '%s'", rev);
    s = rk_json_str(c, "sha");
    if (!s || strlen(s) >= RK_TAG_SHA_MAX)
        rc = rk_err_set(e, RK_REMOTE, "commit '%s': no sha in the answer", rev);
    else
        memcpy(sha, s, strlen(s) + 1);
    if (date)
        *date = rk_checks_time(rk_json_obj(rk_json_obj(c, "commit"), "committer"), "date");
    json_object_put(c);
    return rc;
}
