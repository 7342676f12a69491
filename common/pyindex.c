/* pyindex.c - the index model: adding, sorting, de-duplicating (see pyindex.h) */
#include "pyindex.h"
#include "err.h"

#include <stdlib.h>
#include <string.h>

void rk_pyindex_init(struct rk_pyindex *x)
{
    memset(x, 0, sizeof(*x));
}

void rk_pyfile_release(struct rk_pyfile *f)
{
    free(f->filename);
    free(f->url);
    free(f->project);
    free(f->version);
    free(f->upload_time);
    free(f->requires_python);
    free(f->yanked);
    free(f->origin);
    memset(f, 0, sizeof(*f));
}

void rk_pyindex_release(struct rk_pyindex *x)
{
    for (size_t i = 0; i < x->n; i++)
        rk_pyfile_release(&x->files[i]);
    free(x->files);
    memset(x, 0, sizeof(*x));
}

int rk_pyfile_set(char **field, const char *s)
{
    char *c = NULL;
    if (s && !(c = strdup(s)))
        return -1;
    free(*field);
    *field = c;
    return 0;
}

static int copy_strings(struct rk_pyfile *d, const struct rk_pyfile *s)
{
    d->filename = d->url = d->project = d->version = NULL;
    d->upload_time = d->requires_python = d->yanked = d->origin = NULL;
    return rk_pyfile_set(&d->filename, s->filename) | rk_pyfile_set(&d->url, s->url) |
           rk_pyfile_set(&d->project, s->project) | rk_pyfile_set(&d->version, s->version) |
           rk_pyfile_set(&d->upload_time, s->upload_time) |
           rk_pyfile_set(&d->requires_python, s->requires_python) |
           rk_pyfile_set(&d->yanked, s->yanked) | rk_pyfile_set(&d->origin, s->origin);
}

struct rk_pyfile *rk_pyindex_add(struct rk_pyindex *x, const struct rk_pyfile *f, struct rk_err *e)
{
    struct rk_pyfile *d;
    struct rk_err ignored;
    if (!f->filename || !f->url || !f->project || !f->version) {
        rk_err_set(e, RK_INPUT, "index file without a name, url, project or version");
        return NULL;
    }
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        struct rk_pyfile *v = realloc(x->files, cap * sizeof(*v));
        if (!v) {
            rk_err_set(e, RK_SYSTEM, "out of memory");
            return NULL;
        }
        x->files = v;
        x->cap = cap;
    }
    d = &x->files[x->n];
    *d = *f;
    if (copy_strings(d, f) != 0) {
        rk_pyfile_release(d);
        rk_err_set(e, RK_SYSTEM, "out of memory");
        return NULL;
    }
    rk_err_clear(&ignored);
    d->ver_ok = rk_pep440_parse(d->version, &d->ver, &ignored) == 0;
    x->n++;
    return d;
}

static int cmp_nullable(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_file(const void *pa, const void *pb)
{
    const struct rk_pyfile *a = pa, *b = pb;
    int c = strcmp(a->project, b->project);
    if (c)
        return c;
    if (a->ver_ok != b->ver_ok)
        return a->ver_ok ? -1 : 1;
    if (a->ver_ok && (c = rk_pep440_cmp(&a->ver, &b->ver)) != 0)
        return c;
    if ((c = strcmp(a->version, b->version)) != 0)
        return c;
    if ((c = strcmp(a->filename, b->filename)) != 0)
        return c;
    if ((c = cmp_nullable(a->origin, b->origin)) != 0)
        return c;
    return strcmp(a->url, b->url);
}

static int same_content(const struct rk_pyfile *a, const struct rk_pyfile *b)
{
    if (a->sha256[0] && b->sha256[0])
        return strcmp(a->sha256, b->sha256) == 0;
    if (a->size >= 0 && b->size >= 0)
        return a->size == b->size;
    return 1;
}

int rk_pyindex_sort(struct rk_pyindex *x, int allow_conflicts, size_t *conflicts, struct rk_err *e)
{
    size_t w = 0, nconf = 0;
    if (x->n > 1)
        qsort(x->files, x->n, sizeof(x->files[0]), cmp_file);
    for (size_t i = 0; i < x->n; i++) {
        struct rk_pyfile *f = &x->files[i];
        if (w > 0 && strcmp(x->files[w - 1].filename, f->filename) == 0) {
            if (!same_content(&x->files[w - 1], f)) {
                nconf++;
                if (!allow_conflicts) {
                    rk_err_set(e, RK_INPUT, "'%s' appears twice with different content (%s, %s)",
                               f->filename, x->files[w - 1].origin ? x->files[w - 1].origin : "?",
                               f->origin ? f->origin : "?");
                    for (size_t j = i; j < x->n; j++)
                        x->files[w++] = x->files[j];
                    x->n = w;
                    return -1;
                }
            }
            rk_pyfile_release(f);
            continue;
        }
        x->files[w++] = *f;
    }
    x->n = w;
    if (conflicts)
        *conflicts = nconf;
    return 0;
}

size_t rk_pyindex_project_end(const struct rk_pyindex *x, size_t i)
{
    size_t end = i + 1;
    while (end < x->n && strcmp(x->files[end].project, x->files[i].project) == 0)
        end++;
    return end;
}
