/*
 * github_priv.h - internal to github*.c: building API requests and reading their answers.
 *
 * Not for tools: use github.h. rk_gh_prepare initialises req (release it with
 * rk_http_req_release); the body text is borrowed. rk_gh_result reads a finished exchange:
 * rate-limit numbers, the ETag cache, the API error line; *out and *link are owned.
 */
#ifndef RELKIT_GITHUB_PRIV_H
#define RELKIT_GITHUB_PRIV_H

#include "github.h"
#include "json_slim.h"

#define RK_GH_ACCEPT_JSON "application/vnd.github+json"

/* path: API path or absolute URL; body: JSON text or NULL; accept: NULL for JSON */
void rk_gh_prepare(struct rk_github *g, struct rk_http_req *req, const char *method,
                   const char *path, const char *body, const char *accept, unsigned flags);
/* out, status and link may be NULL */
int rk_gh_result(struct rk_github *g, const struct rk_http_req *req, struct rk_http_resp *resp,
                 unsigned flags, json_object **out, long *status, char **link, struct rk_err *e);
/* its first half: the exchange read, *text the answer to parse (borrowed: the body, or the
 * cached answer of a 304 until the next rk_gh_etag_get; NULL when there is none) */
int rk_gh_result_text(struct rk_github *g, const struct rk_http_req *req, struct rk_http_resp *resp,
                      unsigned flags, const char **text, size_t *len, long *status, char **link,
                      struct rk_err *e);
/* its second half, pure (any thread): text parsed with spec (json_slim.h; NULL: whole), the
 * parser's error in pe; rk_gh_bad_json turns pe into the API error line in e */
int rk_gh_parse_text(const char *text, size_t len, const struct rk_json_spec *spec,
                     json_object **out, struct rk_err *pe);
int rk_gh_bad_json(struct rk_github *g, const struct rk_http_req *req, const struct rk_err *pe,
                   struct rk_err *e);
/* the same, *out parsed with spec (json_slim.h; NULL: whole) */
int rk_gh_result_slim(struct rk_github *g, const struct rk_http_req *req, struct rk_http_resp *resp,
                      unsigned flags, const struct rk_json_spec *spec, json_object **out,
                      long *status, char **link, struct rk_err *e);
/* "Authorization: Bearer <token>" bound to bound_to's origin (when there is a token) */
void rk_gh_bearer(struct rk_github *g, struct rk_http_req *req, const char *bound_to);
/* the part of url shown in messages: the path below the API URL, else the URL */
const char *rk_gh_shown(const struct rk_github *g, const char *url);

/* github_etag.c: the cache (borrowed strings; NULL when absent). Without body and link only
 * the head of the entry is read; *body is valid until the next rk_gh_etag_get. */
const char *rk_gh_etag_get(struct rk_github *g, const char *url, const char **body,
                           const char **link);
void rk_gh_etag_put(struct rk_github *g, const char *url, const char *etag, const char *body,
                    const char *link);

#endif
