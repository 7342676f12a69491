/* result.c - the "index" object of the context, and the step summary */
#include "index_gen.h"
#include "jsonio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_object *projects(const struct rk_pyindex *x)
{
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < x->n;) {
        size_t end = rk_pyindex_project_end(x, i), versions = 0, wheels = 0, sdists = 0;
        json_object *p = json_object_new_object();
        for (size_t j = i; j < end; j++) {
            if (j == i || strcmp(x->files[j].version, x->files[j - 1].version) != 0)
                versions++;
            wheels += x->files[j].kind == RK_PY_WHEEL;
            sdists += x->files[j].kind == RK_PY_SDIST;
        }
        rk_json_set_int(p, "files", (int64_t)(end - i));
        rk_json_set_int(p, "versions", (int64_t)versions);
        rk_json_set_int(p, "wheels", (int64_t)wheels);
        rk_json_set_int(p, "sdists", (int64_t)sdists);
        rk_json_set_str(p, "latest", x->files[end - 1].version);
        json_object_object_add(o, x->files[i].project, p);
        i = end;
    }
    return o;
}

/* files lacking a hash (hash 1) or advertised metadata (hash 0, wheels only) */
static json_object *lacking(const struct rk_pyindex *x, int hash)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < x->n; i++) {
        const struct rk_pyfile *f = &x->files[i];
        if (hash ? !f->sha256[0] : (f->kind == RK_PY_WHEEL && !f->has_metadata))
            json_object_array_add(a, json_object_new_string(f->filename));
    }
    return a;
}

static int cmp_upload(const void *pa, const void *pb)
{
    const struct ig_upload *a = pa, *b = pb;
    int c = strcmp(a->repo ? a->repo : "", b->repo ? b->repo : "");
    if (!c)
        c = strcmp(a->tag ? a->tag : "", b->tag ? b->tag : "");
    return c ? c : strcmp(a->name, b->name);
}

static int same_release(const struct ig_upload *a, const struct ig_upload *b)
{
    return strcmp(a->repo ? a->repo : "", b->repo ? b->repo : "") == 0 &&
           strcmp(a->tag ? a->tag : "", b->tag ? b->tag : "") == 0;
}

/* [{repo, tag, files: [{path, name, size, sha256}]}] grouped by release */
static json_object *uploads(struct ig_run *r)
{
    json_object *out = json_object_new_array(), *files = NULL;
    if (r->nuploads > 1)
        qsort(r->uploads, r->nuploads, sizeof(r->uploads[0]), cmp_upload);
    for (size_t i = 0; i < r->nuploads; i++) {
        struct ig_upload *u = &r->uploads[i];
        json_object *f = json_object_new_object();
        if (i == 0 || !same_release(u, &r->uploads[i - 1])) {
            json_object *g = json_object_new_object();
            rk_json_set_str(g, "repo", u->repo);
            rk_json_set_str(g, "tag", u->tag);
            files = json_object_new_array();
            json_object_object_add(g, "files", files);
            json_object_array_add(out, g);
        }
        rk_json_set_str(f, "path", u->path);
        rk_json_set_str(f, "name", u->name);
        rk_json_set_int(f, "size", u->size);
        rk_json_set_str(f, "sha256", u->sha256);
        json_object_array_add(files, f);
    }
    return out;
}

static json_object *requests(struct ig_run *r)
{
    json_object *o = json_object_new_object();
    struct rk_http_client *c = r->have_gh ? &r->gh.http : r->have_http ? &r->http : NULL;
    rk_json_set_int(o, "total", c ? (int64_t)c->requests : 0);
    rk_json_set_int(o, "retries", c ? (int64_t)c->retries : 0);
    rk_json_set_int(o, "not_modified", r->have_gh ? (int64_t)r->gh.not_modified : 0);
    rk_json_set_int(o, "range_reads", (int64_t)r->range_reads);
    rk_json_set_int(o, "metadata_files", (int64_t)r->remote_metadata);
    rk_json_set_int(o, "downloads", (int64_t)r->downloads);
    if (r->have_gh && r->gh.rate_remaining >= 0) {
        rk_json_set_int(o, "rate_limit_remaining", r->gh.rate_remaining);
        rk_json_set_int(o, "rate_limit_used", r->gh.rate_used);
    }
    return o;
}

json_object *ig_result(struct ig_run *r, size_t pages)
{
    json_object *o = json_object_new_object();
    char path[4096];
    rk_json_set_str(o, "output", r->o->output);
    snprintf(path, sizeof(path), "%s/%s", r->o->output, r->o->findlinks_name);
    rk_json_set_str(o, "find_links", path);
    snprintf(path, sizeof(path), "%s/simple/", r->o->output);
    rk_json_set_str(o, "simple", path);
    rk_json_set_bool(o, "dry_run", r->o->dry_run);
    rk_json_set_int(o, "files", (int64_t)r->index.n);
    rk_json_set_int(o, "pages", (int64_t)pages);
    rk_json_set_int(o, "releases", (int64_t)r->releases);
    rk_json_set_int(o, "releases_skipped", (int64_t)r->releases_skipped);
    rk_json_set_bool(o, "past_cap", r->capped);
    json_object_object_add(o, "projects", projects(&r->index));
    json_object_object_add(o, "without_hash", lacking(&r->index, 1));
    json_object_object_add(o, "without_metadata", lacking(&r->index, 0));
    json_object_object_add(o, "metadata_uploads", uploads(r));
    json_object_object_add(o, "requests", requests(r));
    rk_json_set_int(o, "cache_hits", (int64_t)r->cache.hits);
    return o;
}
