/* unit tests: strict JSON (rk_json_check, rk_json_parse, rk_context_read: findings F1-F4),
 * messages (rk_log_shorten, control characters on log lines, long error messages: F13, F14),
 * rk_json_type_name, and a version file that is no longer an object when written */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"
#include "versionfile.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/relkit-unit-json.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* rk_json_parse refuses text (of n bytes) with RK_INPUT and a message holding want */
static void refused(const char *text, size_t n, const char *want)
{
    struct rk_err e;
    json_object *o = (json_object *)1;
    rk_err_clear(&e);
    if (rk_json_parse(text, n, "input", &o, &e) == 0)
        fail_msg("accepted: '%.*s'", (int)n, text);
    assert_null(o);
    assert_int_equal(e.code, RK_INPUT);
    if (!strstr(e.msg, want) || !strstr(e.msg, "invalid JSON in input: "))
        fail_msg("'%.*s': message '%s' without '%s'", (int)n, text, e.msg, want);
}

#define REFUSED(lit, want) refused(lit, sizeof(lit) - 1, want)

static void lenient_syntax_is_refused(void **state)
{
    (void)state;
    REFUSED("{\"x\": NaN}", "NaN or Infinity at byte 6");
    REFUSED("[Infinity]", "NaN or Infinity at byte 1");
    REFUSED("[-Infinity]", "invalid number at byte 2");
    REFUSED("{'a': 1}", "single quote (strings take double quotes) at byte 1");
    REFUSED("{/* c */}", "comment at byte 1");
    REFUSED("[1] // c", "trailing data at byte 4");
    REFUSED("[1,]", "unexpected character ']' at byte 3");
    REFUSED("{\"a\": 1,}", "unexpected character '}' at byte 8");
    REFUSED("[TRUE]", "unexpected character 'T' at byte 1");
    REFUSED("[01]", "leading zero in a number at byte 2");
    REFUSED("[1.]", "invalid number at byte 3");
    REFUSED("[1e]", "invalid number at byte 3");
    REFUSED("[.5]", "unexpected character '.' at byte 1");
    REFUSED("[+1]", "unexpected character '+' at byte 1");
    REFUSED("{\"a\" 1}", "unexpected character '1' at byte 5");
    REFUSED("[\"\\x\"]", "invalid escape at byte 3");
    REFUSED("[\"\\u12g4\"]", "invalid \\u escape at byte 3");
}

static void strings_are_utf8_without_controls(void **state)
{
    (void)state;
    REFUSED("[\"a\x01\"]", "control character in a string at byte 3");
    REFUSED("[\"a\tb\"]", "control character in a string at byte 3");
    REFUSED("[\"\x80\"]", "invalid UTF-8 at byte 2");
    REFUSED("[\"\xc0\xaf\"]", "invalid UTF-8 at byte 2");         /* overlong '/' */
    REFUSED("[\"\xed\xa0\x80\"]", "invalid UTF-8 at byte 2");     /* a surrogate */
    REFUSED("[\"\xf4\x90\x80\x80\"]", "invalid UTF-8 at byte 2"); /* over U+10FFFF */
    REFUSED("[\"\xe2\x82\"]", "invalid UTF-8 at byte 2");         /* cut */
}

/* rk_json_check reads plain string bytes 16 (SSE2) or 8 at a time, then one by one: a byte
 * that needs a look is found at every offset of a long string, whatever follows it, and the
 * message names its position */
