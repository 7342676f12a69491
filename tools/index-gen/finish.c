/* finish.c - what was learned about remote files: the cache, the upload plan, the index */
#include "remote.h"
#include "err.h"
#include "fs.h"
#include "http.h"
#include "jsonio.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void remember(struct ig_run *r, struct ig_rfile *f)
{
    json_object *ent;
    char blob[RK_SHA256_HEX_LEN];
    struct rk_err ignored;
    if (!f->learned)
        return;
    rk_err_clear(&ignored);
    ent = ig_cache_edit(r, f->a);
    if (f->sha[0] && !f->a->sha256[0])
        rk_json_set_str(ent, "sha256", f->sha);
    if (f->kind != RK_PY_WHEEL || !f->meta_known)
        return;
    if (f->m) {
        json_object *ment = ig_cache_edit(r, f->m);
        rk_json_set_str(ment, "sha256", f->msha);
        rk_json_set_str(ment, "requires_python", f->rp);
        rk_json_set_bool(ment, "parsed", 1);
    } else if (f->have_text && rk_hashcache_blob_put(&r->cache, rk_buf_cstr(&f->text), f->text.len,
                                                     blob, &ignored) == 0) {
        rk_json_set_str(ent, "metadata", blob);
        rk_json_set_str(ent, "requires_python", f->rp);
    } else if (!f->have_text) {
        rk_json_set_bool(ent, "no_metadata", 1);
    }
}

/* UPLOAD_DIR/<owner>/<name>/<tag>/<wheel>.metadata (the tag escaped), for gh-release upload */
static int write_upload(struct ig_run *r, struct ig_rfile *f, struct rk_err *e)
{
    char *tag = rk_url_escape(f->a->tag ? f->a->tag : "untagged"), name[1024], path[8192];
    char dir[4096];
    int rc = 0;
    if (!tag)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    snprintf(dir, sizeof(dir), "%s/%s/%s", r->o->upload_dir, f->a->repo ? f->a->repo : "context",
             tag);
    snprintf(name, sizeof(name), "%s.metadata", f->a->name);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    free(tag);
    if (!r->o->dry_run &&
        (rk_mkdir_p(dir, 0755, e) < 0 ||
         rk_write_file_atomic(path, rk_buf_cstr(&f->text), f->text.len, 0644, e) < 0))
        rc = -1;
    if (rc == 0)
        rc = ig_upload_add(r, f->a->repo, f->a->tag, path, name, (int64_t)f->text.len, f->msha, e);
    return rc;
}

static int add_to_index(struct ig_run *r, struct ig_rfile *f, struct rk_err *e)
{
    struct rk_pyfile p;
    memset(&p, 0, sizeof(p));
    p.filename = f->a->name, p.url = f->a->url, p.project = f->project;
    p.version = f->version, p.kind = f->kind, p.size = f->a->size;
    p.upload_time = f->a->upload_time, p.requires_python = f->rp, p.origin = f->a->origin;
    _Static_assert(sizeof(p.sha256) == sizeof(f->sha) &&
                       sizeof(p.metadata_sha256) == sizeof(f->msha),
                   "sha256 hex of the same size");
    memcpy(p.sha256, f->sha, sizeof(p.sha256)); /* both NUL-terminated within their size */
    if (f->m) {
        p.has_metadata = 1;
        memcpy(p.metadata_sha256, f->msha, sizeof(p.metadata_sha256));
    }
    return rk_pyindex_add(&r->index, &p, e) ? 0 : -1;
}

int ig_remote_finish(struct ig_run *r, struct ig_rfiles *fs, struct rk_err *e)
{
    for (size_t i = 0; i < fs->n; i++) {
        struct ig_rfile *f = &fs->v[i];
        if (!r->o->dry_run) /* metadata blobs are written at once */
            remember(r, f);
        if (f->kind == RK_PY_WHEEL && !f->m && f->have_text && write_upload(r, f, e) < 0)
            return -1;
        if (add_to_index(r, f, e) < 0)
            return -1;
    }
    return 0;
}
