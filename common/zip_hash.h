/*
 * zip_hash.h - private to the zip writer: sha256 of a file being written, computed by a
 * second thread that follows the writer and reads the bytes back (from the page cache).
 *
 * Rules: the writer publishes how far the file is complete (rk_zip_hasher_publish, any
 * thread-safe order of increasing offsets); the hasher never reads past it. Every started
 * hasher ends with exactly one rk_zip_hasher_finish or rk_zip_hasher_abort, which join the
 * thread and free everything.
 */
#ifndef RELKIT_ZIP_HASH_H
#define RELKIT_ZIP_HASH_H

#include <stdint.h>

#include "digest.h"

struct rk_err;
struct rk_zip_hasher;

int rk_zip_hasher_start(struct rk_zip_hasher **h, int fd, struct rk_err *e);
void rk_zip_hasher_publish(struct rk_zip_hasher *h, uint64_t complete);
/* Hash up to end (the final size), join, free; RK_SYSTEM if reading back failed. */
int rk_zip_hasher_finish(struct rk_zip_hasher *h, uint64_t end, unsigned char out[RK_SHA256_LEN],
                         const char *what, struct rk_err *e);
void rk_zip_hasher_abort(struct rk_zip_hasher *h);

#endif
