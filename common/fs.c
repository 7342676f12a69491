/* fs.c - see fs.h */
#include "fs.h"
#include "buf.h"
#include "err.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *rk_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

char *rk_path_join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    char *p = malloc(dl + nl + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, dl);
    if (dl && dir[dl - 1] != '/')
        p[dl++] = '/';
    memcpy(p + dl, name, nl + 1);
    return p;
}

static char *dir_of(const char *path)
{
    const char *s = strrchr(path, '/');
    if (!s)
        return strdup(".");
    if (s == path)
        return strdup("/");
    return strndup(path, (size_t)(s - path));
}

int rk_atomic_open(struct rk_atomic *a, const char *path, mode_t mode, struct rk_err *e)
{
    char *dir = dir_of(path);
    size_t n;
    a->fd = -1;
    a->mode = mode;
    a->final_path = strdup(path);
    n = (dir ? strlen(dir) : 0) + strlen(rk_basename(path)) + 32;
    a->tmp_path = malloc(n);
    if (!dir || !a->final_path || !a->tmp_path) {
        free(dir);
        rk_atomic_abort(a);
        return rk_err_set(e, RK_SYSTEM, "unable to write '%s': out of memory", path);
    }
    snprintf(a->tmp_path, n, "%s/.%s.tmp-XXXXXX", dir, rk_basename(path));
    free(dir);
    a->fd = mkstemp(a->tmp_path);
    if (a->fd < 0) {
        rk_err_errno(e, RK_SYSTEM, "unable to create a temporary file for '%s'", path);
        free(a->tmp_path);
        a->tmp_path = NULL;
        rk_atomic_abort(a);
        return -1;
    }
    return 0;
}

static void fsync_dir_of(const char *path)
{
    char *dir = dir_of(path);
    int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY) : -1;
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

int rk_atomic_commit(struct rk_atomic *a, struct rk_err *e)
{
    int rc = -1;
    if (a->fd < 0)
        return rk_err_set(e, RK_SYSTEM, "unable to write '%s': file not open",
                          a->final_path ? a->final_path : "?");
    if (fchmod(a->fd, a->mode) < 0 || fsync(a->fd) < 0) {
        rk_err_errno(e, RK_SYSTEM, "unable to write '%s'", a->final_path);
    } else if (close(a->fd) < 0) {
        a->fd = -1;
        rk_err_errno(e, RK_SYSTEM, "unable to write '%s'", a->final_path);
    } else {
        a->fd = -1;
        if (rename(a->tmp_path, a->final_path) < 0) {
            rk_err_errno(e, RK_SYSTEM, "unable to rename into '%s'", a->final_path);
        } else {
            fsync_dir_of(a->final_path);
            free(a->tmp_path);
            a->tmp_path = NULL;
            rc = 0;
        }
    }
    rk_atomic_abort(a);
    return rc;
}

void rk_atomic_abort(struct rk_atomic *a)
{
    if (a->fd >= 0)
        close(a->fd);
    a->fd = -1;
    if (a->tmp_path)
        unlink(a->tmp_path);
    free(a->tmp_path);
    free(a->final_path);
    a->tmp_path = NULL;
    a->final_path = NULL;
}

int rk_write_all(int fd, const void *p, size_t n, const char *what, struct rk_err *e)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return rk_err_errno(e, RK_SYSTEM, "unable to write '%s'", what);
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

int rk_write_file_atomic(const char *path, const void *p, size_t n, mode_t mode,
                         struct rk_err *e)
{
    struct rk_atomic a;
    if (rk_atomic_open(&a, path, mode, e) < 0)
        return -1;
    if (rk_write_all(a.fd, p, n, path, e) < 0) {
        rk_atomic_abort(&a);
        return -1;
    }
    return rk_atomic_commit(&a, e);
}

int rk_read_fd(int fd, const char *what, struct rk_buf *out, struct rk_err *e)
{
    char chunk[65536];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return rk_err_errno(e, RK_SYSTEM, "unable to read '%s'", what);
        }
        if (r == 0)
            return 0;
        if (rk_buf_append(out, chunk, (size_t)r) < 0) {
            if (errno == EFBIG)
                return rk_err_set(e, RK_INPUT, "'%s' is larger than %zu bytes", what, out->max);
            return rk_err_errno(e, RK_SYSTEM, "unable to read '%s'", what);
        }
    }
}

int rk_read_file(const char *path, struct rk_buf *out, struct rk_err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
    if (fd < 0)
        return rk_err_errno(e, RK_SYSTEM, "unable to open '%s'", path);
    rc = rk_read_fd(fd, path, out, e);
    close(fd);
    return rc;
}

int rk_mkdir_p(const char *path, mode_t mode, struct rk_err *e)
{
    char *p = strdup(path);
    if (!p)
        return rk_err_errno(e, RK_SYSTEM, "unable to create '%s'", path);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, mode) < 0 && errno != EEXIST) {
                rk_err_errno(e, RK_SYSTEM, "unable to create '%s'", p);
                free(p);
                return -1;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    return 0;
}

/* ".NAME.tmp-XXXXXX" as rk_atomic_open makes it (mkstemp: 6 of [A-Za-z0-9]) */
static int is_atomic_temp(const char *name)
{
    size_t n = strlen(name);
    const char *t = n > 12 ? name + n - 11 : NULL;
    if (name[0] != '.' || !t || strncmp(t, ".tmp-", 5) != 0)
        return 0;
    for (int i = 5; i < 11; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') ||
              (t[i] >= '0' && t[i] <= '9')))
            return 0;
    return 1;
}

int rk_remove_stale_temps(const char *dir, int depth, struct rk_err *e)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int removed = 0;
    if (!d)
        return errno == ENOENT || errno == ENOTDIR
                   ? 0
                   : rk_err_errno(e, RK_SYSTEM, "unable to read directory '%s'", dir);
    while (removed >= 0 && (de = readdir(d)) != NULL) {
        struct stat st;
        char *path;
        int sub;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (!(path = rk_path_join(dir, de->d_name))) {
            removed = rk_err_set(e, RK_SYSTEM, "out of memory");
            break;
        }
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && is_atomic_temp(de->d_name)) {
            if (unlink(path) == 0)
                removed++;
            else if (errno != ENOENT)
                removed = rk_err_errno(e, RK_SYSTEM, "unable to remove '%s'", path);
        } else if (depth > 0 && lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            sub = rk_remove_stale_temps(path, depth - 1, e);
            removed = sub < 0 ? -1 : removed + sub;
        }
        free(path);
    }
    closedir(d);
    return removed;
}
