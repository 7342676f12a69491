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
#include "fs.h"
#include "hashcache.h"
#include "jsonio.h"
#include "pyindex.h"
#include "pyindex_impl.h"

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

/* the byte classes the fast paths trust agree with the escaping functions, byte by byte */
static void byte_classes_match_the_escaping(void **state)
{
    for (int c = 1; c < 256; c++) {
        char s[2] = {(char)c, 0};
        unsigned cls = rk_pyclass[c];
        struct rk_buf b;
        json_object *v;
        rk_buf_init(&b, 0);
        assert_int_equal(rk_html_escape(&b, s), 0);
        assert_int_equal(strcmp(rk_buf_cstr(&b), s) != 0, (cls & RK_PYC_HTML) != 0);
        rk_buf_reset(&b);
        assert_int_equal(rk_href_quote(&b, s), 0);
        if (strcmp(rk_buf_cstr(&b), s) != 0) /* changed: the URL class says so */
            assert_true(cls & RK_PYC_URL);
        if (!(cls & RK_PYC_URL)) /* kept in an href, so no HTML nor JSON escaping either */
            assert_int_equal(cls, 0);
        rk_buf_release(&b);
        v = json_object_new_string(s);
        assert_int_equal(strcmp(json_object_to_json_string_ext(v, JSON_C_TO_STRING_NOSLASHESCAPE),
                                (char[]){'"', (char)c, '"', 0}) != 0,
                         (cls & RK_PYC_JSON) != 0);
        json_object_put(v);
    }
    assert_int_equal(rk_pyclass[0], 0);
}

static void href_quote_html_escapes_what_it_keeps(void **state)
{
    struct rk_pyfile f;
    struct rk_buf b;
    memset(&f, 0, sizeof(f));
    f.filename = "x<y>&'\".whl";
    f.url = "https://h/a?b=1&c='2'#%4g%41";
    rk_buf_init(&b, 0);
    assert_int_equal(rk_pyindex_anchor(&b, &f, "../../"), 0);
    assert_string_equal(rk_buf_cstr(&b), "<a href=\"https://h/a?b=1&amp;c=&#39;2&#39;#%254g%41\">"
                                         "x&lt;y&gt;&amp;&#39;&quot;.whl</a><br>\n");
    rk_buf_reset(&b);
    f.url = "rel dir/x\xc3\xa9.whl";
    assert_int_equal(rk_pyindex_anchor(&b, &f, "<p>&/"), 0);
    assert_string_equal(rk_buf_cstr(&b), "<a href=\"&lt;p&gt;&amp;/rel%20dir/x%C3%A9.whl\">"
                                         "x&lt;y&gt;&amp;&#39;&quot;.whl</a><br>\n");
    rk_buf_reset(&b);
    f.has_metadata = 1; /* no hash: advertised as true */
    f.yanked = "";
    f.url = "/abs.whl";
    assert_int_equal(rk_pyindex_anchor(&b, &f, "../../"), 0);
    assert_string_equal(rk_buf_cstr(&b), "<a href=\"/abs.whl\" data-dist-info-metadata=\"true\""
                                         " data-core-metadata=\"true\" data-yanked=\"\">"
                                         "x&lt;y&gt;&amp;&#39;&quot;.whl</a><br>\n");
    rk_buf_release(&b);
}

static void addf(struct rk_pyindex *x, const char *fn, const char *url, const char *project,
                 const char *version)
{
    struct rk_pyfile f;
    struct rk_err e;
    memset(&f, 0, sizeof(f));
    rk_err_clear(&e);
    f.filename = (char *)fn, f.url = (char *)url, f.project = (char *)project;
    f.version = (char *)version, f.kind = RK_PY_WHEEL, f.size = 4096;
    assert_non_null(rk_pyindex_add(x, &f, &e));
}

