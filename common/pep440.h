/*
 * pep440.h - Python version numbers (PEP 440): parse, normalise, compare, edit.
 *
 * Rules: parsing accepts every spelling PEP 440 allows (case, separators, implicit numbers,
 * "v" prefix, surrounding whitespace) and rejects everything else with RK_INPUT and the
 * version quoted. Numbers are compared as numbers, never as strings. struct rk_pep440 is a
 * plain value (no heap). Release has at most RK_PEP440_MAX_RELEASE components; numbers must
 * fit int64 (larger ones are RK_INPUT).
 */
#ifndef RELKIT_PEP440_H
#define RELKIT_PEP440_H

#include <stddef.h>
#include <stdint.h>

struct rk_err;

#define RK_PEP440_MAX_RELEASE 16
#define RK_PEP440_MAX_LOCAL 128
#define RK_PEP440_MAX_TEXT 256 /* enough for any formatted version */

struct rk_pep440 {
    int64_t epoch;
    int64_t release[RK_PEP440_MAX_RELEASE];
    size_t nrelease;              /* >= 1 */
    char pre_kind;                /* 0 none, 'a', 'b', 'r' (rc) */
    int64_t pre;
    int has_post;
    int64_t post;
    int has_dev;
    int64_t dev;
    char local[RK_PEP440_MAX_LOCAL]; /* normalised ("abc.5"), "" when none */
};

int rk_pep440_parse(const char *s, struct rk_pep440 *v, struct rk_err *e);
/* Normalised text ("1.0rc1", "1!2.0.post1.dev3+abc.5"); -1 if out is too small. */
int rk_pep440_format(const struct rk_pep440 *v, char *out, size_t n);
/* parse + format */
int rk_pep440_normalize(const char *s, char *out, size_t n, struct rk_err *e);
/* <0, 0, >0 per PEP 440 ordering (dev < pre < final < post; local compared last). */
int rk_pep440_cmp(const struct rk_pep440 *a, const struct rk_pep440 *b);
/* 1 when the version has a pre-release or dev part. */
int rk_pep440_is_prerelease(const struct rk_pep440 *v);
/* Drop the pre, dev and local parts (3.1.0rc20241119 -> 3.1.0, 3.12.0.dev0+abc -> 3.12.0). */
void rk_pep440_make_final(struct rk_pep440 *v);
/* Release components compared with trailing zeros ignored (1.0 == 1.0.0): <0, 0, >0. */
int rk_pep440_cmp_release(const struct rk_pep440 *a, const struct rk_pep440 *b);

#endif
