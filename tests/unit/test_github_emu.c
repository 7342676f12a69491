/* unit tests: github.h against the GitHub emulator (RELKIT_NEEDS_EMULATOR): API errors,
 * pagination (sequential and parallel), the ETag cache, asset upload and download */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "digest.h"
#include "err.h"
#include "github.h"
#include "jsonio.h"

#define REPO "/repos/relkit-test/demo"

static struct rk_github gh;
static char tmpdir[] = "/tmp/relkit-ghemu-XXXXXX";

/* a control call on the emulator (through the same client, without credentials) */
static json_object *control(const char *method, const char *path, const char *body)
{
    struct rk_http_req req;
    struct rk_http_resp resp;
    struct rk_err e;
    json_object *out = NULL;
    char *url = rk_github_url(&gh, path);
    rk_err_clear(&e);
    rk_http_req_init(&req, method, url);
    if (body)
        rk_http_req_body(&req, body, strlen(body));
    assert_int_equal(rk_http_do(&gh.http, &req, &resp, &e), 0);
    assert_int_equal(rk_json_parse(resp.body.data, resp.body.len, "control", &out, &e), 0);
    rk_http_resp_release(&resp);
    rk_http_req_release(&req);
    free(url);
    return out;
}

static int reset_emulator(void **state)
{
    json_object_put(control("POST", "/_emulator/reset", "{}"));
    return 0;
}

struct logq {
    int n, with_auth, status_304, status_206;
};

/* log entries on listener whose path contains needle */
static struct logq logged_now(const char *listener, const char *needle)
{
    json_object *log = control("GET", "/_emulator/log", NULL);
    struct logq q = {0, 0, 0, 0};
    for (size_t i = 0; i < json_object_array_length(log); i++) {
        json_object *en = json_object_array_get_idx(log, i);
        const char *l = rk_json_str(en, "listener"), *p = rk_json_str(en, "path");
        if (!l || strcmp(l, listener) || !p || !strstr(p, needle))
            continue;
        q.n++;
        q.with_auth += rk_json_bool(en, "authorization", 0);
        q.status_304 += rk_json_int(en, "status", 0) == 304;
        q.status_206 += rk_json_int(en, "status", 0) == 206;
    }
    json_object_put(log);
    return q;
}

/* the emulator logs a request just after answering it: wait (2 s at most) for n entries */
static struct logq logged(const char *listener, const char *needle, int n)
{
    struct logq q = logged_now(listener, needle);
    for (int i = 0; i < 80 && q.n < n; i++) {
        usleep(25000);
        q = logged_now(listener, needle);
    }
    assert_int_equal(q.n, n);
    return q;
}

static void get_ok_and_counted(void **state)
{
    struct rk_err e;
    json_object *repo = NULL;
    uint64_t before = gh.http.requests;
    rk_err_clear(&e);
    assert_int_equal(rk_github_get(&gh, REPO, &repo, &e), 0);
    assert_string_equal(rk_json_str(repo, "name"), "demo");
    assert_int_equal(gh.http.requests, before + 1);
    assert_true(gh.rate_remaining >= 0);
    assert_true(gh.rate_used >= 1);
    json_object_put(repo);
    assert_int_equal(logged("api", REPO, 1).with_auth, 1);
}

static void not_found_is_remote_with_message(void **state)
{
    struct rk_err e;
    json_object *out = NULL;
    long status = 0;
    rk_err_clear(&e);
    assert_int_equal(
        rk_github_json(&gh, "GET", REPO "/releases/tags/no%2Fsuch", NULL, 0, &out, &status, &e),
        -1);
    assert_int_equal(e.code, RK_REMOTE);
    assert_int_equal(status, 404);
    assert_null(out);
    assert_string_equal(e.msg, "GET " REPO "/releases/tags/no%2Fsuch: 404 Not Found");
    /* the caller may take a 404 as an answer */
    rk_err_clear(&e);
    assert_int_equal(rk_github_json(&gh, "GET", REPO "/releases/tags/nope", NULL, RK_GH_ALLOW_404,
                                    &out, &status, &e),
                     0);
    assert_int_equal(status, 404);
    assert_null(out);
    assert_int_equal(e.code, RK_OK);
}

