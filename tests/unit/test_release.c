/* unit tests: release.h's pure parts (repository names, tags, asset digests and matching,
 * the context shapes, times) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "err.h"
#include "jsonio.h"
#include "release.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static json_object *J(const char *text)
{
    json_object *o = json_tokener_parse(text);
    assert_non_null(o);
    return o;
}

static void repo_parse_ok(void **state)
{
    struct rk_repo r;
    struct rk_err e;
    rk_err_clear(&e);
    assert_int_equal(rk_repo_parse("iree-org/iree", &r, &e), 0);
    assert_string_equal(r.owner, "iree-org");
    assert_string_equal(r.name, "iree");
    assert_string_equal(r.path, "/repos/iree-org/iree");
    assert_int_equal(rk_repo_parse("a_b/c.d-e", &r, &e), 0);
}

static void repo_parse_bad(void **state)
{
    static const char *const bad[] = {"",     "iree", "/iree", "iree/", "a/b/c", "a b/c",
                                      "../x", "x/..", "x/.",   "a/b?c", NULL};
    struct rk_repo r;
    struct rk_err e;
    for (size_t i = 0; bad[i]; i++) {
        rk_err_clear(&e);
        assert_int_equal(rk_repo_parse(bad[i], &r, &e), -1);
        assert_int_equal(e.code, RK_INPUT);
        assert_non_null(strstr(e.msg, "invalid repository"));
    }
    rk_err_clear(&e);
    assert_int_equal(rk_repo_parse(NULL, &r, &e), -1);
}

static void tag_check(void **state)
{
    static const char *const good[] = {
        "v3.1.0", "iree-3.1.0rc20241119", "candidate-20240107.1", "release/1.0", "a", NULL};
    static const char *const bad[] = {"",   "a b", "a..b",   "a~1",  "a^",   "a:b",
                                      "a?", "a*",  "a[",     "a\\b", "-x",   "/x",
                                      "x/", "x.",  "x.lock", "a//b", "a@{1", NULL};
    struct rk_err e;
    char longtag[300];
    for (size_t i = 0; good[i]; i++) {
        rk_err_clear(&e);
        assert_int_equal(rk_tag_check(good[i], &e), 0);
    }
    for (size_t i = 0; bad[i]; i++) {
        rk_err_clear(&e);
        assert_int_equal(rk_tag_check(bad[i], &e), -1);
        assert_int_equal(e.code, RK_INPUT);
    }
    memset(longtag, 'x', sizeof(longtag) - 1);
    longtag[sizeof(longtag) - 1] = '\0';
    rk_err_clear(&e);
    assert_int_equal(rk_tag_check(longtag, &e), -1);
    assert_int_equal(rk_tag_check(NULL, &e), -1);
}

static void asset_digest(void **state)
{
    char hex[RK_SHA256_HEX_LEN];
    json_object *a = J("{\"digest\": \"sha256:" SHA_A "\"}");
    json_object *upper =
        J("{\"digest\": "
          "\"sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}");
    json_object *null = J("{\"digest\": null}");
    json_object *none = J("{}");
    json_object *md5 = J("{\"digest\": \"md5:0123456789abcdef0123456789abcdef\"}");
    json_object *shortd = J("{\"digest\": \"sha256:abc\"}");
    json_object *notx = J("{\"digest\": \"sha256:" SHA_A "\"}");
    assert_int_equal(rk_asset_sha256(a, hex), 1);
    assert_string_equal(hex, SHA_A);
    assert_int_equal(rk_asset_sha256(upper, hex), 1);
    assert_string_equal(hex, SHA_A);
    assert_int_equal(rk_asset_sha256(null, hex), 0);
    assert_string_equal(hex, "");
    assert_int_equal(rk_asset_sha256(none, hex), 0);
    assert_int_equal(rk_asset_sha256(md5, hex), -1);
    assert_int_equal(rk_asset_sha256(shortd, hex), -1);
    json_object_object_add(notx, "digest", json_object_new_string("sha256:" SHA_A "zz"));
    assert_int_equal(rk_asset_sha256(notx, hex), -1);
    /* a bad digit in the middle: refused, and no partial hash is left in hex */
    char mid[7 + 65];
    snprintf(mid, sizeof(mid), "sha256:%s", SHA_A);
    mid[7 + 30] = 'g';
    assert_int_equal(rk_digest_sha256(mid, hex), -1);
    assert_string_equal(hex, "");
    assert_int_equal(rk_digest_sha256(NULL, hex), 0);
    assert_int_equal(rk_digest_sha256("sha256:" SHA_A, hex), 1);
    assert_string_equal(hex, SHA_A);
    json_object *objs[] = {a, upper, null, none, md5, shortd, notx};
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
        json_object_put(objs[i]);
}

