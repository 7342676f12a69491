/*
 * github_asset.h - release asset downloads with a size bound and a starting offset; the
 * plain case is rk_github_download_asset in github.h.
 *
 * Same rules as github.h: the credential goes to the API origin only (the redirect to the
 * asset host drops it), errors are one line. The struct is the caller's: inputs set before
 * the call, results filled by it; nothing in it is owned.
 */
#ifndef RELKIT_GITHUB_ASSET_H
#define RELKIT_GITHUB_ASSET_H

#include <stdint.h>

#include "github.h"

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

#endif
