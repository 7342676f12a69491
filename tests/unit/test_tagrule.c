/* unit tests: tag and repository rewriting rules (tagrule.h) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tagrule.h"

#define TT_RULE "^([0-9]+\\.[0-9]+\\.[0-9]+)-([0-9a-f]{40})-([0-9a-f]{7})-[0-9]+$={1}-{2:7}-{3}"

/* apply one rule spec to in; returns the result (owned) or NULL with e set */
static char *apply1(const char *spec, const char *in, const struct rk_tagvar *v, size_t nv,
                    struct rk_err *e, int *changed)
{
    struct rk_tagrule r;
    char *out = NULL;
    rk_err_clear(e);
    if (rk_tagrule_parse(spec, &r, e) < 0)
        return NULL;
    if (rk_tagrule_apply(&r, 1, in, v, nv, &out, changed, e) < 0)
        out = NULL;
    rk_tagrule_release(&r);
    return out;
}

static void tt_grammar(void **state)
{
    struct rk_err e;
    int changed;
    char *out =
        apply1(TT_RULE, "0.0.5-ef93cf18b3aee66cc9ec703423de0ad3c6fde844-1d799da-52729064622", NULL,
               0, &e, &changed);
    assert_non_null(out);
    assert_string_equal(out, "0.0.5-ef93cf1-1d799da");
    assert_true(changed);
    free(out);
}

static void no_match_keeps_the_name(void **state)
{
    struct rk_err e;
    int changed = 1;
    char *out = apply1(TT_RULE, "latest", NULL, 0, &e, &changed);
    assert_string_equal(out, "latest");
    assert_false(changed);
    free(out);
}

static void substring_replacement(void **state)
{
    struct rk_err e;
    char *out =
        apply1("tt-shield/=tt-inference-server/",
               "tenstorrent/tt-shield/vllm-tt-metal-src-dev-ubuntu-22.04-amd64", NULL, 0, &e, NULL);
    assert_string_equal(out,
                        "tenstorrent/tt-inference-server/vllm-tt-metal-src-dev-ubuntu-22.04-amd64");
    free(out);
    out = apply1("-dev-=-release-", "vllm-src-dev-ubuntu", NULL, 0, &e, NULL);
    assert_string_equal(out, "vllm-src-release-ubuntu");
    free(out);
}

static void rules_apply_in_order(void **state)
{
    struct rk_tagrule r[2];
    struct rk_err e;
    char *out;
    rk_err_clear(&e);
    assert_int_equal(rk_tagrule_parse("tt-shield/=tt-inference-server/", &r[0], &e), 0);
    assert_int_equal(rk_tagrule_parse("-dev-=-release-", &r[1], &e), 0);
    assert_int_equal(rk_tagrule_apply(r, 2, "org/tt-shield/x-dev-y", NULL, 0, &out, NULL, &e), 0);
    assert_string_equal(out, "org/tt-inference-server/x-release-y");
    free(out);
    rk_tagrule_release(&r[0]);
    rk_tagrule_release(&r[1]);
}

static void variables_and_braces(void **state)
{
    struct rk_tagvar v[] = {{"version", "0.1.0"}, {"sha", "0123456789abcdef"}};
    struct rk_err e;
    char *out = apply1("^[0-9.]+-(.*)$={version}-{1}-{sha:7}-{{x}}", "0.0.5-abc", v, 2, &e, NULL);
    assert_non_null(out);
    assert_string_equal(out, "0.1.0-abc-0123456-{x}");
    free(out);
}

static void group_zero_and_unmatched_group(void **state)
{
    struct rk_err e;
    char *out = apply1("^(a)|(b)$=[{0}:{1}:{2}]", "b", NULL, 0, &e, NULL);
    assert_string_equal(out, "[b::b]");
    free(out);
}

static void length_longer_than_value(void **state)
{
    struct rk_err e;
    char *out = apply1("^(abc)$={1:10}", "abc", NULL, 0, &e, NULL);
    assert_string_equal(out, "abc");
    free(out);
}

static void unset_variable_is_an_error(void **state)
{
    struct rk_err e;
    char *out = apply1("^(.*)$={version}-{1}", "x", NULL, 0, &e, NULL);
    assert_null(out);
    assert_int_equal(e.code, RK_INPUT);
    assert_non_null(strstr(e.msg, "{version} is not set"));
}

static void bad_rules(void **state)
{
    static const char *bad[] = {
        "no-equals-sign",
        "=template-only",
        "([a-z]=x",
        "^(a)$={2}",
        "^(a)$={1",
        "^(a)$=}",
        "^(a)$={}",
        "^(a)$={1:x}",
        "^(a)$={12}",
        "^(a)$={a-b}",
        /* what makes glibc's regcomp use gigabytes */
        "_++++++++++++++++++++++++++++++++++++++++{^a=x",
        "a*?=x",
        "((a{100}){100})=x",
        "a{2,}{3}=x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct rk_tagrule r;
        struct rk_err e;
        rk_err_clear(&e);
        if (rk_tagrule_parse(bad[i], &r, &e) == 0) {
            fail_msg("rule '%s' was accepted", bad[i]);
        }
        assert_int_equal(e.code, RK_INPUT);
    }
}

static void sane_regexes_pass(void **state)
{
    static const char *ok[] = {"^[+*]+$=x", "a\\++=x", "^(a{2}){3}$=x",
                               "[]+]+=x",   "a|b*=x",  "a{1,3}b{,2}=x"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
        struct rk_tagrule r;
        struct rk_err e;
        rk_err_clear(&e);
        if (rk_tagrule_parse(ok[i], &r, &e) != 0)
            fail_msg("rule '%s' refused: %s", ok[i], e.msg);
        rk_tagrule_release(&r);
    }
}

static void last_equals_splits(void **state)
{
    struct rk_err e;
    char *out = apply1("a=b=c", "xa=by", NULL, 0, &e, NULL);
    assert_string_equal(out, "xcy");
    free(out);
}

static void result_too_long(void **state)
{
    char big[2000];
    struct rk_err e;
    char *out;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    out = apply1("^(a+)$={1}{1}", big, NULL, 0, &e, NULL);
    assert_null(out);
    assert_int_equal(e.code, RK_INPUT);
}

static void expand_alone(void **state)
{
    regmatch_t m[2] = {{0, 3}, {1, 2}};
    struct rk_err e;
    char *out;
    rk_err_clear(&e);
    assert_int_equal(rk_tagrule_expand("<{0}|{1}>", "abc", m, 2, NULL, 0, &out, &e), 0);
    assert_string_equal(out, "<abc|b>");
    free(out);
    assert_int_equal(rk_tagrule_expand("{3}", "abc", m, 2, NULL, 0, &out, &e), -1);
    assert_int_equal(rk_tagrule_check_template("{1}{x:3}{{}}", 1, &e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tt_grammar),
        cmocka_unit_test(no_match_keeps_the_name),
        cmocka_unit_test(substring_replacement),
        cmocka_unit_test(rules_apply_in_order),
        cmocka_unit_test(variables_and_braces),
        cmocka_unit_test(group_zero_and_unmatched_group),
        cmocka_unit_test(length_longer_than_value),
        cmocka_unit_test(unset_variable_is_an_error),
        cmocka_unit_test(bad_rules),
        cmocka_unit_test(sane_regexes_pass),
        cmocka_unit_test(last_equals_splits),
        cmocka_unit_test(result_too_long),
        cmocka_unit_test(expand_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
