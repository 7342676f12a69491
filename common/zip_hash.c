/* zip_hash.c - sha256 of a file being written, in a second thread (see zip_hash.h) */
#include "zip_hash.h"
#include "err.h"
#include "zip.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct rk_zip_hasher {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int fd;
    uint64_t complete; /* published by the writer */
    uint64_t hashed;
    int done;   /* the writer is done (finish or abort) */
    int err_no; /* a read failed */
    struct rk_sha256 sha;
    unsigned char *buf;
};

static int hash_range(struct rk_zip_hasher *h, uint64_t from, uint64_t to)
{
    while (from < to) {
        size_t k = to - from > RK_ZIP_IOBUF ? RK_ZIP_IOBUF : (size_t)(to - from);
        ssize_t r = pread(h->fd, h->buf, k, (off_t)from);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? errno : EIO;
        rk_sha256_update(&h->sha, h->buf, (size_t)r);
        from += (uint64_t)r;
    }
    return 0;
}

static void *hasher_main(void *arg)
{
    struct rk_zip_hasher *h = arg;
    for (;;) {
        uint64_t from, to;
        int done, rc;
        pthread_mutex_lock(&h->lock);
        while (h->hashed == h->complete && !h->done)
            pthread_cond_wait(&h->cond, &h->lock);
        from = h->hashed, to = h->complete, done = h->done;
        pthread_mutex_unlock(&h->lock);
        if (from == to && done)
            return NULL;
        rc = h->err_no ? 0 : hash_range(h, from, to);
        pthread_mutex_lock(&h->lock);
        if (rc)
            h->err_no = rc;
        h->hashed = to;
        pthread_cond_broadcast(&h->cond);
        pthread_mutex_unlock(&h->lock);
    }
}

int rk_zip_hasher_start(struct rk_zip_hasher **out, int fd, struct rk_err *e)
{
    struct rk_zip_hasher *h = calloc(1, sizeof(*h));
    *out = NULL;
    if (!h || !(h->buf = malloc(RK_ZIP_IOBUF))) {
        free(h);
        return rk_err_set(e, RK_SYSTEM, "unable to hash: out of memory");
    }
    h->fd = fd;
    if (rk_sha256_init(&h->sha, e) < 0) {
        free(h->buf);
        free(h);
        return -1;
    }
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->cond, NULL);
    if (pthread_create(&h->thread, NULL, hasher_main, h) != 0) {
        rk_sha256_release(&h->sha);
        pthread_mutex_destroy(&h->lock);
        pthread_cond_destroy(&h->cond);
        free(h->buf);
        free(h);
        return rk_err_set(e, RK_SYSTEM, "unable to start a hashing thread");
    }
    *out = h;
    return 0;
}

void rk_zip_hasher_publish(struct rk_zip_hasher *h, uint64_t complete)
{
    pthread_mutex_lock(&h->lock);
    if (complete > h->complete)
        h->complete = complete;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

static void stop(struct rk_zip_hasher *h)
{
    pthread_mutex_lock(&h->lock);
    h->done = 1;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->cond);
    free(h->buf);
}

int rk_zip_hasher_finish(struct rk_zip_hasher *h, uint64_t end, unsigned char out[RK_SHA256_LEN],
                         const char *what, struct rk_err *e)
{
    int err;
    rk_zip_hasher_publish(h, end);
    stop(h);
    err = h->err_no;
    rk_sha256_final(&h->sha, out);
    free(h);
    if (err) {
        errno = err;
        return rk_err_errno(e, RK_SYSTEM, "unable to read back '%s'", what);
    }
    return 0;
}

void rk_zip_hasher_abort(struct rk_zip_hasher *h)
{
    if (!h)
        return;
    stop(h);
    rk_sha256_release(&h->sha);
    free(h);
}
