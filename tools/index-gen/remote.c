/* remote.c - hashes and metadata of remote files: digests, the cache, .metadata assets,
 * range reads of the zip directory, whole downloads; then the files enter the index */
#include "index_gen.h"
#include "remote.h"
#include "err.h"
#include "jsonio.h"
#include "log.h"
#include "wheel_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *stamp_of(const struct ig_asset *a)
{
    return a->stamp ? a->stamp : "";
}

/* the cache entry of an asset (borrowed) or NULL */
json_object *ig_cache_get(struct ig_run *r, const struct ig_asset *a)
{
    return rk_hashcache_get(&r->cache, a->url, a->size, stamp_of(a));
}

/* the cache entry of an asset, created when missing (borrowed) */
json_object *ig_cache_edit(struct ig_run *r, const struct ig_asset *a)
{
    json_object *ent = rk_hashcache_get(&r->cache, a->url, a->size, stamp_of(a));
    if (!ent)
        ent = rk_hashcache_put(&r->cache, a->url, a->size, stamp_of(a));
    r->cache.dirty = 1;
    return ent;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* a METADATA cached by an older version, unchecked then, agrees with the file name */
static int cached_metadata_ok(struct ig_rfile *f)
{
    struct rk_wheel_name fn;
    struct rk_err ignored;
    rk_err_clear(&ignored);
    return rk_wheel_name_parse(f->a->name, &fn, &ignored) == 0 &&
           rk_wheel_check_metadata_text(rk_buf_cstr(&f->text), f->text.len, &fn, f->a->name,
                                        &ignored) == 0;
}

/* what the cache and the asset list already tell */
static void known_facts(struct ig_run *r, struct ig_rfile *f)
{
    json_object *ent = ig_cache_get(r, f->a), *ment = f->m ? ig_cache_get(r, f->m) : NULL;
    if (!f->sha[0] && ent && rk_json_str(ent, "sha256"))
        snprintf(f->sha, sizeof(f->sha), "%s", rk_json_str(ent, "sha256"));
    if (f->kind != RK_PY_WHEEL)
        return;
    if (f->m) {
        snprintf(f->msha, sizeof(f->msha), "%s", f->m->sha256);
        if (ment && rk_json_bool(ment, "parsed", 0)) {
            if (!f->msha[0] && rk_json_str(ment, "sha256"))
                snprintf(f->msha, sizeof(f->msha), "%s", rk_json_str(ment, "sha256"));
            rk_pyfile_set(&f->rp, rk_json_str(ment, "requires_python"));
            f->meta_known = 1;
        }
        return;
    }
    if (ent && rk_json_bool(ent, "no_metadata", 0)) {
        f->meta_known = 1;
        return;
    }
    if (ent && rk_json_str(ent, "metadata")) {
        int found = 0;
        struct rk_err ignored;
        rk_err_clear(&ignored);
        rk_hashcache_blob_get(&r->cache, rk_json_str(ent, "metadata"), &f->text, &found, &ignored);
        if (found && !cached_metadata_ok(f)) {
            rk_buf_reset(&f->text);
            found = 0; /* read again, and checked */
        }
        if (found) {
            f->have_text = 1, f->meta_known = 1;
            rk_pyfile_set(&f->rp, rk_json_str(ent, "requires_python"));
        }
    }
}

static int classify(struct ig_run *r, struct ig_rfiles *fs, struct rk_err *e)
{
    json_object *meta = json_object_new_object();
    int rc = 0;
    for (size_t i = 0; i < r->assets.n; i++)
        if (ends_with(r->assets.v[i].name, ".whl.metadata"))
            json_object_object_add(meta, r->assets.v[i].url, json_object_new_int64((int64_t)i));
    fs->v = calloc(r->assets.n ? r->assets.n : 1, sizeof(*fs->v));
    if (!fs->v)
        rc = rk_err_set(e, RK_SYSTEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < r->assets.n; i++) {
        struct ig_rfile *f = &fs->v[fs->n];
        struct ig_asset *a = &r->assets.v[i];
        json_object *mi;
        char murl[4096], project[256], version[256];
        if (ig_parse_filename(a->name, project, sizeof(project), version, sizeof(version),
                              &f->kind) < 0)
            continue;
        if (!(f->project = ig_assets_keep(&r->assets, project)) ||
            !(f->version = ig_assets_keep(&r->assets, version))) {
            rc = rk_err_set(e, RK_SYSTEM, "out of memory");
            break;
        }
        f->a = a;
        _Static_assert(sizeof(f->sha) == sizeof(a->sha256), "sha256 hex of the same size");
        memcpy(f->sha, a->sha256, sizeof(f->sha));
        if (f->kind == RK_PY_WHEEL && json_object_object_length(meta) > 0 &&
            snprintf(murl, sizeof(murl), "%s.metadata", a->url) < (int)sizeof(murl) &&
            json_object_object_get_ex(meta, murl, &mi))
            f->m = &r->assets.v[json_object_get_int64(mi)];
        rk_buf_init(&f->text, (size_t)16 << 20);
        known_facts(r, f);
        fs->n++;
    }
    json_object_put(meta);
    return rc;
}

void ig_rfiles_release(struct ig_rfiles *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        rk_buf_release(&fs->v[i].text);
        free(fs->v[i].rp);
    }
    free(fs->v);
    memset(fs, 0, sizeof(*fs));
}

int ig_remote_resolve(struct ig_run *r, struct rk_err *e)
{
    struct ig_rfiles fs;
    int rc;
    memset(&fs, 0, sizeof(fs));
    rc = classify(r, &fs, e);
    if (rc == 0 && fs.n)
        rc = ig_fetch_metadata_assets(r, &fs, e);
    if (rc == 0 && fs.n && !r->o->no_metadata_fetch)
        rc = ig_fetch_ranges(r, &fs, e);
    if (rc == 0 && fs.n)
        rc = ig_fetch_whole(r, &fs, e);
    if (rc == 0)
        rc = ig_remote_finish(r, &fs, e);
    ig_rfiles_release(&fs);
    return rc;
}
