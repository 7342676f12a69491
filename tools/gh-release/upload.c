/* upload.c - gh-release upload: files to a release, idempotently, in parallel.
 *
 * Per file: hash it (streamed), look at the asset of its name in the snapshot listed before
 * the workers started (leftovers of a killed run are put right first, see upload_swap.c),
 * then skip it (same size and sha256; GitHub's digest, else the asset's bytes hashed),
 * refuse it (different bytes, no --clobber), swap it in (--clobber) or upload it. */
#include "ghr.h"
#include "jsonio.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

/* same bytes as f? 1 yes, 0 no, -1 error */
static int same_bytes(struct ghr *g, struct rk_github *gh, json_object *a, struct ghr_file *f,
                      struct rk_err *e)
{
    char hex[RK_SHA256_HEX_LEN];
    switch (rk_asset_match(a, f->size, f->sha256)) {
    case RK_ASSET_SAME:
        return 1;
    case RK_ASSET_UNKNOWN:
        rk_log_verbose("'%s' has no digest on GitHub: hashing its bytes", f->name);
        if (ghr_remote_sha256(g, gh, a, hex, e) < 0)
            return -1;
        return strcmp(hex, f->sha256) == 0;
    default:
        return 0;
    }
}

static int relabel(struct ghr *g, struct rk_github *gh, json_object *a, struct ghr_file *f,
                   struct rk_err *e)
{
    const char *have = rk_json_str(a, "label");
    if (!f->label || (have && strcmp(have, f->label) == 0))
        return 0;
    f->action = "relabeled";
    return ghr_patch_asset(gh, g, rk_json_int(a, "id", 0), NULL, f->label, &f->fresh, e);
}

static int existing(struct ghr *g, struct rk_github *gh, struct ghr_upload *u, json_object *a,
                    struct ghr_file *f, struct rk_err *e)
{
    char have[RK_SHA256_HEX_LEN];
    int same = same_bytes(g, gh, a, f, e);
    if (same < 0)
        return -1;
    if (same) {
        f->action = "skipped";
        return relabel(g, gh, a, f, e);
    }
    if (!u->clobber) {
        int d = rk_asset_sha256(a, have);
        return rk_err_set(e, RK_REMOTE,
                          "asset '%s' exists with other bytes (%lld bytes, sha256 %.16s) than "
                          "'%s': use --clobber to replace it",
                          f->name, (long long)rk_json_int(a, "size", -1), d == 1 ? have : "unknown",
                          f->path);
    }
    f->action = "replaced";
    return ghr_swap(g, gh, u, f, a, e);
}

int ghr_upload_one(struct ghr *g, struct rk_github *gh, struct ghr_upload *u, struct ghr_file *f,
                   struct rk_err *e)
{
    json_object *fresh = NULL, *a;
    struct rk_err ignore;
    int rc;
    rk_err_clear(&ignore);
    if (ghr_recover(g, gh, u, f, &fresh, e) < 0)
        return -1;
    a = rk_asset_find(fresh ? fresh : u->assets, f->name);
    if (a) {
        rc = ghr_file_hash(f, e) < 0 ? -1 : existing(g, gh, u, a, f, e);
    } else {
        /* a new asset: the hash (checked against GitHub's digest) runs beside the upload */
        ghr_file_hash_start(f);
        f->action = "uploaded";
        rc = ghr_upload_new(g, gh, u, f, f->name, &f->fresh, e);
        if (ghr_file_hash(f, rc == 0 ? e : &ignore) < 0)
            rc = -1;
    }
    if (rc == 0 && !f->fresh && a && fresh)
        f->fresh = json_object_get(a); /* this thread's own listing */
    else if (rc == 0 && !f->fresh && a)
        f->remote = a; /* the shared snapshot: read by the main thread later */
    json_object_put(fresh);
    if (rc == 0)
        rk_log_verbose("%s '%s'", f->action, f->name);
    return rc < 0 ? rk_err_prefix(e, "'%s'", f->path) : 0;
}

static int upload_job(struct ghr *g, struct rk_github *gh, void *item, struct rk_err *e)
{
    struct ghr_file *f = item;
    return ghr_upload_one(g, gh, f->upload, f, e);
}

static void results(struct ghr_files *files)
{
    for (size_t i = 0; i < files->n; i++) {
        struct ghr_file *f = &files->v[i];
        json_object *a = f->fresh ? f->fresh : f->remote;
        json_object *r = a ? rk_asset_summary(a) : json_object_new_object();
        if (!a)
            rk_json_set_str(r, "name", f->name);
        rk_json_set_str(r, "path", f->path);
        if (f->sha256[0])
            rk_json_set_str(r, "local_sha256", f->sha256);
        rk_json_set_str(r, "action", f->action ? f->action : "failed");
        json_object_put(f->result);
        f->result = r;
    }
}

int ghr_upload_files(struct ghr *g, struct ghr_upload *u, struct ghr_files *files, int jobs,
                     struct rk_err *e)
{
    int rc;
    for (size_t i = 0; i < files->n; i++)
        files->v[i].upload = u;
    rc = ghr_pool_run(g, jobs, files->v, sizeof(files->v[0]), files->n, upload_job, e);
    /* the workers' objects are handed over to this thread from here on */
    results(files);
    return rc;
}