static void validation_error_lists_errors(void **state)
{
    struct rk_err e;
    json_object *body = json_object_new_object(), *out = NULL;
    long status = 0;
    rk_err_clear(&e);
    rk_json_set_str(body, "tag_name", "v0.1.0");
    assert_int_equal(rk_github_json(&gh, "POST", REPO "/releases", body, 0, &out, &status, &e), -1);
    assert_int_equal(e.code, RK_REMOTE);
    assert_int_equal(status, 422);
    assert_non_null(strstr(e.msg, "POST " REPO "/releases: 422 Unprocessable Entity: "));
    assert_non_null(strstr(e.msg, "already_exists"));
    json_object_put(body);
}

static void exhausted_retries_are_transient(void **state)
{
    struct rk_err e;
    json_object *out = NULL;
    rk_err_clear(&e);
    json_object_put(control("POST", "/_emulator/faults",
                            "[{\"route\":\"GET /repos/relkit-test/demo$\",\"kind\":\"5xx\","
                            "\"status\":503,\"count\":-1}]"));
    assert_int_equal(rk_github_get(&gh, REPO, &out, &e), -1);
    assert_int_equal(e.code, RK_TRANSIENT);
    assert_non_null(strstr(e.msg, "GET " REPO ": 503 Service Unavailable"));
    assert_non_null(strstr(e.msg, "(after 4 attempts)"));
}

static json_object *list_releases(int parallel, size_t max, uint64_t *requests)
{
    struct rk_err e;
    json_object *arr = NULL;
    uint64_t before;
    rk_err_clear(&e);
    json_object_put(control("POST", "/_emulator/log/clear", "{}"));
    before = gh.http.requests;
    if (parallel)
        assert_int_equal(
            rk_github_paginate_parallel(&gh, REPO "/releases?per_page=1", NULL, max, 3, &arr, &e),
            0);
    else
        assert_int_equal(rk_github_paginate(&gh, REPO "/releases?per_page=1", NULL, max, &arr, &e),
                         0);
    *requests = gh.http.requests - before;
    return arr;
}

static void pagination_follows_link(void **state)
{
    uint64_t n;
    json_object *all = list_releases(0, 0, &n), *two;
    size_t len = json_object_array_length(all);
    assert_true(len >= 4); /* the seed's releases, the draft included (token can push) */
    assert_int_equal(n, len);
    logged("api", "/releases", (int)len);
    two = list_releases(0, 2, &n);
    assert_int_equal(json_object_array_length(two), 2);
    assert_int_equal(n, 2);
    json_object_put(all);
    json_object_put(two);
}

static void parallel_pages_get_everything_in_order(void **state)
{
    uint64_t n1, n2;
    json_object *seq = list_releases(0, 0, &n1), *par = list_releases(1, 0, &n2);
    size_t len = json_object_array_length(seq);
    assert_int_equal(json_object_array_length(par), len);
    for (size_t i = 0; i < len; i++)
        assert_int_equal(rk_json_int(json_object_array_get_idx(seq, i), "id", -1),
                         rk_json_int(json_object_array_get_idx(par, i), "id", -2));
    assert_int_equal(n2, len);
    json_object_put(seq);
    json_object_put(par);
    /* bounded: only the pages needed for max_items are fetched */
    par = list_releases(1, 2, &n2);
    assert_int_equal(json_object_array_length(par), 2);
    assert_int_equal(n2, 2);
    json_object_put(par);
}

