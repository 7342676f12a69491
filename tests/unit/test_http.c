/* unit tests: the pure parts of http.h (URLs, policy, retry policy, escaping) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "http.h"

static void origins(void **state)
{
    char o[RK_HTTP_ORIGIN_MAX];
    assert_int_equal(rk_http_origin("https://API.GitHub.com/repos/x", o, sizeof(o)), 0);
    assert_string_equal(o, "https://api.github.com:443");
    assert_int_equal(rk_http_origin("http://127.0.0.1:8080/x?y#z", o, sizeof(o)), 0);
    assert_string_equal(o, "http://127.0.0.1:8080");
    assert_int_equal(rk_http_origin("http://[::1]/", o, sizeof(o)), 0);
    assert_string_equal(o, "http://[::1]:80");
    assert_int_equal(rk_http_origin("not a url", o, sizeof(o)), -1);
    assert_int_equal(rk_http_origin("/relative/path", o, sizeof(o)), -1);
    assert_int_equal(rk_http_origin("https://a.example/", o, 8), -1); /* too small */

    assert_true(rk_http_same_origin("https://api.github.com/a", "https://api.github.com:443/b"));
    assert_false(rk_http_same_origin("https://api.github.com/a", "http://api.github.com/a"));
    assert_false(rk_http_same_origin("https://api.github.com/", "https://uploads.github.com/"));
    assert_false(rk_http_same_origin("http://127.0.0.1:1/", "http://127.0.0.1:2/"));
    assert_false(
        rk_http_same_origin("https://api.github.com.evil.example/", "https://api.github.com/"));
    assert_false(rk_http_same_origin("garbage", "garbage"));
}

static void loopback(void **state)
{
    assert_true(rk_http_is_loopback("127.0.0.1"));
    assert_true(rk_http_is_loopback("127.255.3.4"));
    assert_true(rk_http_is_loopback("localhost"));
    assert_true(rk_http_is_loopback("LocalHost"));
    assert_true(rk_http_is_loopback("::1"));
    assert_true(rk_http_is_loopback("[::1]"));
    assert_true(rk_http_is_loopback("::ffff:127.0.0.1"));
    assert_false(rk_http_is_loopback("128.0.0.1"));
    assert_false(rk_http_is_loopback("10.0.0.1"));
    assert_false(rk_http_is_loopback("127.0.0.1.evil.example"));
    assert_false(rk_http_is_loopback("localhost.evil.example"));
    assert_false(rk_http_is_loopback("::2"));
    assert_false(rk_http_is_loopback("::ffff:10.0.0.1"));
    assert_false(rk_http_is_loopback(""));
    assert_false(rk_http_is_loopback("[]"));
    assert_false(rk_http_is_loopback(NULL));
}

