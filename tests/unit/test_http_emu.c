/* unit tests: http.h against the GitHub emulator (RELKIT_NEEDS_EMULATOR): retries on every
 * fault kind, exhausted retries, parallel transfers, bounds, the plain-http policy */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "err.h"
#include "http.h"
#include "jsonio.h"

static const char *api;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
static struct rk_http_client client;

static char *api_url(const char *path)
{
    size_t n = strlen(api) + strlen(path) + 1;
    char *u = malloc(n);
    snprintf(u, n, "%s%s", api, path);
    return u;
}

/* a control call on the emulator; returns the parsed answer (owned) */
static json_object *control(const char *method, const char *path, const char *body)
{
    struct rk_http_req req;
    struct rk_http_resp resp;
    struct rk_err e;
    json_object *out = NULL;
    char *url = api_url(path);
    rk_err_clear(&e);
    rk_http_req_init(&req, method, url);
    if (body) {
        rk_http_req_body(&req, body, strlen(body));
        rk_http_req_header(&req, "Content-Type", "application/json");
    }
    assert_int_equal(rk_http_do(&client, &req, &resp, &e), 0);
    assert_int_equal(resp.status, 200);
    assert_int_equal(rk_json_parse(resp.body.data, resp.body.len, "control", &out, &e), 0);
    rk_http_resp_release(&resp);
    rk_http_req_release(&req);
    free(url);
    return out;
}

static void faults(const char *json)
{
    json_object_put(control("POST", "/_emulator/faults", json));
}

/* number of logged requests on listener whose path contains needle */
static int logged_now(const char *listener, const char *needle)
{
    json_object *log = control("GET", "/_emulator/log", NULL);
    int n = 0;
    for (size_t i = 0; i < json_object_array_length(log); i++) {
        json_object *en = json_object_array_get_idx(log, i);
        const char *l = rk_json_str(en, "listener"), *p = rk_json_str(en, "path");
        if (l && !strcmp(l, listener) && p && strstr(p, needle))
            n++;
    }
    json_object_put(log);
    return n;
}

/* the emulator logs a request when it has ended (a delayed one later than our timeout):
 * wait up to 3 s for n entries */
static int logged(const char *listener, const char *needle, int n)
{
    int got = logged_now(listener, needle);
    for (int i = 0; i < 120 && got < n; i++) {
        usleep(25000);
        got = logged_now(listener, needle);
    }
    return got;
}

static int reset_emulator(void **state)
{
    json_object_put(control("POST", "/_emulator/reset", "{}"));
    return 0;
}

/* GET path on the API with the token; returns the status, fills e */
static long get(const char *path, struct rk_http_resp *resp, struct rk_err *e)
{
    struct rk_http_req req;
    char *url = api_url(path), auth[256];
    snprintf(auth, sizeof(auth), "Bearer %s", getenv("GH_TOKEN"));
    rk_http_req_init(&req, "GET", url);
    rk_http_req_header(&req, "Accept", "application/vnd.github+json");
    rk_http_req_auth(&req, auth, NULL);
    rk_http_resp_init(resp);
    rk_http_do(&client, &req, resp, e);
    rk_http_req_release(&req);
    free(url);
    return resp->status;
}

static void retry_kind(const char *fault_json, int expect_requests, long min_ms)
{
    struct rk_http_resp resp;
    struct rk_err e;
    int64_t t0;
    uint64_t before;
    rk_err_clear(&e);
    faults(fault_json);
    json_object_put(control("POST", "/_emulator/log/clear", "{}"));
    before = client.requests;
    t0 = mono_ms();
    assert_int_equal(get("/repos/relkit-test/demo/releases", &resp, &e), 200);
    assert_int_equal(e.code, RK_OK);
    assert_true(mono_ms() - t0 >= min_ms);
    assert_int_equal(resp.attempts, expect_requests);
    assert_int_equal(client.requests - before, (uint64_t)expect_requests);
    assert_int_equal(logged("api", "/releases", expect_requests), expect_requests);
    assert_non_null(strstr(rk_buf_cstr(&resp.body), "\"tag_name\""));
    rk_http_resp_release(&resp);
}

static void retry_on_5xx(void **state)
{
    retry_kind("[{\"route\":\"GET /repos/relkit-test/demo/releases\",\"kind\":\"5xx\","
               "\"status\":503,\"count\":2}]",
               3, 0);
}

static void retry_on_429_honours_retry_after(void **state)
{
    retry_kind("[{\"route\":\"/releases\",\"kind\":\"429\",\"retry_after\":1,\"count\":1}]", 2,
               1000);
}

static void retry_on_secondary_rate_limit(void **state)
{
    retry_kind("[{\"route\":\"/releases\",\"kind\":\"secondary\",\"retry_after\":1,"
               "\"count\":1}]",
               2, 1000);
}

