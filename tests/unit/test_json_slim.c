/* unit tests: json_slim.h - the slim parse equals the whole parse cut down to the spec, for
 * the shapes of a releases list and for the odd ones (escapes, wrong types, duplicates, deep
 * nesting, unicode, blanks), and it refuses what rk_json_check refuses with its very error
 * wherever the fault is (the slim pass checks and extracts at once: every level it walks
 * itself is covered). Texts are copied into buffers of their exact size (no NUL after them),
 * so that a sanitizer build sees any read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json_slim.h"
#include "jsonio.h"

static const char *const rel_keys[] = {"id", "tag_name", "draft", NULL};
static const char *const asset_keys[] = {"id", "name", "size", NULL};
static const struct rk_json_spec asset_spec = {asset_keys, NULL, NULL};
static const struct rk_json_spec rel_spec = {rel_keys, "assets", &asset_spec};
/* a spec that is its own child: the slim pass walks every level of "c" arrays of objects */
static const char *const chain_keys[] = {"id", NULL};
static const struct rk_json_spec chain_spec = {chain_keys, "c", &chain_spec};
/* a nested key that is kept too, a key listed twice */
static const char *const both_keys[] = {"id", "assets", "id", "x", NULL};
static const struct rk_json_spec both_spec = {both_keys, "assets", &asset_spec};
/* more keys than the slim pass tracks by bits (32) */
static const char *const many_keys[] = {
    "k0",  "k1",  "k2",  "k3",  "k4",  "k5",  "k6",  "k7",  "k8",  "k9",  "k10", "k11", "k12",
    "k13", "k14", "k15", "k16", "k17", "k18", "k19", "k20", "k21", "k22", "k23", "k24", "k25",
    "k26", "k27", "k28", "k29", "k30", "k31", "k32", "k33", "sub", "k33", NULL};
static const struct rk_json_spec many_spec = {many_keys, "sub", &many_spec};

/* rk_json_slim(text) and rk_json_cut(rk_json_parse(text)) print the same, and so does
 * rk_json_slim of the text it kept (what the ETag cache stores), which is no longer */
/* text (n bytes) in a buffer of its size, owned */
static char *exact(const char *text, size_t n)
{
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    memcpy(p, text, n);
    return p;
}

static void same_as_cut_n(const char *text, size_t n, const struct rk_json_spec *spec)
{
    struct rk_err e;
    struct rk_buf kept;
    json_object *slim = NULL, *whole = NULL, *cut, *again = NULL, *bare = NULL;
    char *copy = exact(text, n);
    rk_err_clear(&e);
    rk_buf_init(&kept, 0);
    if (rk_json_slim(copy, n, "t", spec, &slim, &kept, &e) != 0)
        fail_msg("refused (%s): '%.*s'", e.msg, (int)n, text);
    assert_int_equal(rk_json_slim(copy, n, "t", spec, &bare, NULL, &e), 0);
    assert_int_equal(rk_json_parse(copy, n, "t", &whole, &e), 0);
    free(copy);
    cut = rk_json_cut(whole, spec);
    assert_string_equal(json_object_to_json_string_ext(bare, JSON_C_TO_STRING_PLAIN),
                        json_object_to_json_string_ext(cut, JSON_C_TO_STRING_PLAIN));
    json_object_put(bare);
    assert_string_equal(json_object_to_json_string_ext(slim, JSON_C_TO_STRING_PLAIN),
                        json_object_to_json_string_ext(cut, JSON_C_TO_STRING_PLAIN));
    assert_true(kept.len <= n);
    assert_int_equal(rk_json_slim(rk_buf_cstr(&kept), kept.len, "t", spec, &again, NULL, &e), 0);
    assert_string_equal(json_object_to_json_string_ext(again, JSON_C_TO_STRING_PLAIN),
                        json_object_to_json_string_ext(cut, JSON_C_TO_STRING_PLAIN));
    json_object_put(slim);
    json_object_put(again);
    json_object_put(cut);
    json_object_put(whole);
    rk_buf_release(&kept);
}

static void same_as_cut(const char *text)
{
    same_as_cut_n(text, strlen(text), &rel_spec);
}

/* rk_json_slim refuses text (n bytes) with rk_json_check's code and message, nothing out and
 * nothing kept */
static void same_error(const char *text, size_t n, const struct rk_json_spec *spec)
{
    struct rk_err ec, es;
    struct rk_buf kept;
    json_object *o = (json_object *)1;
    char *copy = exact(text, n);
    rk_err_clear(&ec);
    rk_err_clear(&es);
    rk_buf_init(&kept, 0);
    assert_int_equal(rk_buf_puts(&kept, "before"), 0);
    if (rk_json_check(copy, n, "t", &ec) == 0)
        fail_msg("valid: '%.*s'", (int)n, text);
    assert_int_equal(rk_json_slim(copy, n, "t", spec, &o, &kept, &es), -1);
    free(copy);
    assert_null(o);
    assert_int_equal(es.code, ec.code);
    assert_string_equal(es.msg, ec.msg);
    assert_string_equal(rk_buf_cstr(&kept), "before");
    rk_buf_release(&kept);
}

