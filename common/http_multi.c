/* http_multi.c - rk_http_run: n transfers through one curl multi handle, with progress */
#include "http.h"
#include "clock.h"
#include "http_xfer.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROGRESS_MIN_BYTES ((uint64_t)1 << 20)
#define PROGRESS_EVERY_MS 250
#define IDLE_POLL_MS 1000

struct progress {
    int on, shown;
    int64_t last;
    uint64_t base;
};

static void progress_start(struct progress *p, const struct rk_http_client *c)
{
    memset(p, 0, sizeof(*p));
    p->on = c->opts.progress && isatty(STDERR_FILENO) && rk_log_verbosity() >= 0;
    p->base = c->bytes_down + c->bytes_up;
}

static void progress_tick(struct progress *p, const struct rk_http_client *c, int active)
{
    int64_t now;
    uint64_t total;
    if (!p->on)
        return;
    now = rk_mono_ms();
    total = c->bytes_down + c->bytes_up - p->base;
    if (total < PROGRESS_MIN_BYTES || now - p->last < PROGRESS_EVERY_MS)
        return;
    p->last = now;
    p->shown = 1;
    fprintf(stderr, "\r%s: %.1f MiB transferred, %d active\033[K", rk_log_tool(),
            (double)total / (1 << 20), active);
    fflush(stderr);
}

static void progress_end(struct progress *p)
{
    if (p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

/* start what is due while slots are free; returns how many are not done and sets *next_due
 * to the earliest due time of a waiting xfer (-1 when none waits) */
static size_t start_due(struct xfer *xs, size_t n, int *active, int max_parallel, int64_t *next_due)
{
    size_t open = 0;
    int64_t now = rk_mono_ms();
    *next_due = -1;
    for (size_t i = 0; i < n; i++) {
        struct xfer *x = &xs[i];
        if (x->state == XFER_WAITING && x->due > now) {
            if (*next_due < 0 || x->due < *next_due)
                *next_due = x->due;
        } else if (x->state != XFER_ACTIVE && x->state != XFER_DONE && *active < max_parallel) {
            /* due: started when a slot is free, else when a running one finishes */
            if (rk_xfer_start(x) == 0)
                (*active)++;
        }
        open += x->state != XFER_DONE;
    }
    return open;
}

struct done_cb {
    rk_http_done_fn fn;
    void *arg;
    struct xfer *xs;
    unsigned char *told; /* per request: done already called */
};

static void tell_done(struct done_cb *d, struct xfer *x)
{
    size_t i = (size_t)(x - d->xs);
    if (!d->fn || d->told[i] || x->state != XFER_DONE)
        return;
    d->told[i] = 1;
    d->fn(i, d->arg);
}

/* hand finished transfers to rk_xfer_finish (and to d when they are done for good); returns
 * how many finished */
static int drain(struct rk_http_client *c, int *active, struct done_cb *d)
{
    CURLMsg *m;
    int left, done = 0;
    while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
        struct xfer *x = NULL;
        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        if (!x || x->state != XFER_ACTIVE)
            continue;
        (*active)--;
        done++;
        rk_xfer_finish(x, m->data.result);
        tell_done(d, x);
    }
    return done;
}

static int poll_timeout(int64_t next_due, int active, const struct progress *p)
{
    int64_t now = rk_mono_ms(), t = IDLE_POLL_MS;
    if (next_due >= 0)
        t = next_due > now ? next_due - now : 0;
    if (t > IDLE_POLL_MS)
        t = IDLE_POLL_MS;
    if (p->on && active > 0 && t > PROGRESS_EVERY_MS)
        t = PROGRESS_EVERY_MS;
    return (int)t;
}

static int run_loop(struct rk_http_client *c, struct xfer *xs, size_t n, int max_parallel,
                    struct done_cb *d)
{
    struct progress p;
    int active = 0, running = 0;
    int64_t next_due;
    progress_start(&p, c);
    while (start_due(xs, n, &active, max_parallel, &next_due) > 0) {
        if (active > 0 && curl_multi_perform(c->multi, &running) != CURLM_OK)
            break;
        if (drain(c, &active, d) > 0)
            continue;
        if (curl_multi_poll(c->multi, NULL, 0, poll_timeout(next_due, active, &p), NULL) !=
            CURLM_OK)
            break;
        progress_tick(&p, c, active);
    }
    progress_end(&p);
    for (size_t i = 0; i < n; i++) {
        if (xs[i].state != XFER_DONE)
            rk_xfer_fail(&xs[i], RK_SYSTEM, "%s '%s': curl multi interface failed",
                         xs[i].req->method, xs[i].req->url);
        tell_done(d, &xs[i]);
    }
    return 0;
}

int rk_http_run_each(struct rk_http_client *c, struct rk_http_req *reqs, struct rk_http_resp *resps,
                     size_t n, int max_parallel, rk_http_done_fn done, void *arg, struct rk_err *e)
{
    struct xfer *xs;
    struct done_cb d = {done, arg, NULL, NULL};
    int rc = 0;
    if (n == 0)
        return 0;
    xs = calloc(n, sizeof(*xs));
    d.told = done ? calloc(n, 1) : NULL;
    if (!xs || (done && !d.told)) {
        free(xs);
        free(d.told);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    d.xs = xs;
    if (max_parallel <= 0)
        max_parallel = c->opts.max_parallel;
    for (size_t i = 0; i < n; i++)
        rk_xfer_init(&xs[i], c, &reqs[i], &resps[i]);
    run_loop(c, xs, n, max_parallel, &d);
    free(d.told);
    for (size_t i = 0; i < n; i++) {
        rk_xfer_cleanup(&xs[i]);
        if (resps[i].err.code != RK_OK && rc == 0) {
            rk_err_set(e, resps[i].err.code, "%s", resps[i].err.msg);
            rc = -1;
        }
    }
    free(xs);
    return rc;
}

int rk_http_run(struct rk_http_client *c, struct rk_http_req *reqs, struct rk_http_resp *resps,
                size_t n, int max_parallel, struct rk_err *e)
{
    return rk_http_run_each(c, reqs, resps, n, max_parallel, NULL, NULL, e);
}

int rk_http_do(struct rk_http_client *c, struct rk_http_req *req, struct rk_http_resp *resp,
               struct rk_err *e)
{
    return rk_http_run(c, req, resp, 1, 1, e);
}