static void url_policy(void **state)
{
    struct rk_http_client c;
    struct rk_err e;
    rk_err_clear(&e);
    assert_int_equal(rk_http_client_init(&c, NULL, &e), 0);
    assert_int_equal(rk_http_check_url(&c, "https://api.github.com/x", &e), 0);
    assert_int_equal(rk_http_check_url(&c, "http://127.0.0.1:9/x", &e), 0);
    assert_int_equal(rk_http_check_url(&c, "http://localhost/x", &e), 0);
    assert_int_equal(rk_http_check_url(&c, "http://[::1]:5000/v2/", &e), 0);
    assert_int_equal(rk_http_check_url(&c, "http://registry.example:5000/v2/", &e), -1);
    assert_int_equal(e.code, RK_USAGE);
    assert_non_null(strstr(e.msg, "refusing plain http to 'registry.example'"));
    rk_err_clear(&e);
    assert_int_equal(rk_http_client_allow_insecure(&c, "Registry.Example:5000", &e), 0);
    assert_int_equal(rk_http_check_url(&c, "http://registry.example:5000/v2/", &e), 0);
    assert_int_equal(rk_http_check_url(&c, "http://registry.example:5001/v2/", &e), -1);
    rk_err_clear(&e);
    assert_int_equal(rk_http_check_url(&c, "ftp://127.0.0.1/x", &e), -1);
    assert_int_equal(e.code, RK_USAGE);
    rk_err_clear(&e);
    assert_int_equal(rk_http_check_url(&c, "https://user:pw@api.github.com/", &e), -1);
    assert_int_equal(e.code, RK_USAGE);
    assert_null(strstr(e.msg, "pw@")); /* the message goes through the logger's masking */
    rk_err_clear(&e);
    assert_int_equal(rk_http_check_url(&c, "::::", &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    rk_err_clear(&e);
    assert_int_equal(rk_http_client_allow_insecure(&c, "a/b", &e), -1);
    rk_http_client_release(&c);
}

static void escaping_and_query(void **state)
{
    char *s;
    long n = 0;
    s = rk_url_escape("v1.0/rc 1+x~_-ü");
    assert_string_equal(s, "v1.0%2Frc%201%2Bx~_-%C3%BC");
    free(s);
    s = rk_url_escape("");
    assert_string_equal(s, "");
    free(s);
    assert_int_equal(rk_url_query_int("https://h/p?per_page=100&page=7", "page", &n), 0);
    assert_int_equal(n, 7);
    assert_int_equal(rk_url_query_int("https://h/p?xpage=3&page=12#f", "page", &n), 0);
    assert_int_equal(n, 12);
    assert_int_equal(rk_url_query_int("https://h/p?page=x", "page", &n), -1);
    assert_int_equal(rk_url_query_int("https://h/p?page=", "page", &n), -1);
    assert_int_equal(rk_url_query_int("https://h/p#?page=2", "page", &n), -1);
    assert_int_equal(rk_url_query_int("https://h/p", "page", &n), -1);
    s = rk_url_set_query("https://h/p?per_page=2&page=5", "page", "3");
    assert_string_equal(s, "https://h/p?per_page=2&page=3");
    free(s);
    s = rk_url_set_query("https://h/p?page=5&per_page=2", "page", "13");
    assert_string_equal(s, "https://h/p?page=13&per_page=2");
    free(s);
    s = rk_url_set_query("https://h/p", "page", "2");
    assert_string_equal(s, "https://h/p?page=2");
    free(s);
    s = rk_url_set_query("https://h/p?a=1#frag", "page", "2");
    assert_string_equal(s, "https://h/p?a=1&page=2#frag");
    free(s);
}

static void retry_after_parsing(void **state)
{
    time_t now = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */
    assert_int_equal(rk_http_retry_after_ms("0", now), 0);
    assert_int_equal(rk_http_retry_after_ms(" 7 ", now), 7000);
    assert_int_equal(rk_http_retry_after_ms("Sun, 06 Nov 1994 08:49:47 GMT", now), 10000);
    assert_int_equal(rk_http_retry_after_ms("Sun, 06 Nov 1994 08:49:30 GMT", now), 0);
    assert_int_equal(rk_http_retry_after_ms("Mon, 07 Nov 1994 08:49:37 GMT", now), 86400000);
    assert_int_equal(rk_http_retry_after_ms("Sun, 06 Nov 1994 08:49:47 UTC", now), -1);
    assert_int_equal(rk_http_retry_after_ms("-1", now), -1);
    assert_int_equal(rk_http_retry_after_ms("1.5", now), -1);
    assert_int_equal(rk_http_retry_after_ms("soon", now), -1);
    assert_int_equal(rk_http_retry_after_ms("", now), -1);
    assert_int_equal(rk_http_retry_after_ms(NULL, now), -1);
    assert_int_equal(rk_http_retry_after_ms("99999999999999999999", now), -1);
    assert_true(rk_http_retry_after_ms("9999999999", now) <= 86400L * 365 * 1000);
}

static void backoff_full_jitter(void **state)
{
    struct rk_http_opts o;
    rk_http_opts_default(&o);
    o.backoff_base_ms = 100;
    o.backoff_max_ms = 1000;
    assert_int_equal(rk_http_backoff_ms(&o, 1, 0), 0);
    assert_int_equal(rk_http_backoff_ms(&o, 1, 100), 100);
    assert_int_equal(rk_http_backoff_ms(&o, 1, 101), 0);
    assert_int_equal(rk_http_backoff_ms(&o, 3, 400), 400); /* cap 400 at attempt 3 */
    assert_int_equal(rk_http_backoff_ms(&o, 3, 401), 0);
    assert_int_equal(rk_http_backoff_ms(&o, 30, UINT32_MAX), (long)(UINT32_MAX % 1001));
    for (uint32_t r = 0; r < 5000; r += 7)
        assert_true(rk_http_backoff_ms(&o, 50, r) <= 1000);
    o.backoff_base_ms = 0;
    assert_int_equal(rk_http_backoff_ms(&o, 4, 12345), 0);
}

static void classification(void **state)
{
    struct rk_http_opts o;
    long d;
    time_t now = 1700000000;
    rk_http_opts_default(&o);
    o.backoff_base_ms = 10;
    o.backoff_max_ms = 10;
    o.max_wait_ms = 5000;
    assert_int_equal(rk_http_classify(&o, 1, 200, NULL, NULL, NULL, NULL, now, 3, &d),
                     RK_HTTP_DONE);
    assert_int_equal(rk_http_classify(&o, 1, 404, NULL, NULL, NULL, NULL, now, 3, &d),
                     RK_HTTP_DONE);
    assert_int_equal(rk_http_classify(&o, 1, 422, "5", NULL, NULL, NULL, now, 3, &d), RK_HTTP_DONE);
    assert_int_equal(rk_http_classify(&o, 1, 501, NULL, NULL, NULL, NULL, now, 3, &d),
                     RK_HTTP_DONE);
    /* plain 403: permission, final */
    assert_int_equal(rk_http_classify(&o, 1, 403, NULL, "12", "1700000100", "{}", now, 3, &d),
                     RK_HTTP_DONE);
    /* 5xx and 429: backoff */
    assert_int_equal(rk_http_classify(&o, 1, 502, NULL, NULL, NULL, NULL, now, 3, &d),
                     RK_HTTP_RETRY);
    assert_int_equal(d, 3);
    assert_int_equal(rk_http_classify(&o, 2, 429, NULL, NULL, NULL, NULL, now, 7, &d),
                     RK_HTTP_RETRY);
    assert_int_equal(d, 7);
    /* Retry-After wins, for 5xx, 429 and the secondary rate limit (403) */
    assert_int_equal(rk_http_classify(&o, 1, 503, "2", NULL, NULL, NULL, now, 3, &d),
                     RK_HTTP_RETRY);
    assert_int_equal(d, 2000);
    assert_int_equal(rk_http_classify(&o, 1, 403, "1", NULL, NULL, NULL, now, 3, &d),
                     RK_HTTP_RETRY);
    assert_int_equal(d, 1000);
    assert_int_equal(rk_http_classify(&o, 1, 403, "60", NULL, NULL, NULL, now, 3, &d),
                     RK_HTTP_GIVE_UP);
    /* primary rate limit: until x-ratelimit-reset */
    assert_int_equal(rk_http_classify(&o, 1, 403, NULL, "0", "1700000002", NULL, now, 3, &d),
                     RK_HTTP_RETRY);
    assert_int_equal(d, 2500);
    assert_int_equal(rk_http_classify(&o, 1, 429, NULL, "0", "1699999999", NULL, now, 3, &d),
                     RK_HTTP_RETRY);
    assert_int_equal(d, 500);
    assert_int_equal(rk_http_classify(&o, 1, 403, NULL, "0", "1700003600", NULL, now, 3, &d),
                     RK_HTTP_GIVE_UP);
    assert_int_equal(d, 3600500);
    /* secondary rate limit without headers: at least a minute */
    assert_int_equal(rk_http_classify(&o, 1, 403, NULL, NULL, NULL,
                                      "{\"message\":\"You have exceeded a secondary rate limit\"}",
                                      now, 3, &d),
                     RK_HTTP_GIVE_UP);
    o.max_wait_ms = 120000;
    assert_int_equal(rk_http_classify(&o, 1, 403, NULL, NULL, NULL,
                                      "You have exceeded a secondary rate limit", now, 3, &d),
                     RK_HTTP_RETRY);
    assert_int_equal(d, 60000);
}

static void reasons(void **state)
{
    assert_string_equal(rk_http_reason(404), "Not Found");
    assert_string_equal(rk_http_reason(422), "Unprocessable Entity");
    assert_string_equal(rk_http_reason(599), "");
}

static void opts_from_environment(void **state)
{
    struct rk_http_opts o;
    setenv("RELKIT_HTTP_BACKOFF_MS", "7", 1);
    setenv("RELKIT_HTTP_MAX_ATTEMPTS", "3", 1);
    setenv("RELKIT_HTTP_MAX_WAIT_MS", "not-a-number", 1);
    rk_http_opts_default(&o);
    assert_int_equal(o.backoff_base_ms, 7);
    assert_int_equal(o.max_attempts, 3);
    assert_int_equal(o.max_wait_ms, 60000);
    assert_int_equal(o.max_body, RK_HTTP_DEFAULT_MAX_BODY);
    unsetenv("RELKIT_HTTP_BACKOFF_MS");
    unsetenv("RELKIT_HTTP_MAX_ATTEMPTS");
    unsetenv("RELKIT_HTTP_MAX_WAIT_MS");
    rk_http_opts_default(&o);
    assert_int_equal(o.max_attempts, 5);
    assert_int_equal(o.max_total_ms, 120000);
}

static void request_setters(void **state)
{
    struct rk_http_req r;
    rk_http_req_init(&r, NULL, "https://api.github.com/x");
    assert_string_equal(r.method, "GET");
    rk_http_req_header(&r, "Accept", "application/json");
    assert_int_equal(r.nheaders, 1);
    assert_string_equal(r.headers[0], "Accept: application/json");
    rk_http_req_header(&r, "authorization", "Bearer x");
    assert_int_equal(r.bad, 1);
    assert_int_equal(r.nheaders, 1);
    rk_http_req_auth(&r, "Bearer t0ken", NULL);
    assert_string_equal(r.origin, "https://api.github.com:443");
    rk_http_req_auth(&r, "Bearer t0ken", "https://uploads.github.com/repos/o/r/releases/1/assets");
    assert_string_equal(r.origin, "https://uploads.github.com:443");
    rk_http_req_range(&r, 10, -1);
    assert_string_equal(r.range, "10-");
    rk_http_req_range(&r, 0, 99);
    assert_string_equal(r.range, "0-99");
    rk_http_req_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(origins),
        cmocka_unit_test(loopback),
        cmocka_unit_test(url_policy),
        cmocka_unit_test(escaping_and_query),
        cmocka_unit_test(retry_after_parsing),
        cmocka_unit_test(backoff_full_jitter),
        cmocka_unit_test(classification),
        cmocka_unit_test(reasons),
        cmocka_unit_test(opts_from_environment),
        cmocka_unit_test(request_setters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
