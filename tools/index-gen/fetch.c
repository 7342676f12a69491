/* fetch.c - the requests of remote files: .metadata assets, range reads, whole downloads */
#include "remote.h"
#include "digest.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "remotezip.h"
#include "wheel_check.h"
#include "zip.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IG_BATCH 1024

static int got_text(struct ig_rfile *f, const void *p, size_t n)
{
    char sha[RK_SHA256_HEX_LEN];
    unsigned char d[RK_SHA256_LEN];
    struct rk_err ignored;
    rk_err_clear(&ignored);
    if (rk_sha256_buf(p, n, d, &ignored) < 0)
        return -1;
    if (p != f->text.data) { /* p may be f->text itself: resetting it would clobber p */
        rk_buf_reset(&f->text);
        if (rk_buf_append(&f->text, p, n) < 0)
            return -1;
    }
    rk_hex(d, sizeof(d), sha);
    if (f->m && f->msha[0] && strcmp(f->msha, sha) != 0)
        rk_log_warn("'%s' does not match its digest: using the hash of its bytes", f->m->name);
    memcpy(f->msha, sha, sizeof(sha));
    free(f->rp);
    f->rp = ig_requires_python(rk_buf_cstr(&f->text), f->text.len, f->a->name);
    f->have_text = f->meta_known = f->learned = 1;
    return 0;
}

static int meta_batch(struct ig_run *r, struct ig_rfile **v, size_t n, struct rk_err *e)
{
    struct rk_http_client *c = ig_http(r, e);
    struct rk_http_req *reqs = c ? calloc(n, sizeof(*reqs)) : NULL;
    struct rk_http_resp *resps = reqs ? calloc(n, sizeof(*resps)) : NULL;
    struct rk_err ignored;
    if (!resps) {
        free(reqs);
        return c ? rk_err_set(e, RK_SYSTEM, "out of memory") : -1;
    }
    for (size_t i = 0; i < n; i++) {
        rk_http_req_init(&reqs[i], "GET", v[i]->m->url);
        reqs[i].max_body = (size_t)16 << 20;
        rk_http_resp_init(&resps[i]);
    }
    rk_err_clear(&ignored);
    rk_http_run(c, reqs, resps, n, r->o->jobs, &ignored);
    for (size_t i = 0; i < n; i++) {
        if (resps[i].err.code == RK_OK)
            got_text(v[i], resps[i].body.data ? resps[i].body.data : "", resps[i].body.len);
        else
            rk_log_warn("unable to read '%s': %s", v[i]->m->name, resps[i].err.msg);
        rk_http_req_release(&reqs[i]);
        rk_http_resp_release(&resps[i]);
    }
    r->remote_metadata += n;
    free(reqs);
    free(resps);
    return 0;
}

int ig_fetch_metadata_assets(struct ig_run *r, struct ig_rfiles *fs, struct rk_err *e)
{
    struct ig_rfile *v[IG_BATCH];
    size_t n = 0;
    for (size_t i = 0; i < fs->n; i++) {
        struct ig_rfile *f = &fs->v[i];
        if (!f->m || f->meta_known)
            continue;
        v[n++] = f;
        if (n == IG_BATCH) {
            if (meta_batch(r, v, n, e) < 0)
                return -1;
            n = 0;
        }
    }
    return n ? meta_batch(r, v, n, e) : 0;
}

static void no_metadata(struct ig_rfile *f, const char *why)
{
    rk_log_warn("no metadata for '%s': %s", f->a->name, why);
    f->meta_known = f->learned = 1;
    f->have_text = 0;
}

static int range_batch(struct ig_run *r, struct ig_rfile **v, size_t n, struct rk_err *e)
{
    struct rk_http_client *c = ig_http(r, e);
    struct rk_remotezip_item *items = c ? calloc(n, sizeof(*items)) : NULL;
    int rc;
    if (!items)
        return c ? rk_err_set(e, RK_SYSTEM, "out of memory") : -1;
    for (size_t i = 0; i < n; i++)
        rk_remotezip_item_init(&items[i], v[i]->a->url, (uint64_t)v[i]->a->size, v[i]->a->name);
    rc = rk_remotezip_read(c, items, n, r->o->jobs, e);
    for (size_t i = 0; i < n; i++) {
        struct rk_remotezip_item *it = &items[i];
        r->range_reads += it->requests;
        if (rc == 0 && it->ok)
            got_text(v[i], rk_buf_cstr(&it->data), it->data.len);
        else if (rc == 0 && it->err.code == RK_INPUT)
            no_metadata(v[i], it->err.msg);
        else if (rc == 0) {
            rk_log_verbose("'%s': %s: downloading it whole", v[i]->a->name, it->err.msg);
            v[i]->stream = 1;
        }
        rk_remotezip_item_release(it);
    }
    free(items);
    return rc;
}