/* the ETag cache entry file of an API path */
static void etag_entry(const char *dir, const char *path, char *out, size_t n)
{
    char *url = rk_github_url(&gh, path), hex[RK_SHA256_HEX_LEN];
    unsigned char d[RK_SHA256_LEN];
    struct rk_err e;
    rk_err_clear(&e);
    assert_int_equal(rk_sha256_buf(url, strlen(url), d, &e), 0);
    rk_hex(d, sizeof(d), hex);
    snprintf(out, n, "%s/%s", dir, hex);
    free(url);
}

/* a later run: the in-memory state dropped, the directory loaded again */
static void etag_reload(const char *dir)
{
    struct rk_err e;
    rk_err_clear(&e);
    json_object_put(gh.etags);
    gh.etags = NULL;
    assert_int_equal(rk_github_etag_load(&gh, dir, &e), 0);
}

static void etag_done(void)
{
    json_object_put(gh.etags);
    gh.etags = NULL;
    gh.not_modified = 0;
}

static void etag_cache_answers_304(void **state)
{
    struct rk_err e;
    json_object *a = NULL, *b = NULL, *c = NULL;
    char dir[256], entry[512];
    long used;
    struct stat st;
    struct logq q;
    rk_err_clear(&e);
    snprintf(dir, sizeof(dir), "%s/etags-304", tmpdir);
    assert_int_equal(rk_github_etag_load(&gh, dir, &e), 0);
    json_object_put(control("POST", "/_emulator/log/clear", "{}"));
    assert_int_equal(rk_github_get(&gh, REPO "/releases", &a, &e), 0);
    used = gh.rate_used;
    assert_int_equal(rk_github_get(&gh, REPO "/releases", &b, &e), 0);
    assert_int_equal(gh.not_modified, 1);
    assert_int_equal(gh.rate_used, used); /* a 304 costs no rate limit */
    assert_true(json_object_equal(a, b));
    assert_int_equal(rk_github_etag_save(&gh, &e), 0);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    etag_entry(dir, REPO "/releases", entry, sizeof(entry));
    assert_int_equal(stat(entry, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* a later run starts from the directory */
    etag_reload(dir);
    assert_int_equal(rk_github_get(&gh, REPO "/releases", &c, &e), 0);
    assert_true(json_object_equal(a, c));
    assert_int_equal(gh.not_modified, 2);
    assert_int_equal(gh.rate_used, used);
    q = logged("api", "/releases", 3);
    assert_int_equal(q.status_304, 2);
    json_object_put(a);
    json_object_put(b);
    json_object_put(c);
    etag_done();
}

static void etag_cache_keeps_links_across_runs(void **state)
{
    struct rk_err e;
    json_object *a = NULL, *b = NULL;
    char dir[256];
    long used;
    rk_err_clear(&e);
    snprintf(dir, sizeof(dir), "%s/etags-pages", tmpdir);
    assert_int_equal(rk_github_etag_load(&gh, dir, &e), 0);
    assert_int_equal(rk_github_paginate(&gh, REPO "/releases?per_page=1", NULL, 0, &a, &e), 0);
    assert_true(json_object_array_length(a) > 1);
    assert_int_equal(rk_github_etag_save(&gh, &e), 0);
    etag_reload(dir);
    json_object_put(control("POST", "/_emulator/log/clear", "{}"));
    used = gh.rate_used;
    /* every page a 304, the next page found through the cached Link header */
    assert_int_equal(rk_github_paginate(&gh, REPO "/releases?per_page=1", NULL, 0, &b, &e), 0);
    assert_true(json_object_equal(a, b));
    assert_int_equal(gh.not_modified, json_object_array_length(a));
    assert_int_equal(gh.rate_used, used);
    assert_int_equal(logged("api", "/releases", (int)json_object_array_length(a)).status_304,
                     (int)json_object_array_length(a));
    json_object_put(a);
    json_object_put(b);
    etag_done();
}

static void etag_cache_ignores_damaged_entries(void **state)
{
    struct rk_err e;
    json_object *a = NULL, *b = NULL;
    char dir[256], entry[512], cmd[1200];
    struct stat st;
    rk_err_clear(&e);
    snprintf(dir, sizeof(dir), "%s/etags-damaged", tmpdir);
    assert_int_equal(rk_github_etag_load(&gh, dir, &e), 0);
    assert_int_equal(rk_github_get(&gh, REPO, &a, &e), 0);
    assert_int_equal(rk_github_etag_save(&gh, &e), 0);
    etag_entry(dir, REPO, entry, sizeof(entry));
    assert_int_equal(stat(entry, &st), 0);
    /* torn: the last bytes of the body missing */
    assert_int_equal(truncate(entry, st.st_size - 3), 0);
    etag_reload(dir);
    json_object_put(control("POST", "/_emulator/log/clear", "{}"));
    assert_int_equal(rk_github_get(&gh, REPO, &b, &e), 0);
    assert_true(json_object_equal(a, b));
    assert_int_equal(gh.not_modified, 0);
    assert_int_equal(logged("api", REPO, 1).status_304, 0);
    json_object_put(b);
    /* rewritten at save; then garbage in its place is a miss, not an error */
    assert_int_equal(rk_github_etag_save(&gh, &e), 0);
    etag_reload(dir);
    assert_int_equal(rk_github_get(&gh, REPO, &b, &e), 0);
    assert_int_equal(gh.not_modified, 1);
    json_object_put(b);
    snprintf(cmd, sizeof(cmd), "printf 'relkit-etag 1\\nnot the url\\n' >'%s'", entry);
    assert_int_equal(system(cmd), 0);
    etag_reload(dir);
    assert_int_equal(rk_github_get(&gh, REPO, &b, &e), 0);
    assert_true(json_object_equal(a, b));
    assert_int_equal(gh.not_modified, 1);
    json_object_put(a);
    json_object_put(b);
    etag_done();
}

static void etag_cache_writes_only_at_save(void **state)
{
    struct rk_err e;
    json_object *a = NULL;
    char dir[256], file[256];
    struct stat st;
    int fd;
    rk_err_clear(&e);
    snprintf(dir, sizeof(dir), "%s/etags-unsaved", tmpdir);
    assert_int_equal(rk_github_etag_load(&gh, dir, &e), 0);
    assert_int_equal(rk_github_get(&gh, REPO, &a, &e), 0);
    json_object_put(a);
    etag_done(); /* e.g. --dry-run: no save */
    assert_int_equal(stat(dir, &st), -1);
    /* a path that is not a directory: no cache (a warning), requests still work */
    snprintf(file, sizeof(file), "%s/etags-file", tmpdir);
    fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(rk_github_etag_load(&gh, file, &e), 0);
    assert_null(gh.etags);
    assert_int_equal(rk_github_get(&gh, REPO, &a, &e), 0);
    json_object_put(a);
    assert_int_equal(rk_github_etag_save(&gh, &e), 0);
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_size, 0);
    etag_done();
}

static void old_file(const char *path, int days)
{
    struct timespec t[2];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x", 1), 1);
    t[0].tv_sec = t[1].tv_sec = time(NULL) - (time_t)days * 24 * 3600;
    t[0].tv_nsec = t[1].tv_nsec = 0;
    assert_int_equal(futimens(fd, t), 0);
    close(fd);
}

static void etag_cache_prunes_old_entries(void **state)
{
    struct rk_err e;
    json_object *a = NULL;
    char dir[256], stale[512], fresh[512], tmp[512], other[512];
    rk_err_clear(&e);
    snprintf(dir, sizeof(dir), "%s/etags-prune", tmpdir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(stale, sizeof(stale), "%s/%064d", dir, 1);
    snprintf(fresh, sizeof(fresh), "%s/%064d", dir, 2);
    snprintf(tmp, sizeof(tmp), "%s/.%064d.tmp-AbCdEf", dir, 3);
    snprintf(other, sizeof(other), "%s/README", dir);
    old_file(stale, 31); /* unused for 31 days: removed */
    old_file(fresh, 29);
    old_file(tmp, 2);     /* a killed save's leftover */
    old_file(other, 400); /* not ours: left alone */
    assert_int_equal(rk_github_etag_load(&gh, dir, &e), 0);
    assert_int_equal(rk_github_get(&gh, REPO, &a, &e), 0);
    json_object_put(a);
    assert_int_equal(rk_github_etag_save(&gh, &e), 0);
    assert_int_equal(access(stale, F_OK), -1);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(access(fresh, F_OK), 0);
    assert_int_equal(access(other, F_OK), 0);
    etag_done();
}

static int temp_file(const char *name, size_t size)
{
    char path[256];
    int fd;
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    unsigned char buf[4096];
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    for (size_t off = 0; off < size; off += sizeof(buf)) {
        size_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)((off + i) * 7 + (off + i) / 251);
        assert_int_equal(write(fd, buf, n), (ssize_t)n);
    }
    return fd;
}

static void sha_of_fd(int fd, char hex[RK_SHA256_HEX_LEN])
{
    struct rk_sha256 s;
    unsigned char buf[4096], md[RK_SHA256_LEN];
    ssize_t n;
    off_t off = 0;
    assert_int_equal(rk_sha256_init(&s, NULL), 0);
    while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
        rk_sha256_update(&s, buf, (size_t)n);
        off += n;
    }
    rk_sha256_final(&s, md);
    rk_hex(md, RK_SHA256_LEN, hex);
}

