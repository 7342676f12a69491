/*
 * buf.h - growable byte buffer with a hard cap.
 *
 * Rules: struct rk_buf owns data; rk_buf_release frees it. Every buffer has a cap (max);
 * appending past it fails with errno EFBIG and leaves the buffer unchanged. data is always
 * NUL-terminated after a successful append (the NUL is not counted in len).
 */
#ifndef RELKIT_BUF_H
#define RELKIT_BUF_H

#include <stddef.h>

#define RK_BUF_DEFAULT_MAX ((size_t)64 << 20) /* 64 MiB */

struct rk_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
};

void rk_buf_init(struct rk_buf *b, size_t max); /* max 0: RK_BUF_DEFAULT_MAX */
void rk_buf_release(struct rk_buf *b);
void rk_buf_reset(struct rk_buf *b); /* len = 0, memory kept */
int rk_buf_append(struct rk_buf *b, const void *p, size_t n);
int rk_buf_puts(struct rk_buf *b, const char *s);
int rk_buf_printf(struct rk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Always a valid C string ("" for an empty buffer). */
const char *rk_buf_cstr(const struct rk_buf *b);
/* Hand the data to the caller (owned, NUL-terminated); the buffer is left empty. */
char *rk_buf_detach(struct rk_buf *b, size_t *len);

#endif