static void strings_checked_at_every_offset(void **state)
{
    static const struct {
        const char *bytes, *want; /* want NULL: accepted */
    } cases[] = {
        {"\x01", "control character in a string"},
        {"\x1f", "control character in a string"},
        {"\x80", "invalid UTF-8"},
        {"\xff", "invalid UTF-8"},
        {"\xc3", "invalid UTF-8"},
        {"\\q", "invalid escape"},
        {"\"x", "unexpected character 'x'"},
        {"\xc3\xa9", NULL},
        {"\\\"", NULL},
        {"\\u00e9", NULL},
        {"\x7f", NULL},
        {" ~", NULL},
    };
    static const char plain[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP";
    (void)state;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        for (size_t at = 0; at < 40; at++) {
            for (int after = 0; after <= 34; after += 17) {
                char text[128], want[96];
                struct rk_err e;
                size_t n = (size_t)snprintf(text, sizeof(text), "[\"%.*s%s%.*s\"]", (int)at, plain,
                                            cases[c].bytes, after, plain);
                rk_err_clear(&e);
                if (!cases[c].want) {
                    assert_int_equal(rk_json_check(text, n, "input", &e), 0);
                    continue;
                }
                snprintf(want, sizeof(want), "%s at byte %zu", cases[c].want,
                         at + 2 + (cases[c].bytes[0] == '"' || cases[c].bytes[0] == '\\'));
                refused(text, n, want);
            }
        }
    }
}

/* a string cut anywhere (no byte after the text: a sanitizer build sees a read past its
 * end) is refused */
static void strings_cut_at_every_offset(void **state)
{
    static const char text[] = "[\"abcdefghijklmnopqrstuvwxyz0123456789\\n\xc3\xa9"
                               "abcdefghijklmnopqrstuvwxyz\"]";
    (void)state;
    for (size_t n = 2; n < sizeof(text) - 3; n++) {
        char *copy = malloc(n);
        assert_non_null(copy);
        memcpy(copy, text, n);
        /* a cut UTF-8 sequence is invalid UTF-8, a cut escape the end of data */
        refused(copy, n, text[n - 1] == '\xc3' ? "invalid UTF-8" : "unexpected end of data");
        free(copy);
    }
}

static void nul_bytes_are_refused(void **state)
{
    (void)state;
    REFUSED("\0\0\0\0", "NUL byte at byte 0");
    REFUSED("{}\0", "trailing data at byte 2");
    REFUSED("[\"a\0b\"]", "NUL byte at byte 3");
    REFUSED(" \0 {}", "NUL byte at byte 1");
}

static void integers_beyond_64_bits_are_refused(void **state)
{
    struct rk_err e;
    json_object *o;
    (void)state;
    REFUSED("{\"x\": 123456789012345678901234567890}", "integer out of the 64-bit range at byte 6");
    REFUSED("[18446744073709551616]", "integer out of the 64-bit range at byte 1");
    REFUSED("[-9223372036854775809]", "integer out of the 64-bit range at byte 1");
    static const char ok[] = "[18446744073709551615, -9223372036854775808, 1e400, -0.5E-3]";
    rk_err_clear(&e);
    assert_int_equal(rk_json_parse(ok, sizeof(ok) - 1, "input", &o, &e), 0);
    assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
                        "[18446744073709551615,-9223372036854775808,1e400,-0.5E-3]");
    json_object_put(o);
}

static void truncation_and_depth(void **state)
{
    char deep[2 * RK_JSON_DEPTH + 3];
    struct rk_err e;
    json_object *o;
    (void)state;
    REFUSED("", "unexpected end of data");
    REFUSED("{\"a\": [1, {\"b\": \"x", "unexpected end of data");
    REFUSED("[1", "unexpected end of data");
    REFUSED("[tru", "unexpected end of data");
    REFUSED("{\"a\"", "unexpected end of data");
    /* RK_JSON_DEPTH levels are fine, one more is too deep */
    memset(deep, '[', RK_JSON_DEPTH);
    memset(deep + RK_JSON_DEPTH, ']', RK_JSON_DEPTH);
    rk_err_clear(&e);
    assert_int_equal(rk_json_parse(deep, 2 * RK_JSON_DEPTH, "input", &o, &e), 0);
    json_object_put(o);
    memset(deep, '[', RK_JSON_DEPTH + 1);
    memset(deep + RK_JSON_DEPTH + 1, ']', RK_JSON_DEPTH + 1);
    refused(deep, 2 * RK_JSON_DEPTH + 2, "nesting too deep");
}