/* hostile strings go into the JSON page escaped, and come back out of a JSON parser intact */
static void json_page_escapes_hostile_strings(void **state)
{
    struct rk_pyindex x;
    struct rk_err e;
    struct rk_buf b;
    json_object *doc, *file;
    const char *fn = "a-1.0-py3-none-any.whl\"\\\x01\x1f\t\n\xc3\xa9</script>";
    rk_pyindex_init(&x);
    rk_err_clear(&e);
    addf(&x, fn, "d\"ir/a b.whl", "a", "1.0");
    x.files[0].requires_python = strdup(">=3.8\"\\");
    x.files[0].yanked = strdup("bad\x02\"one\"");
    x.files[0].upload_time = strdup("2024-01-01T00:00:00Z");
    x.files[0].has_metadata = 1;
    snprintf(x.files[0].sha256, sizeof(x.files[0].sha256), "%064d", 7);
    snprintf(x.files[0].metadata_sha256, sizeof(x.files[0].metadata_sha256), "%064d", 8);
    x.files[0].size = -1; /* API 1.0: no size, no versions */
    rk_buf_init(&b, 0);
    assert_int_equal(rk_pyindex_json_project(&x, 0, 1, "../../", &b), 0);
    assert_int_equal(rk_json_parse(b.data, b.len, "page", &doc, &e), 0);
    assert_string_equal(rk_json_str(rk_json_obj(doc, "meta"), "api-version"), "1.0");
    file = json_object_array_get_idx(rk_json_array(doc, "files"), 0);
    assert_string_equal(rk_json_str(file, "filename"), fn);
    assert_string_equal(rk_json_str(file, "url"), "../../d%22ir/a%20b.whl");
    assert_string_equal(rk_json_str(file, "requires-python"), ">=3.8\"\\");
    assert_string_equal(rk_json_str(file, "yanked"), "bad\x02\"one\"");
    assert_string_equal(rk_json_str(rk_json_obj(file, "core-metadata"), "sha256"),
                        x.files[0].metadata_sha256);
    assert_string_equal(rk_json_str(rk_json_obj(file, "hashes"), "sha256"), x.files[0].sha256);
    assert_int_equal(rk_json_int(file, "size", -7), -7);
    assert_null(rk_json_array(doc, "versions"));
    json_object_put(doc);
    /* what json-c prints for the same strings */
    assert_non_null(strstr(rk_buf_cstr(&b), "\"filename\":\"a-1.0-py3-none-any.whl\\\"\\\\"
                                            "\\u0001\\u001f\\t\\n\xc3\xa9</script>\""));
    rk_buf_release(&b);
    rk_pyindex_release(&x);
}

/* the versions list: normalised (by hand for N.N.N, by rk_pep440_format otherwise), once */
static void json_versions_are_normalised_once(void **state)
{
    static const char *const v[] = {"1.0",      "01.2.3",      "1!2.0", "1.0rc1",       "1.0.post2",
                                    "1.0.dev3", "1.0+Local.7", "2",     "not-a-version"};
    struct rk_pyindex x;
    struct rk_err e;
    struct rk_buf b;
    json_object *doc, *versions;
    char fn[64];
    rk_pyindex_init(&x);
    rk_err_clear(&e);
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        snprintf(fn, sizeof(fn), "a-%s-py3-none-any.whl", v[i]);
        addf(&x, fn, fn, "a", v[i]);
        snprintf(fn, sizeof(fn), "a-%s.tar.gz", v[i]); /* the same version twice */
        addf(&x, fn, fn, "a", v[i]);
    }
    assert_int_equal(rk_pyindex_sort(&x, 0, NULL, &e), 0);
    rk_buf_init(&b, 0);
    assert_int_equal(rk_pyindex_json_project(&x, 0, x.n, "", &b), 0);
    assert_int_equal(rk_json_parse(b.data, b.len, "page", &doc, &e), 0);
    versions = rk_json_array(doc, "versions");
    assert_int_equal(json_object_array_length(versions), sizeof(v) / sizeof(v[0]));
    for (size_t i = 0; i < json_object_array_length(versions); i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(versions, i));
        const struct rk_pyfile *f = &x.files[2 * i];
        char norm[RK_PEP440_MAX_TEXT];
        if (f->ver_ok && rk_pep440_format(&f->ver, norm, sizeof(norm)) == 0)
            assert_string_equal(s, norm);
        else
            assert_string_equal(s, f->version);
    }
    json_object_put(doc);
    rk_buf_release(&b);
    rk_pyindex_release(&x);
}

static void assert_file_is(const char *dir, const char *name, const struct rk_buf *want)
{
    char path[512];
    struct rk_buf got;
    struct rk_err e;
    rk_err_clear(&e);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    rk_buf_init(&got, 0);
    assert_int_equal(rk_read_file(path, &got, &e), 0);
    assert_int_equal(got.len, want->len);
    assert_memory_equal(got.data, want->data, want->len);
    rk_buf_release(&got);
}