static void asset_match(void **state)
{
    json_object *same =
        J("{\"size\": 10, \"state\": \"uploaded\", \"digest\": \"sha256:" SHA_A "\"}");
    json_object *nodig = J("{\"size\": 10, \"state\": \"uploaded\", \"digest\": null}");
    json_object *broken = J("{\"size\": 3, \"state\": \"starter\", \"digest\": null}");
    json_object *nostate = J("{\"size\": 10, \"digest\": \"sha256:" SHA_A "\"}");
    assert_int_equal(rk_asset_match(same, 10, SHA_A), RK_ASSET_SAME);
    assert_int_equal(rk_asset_match(same, 10, SHA_B), RK_ASSET_DIFFERENT);
    assert_int_equal(rk_asset_match(same, 11, SHA_A), RK_ASSET_DIFFERENT);
    assert_int_equal(rk_asset_match(nodig, 10, SHA_A), RK_ASSET_UNKNOWN);
    assert_int_equal(rk_asset_match(nodig, 9, SHA_A), RK_ASSET_DIFFERENT);
    assert_int_equal(rk_asset_match(broken, 3, SHA_A), RK_ASSET_BROKEN);
    assert_int_equal(rk_asset_match(nostate, 10, SHA_A), RK_ASSET_SAME);
    assert_true(rk_asset_complete(same));
    assert_false(rk_asset_complete(broken));
    assert_true(rk_asset_complete(nostate));
    json_object_put(same);
    json_object_put(nodig);
    json_object_put(broken);
    json_object_put(nostate);
}

static void asset_find_and_summary(void **state)
{
    json_object *assets = J("[{\"id\": 1, \"name\": \"a.whl\", \"size\": 5, \"label\": null, "
                            "\"digest\": \"sha256:" SHA_A "\", \"state\": \"uploaded\", "
                            "\"uploader\": {\"login\": \"x\"}, \"url\": \"u\"}, "
                            "{\"id\": 2, \"name\": \"b.tar.xz\", \"digest\": null}]");
    json_object *s;
    assert_int_equal(rk_json_int(rk_asset_find(assets, "b.tar.xz"), "id", 0), 2);
    assert_null(rk_asset_find(assets, "c"));
    assert_null(rk_asset_find(NULL, "c"));
    s = rk_asset_summary(rk_asset_find(assets, "a.whl"));
    assert_string_equal(rk_json_str(s, "sha256"), SHA_A);
    assert_int_equal(rk_json_int(s, "size", 0), 5);
    assert_false(json_object_object_get_ex(s, "uploader", NULL));
    assert_false(json_object_object_get_ex(s, "digest", NULL));
    assert_true(json_object_object_get_ex(s, "label", NULL));
    json_object_put(s);
    s = rk_asset_summary(rk_asset_find(assets, "b.tar.xz"));
    assert_true(json_object_object_get_ex(s, "sha256", NULL));
    assert_null(rk_json_str(s, "sha256"));
    json_object_put(s);
    json_object_put(assets);
}

