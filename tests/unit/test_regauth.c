/* unit tests: WWW-Authenticate challenges and registry credentials (regauth.h) */
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

#include "err.h"
#include "regauth.h"

static char tmpdir[256];

static void challenge_bearer(void **state)
{
    struct rk_www_auth a;
    const struct rk_www_challenge *c;
    assert_int_equal(rk_www_auth_parse("Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\","
                                       "scope=\"repository:a/b:pull,push repository:c:pull\","
                                       "error=\"insufficient_scope\"",
                                       &a),
                     0);
    assert_int_equal(a.n, 1);
    c = rk_www_auth_find(&a, "BEARER");
    assert_non_null(c);
    assert_string_equal(rk_www_param(c, "realm"), "https://ghcr.io/token");
    assert_string_equal(rk_www_param(c, "Service"), "ghcr.io");
    assert_string_equal(rk_www_param(c, "scope"), "repository:a/b:pull,push repository:c:pull");
    assert_string_equal(rk_www_param(c, "error"), "insufficient_scope");
    assert_null(rk_www_param(c, "nope"));
    rk_www_auth_release(&a);
}

static void challenges_several(void **state)
{
    struct rk_www_auth a;
    assert_int_equal(
        rk_www_auth_parse("Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", "
                          "Basic realm=\"simple\", Negotiate abc123==, Bearer",
                          &a),
        0);
    assert_int_equal(a.n, 4);
    assert_string_equal(a.ch[0].scheme, "newauth");
    assert_string_equal(rk_www_param(&a.ch[0], "type"), "1");
    assert_string_equal(rk_www_param(&a.ch[0], "title"), "Login to \"apps\"");
    assert_string_equal(rk_www_param(rk_www_auth_find(&a, "basic"), "realm"), "simple");
    assert_string_equal(a.ch[2].token68, "abc123==");
    assert_int_equal(a.ch[3].nparams, 0);
    rk_www_auth_release(&a);
}

static void challenges_odd(void **state)
{
    struct rk_www_auth a;
    assert_int_equal(rk_www_auth_parse(NULL, &a), 0);
    assert_int_equal(a.n, 0);
    assert_int_equal(rk_www_auth_parse(",,, ", &a), 0);
    assert_int_equal(a.n, 0);
    assert_int_equal(rk_www_auth_parse("Bearer realm=\"unterminated", &a), 0);
    assert_string_equal(rk_www_param(&a.ch[0], "realm"), "unterminated");
    rk_www_auth_release(&a);
    assert_int_equal(rk_www_auth_parse("Bearer realm = x ,service= y", &a), 0);
    assert_string_equal(rk_www_param(&a.ch[0], "realm"), "x");
    assert_string_equal(rk_www_param(&a.ch[0], "service"), "y");
    rk_www_auth_release(&a);
}

static void host_keys(void **state)
{
    char k[64];
    rk_regcred_host_key("https://index.docker.io/v1/", k, sizeof(k));
    assert_string_equal(k, "docker.io");
    rk_regcred_host_key("GHCR.io", k, sizeof(k));
    assert_string_equal(k, "ghcr.io");
    rk_regcred_host_key("http://127.0.0.1:5000/x", k, sizeof(k));
    assert_string_equal(k, "127.0.0.1:5000");
}

