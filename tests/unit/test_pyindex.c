/* unit tests: pyindex (model, escaping, anchors, PEP 503 and PEP 691 pages) and hashcache */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "hashcache.h"
#include "jsonio.h"
#include "pyindex.h"

static const char *esc(const char *s, int href)
{
    static char out[1024];
    struct rk_buf b;
    rk_buf_init(&b, 0);
    assert_int_equal(href ? rk_href_quote(&b, s) : rk_html_escape(&b, s), 0);
    snprintf(out, sizeof(out), "%s", rk_buf_cstr(&b));
    rk_buf_release(&b);
    return out;
}

static void html_escape_all_five(void **state)
{
    assert_string_equal(esc("<a href=\"x\">'&'</a>", 0),
                        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    assert_string_equal(esc("plain", 0), "plain");
    assert_string_equal(esc("", 0), "");
}

static void href_quote_keeps_reserved_and_escapes(void **state)
{
    assert_string_equal(esc("https://h/a/b-1.0+local.whl?x=1&y=2", 1),
                        "https://h/a/b-1.0+local.whl?x=1&y=2");
    assert_string_equal(esc("a b\"<>\\^`{|}.whl", 1), "a%20b%22%3C%3E%5C%5E%60%7B%7C%7D.whl");
    assert_string_equal(esc("x%41y%zz\xc3\xa9", 1), "x%41y%25zz%C3%A9");
}

static void relative_urls(void **state)
{
    assert_int_equal(rk_url_is_relative("x.whl"), 1);
    assert_int_equal(rk_url_is_relative("../x.whl"), 1);
    assert_int_equal(rk_url_is_relative("/x.whl"), 0);
    assert_int_equal(rk_url_is_relative("https://h/x.whl"), 0);
    assert_int_equal(rk_url_is_relative("dir/a:b.whl"), 1);
}

static void add(struct rk_pyindex *x, const char *fn, const char *project, const char *version,
                const char *sha, const char *origin)
{
    struct rk_pyfile f;
    struct rk_err e;
    char url[512];
    memset(&f, 0, sizeof(f));
    rk_err_clear(&e);
    snprintf(url, sizeof(url), "https://dl.invalid/%s", fn);
    f.filename = (char *)fn, f.url = url, f.project = (char *)project;
    f.version = (char *)version, f.origin = (char *)origin, f.kind = RK_PY_WHEEL;
    f.size = 10;
    snprintf(f.sha256, sizeof(f.sha256), "%s", sha);
    assert_non_null(rk_pyindex_add(x, &f, &e));
}

static void sort_orders_by_project_then_pep440_version(void **state)
{
    struct rk_pyindex x;
    struct rk_err e;
    size_t conflicts = 9;
    rk_pyindex_init(&x);
    rk_err_clear(&e);
    add(&x, "b-10.0-py3-none-any.whl", "b", "10.0", "", "o");
    add(&x, "b-9.0-py3-none-any.whl", "b", "9.0", "", "o");
    add(&x, "a-1.0rc1-py3-none-any.whl", "a", "1.0rc1", "", "o");
    add(&x, "a-1.0-py3-none-any.whl", "a", "1.0", "", "o");
    add(&x, "b-9.0-py3-none-any.whl", "b", "9.0", "", "p"); /* duplicate, same content */
    assert_int_equal(rk_pyindex_sort(&x, 0, &conflicts, &e), 0);
    assert_int_equal(conflicts, 0);
    assert_int_equal(x.n, 4);
    assert_string_equal(x.files[0].version, "1.0rc1");
    assert_string_equal(x.files[1].version, "1.0");
    assert_string_equal(x.files[2].version, "9.0");
    assert_string_equal(x.files[3].version, "10.0");
    assert_string_equal(x.files[2].origin, "o");
    assert_int_equal(rk_pyindex_project_end(&x, 0), 2);
    assert_int_equal(rk_pyindex_project_end(&x, 2), 4);
    rk_pyindex_release(&x);
}

static void sort_refuses_conflicting_duplicates(void **state)
{
    struct rk_pyindex x;
    struct rk_err e;
    size_t conflicts = 0;
    rk_pyindex_init(&x);
    rk_err_clear(&e);
    add(&x, "a-1.0-py3-none-any.whl", "a", "1.0", "aa", "one");
    add(&x, "a-1.0-py3-none-any.whl", "a", "1.0", "bb", "two");
    assert_int_equal(rk_pyindex_sort(&x, 0, &conflicts, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_non_null(strstr(e.msg, "'a-1.0-py3-none-any.whl' appears twice with different content"));
    rk_pyindex_release(&x);
    rk_pyindex_init(&x);
    add(&x, "a-1.0-py3-none-any.whl", "a", "1.0", "aa", "one");
    add(&x, "a-1.0-py3-none-any.whl", "a", "1.0", "bb", "two");
    assert_int_equal(rk_pyindex_sort(&x, 1, &conflicts, &e), 0);
    assert_int_equal(conflicts, 1);
    assert_int_equal(x.n, 1);
    rk_pyindex_release(&x);
}

static void anchor_has_every_attribute_escaped(void **state)
{
    struct rk_pyfile f;
    struct rk_buf b;
    memset(&f, 0, sizeof(f));
    f.filename = "a-1.0-py3-none-any.whl";
    f.url = "a-1.0-py3-none-any.whl";
    f.requires_python = ">=3.8,<4";
    f.has_metadata = 1;
    f.yanked = "bad \"one\"";
    snprintf(f.sha256, sizeof(f.sha256), "%064d", 1);
    snprintf(f.metadata_sha256, sizeof(f.metadata_sha256), "%064d", 2);
    rk_buf_init(&b, 0);
    assert_int_equal(rk_pyindex_anchor(&b, &f, "../../"), 0);
    assert_string_equal(rk_buf_cstr(&b),
                        "<a "
                        "href=\"../../"
                        "a-1.0-py3-none-any.whl#sha256="
                        "0000000000000000000000000000000000000000000000000000000000000001\""
                        " data-requires-python=\"&gt;=3.8,&lt;4\""
                        " data-dist-info-metadata=\"sha256="
                        "0000000000000000000000000000000000000000000000000000000000000002\""
                        " data-core-metadata=\"sha256="
                        "0000000000000000000000000000000000000000000000000000000000000002\""
                        " data-yanked=\"bad &quot;one&quot;\">a-1.0-py3-none-any.whl</a><br>\n");
    rk_buf_reset(&b);
    f.yanked = NULL, f.requires_python = NULL, f.has_metadata = 0, f.sha256[0] = '\0';
    f.url = "https://h/x y.whl";
    assert_int_equal(rk_pyindex_anchor(&b, &f, "../../"), 0);
    assert_string_equal(rk_buf_cstr(&b),
                        "<a href=\"https://h/x%20y.whl\">a-1.0-py3-none-any.whl</a><br>\n");
    rk_buf_release(&b);
}

static void json_pages_have_the_pep691_shape(void **state)
{
    struct rk_pyindex x;
    struct rk_err e;
    struct rk_buf b;
    json_object *doc, *file;
    rk_pyindex_init(&x);
    rk_err_clear(&e);
    add(&x, "a-1.0-py3-none-any.whl", "a", "1.0", "ab", "o");
    add(&x, "a-1.0.tar.gz", "a", "1.0", "cd", "o");
    add(&x, "a-2.0-py3-none-any.whl", "a", "2.0", "", "o");
    x.files[2].yanked = strdup("");
    assert_int_equal(rk_pyindex_sort(&x, 0, NULL, &e), 0);
    rk_buf_init(&b, 0);
    assert_int_equal(rk_pyindex_json_project(&x, 0, x.n, "../../", &b), 0);
    assert_int_equal(rk_json_parse(b.data, b.len, "page", &doc, &e), 0);
    assert_string_equal(rk_json_str(rk_json_obj(doc, "meta"), "api-version"), "1.1");
    assert_string_equal(rk_json_str(doc, "name"), "a");
    assert_int_equal(json_object_array_length(rk_json_array(doc, "versions")), 2);
    file = json_object_array_get_idx(rk_json_array(doc, "files"), 0);
    assert_string_equal(rk_json_str(rk_json_obj(file, "hashes"), "sha256"), "ab");
    assert_int_equal(rk_json_int(file, "size", -1), 10);
    assert_int_equal(rk_json_bool(file, "core-metadata", 1), 0);
    assert_int_equal(rk_json_bool(file, "yanked", 1), 0);
    file = json_object_array_get_idx(rk_json_array(doc, "files"), 2);
    assert_int_equal(json_object_object_length(rk_json_obj(file, "hashes")), 0);
    assert_int_equal(rk_json_bool(file, "yanked", 0), 1);
    json_object_put(doc);
    rk_buf_reset(&b);
    assert_int_equal(rk_pyindex_json_root(&x, &b), 0);
    assert_string_equal(rk_buf_cstr(&b),
                        "{\"meta\":{\"api-version\":\"1.1\"},\"projects\":[{\"name\":\"a\"}]}\n");
    rk_buf_reset(&b);
    x.files[0].size = -1;
    assert_int_equal(rk_pyindex_json_project(&x, 0, x.n, "", &b), 0);
    assert_non_null(strstr(rk_buf_cstr(&b), "\"api-version\":\"1.0\""));
    assert_null(strstr(rk_buf_cstr(&b), "\"versions\""));
    rk_buf_release(&b);
    rk_pyindex_release(&x);
}

static void simple_root_lists_projects_once(void **state)
{
    struct rk_pyindex x;
    struct rk_err e;
    struct rk_buf b;
    rk_pyindex_init(&x);
    rk_err_clear(&e);
    add(&x, "a-1.0-py3-none-any.whl", "a", "1.0", "", "o");
    add(&x, "a-2.0-py3-none-any.whl", "a", "2.0", "", "o");
    add(&x, "b_c-1.0-py3-none-any.whl", "b-c", "1.0", "", "o");
    assert_int_equal(rk_pyindex_sort(&x, 0, NULL, &e), 0);
    rk_buf_init(&b, 0);
    assert_int_equal(rk_pyindex_simple_root(&x, &b), 0);
    assert_non_null(
        strstr(rk_buf_cstr(&b), "<a href=\"a/\">a</a><br>\n<a href=\"b-c/\">b-c</a><br>\n"));
    assert_non_null(strstr(rk_buf_cstr(&b), "pypi:repository-version"));
    rk_buf_release(&b);
    rk_pyindex_release(&x);
}

static void hashcache_round_trip_and_stamps(void **state)
{
    char dir[] = "/tmp/test_pyindex.XXXXXX", sha[65];
    struct rk_hashcache c;
    struct rk_err e;
    struct rk_buf b;
    int found = 0;
    json_object *ent;
    assert_non_null(mkdtemp(dir));
    rk_err_clear(&e);
    assert_int_equal(rk_hashcache_open(&c, dir, &e), 0);
    ent = rk_hashcache_put(&c, "https://h/x.whl", 10, "t1");
    rk_json_set_str(ent, "sha256", "abc");
    assert_int_equal(rk_hashcache_blob_put(&c, "Name: x\n", 8, sha, &e), 0);
    assert_int_equal(rk_hashcache_save(&c, &e), 0);
    rk_hashcache_release(&c);
    assert_int_equal(rk_hashcache_open(&c, dir, &e), 0);
    assert_null(rk_hashcache_get(&c, "https://h/x.whl", 11, "t1"));
    assert_null(rk_hashcache_get(&c, "https://h/x.whl", 10, "t2"));
    ent = rk_hashcache_get(&c, "https://h/x.whl", 10, "t1");
    assert_non_null(ent);
    assert_string_equal(rk_json_str(ent, "sha256"), "abc");
    rk_buf_init(&b, 0);
    assert_int_equal(rk_hashcache_blob_get(&c, sha, &b, &found, &e), 0);
    assert_int_equal(found, 1);
    assert_string_equal(rk_buf_cstr(&b), "Name: x\n");
    assert_int_equal(rk_hashcache_blob_get(&c, "0000", &b, &found, &e), 0);
    assert_int_equal(found, 0);
    rk_buf_release(&b);
    rk_hashcache_release(&c);
    {
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "printf 'not json' >%s/hashes.json", dir);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(rk_hashcache_open(&c, dir, &e), 0); /* corrupt: ignored */
        assert_null(rk_hashcache_get(&c, "https://h/x.whl", 10, "t1"));
        rk_hashcache_release(&c);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(html_escape_all_five),
        cmocka_unit_test(href_quote_keeps_reserved_and_escapes),
        cmocka_unit_test(relative_urls),
        cmocka_unit_test(sort_orders_by_project_then_pep440_version),
        cmocka_unit_test(sort_refuses_conflicting_duplicates),
        cmocka_unit_test(anchor_has_every_attribute_escaped),
        cmocka_unit_test(json_pages_have_the_pep691_shape),
        cmocka_unit_test(simple_root_lists_projects_once),
        cmocka_unit_test(hashcache_round_trip_and_stamps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
