/* unit tests: PEP 440 versions (parse, normalise, compare, make_final, errors) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "pep440.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Each list is in ascending order: every earlier entry compares less than every later one. */

/* PEP 440, "Summary of permitted suffixes and relative ordering". */
/* clang-format off */
static const char *const pep_order[] = {
    "1.dev0", "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456",
    "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5",
    "1.0+abc.7", "1.0+5", "1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1",
};
/* clang-format on */

/* pypa/packaging's tests/test_version.py VERSIONS with epoch 0 (the test adds the epoch 1 copy). */
/* clang-format off */
static const char *const packaging_order[] = {
    "1.0.dev0", "1.0.dev456", "1.0.dev456+local", "1.0a0", "1.0a0.post0.dev0", "1.0a0.post0",
    "1.0a1.dev1", "1.0a1.dev1+local", "1.0a1", "1.0a1+local", "1.0b0", "1.0b1.dev456", "1.0b2",
    "1.0b2.post345.dev456", "1.0b2.post345", "1.0b2-346", "1.0rc0", "1.0rc1.dev1", "1.0c1",
    "1.0rc2", "1.0", "1.0.post0.dev0", "1.0.post0", "1.0.post456.dev34", "1.0.post456",
    "1.0.post456+local", "1.0.1.dev1", "1.0.1a1", "1.0.1", "1.0.1+local", "1.0.1.post1", "1.1.dev1",
    "1.2+a", "1.2+abc", "1.2+abcdef", "1.2+def", "1.2+0", "1.2+1", "1.2+1.abc", "1.2+1.1",
    "1.2+1.1.0", "1.2+2", "1.2+123", "1.2+123456", "1.2.r32+123456", "1.2.rev33+123456",
};
/* clang-format on */

/* Version schemes this project produces (IREE rc dates, nightly devs with a commit label). */
/* clang-format off */
static const char *const project_order[] = {
    "0.9", "1.0rc1", "1.0", "3.1.0rc20241119", "3.1.0rc20241119.post1", "3.1.0rc20241120", "3.1.0",
    "3.1.0.post1", "3.9.0", "3.10.0", "3.12.0.dev0", "3.12.0.dev0+abc1234", "3.12.0.dev1",
    "3.12.0.dev20241119001", "3.12.0.dev20241119002", "3.12.0rc0", "3.12.0rc20241119", "3.12.0",
    "9223372036854775807", "1!0.1", "2!0.0.dev0",
};
/* clang-format on */

/* Local labels: segment by segment, numbers above words, a shorter prefix first. */
/* clang-format off */
static const char *const local_order[] = {
    "1.0",
    "1.0+1a", /* "1a" is a word, and '1' < 'a' */
    "1.0+a", "1.0+a.b", "1.0+a.c", "1.0+a.1", "1.0+abc", "1.0+abd", "1.0+z", "1.0+0", "1.0+1",
    "1.0+1.a", "1.0+1.0", "1.0+9", "1.0+10", "1.0+9223372036854775807",
    "1.0+99999999999999999999999", /* any length: compared by value */
    "1.0+100000000000000000000000", "1.0.post0",
};
/* clang-format on */

