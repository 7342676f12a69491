/*
 * fuzz_wwwauth - libFuzzer harness for WWW-Authenticate parsing (regauth.h).
 *
 * Invariants (abort on violation): at most RK_WWW_MAX_CHALLENGES challenges of
 * RK_WWW_MAX_PARAMS parameters; every scheme and parameter name is a non-empty lowercase
 * string no longer than the input, every value no longer than the input; lookups never
 * crash; nothing leaks or reads out of bounds (ASan/UBSan).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "regauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_lower(const char *s, size_t max)
{
    size_t n;
    if (!s || !*s || (n = strlen(s)) > max)
        abort();
    for (size_t i = 0; i < n; i++)
        if (isupper((unsigned char)s[i]))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rk_www_auth a;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (rk_www_auth_parse(s, &a) == 0) {
        if (a.n > RK_WWW_MAX_CHALLENGES)
            abort();
        for (size_t i = 0; i < a.n; i++) {
            const struct rk_www_challenge *c = &a.ch[i];
            check_lower(c->scheme, size);
            if (c->nparams > RK_WWW_MAX_PARAMS || (c->token68 && strlen(c->token68) > size))
                abort();
            for (size_t j = 0; j < c->nparams; j++) {
                check_lower(c->params[j].name, size);
                if (!c->params[j].value || strlen(c->params[j].value) > size)
                    abort();
            }
            (void)rk_www_param(c, "realm");
        }
        (void)rk_www_auth_find(&a, "bearer");
        rk_www_auth_release(&a);
    }
    free(s);
    return 0;
}
