/*
 * github.h - the GitHub REST API on top of http.h: JSON calls, pagination, ETag cache,
 * release-asset upload and download.
 *
 * Ownership: struct rk_github owns its HTTP client, the token (wiped on release), the ETag
 * cache. json_object bodies passed in are borrowed; json_object results are owned by the
 * caller (json_object_put). Paths are relative to the API URL ("/repos/o/r/releases"); a
 * full URL on the API origin (a Link "next" URL) is accepted too. Build paths with
 * rk_url_escape() for every segment taken from data (tags, refs, file names).
 *
 * Credentials: the token comes from GH_TOKEN, else GITHUB_TOKEN (never argv); it is
 * registered with rk_log_secret and sent as "Authorization: Bearer" only to the API origin
 * (GITHUB_API_URL, default https://api.github.com) and, for rk_github_upload_asset, to the
 * origin of the upload_url the API returned. Never to the asset-download host: a redirect
 * away from the origin drops it (see http.h).
 *
 * Errors: one line "METHOD /path: 404 Not Found: <message> (<errors[] code/field/resource>)".
 * 4xx -> RK_REMOTE (401, 403, 404, 409, 422, ...); a rate limit or 5xx still failing after
 * the retries -> RK_TRANSIENT; invalid JSON in a response -> RK_REMOTE; the rest as http.h.
 * A failing call still sets *status when status is not NULL.
 *
 * ETag cache (optional): rk_github_etag_load(dir) before, rk_github_etag_save at the end. The
 * cache is a directory (mode 0700) with one file per URL (mode 0600, named by the sha256 of the
 * URL): the ETag, the Link header and the body (for slim reads, the text of the kept keys). GET
 * requests send If-None-Match for a cached URL (only the head of its file is read); a 304
 * answers from the cache (the body is read then, bounded by the client's body cap) and costs no
 * primary rate limit. 200s are kept in memory and written at save (each file atomically);
 * nothing is written without a save (--dry-run). A missing directory is an empty cache; a
 * damaged or foreign entry is a cache miss; a path that is not a directory is ignored with a
 * warning. Entries unused for 30 days are removed at save.
 */
#ifndef RELKIT_GITHUB_H
#define RELKIT_GITHUB_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "http.h"

#define RK_GITHUB_DEFAULT_API "https://api.github.com"
#define RK_GITHUB_API_VERSION "2022-11-28"
#define RK_GITHUB_MAX_ITEMS_DEFAULT 10000

struct rk_github {
    struct rk_http_client http; /* owned; tools read http.requests for their JSON output */
    char *api_url;              /* owned, without trailing slash */
    char api_origin[RK_HTTP_ORIGIN_MAX];
    char *token;        /* owned, wiped on release; NULL when unauthenticated */
    json_object *etags; /* owned in-memory state of the ETag cache (github_etag.c), or NULL
                           when there is no cache */
    char *etag_path;    /* owned: the cache directory */
    int etag_dirty;
    /* rate-limit numbers from the last response that carried them; -1 when never seen */
    long rate_limit, rate_remaining, rate_used;
    long long rate_reset;  /* epoch seconds */
    uint64_t not_modified; /* 304s answered from the ETag cache */
};

/* Call flags */
enum {
    RK_GH_ALLOW_404 = 1 << 0, /* a 404 is not an error: 0 with *out NULL and *status 404 */
    RK_GH_NO_CACHE = 1 << 1,  /* bypass the ETag cache */
    RK_GH_NO_RETRY = 1 << 2,  /* a single attempt (RK_HTTP_NO_RETRY) */
};

/* Environment: GH_TOKEN / GITHUB_TOKEN, GITHUB_API_URL. opts NULL: http defaults. */
int rk_github_init(struct rk_github *g, const struct rk_http_opts *opts, struct rk_err *e);
void rk_github_release(struct rk_github *g); /* does not save the ETag cache */
int rk_github_have_token(const struct rk_github *g);

/* Full URL for a path (owned), or NULL on ENOMEM. */
char *rk_github_url(const struct rk_github *g, const char *path);

/* JSON call: method ("GET", "POST", "PATCH", "PUT", "DELETE"), path, body (borrowed, may be
 * NULL). *out (may be NULL) gets the parsed response (owned; NULL for an empty body such as
 * 204). */
int rk_github_json(struct rk_github *g, const char *method, const char *path, json_object *body,
                   unsigned flags, json_object **out, long *status, struct rk_err *e);
/* GET shorthand. */
int rk_github_get(struct rk_github *g, const char *path, json_object **out, struct rk_err *e);

