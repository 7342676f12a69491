/* pyindex_write.c - writing the pages of an index into a directory (see pyindex.h).
 *
 * Every page goes to a temporary file first; once all are written, they are renamed into
 * place. Readers see each page old or new, never torn, and a failure before the renames
 * changes nothing. Nothing is fsync'd: the pages are derived data that a re-run regenerates
 * (converges), and a sync of the file system (syncfs, measured) took 0.1-0.3 s of wall time on
 * a loaded machine, more than writing 28 MB of pages. */
#include "pyindex.h"
#include "err.h"
#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct pages {
    struct rk_atomic *v; /* fd closed, tmp_path written, final_path to rename to */
    size_t n, cap;
    size_t *count;
};

static void pages_abort(struct pages *p)
{
    for (size_t i = 0; i < p->n; i++)
        rk_atomic_abort(&p->v[i]);
    free(p->v);
    memset(p, 0, sizeof(*p));
}

/* dir/name <- b (b emptied) */
static int write_page(struct pages *p, const char *dir, const char *name, struct rk_buf *b,
                      struct rk_err *e)
{
    char *path = rk_path_join(dir, name);
    struct rk_atomic *a;
    int rc = -1;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        struct rk_atomic *v = realloc(p->v, cap * sizeof(*v));
        if (!v) {
            free(path);
            return rk_err_set(e, RK_SYSTEM, "out of memory");
        }
        p->v = v, p->cap = cap;
    }
    if (!path)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    a = &p->v[p->n];
    if (rk_atomic_open(a, path, 0644, e) == 0) {
        p->n++;
        if (rk_write_all(a->fd, b->data ? b->data : "", b->len, path, e) == 0) {
            if (fchmod(a->fd, 0644) < 0 || close(a->fd) < 0)
                rk_err_errno(e, RK_SYSTEM, "unable to write '%s'", path);
            else
                rc = 0;
            a->fd = -1;
        }
    }
    free(path);
    rk_buf_reset(b);
    return rc;
}

static int pages_commit(struct pages *p, const char *dir, struct rk_err *e)
{
    int rc = 0;
    (void)dir;
    for (size_t i = 0; i < p->n; i++) {
        struct rk_atomic *a = &p->v[i];
        if (rename(a->tmp_path, a->final_path) < 0) {
            rc = rk_err_errno(e, RK_SYSTEM, "unable to rename into '%s'", a->final_path);
            break;
        }
        free(a->tmp_path);
        a->tmp_path = NULL;
        (*p->count)++;
    }
    pages_abort(p);
    return rc;
}

static int valid_project_dir(const char *p)
{
    if (!*p || *p == '.')
        return 0;
    for (; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._", *p)))
            return 0;
    return 1;
}

static int write_project(struct rk_pyindex *x, size_t i, size_t end, const char *simple,
                         const struct rk_pyindex_opts *o, struct pages *pages, struct rk_err *e)
{
    struct rk_buf b;
    char *pdir;
    int rc = -1;
    if (!valid_project_dir(x->files[i].project))
        return rk_err_set(e, RK_INPUT, "invalid project name '%s'", x->files[i].project);
    if (!(pdir = rk_path_join(simple, x->files[i].project)))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    rk_buf_init(&b, 0);
    if (rk_mkdir_p(pdir, 0755, e) < 0)
        goto out;
    if (!o->no_html && (rk_pyindex_simple_project(x, i, end, "../../", &b) < 0 ||
                        write_page(pages, pdir, "index.html", &b, e) < 0))
        goto out;
    if (!o->no_json && (rk_pyindex_json_project(x, i, end, "../../", &b) < 0 ||
                        write_page(pages, pdir, "index.json", &b, e) < 0))
        goto out;
    rc = 0;
out:
    if (rc < 0 && e && e->code == RK_OK)
        rk_err_set(e, RK_SYSTEM, "out of memory");
    rk_buf_release(&b);
    free(pdir);
    return rc;
}

/* files are sorted by project first: a binary search */
static int in_index(const struct rk_pyindex *x, const char *name)
{
    size_t lo = 0, hi = x->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(x->files[mid].project, name);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* remove simple/<name>/ of projects no longer in the index (only the pages written here) */
static void prune_stale(const struct rk_pyindex *x, const char *simple)
{
    DIR *d = opendir(simple);
    struct dirent *de;
    if (!d)
        return;
    while ((de = readdir(d)) != NULL) {
        char path[4096];
        if (!valid_project_dir(de->d_name) || in_index(x, de->d_name))
            continue;
        snprintf(path, sizeof(path), "%s/%s/index.html", simple, de->d_name);
        unlink(path);
        snprintf(path, sizeof(path), "%s/%s/index.json", simple, de->d_name);
        unlink(path);
        snprintf(path, sizeof(path), "%s/%s", simple, de->d_name);
        rmdir(path);
    }
    closedir(d);
}

static int write_simple(struct rk_pyindex *x, const char *dir, const struct rk_pyindex_opts *o,
                        struct pages *pages, struct rk_err *e)
{
    char *simple = rk_path_join(dir, "simple");
    struct rk_buf b;
    int rc = -1;
    if (!simple)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    rk_buf_init(&b, 0);
    if (rk_mkdir_p(simple, 0755, e) < 0)
        goto out;
    if (!o->no_html &&
        (rk_pyindex_simple_root(x, &b) < 0 || write_page(pages, simple, "index.html", &b, e) < 0))
        goto out;
    if (!o->no_json &&
        (rk_pyindex_json_root(x, &b) < 0 || write_page(pages, simple, "index.json", &b, e) < 0))
        goto out;
    for (size_t i = 0; i < x->n;) {
        size_t end = rk_pyindex_project_end(x, i);
        if (write_project(x, i, end, simple, o, pages, e) < 0)
            goto out;
        i = end;
    }
    prune_stale(x, simple);
    rc = 0;
out:
    if (rc < 0 && e && e->code == RK_OK)
        rk_err_set(e, RK_SYSTEM, "out of memory");
    rk_buf_release(&b);
    free(simple);
    return rc;
}

int rk_pyindex_write(struct rk_pyindex *x, const char *dir, const char *findlinks_name,
                     const struct rk_pyindex_opts *o, size_t *count, struct rk_err *e)
{
    static const struct rk_pyindex_opts none;
    struct pages pages;
    struct rk_buf b;
    int rc = 0;
    *count = 0;
    memset(&pages, 0, sizeof(pages));
    pages.count = count;
    if (!o)
        o = &none;
    if (rk_mkdir_p(dir, 0755, e) < 0)
        return -1;
    rk_buf_init(&b, 0);
    if (findlinks_name && *findlinks_name) {
        if (rk_pyindex_findlinks(x, o->title, "", &b) < 0)
            rc = rk_err_set(e, RK_SYSTEM, "out of memory");
        else
            rc = write_page(&pages, dir, findlinks_name, &b, e);
    }
    rk_buf_release(&b);
    if (rc == 0 && !(o->no_html && o->no_json))
        rc = write_simple(x, dir, o, &pages, e);
    if (rc == 0)
        return pages_commit(&pages, dir, e);
    pages_abort(&pages);
    return rc;
}
