/* pyindex_write.c - writing the pages of an index into a directory (see pyindex.h).
 *
 * Every page goes to a temporary file first; once all are written, they are renamed into
 * place. Readers see each page old or new, never torn, and a failure before the renames
 * changes nothing. Nothing is fsync'd: the pages are derived data that a re-run regenerates
 * (converges), and a sync of the file system (syncfs, measured) took 0.1-0.3 s of wall time on
 * a loaded machine, more than writing 28 MB of pages.
 *
 * Speed (pyindex_impl.h): the pages stream through one small buffer (RK_PYOUT_CHUNK) into
 * their files, so it stays in cache and no page is held whole in memory. The work goes
 * project by project, so a file's strings are scanned (rk_pyprep) right before the pages
 * that show them: its PEP 503 page, its PEP 691 page, and the find-links page, which lists
 * the same anchors in the same order: while a project's HTML page is generated its anchors
 * are teed into the find-links page (open until the last project), unless a file of the
 * project has a relative URL (the prefix then differs: generated again). */
#include "pyindex_impl.h"
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
    struct rk_atomic *v; /* tmp_path (fd open while its page streams), final_path */
    size_t n, cap;
    size_t *count;
};

/* one run of rk_pyindex_write: the pages written, the page buffer (reused from page to page)
 * and every file's strings scanned once for the three pages that show it */
struct writer {
    struct pages pages;
    const struct rk_pyindex *x;
    const struct rk_pyindex_opts *o;
    struct rk_pyprep *prep; /* prep[j - i]: x->files[j] of the project [i, end) */
    size_t *proj, nproj;    /* rk_pyindex_projects */
    struct rk_pystr prefix; /* of relative hrefs in project pages */
    struct rk_pyout out;    /* the page being written */
    struct rk_pyout fl;     /* the find-links page, open from first to last project */
    size_t fl_slot;         /* its index in pages.v */
    int fl_open;
};

static void pages_abort(struct pages *p)
{
    for (size_t i = 0; i < p->n; i++)
        rk_atomic_abort(&p->v[i]);
    free(p->v);
    memset(p, 0, sizeof(*p));
}

/* Start the page dir/name: a temporary file that o streams to (o must be empty). */
static int page_begin(struct pages *p, const char *dir, const char *name, struct rk_pyout *o,
                      struct rk_err *e)
{
    char *path = rk_path_join(dir, name);
    struct rk_atomic *a;
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
    if (rk_atomic_open(a, path, 0644, e) < 0) {
        free(path);
        return -1;
    }
    free(path);
    p->n++;
    o->sink = 1, o->fd = a->fd, o->path = a->final_path, o->e = e;
    o->len = o->flushed = 0;
    o->failed = o->write_error = 0;
    return 0;
}

/* Write the rest of the page in o and close its file pages.v[slot] (o emptied, its memory
 * kept). */
