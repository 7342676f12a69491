/*
 * http_each.h - rk_http_run with a completion callback (http_multi.c).
 *
 * rk_http_run_each runs the n requests as rk_http_run does, and calls done(i, arg) as soon as
 * request i is finished (its retries and redirects over; resps[i] holds its status, body and
 * error), while the other transfers go on: the caller may read and release resps[i] there
 * (re-initialise it with rk_http_resp_init if it releases it). Every request gets exactly one
 * call, in completion order. Return value and e as rk_http_run (from what resps[i] holds after
 * the calls). done may be NULL.
 */
#ifndef RELKIT_HTTP_EACH_H
#define RELKIT_HTTP_EACH_H

#include "http.h"

typedef void (*rk_http_done_fn)(size_t i, void *arg);

int rk_http_run_each(struct rk_http_client *c, struct rk_http_req *reqs, struct rk_http_resp *resps,
                     size_t n, int max_parallel, rk_http_done_fn done, void *arg, struct rk_err *e);

#endif