/* same_as_cut or same_error, as rk_json_check says */
static void same_either_way(const char *text, size_t n, const struct rk_json_spec *spec)
{
    struct rk_err e;
    char *copy = exact(text, n);
    int ok = rk_json_check(copy, n, "t", &e) == 0;
    free(copy);
    if (ok)
        same_as_cut_n(text, n, spec);
    else
        same_error(text, n, spec);
}

static void release_pages(void **state)
{
    (void)state;
    same_as_cut("[{\"url\": \"u\", \"id\": 17, \"author\": {\"login\": \"x\", \"id\": 3}, "
                "\"tag_name\": \"v1\", \"draft\": false, \"body\": \"a \\\"quoted\\\" }] body\", "
                "\"assets\": [{\"id\": 5, \"name\": \"a.whl\", \"size\": 3, \"uploader\": "
                "{\"id\": 9}, \"label\": null}, {\"id\": 6, \"name\": \"b\", \"size\": 0}]}, "
                "{\"id\": 18, \"tag_name\": \"v2\", \"assets\": []}]");
    same_as_cut("  [ ]  ");
    same_as_cut("{\"id\": 17, \"tag_name\": \"v1\", \"assets\": [{\"name\": \"x\"}]}");
}

static void odd_values(void **state)
{
    (void)state;
    /* not objects, wrong types, big and negative numbers, doubles, escapes, duplicates */
    same_as_cut("[null, 5, \"x\", [], {\"id\": \"7\", \"tag_name\": 5, \"draft\": \"yes\", "
                "\"assets\": null}, {\"id\": 1e300, \"tag_name\": [\"v2\"]}]");
    same_as_cut("[{\"id\": 18446744073709551615, \"draft\": -0, \"tag_name\": -12.5e3}]");
    same_as_cut("[{\"id\": -9223372036854775808, \"tag_name\": \"caf\\u00e9 \\ud83d\\ude00\"}]");
    same_as_cut("[{\"t\\u0061g_name\": \"escaped key\", \"id\": 1}]");
    same_as_cut("[{\"id\": 1, \"id\": 2, \"assets\": {\"a\": 1}}, {\"assets\": [1, {\"id\": 3}]}]");
    same_as_cut("[{\"tag_name\": \"a\\\\\", \"id\": 123456789012345678}]");
    same_as_cut("\"just a string\"");
    same_as_cut("42");
}

static void invalid_json(void **state)
{
    static const char *const bad[] = {"[{\"id\": 1,}]", "[NaN]", "[{\"id\": 01}]", "[", "", NULL};
    struct rk_err e;
    json_object *o = NULL;
    (void)state;
    for (size_t i = 0; bad[i]; i++) {
        rk_err_clear(&e);
        assert_int_equal(rk_json_slim(bad[i], strlen(bad[i]), "t", &rel_spec, &o, NULL, &e), -1);
        assert_int_equal(e.code, RK_INPUT);
        assert_non_null(strstr(e.msg, "invalid JSON in t"));
        assert_null(o);
    }
}

/* the pages of the odd_values cases, and more: escapes in keys of every level, kept values
 * that are containers, unicode, blanks everywhere, strings across 16-byte blocks, numbers */