static int page_end(struct pages *p, size_t slot, struct rk_pyout *o, struct rk_err *e)
{
    struct rk_atomic *a = &p->v[slot];
    int rc = -1;
    if (o->failed) {
        if (!o->write_error)
            rk_err_set(e, RK_SYSTEM, "out of memory");
    } else if (rk_write_all(a->fd, o->data ? o->data : "", o->len, a->final_path, e) == 0) {
        if (fchmod(a->fd, 0644) < 0 || close(a->fd) < 0)
            rk_err_errno(e, RK_SYSTEM, "unable to write '%s'", a->final_path);
        else
            rc = 0;
        a->fd = -1;
    }
    o->sink = 0, o->fd = -1, o->len = o->flushed = 0;
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

/* "out of memory" when the find-links page failed (a failed write has set e) */
static int fl_check(struct writer *w, struct rk_err *e)
{
    if (!w->fl_open || !w->fl.failed)
        return 0;
    return w->fl.write_error ? -1 : rk_err_set(e, RK_SYSTEM, "out of memory");
}

static int project_html(struct writer *w, size_t i, size_t end, const char *pdir, struct rk_err *e)
{
    const struct rk_pyprep *p = w->prep;
    int rel = 0;
    for (size_t j = 0; j < end - i; j++)
        rel |= p[j].rel;
    if (page_begin(&w->pages, pdir, "index.html", &w->out, e) < 0)
        return -1;
    rk_pyout_simple_project(&w->out, w->x, i, end, p, &w->prefix,
                            w->fl_open && !rel ? &w->fl : NULL);
    if (w->fl_open && rel)
        rk_pyout_anchors(&w->fl, w->x, i, end, p, NULL);
    return page_end(&w->pages, w->pages.n - 1, &w->out, e);
}

/* the pages of the project [i, end); simple NULL: its anchors in the find-links page only */
static int write_project(struct writer *w, size_t i, size_t end, const char *simple,
                         struct rk_err *e)
{
    const struct rk_pyindex *x = w->x;
    char *pdir;
    int rc = -1;
    rk_pyprep_files(&x->files[i], end - i, w->prep);
    if (!simple) {
        rk_pyout_anchors(&w->fl, x, i, end, w->prep, NULL);
        return fl_check(w, e);
    }
    if (!valid_project_dir(x->files[i].project))
        return rk_err_set(e, RK_INPUT, "invalid project name '%s'", x->files[i].project);
    if (!(pdir = rk_path_join(simple, x->files[i].project)))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    if (rk_mkdir_p(pdir, 0755, e) < 0)
        goto out;
    if (!w->o->no_html && project_html(w, i, end, pdir, e) < 0)
        goto out;
    if (w->o->no_html && w->fl_open)
        rk_pyout_anchors(&w->fl, x, i, end, w->prep, NULL);
    if (!w->o->no_json) {
        if (page_begin(&w->pages, pdir, "index.json", &w->out, e) < 0)
            goto out;
        rk_pyout_json_project(&w->out, x, i, end, w->prep, &w->prefix);
        if (page_end(&w->pages, w->pages.n - 1, &w->out, e) < 0)
            goto out;
    }
    rc = fl_check(w, e);
out:
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

/* a root page of simple/ written by fn */
static int write_root(struct writer *w, const char *simple, const char *name, rk_pyout_root_fn fn,
                      struct rk_err *e)
{
    if (page_begin(&w->pages, simple, name, &w->out, e) < 0)
        return -1;
    fn(&w->out, w->x, w->proj, w->nproj);
    return page_end(&w->pages, w->pages.n - 1, &w->out, e);
}

/* simple/ (unless neither HTML nor JSON pages are wanted) and the anchors of the find-links
 * page */
static int write_projects(struct writer *w, const char *dir, struct rk_err *e)
{
    int pages = !(w->o->no_html && w->o->no_json);
    char *simple = pages ? rk_path_join(dir, "simple") : NULL;
    const struct rk_pyindex *x = w->x;
    int rc = -1;
    if (pages && !simple)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    if (pages && rk_mkdir_p(simple, 0755, e) < 0)
        goto out;
    if (pages && !w->o->no_html && write_root(w, simple, "index.html", rk_pyout_simple_root, e) < 0)
        goto out;
    if (pages && !w->o->no_json && write_root(w, simple, "index.json", rk_pyout_json_root, e) < 0)
        goto out;
    for (size_t k = 0; k < w->nproj; k++)
        if (write_project(w, w->proj[k], w->proj[k + 1], simple, e) < 0)
            goto out;
    if (pages)
        prune_stale(x, simple);
    rc = 0;
out:
    free(simple);
    return rc;
}

/* the longest project of the index */
static size_t longest(const size_t *proj, size_t np)
{
    size_t m = 1;
    for (size_t k = 0; k < np; k++)
        m = proj[k + 1] - proj[k] > m ? proj[k + 1] - proj[k] : m;
    return m;
}

static int write_all(struct writer *w, const char *dir, const char *findlinks_name,
                     struct rk_err *e)
{
    if (findlinks_name && *findlinks_name) {
        if (page_begin(&w->pages, dir, findlinks_name, &w->fl, e) < 0)
            return -1;
        w->fl_slot = w->pages.n - 1, w->fl_open = 1;
        rk_pyout_findlinks_head(&w->fl, w->o->title);
    }
    if ((w->fl_open || !(w->o->no_html && w->o->no_json)) && write_projects(w, dir, e) < 0)
        return -1;
    if (!w->fl_open)
        return 0;
    rk_pyout_page_tail(&w->fl);
    w->fl_open = 0;
    return page_end(&w->pages, w->fl_slot, &w->fl, e);
}

int rk_pyindex_write(struct rk_pyindex *x, const char *dir, const char *findlinks_name,
                     const struct rk_pyindex_opts *o, size_t *count, struct rk_err *e)
{
    static const struct rk_pyindex_opts none;
    struct writer w;
    int rc = -1;
    *count = 0;
    memset(&w, 0, sizeof(w));
    w.pages.count = count;
    w.x = x;
    w.o = o ? o : &none;
    rk_pystr_set(&w.prefix, "../../");
    if (rk_mkdir_p(dir, 0755, e) < 0)
        return -1;
    w.proj = rk_pyindex_projects(x, &w.nproj);
    if (w.proj)
        w.prep = malloc(longest(w.proj, w.nproj) * sizeof(*w.prep));
    if (!w.proj || !w.prep)
        rk_err_set(e, RK_SYSTEM, "out of memory");
    else
        rc = write_all(&w, dir, findlinks_name, e);
    rk_pyout_release(&w.out);
    rk_pyout_release(&w.fl);
    free(w.prep);
    free(w.proj);
    if (rc == 0)
        return pages_commit(&w.pages, dir, e);
    pages_abort(&w.pages);
    return rc;
}