static void retry_on_primary_rate_limit_until_reset(void **state)
{
    retry_kind("[{\"route\":\"/releases\",\"kind\":\"primary\",\"retry_after\":1,\"count\":1}]", 2,
               400);
}

static void retry_on_reset_mid_body(void **state)
{
    retry_kind("[{\"route\":\"/releases\",\"kind\":\"reset\",\"count\":2}]", 3, 0);
}

static void retry_on_latency_timeout(void **state)
{
    /* the first attempt is slower than the per-attempt limit, the second is not */
    long saved = client.opts.timeout_ms;
    client.opts.timeout_ms = 400;
    retry_kind("[{\"route\":\"/releases\",\"kind\":\"latency\",\"ms\":1500,\"count\":1}]", 2, 400);
    client.opts.timeout_ms = saved;
    /* latency below the limit is just slow */
    retry_kind("[{\"route\":\"/releases\",\"kind\":\"latency\",\"ms\":200,\"count\":1}]", 1, 200);
}

static void exhausted_retries_are_transient(void **state)
{
    struct rk_http_resp resp;
    struct rk_err e;
    rk_err_clear(&e);
    faults("[{\"route\":\"/releases\",\"kind\":\"5xx\",\"status\":502,\"count\":-1}]");
    assert_int_equal(get("/repos/relkit-test/demo/releases", &resp, &e), 502);
    assert_int_equal(e.code, RK_TRANSIENT);
    assert_int_equal(resp.err.code, RK_TRANSIENT);
    assert_non_null(strstr(e.msg, "502 Bad Gateway (after 4 attempts)"));
    assert_int_equal(resp.attempts, 4);
    rk_http_resp_release(&resp);

    /* a rate limit that resets later than the bound: no waiting, transient */
    rk_err_clear(&e);
    faults("[{\"route\":\"/releases\",\"kind\":\"primary\",\"retry_after\":3600,\"count\":1}]");
    assert_int_equal(get("/repos/relkit-test/demo/releases", &resp, &e), 403);
    assert_int_equal(e.code, RK_TRANSIENT);
    assert_non_null(strstr(e.msg, "rate limited for"));
    assert_int_equal(resp.attempts, 1);
    rk_http_resp_release(&resp);
}

static void client_errors_are_final(void **state)
{
    struct rk_http_resp resp;
    struct rk_err e;
    rk_err_clear(&e);
    assert_int_equal(get("/repos/relkit-test/demo/releases/tags/nope", &resp, &e), 404);
    assert_int_equal(e.code, RK_REMOTE);
    assert_non_null(strstr(e.msg, "404 Not Found"));
    assert_int_equal(resp.attempts, 1);
    assert_non_null(rk_http_resp_header(&resp, "CONTENT-type"));
    rk_http_resp_release(&resp);
}

static void connection_refused_is_transient(void **state)
{
    struct rk_http_req req;
    struct rk_http_resp resp;
    struct rk_err e;
    rk_err_clear(&e);
    rk_http_req_init(&req, "GET", "http://127.0.0.1:1/nothing");
    assert_int_equal(rk_http_do(&client, &req, &resp, &e), -1);
    assert_int_equal(e.code, RK_TRANSIENT);
    assert_non_null(strstr(e.msg, "(after 4 attempts)"));
    assert_int_equal(resp.status, 0);
    rk_http_resp_release(&resp);
    rk_http_req_release(&req);
}

static void plain_http_to_remote_host_is_refused(void **state)
{
    struct rk_http_req req;
    struct rk_http_resp resp;
    struct rk_err e;
    uint64_t before = client.requests;
    rk_err_clear(&e);
    rk_http_req_init(&req, "GET", "http://api.github.com/repos/x/y");
    rk_http_req_auth(&req, "Bearer secret-value", NULL);
    assert_int_equal(rk_http_do(&client, &req, &resp, &e), -1);
    assert_int_equal(e.code, RK_USAGE);
    assert_non_null(strstr(e.msg, "refusing plain http to 'api.github.com'"));
    assert_int_equal(client.requests, before); /* nothing was sent */
    rk_http_resp_release(&resp);
    rk_http_req_release(&req);
}

