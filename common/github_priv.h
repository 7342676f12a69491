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
/* the same for an answer to be read with spec (json_slim.h; NULL: whole): the ETag cache keeps
 * slim answers apart (rk_gh_cache_key), as the text rk_json_slim kept of them */
void rk_gh_prepare_slim(struct rk_github *g, struct rk_http_req *req, const char *method,
                        const char *path, const char *body, const char *accept, unsigned flags,
                        const struct rk_json_spec *spec);
/* the ETag cache's key of url read with spec: url itself, or "URL slim=KEYS" (owned) */
char *rk_gh_cache_key(const char *url, const struct rk_json_spec *spec);
/* out, status and link may be NULL */
int rk_gh_result(struct rk_github *g, const struct rk_http_req *req, struct rk_http_resp *resp,
                 unsigned flags, json_object **out, long *status, char **link, struct rk_err *e);
/* its first half: the exchange read, *text the answer to parse (borrowed: the body, or the
 * cached answer of a 304 until the next rk_gh_etag_get; NULL when there is none); spec: as
 * the request was prepared (rk_gh_prepare_slim), a 200 is then left for rk_gh_result_slim to
 * cache */
int rk_gh_result_text(struct rk_github *g, const struct rk_http_req *req, struct rk_http_resp *resp,
                      unsigned flags, const struct rk_json_spec *spec, const char **text,
                      size_t *len, long *status, char **link, struct rk_err *e);
/* its second half, pure (any thread): text parsed with spec (json_slim.h; NULL: whole; kept:
 * as rk_json_slim), the parser's error in pe; rk_gh_bad_json turns pe into the API error line
 * in e */
int rk_gh_parse_text(const char *text, size_t len, const struct rk_json_spec *spec,
                     json_object **out, struct rk_buf *kept, struct rk_err *pe);
int rk_gh_bad_json(struct rk_github *g, const struct rk_http_req *req, const struct rk_err *pe,
                   struct rk_err *e);
/* the same, *out parsed with spec (json_slim.h; NULL: whole; the request prepared with
 * rk_gh_prepare_slim and the same spec) */
int rk_gh_result_slim(struct rk_github *g, const struct rk_http_req *req, struct rk_http_resp *resp,
                      unsigned flags, const struct rk_json_spec *spec, json_object **out,
                      long *status, char **link, struct rk_err *e);
/* "Authorization: Bearer <token>" bound to bound_to's origin (when there is a token) */
void rk_gh_bearer(struct rk_github *g, struct rk_http_req *req, const char *bound_to);
/* the part of url shown in messages: the path below the API URL, else the URL */
const char *rk_gh_shown(const struct rk_github *g, const char *url);

/* github_etag.c: the cache (borrowed strings; NULL when absent). Without body and link only
 * the head of the entry is read; *body (*body_len bytes, NUL-terminated) is valid until the
 * next rk_gh_etag_get. rk_gh_etag_put takes body's bytes (body left empty) when it keeps the
 * answer and returns them (borrowed, until rk_github_etag_save or release), else NULL with
 * body untouched. */
const char *rk_gh_etag_get(struct rk_github *g, const char *url, const char **body,
                           size_t *body_len, const char **link);
const char *rk_gh_etag_put(struct rk_github *g, const char *url, const char *etag,
                           struct rk_buf *body, const char *link);

#endif
