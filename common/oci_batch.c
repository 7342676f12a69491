/* oci_batch.c - batches of registry requests with auth (oci_client.h) */
#include "oci_client.h"
#include "clock.h"
#include "log.h"
#include "oci_priv.h"

#include <stdlib.h>
#include <string.h>

void rk_oci_batch_init(struct rk_oci_batch *b)
{
    memset(b, 0, sizeof(*b));
}

void rk_oci_batch_clear(struct rk_oci_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        rk_http_req_release(&b->reqs[i]);
        rk_http_resp_release(&b->resps[i]);
    }
    b->n = 0;
}

void rk_oci_batch_release(struct rk_oci_batch *b)
{
    rk_oci_batch_clear(b);
    free(b->reqs);
    free(b->resps);
    free(b->regs);
    free(b->scopes);
    free(b->tags);
    memset(b, 0, sizeof(*b));
}

static int grow(struct rk_oci_batch *b)
{
    size_t cap = b->cap ? b->cap * 2 : 16;
    void *p;
    if ((p = realloc(b->reqs, cap * sizeof(*b->reqs))))
        b->reqs = p;
    else
        return -1;
    if ((p = realloc(b->resps, cap * sizeof(*b->resps))))
        b->resps = p;
    else
        return -1;
    if ((p = realloc(b->regs, cap * sizeof(*b->regs))))
        b->regs = p;
    else
        return -1;
    if ((p = realloc(b->scopes, cap * sizeof(*b->scopes))))
        b->scopes = p;
    else
        return -1;
    if ((p = realloc(b->tags, cap * sizeof(*b->tags))))
        b->tags = p;
    else
        return -1;
    b->cap = cap;
    return 0;
}

long rk_oci_batch_add(struct rk_oci_batch *b, struct rk_oci_reg *reg, const char *scope,
                      const char *method, const char *url, void *tag)
{
    size_t i = b->n;
    if (b->n == b->cap && grow(b) < 0)
        return -1;
    rk_http_req_init(&b->reqs[i], method, url);
    b->reqs[i].flags |= RK_HTTP_ANY_STATUS;
    rk_http_resp_init(&b->resps[i]);
    b->regs[i] = reg;
    b->scopes[i] = scope;
    b->tags[i] = tag;
    b->n++;
    return (long)i;
}

/* attach the credential for request i; on failure its response carries the error */
static int prepare(struct rk_oci_client *oc, struct rk_oci_batch *b, size_t i)
{
    struct rk_http_resp *r = &b->resps[i];
    const char *v;
    rk_http_resp_release(r);
    rk_http_resp_init(r);
    v = rk_oci_auth_value(oc, b->regs[i], b->scopes[i], &r->err);
    if (!v)
        return -1;
    rk_http_req_auth(&b->reqs[i], *v ? v : NULL, b->regs[i]->base);
    return 0;
}

/* run the marked requests together (rk_http_run wants contiguous arrays) */
static int run_marked(struct rk_oci_client *oc, struct rk_oci_batch *b, const char *mark, int jobs,
                      struct rk_err *e)
{
    size_t k = 0, m = 0;
    struct rk_http_req *q;
    struct rk_http_resp *r;
    struct rk_err ignored;
    for (size_t i = 0; i < b->n; i++)
        m += mark[i] != 0;
    if (m == 0)
        return 0;
    q = malloc(m * sizeof(*q));
    r = malloc(m * sizeof(*r));
    if (!q || !r) {
        free(q);
        free(r);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    for (size_t i = 0; i < b->n; i++)
        if (mark[i])
            q[k] = b->reqs[i], r[k++] = b->resps[i];
    rk_err_clear(&ignored);
    rk_http_run(oc->http, q, r, m, jobs, &ignored); /* each response has its own error */
    for (size_t i = 0, j = 0; i < b->n; i++)
        if (mark[i])
            b->reqs[i] = q[j], b->resps[i] = r[j++];
    free(q);
    free(r);
    return 0;
}

/* should request i, answered 401, be tried again with fresh auth? */
static int wants_reauth(struct rk_oci_batch *b, size_t i, int64_t started)
{
    struct rk_oci_reg *reg = b->regs[i];
    const struct rk_http_resp *r = &b->resps[i];
    const char *ch = rk_http_resp_header(r, "WWW-Authenticate");
    struct rk_err ignored;
    int64_t got;
    if (r->err.code != RK_OK || r->status != 401)
        return 0;
    rk_err_clear(&ignored);
    if (reg->auth == RK_OCI_AUTH_NONE && ch) {
        rk_log_verbose("registry '%s' asks for credentials after all", reg->name);
        return rk_oci_adopt(reg, ch, &ignored) == 0;
    }
    if (reg->auth != RK_OCI_AUTH_BEARER)
        return 0;
    got = rk_oci_token_age_mark(reg, b->scopes[i]);
    if (got == 0 || got >= started)
        return 0; /* fresh for this batch: the refusal is real */
    rk_oci_token_forget(reg, b->scopes[i]);
    return 1;
}

int rk_oci_batch_run(struct rk_oci_client *oc, struct rk_oci_batch *b, int jobs, struct rk_err *e)
{
    int64_t started = rk_mono_ms();
    char *mark = calloc(b->n ? b->n : 1, 1);
    int rc, again = 0;
    if (!mark)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    rk_oci_prefetch_tokens(oc, b->regs, b->scopes, b->n, jobs);
    for (size_t i = 0; i < b->n; i++)
        mark[i] = prepare(oc, b, i) == 0;
    rc = run_marked(oc, b, mark, jobs, e);
    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        mark[i] = mark[i] && wants_reauth(b, i, started);
        again |= mark[i];
    }
    for (size_t i = 0; rc == 0 && again && i < b->n; i++)
        if (mark[i] && prepare(oc, b, i) < 0)
            mark[i] = 0;
    if (rc == 0 && again)
        rc = run_marked(oc, b, mark, jobs, e);
    free(mark);
    return rc;
}
