/* test_wheel.c - wheel file names, METADATA/WHEEL headers, Requires-Dist, --pin values, RECORD,
 * and the checks every tool makes on a wheel (wheel_check.h) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "wheel.h"
#include "wheel_check.h"
#include "zip.h"

static void test_name_parse(void **state)
{
    struct rk_wheel_name w;
    struct rk_err e = {0, ""};
    char out[512];
    (void)state;
    assert_int_equal(rk_wheel_name_parse("dir/iree_base_compiler-3.1.0rc20241119-1-cp311-cp311-"
                                         "manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                                         &w, &e),
                     0);
    assert_string_equal(w.name, "iree_base_compiler");
    assert_string_equal(w.version, "3.1.0rc20241119");
    assert_string_equal(w.build, "1");
    assert_string_equal(w.python, "cp311");
    assert_string_equal(w.platform, "manylinux_2_17_x86_64.manylinux2014_x86_64");
    assert_int_equal(rk_wheel_name_format(&w, out, sizeof(out)), 0);
    assert_string_equal(out, "iree_base_compiler-3.1.0rc20241119-1-cp311-cp311-"
                             "manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    assert_int_equal(rk_wheel_name_parse("pip-23.0.1-py3-none-any.whl", &w, &e), 0);
    assert_string_equal(w.build, "");
    assert_int_equal(rk_wheel_name_format(&w, out, 10), -1);
}

static void expect_bad_name(const char *name, const char *why)
{
    struct rk_wheel_name w;
    struct rk_err e = {0, ""};
    assert_int_equal(rk_wheel_name_parse(name, &w, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_non_null(strstr(e.msg, why));
}

static void test_name_bad(void **state)
{
    (void)state;
    expect_bad_name("pip-23.0.1-py3-none-any.zip", "does not end in .whl");
    expect_bad_name("pip-23.0.1-py3-none.whl", "expected name-version");
    expect_bad_name("pip-23.0.1-x-py3-none-any.whl", "build tag must start with a digit");
    expect_bad_name("pip-1-2-3-4-5-6.whl", "too many");
    expect_bad_name("pip-not@version-py3-none-any.whl", "bad version");
    expect_bad_name("pip--py3-none-any.whl", "empty");
    expect_bad_name("pip-1.0-py3-none-any..whl", "bad compatibility tag");
    expect_bad_name("p!p-1.0-py3-none-any.whl", "bad distribution name");
    expect_bad_name(".whl", "does not end in .whl");
}

static void test_names(void **state)
{
    char out[64];
    (void)state;
    rk_wheel_escape_name("Foo.Bar--baz_", out, sizeof(out));
    assert_string_equal(out, "foo_bar_baz_");
    rk_pep503_normalize("Foo.Bar--baz", out, sizeof(out));
    assert_string_equal(out, "foo-bar-baz");
    rk_pep503_normalize("abcdef", out, 4);
    assert_string_equal(out, "abc");
    assert_true(rk_wheel_same_project("IREE_base.compiler", "iree-base-compiler"));
    assert_false(rk_wheel_same_project("iree-base", "iree-base-compiler"));
    assert_true(rk_wheel_valid_name("shark-ai"));
    assert_true(rk_wheel_valid_name("a"));
    assert_false(rk_wheel_valid_name("-a"));
    assert_false(rk_wheel_valid_name("a b"));
    assert_false(rk_wheel_valid_name(""));
    assert_true(rk_wheel_valid_build("12abc"));
    assert_false(rk_wheel_valid_build("a1"));
    assert_false(rk_wheel_valid_tag("a-b"));
}

static void test_tagsets(void **state)
{
    char set[64] = "linux_x86_64";
    char **tags;
    size_t n;
    struct rk_err e = {0, ""};
    (void)state;
    assert_int_equal(rk_tagset_add(set, sizeof(set), "manylinux_2_28_x86_64"), 0);
    assert_int_equal(rk_tagset_add(set, sizeof(set), "linux_x86_64"), 0);
    assert_string_equal(set, "linux_x86_64.manylinux_2_28_x86_64");
    assert_true(rk_tagset_has(set, "manylinux_2_28_x86_64"));
    assert_false(rk_tagset_has(set, "linux"));
    assert_int_equal(rk_tagset_remove(set, "linux_x86_64"), 1);
    assert_string_equal(set, "manylinux_2_28_x86_64");
    assert_int_equal(rk_tagset_remove(set, "nope"), 0);
    assert_int_equal(rk_tagset_remove(set, "manylinux_2_28_x86_64"), 1);
    assert_string_equal(set, "");
    assert_int_equal(rk_tagset_add(set, 8, "toolongtag"), -1);
    assert_int_equal(rk_wheel_tags_expand("py2.py3", "none", "any.linux", &tags, &n, &e), 0);
    assert_int_equal(n, 4);
    assert_string_equal(tags[0], "py2-none-any");
    assert_string_equal(tags[3], "py3-none-linux");
    rk_wheel_tags_free(tags, n);
}

static const char meta_text[] = "Metadata-Version: 2.1\r\n"
                                "Name: demo\r\n"
                                "Version: 1.0rc1\r\n"
                                "License: line one\r\n"
                                "        line two\r\n"
                                "Requires-Dist: numpy\r\n"
                                "\r\n"
                                "Body: not a header\r\n";

static void test_meta_parse(void **state)
{
    struct rk_meta m;
    struct rk_err e = {0, ""};
    char v[64];
    long i;
    (void)state;
    assert_int_equal(rk_meta_parse(&m, meta_text, strlen(meta_text), "METADATA", &e), 0);
    assert_int_equal(m.n, 5);
    assert_string_equal(m.eol, "\r\n");
    i = rk_meta_find(&m, "version", 0);
    assert_int_equal(i, 2);
    assert_int_equal(rk_meta_value(&m, (size_t)i, v, sizeof(v)), 0);
    assert_string_equal(v, "1.0rc1");
    assert_int_equal(rk_meta_value(&m, (size_t)i, v, 3), -1);
    assert_int_equal(rk_meta_find(&m, "Body", 0), -1);
    assert_int_equal(rk_meta_find(&m, "Version", 3), -1);
    rk_meta_release(&m);
    assert_int_equal(rk_meta_parse(&m, " cont\n", 6, "METADATA", &e), -1);
    assert_non_null(strstr(e.msg, "continuation"));
}

static void test_meta_rewrite(void **state)
{
    struct rk_meta m;
    struct rk_err e = {0, ""};
    struct rk_buf out, f;
    struct rk_meta_edit ed[3];
    (void)state;
    rk_buf_init(&out, 0);
    rk_buf_init(&f, 0);
    assert_int_equal(rk_meta_parse(&m, meta_text, strlen(meta_text), "METADATA", &e), 0);
    assert_int_equal(rk_meta_format(&m, 2, "Version", "1.0", &f), 0);
    ed[0].field = 2, ed[0].text = rk_buf_cstr(&f);
    ed[1].field = 3, ed[1].text = "";
    ed[2].field = m.n, ed[2].text = "Extra: x\r\n";
    assert_int_equal(rk_meta_rewrite(&m, ed, 3, &out, &e), 0);
    assert_string_equal(rk_buf_cstr(&out), "Metadata-Version: 2.1\r\n"
                                           "Name: demo\r\n"
                                           "Version: 1.0\r\n"
                                           "Requires-Dist: numpy\r\n"
                                           "Extra: x\r\n"
                                           "\r\n"
                                           "Body: not a header\r\n");
    rk_meta_release(&m);
    /* no final newline, insertion at the end */
    rk_buf_reset(&out);
    assert_int_equal(rk_meta_parse(&m, "A: 1", 4, "WHEEL", &e), 0);
    ed[0].field = 1, ed[0].text = "B: 2\n";
    assert_int_equal(rk_meta_rewrite(&m, ed, 1, &out, &e), 0);
    assert_string_equal(rk_buf_cstr(&out), "A: 1\nB: 2\n");
    ed[1].field = 0;
    assert_int_equal(rk_meta_rewrite(&m, ed, 2, &out, &e), -1);
    rk_meta_release(&m);
    rk_buf_release(&out);
    rk_buf_release(&f);
}

