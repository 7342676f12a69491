/*
 * fuzz_pep440.c - libFuzzer harness for common/pep440.c.
 *
 * Any input: parse never crashes and fails only with RK_INPUT and a message naming the
 * version. A parsed version: format succeeds into RK_PEP440_MAX_TEXT, parsing the text gives
 * an equal version (cmp == 0) that formats to the same text (format is idempotent), normalize
 * agrees with parse + format, cmp is reflexive and antisymmetric against the reparse, and
 * make_final yields a final release that still parses. abort() on any violation.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pep440.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what, const char *s)
{
    if (!ok) {
        fprintf(stderr, "fuzz_pep440: %s (input '%s')\n", what, s);
        abort();
    }
}

static void check_final(const struct rk_pep440 *v, const char *s)
{
    struct rk_pep440 f = *v, g;
    struct rk_err e;
    char t[RK_PEP440_MAX_TEXT];
    rk_pep440_make_final(&f);
    check(!rk_pep440_is_prerelease(&f), "make_final left a pre-release", s);
    check(rk_pep440_cmp_release(&f, v) == 0, "make_final changed the release", s);
    check(rk_pep440_format(&f, t, sizeof(t)) == 0, "final does not format", s);
    rk_err_clear(&e);
    check(rk_pep440_parse(t, &g, &e) == 0, "final text does not parse", s);
    check(rk_pep440_cmp(&f, &g) == 0, "final does not round-trip", s);
    check(v->local[0] || rk_pep440_cmp(&f, v) >= 0, "final sorts below its source", s);
}

static void check_parsed(const struct rk_pep440 *v, const char *s)
{
    struct rk_pep440 w;
    struct rk_err e;
    char t1[RK_PEP440_MAX_TEXT], t2[RK_PEP440_MAX_TEXT], t3[RK_PEP440_MAX_TEXT];
    check(v->nrelease >= 1 && v->nrelease <= RK_PEP440_MAX_RELEASE, "bad nrelease", s);
    check(rk_pep440_format(v, t1, sizeof(t1)) == 0, "format failed", s);
    rk_err_clear(&e);
    check(rk_pep440_parse(t1, &w, &e) == 0, "formatted text does not parse", s);
    check(rk_pep440_cmp(v, &w) == 0 && rk_pep440_cmp(&w, v) == 0, "round trip not equal", s);
    check(rk_pep440_cmp(v, v) == 0, "cmp not reflexive", s);
    check(rk_pep440_format(&w, t2, sizeof(t2)) == 0, "reformat failed", s);
    check(strcmp(t1, t2) == 0, "format not idempotent", s);
    rk_err_clear(&e);
    check(rk_pep440_normalize(s, t3, sizeof(t3), &e) == 0, "normalize failed", s);
    check(strcmp(t1, t3) == 0, "normalize disagrees with format", s);
    check(rk_pep440_is_prerelease(v) == rk_pep440_is_prerelease(&w), "is_prerelease changed", s);
    check_final(v, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rk_pep440 v;
    struct rk_err e;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    rk_err_clear(&e);
    if (rk_pep440_parse(s, &v, &e) == 0) {
        check(e.code == RK_OK, "success with an error set", s);
        check_parsed(&v, s);
    } else {
        check(e.code == RK_INPUT, "failure not RK_INPUT", s);
        check(strncmp(e.msg, "invalid version '", 17) == 0, "message does not name the version", s);
        check(strchr(e.msg, '\n') == NULL, "message spans lines", s);
    }
    free(s);
    return 0;
}