static void tricky_values(void **state)
{
    (void)state;
    same_as_cut("[{\"id\": 1, \"assets\": [{\"n\\u0061me\": \"x\", \"id\": 2}, {\"id\": 3}], "
                "\"tag_name\": \"t\"}]");
    same_as_cut("[{\"assets\": [{\"id\": 1}], \"t\\u0061g_name\": \"v\", \"id\": 4}, {\"id\": 5}]");
    same_as_cut("{\"\\\"\": 1, \"id\": 2, \"assets\": [{\"id\": 3}]}");
    same_as_cut("[{\"id\": {\"a\": [1, {\"b\": null}]}, \"tag_name\": [[]], \"draft\": {}}]");
    same_as_cut("[{\"tag_name\": \"caf\xc3\xa9 \xf0\x9f\x98\x80\", \"assets\": [{\"name\": "
                "\"\xe2\x82\xac \\u20ac\"}], \"\xc3\xa9\": 1}]");
    same_as_cut(" \t\n[ \r\n{ \"id\" \n: \t 1 ,\"tag_name\" :\"v\" , \"assets\" : [ { \"size\" "
                ": 3 } , 7 , { } ] } , [ ] ]\n");
    same_as_cut("[{\"assets\": [{\"id\": 1}], \"assets\": [{\"id\": 2}]}, {\"assets\": []}]");
    same_as_cut("[{\"tag_name\": \"0123456789abcdef0123456789abcdef\\\"0123456789abcdef\xc3\xa9"
                "0123456789abcdef\\\\\", \"body\": \"0123456789abcdef0123456789abcdef\\n\"}]");
    same_as_cut("[{\"id\": -0}, {\"id\": 0}, {\"id\": 1.0}, {\"id\": 1E2}, {\"id\": -12}, "
                "{\"id\": 123456789012345678}, {\"id\": 1234567890123456789}, "
                "{\"id\": 9223372036854775807}, {\"id\": -1234567890123456789}]");
    same_as_cut("[true, false, null, {\"draft\": true, \"id\": null, \"tag_name\": false}]");
    same_as_cut("{}");
    same_as_cut("[{}]");
    same_as_cut("[{\"assets\": [[], {}, [{\"id\": 1}], \"x\"]}]");
}

/* duplicate keys (the last wins, as json-c's whole parse has it), with a nested key that is
 * kept too, and with keys beyond those tracked by bits */
static void duplicates(void **state)
{
    static const char *const both[] = {
        "[{\"assets\": [{\"id\": 1}], \"assets\": 5, \"id\": 1, \"id\": 2}]",
        "[{\"assets\": 5, \"assets\": [{\"id\": 1, \"id\": 3}], \"x\": 1, \"x\": {}}]",
        "[{\"assets\": [], \"assets\": [{\"size\": 1}]}, {\"assets\": [{\"id\": 1}]}]",
    };
    static const char *const many[] = {
        "[{\"k0\": 0, \"k31\": 31, \"k32\": 32, \"k33\": 33, \"k32\": \"b\", \"k33\": [], "
        "\"k31\": null, \"sub\": [{\"k33\": 1, \"k33\": 2}], \"sub\": 7, \"z\": 1}]",
        "[{\"sub\": 7, \"sub\": [{\"sub\": [{\"k5\": 5}], \"k5\": 1, \"k5\": 2}]}]",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(both) / sizeof(both[0]); i++)
        same_as_cut_n(both[i], strlen(both[i]), &both_spec);
    for (size_t i = 0; i < sizeof(many) / sizeof(many[0]); i++)
        same_as_cut_n(many[i], strlen(many[i]), &many_spec);
    same_as_cut("[{\"id\": 1, \"id\": 2, \"tag_name\": \"a\", \"id\": 3, \"tag_name\": \"b\"}]");
}

/* every error class, at every level the slim pass walks itself and inside what it skips */
static void errors_as_check(void **state)
{
    static const char *const places[] = {
        "@",
        "[@]",
        "[1, @]",
        "[{@: 1}]",
        "[{\"id\": @}]",
        "[{\"body\": @}]",
        "[{\"id\": 1, @}]",
        "[{\"author\": {\"x\": [@]}}]",
        "[{\"assets\": [@]}]",
        "[{\"assets\": [{\"name\": @}]}]",
        "[{\"assets\": [{\"label\": @}]}]",
        "[{\"assets\": [{@: 1}]}]",
        "[{\"assets\": [{\"id\": 1}, @]}]",
        "[{\"t\\u0061g\": 1, \"x\": @}]",
        "[{\"assets\": [{\"n\\u0061me\": @}]}]",
        "{\"id\": 1, \"assets\": [{\"id\": @}]}",
        "{\"id\": @, \"assets\": []}",
    };
    static const struct {
        const char *text;
        size_t n;
    } faults[] = {
#define F(lit) {lit, sizeof(lit) - 1}
        F(""),
        F("NaN"),
        F("-Infinity"),
        F("'a'"),
        F("/* c */"),
        F("01"),
        F("1."),
        F("-"),
        F("1e"),
        F("tru"),
        F("TRUE"),
        F("\"a\x01\""),
        F("\"\x80\""),
        F("\"\\x\""),
        F("\"\\u12g4\""),
        F("\"a\0b\""),
        F("\0"),
        F("\xff"),
        F("\"unterminated"),
        F("123456789012345678901234567890"),
        F("[1,]"),
        F("{\"a\" 1}"),
        F("{\"a\": 1,}"),
        F("1 2"),
        F("]"),
        F("}"),
        F(","),
        F(":"),
        F("{\"a\"}"),
        F("[1 2]"),
        F("{1: 2}"),
        F("\"\xed\xa0\x80\""),
#undef F
    };
    (void)state;
    for (size_t p = 0; p < sizeof(places) / sizeof(places[0]); p++) {
        const char *at = strchr(places[p], '@');
        for (size_t f = 0; f < sizeof(faults) / sizeof(faults[0]); f++) {
            char text[256];
            size_t n = (size_t)(at - places[p]);
            memcpy(text, places[p], n);
            memcpy(text + n, faults[f].text, faults[f].n);
            n += faults[f].n;
            memcpy(text + n, at + 1, strlen(at + 1));
            n += strlen(at + 1);
            same_either_way(text, n, &rel_spec);
        }
    }
    same_error("[] x", 4, &rel_spec);
    same_error("[{\"id\": 1}]}", 12, &rel_spec);
    same_error("{\"assets\": [{\"id\": 1}]}, 1", 26, &rel_spec);
}