static void response_too_large(void **state)
{
    struct rk_http_req req;
    struct rk_http_resp resp;
    struct rk_err e;
    char *url = api_url("/repos/relkit-test/demo/releases");
    rk_err_clear(&e);
    rk_http_req_init(&req, "GET", url);
    req.max_body = 100;
    assert_int_equal(rk_http_do(&client, &req, &resp, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_non_null(strstr(e.msg, "response too large"));
    assert_int_equal(resp.attempts, 1);
    rk_http_resp_release(&resp);
    rk_http_req_release(&req);
    free(url);
}

static void parallel_with_independent_retries(void **state)
{
    enum { N = 12 };
    static const char *paths[] = {"/repos/relkit-test/demo", "/repos/relkit-test/demo/releases",
                                  "/repos/relkit-test/demo/tags",
                                  "/repos/relkit-test/demo/commits"};
    struct rk_http_req reqs[N];
    struct rk_http_resp resps[N];
    struct rk_err e;
    char auth[256];
    int attempts = 0;
    snprintf(auth, sizeof(auth), "Bearer %s", getenv("GH_TOKEN"));
    rk_err_clear(&e);
    /* the tags listing fails twice and waits; the others must not wait for it */
    faults(
        "[{\"route\":\"/tags\",\"kind\":\"5xx\",\"count\":2},"
        "{\"route\":\"/repos/relkit-test/demo$\",\"kind\":\"latency\",\"ms\":100,\"count\":-1}]");
    for (int i = 0; i < N; i++) {
        char *url = api_url(paths[i % 4]);
        rk_http_req_init(&reqs[i], "GET", url);
        rk_http_req_auth(&reqs[i], auth, NULL);
        rk_http_resp_init(&resps[i]);
        free(url);
    }
    if (rk_http_run(&client, reqs, resps, N, 4, &e) < 0)
        fail_msg("%s", e.msg);
    for (int i = 0; i < N; i++) {
        assert_int_equal(resps[i].status, 200);
        assert_int_equal(resps[i].err.code, RK_OK);
        assert_true(resps[i].body.len > 0);
        attempts += resps[i].attempts;
        rk_http_resp_release(&resps[i]);
        rk_http_req_release(&reqs[i]);
    }
    assert_int_equal(attempts, N + 2);
}

static void parallel_reports_each_failure(void **state)
{
    struct rk_http_req reqs[3];
    struct rk_http_resp resps[3];
    struct rk_err e;
    const char *urls[] = {"/repos/relkit-test/demo", "/repos/relkit-test/nope",
                          "/repos/relkit-test/demo/commits"};
    rk_err_clear(&e);
    for (int i = 0; i < 3; i++) {
        char *url = api_url(urls[i]);
        rk_http_req_init(&reqs[i], "GET", url);
        rk_http_resp_init(&resps[i]);
        free(url);
    }
    assert_int_equal(rk_http_run(&client, reqs, resps, 3, 0, &e), -1);
    assert_int_equal(e.code, RK_REMOTE);
    assert_non_null(strstr(e.msg, "/repos/relkit-test/nope': 404 Not Found"));
    assert_int_equal(resps[0].err.code, RK_OK);
    assert_int_equal(resps[1].err.code, RK_REMOTE);
    assert_int_equal(resps[2].err.code, RK_OK);
    for (int i = 0; i < 3; i++) {
        rk_http_resp_release(&resps[i]);
        rk_http_req_release(&reqs[i]);
    }
}

int main(void)
{
    struct rk_err e;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(retry_on_5xx, reset_emulator),
        cmocka_unit_test_setup(retry_on_429_honours_retry_after, reset_emulator),
        cmocka_unit_test_setup(retry_on_secondary_rate_limit, reset_emulator),
        cmocka_unit_test_setup(retry_on_primary_rate_limit_until_reset, reset_emulator),
        cmocka_unit_test_setup(retry_on_reset_mid_body, reset_emulator),
        cmocka_unit_test_setup(retry_on_latency_timeout, reset_emulator),
        cmocka_unit_test_setup(exhausted_retries_are_transient, reset_emulator),
        cmocka_unit_test_setup(client_errors_are_final, reset_emulator),
        cmocka_unit_test_setup(connection_refused_is_transient, reset_emulator),
        cmocka_unit_test_setup(plain_http_to_remote_host_is_refused, reset_emulator),
        cmocka_unit_test_setup(response_too_large, reset_emulator),
        cmocka_unit_test_setup(parallel_with_independent_retries, reset_emulator),
        cmocka_unit_test_setup(parallel_reports_each_failure, reset_emulator),
    };
    int rc;
    api = getenv("RELKIT_EMU_API");
    if (!api || !getenv("GH_TOKEN")) {
        fprintf(stderr, "run me through tests/fakes/github/with-emulator.sh\n");
        return 1;
    }
    /* fast retries (documented in http.h) */
    setenv("RELKIT_HTTP_BACKOFF_MS", "20", 1);
    setenv("RELKIT_HTTP_BACKOFF_MAX_MS", "100", 1);
    setenv("RELKIT_HTTP_MAX_ATTEMPTS", "4", 1);
    setenv("RELKIT_HTTP_MAX_WAIT_MS", "5000", 1);
    rk_err_clear(&e);
    if (rk_http_client_init(&client, NULL, &e) < 0) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    rk_http_client_release(&client);
    return rc;
}
