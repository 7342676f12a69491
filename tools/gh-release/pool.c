/* pool.c - run a job over items on worker threads, each with its own GitHub client.
 *
 * Rules for jobs: the GitHub client passed in is the thread's own; json objects shared
 * between items (snapshots listed before the pool started) are only read with the rk_json_*
 * getters, never json_object_get/put (json-c reference counts are not atomic). Each item has
 * its own error; the pool's error is the first failing item's in index order. */
#include "ghr.h"
#include "log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct pool {
    struct ghr *g;
    char *items;
    size_t size, n, next;
    ghr_job_fn fn;
    struct rk_err *errs;
    pthread_mutex_t lock;
};

static int take(struct pool *p, size_t *i)
{
    int ok;
    pthread_mutex_lock(&p->lock);
    ok = p->next < p->n;
    if (ok)
        *i = p->next++;
    pthread_mutex_unlock(&p->lock);
    return ok;
}

static void work(struct pool *p, struct rk_github *gh)
{
    size_t i;
    while (take(p, &i))
        p->fn(p->g, gh, p->items + i * p->size, &p->errs[i]);
}

static void *worker(void *arg)
{
    struct pool *p = arg;
    struct rk_github gh;
    struct rk_err e;
    size_t i;
    rk_err_clear(&e);
    if (rk_github_init(&gh, NULL, &e) < 0) {
        /* fail what this thread would have done; the others carry on */
        if (take(p, &i))
            p->errs[i] = e;
        return NULL;
    }
    work(p, &gh);
    pthread_mutex_lock(&p->lock);
    p->g->pool_requests += gh.http.requests;
    p->g->pool_retries += gh.http.retries;
    pthread_mutex_unlock(&p->lock);
    rk_github_release(&gh);
    return NULL;
}

static int first_error(struct pool *p, struct rk_err *e)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->errs[i].code != RK_OK) {
            *e = p->errs[i];
            return -1;
        }
    }
    return 0;
}

static size_t start_threads(struct pool *p, pthread_t *t, size_t nt)
{
    size_t started = 0;
    for (; started < nt; started++)
        if (pthread_create(&t[started], NULL, worker, p) != 0)
            break;
    return started;
}

int ghr_pool_run(struct ghr *g, int jobs, void *items, size_t item_size, size_t n, ghr_job_fn fn,
                 struct rk_err *e)
{
    struct pool p = {g, items, item_size, n, 0, fn, NULL, PTHREAD_MUTEX_INITIALIZER};
    size_t nt = jobs < 1 ? 1 : (size_t)jobs, started;
    pthread_t *t;
    int rc;
    if (n == 0)
        return 0;
    if (nt > n)
        nt = n;
    p.errs = calloc(n, sizeof(*p.errs));
    t = calloc(nt, sizeof(*t));
    if (!p.errs || !t) {
        free(p.errs);
        free(t);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    started = nt > 1 ? start_threads(&p, t, nt) : 0;
    if (started == 0)
        work(&p, &g->gh); /* one job, or no thread could start: this thread does it all */
    for (size_t i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    if (started > 0 && p.next < n)
        work(&p, &g->gh); /* a worker failed to initialise and left items */
    rc = first_error(&p, e);
    free(p.errs);
    free(t);
    pthread_mutex_destroy(&p.lock);
    return rc;
}