/* a page cut at every byte, and with every byte replaced by bytes that matter */
static void every_offset(void **state)
{
    static const char page[] =
        "[{\"url\": \"u\", \"id\": 17, \"author\": {\"login\": \"x\", \"id\": [3, -1.5e3]}, "
        "\"t\\u0061g\": 1, \"tag_name\": \"v\\n1\", \"draft\": false, \"assets\": [{\"id\": 5, "
        "\"name\": \"caf\xc3\xa9\", \"size\": 3, \"label\": null}, 2, {\"n\\u0061me\": \"b\"}]}, "
        "{\"id\": 18, \"tag_name\": \"v2\", \"assets\": []}, true]";
    static const char bytes[] = {'}',        ']', ',', ':', '"', '\\', '\0',
                                 (char)0x80, 'x', ' ', '[', '{', '1'};
    size_t n = sizeof(page) - 1;
    (void)state;
    same_as_cut(page);
    for (size_t cut = 0; cut < n; cut++)
        same_either_way(page, cut, &rel_spec);
    for (size_t i = 0; i < n; i++) {
        char text[sizeof(page)];
        for (size_t b = 0; b < sizeof(bytes); b++) {
            memcpy(text, page, n);
            text[i] = bytes[b];
            same_either_way(text, n, &rel_spec);
        }
    }
}

/* nesting up to RK_JSON_DEPTH and one more, under every level the slim pass walks, and in
 * levels it walks all the way down (chain_spec) */
static void deep_nesting(void **state)
{
    static const char *const places[] = {"@",
                                         "[@]",
                                         "[{\"id\": @}]",
                                         "[{\"body\": @}]",
                                         "[{\"assets\": [@]}]",
                                         "[{\"assets\": [{\"id\": @}]}]",
                                         "[{\"t\\u0061g\": @}]",
                                         "{\"assets\": [{\"size\": @}]}"};
    (void)state;
    for (size_t p = 0; p < sizeof(places) / sizeof(places[0]); p++) {
        const char *at = strchr(places[p], '@');
        for (int levels = RK_JSON_DEPTH - 5; levels <= RK_JSON_DEPTH + 1; levels++) {
            for (int kind = 0; kind < 2; kind++) {
                char text[1024];
                size_t n = (size_t)(at - places[p]);
                memcpy(text, places[p], n);
                for (int i = 0; i < levels; i++) /* arrays, or objects and arrays */
                    n += (size_t)snprintf(text + n, sizeof(text) - n, "%s",
                                          kind && i % 2 == 0 ? "{\"id\": " : "[");
                text[n++] = '1';
                for (int i = levels - 1; i >= 0; i--)
                    text[n++] = kind && i % 2 == 0 ? '}' : ']';
                memcpy(text + n, at + 1, strlen(at + 1));
                n += strlen(at + 1);
                same_either_way(text, n, &rel_spec);
            }
        }
    }
    for (int levels = RK_JSON_DEPTH - 3; levels <= RK_JSON_DEPTH + 2; levels++) {
        for (int end = 0; end < 6; end++) { /* objects at odd or even levels; the last: */
            static const char *const last[] = {"[]", "{}", "[{}]"};
            char text[1024];
            size_t n = 0;
            for (int i = 0; i < levels; i++)
                n += (size_t)snprintf(text + n, sizeof(text) - n, "%s",
                                      i % 2 == end / 3 ? "[" : "{\"id\": 1, \"c\": ");
            n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", last[end % 3]);
            for (int i = levels - 1; i >= 0; i--)
                text[n++] = i % 2 == end / 3 ? ']' : '}';
            same_either_way(text, n, &chain_spec);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(release_pages), cmocka_unit_test(odd_values),
        cmocka_unit_test(invalid_json),  cmocka_unit_test(tricky_values),
        cmocka_unit_test(duplicates),    cmocka_unit_test(errors_as_check),
        cmocka_unit_test(every_offset),  cmocka_unit_test(deep_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
