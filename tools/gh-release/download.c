/* download.c - gh-release download: assets to files, in parallel, each checked against its
 * digest before it is renamed into place (see fetch.c). Prints "files" for wheel-retag. */
#include "ghr.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dl_item {
    json_object *asset; /* borrowed from the listing (read-only in workers) */
    char *path;         /* owned */
    char sha256[RK_SHA256_HEX_LEN];
    const char *action; /* "downloaded", "kept"; NULL when it failed */
    int clobber;
};

/* an existing file: 1 keep it (same bytes), 0 download, -1 refuse */
static int existing_file(struct ghr *g, struct rk_github *gh, struct dl_item *it, struct rk_err *e)
{
    unsigned char md[RK_SHA256_LEN];
    char want[RK_SHA256_HEX_LEN];
    uint64_t size;
    if (access(it->path, F_OK) != 0)
        return 0;
    if (rk_sha256_file(it->path, md, &size, e) < 0)
        return -1;
    rk_hex(md, RK_SHA256_LEN, it->sha256);
    if (size == (uint64_t)rk_json_int(it->asset, "size", -1)) {
        /* no digest on GitHub: the asset's bytes are hashed to compare */
        if (ghr_remote_sha256(g, gh, it->asset, want, e) < 0)
            return -1;
        if (strcmp(want, it->sha256) == 0)
            return 1;
    }
    if (it->clobber)
        return 0;
    return rk_err_set(e, RK_SYSTEM, "'%s' exists with other bytes: use --clobber to replace it",
                      it->path);
}

static int dl_job(struct ghr *g, struct rk_github *gh, void *item, struct rk_err *e)
{
    struct dl_item *it = item;
    int r = existing_file(g, gh, it, e);
    if (r < 0)
        return -1;
    if (r == 1) {
        it->action = "kept";
        return 0;
    }
    if (ghr_fetch_to(g, gh, it->asset, it->path, it->sha256, e) < 0)
        return -1;
    it->action = "downloaded";
    rk_log_verbose("downloaded '%s'", it->path);
    return 0;
}

static json_object *file_entry(struct dl_item *it)
{
    json_object *o = json_object_new_object();
    rk_json_set_str(o, "path", it->path);
    rk_json_set_str(o, "name", rk_json_str(it->asset, "name"));
    rk_json_set_int(o, "size", rk_json_int(it->asset, "size", 0));
    rk_json_set_str(o, "sha256", it->sha256);
    rk_json_set_int(o, "asset_id", rk_json_int(it->asset, "id", 0));
    rk_json_set_str(o, "action", it->action);
    return o;
}

/* the assets to fetch: matching the patterns, complete; every pattern must match */
static int select_assets(struct ghr *g, json_object *assets, struct ghr_list *pats,
                         json_object **out, struct rk_err *e)
{
    size_t n = json_object_array_length(assets);
    *out = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *a = json_object_array_get_idx(assets, i);
        const char *name = rk_json_str(a, "name");
        if (!name || !ghr_match_any(pats, name) || !rk_asset_complete(a) ||
            strncmp(name, GHR_TMP_PREFIX, strlen(GHR_TMP_PREFIX)) == 0 ||
            strncmp(name, GHR_OLD_PREFIX, strlen(GHR_OLD_PREFIX)) == 0)
            continue;
        if (!ghr_safe_name(name))
            return rk_err_set(e, RK_REMOTE, "refusing asset name '%s'", name);
        json_object_array_add(*out, json_object_get(a));
    }
    for (size_t p = 0; p < pats->n; p++) {
        size_t k = 0, m = json_object_array_length(*out);
        while (k < m &&
               fnmatch(pats->v[p], rk_json_str(json_object_array_get_idx(*out, k), "name"), 0) != 0)
            k++;
        if (k == m)
            return rk_err_set(e, RK_REMOTE, "no asset matches '%s'", pats->v[p]);
    }
    return 0;
}

static void outputs(struct ghr *g, struct dl_item *items, size_t n)
{
    json_object *files = json_object_new_array(), *rejected = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        if (items[i].action)
            json_object_array_add(files, file_entry(&items[i]));
        else
            json_object_array_add(rejected,
                                  json_object_new_string(rk_json_str(items[i].asset, "name")));
    }
    rk_json_set(g->ctx, "files", files);
    if (json_object_array_length(rejected))
        rk_json_set(g->ctx, "rejected", rejected);
    else
        json_object_put(rejected);
}

static json_object *dl_plan(struct dl_item *items, size_t n)
{
    json_object *plan = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *p = rk_asset_summary(items[i].asset);
        rk_json_set_str(p, "action", "download");
        rk_json_set_str(p, "path", items[i].path);
        json_object_array_add(plan, p);
    }
    return plan;
}

static int fetch_all(struct ghr *g, json_object *sel, const char *dir, struct rk_err *e)
{
    size_t n = json_object_array_length(sel);
    struct dl_item *items = calloc(n ? n : 1, sizeof(*items));
    int rc = items ? 0 : rk_err_set(e, RK_SYSTEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        items[i].asset = json_object_array_get_idx(sel, i);
        items[i].path = rk_path_join(dir, rk_json_str(items[i].asset, "name"));
        items[i].clobber = g->opts.clobber;
        if (!items[i].path)
            rc = rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    if (rc == 0 && g->cli.dry_run)
        ghr_set_plan(g, dl_plan(items, n));
    else if (rc == 0 && (rc = rk_mkdir_p(dir, 0755, e)) == 0) {
        rc = ghr_pool_run(g, g->opts.jobs, items, sizeof(*items), n, dl_job, e);
        outputs(g, items, n);
    }
    for (size_t i = 0; items && i < n; i++)
        free(items[i].path);
    free(items);
    return rc;
}

int ghr_download(struct ghr *g, struct rk_err *e)
{
    struct ghr_list pats = g->opts.pattern;
    json_object *rel = NULL, *assets = NULL, *sel = NULL;
    const char *tag;
    int rc;
    for (size_t i = 0; i < g->opts.args.n; i++)
        pats.v[pats.n++] = g->opts.args.v[i];
    rc = ghr_need_tag(g, (size_t)-1, &tag, e);
    if (rc == 0)
        rc = ghr_need_release(g, tag, &rel, e);
    if (rc == 0)
        rc = ghr_assets_now(g, &g->gh, rel, &assets, e);
    if (rc == 0)
        rc = select_assets(g, assets, &pats, &sel, e);
    if (rc == 0) {
        rk_json_set(g->ctx, "release", rk_release_summary(rel));
        rc = fetch_all(g, sel, g->opts.dir ? g->opts.dir : ".", e);
    }
    json_object_put(sel);
    json_object_put(assets);
    json_object_put(rel);
    return rc;
}