static int hash_job(struct ghr *g, struct rk_github *gh, void *item, struct rk_err *e)
{
    return ghr_file_hash(item, e);
}

static const char *plan_action(struct ghr_upload *u, struct ghr_file *f)
{
    json_object *a = rk_asset_find(u->assets, f->name);
    if (!a || !rk_asset_complete(a))
        return "upload";
    switch (rk_asset_match(a, f->size, f->sha256)) {
    case RK_ASSET_SAME:
        return "skip";
    case RK_ASSET_UNKNOWN:
        return "compare";
    default:
        return u->clobber ? "replace" : "refuse";
    }
}

json_object *ghr_upload_plan(struct ghr_upload *u, struct ghr_files *files)
{
    json_object *plan = json_object_new_array();
    for (size_t i = 0; i < files->n; i++) {
        struct ghr_file *f = &files->v[i];
        json_object *p = json_object_new_object();
        rk_json_set_str(p, "action", plan_action(u, f));
        rk_json_set_str(p, "name", f->name);
        rk_json_set_str(p, "path", f->path);
        rk_json_set_int(p, "size", (int64_t)f->size);
        rk_json_set_str(p, "sha256", f->sha256);
        rk_json_set_str(p, "content_type", f->content_type);
        if (f->label)
            rk_json_set_str(p, "label", f->label);
        json_object_array_add(plan, p);
    }
    return plan;
}

static int gather(struct ghr *g, struct ghr_files *files, struct rk_err *e)
{
    json_object *arr;
    const char *ct = g->opts.content_type;
    for (size_t i = 0; i < g->opts.args.n; i++)
        if (ghr_files_add_arg(files, g->opts.args.v[i], ct, e) < 0)
            return -1;
    if (g->opts.args.n == 0) {
        arr = rk_json_array(g->ctx, "wheels"); /* wheel-retag's output, newer than "files" */
        if (!arr)
            arr = rk_json_array(g->ctx, "files");
        if (!arr)
            return rk_err_set(e, RK_USAGE,
                              "no files: give FILE arguments or \"files\" in the "
                              "context");
        if (ghr_files_add_json(files, arr, "files", ct, e) < 0)
            return -1;
    }
    if (g->opts.metadata && ghr_files_add_sidecars(files, e) < 0)
        return -1;
    return ghr_files_check_names(files, e);
}

/* Upload files to rel (borrowed); each result (with --dry-run: each planned action) is
 * appended to out, with the release's tag. */
int ghr_upload_release(struct ghr *g, json_object *rel, struct ghr_files *files, json_object *out,
                       struct rk_err *e)
{
    struct ghr_upload u = {rel, NULL, g->opts.clobber};
    json_object *items = NULL;
    int rc = ghr_assets_now(g, &g->gh, rel, &u.assets, e);
    if (rc == 0 && g->cli.dry_run) {
        rc = ghr_pool_run(g, g->opts.jobs, files->v, sizeof(files->v[0]), files->n, hash_job, e);
        if (rc == 0)
            items = ghr_upload_plan(&u, files);
    } else if (rc == 0) {
        rc = ghr_upload_files(g, &u, files, g->opts.jobs, e);
        items = json_object_new_array();
        for (size_t i = 0; i < files->n; i++)
            json_object_array_add(items, json_object_get(files->v[i].result));
    }
    for (size_t i = 0; items && i < json_object_array_length(items); i++) {
        json_object *it = json_object_array_get_idx(items, i);
        rk_json_set_str(it, "tag", rk_json_str(rel, "tag_name"));
        json_object_array_add(out, json_object_get(it));
    }
    json_object_put(items);
    json_object_put(u.assets);
    return rc;
}

/* the results (or the plan) into the context */
void ghr_upload_output(struct ghr *g, json_object *out)
{
    if (g->cli.dry_run)
        ghr_set_plan(g, out);
    else
        rk_json_set(g->ctx, "assets", out);
}

int ghr_upload(struct ghr *g, struct rk_err *e)
{
    struct ghr_files files;
    json_object *rel = NULL, *out, *groups = ghr_metadata_groups(g);
    const char *tag;
    int rc;
    if (groups)
        return ghr_upload_metadata(g, groups, e);
    ghr_files_init(&files);
    out = json_object_new_array();
    rc = ghr_need_tag(g, (size_t)-1, &tag, e);
    if (rc == 0)
        rc = gather(g, &files, e);
    if (rc == 0)
        rc = ghr_need_release(g, tag, &rel, e);
    if (rc == 0) {
        rk_json_set(g->ctx, "release", rk_release_summary(rel));
        rc = ghr_upload_release(g, rel, &files, out, e);
    }
    if (rel)
        ghr_upload_output(g, json_object_get(out));
    json_object_put(out);
    json_object_put(rel);
    ghr_files_release(&files);
    return rc;
}
