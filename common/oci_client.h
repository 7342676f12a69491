/*
 * oci_client.h - registries over the distribution (OCI) API: auth, batches of requests.
 *
 * A struct rk_oci_client knows every registry it talked to (struct rk_oci_reg, created on
 * first use and owned by the client). The first request to a registry pings GET /v2/ to
 * learn its auth: none (200), Basic, or Bearer with a token endpoint (realm, service). A
 * registry that answered 200 and later asks for a Bearer token is switched over.
 *
 * Requests are run in batches (struct rk_oci_batch): each request names its registry and,
 * for Bearer registries, its scope ("repository:a:pull repository:b:pull,push"); the batch
 * gets one token per scope (cached until shortly before it expires) and runs everything
 * through rk_http_run, at most `jobs` at once. A 401 answered with a token fetched before
 * the batch started is retried once with a fresh token. Every request has
 * RK_HTTP_ANY_STATUS: callers read resps[i].status; resps[i].err is set for transport
 * failures, 5xx/429 after retries, and auth failures (ping, token endpoint), in which case
 * the request did not run.
 *
 * Credentials (regauth.h) are looked up once per registry, sent as Basic only to the
 * registry itself (Basic registries) or to its token realm (Bearer registries), and tokens
 * only to the registry's origin (rk_http_req_auth binds them; a redirect to blob storage
 * elsewhere never carries them). Plain http is used for loopback registries and those
 * allowed with rk_http_client_allow_insecure; https otherwise, "https://" in the name forces
 * it. Everything secret is registered with rk_log_secret and wiped on release.
 *
 * Ownership: the client borrows its struct rk_http_client. A batch owns its requests and
 * responses (rk_oci_batch_release) and borrows registries and scope strings.
 */
#ifndef RELKIT_OCI_CLIENT_H
#define RELKIT_OCI_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "http.h"
#include "regauth.h"

enum rk_oci_auth {
    RK_OCI_AUTH_UNKNOWN = 0,
    RK_OCI_AUTH_NONE,
    RK_OCI_AUTH_BASIC,
    RK_OCI_AUTH_BEARER
};

struct rk_oci_token {
    char *scope;        /* owned */
    char *value;        /* owned "Bearer ...", wiped on release */
    int64_t got_ms;     /* monotonic */
    int64_t expires_ms; /* monotonic */
};

struct rk_oci_reg {
    char *name;    /* as in references: "ghcr.io", "127.0.0.1:5000" */
    char *base;    /* "https://ghcr.io" */
    int env_creds; /* REGISTRY_USERNAME/PASSWORD may be used here */
    enum rk_oci_auth auth;
    char *realm, *service;
    int cred_state; /* 0 not looked up, 1 found, 2 none */
    struct rk_regcred cred;
    char *basic; /* "Basic ...", wiped */
    struct rk_oci_token *tokens;
    size_t ntokens;
    struct rk_err ping_err; /* a failed ping, kept for every later request */
};

struct rk_oci_client {
    struct rk_http_client *http; /* borrowed */
    struct rk_oci_reg **regs;
    size_t nregs;
    uint64_t token_requests;
};

int rk_oci_client_init(struct rk_oci_client *oc, struct rk_http_client *http, struct rk_err *e);
void rk_oci_client_release(struct rk_oci_client *oc);
/* The registry called name, created on first use (no network yet). env_creds: allow
 * REGISTRY_USERNAME/PASSWORD for it (sticky once set). */
struct rk_oci_reg *rk_oci_client_reg(struct rk_oci_client *oc, const char *name, int env_creds,
                                     struct rk_err *e);

/* "BASE/v2/REPO/KIND/REF" (kind: "manifests", "blobs", "tags/list" with ref NULL); owned. */
char *rk_oci_url(const struct rk_oci_reg *r, const char *repo, const char *kind, const char *ref);
/* Resolve a Location header against the URL it answered; owned, NULL if unusable. */
char *rk_oci_resolve(const char *base_url, const char *location);

/* ---- scopes ---- */

enum { RK_OCI_PULL = 1, RK_OCI_PUSH = 2 };