/* n GETs in parallel (max_parallel <= 0: the client's default). out[i] is owned or NULL;
 * status may be NULL. Returns -1 with e from the first failure; the others are still filled. */
int rk_github_get_many(struct rk_github *g, const char *const *paths, size_t n, int max_parallel,
                       unsigned flags, json_object **out, long *status, struct rk_err *e);

/* All items of a paginated list: follows Link rel="next" from path (add per_page=100 to it
 * yourself). items_key: NULL when each page is an array, else the array member of each page
 * object ("workflow_runs", "check_runs", ...). Stops after max_items (0: the default cap).
 * *out is a new array (owned). */
int rk_github_paginate(struct rk_github *g, const char *path, const char *items_key,
                       size_t max_items, json_object **out, struct rk_err *e);
/* Same result, but when the first page's Link has rel="last" with page=N, pages 2..N are
 * fetched concurrently (max_parallel <= 0: the client's default), in page order in *out.
 * Falls back to following rel="next" when there is no usable "last". */
int rk_github_paginate_parallel(struct rk_github *g, const char *path, const char *items_key,
                                size_t max_items, int max_parallel, json_object **out,
                                struct rk_err *e);

/* Upload a release asset from fd [0, size) to upload_url (the release's "upload_url", the
 * "{?name,label}" template is expanded here; label may be NULL). The credential is bound to
 * upload_url's origin for this request. *asset: the API's asset object (owned), may be NULL.
 * A single attempt (no HTTP-level retry): a failed upload may leave a broken ('starter')
 * asset of that name, which the caller deletes before trying again. */
int rk_github_upload_asset(struct rk_github *g, const char *upload_url, const char *name,
                           const char *label, const char *content_type, int fd, uint64_t size,
                           json_object **asset, struct rk_err *e);
/* Download release asset id of owner/repo (GET .../releases/assets/ID, octet-stream) into
 * out_fd (a regular file). The API redirects to the download host without the credential.
 * sha256_hex (RK_SHA256_HEX_LEN) and size may be NULL. */
int rk_github_download_asset(struct rk_github *g, const char *owner, const char *repo,
                             int64_t asset_id, int out_fd, char *sha256_hex, uint64_t *size,
                             struct rk_err *e);
/* rk_github_download_asset with a size bound and a starting offset. The struct is the
 * caller's: inputs set before the call, results filled by it; nothing in it is owned. */
struct rk_asset_get {
    /* in */
    int64_t id;    /* the asset's id */
    int out_fd;    /* a regular file opened for writing (see rk_http_req_output_fd) */
    uint64_t from; /* > 0: ask only for the bytes from there on (Range); the answer may
                      still be the whole asset */
    uint64_t max;  /* > 0: the body may not hold more bytes: past max the transfer stops
                      (nothing more is read or written) and the call fails with RK_INPUT */
    /* out */
    int partial;                    /* 1: out_fd holds bytes [from, end) (206), 0: all */
    int too_large;                  /* the body went over max */
    uint64_t bytes;                 /* body bytes written */
    char sha256[RK_SHA256_HEX_LEN]; /* hex sha256 of those bytes */
};
/* GET /repos/owner/repo/releases/assets/ID (octet-stream) into a->out_fd. A 206 must start
 * at a->from (else RK_REMOTE "unexpected Content-Range"). */
int rk_github_get_asset(struct rk_github *g, const char *owner, const char *repo,
                        struct rk_asset_get *a, struct rk_err *e);

/* The tags of the repository at repo_path ("/repos/owner/name") whose name starts with prefix
 * (NULL: every tag), from GET git/matching-refs/tags[/PREFIX] (paginated): an owned array of
 * {"name", "type", "sha"}, type "commit" (a lightweight tag) or "tag" (an annotated tag's
 * object); type and sha are absent when the answer lacks them. Refs that are not refs/tags/
 * are skipped. */
int rk_github_list_tags(struct rk_github *g, const char *repo_path, const char *prefix,
                        json_object **tags, struct rk_err *e);

/* ETag cache: dir is created at save (see above) */
int rk_github_etag_load(struct rk_github *g, const char *dir, struct rk_err *e);
int rk_github_etag_save(struct rk_github *g, struct rk_err *e); /* no-op when unchanged */

/* Build the one-line API error (exposed for tests): method, path as shown, status, the
 * response body (may be NULL or not JSON). Sets e with RK_REMOTE (4xx) or RK_TRANSIENT. */
int rk_github_api_error(struct rk_err *e, int code, const char *method, const char *path,
                        long status, const char *body);

#endif
