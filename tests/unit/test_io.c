/* unit tests: fs (atomic writes), jsonio (context), log (redaction, Actions files) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"

static char tmpdir[64];

static int setup(void **state)
{
    strcpy(tmpdir, "/tmp/relkit-unit.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    int n = 0;
    while ((ent = readdir(d)) != NULL)
        if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void atomic_write_commit_and_abort(void **state)
{
    struct rk_err e;
    struct rk_atomic a;
    struct rk_buf b;
    char *sub = rk_path_join(tmpdir, "x/y"), *path;
    struct stat st;
    rk_err_clear(&e);
    assert_int_equal(rk_mkdir_p(sub, 0755, &e), 0);
    path = rk_path_join(sub, "out.txt");
    assert_int_equal(rk_write_file_atomic(path, "hello", 5, 0640, &e), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    /* an aborted write leaves the old file and no temporary behind */
    assert_int_equal(rk_atomic_open(&a, path, 0644, &e), 0);
    assert_int_equal(rk_write_all(a.fd, "partial", 7, path, &e), 0);
    rk_atomic_abort(&a);
    assert_int_equal(count_entries(sub), 1);
    rk_buf_init(&b, 0);
    assert_int_equal(rk_read_file(path, &b, &e), 0);
    assert_string_equal(rk_buf_cstr(&b), "hello");
    rk_buf_release(&b);
    /* a bounded read refuses a larger file with RK_INPUT */
    rk_buf_init(&b, 3);
    assert_int_equal(rk_read_file(path, &b, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    rk_buf_release(&b);
    free(path);
    free(sub);
}

static void fs_errors_name_the_path(void **state)
{
    struct rk_err e;
    struct rk_buf b;
    rk_err_clear(&e);
    rk_buf_init(&b, 0);
    assert_int_equal(rk_read_file("/nonexistent/relkit", &b, &e), -1);
    assert_int_equal(e.code, RK_SYSTEM);
    assert_string_equal(e.msg, "unable to open '/nonexistent/relkit': No such file or directory");
    rk_err_clear(&e);
    assert_int_equal(rk_write_file_atomic("/nonexistent/relkit/x", "a", 1, 0644, &e), -1);
    assert_int_equal(e.code, RK_SYSTEM);
    assert_non_null(strstr(e.msg, "'/nonexistent/relkit/x'"));
    assert_string_equal(rk_basename("a/b/c.whl"), "c.whl");
    assert_string_equal(rk_basename("c.whl"), "c.whl");
    rk_buf_release(&b);
}

static void json_parse_rejects_garbage(void **state)
{
    struct rk_err e;
    json_object *o;
    rk_err_clear(&e);
    assert_int_equal(rk_json_parse("{\"a\": 1} x", 10, "input", &o, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_non_null(strstr(e.msg, "trailing data"));
    rk_err_clear(&e);
    assert_int_equal(rk_json_parse("{\"a\": ", 6, "input", &o, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_non_null(strstr(e.msg, "invalid JSON in input"));
    rk_err_clear(&e);
    assert_int_equal(rk_json_parse("12", 2, "input", &o, &e), 0);
    assert_int_equal(json_object_get_int(o), 12);
    json_object_put(o);
}

static void context_keeps_unknown_keys(void **state)
{
    struct rk_err e;
    json_object *ctx;
    char *path = rk_path_join(tmpdir, "ctx.json");
    const char *text = "{\"tag\": \"v1\", \"unknown\": {\"deep\": [1, 2]}}";
    rk_err_clear(&e);
    assert_int_equal(rk_write_file_atomic(path, text, strlen(text), 0644, &e), 0);
    assert_int_equal(rk_context_read(path, NULL, &ctx, &e), 0);
    assert_string_equal(rk_json_str(ctx, "tag"), "v1");
    assert_null(rk_json_str(ctx, "unknown"));
    assert_non_null(rk_json_obj(ctx, "unknown"));
    rk_json_set_str(ctx, "tag", "v2");
    rk_json_set_int(ctx, "n", 3);
    assert_int_equal(rk_json_write_file(path, ctx, &e), 0);
    json_object_put(ctx);
    assert_int_equal(rk_context_read(path, NULL, &ctx, &e), 0);
    assert_string_equal(rk_json_str(ctx, "tag"), "v2");
    assert_int_equal(rk_json_int(ctx, "n", 0), 3);
    assert_non_null(rk_json_array(rk_json_obj(ctx, "unknown"), "deep"));
    json_object_put(ctx);
    free(path);
}

static void context_arrays_and_non_objects(void **state)
{
    struct rk_err e;
    json_object *ctx;
    char *path = rk_path_join(tmpdir, "list.json");
    rk_err_clear(&e);
    assert_int_equal(rk_write_file_atomic(path, "[1,2]", 5, 0644, &e), 0);
    assert_int_equal(rk_context_read(path, "files", &ctx, &e), 0);
    assert_int_equal(json_object_array_length(rk_json_array(ctx, "files")), 2);
    json_object_put(ctx);
    assert_int_equal(rk_context_read(path, NULL, &ctx, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_non_null(strstr(e.msg, "must be a JSON object"));
    rk_err_clear(&e);
    assert_int_equal(rk_write_file_atomic(path, " \n", 2, 0644, &e), 0);
    assert_int_equal(rk_context_read(path, NULL, &ctx, &e), 0);
    assert_int_equal(json_object_object_length(ctx), 0);
    json_object_put(ctx);
    free(path);
}

static void log_redacts_secrets_and_url_credentials(void **state)
{
    char out[256];
    rk_log_secret("ghp_SECRET123");
    rk_log_redact("token ghp_SECRET123 and ghp_SECRET123!", out, sizeof(out));
    assert_string_equal(out, "token *** and ***!");
    rk_log_redact("GET https://user:pa55@example.test/v2/ failed", out, sizeof(out));
    assert_string_equal(out, "GET https://***@example.test/v2/ failed");
    rk_log_redact("https://example.test/a@b", out, sizeof(out));
    assert_string_equal(out, "https://example.test/a@b");
    rk_log_forget_secrets();
    rk_log_redact("ghp_SECRET123", out, sizeof(out));
    assert_string_equal(out, "ghp_SECRET123");
}

static void log_redacts_bare_userinfo(void **state)
{
    char out[256];
    rk_log_redact("bad 'pusher:PW1@127.0.0.1:5000/src/app:1.0'", out, sizeof(out));
    assert_string_equal(out, "bad '***@127.0.0.1:5000/src/app:1.0'");
    rk_log_redact("registry u:pw@ghcr.io failed", out, sizeof(out));
    assert_string_equal(out, "registry ***@ghcr.io failed");
    rk_log_redact("x u:pw@localhost/a", out, sizeof(out));
    assert_string_equal(out, "x ***@localhost/a");
    /* digests, mail-like words without a password, '@' without a host: kept */
    rk_log_redact("ghcr.io/a/b:1.0@sha256:abcdef0123", out, sizeof(out));
    assert_string_equal(out, "ghcr.io/a/b:1.0@sha256:abcdef0123");
    rk_log_redact("ghcr.io/a/b:1.0@sha256:0123456789", out, sizeof(out));
    assert_string_equal(out, "ghcr.io/a/b:1.0@sha256:0123456789");
    rk_log_redact("git@github.com:o/r a:b@c", out, sizeof(out));
    assert_string_equal(out, "git@github.com:o/r a:b@c");
}

/* masked whole, then cut: a secret across the cut leaves nothing of itself */
static void log_masks_before_truncating(void **state)
{
    char out[24], pad[1011];
    struct rk_err e;
    rk_log_secret("ghp_CUTSECRET0123456789");
    rk_log_redact("0123456789abcdefghi ghp_CUTSECRET0123456789", out, sizeof(out));
    assert_string_equal(out, "0123456789abcdefghi ***");
    memset(pad, 'x', sizeof(pad) - 1);
    pad[sizeof(pad) - 1] = '\0';
    rk_err_clear(&e); /* the secret straddles RK_ERR_MAX */
    rk_err_set(&e, RK_REMOTE, "%s ghp_CUTSECRET0123456789", pad);
    assert_null(strstr(e.msg, "ghp_CUT"));
    assert_int_equal(strlen(e.msg), sizeof(pad) - 1 + 4);
    rk_err_clear(&e);
    rk_err_set(&e, RK_REMOTE, "a ghp_CUTSECRET0123456789 b");
    assert_string_equal(e.msg, "a *** b");
    rk_err_prefix(&e, "ctx ghp_CUTSECRET0123456789");
    assert_string_equal(e.msg, "ctx ***: a *** b");
    rk_log_forget_secrets();
}

static void log_keeps_every_secret(void **state)
{
    char secret[32], line[64], out[64];
    for (int i = 0; i < 200; i++) {
        snprintf(secret, sizeof(secret), "tok-%03d-renewed", i);
        rk_log_secret(secret);
    }
    for (int i = 0; i < 200; i += 37) {
        snprintf(line, sizeof(line), "bearer tok-%03d-renewed", i);
        rk_log_redact(line, out, sizeof(out));
        assert_string_equal(out, "bearer ***");
    }
    rk_log_forget_secrets();
}

static void log_lines_go_to_stderr_masked(void **state)
{
    char *path = rk_path_join(tmpdir, "stderr.txt");
    struct rk_buf b;
    struct rk_err e;
    int saved = dup(2), fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    rk_err_clear(&e);
    rk_log_init("tool");
    setenv("GITHUB_ACTIONS", "true", 1);
    rk_log_init("tool"); /* re-read GITHUB_ACTIONS */
    dup2(fd, 2);
    rk_log_secret("s3cr3t-value");
    rk_log_error("unable to use 's3cr3t-value'");
    rk_log_set_verbosity(-1);
    rk_log_warn("hidden when quiet");
    rk_log_set_verbosity(0);
    fflush(stderr);
    dup2(saved, 2);
    close(fd);
    close(saved);
    unsetenv("GITHUB_ACTIONS");
    rk_log_init("tool");
    rk_buf_init(&b, 0);
    assert_int_equal(rk_read_file(path, &b, &e), 0);
    assert_non_null(strstr(rk_buf_cstr(&b), "::add-mask::s3cr3t-value\n"));
    assert_non_null(strstr(rk_buf_cstr(&b), "tool: error: unable to use '***'\n"));
    assert_non_null(strstr(rk_buf_cstr(&b), "::error::tool: unable to use '***'\n"));
    assert_null(strstr(rk_buf_cstr(&b), "hidden when quiet"));
    rk_buf_release(&b);
    rk_log_forget_secrets();
    free(path);
}

static void gh_output_uses_a_delimiter(void **state)
{
    char *path = rk_path_join(tmpdir, "output.txt");
    struct rk_err e;
    struct rk_buf b;
    const char *s;
    rk_err_clear(&e);
    assert_int_equal(rk_gh_output("tag", "v1", &e), 0); /* unset: no-op */
    setenv("GITHUB_OUTPUT", path, 1);
    setenv("GITHUB_STEP_SUMMARY", path, 1);
    assert_int_equal(rk_gh_output("context", "{\n  \"a\": 1\n}", &e), 0);
    assert_int_equal(rk_step_summary("## done\n", &e), 0);
    unsetenv("GITHUB_OUTPUT");
    unsetenv("GITHUB_STEP_SUMMARY");
    rk_buf_init(&b, 0);
    assert_int_equal(rk_read_file(path, &b, &e), 0);
    s = rk_buf_cstr(&b);
    assert_memory_equal(s, "context<<ghadelimiter_", 22);
    assert_non_null(strstr(s, "\n{\n  \"a\": 1\n}\nghadelimiter_"));
    assert_non_null(strstr(s, "\n## done\n"));
    rk_buf_release(&b);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(atomic_write_commit_and_abort),
        cmocka_unit_test(fs_errors_name_the_path),
        cmocka_unit_test(json_parse_rejects_garbage),
        cmocka_unit_test(context_keeps_unknown_keys),
        cmocka_unit_test(context_arrays_and_non_objects),
        cmocka_unit_test(log_redacts_secrets_and_url_credentials),
        cmocka_unit_test(log_redacts_bare_userinfo),
        cmocka_unit_test(log_masks_before_truncating),
        cmocka_unit_test(log_keeps_every_secret),
        cmocka_unit_test(log_lines_go_to_stderr_masked),
        cmocka_unit_test(gh_output_uses_a_delimiter),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
