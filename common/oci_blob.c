/* oci_blob.c - blob copies: HEAD, mount, streamed GET -> upload session -> PUT (oci_blob.h) */
#include "oci_blob.h"
#include "log.h"
#include "oci.h"
#include "oci_client.h"
#include "oci_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum state {
    S_HEAD = 0, /* HEAD on the destination */
    S_MOUNT,    /* POST ?mount=&from= */
    S_QUEUED,   /* waiting for a download slot */
    S_FETCH,    /* GET from the source (+ POST an upload session when none is open) */
    S_REPOST,   /* a new upload session after a lost one */
    S_PUT,      /* PUT the body into the session */
    S_DONE,
};

static void finish(struct rk_oci_blob *b, enum rk_oci_blob_result res)
{
    b->result = res;
    b->state = S_DONE;
    if (b->fd >= 0)
        close(b->fd);
    b->fd = -1;
    free(b->location);
    b->location = NULL;
}

static void fail(struct rk_oci_blob *b)
{
    if (b->err.code == RK_OK)
        rk_err_set(&b->err, RK_SYSTEM, "blob '%s': failed", b->digest);
    finish(b, RK_OCI_BLOB_FAILED);
}

static int open_tmp(struct rk_oci_blob *b, const struct rk_oci_blob_opts *o)
{
    const char *dir = o->tmpdir ? o->tmpdir : getenv("TMPDIR");
    char path[4096];
    if (!dir || !*dir)
        dir = "/tmp";
    snprintf(path, sizeof(path), "%s/.relkit-blob-XXXXXX", dir);
    if ((b->fd = mkstemp(path)) < 0)
        return rk_err_errno(&b->err, RK_SYSTEM, "unable to create a temporary file in '%s'", dir);
    unlink(path);
    return 0;
}

/* ---- building a round ---- */

static int add(struct rk_oci_batch *q, struct rk_oci_blob *b, struct rk_oci_reg *reg,
               const char *scope, const char *method, char *url)
{
    long i;
    if (!url)
        return rk_err_set(&b->err, RK_SYSTEM, "out of memory");
    i = rk_oci_batch_add(q, reg, scope, method, url, b);
    free(url);
    return i < 0 ? rk_err_set(&b->err, RK_SYSTEM, "out of memory") : (int)i;
}

static char *mount_url(const struct rk_oci_blob *b)
{
    char *base = rk_oci_url(b->dst, b->dst_repo, "blobs/uploads/", NULL), *from, *url = NULL;
    size_t n;
    from = rk_url_escape(b->src_repo);
    if (base && from) {
        n = strlen(base) + strlen(from) + strlen(b->digest) + 32;
        if ((url = malloc(n)))
            snprintf(url, n, "%s?mount=%s&from=%s", base, b->digest, from);
    }
    free(base);
    free(from);
    return url;
}

static char *put_url(const struct rk_oci_blob *b)
{
    size_t n = strlen(b->location) + strlen(b->digest) + 16;
    char *url = malloc(n);
    if (url)
        snprintf(url, n, "%s%cdigest=%s", b->location, strchr(b->location, '?') ? '&' : '?',
                 b->digest);
    return url;
}

static int add_upload_post(struct rk_oci_batch *q, struct rk_oci_blob *b)
{
    return add(q, b, b->dst, b->dst_scope, "POST",
               rk_oci_url(b->dst, b->dst_repo, "blobs/uploads/", NULL));
}

static int add_fetch(struct rk_oci_batch *q, struct rk_oci_blob *b,
                     const struct rk_oci_blob_opts *o)
{
    int i;
    if (strncmp(b->digest, "sha256:", 7) != 0)
        return rk_err_set(&b->err, RK_INPUT, "blob '%s': only sha256 blobs can be copied",
                          b->digest);
    if (open_tmp(b, o) < 0)
        return -1;
    b->got_ok = 0;
    b->post_ok = b->location != NULL;
    if (!b->location && add_upload_post(q, b) < 0)
        return -1;
    /* the GET last: when adding it fails, no request holds the file */
    if ((i = add(q, b, b->src, b->src_scope, "GET",
                 rk_oci_url(b->src, b->src_repo, "blobs", b->digest))) < 0)
        return -1;
    rk_http_req_output_fd(&q->reqs[i], b->fd);
    return 0;
}

static int add_put(struct rk_oci_batch *q, struct rk_oci_blob *b)
{
    int i = add(q, b, b->dst, b->dst_scope, "PUT", put_url(b));
    if (i < 0)
        return -1;
    rk_http_req_body_fd(&q->reqs[i], b->fd, 0, (uint64_t)b->size);
    rk_http_req_header(&q->reqs[i], "Content-Type", "application/octet-stream");
    return 0;
}

