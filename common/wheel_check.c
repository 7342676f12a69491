/* wheel_check.c - the checks a wheel passes before a tool trusts it (see wheel_check.h) */
#include "wheel_check.h"
#include "err.h"
#include "fs.h"
#include "pep440.h"
#include "zip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rk_wheel_error(struct rk_err *e, const char *what)
{
    if (e->code == RK_INPUT && strncmp(e->msg, "invalid wheel", 13) != 0)
        rk_err_prefix(e, "invalid wheel '%s'", what);
    return -1;
}

static int is_drive(const char *s)
{
    return ((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z') && s[1] == ':';
}

static int check_name(const char *n, const char *what, struct rk_err *e)
{
    const char *p = n;
    if (n[0] == '/' || is_drive(n))
        return rk_wheel_invalid(e, what, "entry '%s' has an absolute path", n);
    if (strchr(n, '\\'))
        return rk_wheel_invalid(e, what, "entry '%s' contains a backslash", n);
    while (*p) {
        size_t k = strcspn(p, "/");
        if (k == 2 && p[0] == '.' && p[1] == '.')
            return rk_wheel_invalid(e, what, "entry '%s' escapes the archive", n);
        p += k;
        if (*p == '/')
            p++;
    }
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int rk_wheel_check_names(const struct rk_zip_dir *d, const char *what, struct rk_err *e)
{
    const char **names = malloc((d->n ? d->n : 1) * sizeof(*names));
    int rc = 0;
    if (!names)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    for (size_t i = 0; i < d->n && rc == 0; i++) {
        names[i] = d->entries[i].name;
        rc = check_name(names[i], what, e);
    }
    if (rc == 0) {
        qsort(names, d->n, sizeof(*names), cmp_names);
        for (size_t i = 1; i < d->n && rc == 0; i++)
            if (strcmp(names[i - 1], names[i]) == 0)
                rc = rk_wheel_invalid(e, what, "duplicate entry '%s'", names[i]);
    }
    free(names);
    return rc;
}

/* the target as it may be quoted: control bytes as '?', at most 200 bytes */
static void printable(const char *s, size_t len, char out[204])
{
    size_t n = len > 200 ? 200 : len;
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    memcpy(out + n, len > n ? "..." : "", len > n ? 4 : 1);
}

int rk_wheel_check_link(const char *entry, const char *target, size_t len, const char *what,
                        struct rk_err *e)
{
    char shown[204];
    long depth = 0;
    size_t i = 0;
    if (len == 0 || memchr(target, '\0', len))
        return rk_wheel_invalid(
            e, what, "entry '%s' is a symlink with an empty target or a NUL byte", entry);
    for (const char *p = entry; *p; p++)
        depth += *p == '/';
    printable(target, len, shown);
    if (target[0] == '/' || target[0] == '\\' || (len >= 2 && is_drive(target)))
        return rk_wheel_invalid(e, what, "entry '%s' is a symlink out of the wheel ('%s')", entry,
                                shown);
    while (i < len) {
        size_t k = 0;
        while (i + k < len && target[i + k] != '/' && target[i + k] != '\\')
            k++;
        if (k == 2 && target[i] == '.' && target[i + 1] == '.')
            depth--;
        else if (k > 0 && !(k == 1 && target[i] == '.'))
            depth++;
        if (depth < 0)
            return rk_wheel_invalid(e, what, "entry '%s' is a symlink out of the wheel ('%s')",
                                    entry, shown);
        i += k + 1;
    }
    return 0;
}

static int is_symlink(const struct rk_zip_entry *ze)
{
    return ((ze->external_attr >> 16) & 0170000u) == 0120000u;
}

int rk_wheel_check_links(int fd, const struct rk_zip_dir *d, const char *what, struct rk_err *e)
{
    struct rk_buf t;
    int rc = 0;
    rk_buf_init(&t, RK_WHEEL_LINK_MAX);
    for (size_t i = 0; i < d->n && rc == 0; i++) {
        const struct rk_zip_entry *ze = &d->entries[i];
        if (!is_symlink(ze))
            continue;
        rk_buf_reset(&t);
        rc = rk_zip_extract(fd, d, ze, &t, what, e) < 0
                 ? rk_wheel_error(e, what)
                 : rk_wheel_check_link(ze->name, rk_buf_cstr(&t), t.len, what, e);
    }
    rk_buf_release(&t);
    return rc;
}

/* the one top-level "*.dist-info" directory */
static int find_info_dir(const struct rk_zip_dir *d, char *out, size_t n, const char *what,
                         struct rk_err *e)
{
    out[0] = '\0';
    for (size_t i = 0; i < d->n; i++) {
        const char *name = d->entries[i].name, *slash = strchr(name, '/');
        size_t k = slash ? (size_t)(slash - name) : 0;
        if (k < 11 || strncmp(slash - 10, ".dist-info", 10) != 0)
            continue;
        if (k >= n)
            return rk_wheel_invalid(e, what, "directory name '%.*s' is too long", (int)k, name);
        if (out[0] && (strlen(out) != k || strncmp(out, name, k) != 0))
            return rk_wheel_invalid(e, what, "more than one .dist-info directory ('%s', '%.*s')",
                                    out, (int)k, name);
        memcpy(out, name, k);
        out[k] = '\0';
    }
    if (!out[0])
        return rk_wheel_invalid(e, what, "no .dist-info directory");
    return 0;
}

static int check_info_dir_name(const char *info_dir, const struct rk_wheel_name *fn,
                               const char *what, struct rk_err *e)
{
    char prefix[RK_WHEEL_INFO_DIR];
    const char *dash;
    struct rk_pep440 a, b;
    struct rk_err ig = {0, ""};
    snprintf(prefix, sizeof(prefix), "%.*s", (int)(strlen(info_dir) - 10), info_dir);
    dash = strchr(prefix, '-');
    if (!dash || strchr(dash + 1, '-'))
        return rk_wheel_invalid(e, what, "'%s' is not NAME-VERSION.dist-info", info_dir);
    prefix[dash - prefix] = '\0';
    if (!rk_wheel_same_project(prefix, fn->name))
        return rk_wheel_invalid(e, what, "'%s' does not match the file name", info_dir);
    if (rk_pep440_parse(dash + 1, &a, &ig) < 0 || rk_pep440_parse(fn->version, &b, &ig) < 0 ||
        rk_pep440_cmp(&a, &b) != 0)
        return rk_wheel_invalid(e, what, "'%s' does not match the file name version '%s'", info_dir,
                                fn->version);
    return 0;
}

int rk_wheel_check_dir(const struct rk_zip_dir *d, const struct rk_wheel_name *fn, char *out,
                       size_t n, const char *what, struct rk_err *e)
{
    if (rk_wheel_check_names(d, what, e) < 0 || rk_zip_dir_check_spans(d, what, e) < 0 ||
        find_info_dir(d, out, n, what, e) < 0 || check_info_dir_name(out, fn, what, e) < 0)
        return -1;
    return 0;
}

static int need_value(const struct rk_meta *m, const char *file, const char *key, char *out,
                      size_t n, struct rk_err *e)
{
    long i = rk_meta_find(m, key, 0);
    if (i < 0)
        return rk_err_set(e, RK_INPUT, "%s has no %s", file, key);
    if (rk_meta_value(m, (size_t)i, out, n) < 0 || !out[0])
        return rk_err_set(e, RK_INPUT, "%s has a bad %s", file, key);
    return 0;
}

int rk_wheel_check_metadata(const struct rk_meta *m, const struct rk_wheel_name *fn, char *name,
                            char *version, struct rk_err *e)
{
    struct rk_pep440 a, b;
    if (need_value(m, "METADATA", "Name", name, RK_WHEEL_FIELD, e) < 0 ||
        need_value(m, "METADATA", "Version", version, RK_WHEEL_FIELD, e) < 0)
        return -1;
    if (!rk_wheel_valid_name(name))
        return rk_err_set(e, RK_INPUT, "METADATA Name '%s' is not a valid project name", name);
    if (!rk_wheel_same_project(name, fn->name))
        return rk_err_set(e, RK_INPUT, "METADATA Name '%s' does not match the file name '%s'", name,
                          fn->name);
    if (rk_pep440_parse(version, &a, e) < 0)
        return rk_err_prefix(e, "METADATA Version");
    if (rk_pep440_parse(fn->version, &b, e) < 0 || rk_pep440_cmp(&a, &b) != 0)
        return rk_err_set(e, RK_INPUT, "METADATA Version '%s' does not match the file name '%s'",
                          version, fn->version);
    return 0;
}

int rk_wheel_check_metadata_text(const char *text, size_t len, const struct rk_wheel_name *fn,
                                 const char *what, struct rk_err *e)
{
    struct rk_meta m;
    char name[RK_WHEEL_FIELD], version[RK_WHEEL_FIELD];
    int rc;
    if (rk_meta_parse(&m, text, len, "METADATA", e) < 0)
        return rk_wheel_error(e, what);
    rc = rk_wheel_check_metadata(&m, fn, name, version, e);
    rk_meta_release(&m);
    return rc < 0 ? rk_wheel_error(e, what) : 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* WHEEL's Tag lines, sorted (owned array of owned strings) */
static int wheel_tags(const struct rk_meta *m, char ***out, size_t *n, struct rk_err *e)
{
    char **tags = calloc(m->n ? m->n : 1, sizeof(*tags)), v[RK_WHEEL_FIELD * 3];
    size_t k = 0;
    if (!tags)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    for (long i = rk_meta_find(m, "Tag", 0); i >= 0; i = rk_meta_find(m, "Tag", (size_t)i + 1)) {
        if (rk_meta_value(m, (size_t)i, v, sizeof(v)) < 0 || !(tags[k] = strdup(v))) {
            rk_wheel_tags_free(tags, k);
            return rk_err_set(e, RK_INPUT, "WHEEL has a bad Tag");
        }
        k++;
    }
    qsort(tags, k, sizeof(*tags), cmp_str);
    *out = tags, *n = k;
    return 0;
}

static int check_tags(struct rk_wheel_core *w, struct rk_err *e)
{
    char **wt = NULL, **ft = NULL;
    size_t nw = 0, nf = 0;
    int same;
    if (rk_wheel_tags_expand(w->fn.python, w->fn.abi, w->fn.platform, &w->tags, &w->ntags, e) < 0 ||
        wheel_tags(&w->wheel, &wt, &nw, e) < 0)
        return -1;
    if (nw == 0) {
        rk_wheel_tags_free(wt, nw);
        return rk_err_set(e, RK_INPUT, "WHEEL has no Tag");
    }
    ft = calloc(w->ntags, sizeof(*ft));
    if (!ft) {
        rk_wheel_tags_free(wt, nw);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    memcpy(ft, w->tags, w->ntags * sizeof(*ft));
    nf = w->ntags;
    qsort(ft, nf, sizeof(*ft), cmp_str);
    same = nf == nw;
    for (size_t i = 0; same && i < nf; i++)
        same = strcmp(ft[i], wt[i]) == 0;
    free(ft);
    rk_wheel_tags_free(wt, nw);
    if (!same)
        return rk_err_set(e, RK_INPUT, "WHEEL tags do not match the file name tags '%s-%s-%s'",
                          w->fn.python, w->fn.abi, w->fn.platform);
    return 0;
}

static int check_wheel(struct rk_wheel_core *w, struct rk_err *e)
{
    char v[RK_WHEEL_FIELD];
    long b;
    if (rk_meta_parse(&w->wheel, rk_buf_cstr(&w->wheel_text), w->wheel_text.len, "WHEEL", e) < 0)
        return -1;
    if (need_value(&w->wheel, "WHEEL", "Wheel-Version", v, sizeof(v), e) < 0)
        return -1;
    if (strncmp(v, "1.", 2) != 0)
        return rk_err_set(e, RK_INPUT, "unsupported Wheel-Version '%s'", v);
    b = rk_meta_find(&w->wheel, "Build", 0);
    v[0] = '\0';
    if (b >= 0 && rk_meta_value(&w->wheel, (size_t)b, v, sizeof(v)) < 0)
        return rk_err_set(e, RK_INPUT, "WHEEL has a bad Build");
    if (strcmp(v, w->fn.build) != 0)
        return rk_err_set(e, RK_INPUT, "WHEEL Build '%s' does not match the file name's '%s'", v,
                          w->fn.build);
    return check_tags(w, e);
}

void rk_wheel_core_init(struct rk_wheel_core *w)
{
    memset(w, 0, sizeof(*w));
    w->i_meta = w->i_wheel = -1;
    rk_buf_init(&w->meta_text, RK_WHEEL_META_MAX);
    rk_buf_init(&w->wheel_text, RK_WHEEL_META_MAX);
}

void rk_wheel_core_release(struct rk_wheel_core *w)
{
    rk_buf_release(&w->meta_text);
    rk_buf_release(&w->wheel_text);
    rk_meta_release(&w->meta);
    rk_meta_release(&w->wheel);
    rk_wheel_tags_free(w->tags, w->ntags);
    rk_wheel_core_init(w);
}

static int extract(struct rk_wheel_core *w, int fd, const struct rk_zip_dir *d, const char *file,
                   long *idx, struct rk_buf *b, struct rk_err *e)
{
    char path[RK_WHEEL_INFO_DIR + 16];
    snprintf(path, sizeof(path), "%s/%s", w->info_dir, file);
    *idx = rk_zip_dir_find(d, path);
    if (*idx < 0)
        return rk_wheel_invalid(e, w->base, "'%s' is missing", path);
    if (rk_zip_extract(fd, d, &d->entries[*idx], b, w->base, e) < 0)
        return rk_wheel_error(e, w->base);
    return 0;
}

int rk_wheel_core_check(struct rk_wheel_core *w, int fd, const struct rk_zip_dir *d,
                        const char *path, struct rk_err *e)
{
    w->base = rk_basename(path);
    if (rk_wheel_name_parse(path, &w->fn, e) < 0 ||
        rk_wheel_check_dir(d, &w->fn, w->info_dir, sizeof(w->info_dir), w->base, e) < 0 ||
        rk_wheel_check_links(fd, d, w->base, e) < 0 ||
        extract(w, fd, d, "METADATA", &w->i_meta, &w->meta_text, e) < 0 ||
        extract(w, fd, d, "WHEEL", &w->i_wheel, &w->wheel_text, e) < 0)
        return -1;
    if (rk_meta_parse(&w->meta, rk_buf_cstr(&w->meta_text), w->meta_text.len, "METADATA", e) < 0 ||
        rk_wheel_check_metadata(&w->meta, &w->fn, w->name, w->version, e) < 0 ||
        check_wheel(w, e) < 0)
        return rk_wheel_error(e, w->base);
    return 0;
}
