/* regauth_helper.c - docker credential helpers: docker-credential-NAME get (regauth.h) */
#include "regauth.h"
#include "buf.h"
#include "err.h"
#include "jsonio.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/crypto.h>

#define HELPER_OUT_MAX 65536
#define HELPER_TIMEOUT_MS 30000

extern char **environ;

static int valid_name(const char *s)
{
    if (!s || !*s || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *s))
            return 0;
    return 1;
}

/* start prog with stdin from in[0] and stdout+stderr into out[1] */
static int spawn(const char *prog, int in[2], int out[2], pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    char *argv[] = {(char *)prog, "get", NULL};
    int rc;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, out[1], 2);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    rc = posix_spawnp(pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

/* read fd to EOF into b (bounded), within the time limit; -1 on timeout/overflow */
static int read_out(int fd, struct rk_buf *b)
{
    char tmp[4096];
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t n;
        int r = poll(&p, 1, HELPER_TIMEOUT_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        n = read(fd, tmp, sizeof(tmp));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n == 0 ? 0 : -1;
        if (rk_buf_append(b, tmp, (size_t)n) < 0)
            return -1;
    }
}

static int cloexec_pipe(int p[2])
{
    if (pipe(p) < 0)
        return -1;
    fcntl(p[0], F_SETFD, FD_CLOEXEC);
    fcntl(p[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

/* run the helper: its output in out, its exit status in *status */
static int run_helper(const char *prog, const char *server, struct rk_buf *out, int *status,
                      struct rk_err *e)
{
    int in[2], o[2], rc, rd;
    pid_t pid;
    if (cloexec_pipe(in) < 0)
        return rk_err_errno(e, RK_SYSTEM, "unable to run '%s'", prog);
    if (cloexec_pipe(o) < 0) {
        close(in[0]), close(in[1]);
        return rk_err_errno(e, RK_SYSTEM, "unable to run '%s'", prog);
    }
    rc = spawn(prog, in, o, &pid);
    close(in[0]);
    close(o[1]);
    if (rc != 0) {
        close(in[1]), close(o[0]);
        errno = rc;
        return rk_err_errno(e, RK_SYSTEM, "unable to run '%s'", prog);
    }
    if (write(in[1], server, strlen(server)) < 0)
        rk_log_debug("'%s' did not read its input", prog);
    close(in[1]);
    rd = read_out(o[0], out);
    close(o[0]);
    if (rd < 0)
        kill(pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    if (rd < 0)
        return rk_err_set(e, RK_SYSTEM, "'%s' did not answer within %d s or said too much", prog,
                          HELPER_TIMEOUT_MS / 1000);
    return 0;
}

static int parse_answer(const char *prog, const struct rk_buf *out, struct rk_regcred *c,
                        struct rk_err *e)
{
    json_object *doc = NULL;
    const char *user, *secret;
    int rc;
    if (rk_json_parse(out->data, out->len, prog, &doc, e) < 0)
        return -1;
    user = rk_json_str(doc, "Username");
    secret = rk_json_str(doc, "Secret");
    if (!user || !secret || !*secret) {
        rc = rk_err_set(e, RK_INPUT, "'%s' answered without Username and Secret", prog);
    } else if (strcmp(user, "<token>") == 0) {
        rk_log_secret(secret);
        rk_log_warn("'%s' gave an identity token: not supported", prog);
        rc = 1;
    } else {
        c->username = strdup(user);
        c->secret = strdup(secret);
        rk_log_secret(secret);
        snprintf(c->source, sizeof(c->source), "%s", prog);
        rc = c->username && c->secret ? 0 : rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    if (secret)
        OPENSSL_cleanse((char *)secret, strlen(secret));
    json_object_put(doc);
    return rc;
}

int rk_regcred_helper(const char *name, const char *server, struct rk_regcred *c, struct rk_err *e)
{
    char prog[96];
    struct rk_buf out;
    int status = 0, rc;
    if (!valid_name(name))
        return rk_err_set(e, RK_INPUT, "invalid credential helper name '%.64s'", name ? name : "");
    snprintf(prog, sizeof(prog), "docker-credential-%s", name);
    rk_buf_init(&out, HELPER_OUT_MAX);
    rc = run_helper(prog, server, &out, &status, e);
    if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
        if (strstr(rk_buf_cstr(&out), "credentials not found"))
            rc = 1;
        else
            rc = rk_err_set(e, RK_SYSTEM, "'%s get' failed for '%s': %.*s", prog, server,
                            (int)strcspn(rk_buf_cstr(&out), "\n"), rk_buf_cstr(&out));
    } else if (rc == 0) {
        rc = parse_answer(prog, &out, c, e);
    }
    if (out.data)
        OPENSSL_cleanse(out.data, out.len);
    rk_buf_release(&out);
    return rc;
}