static void req_case(const char *in, const char *pin, int finalize, const char *want)
{
    struct rk_req r;
    struct rk_err e = {0, ""};
    struct rk_buf out;
    int changed = 0;
    rk_buf_init(&out, 0);
    assert_int_equal(rk_req_parse(in, &r, &e), 0);
    if (pin)
        assert_int_equal(rk_req_set_spec(in, &r, pin, &out), 0);
    else
        assert_int_equal(rk_req_finalize(in, &r, &out, &changed, &e), 0);
    assert_string_equal(rk_buf_cstr(&out), want);
    if (!pin)
        assert_int_equal(changed, finalize);
    rk_buf_release(&out);
}

static void test_requires(void **state)
{
    struct rk_req r;
    struct rk_err e = {0, ""};
    (void)state;
    req_case("iree-base-compiler==3.2.*", "==3.2.0", 0, "iree-base-compiler==3.2.0");
    req_case("numpy", "==2.0", 0, "numpy==2.0");
    req_case("numpy ; extra == 'x'", "==2.0", 0, "numpy==2.0 ; extra == 'x'");
    req_case("foo[a,b] (>=1) ; python_version<'4'", "==2", 0,
             "foo[a,b] (==2) ; python_version<'4'");
    req_case("sharktank==3.2.0rc20250101", NULL, 1, "sharktank==3.2.0");
    req_case("x>=1.0,==2.0.dev3+abc ;os_name=='nt'", NULL, 1, "x>=1.0,==2.0 ;os_name=='nt'");
    req_case("x==2.0.*", NULL, 0, "x==2.0.*");
    req_case("x===1.0rc1", NULL, 0, "x===1.0rc1");
    req_case("x (==1.0rc1)", NULL, 1, "x (==1.0)");
    req_case("x==1.0", NULL, 0, "x==1.0");
    assert_int_equal(rk_req_parse("pkg @ https://x/y.whl", &r, &e), 0);
    assert_true(r.url);
    assert_int_equal(rk_req_parse("[x]", &r, &e), -1);
    rk_err_clear(&e);
    assert_int_equal(rk_req_parse("x (==1", &r, &e), -1);
    rk_err_clear(&e);
    assert_int_equal(rk_req_parse("x[a", &r, &e), -1);
    rk_err_clear(&e);
    assert_int_equal(rk_req_parse("x y", &r, &e), -1);
}

