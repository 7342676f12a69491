/* oci_blob_mt.c - rk_oci_copy_blobs: the blob engine shared out among worker threads */
#include "oci_blob.h"
#include "log.h"
#include "oci_client.h"
#include "oci_priv.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 4

struct worker {
    pthread_t tid;
    int started, http_ok, oc_ok;
    struct rk_http_client http;
    struct rk_oci_client oc;
    struct rk_oci_blob *blobs; /* copies of the caller's, registries remapped */
    size_t *idx;               /* where each came from */
    size_t n;
    uint64_t bytes; /* planned, to share out the work */
    struct rk_oci_blob_opts opts;
    struct rk_err err;
};

static int auto_threads(const struct rk_oci_blob_opts *o, size_t n)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int t = o->threads > 0 ? o->threads : (int)(cpus > 0 ? cpus : 1);
    if (t > MAX_THREADS)
        t = MAX_THREADS;
    if (t > o->jobs)
        t = o->jobs;
    if ((size_t)t > n / 2)
        t = (int)(n / 2);
    return t < 1 ? 1 : t;
}

/* a client of the worker's own: same options and insecure hosts, the registries copied */
static int worker_init(struct worker *w, struct rk_oci_client *oc, int first, struct rk_err *e)
{
    struct rk_http_opts ho = oc->http->opts;
    ho.progress = first ? ho.progress : 0; /* one progress line, not one per thread */
    if (rk_http_client_init(&w->http, &ho, e) < 0)
        return -1;
    w->http_ok = 1;
    for (size_t i = 0; i < oc->http->ninsecure; i++)
        if (rk_http_client_allow_insecure(&w->http, oc->http->insecure_hosts[i], e) < 0)
            return -1;
    if (rk_oci_client_clone(&w->oc, oc, &w->http, e) < 0)
        return -1;
    w->oc_ok = 1;
    return 0;
}

struct sized {
    int64_t size;
    size_t i;
};

static int by_size(const void *a, const void *b)
{
    const struct sized *x = a, *y = b;
    return (x->size < y->size) - (x->size > y->size);
}

/* largest blob first, each to the least loaded worker */
static int share_out(struct worker *w, int t, struct rk_oci_client *oc, struct rk_oci_blob *blobs,
                     size_t n)
{
    struct sized *order = malloc(n * sizeof(*order));
    if (!order)
        return -1;
    for (size_t i = 0; i < n; i++)
        order[i] = (struct sized){blobs[i].size, i};
    qsort(order, n, sizeof(*order), by_size);
    for (size_t k = 0; k < n; k++) {
        struct worker *best = &w[0];
        struct rk_oci_blob *b;
        for (int i = 1; i < t; i++)
            if (w[i].bytes < best->bytes)
                best = &w[i];
        b = &best->blobs[best->n];
        *b = blobs[order[k].i];
        b->src = rk_oci_client_twin(&best->oc, oc, b->src);
        b->dst = rk_oci_client_twin(&best->oc, oc, b->dst);
        best->idx[best->n++] = order[k].i;
        best->bytes += (uint64_t)(order[k].size > 0 ? order[k].size : 0) + 1;
    }
    free(order);
    return 0;
}

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    rk_oci_copy_blobs_serial(&w->oc, w->blobs, w->n, &w->opts, &w->err);
    return NULL;
}

/* results back to the caller's blobs, counters to the caller's clients */
static void gather(struct worker *w, struct rk_oci_client *oc, struct rk_oci_blob *blobs)
{
    for (size_t i = 0; i < w->n; i++) {
        struct rk_oci_blob *d = &blobs[w->idx[i]];
        d->result = w->blobs[i].result;
        d->bytes_down = w->blobs[i].bytes_down;
        d->bytes_up = w->blobs[i].bytes_up;
        d->err = w->blobs[i].err;
    }
    oc->http->requests += w->http.requests;
    oc->http->retries += w->http.retries;
    oc->http->bytes_down += w->http.bytes_down;
    oc->http->bytes_up += w->http.bytes_up;
    oc->token_requests += w->oc.token_requests;
}

static void worker_release(struct worker *w)
{
    if (w->oc_ok)
        rk_oci_client_release(&w->oc);
    if (w->http_ok)
        rk_http_client_release(&w->http);
    free(w->blobs);
    free(w->idx);
}

static int setup(struct worker *w, int t, struct rk_oci_client *oc, struct rk_oci_blob *blobs,
                 size_t n, const struct rk_oci_blob_opts *o, struct rk_err *e)
{
    for (int i = 0; i < t; i++) {
        w[i].opts = *o;
        w[i].opts.jobs = o->jobs / t > 0 ? o->jobs / t : 1;
        w[i].opts.threads = 1;
        rk_err_clear(&w[i].err);
        if (!(w[i].blobs = calloc(n, sizeof(*w[i].blobs))) ||
            !(w[i].idx = calloc(n, sizeof(*w[i].idx))))
            return rk_err_set(e, RK_SYSTEM, "out of memory");
        if (worker_init(&w[i], oc, i == 0, e) < 0)
            return -1;
    }
    return share_out(w, t, oc, blobs, n) < 0 ? rk_err_set(e, RK_SYSTEM, "out of memory") : 0;
}

int rk_oci_copy_blobs(struct rk_oci_client *oc, struct rk_oci_blob *blobs, size_t n,
                      const struct rk_oci_blob_opts *o, struct rk_err *e)
{
    struct rk_oci_blob_opts opts = *o;
    struct worker *w;
    int t, rc;
    opts.jobs = opts.jobs < 1 ? 1 : opts.jobs;
    t = auto_threads(&opts, n);
    if (t <= 1)
        return rk_oci_copy_blobs_serial(oc, blobs, n, &opts, e);
    if (!(w = calloc((size_t)t, sizeof(*w))))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    rc = setup(w, t, oc, blobs, n, &opts, e);
    for (int i = 0; rc == 0 && i < t; i++)
        w[i].started = pthread_create(&w[i].tid, NULL, worker_run, &w[i]) == 0;
    for (int i = 0; rc == 0 && i < t; i++)
        if (!w[i].started) /* no thread: its share is done here */
            worker_run(&w[i]);
    for (int i = 0; i < t; i++)
        if (w[i].started)
            pthread_join(w[i].tid, NULL);
    for (int i = 0; rc == 0 && i < t; i++)
        gather(&w[i], oc, blobs);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (blobs[i].result == RK_OCI_BLOB_FAILED)
            rc = rk_err_set(e, blobs[i].err.code, "%s", blobs[i].err.msg);
    for (int i = 0; i < t; i++)
        worker_release(&w[i]);
    free(w);
    return rc;
}
