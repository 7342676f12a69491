/* unit tests: err, buf, digest, cli parsing helpers */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "digest.h"
#include "err.h"

static void err_first_cause_wins(void **state)
{
    struct rk_err e;
    rk_err_clear(&e);
    assert_int_equal(rk_err_set(&e, RK_INPUT, "invalid tag '%s'", "x y"), -1);
    assert_int_equal(rk_err_set(&e, RK_SYSTEM, "later"), -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_string_equal(e.msg, "invalid tag 'x y'");
    rk_err_prefix(&e, "release '%s'", "v1");
    assert_string_equal(e.msg, "release 'v1': invalid tag 'x y'");
    assert_int_equal(rk_err_set(NULL, RK_INPUT, "ignored"), -1);
}

static void err_errno_appends_strerror(void **state)
{
    struct rk_err e;
    rk_err_clear(&e);
    errno = ENOENT;
    rk_err_errno(&e, RK_SYSTEM, "unable to open '%s'", "a.whl");
    assert_int_equal(e.code, RK_SYSTEM);
    assert_string_equal(e.msg, "unable to open 'a.whl': No such file or directory");
    assert_string_equal(rk_exit_name(RK_TRANSIENT), "transient remote failure");
}

static void buf_cap_is_enforced(void **state)
{
    struct rk_buf b;
    rk_buf_init(&b, 8);
    assert_string_equal(rk_buf_cstr(&b), "");
    assert_int_equal(rk_buf_puts(&b, "12345"), 0);
    assert_int_equal(rk_buf_printf(&b, "%d", 678), 0);
    assert_string_equal(rk_buf_cstr(&b), "12345678");
    errno = 0;
    assert_int_equal(rk_buf_puts(&b, "9"), -1);
    assert_int_equal(errno, EFBIG);
    assert_int_equal(b.len, 8);
    assert_int_equal(rk_buf_printf(&b, "x"), -1);
    rk_buf_reset(&b);
    assert_int_equal(b.len, 0);
    rk_buf_release(&b);
}

static void buf_grows_and_detaches(void **state)
{
    struct rk_buf b;
    size_t len;
    char *p;
    rk_buf_init(&b, 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(rk_buf_printf(&b, "%04d", i), 0);
    assert_int_equal(b.len, 4000);
    assert_memory_equal(b.data + 3996, "0999", 4);
    p = rk_buf_detach(&b, &len);
    assert_int_equal(len, 4000);
    assert_null(b.data);
    free(p);
}

static void digest_known_vectors(void **state)
{
    unsigned char d[RK_SHA256_LEN];
    char hex[RK_SHA256_HEX_LEN], b64[RK_SHA256_B64_LEN];
    struct rk_err e;
    rk_err_clear(&e);
    assert_int_equal(rk_sha256_buf("abc", 3, d, &e), 0);
    rk_hex(d, sizeof(d), hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    rk_b64url_nopad(d, sizeof(d), b64);
    assert_string_equal(b64, "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    assert_int_equal(rk_sha256_buf("", 0, d, &e), 0);
    rk_b64url_nopad(d, sizeof(d), b64);
    assert_string_equal(b64, "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
}

static void digest_unhex_and_b64(void **state)
{
    unsigned char out[3];
    char b[16];
    assert_int_equal(rk_unhex("00ffA0", out, 3), 0);
    assert_int_equal(out[1], 0xff);
    assert_int_equal(out[2], 0xa0);
    assert_int_equal(rk_unhex("00ffA", out, 3), -1);
    assert_int_equal(rk_unhex("00ffA0aa", out, 3), -1);
    assert_int_equal(rk_unhex("zz0000", out, 3), -1);
    rk_b64_std((const unsigned char *)"user:pw", 7, b);
    assert_string_equal(b, "dXNlcjpwdw==");
    rk_b64_std((const unsigned char *)"ab", 2, b);
    assert_string_equal(b, "YWI=");
    rk_b64url_nopad((const unsigned char *)"\xfb\xff", 2, b);
    assert_string_equal(b, "-_8");
}

static void cli_numbers_and_durations(void **state)
{
    int64_t v;
    assert_int_equal(rk_parse_int("42", 0, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(rk_parse_int("101", 0, 100, &v), -1);
    assert_int_equal(rk_parse_int("4x", 0, 100, &v), -1);
    assert_int_equal(rk_parse_int("", 0, 100, &v), -1);
    assert_int_equal(rk_parse_int(" 4", 0, 100, &v), -1);
    assert_int_equal(rk_parse_duration("180d", &v), 0);
    assert_int_equal(v, 180 * 86400);
    assert_int_equal(rk_parse_duration("90", &v), 0);
    assert_int_equal(v, 90);
    assert_int_equal(rk_parse_duration("2w", &v), 0);
    assert_int_equal(v, 14 * 86400);
    assert_int_equal(rk_parse_duration("3y", &v), -1);
    assert_int_equal(rk_parse_duration("d", &v), -1);
    assert_int_equal(rk_parse_duration("1dd", &v), -1);
    assert_int_equal(rk_parse_duration("99999999999999999999d", &v), -1);
}

struct parse_seen {
    const char *x;
    int calls;
};

static int parse_tool_option(void *ctx, int opt, const char *arg)
{
    struct parse_seen *seen = ctx;
    seen->calls++;
    if (opt != 'x')
        return RK_USAGE;
    if (strcmp(arg, "bad") == 0)
        return RK_INPUT;
    seen->x = arg;
    return 0;
}

static int parse(struct rk_cli *c, struct parse_seen *seen, int argc, char **argv)
{
    static const struct option longopts[] = {RK_CLI_LONGOPTS, {"ex", required_argument, NULL, 'x'},
                                             {NULL, 0, NULL, 0}};
    memset(seen, 0, sizeof(*seen));
    rk_cli_init(c, "tool", "usage: tool\n");
    optind = 0; /* full getopt reset between parses */
    return rk_cli_parse(c, argc, argv, RK_CLI_SHORTOPTS "x:", longopts, parse_tool_option, seen);
}

static void cli_parse_routes_options(void **state)
{
    char *ok[] = {"tool", "--dry-run", "-x", "5", "--ex=6", "operand", NULL};
    char *bad[] = {"tool", "--ex", "bad", "-x", "7", NULL};
    char *version[] = {"tool", "--version", "-x", "8", NULL};
    struct rk_cli c;
    struct parse_seen seen;
    assert_int_equal(parse(&c, &seen, 6, ok), 0);
    assert_true(c.dry_run);
    assert_int_equal(seen.calls, 2);
    assert_string_equal(seen.x, "6");
    assert_string_equal(ok[optind], "operand");
    /* the tool's exit code stops the parse at once */
    assert_int_equal(parse(&c, &seen, 5, bad), RK_INPUT);
    assert_int_equal(seen.calls, 1);
    /* --version answered: RK_CLI_DONE, nothing after it is parsed */
    assert_int_equal(parse(&c, &seen, 4, version), RK_CLI_DONE);
    assert_int_equal(seen.calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(err_first_cause_wins),     cmocka_unit_test(err_errno_appends_strerror),
        cmocka_unit_test(buf_cap_is_enforced),      cmocka_unit_test(buf_grows_and_detaches),
        cmocka_unit_test(digest_known_vectors),     cmocka_unit_test(digest_unhex_and_b64),
        cmocka_unit_test(cli_numbers_and_durations), cmocka_unit_test(cli_parse_routes_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
