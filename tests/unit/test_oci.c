/* unit tests: image references, manifests, platforms, index filtering, scopes (oci.h,
 * oci_client.h without the network) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "http.h"
#include "oci.h"
#include "oci_client.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static void ref_ok(const char *s, const char *reg, const char *repo, const char *tag,
                   const char *digest)
{
    struct rk_oci_ref r;
    struct rk_err e;
    rk_err_clear(&e);
    if (rk_oci_ref_parse(s, &r, &e) != 0)
        fail_msg("'%s' refused: %s", s, e.msg);
    assert_string_equal(r.registry, reg);
    assert_string_equal(r.repo, repo);
    if (tag)
        assert_string_equal(r.tag, tag);
    else
        assert_null(r.tag);
    if (digest)
        assert_string_equal(r.digest, digest);
    else
        assert_null(r.digest);
    rk_oci_ref_release(&r);
}

static void references(void **state)
{
    ref_ok("ghcr.io/tenstorrent/tt-shield/vllm-tt-metal-src-dev-ubuntu-22.04-amd64:0.0.5-"
           "ef93cf18b3aee66cc9ec703423de0ad3c6fde844-1d799da-52729064622",
           "ghcr.io", "tenstorrent/tt-shield/vllm-tt-metal-src-dev-ubuntu-22.04-amd64",
           "0.0.5-ef93cf18b3aee66cc9ec703423de0ad3c6fde844-1d799da-52729064622", NULL);
    ref_ok("https://ghcr.io/a/b:1", "ghcr.io", "a/b", "1", NULL);
    ref_ok("127.0.0.1:5000/src/app:1.0", "127.0.0.1:5000", "src/app", "1.0", NULL);
    ref_ok("localhost/x", "localhost", "x", NULL, NULL);
    ref_ok("[::1]:5000/x@" D1, "[::1]:5000", "x", NULL, D1);
    ref_ok("ubuntu", "docker.io", "library/ubuntu", NULL, NULL);
    ref_ok("ubuntu:22.04", "docker.io", "library/ubuntu", "22.04", NULL);
    ref_ok("org/app:v1@" D2, "docker.io", "org/app", "v1", D2);
    ref_ok("GHCR.IO/a__b/c.d/e--f:T_1", "ghcr.io", "a__b/c.d/e--f", "T_1", NULL);
}

static void bad_references(void **state)
{
    static const char *bad[] = {
        "",
        "ghcr.io/",
        "ghcr.io/A/b",
        "ghcr.io/a//b",
        "ghcr.io/a/b:",
        "ghcr.io/a/b:-x",
        "ghcr.io/a/b@sha256:abc",
        "ghcr.io/a/b@md5:"
        "0123456789abcdef0123456789abcdef",
        "ghcr.io:99999/a",
        "-bad.io/a",
        "ghcr.io/a_/b",
        "ghcr.io/a/.b",
        "ghcr.io/a___b",
        "ghcr.io/a b",
        "ghcr.io/a/b:t@sha256:"
        "XYZ",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct rk_oci_ref r;
        struct rk_err e;
        rk_err_clear(&e);
        if (rk_oci_ref_parse(bad[i], &r, &e) == 0)
            fail_msg("'%s' accepted", bad[i]);
        assert_int_equal(e.code, RK_INPUT);
        assert_non_null(strstr(e.msg, "invalid image reference"));
    }
}

/* credentials in a reference: refused, and the message does not echo them */
static void references_with_credentials(void **state)
{
    static const char *const bad[] = {
        "pusher:PW9@127.0.0.1:5000/src/app:1.0",
        "http://pusher:PW9@127.0.0.1:5000/src/app:1.0",
        "https://u:PW9@ghcr.io/a/b:1",
        "u@ghcr.io/a/b",
    };
    struct rk_oci_ref r;
    struct rk_err e;
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        rk_err_clear(&e);
        if (rk_oci_ref_parse(bad[i], &r, &e) == 0)
            fail_msg("'%s' accepted", bad[i]);
        assert_int_equal(e.code, RK_INPUT);
        assert_non_null(strstr(e.msg, "credentials must not be part of a reference"));
        assert_null(strstr(e.msg, "PW9"));
    }
    rk_err_clear(&e);
    assert_int_equal(rk_oci_ref_parse("127.0.0.1:5000/a/b@" D1, &r, &e), 0);
    rk_oci_ref_release(&r);
    assert_int_equal(rk_oci_ref_parse("b@" D1, &r, &e), 0);
    rk_oci_ref_release(&r);
}