static void write_file(const char *name, const char *text, mode_t mode)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static int setup(void **state)
{
    char path[1024];
    snprintf(tmpdir, sizeof(tmpdir), "%s/relkit-regauth-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir))
        return -1;
    /* a credential helper: answers for ghcr.io and h.example, fails for broken.example */
    write_file("docker-credential-relkittest",
               "#!/bin/sh\nread -r server\n"
               "case \"$server\" in\n"
               "ghcr.io|h.example) printf '{\"ServerURL\":\"%s\",\"Username\":\"u-%s\","
               "\"Secret\":\"s3cret-%s\"}' \"$server\" \"$server\" \"$server\" ;;\n"
               "tok.example) echo '{\"Username\":\"<token>\",\"Secret\":\"idtok\"}' ;;\n"
               "broken.example) echo 'helper exploded'; exit 3 ;;\n"
               "*) echo 'credentials not found in native keychain'; exit 1 ;;\n"
               "esac\n",
               0755);
    snprintf(path, sizeof(path), "%s:%s", tmpdir, getenv("PATH") ? getenv("PATH") : "/usr/bin");
    setenv("PATH", path, 1);
    setenv("DOCKER_CONFIG", tmpdir, 1);
    unsetenv("REGISTRY_USERNAME");
    unsetenv("REGISTRY_PASSWORD");
    unsetenv("GH_TOKEN");
    unsetenv("GITHUB_TOKEN");
    unsetenv("GITHUB_ACTOR");
    return 0;
}

static int teardown(void **state)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static int find(const char *host, unsigned flags, struct rk_regcred *c, struct rk_err *e)
{
    rk_err_clear(e);
    return rk_regcred_find(host, flags, c, e);
}

static void from_env(void **state)
{
    struct rk_regcred c;
    struct rk_err e;
    write_file("config.json", "{}", 0600);
    setenv("REGISTRY_USERNAME", "envuser", 1);
    setenv("REGISTRY_PASSWORD", "envpass", 1);
    assert_int_equal(find("r.example", RK_REGCRED_ENV, &c, &e), 0);
    assert_string_equal(c.username, "envuser");
    assert_string_equal(c.secret, "envpass");
    assert_string_equal(c.source, "REGISTRY_USERNAME");
    rk_regcred_release(&c);
    /* not for a registry the caller did not allow them for */
    assert_int_equal(find("r.example", 0, &c, &e), 1);
    unsetenv("REGISTRY_USERNAME");
    unsetenv("REGISTRY_PASSWORD");
    setenv("GH_TOKEN", "ghp_x", 1);
    assert_int_equal(find("ghcr.io", 0, &c, &e), 0);
    assert_string_equal(c.secret, "ghp_x");
    assert_string_equal(c.source, "GH_TOKEN");
    rk_regcred_release(&c);
    assert_int_equal(find("other.io", 0, &c, &e), 1); /* GH_TOKEN only goes to ghcr.io */
    unsetenv("GH_TOKEN");
}

static void from_docker_config(void **state)
{
    struct rk_regcred c;
    struct rk_err e;
    /* dXNlcjpwYTpzcw== is "user:pa:ss" */
    write_file("config.json",
               "{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \"dXNlcjpwYTpzcw==\"},"
               " \"127.0.0.1:5000\": {\"username\": \"u2\", \"password\": \"p2\"},"
               " \"id.example\": {\"identitytoken\": \"x\"},"
               " \"bad.example\": {\"auth\": \"bm9jb2xvbg==\"}},"
               " \"credHelpers\": {\"ghcr.io\": \"relkittest\", \"broken.example\": \"relkittest\","
               " \"tok.example\": \"relkittest\", \"evil.example\": \"../x\"},"
               " \"credsStore\": \"relkittest\"}",
               0600);
    assert_int_equal(find("docker.io", 0, &c, &e), 0);
    assert_string_equal(c.username, "user");
    assert_string_equal(c.secret, "pa:ss");
    rk_regcred_release(&c);
    assert_int_equal(find("127.0.0.1:5000", 0, &c, &e), 0);
    assert_string_equal(c.secret, "p2");
    rk_regcred_release(&c);
    assert_int_equal(find("ghcr.io", 0, &c, &e), 0);
    assert_string_equal(c.username, "u-ghcr.io");
    assert_string_equal(c.secret, "s3cret-ghcr.io");
    assert_string_equal(c.source, "docker-credential-relkittest");
    rk_regcred_release(&c);
    /* credsStore for hosts without their own entry */
    assert_int_equal(find("h.example", 0, &c, &e), 0);
    assert_string_equal(c.username, "u-h.example");
    rk_regcred_release(&c);
    assert_int_equal(find("none.example", 0, &c, &e), 1);
    assert_int_equal(find("id.example", 0, &c, &e), 1); /* identity token: skipped, warned */
    assert_int_equal(find("tok.example", 0, &c, &e), 1);
    assert_int_equal(find("broken.example", 0, &c, &e), -1);
    assert_int_equal(e.code, RK_SYSTEM);
    assert_non_null(strstr(e.msg, "helper exploded"));
    assert_int_equal(find("bad.example", 0, &c, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    assert_int_equal(find("evil.example", 0, &c, &e), -1);
    assert_non_null(strstr(e.msg, "invalid credential helper name"));
}

static void config_problems(void **state)
{
    struct rk_regcred c;
    struct rk_err e;
    write_file("config.json", "{not json", 0600);
    assert_int_equal(find("x.example", 0, &c, &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    write_file("config.json", "[]", 0600);
    assert_int_equal(find("x.example", 0, &c, &e), -1);
    write_file("config.json", "{\"credsStore\": \"nosuchhelper\"}", 0600);
    assert_int_equal(find("x.example", 0, &c, &e), -1);
    assert_int_equal(e.code, RK_SYSTEM);
    assert_non_null(strstr(e.msg, "docker-credential-nosuchhelper"));
    setenv("DOCKER_CONFIG", "/nonexistent/relkit", 1);
    assert_int_equal(find("x.example", 0, &c, &e), 1); /* no config: no credentials */
    setenv("DOCKER_CONFIG", tmpdir, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(challenge_bearer), cmocka_unit_test(challenges_several),
        cmocka_unit_test(challenges_odd),   cmocka_unit_test(host_keys),
        cmocka_unit_test(from_env),         cmocka_unit_test(from_docker_config),
        cmocka_unit_test(config_problems),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