/* the request of blob b in this round; *slots counts downloads admitted */
static int add_step(struct rk_oci_batch *q, struct rk_oci_blob *b, const struct rk_oci_blob_opts *o,
                    int *slots)
{
    switch (b->state) {
    case S_HEAD:
        return add(q, b, b->dst, b->dst_scope, "HEAD",
                   rk_oci_url(b->dst, b->dst_repo, "blobs", b->digest));
    case S_MOUNT:
        return add(q, b, b->dst, b->dst_scope, "POST", mount_url(b));
    case S_QUEUED:
        if (*slots <= 0)
            return 0;
        (*slots)--;
        b->state = S_FETCH;
        return add_fetch(q, b, o);
    case S_REPOST:
        return add_upload_post(q, b);
    case S_PUT:
        return add_put(q, b);
    default:
        return 0;
    }
}

/* ---- reading the answers ---- */

static void on_head(struct rk_oci_blob *b, const struct rk_http_resp *r,
                    const struct rk_oci_blob_opts *o)
{
    char what[300];
    if (r->err.code == RK_OK && r->status == 200) {
        finish(b, RK_OCI_BLOB_PRESENT);
        return;
    }
    if (r->err.code == RK_OK && r->status == 404) {
        b->state = b->src == b->dst && !o->no_mount ? S_MOUNT : S_QUEUED;
        return;
    }
    snprintf(what, sizeof(what), "HEAD blob '%s' in '%s/%s'", b->digest, b->dst->name, b->dst_repo);
    rk_oci_check(b->dst, r, 200, 404, what, &b->err);
    fail(b);
}

static void on_mount(struct rk_oci_blob *b, const struct rk_http_resp *r)
{
    const char *loc = rk_http_resp_header(r, "Location");
    if (r->err.code != RK_OK) {
        rk_err_set(&b->err, r->err.code, "%s", r->err.msg);
        fail(b);
    } else if (r->status == 201) {
        finish(b, RK_OCI_BLOB_MOUNTED);
    } else if (r->status == 202 && loc && (b->location = rk_oci_resolve(r->url, loc))) {
        rk_log_verbose("blob '%s': not mountable from '%s', copying", b->digest, b->src_repo);
        b->state = S_QUEUED;
    } else {
        rk_log_verbose("blob '%s': mount from '%s' refused (%ld %s), copying", b->digest,
                       b->src_repo, r->status, rk_http_reason(r->status));
        b->state = S_QUEUED;
    }
}

static void on_get(struct rk_oci_blob *b, const struct rk_http_resp *r)
{
    char what[300];
    snprintf(what, sizeof(what), "GET blob '%s' from '%s/%s'", b->digest, b->src->name,
             b->src_repo);
    if (rk_oci_check(b->src, r, 200, 0, what, &b->err) < 0)
        return;
    b->bytes_down += r->bytes;
    if (r->bytes != (uint64_t)b->size || strcmp(r->sha256, b->digest + 7) != 0) {
        rk_err_set(&b->err, RK_REMOTE, "%s: content does not match (%llu bytes, sha256:%s)", what,
                   (unsigned long long)r->bytes, r->sha256);
        return;
    }
    b->got_ok = 1;
}

static void on_post(struct rk_oci_blob *b, const struct rk_http_resp *r)
{
    char what[300];
    const char *loc = rk_http_resp_header(r, "Location");
    snprintf(what, sizeof(what), "POST upload of '%s' to '%s/%s'", b->digest, b->dst->name,
             b->dst_repo);
    if (rk_oci_check(b->dst, r, 202, 0, what, &b->err) < 0)
        return;
    free(b->location);
    if (!loc || !(b->location = rk_oci_resolve(r->url, loc))) {
        rk_err_set(&b->err, RK_REMOTE, "%s: no usable Location", what);
        return;
    }
    b->post_ok = 1;
}

static void on_put(struct rk_oci_blob *b, const struct rk_http_resp *r)
{
    char what[300];
    if (r->err.code == RK_OK && (r->status == 201 || r->status == 204)) {
        b->bytes_up += (uint64_t)b->size;
        finish(b, RK_OCI_BLOB_COPIED);
        return;
    }
    if (r->err.code == RK_OK && r->status == 404 && ++b->put_tries < 2) {
        rk_log_verbose("blob '%s': upload session lost, uploading again", b->digest);
        free(b->location);
        b->location = NULL;
        b->state = S_REPOST;
        return;
    }
    snprintf(what, sizeof(what), "PUT blob '%s' into '%s/%s'", b->digest, b->dst->name,
             b->dst_repo);
    rk_oci_check(b->dst, r, 201, 204, what, &b->err);
    fail(b);
}

