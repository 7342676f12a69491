/* index_gen.c - index-gen's run: sources, facts, pages, the result */
#include "index_gen.h"
#include "err.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void ig_run_init(struct ig_run *r, struct ig_opts *o)
{
    memset(r, 0, sizeof(*r));
    r->o = o;
    rk_pyindex_init(&r->index);
}

void ig_run_release(struct ig_run *r)
{
    if (r->have_gh)
        rk_github_release(&r->gh);
    if (r->have_http)
        rk_http_client_release(&r->http);
    if (r->have_re)
        regfree(&r->re);
    rk_hashcache_release(&r->cache);
    rk_pyindex_release(&r->index);
    ig_assets_release(&r->assets);
    for (size_t i = 0; i < r->nuploads; i++) {
        free(r->uploads[i].repo), free(r->uploads[i].tag);
        free(r->uploads[i].path), free(r->uploads[i].name);
    }
    free(r->uploads);
    json_object_put(r->yanks);
    memset(r, 0, sizeof(*r));
}

int ig_github(struct ig_run *r, struct rk_err *e)
{
    char path[4096];
    if (r->have_gh)
        return 0;
    if (rk_github_init(&r->gh, NULL, e) < 0)
        return -1;
    r->have_gh = 1;
    if (!r->o->cache_dir)
        return 0;
    snprintf(path, sizeof(path), "%s/etags", r->o->cache_dir);
    return rk_github_etag_load(&r->gh, path, e);
}

struct rk_http_client *ig_http(struct ig_run *r, struct rk_err *e)
{
    if (r->have_gh)
        return &r->gh.http;
    if (!r->have_http) {
        if (rk_http_client_init(&r->http, NULL, e) < 0)
            return NULL;
        r->have_http = 1;
    }
    return &r->http;
}

int ig_upload_add(struct ig_run *r, const char *repo, const char *tag, const char *path,
                  const char *name, int64_t size, const char *sha, struct rk_err *e)
{
    struct ig_upload *u;
    if (r->nuploads == r->cap_uploads) {
        size_t cap = r->cap_uploads ? r->cap_uploads * 2 : 64;
        struct ig_upload *v = realloc(r->uploads, cap * sizeof(*v));
        if (!v)
            return rk_err_set(e, RK_SYSTEM, "out of memory");
        r->uploads = v, r->cap_uploads = cap;
    }
    u = &r->uploads[r->nuploads++];
    memset(u, 0, sizeof(*u));
    u->repo = repo ? strdup(repo) : NULL, u->tag = tag ? strdup(tag) : NULL;
    u->path = strdup(path), u->name = strdup(name), u->size = size;
    snprintf(u->sha256, sizeof(u->sha256), "%s", sha);
    return u->path && u->name ? 0 : rk_err_set(e, RK_SYSTEM, "out of memory");
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* -v: how long the phase that ends now took (wall clock, and CPU time of the process) */
void ig_phase(struct ig_run *r, const char *what)
{
    double t = clock_s(CLOCK_MONOTONIC), cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    if (r->phase_t > 0 && what)
        rk_log_verbose("%s: %.3f s (%.3f s CPU)", what, t - r->phase_t, cpu - r->phase_cpu);
    r->phase_t = t, r->phase_cpu = cpu;
}

static int sources(struct ig_run *r, json_object *ctx, struct rk_err *e)
{
    if (!r->o->no_context_assets && ig_source_context(r, ctx, e) < 0)
        return -1;
    for (size_t i = 0; i < r->o->nrepos; i++)
        if (ig_source_github(r, r->o->repos[i], e) < 0)
            return -1;
    if (r->assets.n && ig_remote_resolve(r, e) < 0)
        return -1;
    if (r->assets.n)
        ig_phase(r, "hashes and metadata of remote files");
    for (size_t i = 0; i < r->o->ndirs; i++)
        if (ig_source_dir(r, r->o->dirs[i], e) < 0)
            return -1;
    return 0;
}

static int save_caches(struct ig_run *r, struct rk_err *e)
{
    char path[4096];
    if (r->o->dry_run)
        return 0;
    if (r->have_gh && r->o->cache_dir && rk_mkdir_p(r->o->cache_dir, 0755, e) < 0)
        return -1;
    if (r->have_gh && r->o->cache_dir && rk_github_etag_save(&r->gh, e) < 0)
        return -1;
    if (r->have_gh && r->o->cache_dir) { /* the single-file cache of earlier versions */
        snprintf(path, sizeof(path), "%s/etags.json", r->o->cache_dir);
        unlink(path);
    }
    return rk_hashcache_save(&r->cache, e);
}

/* the temporary files of a run killed while writing (common/fs.c atomic files): the output
 * (pages in simple/NAME/, sidecars in upload/OWNER/REPO/TAG/) and the cache would keep them
 * for ever */
static int stale_temps(struct ig_run *r, struct rk_err *e)
{
    int n = rk_remove_stale_temps(r->o->output, 8, e);
    int m = n >= 0 && r->o->cache_dir ? rk_remove_stale_temps(r->o->cache_dir, 8, e) : 0;
    if (n < 0 || m < 0)
        return -1;
    if (n + m > 0)
        rk_log_verbose("removed %d temporary file(s) left by an interrupted run", n + m);
    return 0;
}

int ig_run(struct ig_run *r, json_object *ctx, json_object **result, struct rk_err *e)
{
    size_t pages = 0, conflicts = 0;
    struct rk_pyindex_opts po = {r->o->title, 0, 0};
    *result = NULL;
    ig_phase(r, NULL);
    if (!r->o->dry_run && stale_temps(r, e) < 0)
        return -1;
    if (rk_hashcache_open(&r->cache, r->o->cache_dir, e) < 0)
        return -1;
    if (r->o->yank_list && ig_yank_load(r, r->o->yank_list, e) < 0)
        return -1;
    if (sources(r, ctx, e) < 0)
        return -1;
    if (rk_pyindex_sort(&r->index, 0, &conflicts, e) < 0)
        return -1;
    ig_yank_apply(r);
    ig_phase(r, "sorting the index");
    if (!r->o->dry_run) {
        rk_log_group("writing the index");
        if (rk_pyindex_write(&r->index, r->o->output, r->o->findlinks_name, &po, &pages, e) < 0)
            return -1;
        rk_log_endgroup();
        ig_phase(r, "writing the index");
    }
    if (save_caches(r, e) < 0)
        return -1;
    ig_phase(r, "saving the caches");
    *result = ig_result(r, pages);
    return 0;
}