static void format_and_copy(void **state)
{
    struct rk_oci_ref r, c;
    struct rk_err e;
    char *s;
    rk_err_clear(&e);
    assert_int_equal(rk_oci_ref_parse("ghcr.io/a/b:1@" D1, &r, &e), 0);
    assert_int_equal(rk_oci_ref_copy(&c, &r, &e), 0);
    s = rk_oci_ref_format(&c);
    assert_string_equal(s, "ghcr.io/a/b:1@" D1);
    free(s);
    assert_int_equal(rk_oci_ref_set(&c.tag, NULL), 0);
    s = rk_oci_ref_format(&c);
    assert_string_equal(s, "ghcr.io/a/b@" D1);
    free(s);
    rk_oci_ref_release(&r);
    rk_oci_ref_release(&c);
    assert_string_equal(rk_oci_api_host("docker.io"), "registry-1.docker.io");
    assert_string_equal(rk_oci_api_host("ghcr.io"), "ghcr.io");
}

static const char image_json[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1
    "\",\"size\":10},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
    "\"digest\":\"" D2 "\",\"size\":20},{\"mediaType\":"
    "\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\",\"digest\":\"" D3
    "\",\"size\":30,\"urls\":[\"https://x/\"]}],\"subject\":{\"mediaType\":\"x\",\"digest\":\"" D1
    "\",\"size\":1}}";

static const char index_json[] =
    "{\"schemaVersion\":2,\"manifests\":["
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1
    "\",\"size\":100,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D2
    "\",\"size\":200,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}}"
    ","
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D3
    "\",\"size\":300,\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"},"
    "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}}]}";

static void manifests(void **state)
{
    struct rk_oci_manifest m;
    struct rk_err e;
    rk_err_clear(&e);
    assert_int_equal(rk_oci_manifest_parse(image_json, strlen(image_json), NULL, &m, &e), 0);
    assert_int_equal(m.kind, RK_OCI_IMAGE);
    assert_string_equal(m.media_type, RK_OCI_MT_OCI_MANIFEST);
    assert_int_equal(m.n, 3);
    assert_string_equal(m.desc[0].digest, D1);
    assert_int_equal(m.desc[1].size, 20);
    assert_false(m.desc[1].foreign);
    assert_true(m.desc[2].foreign);
    assert_string_equal(m.subject, D1);
    rk_oci_manifest_release(&m);
    /* no mediaType field: the Content-Type, else inferred */
    assert_int_equal(rk_oci_manifest_parse(index_json, strlen(index_json),
                                           RK_OCI_MT_DOCKER_LIST "; charset=utf-8", &m, &e),
                     0);
    assert_string_equal(m.media_type, RK_OCI_MT_DOCKER_LIST);
    assert_int_equal(m.kind, RK_OCI_INDEX);
    assert_string_equal(m.desc[1].platform, "linux/arm64/v8");
    rk_oci_manifest_release(&m);
    assert_int_equal(
        rk_oci_manifest_parse(index_json, strlen(index_json), "application/json", &m, &e), 0);
    assert_string_equal(m.media_type, RK_OCI_MT_OCI_INDEX);
    rk_oci_manifest_release(&m);
}

