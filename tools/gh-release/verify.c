/* verify.c - gh-release verify: every asset's digest against its bytes (downloaded and hashed,
 * streamed), or local files against the assets' digests. Any mismatch or missing asset is
 * exit 1; an asset without a digest is compared by its bytes when a local file is given, and
 * counted as "unverified" (its size checked) otherwise. */
#include "ghr.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct check {
    json_object *asset; /* borrowed (read-only in workers); NULL: no asset of that name */
    const char *name;   /* borrowed */
    char *path;         /* owned: the local file, or NULL to check the asset's own bytes */
    char expected[RK_SHA256_HEX_LEN], actual[RK_SHA256_HEX_LEN];
    const char *status; /* ok, mismatch, missing, missing-local, unverified */
    char *detail;       /* owned: what the mismatch is, as one line naming the asset, or NULL */
};

static int local_job(struct ghr *g, struct rk_github *gh, struct check *c, struct rk_err *e)
{
    unsigned char md[RK_SHA256_LEN];
    uint64_t size;
    if (access(c->path, F_OK) != 0) {
        c->status = "missing-local";
        return 0;
    }
    if (rk_sha256_file(c->path, md, &size, e) < 0)
        return -1;
    rk_hex(md, RK_SHA256_LEN, c->actual);
    if (size != (uint64_t)rk_json_int(c->asset, "size", -1)) {
        c->status = "mismatch";
        return 0;
    }
    if (ghr_remote_sha256(g, gh, c->asset, c->expected, e) < 0)
        return -1;
    c->status = strcmp(c->expected, c->actual) == 0 ? "ok" : "mismatch";
    return 0;
}

static int remote_job(struct ghr *g, struct rk_github *gh, struct check *c, struct rk_err *e)
{
    uint64_t size;
    int fd, d = rk_asset_sha256(c->asset, c->expected);
    if (ghr_fetch_tmp(g, gh, c->asset, &fd, c->actual, &size, e) < 0) {
        if (e->code != RK_NEGATIVE)
            return -1;
        c->detail = strdup(e->msg); /* reported once, with the other problems */
        rk_err_clear(e);
        c->status = "mismatch";
        return 0;
    }
    close(fd);
    c->status = d == 1 ? "ok" : "unverified";
    return 0;
}

static int check_job(struct ghr *g, struct rk_github *gh, void *item, struct rk_err *e)
{
    struct check *c = item;
    if (!c->asset) {
        c->status = "missing";
        return 0;
    }
    return c->path ? local_job(g, gh, c, e) : remote_job(g, gh, c, e);
}

static int usable(json_object *a, const struct ghr_list *pats)
{
    const char *name = rk_json_str(a, "name");
    return name && rk_asset_complete(a) && ghr_match_any(pats, name) &&
           strncmp(name, GHR_TMP_PREFIX, strlen(GHR_TMP_PREFIX)) != 0 &&
           strncmp(name, GHR_OLD_PREFIX, strlen(GHR_OLD_PREFIX)) != 0;
}

/* FILE arguments: each against the asset of its basename */
static size_t checks_of_files(struct ghr *g, json_object *assets, struct check *cs)
{
    for (size_t i = 0; i < g->opts.args.n; i++) {
        const char *path = g->opts.args.v[i];
        json_object *a = rk_asset_find(assets, rk_basename(path));
        cs[i].asset = a && rk_asset_complete(a) ? a : NULL;
        cs[i].name = rk_basename(path);
        cs[i].path = strdup(path);
    }
    return g->opts.args.n;
}

/* every (matching) asset, against DIR/name or its own bytes */
static size_t checks_of_assets(struct ghr *g, json_object *assets, struct check *cs)
{
    size_t n = json_object_array_length(assets), k = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *a = json_object_array_get_idx(assets, i);
        if (!usable(a, &g->opts.pattern))
            continue;
        cs[k].asset = a;
        cs[k].name = rk_json_str(a, "name");
        cs[k].path = g->opts.dir ? rk_path_join(g->opts.dir, cs[k].name) : NULL;
        k++;
    }
    return k;
}

static int summarize(struct ghr *g, struct check *cs, size_t n, struct rk_err *e)
{
    json_object *out = json_object_new_array(), *counts = json_object_new_object();
    const char *keys[] = {"ok", "mismatch", "missing", "missing-local", "unverified"};
    int64_t cnt[5] = {0};
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_new_object();
        rk_json_set_str(o, "name", cs[i].name);
        rk_json_set_str(o, "status", cs[i].status ? cs[i].status : "failed");
        rk_json_set_str(o, "expected_sha256", cs[i].expected[0] ? cs[i].expected : NULL);
        rk_json_set_str(o, "actual_sha256", cs[i].actual[0] ? cs[i].actual : NULL);
        if (cs[i].path)
            rk_json_set_str(o, "path", cs[i].path);
        json_object_array_add(out, o);
        for (size_t k = 0; k < 5; k++)
            cnt[k] += cs[i].status && strcmp(cs[i].status, keys[k]) == 0;
        if (cs[i].detail)
            rk_log_error("%s", cs[i].detail);
        else if (cs[i].status && strcmp(cs[i].status, "ok") && strcmp(cs[i].status, "unverified"))
            rk_log_error("'%s': %s", cs[i].name, cs[i].status);
    }
    for (size_t k = 0; k < 5; k++)
        rk_json_set_int(counts, keys[k], cnt[k]);
    rk_json_set(g->ctx, "assets", out);
    rk_json_set(g->ctx, "verify", counts);
    if (!(cnt[1] + cnt[2] + cnt[3]))
        return 0;
    /* each problem has had its error line: the count is information */
    rk_log_info("%lld mismatched, %lld missing", (long long)cnt[1], (long long)(cnt[2] + cnt[3]));
    g->reported = 1;
    return rk_err_set(e, RK_NEGATIVE, "%lld mismatched, %lld missing", (long long)cnt[1],
                      (long long)(cnt[2] + cnt[3]));
}

static int verify_assets(struct ghr *g, json_object *assets, struct rk_err *e)
{
    size_t n = json_object_array_length(assets) + g->opts.args.n;
    struct check *cs = calloc(n ? n : 1, sizeof(*cs));
    int rc;
    if (!cs)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    n = g->opts.args.n ? checks_of_files(g, assets, cs) : checks_of_assets(g, assets, cs);
    rc = ghr_pool_run(g, g->opts.jobs, cs, sizeof(*cs), n, check_job, e);
    if (rc == 0)
        rc = summarize(g, cs, n, e);
    for (size_t i = 0; i < n; i++) {
        free(cs[i].path);
        free(cs[i].detail);
    }
    free(cs);
    return rc;
}

int ghr_verify(struct ghr *g, struct rk_err *e)
{
    json_object *rel = NULL, *assets = NULL;
    const char *tag;
    int rc = ghr_need_tag(g, (size_t)-1, &tag, e);
    if (rc == 0 && g->opts.args.n && g->opts.dir)
        rc = rk_err_set(e, RK_USAGE, "give FILE arguments or --dir, not both");
    if (rc == 0)
        rc = ghr_need_release(g, tag, &rel, e);
    if (rc == 0)
        rc = ghr_assets_now(g, &g->gh, rel, &assets, e);
    if (rc == 0) {
        rk_json_set(g->ctx, "release", rk_release_summary(rel));
        rc = verify_assets(g, assets, e);
    }
    json_object_put(rel);
    json_object_put(assets);
    return rc;
}
