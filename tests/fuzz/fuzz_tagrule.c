/*
 * fuzz_tagrule - libFuzzer harness for tag and repository rules (tagrule.h).
 *
 * Input: "RULE\nSUBJECT" (RULE is REGEX=TEMPLATE). Invariants (abort on violation): a rule
 * that parses applies to the subject without crashing, and either fails with RK_INPUT or
 * gives a string no longer than RK_TAGRULE_MAX_OUT (or the subject unchanged); applying it twice
 * gives the same result (rules are pure); nothing leaks or reads out of bounds (ASan/UBSan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tagrule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void apply_checked(const struct rk_tagrule *r, const char *subject)
{
    static const struct rk_tagvar vars[] = {{"version", "1.2.3"}, {"sha", "0123456789abcdef"}};
    struct rk_err e1, e2;
    char *a = NULL, *b = NULL;
    int r1, r2;
    rk_err_clear(&e1);
    rk_err_clear(&e2);
    r1 = rk_tagrule_apply(r, 1, subject, vars, 2, &a, NULL, &e1);
    r2 = rk_tagrule_apply(r, 1, subject, vars, 2, &b, NULL, &e2);
    if (r1 != r2)
        abort();
    if (r1 < 0 && e1.code != RK_INPUT && e1.code != RK_SYSTEM)
        abort();
    if (r1 == 0 && (!a || !b || strcmp(a, b) != 0))
        abort();
    /* a longer result is the subject itself (no match) */
    if (r1 == 0 && strlen(a) > RK_TAGRULE_MAX_OUT && strcmp(a, subject) != 0)
        abort();
    free(a);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rk_tagrule r;
    struct rk_err e;
    char *s, *nl;
    if (size > 4096)
        return 0; /* regcomp on huge patterns only measures the libc */
    if (!(s = malloc(size + 1)))
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    nl = strchr(s, '\n');
    if (nl)
        *nl = '\0';
    rk_err_clear(&e);
    if (rk_tagrule_parse(s, &r, &e) == 0) {
        apply_checked(&r, nl ? nl + 1 : "");
        rk_tagrule_release(&r);
    } else if (e.code != RK_INPUT && e.code != RK_SYSTEM) {
        abort();
    }
    free(s);
    return 0;
}
