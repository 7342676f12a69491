/* github_many.c - rk_github_get_many(_slim): n GETs at once, each answer read (parsed) as soon
 * as it arrives, while the other transfers go on, and its body released right away.
 *
 * Parsing the large answers on worker threads was measured (2 threads, pages of 6 MB): on the
 * shared 2-CPU machine under load the listing got slower (0.75-0.9 s against 0.58-0.76 s), so
 * the parse stays in this thread. */
#include "github_priv.h"
#include "github_slim.h"

#include <stdlib.h>
#include <string.h>

struct many {
    struct rk_github *g;
    struct rk_http_req *reqs;
    struct rk_http_resp *resps;
    unsigned flags;
    const struct rk_json_spec *spec;
    json_object **out;
    long *status;
    struct rk_err *e;
    int rc;
};

static void many_done(size_t i, void *arg)
{
    struct many *m = arg;
    if (rk_gh_result_slim(m->g, &m->reqs[i], &m->resps[i], m->flags, m->spec, &m->out[i],
                          m->status ? &m->status[i] : NULL, NULL, m->e) < 0)
        m->rc = -1;
    rk_http_resp_release(&m->resps[i]);
    rk_http_resp_init(&m->resps[i]);
}

int rk_github_get_many_slim(struct rk_github *g, const char *const *paths, size_t n,
                            int max_parallel, unsigned flags, const struct rk_json_spec *spec,
                            json_object **out, long *status, struct rk_err *e)
{
    struct many m = {g, NULL, NULL, flags, spec, out, status, e, 0};
    m.reqs = calloc(n ? n : 1, sizeof(*m.reqs));
    m.resps = calloc(n ? n : 1, sizeof(*m.resps));
    if (!m.reqs || !m.resps) {
        free(m.reqs);
        free(m.resps);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        rk_gh_prepare_slim(g, &m.reqs[i], "GET", paths[i], NULL, NULL, flags, spec);
        rk_http_resp_init(&m.resps[i]);
    }
    rk_http_run_each(&g->http, m.reqs, m.resps, n, max_parallel, many_done, &m, NULL);
    for (size_t i = 0; i < n; i++) {
        rk_http_resp_release(&m.resps[i]);
        rk_http_req_release(&m.reqs[i]);
    }
    free(m.reqs);
    free(m.resps);
    return m.rc;
}

int rk_github_get_many(struct rk_github *g, const char *const *paths, size_t n, int max_parallel,
                       unsigned flags, json_object **out, long *status, struct rk_err *e)
{
    return rk_github_get_many_slim(g, paths, n, max_parallel, flags, NULL, out, status, e);
}