static void bad_manifests(void **state)
{
    static const char *bad[] = {
        "[]",
        "{",
        "{\"schemaVersion\":1,\"fsLayers\":[]}",
        "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v1+prettyjws\"}",
        "{\"mediaType\":\"text/plain\"}",
        "{\"mediaType\":\"" RK_OCI_MT_OCI_MANIFEST "\"}",
        "{\"mediaType\":\"" RK_OCI_MT_OCI_INDEX "\"}",
        "{\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:12\",\"size\":1}}",
        "{\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1 "\",\"size\":-1}}",
        "{\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1 "\"}}",
        "{\"manifests\":[{\"mediaType\":\"x\",\"digest\":\"" D1 "\",\"size\":\"1\"}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct rk_oci_manifest m;
        struct rk_err e;
        rk_err_clear(&e);
        if (rk_oci_manifest_parse(bad[i], strlen(bad[i]), NULL, &m, &e) == 0)
            fail_msg("manifest %zu accepted: %s", i, bad[i]);
        assert_int_equal(e.code, RK_INPUT);
    }
    assert_int_equal(rk_oci_media_kind("application/vnd.oci.image.manifest.v1+json; x=y"),
                     RK_OCI_IMAGE);
    assert_int_equal(rk_oci_media_kind("application/vnd.oci.image.manifest.v1+jsonx"),
                     RK_OCI_UNKNOWN);
    assert_int_equal(rk_oci_media_kind(NULL), RK_OCI_UNKNOWN);
}

static void platforms(void **state)
{
    assert_true(rk_oci_platform_valid("linux/amd64"));
    assert_true(rk_oci_platform_valid("linux/arm64/v8"));
    assert_false(rk_oci_platform_valid("linux"));
    assert_false(rk_oci_platform_valid("linux/arm64/v8/x"));
    assert_false(rk_oci_platform_valid("linux//v8"));
    assert_false(rk_oci_platform_valid("Linux/amd64"));
    assert_true(rk_oci_platform_match("linux/arm64", "linux/arm64/v8"));
    assert_true(rk_oci_platform_match("linux/arm64/v8", "linux/arm64"));
    assert_true(rk_oci_platform_match("linux/arm/v7", "linux/arm/v7"));
    assert_false(rk_oci_platform_match("linux/arm/v6", "linux/arm/v7"));
    assert_false(rk_oci_platform_match("linux/amd64", "windows/amd64"));
}

static void index_filter(void **state)
{
    const char *pats[] = {"linux/arm64", "linux/s390x"};
    struct rk_buf out;
    struct rk_oci_manifest m;
    struct rk_err e;
    size_t kept;
    rk_err_clear(&e);
    rk_buf_init(&out, 0);
    assert_int_equal(rk_oci_index_filter(index_json, strlen(index_json), pats, 2, &out, &kept, &e),
                     0);
    assert_int_equal(kept, 1);
    assert_null(strstr(out.data, D1));
    assert_non_null(strstr(out.data, D2));
    assert_non_null(strstr(out.data, "\"schemaVersion\":2"));
    assert_int_equal(rk_oci_manifest_parse(out.data, out.len, NULL, &m, &e), 0);
    assert_int_equal(m.n, 1);
    rk_oci_manifest_release(&m);
    pats[0] = "windows/amd64";
    assert_int_equal(rk_oci_index_filter(index_json, strlen(index_json), pats, 1, &out, &kept, &e),
                     -1);
    assert_int_equal(e.code, RK_INPUT);
    rk_buf_release(&out);
}