/* rk_pyindex_write (streamed pages, anchors teed into the find-links page, relative URLs
 * regenerated) writes exactly what the page functions return */
static void written_pages_are_the_page_functions(void **state)
{
    char dir[] = "/tmp/test_pyindex_w.XXXXXX", cmd[128];
    static const char *const projects[] = {"a", "b-c", "d"};
    struct rk_pyindex x;
    struct rk_err e;
    struct rk_buf want;
    struct rk_pyindex_opts o = {"T<&>", 0, 0};
    size_t pages = 0;
    char fn[256], url[512], ver[32];
    assert_non_null(mkdtemp(dir));
    rk_pyindex_init(&x);
    rk_err_clear(&e);
    for (int p = 0; p < 3; p++)
        for (int i = 0; i < 1500; i++) { /* pages of 300+ kB: several chunks each */
            snprintf(fn, sizeof(fn), "%s-1.%d-py3-none-any.whl", projects[p], i);
            if (p == 1 && i == 700)
                snprintf(url, sizeof(url), "rel/%s?x='1'&y", fn); /* relative: "../../" */
            else
                snprintf(url, sizeof(url), "https://h.invalid/dl/%d/%s%s", i, fn,
                         i % 100 == 0 ? " %zz\xc3\xa9" : "");
            snprintf(ver, sizeof(ver), "1.%d", i);
            addf(&x, fn, url, projects[p], ver);
            snprintf(x.files[x.n - 1].sha256, RK_SHA256_HEX_LEN, "%064x", i);
            if (i % 3 == 0)
                x.files[x.n - 1].yanked = strdup(i % 2 ? "why \"not\"" : "");
            if (i % 5 == 0)
                x.files[x.n - 1].requires_python = strdup(">=3.8,<4");
            x.files[x.n - 1].has_metadata = i % 7 == 0;
        }
    assert_int_equal(rk_pyindex_sort(&x, 0, NULL, &e), 0);
    assert_int_equal(rk_pyindex_write(&x, dir, "links.html", &o, &pages, &e), 0);
    assert_int_equal(pages, 9);
    rk_buf_init(&want, 0);
    assert_int_equal(rk_pyindex_findlinks(&x, o.title, "", &want), 0);
    assert_file_is(dir, "links.html", &want);
    rk_buf_reset(&want);
    assert_int_equal(rk_pyindex_simple_root(&x, &want), 0);
    assert_file_is(dir, "simple/index.html", &want);
    rk_buf_reset(&want);
    assert_int_equal(rk_pyindex_json_root(&x, &want), 0);
    assert_file_is(dir, "simple/index.json", &want);
    for (size_t i = 0; i < x.n;) {
        size_t end = rk_pyindex_project_end(&x, i);
        char name[128];
        rk_buf_reset(&want);
        assert_int_equal(rk_pyindex_simple_project(&x, i, end, "../../", &want), 0);
        snprintf(name, sizeof(name), "simple/%s/index.html", x.files[i].project);
        assert_file_is(dir, name, &want);
        rk_buf_reset(&want);
        assert_int_equal(rk_pyindex_json_project(&x, i, end, "../../", &want), 0);
        snprintf(name, sizeof(name), "simple/%s/index.json", x.files[i].project);
        assert_file_is(dir, name, &want);
        i = end;
    }
    /* only the find-links page: the same page */
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    o.no_html = o.no_json = 1;
    assert_int_equal(rk_pyindex_write(&x, dir, "links.html", &o, &pages, &e), 0);
    assert_int_equal(pages, 1);
    rk_buf_reset(&want);
    assert_int_equal(rk_pyindex_findlinks(&x, o.title, "", &want), 0);
    assert_file_is(dir, "links.html", &want);
    /* JSON pages only, and the find-links page */
    o.no_json = 0;
    assert_int_equal(rk_pyindex_write(&x, dir, "links.html", &o, &pages, &e), 0);
    assert_int_equal(pages, 5);
    assert_file_is(dir, "links.html", &want);
    rk_buf_release(&want);
    assert_int_equal(system(cmd), 0);
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
        cmocka_unit_test(byte_classes_match_the_escaping),
        cmocka_unit_test(href_quote_html_escapes_what_it_keeps),
        cmocka_unit_test(json_page_escapes_hostile_strings),
        cmocka_unit_test(json_versions_are_normalised_once),
        cmocka_unit_test(written_pages_are_the_page_functions),
        cmocka_unit_test(hashcache_round_trip_and_stamps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
