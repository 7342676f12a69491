/* tagalloc_git.c - see tagalloc.h: the local git backend (git run as a child process) */
#include "tagalloc.h"
#include "buf.h"
#include "err.h"
#include "jsonio.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define GIT_OUT_MAX ((size_t)16 << 20)
#define GIT_ARGS_MAX 16

static void child(const char *dir, char *const argv[], int out[2], int err[2])
{
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0)
        dup2(null, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    close(out[0]);
    close(err[0]);
    if (dir && chdir(dir) != 0) {
        fprintf(stderr, "cannot enter '%s': %s\n", dir, strerror(errno));
        _exit(127);
    }
    execvp("git", argv);
    fprintf(stderr, "cannot run git: %s\n", strerror(errno));
    _exit(127);
}

/* read both pipes until EOF */
static int drain(int fo, int fe, struct rk_buf *out, struct rk_buf *err)
{
    struct pollfd p[2] = {{fo, POLLIN, 0}, {fe, POLLIN, 0}};
    int open_fds = 2, rc = 0;
    while (open_fds > 0) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        for (int i = 0; i < 2; i++) {
            char buf[8192];
            ssize_t n;
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            n = read(p[i].fd, buf, sizeof(buf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                p[i].fd = -1;
                open_fds--;
            } else if (rk_buf_append(i ? err : out, buf, (size_t)n) < 0) {
                rc = -1; /* too much output: keep reading to let git finish */
            }
        }
    }
    return rc;
}

/* Run git with args (NULL-terminated) in dir; *status gets its exit status. */
static int run_git(const char *dir, const char *const *args, struct rk_buf *out, struct rk_buf *err,
                   int *status, struct rk_err *e)
{
    char *argv[GIT_ARGS_MAX + 2];
    int po[2], pe[2], ws = 0, rc;
    size_t n = 0;
    pid_t pid;
    argv[n++] = "git";
    while (args[n - 1] && n < GIT_ARGS_MAX + 1) {
        argv[n] = (char *)args[n - 1];
        n++;
    }
    argv[n] = NULL;
    if (pipe(po) < 0)
        return rk_err_errno(e, RK_SYSTEM, "unable to run git");
    if (pipe(pe) < 0) {
        close(po[0]);
        close(po[1]);
        return rk_err_errno(e, RK_SYSTEM, "unable to run git");
    }
    pid = fork();
    if (pid == 0)
        child(dir, argv, po, pe);
    close(po[1]);
    close(pe[1]);
    rc = pid < 0 ? -1 : drain(po[0], pe[0], out, err);
    close(po[0]);
    close(pe[0]);
    if (pid < 0)
        return rk_err_errno(e, RK_SYSTEM, "unable to run git");
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    if (rc < 0)
        return rk_err_set(e, RK_SYSTEM, "git %s: output too large", args[0]);
    if (*status == 127)
        return rk_err_set(e, RK_SYSTEM, "unable to run git: %s", rk_buf_cstr(err));
    return 0;
}

/* the first line of a buffer, trimmed in place */
static const char *first_line(struct rk_buf *b)
{
    char *s = (char *)rk_buf_cstr(b), *nl = strchr(s, '\n');
    if (nl)
        *nl = '\0';
    return s;
}

static int git_list(void *ctx, const char *prefix, json_object **out, struct rk_err *e)
{
    struct rk_tag_git *c = ctx;
    struct rk_buf o, er, pat;
    int st = 0, rc;
    rk_buf_init(&o, GIT_OUT_MAX);
    rk_buf_init(&er, 65536);
    rk_buf_init(&pat, 4096);
    rk_buf_printf(&pat, "refs/tags/%s*", prefix);
    rc = run_git(c->dir,
                 (const char *[]){"for-each-ref",
                                  "--format=%(refname:lstrip=2) %(objectname) "
                                  "%(*objectname)",
                                  rk_buf_cstr(&pat), NULL},
                 &o, &er, &st, e);
    if (rc == 0 && st != 0)
        rc = rk_err_set(e, RK_SYSTEM, "git for-each-ref: %s", first_line(&er));
    if (rc == 0) {
        *out = json_object_new_array();
        for (char *line = strtok((char *)rk_buf_cstr(&o), "\n"); line; line = strtok(NULL, "\n")) {
            char name[RK_TAG_MAX], obj[RK_TAG_SHA_MAX], peeled[RK_TAG_SHA_MAX] = "";
            json_object *it;
            if (sscanf(line, "%255s %64s %64s", name, obj, peeled) < 2)
                continue;
            it = json_object_new_object();
            rk_json_set_str(it, "name", name);
            rk_json_set_str(it, "sha", *peeled ? peeled : obj);
            json_object_array_add(*out, it);
        }
    }
    rk_buf_release(&o);
    rk_buf_release(&er);
    rk_buf_release(&pat);
    return rc;
}

