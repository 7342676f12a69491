/* unit tests: the pure parts of github.h (environment, URLs, API error lines) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "github.h"
#include "log.h"

static void clear_env(void)
{
    unsetenv("GH_TOKEN");
    unsetenv("GITHUB_TOKEN");
    unsetenv("GITHUB_API_URL");
}

static void init_from_environment(void **state)
{
    struct rk_github g;
    struct rk_err e;
    char *u;
    clear_env();
    rk_err_clear(&e);
    assert_int_equal(rk_github_init(&g, NULL, &e), 0);
    assert_string_equal(g.api_url, "https://api.github.com");
    assert_string_equal(g.api_origin, "https://api.github.com:443");
    assert_false(rk_github_have_token(&g));
    rk_github_release(&g);

    setenv("GITHUB_TOKEN", "ghs_second", 1);
    setenv("GH_TOKEN", "ghp_first", 1);
    setenv("GITHUB_API_URL", "http://127.0.0.1:8123/api/v3//", 1);
    assert_int_equal(rk_github_init(&g, NULL, &e), 0);
    assert_string_equal(g.token, "ghp_first");
    assert_string_equal(g.api_url, "http://127.0.0.1:8123/api/v3");
    u = rk_github_url(&g, "/repos/o/r");
    assert_string_equal(u, "http://127.0.0.1:8123/api/v3/repos/o/r");
    free(u);
    u = rk_github_url(&g, "repos/o/r");
    assert_string_equal(u, "http://127.0.0.1:8123/api/v3/repos/o/r");
    free(u);
    u = rk_github_url(&g, "http://127.0.0.1:8123/api/v3/x?page=2");
    assert_string_equal(u, "http://127.0.0.1:8123/api/v3/x?page=2");
    free(u);
    rk_github_release(&g);

    /* the token is masked in every log line */
    {
        char out[128];
        rk_log_redact("token ghp_first here", out, sizeof(out));
        assert_null(strstr(out, "ghp_first"));
    }

    unsetenv("GH_TOKEN");
    setenv("GITHUB_API_URL", "http://github.example.com/api/v3", 1);
    assert_int_equal(rk_github_init(&g, NULL, &e), -1);
    assert_int_equal(e.code, RK_USAGE);
    assert_non_null(strstr(e.msg, "GITHUB_API_URL"));
    assert_non_null(strstr(e.msg, "refusing plain http"));
    clear_env();
}

static void api_error_lines(void **state)
{
    struct rk_err e;
    rk_err_clear(&e);
    rk_github_api_error(&e, RK_REMOTE, "GET", "/repos/o/r/releases/tags/x", 404,
                        "{\"message\":\"Not Found\",\"documentation_url\":\"https://docs\"}");
    assert_int_equal(e.code, RK_REMOTE);
    assert_string_equal(e.msg, "GET /repos/o/r/releases/tags/x: 404 Not Found");

    rk_err_clear(&e);
    rk_github_api_error(&e, RK_REMOTE, "POST", "/repos/o/r/releases", 422,
                        "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"Release\","
                        "\"code\":\"already_exists\",\"field\":\"tag_name\"},"
                        "{\"code\":\"custom\",\"message\":\"bad\\nthing\"},\"plain\",{},42]}");
    assert_string_equal(e.msg, "POST /repos/o/r/releases: 422 Unprocessable Entity: Validation "
                               "Failed (Release.tag_name already_exists, custom: bad thing, "
                               "plain)");

    rk_err_clear(&e);
    rk_github_api_error(&e, RK_TRANSIENT, "GET", "/x", 502, "<html>bad gateway</html>");
    assert_int_equal(e.code, RK_TRANSIENT);
    assert_string_equal(e.msg, "GET /x: 502 Bad Gateway");

    rk_err_clear(&e);
    rk_github_api_error(&e, 0, "DELETE", "/x", 409, NULL);
    assert_int_equal(e.code, RK_REMOTE);
    assert_string_equal(e.msg, "DELETE /x: 409 Conflict");

    rk_err_clear(&e);
    rk_github_api_error(&e, RK_REMOTE, "GET", "/x", 403,
                        "{\"message\":\"Resource not accessible by integration\"}");
    assert_string_equal(e.msg, "GET /x: 403 Forbidden: Resource not accessible by integration");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_from_environment),
        cmocka_unit_test(api_error_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
