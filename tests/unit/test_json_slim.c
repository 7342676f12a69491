/* unit tests: json_slim.h - the slim parse equals the whole parse cut down to the spec, for
 * the shapes of a releases list and for the odd ones (escapes, wrong types, duplicates) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "buf.h"
#include "err.h"
#include "json_slim.h"
#include "jsonio.h"

static const char *const rel_keys[] = {"id", "tag_name", "draft", NULL};
static const char *const asset_keys[] = {"id", "name", "size", NULL};
static const struct rk_json_spec asset_spec = {asset_keys, NULL, NULL};
static const struct rk_json_spec rel_spec = {rel_keys, "assets", &asset_spec};

/* rk_json_slim(text) and rk_json_cut(rk_json_parse(text)) print the same, and so does
 * rk_json_slim of the text it kept (what the ETag cache stores), which is no longer */
static void same_as_cut(const char *text)
{
    struct rk_err e;
    struct rk_buf kept;
    json_object *slim = NULL, *whole = NULL, *cut, *again = NULL;
    rk_err_clear(&e);
    rk_buf_init(&kept, 0);
    assert_int_equal(rk_json_slim(text, strlen(text), "t", &rel_spec, &slim, &kept, &e), 0);
    assert_int_equal(rk_json_parse(text, strlen(text), "t", &whole, &e), 0);
    cut = rk_json_cut(whole, &rel_spec);
    assert_string_equal(json_object_to_json_string_ext(slim, JSON_C_TO_STRING_PLAIN),
                        json_object_to_json_string_ext(cut, JSON_C_TO_STRING_PLAIN));
    assert_true(kept.len <= strlen(text));
    assert_int_equal(rk_json_slim(rk_buf_cstr(&kept), kept.len, "t", &rel_spec, &again, NULL, &e),
                     0);
    assert_string_equal(json_object_to_json_string_ext(again, JSON_C_TO_STRING_PLAIN),
                        json_object_to_json_string_ext(cut, JSON_C_TO_STRING_PLAIN));
    json_object_put(slim);
    json_object_put(again);
    json_object_put(cut);
    json_object_put(whole);
    rk_buf_release(&kept);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(release_pages),
        cmocka_unit_test(odd_values),
        cmocka_unit_test(invalid_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
