/*
 * digest.h - sha256 through OpenSSL EVP, and the encodings wheels and GitHub use.
 *
 * Rules: struct rk_sha256 owns an EVP context: rk_sha256_init ... rk_sha256_final, or
 * rk_sha256_release to drop it unfinished. Output buffers are caller-owned and sized by the
 * RK_*_LEN constants (which include the terminating NUL).
 */
#ifndef RELKIT_DIGEST_H
#define RELKIT_DIGEST_H

#include <stddef.h>
#include <stdint.h>

struct rk_err;

#define RK_SHA256_LEN 32
#define RK_SHA256_HEX_LEN 65 /* 64 hex digits + NUL */
#define RK_SHA256_B64_LEN 44 /* 43 urlsafe-base64 characters, no padding + NUL */

struct rk_sha256 {
    void *ctx; /* EVP_MD_CTX */
};

int rk_sha256_init(struct rk_sha256 *s, struct rk_err *e);
void rk_sha256_update(struct rk_sha256 *s, const void *p, size_t n);
void rk_sha256_final(struct rk_sha256 *s, unsigned char out[RK_SHA256_LEN]); /* releases */
void rk_sha256_release(struct rk_sha256 *s);

int rk_sha256_buf(const void *p, size_t n, unsigned char out[RK_SHA256_LEN], struct rk_err *e);
/* Stream a file; size may be NULL. */
int rk_sha256_file(const char *path, unsigned char out[RK_SHA256_LEN], uint64_t *size,
                   struct rk_err *e);

/* out must hold 2n+1 bytes (lowercase). */
void rk_hex(const unsigned char *in, size_t n, char *out);
/* Parse 2*n hex digits; -1 if malformed. */
int rk_unhex(const char *hex, unsigned char *out, size_t n);
/* urlsafe base64 without padding; out must hold 4*ceil(n/3)+1 bytes. */
void rk_b64url_nopad(const unsigned char *in, size_t n, char *out);
/* Standard base64 with padding (Basic auth); out holds 4*ceil(n/3)+1 bytes. */
void rk_b64_std(const unsigned char *in, size_t n, char *out);

#endif
