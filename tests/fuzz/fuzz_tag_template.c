/*
 * fuzz_tag_template - libFuzzer harness for tag templates and version schemes (tagalloc.c).
 *
 * Input: "TEMPLATE\nSCHEME\nNAME" (missing parts empty). Every template is checked, expanded
 * for a few numbers, turned into a prefix, and names are matched back. Invariants (abort on
 * violation): an expanded tag starts with the prefix; matching an expanded tag gives a number
 * whose tag is the same text; a name that matches gives its own text back; nothing crashes,
 * leaks or reads out of bounds (ASan/UBSan).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tagalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_number(const struct rk_tagspec *s, int64_t n)
{
    char tag[RK_TAG_MAX], prefix[RK_TAG_MAX], again[RK_TAG_MAX];
    struct rk_err e;
    int64_t m;
    rk_err_clear(&e);
    if (rk_tagspec_tag(s, n, tag, sizeof(tag), &e) < 0)
        return;
    rk_err_clear(&e);
    if (rk_tagspec_prefix(s, prefix, sizeof(prefix), &e) == 0 &&
        strncmp(tag, prefix, strlen(prefix)) != 0)
        abort();
    m = rk_tagspec_match(s, tag);
    if (m < 0 && !rk_tagspec_uses_n(s))
        abort();
    if (m >= 0 && rk_tagspec_uses_n(s)) {
        rk_err_clear(&e);
        if (rk_tagspec_tag(s, m, again, sizeof(again), &e) < 0 || strcmp(again, tag) != 0)
            abort();
    }
}

static void check_name(const struct rk_tagspec *s, const char *name)
{
    char again[RK_TAG_MAX];
    struct rk_err e;
    int64_t m = rk_tagspec_match(s, name);
    rk_err_clear(&e);
    if (m >= 0 && rk_tagspec_uses_n(s) &&
        (rk_tagspec_tag(s, m, again, sizeof(again), &e) < 0 || strcmp(again, name) != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1), *tpl, *scheme, *name, *nl;
    struct rk_tagspec s;
    struct rk_err e;
    unsigned fields = 0;
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    tpl = buf;
    scheme = (nl = strchr(tpl, '\n')) ? (*nl = '\0', nl + 1) : "";
    name = (nl = strchr(scheme, '\n')) ? (*nl = '\0', nl + 1) : "";
    rk_err_clear(&e);
    if (rk_tpl_check(tpl, &fields, &e) == 0) {
        memset(&s, 0, sizeof(s));
        s.tpl = tpl;
        s.scheme = rk_scheme_resolve(*scheme ? scheme : "rc", (fields & RK_TPL_N) != 0);
        s.base = "3.1.0";
        s.date = "20241119";
        s.sha = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
        s.run = "77";
        check_number(&s, -1);
        check_number(&s, 0);
        check_number(&s, 1);
        check_number(&s, 42);
        check_number(&s, 999999999);
        check_name(&s, name);
    }
    free(buf);
    return 0;
}
