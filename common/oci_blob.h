/*
 * oci_blob.h - copy blobs between repositories and registries (distribution API).
 *
 * For each blob: HEAD on the destination (present: nothing to do). Within one registry, a
 * cross-repository mount (POST .../blobs/uploads/?mount=D&from=SRC, with a token covering
 * pull on SRC and push on the destination); a 202 answer (the registry could not mount)
 * gives an upload session that the copy then uses, and a refused mount (401/403/4xx) falls
 * back to a copy. A copy streams GET from the source into an unlinked temporary file,
 * verifying size and sha256 on the way, then PUTs it into an upload session
 * (POST, then PUT Location&digest=D with the whole body: distribution 2.8 has no monolithic
 * POST). A PUT answered 404 (upload session gone) is retried once in a new session.
 *
 * Parallelism: the blobs are shared out (largest first) among `threads` worker threads, each
 * with its own HTTP client and a copy of the registries' auth (rk_oci_client_clone); each
 * runs its requests in rounds through rk_oci_batch_run, jobs/threads at once, so a slow
 * transfer in one round never idles the others' slots. At most `jobs` blobs in all are
 * between GET and PUT, so the temporary disk space is bounded by jobs x the largest blob,
 * and memory does not grow with blob sizes. Downloads are admitted a few per round so GETs
 * and PUTs of different blobs overlap. The HTTP counters of the workers (requests, bytes)
 * and their token requests are added to the caller's clients.
 *
 * Ownership: everything in struct rk_oci_blob's input part is borrowed and must outlive
 * the call; the output part is filled here. Only sha256 digests can be copied (verified);
 * sha512 blobs are still found by HEAD and mounted.
 */
#ifndef RELKIT_OCI_BLOB_H
#define RELKIT_OCI_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct rk_oci_client;
struct rk_oci_reg;

enum rk_oci_blob_result {
    RK_OCI_BLOB_PENDING = 0,
    RK_OCI_BLOB_PRESENT, /* already in the destination repository */
    RK_OCI_BLOB_MOUNTED, /* cross-repository mount, no bytes moved */
    RK_OCI_BLOB_COPIED,  /* downloaded and uploaded */
    RK_OCI_BLOB_FAILED,  /* err says why */
};

struct rk_oci_blob {
    /* input, borrowed */
    struct rk_oci_reg *src, *dst;
    const char *src_repo, *dst_repo;
    const char *src_scope, *dst_scope; /* dst_scope covers pull on src_repo when src == dst */
    const char *digest;
    int64_t size;
    /* output */
    enum rk_oci_blob_result result;
    uint64_t bytes_down, bytes_up;
    struct rk_err err;
    /* internal */
    int state, fd, put_tries, got_ok, post_ok;
    char *location;
};

struct rk_oci_blob_opts {
    int jobs;           /* parallel requests (>= 1) */
    const char *tmpdir; /* for the streamed copies; NULL: $TMPDIR, else /tmp */
    int no_mount;       /* copy even within one registry */
    int threads;        /* worker threads: 0 auto (CPUs, at most 4 and jobs), 1 none */
};

/* Copy every blob. Returns 0 when all are present, mounted or copied; -1 with e set from the
 * first failed blob otherwise (each failed blob has its own err). */
int rk_oci_copy_blobs(struct rk_oci_client *oc, struct rk_oci_blob *blobs, size_t n,
                      const struct rk_oci_blob_opts *o, struct rk_err *e);

#endif