static void json_text_is_accepted(void **state)
{
    static const char text[] =
        " {\"a\": [true, false, null, -0, 0.25, 1E+2, \"\\u00e9\\ud83d\\ude00"
        "\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\xc3\xa9\xf0\x9f\x98\x80\x7f\"],"
        " \"b\": {}, \"c\": []}\r\n\t ";
    struct rk_err e;
    json_object *o;
    (void)state;
    rk_err_clear(&e);
    assert_int_equal(rk_json_check(text, sizeof(text) - 1, "input", &e), 0);
    assert_int_equal(rk_json_parse(text, sizeof(text) - 1, "input", &o, &e), 0);
    assert_int_equal(e.code, RK_OK);
    assert_non_null(rk_json_array(o, "a"));
    json_object_put(o);
}

static void null_document_is_not_success(void **state)
{
    char *path = rk_path_join(tmpdir, "null.json");
    struct rk_err e;
    json_object *o = (json_object *)1;
    (void)state;
    rk_err_clear(&e);
    /* rk_json_parse: a success without an object; the caller checks the type */
    assert_int_equal(rk_json_parse(" null\n", 6, "input", &o, &e), 0);
    assert_null(o);
    assert_int_equal(e.code, RK_OK);
    /* a context: not an object */
    assert_int_equal(rk_write_file_atomic(path, "null", 4, 0644, &e), 0);
    assert_int_equal(rk_context_read(path, "files", &o, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_non_null(strstr(e.msg, ": the context must be a JSON object"));
    assert_null(strstr(e.msg, "success"));
    free(path);
}

static void nul_context_is_not_blank(void **state)
{
    char *path = rk_path_join(tmpdir, "zeros.json");
    struct rk_err e;
    json_object *o = NULL;
    (void)state;
    rk_err_clear(&e);
    assert_int_equal(rk_write_file_atomic(path, "\0\0\0\0\t ", 6, 0644, &e), 0);
    assert_int_equal(rk_context_read(path, NULL, &o, &e), -1);
    assert_null(o);
    assert_int_equal(e.code, RK_INPUT);
    assert_non_null(strstr(e.msg, "NUL byte at byte 0"));
    rk_err_clear(&e);
    assert_int_equal(rk_write_file_atomic(path, " \r\n\t", 4, 0644, &e), 0);
    assert_int_equal(rk_context_read(path, NULL, &o, &e), 0); /* blank: {} */
    assert_int_equal(json_object_object_length(o), 0);
    json_object_put(o);
    free(path);
}

static void type_names(void **state)
{
    json_object *o = json_tokener_parse("[true, 1, 1.5, \"s\", [], {}, null]");
    static const char *const want[] = {"a boolean", "a number",  "a number", "a string",
                                       "an array",  "an object", "null"};
    (void)state;
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(rk_json_type_name(json_object_array_get_idx(o, i)), want[i]);
    assert_string_equal(rk_json_type_name(NULL), "null");
    json_object_put(o);
}

static void shorten_keeps_the_reason(void **state)
{
    char s[8000], big[6000];
    (void)state;
    /* short: unchanged */
    strcpy(s, "template 'abc' expands to more than 255 bytes");
    rk_log_shorten(s, 1024);
    assert_string_equal(s, "template 'abc' expands to more than 255 bytes");
    /* a long quoted value: its first RK_LOG_QUOTE_MAX bytes and "..." */
    memset(big, 'x', 5000);
    big[5000] = '\0';
    snprintf(s, sizeof(s), "template '%s' expands to more than 255 bytes", big);
    rk_log_shorten(s, 1024);
    assert_true(strlen(s) < 1024);
    assert_non_null(strstr(s, "'xxxxxxxxxx"));
    assert_non_null(strstr(s, "...' expands to more than 255 bytes"));
    assert_int_equal(strlen(s),
                     strlen("template '' expands to more than 255 bytes") + RK_LOG_QUOTE_MAX + 3);
    /* no quote: the middle goes, the end stays */
    memset(big, 'y', 5000);
    snprintf(s, sizeof(s), "start %s the reason", big);
    rk_log_shorten(s, 100);
    assert_true(strlen(s) < 100);
    assert_int_equal(strncmp(s, "start yy", 8), 0);
    assert_non_null(strstr(s, "y ... y"));
    assert_non_null(strstr(s, "yy the reason"));
    /* a UTF-8 character is not split */
    memset(big, 0, sizeof(big));
    for (size_t i = 0; i < 3000; i += 2)
        memcpy(big + i, "\xc3\xa9", 2);
    snprintf(s, sizeof(s), "'x%s' reason", big);
    rk_log_shorten(s, 200);
    assert_non_null(strstr(s, "\xc3\xa9...' reason"));
}

static void long_error_keeps_the_reason(void **state)
{
    char big[5001];
    struct rk_err e;
    (void)state;
    memset(big, 'x', 5000);
    big[5000] = '\0';
    rk_err_clear(&e);
    rk_err_set(&e, RK_INPUT, "template '%s' expands to more than %d bytes", big, 255);
    assert_non_null(strstr(e.msg, "...' expands to more than 255 bytes"));
    assert_true(strlen(e.msg) < 200);
    /* a message that fits keeps its long value whole */
    memset(big, 'x', 500);
    big[500] = '\0';
    rk_err_clear(&e);
    rk_err_set(&e, RK_INPUT, "bad '%s'", big);
    assert_int_equal(strlen(e.msg), 500 + 6);
}

static void log_lines_escape_control_characters(void **state)
{
    char *path = rk_path_join(tmpdir, "stderr.txt");
    struct rk_buf b;
    struct rk_err e;
    int saved = dup(2), fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    (void)state;
    rk_err_clear(&e);
    rk_log_init("tool");
    dup2(fd, 2);
    rk_log_error("invalid tag 'v1\x1b[2J\x01\x7f'\r\nnext\tline");
    fflush(stderr);
    dup2(saved, 2);
    close(fd);
    close(saved);
    rk_buf_init(&b, 0);
    assert_int_equal(rk_read_file(path, &b, &e), 0);
    assert_string_equal(rk_buf_cstr(&b),
                        "tool: error: invalid tag 'v1\\x1b[2J\\x01\\x7f'  next\tline\n");
    rk_buf_release(&b);
    free(path);
}

static void version_file_no_longer_an_object(void **state)
{
    char *path = rk_path_join(tmpdir, "version.json");
    struct rk_vfiles f;
    struct rk_err e;
    (void)state;
    rk_err_clear(&e);
    rk_vfiles_init(&f);
    assert_int_equal(rk_write_file_atomic(path, "{\"package-version\": \"1.2.3\"}", 28, 0644, &e),
                     0);
    assert_int_equal(rk_vfiles_add(&f, path, &e), 0);
    /* replaced by a JSON array between reading and writing */
    assert_int_equal(rk_write_file_atomic(path, "[1]", 3, 0644, &e), 0);
    assert_int_equal(rk_vfile_write(&f.v[0], "1.2.4", &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_non_null(strstr(e.msg, "': not a JSON object"));
    rk_vfiles_release(&f);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lenient_syntax_is_refused),
        cmocka_unit_test(strings_are_utf8_without_controls),
        cmocka_unit_test(strings_checked_at_every_offset),
        cmocka_unit_test(strings_cut_at_every_offset),
        cmocka_unit_test(nul_bytes_are_refused),
        cmocka_unit_test(integers_beyond_64_bits_are_refused),
        cmocka_unit_test(truncation_and_depth),
        cmocka_unit_test(json_text_is_accepted),
        cmocka_unit_test(null_document_is_not_success),
        cmocka_unit_test(nul_context_is_not_blank),
        cmocka_unit_test(type_names),
        cmocka_unit_test(shorten_keeps_the_reason),
        cmocka_unit_test(long_error_keeps_the_reason),
        cmocka_unit_test(log_lines_escape_control_characters),
        cmocka_unit_test(version_file_no_longer_an_object),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
