/* unit tests: version files (read, combine by PEP 440, bump, write back, version_local.json) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fs.h"
#include "jsonio.h"
#include "versionfile.h"

static char dir[256];

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "%s/relkit-vf.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* write text to dir/rel (creating dir/sub), return the path (static buffer) */
static const char *put(const char *rel, const char *text)
{
    static char path[512];
    struct rk_err e;
    char *slash;
    rk_err_clear(&e);
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    slash = strrchr(path, '/');
    *slash = '\0';
    assert_int_equal(rk_mkdir_p(path, 0755, &e), 0);
    *slash = '/';
    assert_int_equal(rk_write_file_atomic(path, text, strlen(text), 0644, &e), 0);
    return path;
}

static char *slurp(const char *path)
{
    struct rk_buf b;
    struct rk_err e;
    rk_err_clear(&e);
    rk_buf_init(&b, 1 << 20);
    assert_int_equal(rk_read_file(path, &b, &e), 0);
    return rk_buf_detach(&b, NULL);
}

static void read_formats_and_components(void **state)
{
    struct rk_vfiles f;
    struct rk_err e;
    char spec[600];
    rk_err_clear(&e);
    rk_vfiles_init(&f);
    assert_int_equal(
        rk_vfiles_add(&f, put("compiler/version.json", "{\"package-version\": \"3.1.0.dev\"}"), &e),
        0);
    assert_int_equal(
        rk_vfiles_add(&f, put("rt/version_info.json", "{\"version\": \"3.9.0\", \"x\": 1}"), &e),
        0);
    assert_int_equal(rk_vfiles_add(&f, put("VERSION", "\n  0.0.5  \nignored\n"), &e), 0);
    snprintf(spec, sizeof(spec), "tool=%s#meta", put("pkg/meta.json", "{\"meta\": \"1!2.0\"}"));
    assert_int_equal(rk_vfiles_add(&f, spec, &e), 0);
    assert_int_equal(f.n, 4);
    assert_string_equal(f.v[0].component, "compiler");
    assert_string_equal(f.v[0].key, "package-version");
    assert_string_equal(f.v[0].raw, "3.1.0.dev");
    assert_string_equal(f.v[1].component, "rt");
    assert_string_equal(f.v[1].key, "version");
    assert_string_equal(f.v[2].raw, "0.0.5");
    assert_null(f.v[2].key);
    assert_string_equal(f.v[3].component, "tool");
    assert_string_equal(f.v[3].key, "meta");
    assert_int_equal(rk_vfiles_max(&f), 3); /* epoch 1 beats everything */
    rk_vfiles_release(&f);
    assert_int_equal(rk_vfiles_max(&f), -1);
}

static void component_names(void **state)
{
    struct rk_vfiles f;
    struct rk_err e;
    char cwd[1024];
    rk_err_clear(&e);
    rk_vfiles_init(&f);
    put("VERSION", "1.0\n");
    put("other.txt", "2.0\n");
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(dir), 0);
    assert_int_equal(rk_vfiles_add(&f, "VERSION", &e), 0);
    assert_int_equal(rk_vfiles_add(&f, "./other.txt", &e), 0);
    assert_int_equal(chdir(cwd), 0);
    assert_string_equal(f.v[0].component, "VERSION");
    assert_string_equal(f.v[1].component, "other");
    rk_vfiles_release(&f);
}

static void max_is_numeric(void **state)
{
    struct rk_vfiles f;
    struct rk_err e;
    char base[64];
    rk_err_clear(&e);
    rk_vfiles_init(&f);
    assert_int_equal(
        rk_vfiles_add(&f, put("a/version.json", "{\"package-version\": \"3.9.0\"}"), &e), 0);
    assert_int_equal(
        rk_vfiles_add(&f, put("b/version.json", "{\"package-version\": \"3.10.0.dev\"}"), &e), 0);
    assert_int_equal(rk_vfiles_max(&f), 1); /* "3.10.0" > "3.9.0", unlike strcmp */
    assert_int_equal(rk_version_base(&f.v[1].v, base, sizeof(base)), 0);
    assert_string_equal(base, "3.10.0");
    rk_vfiles_release(&f);
}