static void digests(void **state)
{
    char d[RK_OCI_DIGEST_MAX];
    struct rk_err e;
    rk_err_clear(&e);
    assert_int_equal(rk_oci_digest_of("", 0, d, &e), 0);
    assert_string_equal(d,
                        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_true(rk_oci_valid_digest(d));
    assert_false(rk_oci_valid_digest(
        "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
    assert_true(rk_oci_valid_tag("_x"));
    assert_false(rk_oci_valid_tag(".x"));
}

static void scopes(void **state)
{
    struct rk_oci_scope s;
    char *str;
    rk_oci_scope_init(&s);
    assert_int_equal(rk_oci_scope_add(&s, "src/b", RK_OCI_PULL), 0);
    assert_int_equal(rk_oci_scope_add(&s, "dst/a", RK_OCI_PUSH), 0);
    assert_int_equal(rk_oci_scope_add(&s, "dst/a", RK_OCI_PULL), 0);
    assert_int_equal(rk_oci_scope_add(&s, "m", RK_OCI_PULL), 0);
    str = rk_oci_scope_string(&s);
    assert_string_equal(str, "repository:dst/a:pull,push repository:m:pull repository:src/b:pull");
    free(str);
    rk_oci_scope_release(&s);
}

static void urls(void **state)
{
    struct rk_http_client http;
    struct rk_oci_client oc;
    struct rk_oci_reg *r1, *r2, *r3;
    struct rk_err e;
    char *u;
    rk_err_clear(&e);
    assert_int_equal(rk_http_client_init(&http, NULL, &e), 0);
    assert_int_equal(rk_http_client_allow_insecure(&http, "reg.internal:5000", &e), 0);
    assert_int_equal(rk_oci_client_init(&oc, &http, &e), 0);
    r1 = rk_oci_client_reg(&oc, "127.0.0.1:5000", 0, &e);
    r2 = rk_oci_client_reg(&oc, "ghcr.io", 1, &e);
    r3 = rk_oci_client_reg(&oc, "reg.internal:5000", 0, &e);
    assert_ptr_equal(rk_oci_client_reg(&oc, "ghcr.io", 0, &e), r2);
    assert_true(r2->env_creds);
    assert_string_equal(r1->base, "http://127.0.0.1:5000");
    assert_string_equal(r2->base, "https://ghcr.io");
    assert_string_equal(r3->base, "http://reg.internal:5000");
    assert_string_equal(rk_oci_client_reg(&oc, "docker.io", 0, &e)->base,
                        "https://registry-1.docker.io");
    u = rk_oci_url(r2, "a/b", "manifests", "1.0");
    assert_string_equal(u, "https://ghcr.io/v2/a/b/manifests/1.0");
    free(u);
    u = rk_oci_url(r2, "a/b", "tags/list", NULL);
    assert_string_equal(u, "https://ghcr.io/v2/a/b/tags/list");
    free(u);
    u = rk_oci_resolve("http://h:1/v2/a/blobs/uploads/", "/v2/a/blobs/uploads/u?_state=x%3D");
    assert_string_equal(u, "http://h:1/v2/a/blobs/uploads/u?_state=x%3D");
    free(u);
    u = rk_oci_resolve("http://h:1/v2/a/", "http://h:1/v2/b?x=1");
    assert_string_equal(u, "http://h:1/v2/b?x=1");
    free(u);
    assert_null(rk_oci_resolve("http://h:1/", ""));
    rk_oci_client_release(&oc);
    rk_http_client_release(&http);
}

static void answers(void **state)
{
    struct rk_oci_reg reg;
    struct rk_http_resp r;
    struct rk_err e;
    char code[32];
    memset(&reg, 0, sizeof(reg));
    reg.name = "ghcr.io";
    reg.cred_state = 2;
    rk_http_resp_init(&r);
    r.status = 404;
    rk_buf_puts(&r.body, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
                         "unknown\"}]}");
    rk_err_clear(&e);
    assert_int_equal(rk_oci_check(&reg, &r, 200, 0, "source 'x'", &e), -1);
    assert_int_equal(e.code, RK_REMOTE);
    assert_string_equal(e.msg, "source 'x': 404 Not Found: MANIFEST_UNKNOWN: manifest unknown");
    rk_oci_error_code(&r, code, sizeof(code));
    assert_string_equal(code, "MANIFEST_UNKNOWN");
    r.status = 401;
    rk_buf_reset(&r.body);
    rk_err_clear(&e);
    assert_int_equal(rk_oci_check(&reg, &r, 200, 0, "x", &e), -1);
    assert_non_null(strstr(e.msg, "no credentials for 'ghcr.io'"));
    r.status = 202;
    rk_err_clear(&e);
    assert_int_equal(rk_oci_check(&reg, &r, 201, 202, "x", &e), 0);
    rk_http_resp_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(references),      cmocka_unit_test(bad_references),
        cmocka_unit_test(references_with_credentials),
        cmocka_unit_test(format_and_copy), cmocka_unit_test(manifests),
        cmocka_unit_test(bad_manifests),   cmocka_unit_test(platforms),
        cmocka_unit_test(index_filter),    cmocka_unit_test(digests),
        cmocka_unit_test(scopes),          cmocka_unit_test(urls),
        cmocka_unit_test(answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