static json_object *draft_release(const char *tag)
{
    struct rk_err e;
    json_object *body = json_object_new_object(), *rel = NULL;
    rk_err_clear(&e);
    rk_json_set_str(body, "tag_name", tag);
    rk_json_set_bool(body, "draft", 1);
    if (rk_github_json(&gh, "POST", REPO "/releases", body, 0, &rel, NULL, &e) < 0)
        fail_msg("%s", e.msg);
    json_object_put(body);
    return rel;
}

static void upload_streams_fd_then_download(void **state)
{
    enum { SIZE = 300000 };
    struct rk_err e;
    json_object *rel = draft_release("v9.9.9-upload"), *asset = NULL;
    int in = temp_file("in.bin", SIZE), out = temp_file("out.bin", 10);
    char want[RK_SHA256_HEX_LEN], got[RK_SHA256_HEX_LEN];
    uint64_t size = 0;
    struct logq q;
    rk_err_clear(&e);
    sha_of_fd(in, want);
    /* a single attempt (a failed upload may leave a broken asset: the caller retries) */
    json_object_put(control("POST", "/_emulator/faults",
                            "[{\"listener\":\"uploads\",\"kind\":\"5xx\",\"count\":1}]"));
    json_object_put(control("POST", "/_emulator/log/clear", "{}"));
    assert_int_equal(rk_github_upload_asset(&gh, rk_json_str(rel, "upload_url"), "in file.bin",
                                            "In", "application/octet-stream", in, SIZE, &asset, &e),
                     -1);
    assert_int_equal(e.code, RK_TRANSIENT);
    assert_null(asset);
    rk_err_clear(&e);
    /* sent again by the caller: the body is re-read from the fd */
    if (rk_github_upload_asset(&gh, rk_json_str(rel, "upload_url"), "in file.bin", "In",
                               "application/octet-stream", in, SIZE, &asset, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(rk_json_int(asset, "size", -1), SIZE);
    assert_string_equal(rk_json_str(asset, "state"), "uploaded");
    q = logged("uploads", "/assets", 2);
    assert_int_equal(q.with_auth, 2); /* bound to the upload host the API named */
    json_object_put(control("POST", "/_emulator/log/clear", "{}"));
    assert_int_equal(rk_github_download_asset(&gh, "relkit-test", "demo",
                                              rk_json_int(asset, "id", -1), out, got, &size, &e),
                     0);
    assert_int_equal(size, SIZE);
    assert_string_equal(got, want);
    sha_of_fd(out, got); /* the stale bytes of out.bin were truncated away */
    assert_string_equal(got, want);
    q = logged("api", "/releases/assets/", 1);
    assert_int_equal(q.with_auth, 1);
    q = logged("downloads", "/", 1);
    assert_int_equal(q.with_auth, 0); /* never to the download host */
    close(in);
    close(out);
    json_object_put(asset);
    json_object_put(rel);
}

static void download_resumes_after_reset(void **state)
{
    struct rk_err e;
    int out = temp_file("resume.bin", 0);
    char want[RK_SHA256_HEX_LEN], got[RK_SHA256_HEX_LEN], again[RK_SHA256_HEX_LEN];
    uint64_t size = 0;
    struct logq q;
    rk_err_clear(&e);
    if (rk_github_download_asset(&gh, "relkit-test", "demo", 4002, out, want, &size, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(size, 2048);
    json_object_put(control("POST", "/_emulator/faults",
                            "[{\"listener\":\"downloads\",\"kind\":\"reset\","
                            "\"reset_after_bytes\":1000,\"count\":1}]"));
    json_object_put(control("POST", "/_emulator/log/clear", "{}"));
    if (rk_github_download_asset(&gh, "relkit-test", "demo", 4002, out, got, &size, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(size, 2048);
    assert_string_equal(got, want);
    sha_of_fd(out, again);
    assert_string_equal(again, want);
    q = logged("downloads", "/", 2);
    assert_int_equal(q.status_206, 1); /* resumed with Range after the first 1000 bytes */
    assert_int_equal(q.with_auth, 0);
    assert_int_equal(logged("api", "/releases/assets/4002", 2).with_auth, 2);
    close(out);
}

/* a download the client resumed with Range reports 200: the whole body arrived */
static void resumed_download_reports_200(void **state)
{
    struct rk_http_req req;
    struct rk_http_resp resp;
    struct rk_err e;
    json_object *asset = NULL;
    int out = temp_file("resume200.bin", 0);
    rk_err_clear(&e);
    if (rk_github_get(&gh, REPO "/releases/assets/4002", &asset, &e) < 0)
        fail_msg("%s", e.msg);
    assert_non_null(rk_json_str(asset, "browser_download_url"));
    json_object_put(control("POST", "/_emulator/faults",
                            "[{\"listener\":\"downloads\",\"kind\":\"reset\","
                            "\"reset_after_bytes\":1000,\"count\":1}]"));
    json_object_put(control("POST", "/_emulator/log/clear", "{}"));
    rk_http_req_init(&req, "GET", rk_json_str(asset, "browser_download_url"));
    rk_http_req_output_fd(&req, out);
    rk_http_resp_init(&resp);
    if (rk_http_do(&gh.http, &req, &resp, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.bytes, 2048);
    assert_int_equal(resp.attempts, 2);
    assert_int_equal(logged("downloads", "/", 2).status_206, 1);
    rk_http_resp_release(&resp);
    rk_http_req_release(&req);
    json_object_put(asset);
    close(out);
}

static void download_restarts_after_5xx(void **state)
{
    struct rk_err e;
    int out = temp_file("restart.bin", 5000);
    char got[RK_SHA256_HEX_LEN], again[RK_SHA256_HEX_LEN];
    uint64_t size = 0;
    rk_err_clear(&e);
    json_object_put(control("POST", "/_emulator/faults",
                            "[{\"listener\":\"downloads\",\"kind\":\"5xx\",\"count\":1}]"));
    if (rk_github_download_asset(&gh, "relkit-test", "demo", 4002, out, got, &size, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(size, 2048);
    sha_of_fd(out, again);
    assert_string_equal(again, got);
    close(out);
}

static void download_of_missing_asset_is_remote(void **state)
{
    struct rk_err e;
    int out = temp_file("missing.bin", 0);
    rk_err_clear(&e);
    assert_int_equal(
        rk_github_download_asset(&gh, "relkit-test", "demo", 999999, out, NULL, NULL, &e), -1);
    assert_int_equal(e.code, RK_REMOTE);
    assert_string_equal(e.msg, "GET " REPO "/releases/assets/999999: 404 Not Found");
    close(out);
}

static off_t fd_size(int fd)
{
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    return st.st_size;
}

/* a body over the caller's bound: the transfer stops there, no byte past it is written */
static void get_asset_stops_past_max(void **state)
{
    struct rk_err e;
    int out = temp_file("max.bin", 0);
    struct rk_asset_get a = {.id = 4002, .out_fd = out, .max = 2047};
    rk_err_clear(&e);
    assert_int_equal(rk_github_get_asset(&gh, "relkit-test", "demo", &a, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_non_null(strstr(e.msg, "response too large (over 2047 bytes)"));
    assert_int_equal(a.too_large, 1);
    assert_true(fd_size(out) <= 2047);
    assert_int_equal(logged("downloads", "/", 1).n, 1); /* not retried */
    rk_err_clear(&e);
    a.max = 2048; /* exactly the size: fine */
    if (rk_github_get_asset(&gh, "relkit-test", "demo", &a, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(a.too_large, 0);
    assert_int_equal(a.bytes, 2048);
    assert_int_equal(fd_size(out), 2048);
    close(out);
}

/* the bound counts the bytes of an attempt cut off and resumed */
static void get_asset_max_counts_resumed_bytes(void **state)
{
    struct rk_err e;
    int out = temp_file("maxresume.bin", 0);
    struct rk_asset_get a = {.id = 4002, .out_fd = out, .max = 1500};
    rk_err_clear(&e);
    json_object_put(control("POST", "/_emulator/faults",
                            "[{\"listener\":\"downloads\",\"kind\":\"reset\","
                            "\"reset_after_bytes\":1000,\"count\":1}]"));
    assert_int_equal(rk_github_get_asset(&gh, "relkit-test", "demo", &a, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_int_equal(a.too_large, 1);
    assert_int_equal(logged("downloads", "/", 2).status_206, 1);
    assert_true(fd_size(out) <= 1500);
    close(out);
}

/* from > 0: the rest of the asset (206, checked), hashed on its own */
static void get_asset_from_offset(void **state)
{
    struct rk_err e;
    int whole = temp_file("whole.bin", 0), rest = temp_file("rest.bin", 0);
    struct rk_asset_get a = {.id = 4002, .out_fd = whole};
    char want[RK_SHA256_HEX_LEN], got[RK_SHA256_HEX_LEN];
    unsigned char buf[2048], md[RK_SHA256_LEN];
    rk_err_clear(&e);
    if (rk_github_get_asset(&gh, "relkit-test", "demo", &a, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(a.partial, 0);
    assert_int_equal(pread(whole, buf, sizeof(buf), 0), 2048);
    assert_int_equal(rk_sha256_buf(buf + 1000, 1048, md, &e), 0);
    rk_hex(md, RK_SHA256_LEN, want);
    a = (struct rk_asset_get){.id = 4002, .out_fd = rest, .from = 1000, .max = 2048};
    if (rk_github_get_asset(&gh, "relkit-test", "demo", &a, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(a.partial, 1);
    assert_int_equal(a.bytes, 1048);
    assert_string_equal(a.sha256, want);
    sha_of_fd(rest, got);
    assert_string_equal(got, want);
    close(whole);
    close(rest);
}

static void get_many_in_parallel(void **state)
{
    const char *paths[] = {REPO, REPO "/releases/3001", REPO "/releases/3002",
                           REPO "/releases/424242", REPO "/tags"};
    json_object *out[5];
    long status[5];
    struct rk_err e;
    rk_err_clear(&e);
    assert_int_equal(rk_github_get_many(&gh, paths, 5, 3, RK_GH_ALLOW_404, out, status, &e), 0);
    assert_string_equal(rk_json_str(out[0], "name"), "demo");
    assert_string_equal(rk_json_str(out[1], "tag_name"), "v0.1.0");
    assert_string_equal(rk_json_str(out[2], "tag_name"), "v0.2.0");
    assert_null(out[3]);
    assert_int_equal(status[3], 404);
    assert_true(json_object_is_type(out[4], json_type_array));
    for (int i = 0; i < 5; i++)
        json_object_put(out[i]);
    assert_int_equal(rk_github_get_many(&gh, paths, 5, 3, 0, out, status, &e), -1);
    assert_int_equal(e.code, RK_REMOTE);
    assert_non_null(strstr(e.msg, "/releases/424242: 404 Not Found"));
    for (int i = 0; i < 5; i++)
        json_object_put(out[i]);
}

int main(void)
{
    struct rk_err e;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(get_ok_and_counted, reset_emulator),
        cmocka_unit_test_setup(not_found_is_remote_with_message, reset_emulator),
        cmocka_unit_test_setup(validation_error_lists_errors, reset_emulator),
        cmocka_unit_test_setup(exhausted_retries_are_transient, reset_emulator),
        cmocka_unit_test_setup(pagination_follows_link, reset_emulator),
        cmocka_unit_test_setup(parallel_pages_get_everything_in_order, reset_emulator),
        cmocka_unit_test_setup(etag_cache_answers_304, reset_emulator),
        cmocka_unit_test_setup(etag_cache_keeps_links_across_runs, reset_emulator),
        cmocka_unit_test_setup(etag_cache_ignores_damaged_entries, reset_emulator),
        cmocka_unit_test_setup(etag_cache_writes_only_at_save, reset_emulator),
        cmocka_unit_test_setup(etag_cache_prunes_old_entries, reset_emulator),
        cmocka_unit_test_setup(upload_streams_fd_then_download, reset_emulator),
        cmocka_unit_test_setup(download_resumes_after_reset, reset_emulator),
        cmocka_unit_test_setup(resumed_download_reports_200, reset_emulator),
        cmocka_unit_test_setup(download_restarts_after_5xx, reset_emulator),
        cmocka_unit_test_setup(download_of_missing_asset_is_remote, reset_emulator),
        cmocka_unit_test_setup(get_asset_stops_past_max, reset_emulator),
        cmocka_unit_test_setup(get_asset_max_counts_resumed_bytes, reset_emulator),
        cmocka_unit_test_setup(get_asset_from_offset, reset_emulator),
        cmocka_unit_test_setup(get_many_in_parallel, reset_emulator),
    };
    int rc;
    char cmd[300];
    if (!getenv("RELKIT_EMU_API") || !getenv("GH_TOKEN")) {
        fprintf(stderr, "run me through tests/fakes/github/with-emulator.sh\n");
        return 1;
    }
    setenv("RELKIT_HTTP_BACKOFF_MS", "20", 1);
    setenv("RELKIT_HTTP_BACKOFF_MAX_MS", "100", 1);
    setenv("RELKIT_HTTP_MAX_ATTEMPTS", "4", 1);
    setenv("RELKIT_HTTP_MAX_WAIT_MS", "5000", 1);
    rk_err_clear(&e);
    if (!mkdtemp(tmpdir) || rk_github_init(&gh, NULL, &e) < 0) {
        fprintf(stderr, "setup failed: %s\n", e.msg);
        return 1;
    }
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    rk_github_release(&gh);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        rc = rc ? rc : 1;
    return rc;
}
