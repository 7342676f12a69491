/* unit tests: Link header parsing (linkhdr.h) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "linkhdr.h"

static void github_style(void **state)
{
    struct rk_links l;
    const char *h = "<https://api.github.com/repositories/1/releases?per_page=2&page=2>; "
                    "rel=\"next\", <https://api.github.com/repositories/1/releases?per_page=2"
                    "&page=5>; rel=\"last\"";
    assert_int_equal(rk_links_parse(h, &l), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(rk_links_find(&l, "next"),
                        "https://api.github.com/repositories/1/releases?per_page=2&page=2");
    assert_string_equal(rk_links_find(&l, "LAST"),
                        "https://api.github.com/repositories/1/releases?per_page=2&page=5");
    assert_null(rk_links_find(&l, "prev"));
    assert_null(rk_links_find(&l, ""));
    rk_links_release(&l);
}

static void quoted_params_and_multiple_rels(void **state)
{
    struct rk_links l;
    const char *h = "<a?x=1,2>; title=\"a, b; c \\\"q\\\"\"; REL=\"Prev  First\"; rel=next,"
                    "<b>;rel=last;anchor=\"#x\" , <c> ; Rel = next";
    assert_int_equal(rk_links_parse(h, &l), 0);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.v[0].url, "a?x=1,2");
    assert_string_equal(l.v[0].rel, "prev first"); /* the first rel parameter counts */
    assert_string_equal(rk_links_find(&l, "first"), "a?x=1,2");
    assert_string_equal(rk_links_find(&l, "prev"), "a?x=1,2");
    assert_string_equal(rk_links_find(&l, "last"), "b");
    assert_string_equal(rk_links_find(&l, "next"), "c");
    rk_links_release(&l);
}

static void malformed_input_is_skipped(void **state)
{
    struct rk_links l;
    static const char *bad[] = {
        "",
        ",,,",
        "<",
        "<a",
        "rel=next",
        "<a>; rel=\"next",
        "<a> x",
        "<a>; ; ;",
        "\"<a>\"",
        "<a>;rel",
        ";;,;<",
        "<a>;rel=\"\\",
        "garbage <b>; rel=next",
        "<>; rel=next",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(rk_links_parse(bad[i], &l), 0);
        for (size_t j = 0; j < l.n; j++) {
            assert_non_null(l.v[j].url);
            assert_non_null(l.v[j].rel);
        }
        rk_links_release(&l);
    }
    /* a malformed element does not hide the following good one */
    assert_int_equal(rk_links_parse("<a> junk \"x,y\" <q>, <b>; rel=next", &l), 0);
    assert_string_equal(rk_links_find(&l, "next"), "b");
    rk_links_release(&l);
    /* link without rel: kept with an empty rel list, never matched */
    assert_int_equal(rk_links_parse("<a>; title=x", &l), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0].rel, "");
    assert_null(rk_links_find(&l, "next"));
    rk_links_release(&l);
    assert_int_equal(rk_links_parse(NULL, &l), 0);
    assert_int_equal(l.n, 0);
}

static void bounded(void **state)
{
    struct rk_links l;
    size_t n = 200 * 16 + 1;
    char *h = malloc(n);
    h[0] = '\0';
    for (int i = 0; i < 200; i++)
        strcat(h, "<u>; rel=next, ");
    assert_int_equal(rk_links_parse(h, &l), 0);
    assert_int_equal(l.n, RK_LINKS_MAX);
    rk_links_release(&l);
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(github_style),
        cmocka_unit_test(quoted_params_and_multiple_rels),
        cmocka_unit_test(malformed_input_is_skipped),
        cmocka_unit_test(bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