static void release_with_tag(void **state)
{
    json_object *list = J("[{\"id\": 9, \"tag_name\": \"v1\", \"draft\": true},"
                          " {\"id\": 3, \"tag_name\": \"v1\", \"draft\": true},"
                          " {\"id\": 5, \"tag_name\": \"v2\"},"
                          " {\"id\": 4, \"tag_name\": \"v1\", \"draft\": true}]");
    json_object *same = rk_release_with_tag(list, "v1"), *none;
    assert_int_equal(json_object_array_length(same), 3);
    assert_int_equal(rk_json_int(json_object_array_get_idx(same, 0), "id", 0), 3);
    assert_int_equal(rk_json_int(json_object_array_get_idx(same, 1), "id", 0), 4);
    assert_int_equal(rk_json_int(json_object_array_get_idx(same, 2), "id", 0), 9);
    none = rk_release_with_tag(list, "v3");
    assert_int_equal(json_object_array_length(none), 0);
    json_object_put(same);
    json_object_put(none);
    json_object_put(list);
}

static void release_summary(void **state)
{
    json_object *rel = J("{\"id\": 7, \"tag_name\": \"v1\", \"name\": \"Release v1\", "
                         "\"draft\": false, \"prerelease\": true, \"html_url\": \"h\", "
                         "\"upload_url\": \"u{?name,label}\", \"published_at\": null, "
                         "\"body\": \"long notes\", \"assets\": [], \"author\": {}}");
    json_object *s = rk_release_summary(rel);
    assert_string_equal(rk_json_str(s, "tag"), "v1");
    assert_int_equal(rk_json_int(s, "id", 0), 7);
    assert_true(rk_json_bool(s, "prerelease", 0));
    assert_true(json_object_object_get_ex(s, "published_at", NULL));
    assert_false(json_object_object_get_ex(s, "body", NULL));
    assert_false(json_object_object_get_ex(s, "assets", NULL));
    assert_false(json_object_object_get_ex(s, "tag_name", NULL));
    json_object_put(s);
    json_object_put(rel);
}

static void times(void **state)
{
    time_t t;
    json_object *rel;
    assert_int_equal(rk_time_parse("2024-11-19T00:00:00Z", &t), 0);
    assert_int_equal((long long)t, 1731974400LL);
    assert_int_equal(rk_time_parse("2024-11-19T01:30:00+01:30", &t), 0);
    assert_int_equal((long long)t, 1731974400LL);
    assert_int_equal(rk_time_parse("2024-11-18T22:00:00-02:00", &t), 0);
    assert_int_equal((long long)t, 1731974400LL);
    assert_int_equal(rk_time_parse("2024-11-19T00:00:00.123Z", &t), 0);
    assert_int_equal((long long)t, 1731974400LL);
    assert_int_equal(rk_time_parse("1970-01-01T00:00:00Z", &t), 0);
    assert_int_equal((long long)t, 0);
    static const char *const bad[] = {"",
                                      "2024-11-19",
                                      "2024-13-01T00:00:00Z",
                                      "2024-11-19 00:00:00Z",
                                      "2024-11-19T24:00:00Z",
                                      "2024-11-19T00:00:00",
                                      "2024-11-19T00:00:00+1",
                                      "20x4-11-19T00:00:00Z",
                                      NULL};
    for (size_t i = 0; bad[i]; i++)
        assert_int_equal(rk_time_parse(bad[i], &t), -1);
    assert_int_equal(rk_time_parse(NULL, &t), -1);
    rel = J("{\"published_at\": null, \"created_at\": \"2024-11-19T00:00:00Z\"}");
    assert_int_equal(rk_release_time(rel, &t), 0);
    assert_int_equal((long long)t, 1731974400LL);
    json_object_put(rel);
    rel =
        J("{\"published_at\": \"2024-11-20T00:00:00Z\", \"created_at\": \"2024-11-19T00:00:00Z\"}");
    assert_int_equal(rk_release_time(rel, &t), 0);
    assert_int_equal((long long)t, 1731974400LL + 86400);
    json_object_put(rel);
    rel = J("{}");
    assert_int_equal(rk_release_time(rel, &t), -1);
    json_object_put(rel);
}

