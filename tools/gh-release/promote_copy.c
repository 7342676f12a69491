/* promote_copy.c - copy assets from one release to another: streamed download to a private
 * temporary directory (digest-checked), then the idempotent upload (upload.c). An asset the
 * target already holds with the source's digest is not transferred at all. */
#include "ghr.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct copy_item {
    struct ghr_file f; /* path: the temporary file; name: the asset's */
    json_object *src;  /* borrowed: the source asset (read-only in workers) */
};

/* the target holds the source's bytes already (by digest) */
static json_object *already_there(struct ghr_upload *u, json_object *src)
{
    char want[RK_SHA256_HEX_LEN];
    json_object *a = rk_asset_find(u->assets, rk_json_str(src, "name"));
    if (!a || rk_asset_sha256(src, want) != 1)
        return NULL;
    return rk_asset_match(a, (uint64_t)rk_json_int(src, "size", -1), want) == RK_ASSET_SAME ? a
                                                                                            : NULL;
}

static int copy_job(struct ghr *g, struct rk_github *gh, void *item, struct rk_err *e)
{
    struct copy_item *c = item;
    json_object *there = already_there(c->f.upload, c->src);
    int rc;
    if (there) {
        c->f.action = "skipped";
        c->f.remote = there;
        return 0;
    }
    if (ghr_fetch_to(g, gh, c->src, c->f.path, c->f.sha256, e) < 0)
        return rk_err_prefix(e, "copy of '%s'", c->f.name);
    c->f.size = (uint64_t)rk_json_int(c->src, "size", 0);
    rc = ghr_upload_one(g, gh, c->f.upload, &c->f, e);
    unlink(c->f.path);
    if (rc == 0 && strcmp(c->f.action, "uploaded") == 0)
        c->f.action = "copied";
    return rc;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        char *p;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if ((p = rk_path_join(dir, de->d_name)) != NULL)
            unlink(p);
        free(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

static int make_items(struct ghr_upload *u, json_object *sel, const char *dir,
                      struct copy_item *items, size_t n, struct rk_err *e)
{
    for (size_t i = 0; i < n; i++) {
        struct copy_item *c = &items[i];
        const char *label = rk_json_str(json_object_array_get_idx(sel, i), "label");
        c->src = json_object_array_get_idx(sel, i);
        c->f.name = strdup(rk_json_str(c->src, "name"));
        c->f.path = c->f.name ? rk_path_join(dir, c->f.name) : NULL;
        c->f.label = label && *label ? strdup(label) : NULL;
        c->f.content_type = rk_json_str(c->src, "content_type");
        if (!c->f.content_type)
            c->f.content_type = ghr_content_type(c->f.name ? c->f.name : "");
        c->f.upload = u;
        if (!c->f.path)
            return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    return 0;
}

static void collect(struct copy_item *items, size_t n, json_object *out)
{
    for (size_t i = 0; i < n; i++) {
        struct ghr_file *f = &items[i].f;
        json_object *a = f->fresh ? f->fresh : f->remote, *r;
        r = a ? rk_asset_summary(a) : json_object_new_object();
        if (!a)
            rk_json_set_str(r, "name", f->name);
        rk_json_set_str(r, "action", f->action ? f->action : "failed");
        rk_json_set_str(r, "from", "candidate");
        json_object_array_add(out, r);
        free(f->path);
        free(f->name);
        free(f->label);
        json_object_put(f->fresh);
    }
}

int ghr_copy_assets(struct ghr *g, struct ghr_upload *u, json_object *sel, json_object *out,
                    struct rk_err *e)
{
    size_t n = json_object_array_length(sel);
    struct copy_item *items = calloc(n ? n : 1, sizeof(*items));
    char *dir = NULL;
    const char *tmp = getenv("TMPDIR");
    int rc;
    if (!items)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    dir = rk_path_join(tmp && *tmp ? tmp : "/tmp", "gh-release-copy.XXXXXX");
    if (!dir || !mkdtemp(dir))
        rc = rk_err_errno(e, RK_SYSTEM, "unable to create a temporary directory");
    else if ((rc = make_items(u, sel, dir, items, n, e)) == 0)
        rc = ghr_pool_run(g, g->opts.jobs, items, sizeof(*items), n, copy_job, e);
    collect(items, n, out);
    if (dir)
        remove_dir(dir);
    free(dir);
    free(items);
    return rc;
}