static void pin_ok(const char *in, const char *name, const char *version)
{
    char n[RK_WHEEL_FIELD], v[RK_WHEEL_FIELD];
    struct rk_err e = {0, ""};
    assert_int_equal(rk_req_parse_pin(in, n, v, &e), 0);
    assert_string_equal(n, name);
    assert_string_equal(v, version);
}

static void pin_bad(const char *in, const char *why)
{
    char n[RK_WHEEL_FIELD], v[RK_WHEEL_FIELD];
    struct rk_err e = {0, ""};
    assert_int_equal(rk_req_parse_pin(in, n, v, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    if (!strstr(e.msg, why))
        fail_msg("pin '%s': '%s' lacks '%s'", in, e.msg, why);
}

static void test_pin(void **state)
{
    (void)state;
    pin_ok("iree-base-compiler==3.2.0", "iree-base-compiler", "3.2.0");
    pin_ok("  x_y == 3.2-RC1 ", "x_y", "3.2rc1");
    pin_ok("x==1!2.0.post1.dev3+abc", "x", "1!2.0.post1.dev3+abc");
    pin_bad("x==", "no version after '=='");
    pin_bad("x==  ", "no version after '=='");
    pin_bad("x==$(rm -rf)", "'$(rm -rf)' is not a PEP 440 version");
    pin_bad("x==1\nEvil: injected", "control character");
    pin_bad("x==1\r", "control character");
    pin_bad("x==1.0; python_version<\"3\"", "environment markers are not supported");
    pin_bad("==1.0", "not a project name");
    pin_bad("x[extra]==1.0", "not a project name");
    pin_bad("x y==1.0", "not a project name");
    pin_bad("x>=1.0", "no '=='");
    pin_bad("x===1.0", "'===' is not supported");
    pin_bad("x==1.*", "is not a PEP 440 version");
    pin_bad("x==1,<2", "is not a PEP 440 version");
}

static void link_ok(const char *entry, const char *target)
{
    struct rk_err e = {0, ""};
    assert_int_equal(rk_wheel_check_link(entry, target, strlen(target), "w.whl", &e), 0);
}

static void link_bad(const char *entry, const char *target, size_t len, const char *why)
{
    struct rk_err e = {0, ""};
    assert_int_equal(rk_wheel_check_link(entry, target, len, "w.whl", &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    if (!strstr(e.msg, why))
        fail_msg("link '%s': '%s' lacks '%s'", entry, e.msg, why);
}

static void test_links(void **state)
{
    (void)state;
    link_ok("pkg/lib/libx.so", "libx.so.1");
    link_ok("pkg/lib/libx.so", "../lib/./libx.so.1");
    link_ok("pkg/a/b/c", "../../x/y");
    link_ok("pkg/link", "..");
    link_ok("pkg/a/link", "x/../../../y"); /* y at the top of the wheel */
    link_bad(
        "pkg/link", "/etc/passwd", 11,
        "invalid wheel 'w.whl': entry 'pkg/link' is a symlink out of the wheel ('/etc/passwd')");
    link_bad("pkg/link", "../../x", 7, "is a symlink out of the wheel ('../../x')");
    link_bad("pkg/a/link", "x/../../../../y", 15, "is a symlink out of the wheel");
    link_bad("top", "..", 2, "is a symlink out of the wheel");
    link_bad("pkg/link", "..\\..\\x", 7, "is a symlink out of the wheel");
    link_bad("pkg/link", "C:/x", 4, "is a symlink out of the wheel");
    link_bad("pkg/link", "/\033[31m", 6, "('/?[31m')");
    link_bad("pkg/link", "", 0, "is a symlink with an empty target or a NUL byte");
    link_bad("pkg/link", "a\0b", 3, "is a symlink with an empty target or a NUL byte");
}

/* a directory of entries (names only, laid out one after another) */
static void fake_dir(struct rk_zip_dir *d, struct rk_zip_entry *es, const char *const *names,
                     size_t n)
{
    uint64_t off = 0;
    rk_zip_dir_init(d);
    memset(es, 0, n * sizeof(*es));
    for (size_t i = 0; i < n; i++) {
        es[i].name = names[i];
        es[i].name_len = (uint16_t)strlen(names[i]);
        es[i].offset = off;
        es[i].csize = 10;
        off += 30 + es[i].name_len + 10;
    }
    d->entries = es;
    d->n = n;
    d->loc.cd_offset = off;
}

static void dir_case(const char *file, const char *const *names, size_t n, const char *why)
{
    struct rk_zip_dir d;
    struct rk_zip_entry es[8];
    struct rk_wheel_name fn;
    struct rk_err e = {0, ""};
    char info[RK_WHEEL_INFO_DIR];
    assert_int_equal(rk_wheel_name_parse(file, &fn, &e), 0);
    fake_dir(&d, es, names, n);
    if (!why) {
        assert_int_equal(rk_wheel_check_dir(&d, &fn, info, sizeof(info), file, &e), 0);
        assert_string_equal(info, "demo_pkg-1.0.dist-info");
        return;
    }
    assert_int_equal(rk_wheel_check_dir(&d, &fn, info, sizeof(info), file, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    if (!strstr(e.msg, why))
        fail_msg("'%s' lacks '%s'", e.msg, why);
}

static void test_check_dir(void **state)
{
    static const char *const ok[] = {"demo_pkg/__init__.py", "demo_pkg-1.0.dist-info/METADATA"};
    static const char *const dotdot[] = {"demo_pkg/../../evil", "demo_pkg-1.0.dist-info/METADATA"};
    static const char *const abs[] = {"/etc/evil", "demo_pkg-1.0.dist-info/METADATA"};
    static const char *const dup[] = {"demo_pkg-1.0.dist-info/METADATA",
                                      "demo_pkg-1.0.dist-info/METADATA"};
    static const char *const two[] = {"demo_pkg-1.0.dist-info/METADATA",
                                      "other-1.0.dist-info/METADATA"};
    static const char *const none[] = {"demo_pkg/__init__.py"};
    static const char *const other[] = {"demo_pkg-2.0.dist-info/METADATA"};
    const char *f = "demo_pkg-1.0-py3-none-any.whl";
    (void)state;
    dir_case(f, ok, 2, NULL);
    dir_case(f, dotdot, 2,
             "invalid wheel 'demo_pkg-1.0-py3-none-any.whl': entry "
             "'demo_pkg/../../evil' escapes the archive");
    dir_case(f, abs, 2, "entry '/etc/evil' has an absolute path");
    dir_case(f, dup, 2, "duplicate entry 'demo_pkg-1.0.dist-info/METADATA'");
    dir_case(f, two, 2, "more than one .dist-info directory");
    dir_case(f, none, 1, "no .dist-info directory");
    dir_case(f, other, 1, "does not match the file name version '1.0'");
}

static void meta_case(const char *text, const char *why)
{
    struct rk_wheel_name fn;
    struct rk_err e = {0, ""};
    assert_int_equal(rk_wheel_name_parse("demo_pkg-1.0-py3-none-any.whl", &fn, &e), 0);
    if (!why) {
        assert_int_equal(rk_wheel_check_metadata_text(text, strlen(text), &fn, "w.whl", &e), 0);
        return;
    }
    assert_int_equal(rk_wheel_check_metadata_text(text, strlen(text), &fn, "w.whl", &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    if (!strstr(e.msg, why))
        fail_msg("'%s' lacks '%s'", e.msg, why);
}

static void test_check_metadata(void **state)
{
    (void)state;
    meta_case("Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0.0\n", NULL);
    meta_case("Metadata-Version: 2.1\nName: demo-pkg\n",
              "invalid wheel 'w.whl': METADATA has no Version");
    meta_case("Metadata-Version: 2.1\nVersion: 1.0\n", "METADATA has no Name");
    meta_case("Name: demo-pkg\nVersion: 1..0\n", "METADATA Version: invalid version '1..0'");
    meta_case("Name: demo-pkg\nVersion: 2.0\n",
              "METADATA Version '2.0' does not match the file name '1.0'");
    meta_case("Name: other\nVersion: 1.0\n", "METADATA Name 'other' does not match");
    meta_case("Name: -bad-\nVersion: 1.0\n", "is not a valid project name");
}

static const char record_text[] = "a/b.py,sha256=AAAA,10\n"
                                  "\"a/with,comma.py\",sha256=BBBB,3\r\n"
                                  "\n"
                                  "\"q\"\"uote\",,\n"
                                  "x.dist-info/RECORD,,";

static void test_record(void **state)
{
    struct rk_record r;
    struct rk_err e = {0, ""};
    size_t *idx;
    struct rk_buf out;
    (void)state;
    assert_int_equal(rk_record_parse(&r, record_text, strlen(record_text), "RECORD", &e), 0);
    assert_int_equal(r.n, 4);
    assert_string_equal(r.lines[1].path, "a/with,comma.py");
    assert_string_equal(r.lines[1].hash, "sha256=BBBB");
    assert_string_equal(r.lines[2].path, "q\"uote");
    assert_int_equal(r.lines[3].raw_len, strlen("x.dist-info/RECORD,,"));
    assert_int_equal(rk_record_index(&r, &idx, "RECORD", &e), 0);
    assert_int_equal(rk_record_lookup(&r, idx, "a/with,comma.py"), 1);
    assert_int_equal(rk_record_lookup(&r, idx, "x.dist-info/RECORD"), 3);
    assert_int_equal(rk_record_lookup(&r, idx, "nope"), -1);
    free(idx);
    rk_record_release(&r);
    rk_buf_init(&out, 0);
    assert_int_equal(rk_record_format(&out, "a,\"b", "sha256=X", "1"), 0);
    assert_string_equal(rk_buf_cstr(&out), "\"a,\"\"b\",sha256=X,1\n");
    rk_buf_release(&out);
}

static void expect_bad_record(const char *text, const char *why)
{
    struct rk_record r;
    struct rk_err e = {0, ""};
    size_t *idx = NULL;
    int rc = rk_record_parse(&r, text, strlen(text), "RECORD", &e);
    if (rc == 0) {
        rc = rk_record_index(&r, &idx, "RECORD", &e);
        rk_record_release(&r);
    }
    assert_int_equal(rc, -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_non_null(strstr(e.msg, why));
}

static void test_record_bad(void **state)
{
    (void)state;
    expect_bad_record("a,b,c,d\n", "more than three fields");
    expect_bad_record("a,b\n", "expected path,hash,size");
    expect_bad_record("\"a,b,c\n", "malformed");
    expect_bad_record("\"a\"x,b,c\n", "malformed");
    expect_bad_record(",h,1\n", "empty path");
    expect_bad_record("a,h,1\na,h,1\n", "lists 'a' twice");
}

static void test_hash(void **state)
{
    char h[64];
    unsigned char d[64];
    const char *algo;
    size_t n;
    struct rk_err e = {0, ""};
    (void)state;
    assert_int_equal(rk_record_hash("", 0, h, sizeof(h), &e), 0);
    assert_string_equal(h, "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
    assert_int_equal(rk_record_hash_parse(h, &algo, d, &n, &e), 0);
    assert_string_equal(algo, "sha256");
    assert_int_equal(n, 32);
    assert_int_equal(d[0], 0xe3);
    assert_int_equal(rk_record_hash_parse("md5=AAAA", &algo, d, &n, &e), -1);
    rk_err_clear(&e);
    assert_int_equal(rk_record_hash_parse("sha256=AAAA", &algo, d, &n, &e), -1);
    rk_err_clear(&e);
    assert_int_equal(rk_record_hash_parse("sha256", &algo, d, &n, &e), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_parse), cmocka_unit_test(test_name_bad),
        cmocka_unit_test(test_names),      cmocka_unit_test(test_tagsets),
        cmocka_unit_test(test_meta_parse), cmocka_unit_test(test_meta_rewrite),
        cmocka_unit_test(test_requires),   cmocka_unit_test(test_record),
        cmocka_unit_test(test_record_bad), cmocka_unit_test(test_hash),
        cmocka_unit_test(test_pin),        cmocka_unit_test(test_links),
        cmocka_unit_test(test_check_dir),  cmocka_unit_test(test_check_metadata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