int ig_fetch_ranges(struct ig_run *r, struct ig_rfiles *fs, struct rk_err *e)
{
    struct ig_rfile *v[IG_BATCH];
    size_t n = 0;
    for (size_t i = 0; i < fs->n; i++) {
        struct ig_rfile *f = &fs->v[i];
        if (f->kind != RK_PY_WHEEL || f->m || f->meta_known)
            continue;
        if (f->a->size <= 0) {
            f->stream = 1;
            continue;
        }
        v[n++] = f;
        if (n == IG_BATCH) {
            if (range_batch(r, v, n, e) < 0)
                return -1;
            n = 0;
        }
    }
    return n ? range_batch(r, v, n, e) : 0;
}

/* after a whole download into fd: the hash, and the metadata when still missing. A transient
 * failure (retries exhausted) fails the run (-1, e set): an index written without the file's
 * hash and metadata would be published degraded; other failures are warnings. */
static int take_download(struct ig_rfile *f, struct rk_http_resp *resp, int fd, struct rk_err *e)
{
    struct rk_zip_dir d;
    struct rk_wheel_core w;
    struct rk_err err;
    if (resp->err.code == RK_TRANSIENT)
        return rk_err_set(e, RK_TRANSIENT, "unable to download '%s': %s", f->a->name,
                          resp->err.msg);
    if (resp->err.code != RK_OK) {
        rk_log_warn("unable to download '%s': %s", f->a->name, resp->err.msg);
        return 0;
    }
    if (f->a->size >= 0 && resp->bytes != (uint64_t)f->a->size) {
        rk_log_warn("'%s': %llu bytes downloaded, %lld listed: hash not used", f->a->name,
                    (unsigned long long)resp->bytes, (long long)f->a->size);
        return 0;
    }
    if (!f->sha[0])
        snprintf(f->sha, sizeof(f->sha), "%s", resp->sha256), f->learned = 1;
    if (f->kind != RK_PY_WHEEL || f->m || f->meta_known)
        return 0;
    rk_err_clear(&err);
    rk_zip_dir_init(&d);
    rk_wheel_core_init(&w);
    /* the checks wheel-retag makes (common/wheel_check.h): its metadata or none */
    if (rk_zip_dir_read(&d, fd, f->a->name, &err) < 0 ||
        rk_wheel_core_check(&w, fd, &d, f->a->name, &err) < 0)
        no_metadata(f, err.msg);
    else
        got_text(f, rk_buf_cstr(&w.meta_text), w.meta_text.len);
    rk_wheel_core_release(&w);
    rk_zip_dir_release(&d);
    return 0;
}

static int temp_file(struct rk_err *e)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    int fd;
    snprintf(path, sizeof(path), "%s/index-gen.XXXXXX", dir && *dir ? dir : "/tmp");
    if ((fd = mkstemp(path)) < 0)
        return rk_err_errno(e, RK_SYSTEM, "unable to create a temporary file in '%s'",
                            dir && *dir ? dir : "/tmp");
    unlink(path);
    return fd;
}

static int whole_batch(struct ig_run *r, struct ig_rfile **v, size_t n, struct rk_err *e)
{
    struct rk_http_client *c = ig_http(r, e);
    struct rk_http_req reqs[64];
    struct rk_http_resp resps[64];
    int fds[64], rc = 0;
    struct rk_err ignored;
    if (!c)
        return -1;
    for (size_t i = 0; i < n; i++) {
        fds[i] = rc == 0 ? temp_file(e) : -1;
        if (fds[i] < 0)
            rc = -1;
        rk_http_req_init(&reqs[i], "GET", v[i]->a->url);
        rk_http_req_output_fd(&reqs[i], fds[i]);
        rk_http_resp_init(&resps[i]);
    }
    rk_err_clear(&ignored);
    if (rc == 0)
        rk_http_run(c, reqs, resps, n, r->o->jobs, &ignored);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && take_download(v[i], &resps[i], fds[i], e) < 0)
            rc = -1;
        if (fds[i] >= 0)
            close(fds[i]);
        rk_http_req_release(&reqs[i]);
        rk_http_resp_release(&resps[i]);
    }
    r->downloads += n;
    return rc;
}

int ig_fetch_whole(struct ig_run *r, struct ig_rfiles *fs, struct rk_err *e)
{
    struct ig_rfile *v[64];
    size_t n = 0, max = r->o->jobs > 0 && r->o->jobs < 64 ? (size_t)r->o->jobs : 64;
    for (size_t i = 0; i < fs->n; i++) {
        struct ig_rfile *f = &fs->v[i];
        if (!f->stream && (f->sha[0] || !r->o->hash_missing))
            continue;
        v[n++] = f;
        if (n == max) {
            if (whole_batch(r, v, n, e) < 0)
                return -1;
            n = 0;
        }
    }
    return n ? whole_batch(r, v, n, e) : 0;
}