struct rk_oci_scope {
    char **repos;
    unsigned *actions;
    size_t n;
};

void rk_oci_scope_init(struct rk_oci_scope *s);
void rk_oci_scope_release(struct rk_oci_scope *s);
int rk_oci_scope_add(struct rk_oci_scope *s, const char *repo, unsigned actions);
/* "repository:a:pull repository:b:pull,push" (sorted by repository), owned. */
char *rk_oci_scope_string(const struct rk_oci_scope *s);

/* ---- batches ---- */

struct rk_oci_batch {
    struct rk_http_req *reqs;
    struct rk_http_resp *resps;
    struct rk_oci_reg **regs; /* borrowed */
    const char **scopes;      /* borrowed */
    void **tags;              /* the caller's, untouched */
    size_t n, cap;
};

void rk_oci_batch_init(struct rk_oci_batch *b);
void rk_oci_batch_release(struct rk_oci_batch *b);
void rk_oci_batch_clear(struct rk_oci_batch *b); /* release every request, keep the memory */
/* Add a request (RK_HTTP_ANY_STATUS); returns its index, -1 when out of memory. */
long rk_oci_batch_add(struct rk_oci_batch *b, struct rk_oci_reg *reg, const char *scope,
                      const char *method, const char *url, void *tag);
/* Run every request (see above). -1 only when nothing could be run (out of memory). */
int rk_oci_batch_run(struct rk_oci_client *oc, struct rk_oci_batch *b, int jobs, struct rk_err *e);

/* ---- answers ---- */

/* The request's error when it has one; else, for a status other than want (and want2 when
 * not 0), a message "WHAT: STATUS: CODE: message" from the registry's JSON errors, with a
 * hint for 401 (credentials) and 404 of OCI manifests. Returns -1 when e was set. */
int rk_oci_check(const struct rk_oci_reg *reg, const struct rk_http_resp *resp, long want,
                 long want2, const char *what, struct rk_err *e);
/* The first error code the registry sent ("MANIFEST_UNKNOWN"), or "" (out: n bytes). */
void rk_oci_error_code(const struct rk_http_resp *resp, char *out, size_t n);

/* a token for reg and scope (fetching one if needed): "Bearer ...", borrowed; exposed for
 * tests. NULL with e set on failure. */
const char *rk_oci_token_for(struct rk_oci_client *oc, struct rk_oci_reg *reg, const char *scope,
                             struct rk_err *e);
/* Ping reg now if not done yet. */
int rk_oci_ping(struct rk_oci_client *oc, struct rk_oci_reg *reg, struct rk_err *e);

/* ---- manifests and tags (oci_io.c) ---- */

/* Add a manifest GET or HEAD of repo:ref (Accept: the four supported types; the body is
 * capped at RK_OCI_MANIFEST_MAX). Returns the index or -1 (out of memory). */
long rk_oci_batch_manifest(struct rk_oci_batch *b, struct rk_oci_reg *reg, const char *scope,
                           const char *method, const char *repo, const char *ref, void *tag);
/* Add a manifest PUT of body (borrowed, must outlive the run) with Content-Type media_type. */
long rk_oci_batch_manifest_put(struct rk_oci_batch *b, struct rk_oci_reg *reg, const char *scope,
                               const char *repo, const char *ref, const char *media_type,
                               const void *body, size_t len, void *tag);
/* Check a 200 manifest GET: digest (out, RK_OCI_DIGEST_MAX bytes) of the body, which must
 * equal the Docker-Content-Digest header when it is a sha256 one and want (when not NULL).
 * A mismatch is RK_REMOTE. */
int rk_oci_manifest_digest(const struct rk_http_resp *r, const char *want, char *out,
                           const char *what, struct rk_err *e);
/* Every tag of repo, following Link pagination (at most 100 pages); owned array of owned
 * strings in *tags (free each, then the array). A repository unknown to the registry has
 * no tags (0, *n = 0). */
int rk_oci_list_tags(struct rk_oci_client *oc, struct rk_oci_reg *reg, const char *scope,
                     const char *repo, char ***tags, size_t *n, struct rk_err *e);

#endif