/* one answer for blob b; method tells which request it was */
static void on_answer(struct rk_oci_blob *b, const char *method, const struct rk_http_resp *r,
                      const struct rk_oci_blob_opts *o)
{
    if (b->state == S_HEAD)
        on_head(b, r, o);
    else if (b->state == S_MOUNT)
        on_mount(b, r);
    else if (b->state == S_PUT)
        on_put(b, r);
    else if (b->state == S_REPOST) {
        on_post(b, r);
        b->state = b->post_ok ? S_PUT : b->state;
        if (!b->post_ok)
            fail(b);
    } else if (b->state == S_FETCH && !strcmp(method, "GET"))
        on_get(b, r);
    else if (b->state == S_FETCH)
        on_post(b, r);
}

/* after a round: blobs whose GET and POST both succeeded move on to PUT */
static void settle_fetches(struct rk_oci_blob *blobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct rk_oci_blob *b = &blobs[i];
        if (b->state != S_FETCH)
            continue;
        if (b->err.code != RK_OK)
            fail(b);
        else if (b->got_ok && b->post_ok)
            b->state = S_PUT;
        else
            fail(b);
    }
}

/* ---- the loop ---- */

static int round_build(struct rk_oci_batch *q, struct rk_oci_blob *blobs, size_t n,
                       const struct rk_oci_blob_opts *o)
{
    int busy = 0, slots, any = 0;
    for (size_t i = 0; i < n; i++)
        busy += blobs[i].state == S_PUT || blobs[i].state == S_REPOST;
    /* half the slots for new downloads each round, so GETs and PUTs overlap */
    slots = o->jobs - busy;
    if (slots > (o->jobs + 1) / 2)
        slots = (o->jobs + 1) / 2;
    if (slots < 1 && busy == 0)
        slots = 1;
    for (size_t i = 0; i < n; i++) {
        struct rk_oci_blob *b = &blobs[i];
        if (b->state == S_DONE)
            continue;
        any = 1;
        if (add_step(q, b, o, &slots) < 0)
            fail(b);
    }
    return any;
}

/* jobs for the transfers with a body (GET, PUT), plus up to jobs more for the metadata
 * requests (HEAD, POST) of the same round, so opening sessions never delays a download */
static int round_parallel(const struct rk_oci_batch *q, int jobs)
{
    size_t bulk = 0, meta;
    for (size_t i = 0; i < q->n; i++)
        bulk += !strcmp(q->reqs[i].method, "GET") || !strcmp(q->reqs[i].method, "PUT");
    meta = q->n - bulk;
    if (bulk == 0)
        return jobs;
    return jobs + (int)(meta < (size_t)jobs ? meta : (size_t)jobs);
}

static void init_blobs(struct rk_oci_blob *blobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        blobs[i].state = S_HEAD;
        blobs[i].fd = -1;
        blobs[i].result = RK_OCI_BLOB_PENDING;
        blobs[i].bytes_down = blobs[i].bytes_up = 0;
        blobs[i].put_tries = 0;
        blobs[i].location = NULL;
        rk_err_clear(&blobs[i].err);
    }
}

int rk_oci_copy_blobs_serial(struct rk_oci_client *oc, struct rk_oci_blob *blobs, size_t n,
                             const struct rk_oci_blob_opts *o, struct rk_err *e)
{
    struct rk_oci_batch q;
    struct rk_oci_blob_opts opts = *o;
    int rc = 0;
    if (opts.jobs < 1)
        opts.jobs = 1;
    init_blobs(blobs, n);
    rk_oci_batch_init(&q);
    while (rc == 0 && round_build(&q, blobs, n, &opts)) {
        rc = rk_oci_batch_run(oc, &q, round_parallel(&q, opts.jobs), e);
        for (size_t i = 0; rc == 0 && i < q.n; i++)
            on_answer(q.tags[i], q.reqs[i].method, &q.resps[i], &opts);
        settle_fetches(blobs, n);
        rk_oci_batch_clear(&q);
    }
    rk_oci_batch_release(&q);
    for (size_t i = 0; i < n; i++) {
        if (blobs[i].state != S_DONE)
            fail(&blobs[i]);
        if (rc == 0 && blobs[i].result == RK_OCI_BLOB_FAILED)
            rc = rk_err_set(e, blobs[i].err.code, "%s", blobs[i].err.msg);
    }
    return rc;
}