static void read_errors(void **state)
{
    struct rk_vfiles f;
    struct rk_err e;
    char spec[600];
    rk_err_clear(&e);
    rk_vfiles_init(&f);
    assert_int_equal(
        rk_vfiles_add(&f, put("bad/version.json", "{\"package-version\": \"banana\"}"), &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_non_null(strstr(e.msg, "banana"));
    rk_err_clear(&e);
    assert_int_equal(rk_vfiles_add(&f, put("nokey/version.json", "{\"name\": \"x\"}"), &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    rk_err_clear(&e);
    assert_int_equal(rk_vfiles_add(&f, put("trunc/version.json", "{\"package-version\": "), &e),
                     -1);
    assert_int_equal(e.code, RK_INPUT);
    rk_err_clear(&e);
    assert_int_equal(rk_vfiles_add(&f, put("empty/VERSION", "\n\n"), &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    rk_err_clear(&e);
    snprintf(spec, sizeof(spec), "%s/nosuch.json", dir);
    assert_int_equal(rk_vfiles_add(&f, spec, &e), -1);
    assert_int_equal(e.code, RK_SYSTEM);
    rk_err_clear(&e);
    assert_int_equal(rk_vfiles_add(&f, "=x", &e), -1);
    assert_int_equal(e.code, RK_USAGE);
    rk_err_clear(&e);
    assert_int_equal(rk_vfiles_add(&f, put("dup/version.json", "{\"version\": \"1\"}"), &e), 0);
    assert_int_equal(rk_vfiles_add(&f, put("dup/version.json", "{\"version\": \"1\"}"), &e), -1);
    assert_non_null(strstr(e.msg, "two version files for component 'dup'"));
    assert_int_equal(f.n, 1);
    rk_vfiles_release(&f);
}

static void increment_and_retext(void **state)
{
    struct rk_pep440 v;
    struct rk_err e;
    char out[64];
    rk_err_clear(&e);
    assert_int_equal(rk_pep440_parse("3.1.0.dev", &v, &e), 0);
    assert_int_equal(rk_version_increment(&v, "minor", &e), 0);
    assert_int_equal(rk_version_retext("3.1.0.dev", &v, out, sizeof(out), &e), 0);
    assert_string_equal(out, "3.2.0.dev");
    assert_int_equal(rk_version_increment(&v, "major", &e), 0);
    assert_int_equal(rk_version_retext(" v3.1.0.dev ", &v, out, sizeof(out), &e), 0);
    assert_string_equal(out, " v4.0.0.dev ");
    assert_int_equal(rk_pep440_parse("1.2", &v, &e), 0);
    assert_int_equal(rk_version_increment(&v, "patch", &e), 0);
    assert_int_equal(rk_version_retext("1.2", &v, out, sizeof(out), &e), 0);
    assert_string_equal(out, "1.2.1");
    assert_int_equal(rk_pep440_parse("1!2.3.4.5rc1", &v, &e), 0);
    assert_int_equal(rk_version_increment(&v, "minor", &e), 0);
    assert_int_equal(rk_version_retext("1!2.3.4.5rc1", &v, out, sizeof(out), &e), 0);
    assert_string_equal(out, "1!2.4.0.0rc1");
    assert_int_equal(rk_version_base(&v, out, sizeof(out)), 0);
    assert_string_equal(out, "1!2.4.0.0");
    assert_int_equal(rk_version_increment(&v, "huge", &e), -1);
    assert_int_equal(e.code, RK_USAGE);
    rk_err_clear(&e);
    assert_int_equal(rk_version_retext("banana", &v, out, sizeof(out), &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    rk_err_clear(&e);
    assert_int_equal(rk_version_retext("1.0", &v, out, 3, &e), -1);
}

static void write_back(void **state)
{
    struct rk_vfiles f;
    struct rk_err e;
    char *text;
    rk_err_clear(&e);
    rk_vfiles_init(&f);
    assert_int_equal(
        rk_vfiles_add(
            &f, put("c/version.json", "{\"package-version\": \"3.1.0.dev\", \"keep\": [1]}"), &e),
        0);
    assert_int_equal(rk_vfiles_add(&f, put("t/VERSION", "# tt\n0.0.5\n"), &e), 0);
    assert_int_equal(rk_vfile_write(&f.v[0], "3.2.0.dev", &e), 0);
    assert_int_equal(rk_vfile_write(&f.v[1], "0.1.0", &e), 0);
    text = slurp(f.v[0].path);
    assert_non_null(strstr(text, "\"package-version\": \"3.2.0.dev\""));
    assert_non_null(strstr(text, "\"keep\""));
    free(text);
    text = slurp(f.v[1].path);
    assert_string_equal(text, "# tt\n0.1.0\n");
    free(text);
    rk_vfiles_release(&f);
}

static void version_local(void **state)
{
    struct rk_vfiles f;
    struct rk_err e;
    char *path, *text;
    rk_err_clear(&e);
    rk_vfiles_init(&f);
    assert_int_equal(
        rk_vfiles_add(&f, put("runtime/version.json", "{\"package-version\": \"3.1.0.dev\"}"), &e),
        0);
    path = rk_version_local_path(&f.v[0]);
    assert_non_null(strstr(path, "/runtime/version_local.json"));
    assert_int_equal(rk_version_local_write(path, "3.1.0rc20241119", "iree-revision", "abc", &e),
                     0);
    text = slurp(path);
    assert_non_null(strstr(text, "\"package-version\": \"3.1.0rc20241119\""));
    assert_non_null(strstr(text, "\"iree-revision\": \"abc\""));
    free(text);
    assert_int_equal(rk_version_local_write(path, "1.0", NULL, "abc", &e), 0);
    text = slurp(path);
    assert_null(strstr(text, "abc"));
    free(text);
    free(path);
    rk_vfiles_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(read_formats_and_components, setup, teardown),
        cmocka_unit_test_setup_teardown(component_names, setup, teardown),
        cmocka_unit_test_setup_teardown(max_is_numeric, setup, teardown),
        cmocka_unit_test_setup_teardown(read_errors, setup, teardown),
        cmocka_unit_test(increment_and_retext),
        cmocka_unit_test_setup_teardown(write_back, setup, teardown),
        cmocka_unit_test_setup_teardown(version_local, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
