/* digest.c - see digest.h */
#include "digest.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>

int rk_sha256_init(struct rk_sha256 *s, struct rk_err *e)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        s->ctx = NULL;
        return rk_err_set(e, RK_SYSTEM, "unable to start sha256");
    }
    s->ctx = ctx;
    return 0;
}

void rk_sha256_update(struct rk_sha256 *s, const void *p, size_t n)
{
    if (n)
        EVP_DigestUpdate(s->ctx, p, n);
}

void rk_sha256_final(struct rk_sha256 *s, unsigned char out[RK_SHA256_LEN])
{
    unsigned int len = RK_SHA256_LEN;
    EVP_DigestFinal_ex(s->ctx, out, &len);
    rk_sha256_release(s);
}

void rk_sha256_release(struct rk_sha256 *s)
{
    EVP_MD_CTX_free(s->ctx);
    s->ctx = NULL;
}

int rk_sha256_buf(const void *p, size_t n, unsigned char out[RK_SHA256_LEN], struct rk_err *e)
{
    struct rk_sha256 s;
    if (rk_sha256_init(&s, e) < 0)
        return -1;
    rk_sha256_update(&s, p, n);
    rk_sha256_final(&s, out);
    return 0;
}

int rk_sha256_file(const char *path, unsigned char out[RK_SHA256_LEN], uint64_t *size,
                   struct rk_err *e)
{
    static const size_t chunk = 1 << 17;
    unsigned char *buf;
    struct rk_sha256 s;
    uint64_t total = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rk_err_errno(e, RK_SYSTEM, "unable to open '%s'", path);
    buf = malloc(chunk);
    if (!buf || rk_sha256_init(&s, e) < 0) {
        free(buf);
        close(fd);
        return rk_err_set(e, RK_SYSTEM, "unable to hash '%s': out of memory", path);
    }
    for (;;) {
        ssize_t r = read(fd, buf, chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rk_err_errno(e, RK_SYSTEM, "unable to read '%s'", path);
            rk_sha256_release(&s);
            free(buf);
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        rk_sha256_update(&s, buf, (size_t)r);
        total += (uint64_t)r;
    }
    rk_sha256_final(&s, out);
    free(buf);
    close(fd);
    if (size)
        *size = total;
    return 0;
}

void rk_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int rk_unhex(const char *hex, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(hex[2 * i]), lo = hi < 0 ? -1 : hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return hex[2 * n] == '\0' ? 0 : -1;
}

static void b64(const unsigned char *in, size_t n, char *out, const char *alphabet, int pad)
{
    size_t j = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[j++] = alphabet[v >> 18 & 63];
        out[j++] = alphabet[v >> 12 & 63];
        out[j++] = alphabet[v >> 6 & 63];
        out[j++] = alphabet[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0);
        out[j++] = alphabet[v >> 18 & 63];
        out[j++] = alphabet[v >> 12 & 63];
        if (i + 1 < n)
            out[j++] = alphabet[v >> 6 & 63];
        else if (pad)
            out[j++] = '=';
        if (pad)
            out[j++] = '=';
    }
    out[j] = '\0';
}

void rk_b64url_nopad(const unsigned char *in, size_t n, char *out)
{
    b64(in, n, out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 0);
}

void rk_b64_std(const unsigned char *in, size_t n, char *out)
{
    b64(in, n, out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 1);
}
