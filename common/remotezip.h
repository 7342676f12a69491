/*
 * remotezip.h - read one member of remote zip files (a wheel's METADATA) with HTTP range
 * requests: the tail (end records and, usually, the central directory and the member), then
 * whatever part is still missing. Many files are read together, each round of requests
 * running in parallel through rk_http_run.
 *
 * A server that ignores Range (200 with the whole body) is fine while the body fits the
 * item's cap; anything else (no size known, a Content-Range other than the bytes asked for
 * or with a total other than the item's size, a 4xx/5xx after the
 * retries, a body too large) fails that item only: the caller falls back to downloading the
 * whole file. No credential is ever attached: the URLs are public download URLs.
 *
 * Ownership: the caller owns items and the strings they point to (borrowed here); each
 * item's result (data) is owned by the item: rk_remotezip_item_release. Errors of one item
 * are in item->err; the function itself fails only on local errors (RK_SYSTEM).
 */
#ifndef RELKIT_REMOTEZIP_H
#define RELKIT_REMOTEZIP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

struct rk_http_client;

#define RK_REMOTEZIP_TAIL ((size_t)128 << 10) /* first request: the last 128 KiB */
#define RK_REMOTEZIP_MEMBER_MAX ((size_t)16 << 20)
#define RK_REMOTEZIP_ROUNDS 6

struct rk_remotezip_item {
    const char *url;    /* borrowed: the file */
    uint64_t size;      /* the file's size (0: unknown, the item fails) */
    const char *what;   /* borrowed: name in messages (the file name) */
    const char *member; /* borrowed: exact member name, or NULL: the METADATA of the wheel
                           named `what`, read only when the wheel's directory passes
                           rk_wheel_check_dir and checked by rk_wheel_check_metadata_text
                           (a failed check is RK_INPUT) */
    /* results */
    int ok; /* 1: data holds the member's uncompressed bytes */
    struct rk_buf data;
    struct rk_err err;
    unsigned requests; /* HTTP requests this item needed */
    void *state;       /* private */
};

void rk_remotezip_item_init(struct rk_remotezip_item *it, const char *url, uint64_t size,
                            const char *what);
void rk_remotezip_item_release(struct rk_remotezip_item *it);

/* Read every item; max_parallel as rk_http_run. Returns 0 (look at each item->ok) or -1 on a
 * local failure. */
int rk_remotezip_read(struct rk_http_client *c, struct rk_remotezip_item *items, size_t n,
                      int max_parallel, struct rk_err *e);

#endif