static int git_resolve(void *ctx, const char *name, char *out, struct rk_err *e)
{
    struct rk_tag_git *c = ctx;
    struct rk_buf o, er, rev;
    int st = 0, rc;
    *out = '\0';
    rk_buf_init(&o, 65536);
    rk_buf_init(&er, 65536);
    rk_buf_init(&rev, 4096);
    rk_buf_printf(&rev, "refs/tags/%s^{commit}", name);
    rc = run_git(c->dir, (const char *[]){"rev-parse", "-q", "--verify", rk_buf_cstr(&rev), NULL},
                 &o, &er, &st, e);
    if (rc == 0 && st == 0)
        snprintf(out, RK_TAG_SHA_MAX, "%s", first_line(&o));
    rk_buf_release(&o);
    rk_buf_release(&er);
    rk_buf_release(&rev);
    return rc;
}

static int git_create(void *ctx, const char *name, const char *sha, const char *message,
                      struct rk_err *e)
{
    struct rk_tag_git *c = ctx;
    struct rk_buf o, er;
    char now[RK_TAG_SHA_MAX];
    int st = 0, rc;
    rk_buf_init(&o, 65536);
    rk_buf_init(&er, 65536);
    if (message)
        rc = run_git(c->dir, (const char *[]){"tag", "-a", "-m", message, "--", name, sha, NULL},
                     &o, &er, &st, e);
    else
        rc = run_git(c->dir, (const char *[]){"tag", "--", name, sha, NULL}, &o, &er, &st, e);
    if (rc == 0 && st != 0) {
        /* another process may hold or have taken the ref: it exists now, or this failed */
        if (git_resolve(ctx, name, now, e) < 0)
            rc = -1;
        else if (*now)
            rc = RK_TAG_EXISTS;
        else
            rc = rk_err_set(e, RK_SYSTEM, "git tag '%s': %s", name, first_line(&er));
    }
    rk_buf_release(&o);
    rk_buf_release(&er);
    return rc;
}

void rk_tag_backend_git(struct rk_tag_backend *b, struct rk_tag_git *ctx)
{
    b->ctx = ctx;
    b->list = git_list;
    b->create = git_create;
    b->resolve = git_resolve;
    b->owned = NULL;
}

int rk_tag_git_commit(struct rk_tag_git *ctx, const char *rev, char *sha, time_t *date,
                      struct rk_err *e)
{
    struct rk_buf o, er, spec;
    long long t = 0;
    int st = 0, rc;
    if (!rev || !*rev || *rev == '-')
        return rk_err_set(e, RK_INPUT, "invalid revision '%s'", rev ? rev : "");
    rk_buf_init(&o, 65536);
    rk_buf_init(&er, 65536);
    rk_buf_init(&spec, 4096);
    rk_buf_printf(&spec, "%s^{commit}", rev);
    rc = run_git(ctx->dir,
                 (const char *[]){"log", "-1", "--format=%H %ct", rk_buf_cstr(&spec), "--", NULL},
                 &o, &er, &st, e);
    if (rc == 0 && (st != 0 || sscanf(rk_buf_cstr(&o), "%64s %lld", sha, &t) != 2))
        rc = rk_err_set(e, RK_INPUT, "unknown revision '%s' in the local checkout: %s", rev,
                        first_line(&er));
    if (rc == 0 && date)
        *date = (time_t)t;
    rk_buf_release(&o);
    rk_buf_release(&er);
    rk_buf_release(&spec);
    return rc;
}
