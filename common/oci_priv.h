/*
 * oci_priv.h - internal to common/oci_*.c: what the batch runner needs from the auth code.
 * Not for tools: use oci_client.h.
 */
#ifndef RELKIT_OCI_PRIV_H
#define RELKIT_OCI_PRIV_H

#include <stdint.h>

#include "oci_client.h"

/* Monotonic milliseconds. */
/* When the token for scope was fetched (monotonic ms; 0: none). */
int64_t rk_oci_token_age_mark(struct rk_oci_reg *reg, const char *scope);
/* Forget the token for scope. */
void rk_oci_token_forget(struct rk_oci_reg *reg, const char *scope);
/* Learn the auth scheme from a WWW-Authenticate value (a registry that answered 200 to the
 * ping and 401 later). */
int rk_oci_adopt(struct rk_oci_reg *reg, const char *challenge, struct rk_err *e);
/* The Authorization value for a request to reg with scope: borrowed, "" for none, NULL with
 * e set on failure (ping, credentials, token endpoint). */
const char *rk_oci_auth_value(struct rk_oci_client *oc, struct rk_oci_reg *reg, const char *scope,
                              struct rk_err *e);
/* Fetch, in parallel, the tokens a batch will need (regs[i], scopes[i]); failures are left
 * for the requests themselves to report. */
int rk_oci_prefetch_tokens(struct rk_oci_client *oc, struct rk_oci_reg **regs, const char **scopes,
                           size_t n, int jobs);

/* A copy of src for another thread: its registries (auth, credentials, tokens) duplicated,
 * talking through http. Release with rk_oci_client_release. */
int rk_oci_client_clone(struct rk_oci_client *dst, const struct rk_oci_client *src,
                        struct rk_http_client *http, struct rk_err *e);
/* The registry of clone that copies orig's reg (NULL when there is none). */
struct rk_oci_reg *rk_oci_client_twin(const struct rk_oci_client *clone,
                                      const struct rk_oci_client *orig,
                                      const struct rk_oci_reg *reg);

struct rk_oci_blob;
struct rk_oci_blob_opts;
/* The blob engine in the calling thread (oci_blob.c); rk_oci_copy_blobs splits the work
 * among threads that each run it. */
int rk_oci_copy_blobs_serial(struct rk_oci_client *oc, struct rk_oci_blob *blobs, size_t n,
                             const struct rk_oci_blob_opts *o, struct rk_err *e);

#endif