static void parse_ok(const char *s, struct rk_pep440 *v)
{
    struct rk_err e;
    rk_err_clear(&e);
    if (rk_pep440_parse(s, v, &e) != 0)
        fail_msg("'%s' did not parse: %s", s, e.msg);
    assert_int_equal(e.code, RK_OK);
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

static void round_trip_list(const char *const *list, size_t n, size_t stride);

static void check_order(const char *const *list, size_t n)
{
    size_t i, j;
    for (i = 0; i < n; i++) {
        struct rk_pep440 a;
        parse_ok(list[i], &a);
        for (j = 0; j < n; j++) {
            struct rk_pep440 b;
            int want = i < j ? -1 : i > j ? 1 : 0;
            parse_ok(list[j], &b);
            if (sign(rk_pep440_cmp(&a, &b)) != want)
                fail_msg("cmp('%s', '%s') = %d, want %d", list[i], list[j], rk_pep440_cmp(&a, &b),
                         want);
        }
    }
}

static void order_pep_summary(void **state)
{
    check_order(pep_order, N(pep_order));
}

static void order_packaging_list(void **state)
{
    static char with_epoch[N(packaging_order)][32];
    const char *all[2 * N(packaging_order)];
    size_t i, n = N(packaging_order);
    for (i = 0; i < n; i++) {
        snprintf(with_epoch[i], sizeof(with_epoch[i]), "1!%s", packaging_order[i]);
        all[i] = packaging_order[i];
        all[n + i] = with_epoch[i];
    }
    check_order(all, 2 * n);
    round_trip_list(all, 2 * n, sizeof(all[0]));
}

static void order_project_schemes(void **state)
{
    check_order(project_order, N(project_order));
}

static void order_local_labels(void **state)
{
    check_order(local_order, N(local_order));
}

struct pair {
    const char *in, *out;
};

static const struct pair normal[] = {
    /* dev */
    {"1.0dev", "1.0.dev0"},
    {"1.0.dev", "1.0.dev0"},
    {"1.0dev1", "1.0.dev1"},
    {"1.0-dev", "1.0.dev0"},
    {"1.0-dev1", "1.0.dev1"},
    {"1.0DEV", "1.0.dev0"},
    {"1.0.DEV1", "1.0.dev1"},
    {"1.0_dev_1", "1.0.dev1"},
    {"1.0.dev.", "1.0.dev0"},
    /* alpha */
    {"1.0a", "1.0a0"},
    {"1.0.a", "1.0a0"},
    {"1.0.a1", "1.0a1"},
    {"1.0-a", "1.0a0"},
    {"1.0-a1", "1.0a1"},
    {"1.0alpha", "1.0a0"},
    {"1.0.alpha1", "1.0a1"},
    {"1.0-ALPHA1", "1.0a1"},
    {"1.0A", "1.0a0"},
    {"1.0_a_1", "1.0a1"},
    {"1.0a-", "1.0a0"},
    /* beta */
    {"1.0b", "1.0b0"},
    {"1.0.b1", "1.0b1"},
    {"1.0-b", "1.0b0"},
    {"1.0beta", "1.0b0"},
    {"1.0.beta1", "1.0b1"},
    {"1.0-BETA1", "1.0b1"},
    {"1.0B", "1.0b0"},
    /* release candidate */
    {"1.0c", "1.0rc0"},
    {"1.0.c1", "1.0rc1"},
    {"1.0-C1", "1.0rc1"},
    {"1.0rc", "1.0rc0"},
    {"1.0.rc", "1.0rc0"},
    {"1.0-rc1", "1.0rc1"},
    {"1.0RC1", "1.0rc1"},
    {"1.0pre", "1.0rc0"},
    {"1.0pre2", "1.0rc2"},
    {"1.0-pre.2", "1.0rc2"},
    {"1.0preview", "1.0rc0"},
    {"1.0PREVIEW_2", "1.0rc2"},
    {"1.0rc.", "1.0rc0"},
    {"1.0rc-1", "1.0rc1"},
    /* post */
    {"1.0post", "1.0.post0"},
    {"1.0.post", "1.0.post0"},
    {"1.0post1", "1.0.post1"},
    {"1.0-post", "1.0.post0"},
    {"1.0-POST1", "1.0.post1"},
    {"1.0r", "1.0.post0"},
    {"1.0rev", "1.0.post0"},
    {"1.0.r1", "1.0.post1"},
    {"1.0.rev1", "1.0.post1"},
    {"1.0-5", "1.0.post5"},
    {"1.0-r5", "1.0.post5"},
    {"1.0-rev5", "1.0.post5"},
    {"1.0.REV-3", "1.0.post3"},
    {"1.0-r-1", "1.0.post1"},
    {"1.0.post-", "1.0.post0"},
    {"1.0-1.dev", "1.0.post1.dev0"},
    {"1.0-1-dev1", "1.0.post1.dev1"},
    /* combinations, and a separator after a word with no number */
    {"1.0a--1", "1.0a0.post1"},
    {"1.0-rc.-1", "1.0rc0.post1"},
    {"1.0A.-dev-", "1.0a0.dev0"},
    {"1.0.RC.post.dev", "1.0rc0.post0.dev0"},
    {"1.0alpha_1_post_2-dev_3", "1.0a1.post2.dev3"},
    {"1.0b2-346", "1.0b2.post346"},
    {"1.0.dev.+abc", "1.0.dev0+abc"},
    /* local */
    {"1.0+AbC", "1.0+abc"},
    {"1.0+abc-5", "1.0+abc.5"},
    {"1.0+abc_5", "1.0+abc.5"},
    {"1.0+a-b_c.d", "1.0+a.b.c.d"},
    {"1.0+abc.05", "1.0+abc.5"},
    {"1.0+00", "1.0+0"},
    {"1.0+0100.0a", "1.0+100.0a"},
    {"1.0+007abc", "1.0+007abc"},
    {"3.12.0.dev0+abc1234", "3.12.0.dev0+abc1234"},
    /* integers */
    {"1.01", "1.1"},
    {"1.0a05", "1.0a5"},
    {"1.0b07", "1.0b7"},
    {"1.0c056", "1.0rc56"},
    {"1.0rc09", "1.0rc9"},
    {"1.0.post000", "1.0.post0"},
    {"1.1.dev09000", "1.1.dev9000"},
    {"00!1.2", "1.2"},
    {"0100!0.0", "100!0.0"},
    {"000", "0"},
    {"9223372036854775807", "9223372036854775807"},
    {"00000000000000000000000009223372036854775807", "9223372036854775807"},
    {"1!2.3a4.post5.dev6+7", "1!2.3a4.post5.dev6+7"},
    /* prefix and whitespace */
    {"v1.0", "1.0"},
    {"V1.0", "1.0"},
    {"v1!2.0", "1!2.0"},
    {"   v1.0\t\n", "1.0"},
    {"\r\v\f1.0\x1c\x1d\x1e\x1f", "1.0"},
    {"\xe2\x80\xaf"
     "1.0\t\xe2\x80\xa9\n ",
     "1.0"}, /* U+202F, U+2029 */
    {"\xc2\xa0\xc2\x85\xe1\x9a\x80\xe2\x80\x80\xe2\x80\x8a\xe2\x81\x9f\xe3\x80\x80"
     "2.0\xe2\x80\xa8",
     "2.0"},
    /* already normal */
    {"1.0", "1.0"},
    {"1.0.0", "1.0.0"},
    {"0", "0"},
    {"3.1.0rc20241119", "3.1.0rc20241119"},
    {"3.1.0rc20241119.post1", "3.1.0rc20241119.post1"},
    {"3.12.0.dev20241119001", "3.12.0.dev20241119001"},
};

static void normalize_table(void **state)
{
    size_t i;
    for (i = 0; i < N(normal); i++) {
        char out[RK_PEP440_MAX_TEXT];
        struct rk_err e;
        rk_err_clear(&e);
        if (rk_pep440_normalize(normal[i].in, out, sizeof(out), &e) != 0)
            fail_msg("'%s' did not normalise: %s", normal[i].in, e.msg);
        if (strcmp(out, normal[i].out) != 0)
            fail_msg("'%s' normalised to '%s', want '%s'", normal[i].in, out, normal[i].out);
    }
}

static const struct pair equal[] = {
    {"1.0", "1.0.0"},
    {"1.0", "1.0.0.0.0"},
    {"1", "1.0"},
    {"1.0rc", "1.0rc0"},
    {"1.0c1", "1.0rc1"},
    {"1.0pre1", "1.0rc1"},
    {"1.0alpha1", "1.0a1"},
    {"1.0-1", "1.0.post1"},
    {"1.0r", "1.0.post0"},
    {"1.0+abc-5", "1.0+abc.5"},
    {"1.0+05", "1.0+5"},
    {"1.0+ABC", "1.0+abc"},
    {"1.0.0+abc", "1.0+abc"},
    {"v1.0", "1.0"},
    {"0!1.0", "1.0"},
    {"1.01", "1.1"},
    {"3.1.0rc20241119", "3.1rc20241119"},
    {"1.0+99999999999999999999999", "1.0+0099999999999999999999999"},
};

static void equal_pairs(void **state)
{
    size_t i;
    for (i = 0; i < N(equal); i++) {
        struct rk_pep440 a, b;
        parse_ok(equal[i].in, &a);
        parse_ok(equal[i].out, &b);
        if (rk_pep440_cmp(&a, &b) != 0 || rk_pep440_cmp(&b, &a) != 0)
            fail_msg("'%s' and '%s' should compare equal", equal[i].in, equal[i].out);
    }
}

static void numbers_compare_as_numbers(void **state)
{
    struct rk_pep440 a, b;
    parse_ok("3.10.0", &a);
    parse_ok("3.9.0", &b);
    assert_true(rk_pep440_cmp(&a, &b) > 0);
    assert_true(rk_pep440_cmp(&b, &a) < 0);
    parse_ok("1.0rc10", &a);
    parse_ok("1.0rc9", &b);
    assert_true(rk_pep440_cmp(&a, &b) > 0);
    parse_ok("1.0.dev10", &a);
    parse_ok("1.0.dev9", &b);
    assert_true(rk_pep440_cmp(&a, &b) > 0);
    parse_ok("1.0.post10", &a);
    parse_ok("1.0.post9", &b);
    assert_true(rk_pep440_cmp(&a, &b) > 0);
    parse_ok("10!0", &a);
    parse_ok("9!99", &b);
    assert_true(rk_pep440_cmp(&a, &b) > 0);
}

static void parse_fields(void **state)
{
    struct rk_pep440 v;
    parse_ok(" V1!02.3a4.post5.dev6+Loc_07-X ", &v);
    assert_int_equal(v.epoch, 1);
    assert_int_equal(v.nrelease, 2);
    assert_int_equal(v.release[0], 2);
    assert_int_equal(v.release[1], 3);
    assert_int_equal(v.pre_kind, 'a');
    assert_int_equal(v.pre, 4);
    assert_int_equal(v.has_post, 1);
    assert_int_equal(v.post, 5);
    assert_int_equal(v.has_dev, 1);
    assert_int_equal(v.dev, 6);
    assert_string_equal(v.local, "loc.7.x");

    parse_ok("2.0", &v);
    assert_int_equal(v.epoch, 0);
    assert_int_equal(v.nrelease, 2);
    assert_int_equal(v.pre_kind, 0);
    assert_int_equal(v.has_post, 0);
    assert_int_equal(v.has_dev, 0);
    assert_string_equal(v.local, "");

    parse_ok("1rc3", &v);
    assert_int_equal(v.pre_kind, 'r');
    parse_ok("1b", &v);
    assert_int_equal(v.pre_kind, 'b');
    assert_int_equal(v.pre, 0);
    parse_ok("9223372036854775807!9223372036854775807", &v);
    assert_true(v.epoch == INT64_MAX && v.release[0] == INT64_MAX);
}

static const struct {
    const char *v;
    int pre;
} prerelease[] = {
    {"1.0.dev0", 1},
    {"1.0.dev1", 1},
    {"1.0a1.dev1", 1},
    {"1.0rc1.dev1", 1},
    {"1.0a1", 1},
    {"1.0b1", 1},
    {"1.0c1", 1},
    {"1.0rc1", 1},
    {"1.0a1.post1.dev1", 1},
    {"1.0rc1.post1", 1},
    {"3.1.0rc20241119", 1},
    {"3.12.0.dev0+abc", 1},
    {"1.0.post1.dev2", 1},
    {"1.0", 0},
    {"1.0+dev", 0},
    {"1.0.post1", 0},
    {"1.0.post1+dev", 0},
    {"1!2.0", 0},
};

static void is_prerelease_table(void **state)
{
    size_t i;
    for (i = 0; i < N(prerelease); i++) {
        struct rk_pep440 v;
        parse_ok(prerelease[i].v, &v);
        if (rk_pep440_is_prerelease(&v) != prerelease[i].pre)
            fail_msg("is_prerelease('%s') should be %d", prerelease[i].v, prerelease[i].pre);
    }
}

static const struct pair finals[] = {
    {"3.1.0rc20241119", "3.1.0"},
    {"3.12.0.dev0+abc", "3.12.0"},
    {"3.12.0.dev20241119001+abc1234", "3.12.0"},
    {"1.0.post1.dev2", "1.0.post1"},
    {"1!2.0a1.post3.dev4+x.5", "1!2.0.post3"},
    {"1.0b2", "1.0"},
    {"1.0", "1.0"},
    {"1.0+local", "1.0"},
    {"1.0.post1", "1.0.post1"},
};

static void make_final_table(void **state)
{
    size_t i;
    for (i = 0; i < N(finals); i++) {
        struct rk_pep440 v, want;
        char out[RK_PEP440_MAX_TEXT];
        parse_ok(finals[i].in, &v);
        rk_pep440_make_final(&v);
        assert_int_equal(rk_pep440_format(&v, out, sizeof(out)), 0);
        if (strcmp(out, finals[i].out) != 0)
            fail_msg("make_final('%s') = '%s', want '%s'", finals[i].in, out, finals[i].out);
        assert_false(rk_pep440_is_prerelease(&v));
        parse_ok(finals[i].out, &want);
        assert_int_equal(rk_pep440_cmp(&v, &want), 0);
    }
}

static void cmp_release_ignores_trailing_zeros(void **state)
{
    static const struct {
        const char *a, *b;
        int want;
    } t[] = {
        {"1.0", "1.0.0", 0},   {"1", "1.0.0.0", 0},     {"3.10", "3.9", 1},
        {"3.9", "3.10", -1},   {"1.0.1", "1.0", 1},     {"1.0rc1", "1.0.post1", 0},
        {"1!1.0", "1.0", 0},   {"1.0+a", "1.0.0+b", 0}, {"0.0", "0", 0},
        {"2.0.0.0.1", "2", 1},
    };
    size_t i;
    for (i = 0; i < N(t); i++) {
        struct rk_pep440 a, b;
        parse_ok(t[i].a, &a);
        parse_ok(t[i].b, &b);
        if (sign(rk_pep440_cmp_release(&a, &b)) != t[i].want)
            fail_msg("cmp_release('%s', '%s') should be %d", t[i].a, t[i].b, t[i].want);
        assert_int_equal(sign(rk_pep440_cmp_release(&b, &a)), -t[i].want);
    }
}

/* Invalid inputs made of printable ASCII: the message quotes them verbatim. */
/* clang-format off */
static const char *const invalid[] = {
    "", " ", "1..0", "a", "1.0-", "1.0+", "1.0+a..b", "1.0 rc1 x", "1.0 rc1",
    "99999999999999999999999", "1.0a1a1", "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17",
    "french toast", "1.0+a+", "1.0++", "1.0+_foobar", "1.0+foo&asd", "1.0+1+1", "1. 0", "1 .0",
    "1.0a 1", ".", "..", "1.0.", ".1.0", "1..2.3", "1!", "1!a", "!1.0", "1!2!3", "v", "vv1.0",
    "1.0.post1.post2", "1.0dev1dev2", "1.0rc1rc2", "1.0+a.", "1.0+.a", "1.0+-a", "1.0.dev1a1",
    "1.0.post1a1", "1.0_1", "1.0--1", "1.0a..1", "1.0.post.dev.x", "1.0.rc1.", "1.0rc1-",
    "1.0.dev1-1", "1.0+a b", "-1.0", "+1.0", "1.0~rc1", "1,0", "9223372036854775808",
    "9223372036854775808!1.0", "1.9223372036854775808", "1.0a9223372036854775808",
    "1.0.post9223372036854775808", "1.0-9223372036854775808", "1.0.dev9223372036854775808",
    "1.0.dev18446744073709551616",
};
/* clang-format on */

static void check_invalid(const char *s, const char *shown, const char *why)
{
    struct rk_pep440 v;
    struct rk_err e;
    char want[RK_ERR_MAX];
    rk_err_clear(&e);
    if (rk_pep440_parse(s, &v, &e) != -1)
        fail_msg("'%s' should be rejected", shown);
    assert_int_equal(e.code, RK_INPUT);
    snprintf(want, sizeof(want), "invalid version '%s': ", shown);
    if (strncmp(e.msg, want, strlen(want)) != 0)
        fail_msg("message for '%s' does not quote it: %s", shown, e.msg);
    if (why && !strstr(e.msg, why))
        fail_msg("message for '%s' lacks '%s': %s", shown, why, e.msg);
    assert_null(strchr(e.msg, '\n'));
}

static void invalid_inputs(void **state)
{
    size_t i;
    for (i = 0; i < N(invalid); i++)
        check_invalid(invalid[i], invalid[i], NULL);
}

static void invalid_messages(void **state)
{
    check_invalid("", "", "empty version");
    check_invalid("a", "a", "expected a release number at offset 0, found 'a'");
    check_invalid("1..0", "1..0", "unexpected '.' at offset 1");
    check_invalid("1.0-", "1.0-", "unexpected '-' at offset 3");
    check_invalid("1.0+", "1.0+", "expected a local version segment at offset 4, found the end");
    check_invalid("1.0+a..b", "1.0+a..b", "expected a local version segment at offset 6");
    check_invalid("1.0a1a1", "1.0a1a1", "unexpected 'a' at offset 5");
    check_invalid("1.0 rc1 x", "1.0 rc1 x", "unexpected ' ' at offset 3");
    check_invalid("1!", "1!", "expected a release number after the epoch");
    check_invalid("99999999999999999999999", "99999999999999999999999", "number too large");
    check_invalid("1.0.post9223372036854775808", "1.0.post9223372036854775808", "number too large");
    check_invalid("1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17",
                  "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17", "more than 16 release components");
    check_invalid(NULL, "", "empty version");
}

static void invalid_bytes_are_escaped(void **state)
{
    check_invalid("\t\n", "\\x09\\x0a", "empty version");
    check_invalid("1.0\n2", "1.0\\x0a2", "unexpected '\\x0a' at offset 3");
    check_invalid("1.0\x01", "1.0\\x01", "unexpected '\\x01' at offset 3");
    check_invalid("1.0+\xc4\xb0", "1.0+\\xc4\\xb0", "found '\\xc4'"); /* U+0130: not [a-z] */
    check_invalid("\xd9\xa0.1", "\\xd9\\xa0.1", "expected a release number"); /* Arabic zero */
    check_invalid("1.0\xc2\xa0rc1", "1.0\\xc2\\xa0rc1", "unexpected '\\xc2' at offset 3");
}

static void long_garbage_is_cut_in_messages(void **state)
{
    static char s[5000];
    struct rk_pep440 v;
    struct rk_err e;
    memset(s, 'x', sizeof(s) - 1);
    rk_err_clear(&e);
    assert_int_equal(rk_pep440_parse(s, &v, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_true(strncmp(e.msg, "invalid version 'xxxx", 21) == 0);
    assert_non_null(strstr(e.msg, "...': expected a release number at offset 0, found 'x'"));
    assert_true(strlen(e.msg) < 400);
    memset(s, 0, sizeof(s));
    memset(s, '\x01', 1000);
    rk_err_clear(&e);
    assert_int_equal(rk_pep440_parse(s, &v, &e), -1);
    assert_non_null(strstr(e.msg, "\\x01\\x01...': expected a release number at offset 0, found "
                                  "'\\x01'"));
    assert_true(strlen(e.msg) < 400);
}

static void release_component_limit(void **state)
{
    struct rk_pep440 v;
    char out[RK_PEP440_MAX_TEXT];
    parse_ok("1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16", &v);
    assert_int_equal(v.nrelease, RK_PEP440_MAX_RELEASE);
    assert_int_equal(v.release[15], 16);
    assert_int_equal(rk_pep440_format(&v, out, sizeof(out)), 0);
    assert_string_equal(out, "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16");
}

/* Build "N.N.....N.postP": 12 release components of 19 digits and a post number of plen digits. */
static void long_version(char *s, size_t n, size_t plen)
{
    size_t i, o = 0;
    for (i = 0; i < 12; i++)
        o += (size_t)snprintf(s + o, n - o, "%s9223372036854775807", i ? "." : "");
    o += (size_t)snprintf(s + o, n - o, ".post");
    for (i = 0; i < plen; i++)
        s[o++] = (char)('1' + i % 9);
    s[o] = '\0';
}

static void normalised_text_fits_max_text(void **state)
{
    char s[512], out[RK_PEP440_MAX_TEXT];
    struct rk_pep440 v;
    struct rk_err e;
    long_version(s, sizeof(s), 11);
    assert_int_equal(strlen(s), RK_PEP440_MAX_TEXT - 1);
    parse_ok(s, &v);
    assert_int_equal(rk_pep440_format(&v, out, sizeof(out)), 0);
    assert_string_equal(out, s);
    long_version(s, sizeof(s), 12);
    check_invalid(s, s, "longer than 255 characters once normalised");
    /* the largest release the struct holds does not fit RK_PEP440_MAX_TEXT */
    s[0] = '\0';
    for (size_t i = 0; i < RK_PEP440_MAX_RELEASE; i++)
        strcat(s, i ? ".9223372036854775807" : "9223372036854775807");
    rk_err_clear(&e);
    assert_int_equal(rk_pep440_parse(s, &v, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
}

static void local_label_limit(void **state)
{
    char s[200], want[200];
    struct rk_pep440 v;
    memset(s, 0, sizeof(s));
    strcpy(s, "1.0+");
    memset(s + 4, 'a', RK_PEP440_MAX_LOCAL - 1);
    parse_ok(s, &v);
    assert_int_equal(strlen(v.local), RK_PEP440_MAX_LOCAL - 1);
    s[4 + RK_PEP440_MAX_LOCAL - 1] = 'a';
    check_invalid(s, s, "local version label longer than 127 characters");
    /* leading zeros do not count: they are dropped */
    memset(s, 0, sizeof(s));
    strcpy(s, "1.0+");
    memset(s + 4, '0', 150);
    s[154] = '7';
    parse_ok(s, &v);
    assert_string_equal(v.local, "7");
    /* separators count once normalised: 63 "a." pairs + "a" = 127 */
    memset(s, 0, sizeof(s));
    strcpy(s, "1.0+");
    for (int i = 0; i < 63; i++)
        strcat(s, "A-");
    strcat(s, "a");
    parse_ok(s, &v);
    assert_int_equal(strlen(v.local), 127);
    strcat(s, "_b");
    snprintf(want, sizeof(want), "%s", s);
    check_invalid(s, want, "longer than 127 characters");
}

static void format_needs_room(void **state)
{
    struct rk_pep440 v;
    struct rk_err e;
    char out[16];
    parse_ok("1.0rc1", &v);
    assert_int_equal(rk_pep440_format(&v, out, 6), -1);
    assert_string_equal(out, "");
    assert_int_equal(rk_pep440_format(&v, out, 7), 0);
    assert_string_equal(out, "1.0rc1");
    assert_int_equal(rk_pep440_format(&v, out, 0), -1);
    parse_ok("1.0+abc", &v);
    assert_int_equal(rk_pep440_format(&v, out, 7), -1);
    assert_int_equal(rk_pep440_format(&v, out, 8), 0);
    assert_string_equal(out, "1.0+abc");
    rk_err_clear(&e);
    assert_int_equal(rk_pep440_normalize("1.0.post12", out, 8, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_string_equal(e.msg, "version '1.0.post12' does not fit in 8 bytes once normalised");
    rk_err_clear(&e);
    assert_int_equal(rk_pep440_normalize("x", out, sizeof(out), &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_int_equal(rk_pep440_parse("x", &v, NULL), -1); /* no error object: still -1 */
}

/* Every valid vector: format is idempotent and parse(format(v)) == v. */
static void round_trip_list(const char *const *list, size_t n, size_t stride)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const char *s = *(const char *const *)((const char *)list + i * stride);
        struct rk_pep440 a, b;
        char t1[RK_PEP440_MAX_TEXT], t2[RK_PEP440_MAX_TEXT];
        parse_ok(s, &a);
        assert_int_equal(rk_pep440_format(&a, t1, sizeof(t1)), 0);
        parse_ok(t1, &b);
        if (rk_pep440_cmp(&a, &b) != 0)
            fail_msg("'%s' -> '%s' does not compare equal", s, t1);
        assert_int_equal(rk_pep440_format(&b, t2, sizeof(t2)), 0);
        if (strcmp(t1, t2) != 0)
            fail_msg("format not idempotent: '%s' -> '%s' -> '%s'", s, t1, t2);
    }
}

static void round_trips(void **state)
{
    round_trip_list(pep_order, N(pep_order), sizeof(pep_order[0]));
    round_trip_list(project_order, N(project_order), sizeof(project_order[0]));
    round_trip_list(local_order, N(local_order), sizeof(local_order[0]));
    round_trip_list(&normal[0].in, N(normal), sizeof(normal[0]));
    round_trip_list(&equal[0].in, N(equal), sizeof(equal[0]));
    round_trip_list(&equal[0].out, N(equal), sizeof(equal[0]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_pep_summary),
        cmocka_unit_test(order_packaging_list),
        cmocka_unit_test(order_project_schemes),
        cmocka_unit_test(order_local_labels),
        cmocka_unit_test(normalize_table),
        cmocka_unit_test(equal_pairs),
        cmocka_unit_test(numbers_compare_as_numbers),
        cmocka_unit_test(parse_fields),
        cmocka_unit_test(is_prerelease_table),
        cmocka_unit_test(make_final_table),
        cmocka_unit_test(cmp_release_ignores_trailing_zeros),
        cmocka_unit_test(invalid_inputs),
        cmocka_unit_test(invalid_messages),
        cmocka_unit_test(invalid_bytes_are_escaped),
        cmocka_unit_test(long_garbage_is_cut_in_messages),
        cmocka_unit_test(release_component_limit),
        cmocka_unit_test(normalised_text_fits_max_text),
        cmocka_unit_test(local_label_limit),
        cmocka_unit_test(format_needs_room),
        cmocka_unit_test(round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