/* rk_release_check / rk_asset_check: the key and the type named, values not quoted */
static void release_shape(void **state)
{
    static const struct {
        const char *json, *msg;
    } bad[] = {
        {"null", "R: null, expected an object"},
        {"5", "R: the integer 5, expected an object"},
        {"[]", "R: an array, expected an object"},
        {"{\"tag_name\": \"v1\"}", "R has no \"id\""},
        {"{\"id\": \"17\", \"tag_name\": \"v1\"}",
         "R: \"id\" is a string, expected an integer >= 1"},
        {"{\"id\": 0, \"tag_name\": \"v1\"}",
         "R: \"id\" is the integer 0, expected an integer >= 1"},
        {"{\"id\": 1e300, \"tag_name\": \"v1\"}",
         "R: \"id\" is a double, expected an integer >= 1"},
        {"{\"id\": 1, \"tag_name\": [\"v2\"]}", "R: \"tag_name\" is an array, expected a string"},
        {"{\"id\": 1, \"tag_name\": \"a b\"}", "R: \"tag_name\" is not a valid tag"},
        {"{\"id\": 1, \"tag_name\": \"v1\", \"draft\": \"yes\"}",
         "R: \"draft\" is a string, expected a boolean"},
        {"{\"id\": 1, \"tag_name\": \"v1\", \"created_at\": \"9999-99-99T99:99:99Z\"}",
         "R: \"created_at\" is a string, expected a date-time"},
        {"{\"id\": 1, \"tag_name\": \"v1\", \"assets\": {}}",
         "R: \"assets\" is an object, expected an array"},
    };
    struct rk_err e;
    json_object *ok = J("{\"id\": 1, \"tag_name\": \"v1\", \"draft\": false, \"name\": null, "
                        "\"published_at\": null, \"created_at\": \"2024-11-19T08:15:00Z\", "
                        "\"assets\": [5]}");
    rk_err_clear(&e);
    assert_int_equal(rk_release_check(ok, "R", &e), 0);
    json_object_put(ok);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_object *o = json_tokener_parse(bad[i].json); /* "null": NULL */
        rk_err_clear(&e);
        assert_int_equal(rk_release_check(o, "R", &e), -1);
        assert_int_equal(e.code, RK_REMOTE);
        assert_string_equal(e.msg, bad[i].msg);
        json_object_put(o);
    }
}

static void asset_shape_and_checked_items(void **state)
{
    json_object *list =
        J("[null, 3, {\"id\": \"5\", \"name\": 7}, {\"id\": 6, \"name\": \"b.whl\", "
          "\"size\": -1}, {\"id\": 7, \"name\": \"\"}, {\"id\": 8, \"name\": \"c.whl\", "
          "\"size\": 3, \"digest\": null, \"label\": null}]");
    json_object *kept = rk_checked_items(list, rk_asset_check, "the assets");
    struct rk_err e;
    assert_int_equal(json_object_array_length(kept), 2); /* an empty name is the caller's */
    assert_string_equal(rk_json_str(json_object_array_get_idx(kept, 1), "name"), "c.whl");
    rk_err_clear(&e);
    assert_int_equal(rk_asset_check(json_object_array_get_idx(list, 3), "A", &e), -1);
    assert_string_equal(e.msg, "A: \"size\" is the integer -1, expected an integer >= 0");
    rk_err_clear(&e);
    assert_int_equal(rk_asset_check(json_object_array_get_idx(list, 4), "A", &e), 0);
    json_object_put(kept);
    json_object_put(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(repo_parse_ok),
        cmocka_unit_test(repo_parse_bad),
        cmocka_unit_test(tag_check),
        cmocka_unit_test(asset_digest),
        cmocka_unit_test(asset_match),
        cmocka_unit_test(asset_find_and_summary),
        cmocka_unit_test(release_with_tag),
        cmocka_unit_test(release_summary),
        cmocka_unit_test(times),
        cmocka_unit_test(release_shape),
        cmocka_unit_test(asset_shape_and_checked_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
