/* names.c - distribution file names, Requires-Python, times, the yank list */
#include "index_gen.h"
#include "buf.h"
#include "err.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"
#include "pep440.h"
#include "wheel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* sdist: {name}-{version}.tar.gz or .zip (the version after the last '-') */
static int parse_sdist(const char *name, size_t stem, char *project, size_t pn, char *version,
                       size_t vn)
{
    char buf[512], *dash;
    struct rk_pep440 v;
    struct rk_err ignored;
    if (stem >= sizeof(buf))
        return -1;
    memcpy(buf, name, stem);
    buf[stem] = '\0';
    if (!(dash = strrchr(buf, '-')) || dash == buf)
        return -1;
    *dash = '\0';
    rk_err_clear(&ignored);
    if (!rk_wheel_valid_name(buf) || rk_pep440_parse(dash + 1, &v, &ignored) < 0)
        return -1;
    rk_pep503_normalize(buf, project, pn);
    snprintf(version, vn, "%s", dash + 1);
    return 0;
}

int ig_parse_filename(const char *name, char *project, size_t pn, char *version, size_t vn,
                      int *kind)
{
    struct rk_wheel_name w;
    struct rk_err ignored;
    *kind = 0;
    rk_err_clear(&ignored);
    if (ends_with(name, ".whl")) {
        if (strchr(name, '/') || rk_wheel_name_parse(name, &w, &ignored) < 0)
            return -1;
        rk_pep503_normalize(w.name, project, pn);
        snprintf(version, vn, "%s", w.version);
        *kind = RK_PY_WHEEL;
        return 0;
    }
    if (strchr(name, '/'))
        return -1;
    if (ends_with(name, ".tar.gz") || ends_with(name, ".zip")) {
        size_t stem = strlen(name) - (ends_with(name, ".zip") ? 4 : 7);
        if (parse_sdist(name, stem, project, pn, version, vn) < 0)
            return -1;
        *kind = RK_PY_SDIST;
        return 0;
    }
    return -1;
}

char *ig_requires_python(const char *text, size_t len, const char *what)
{
    struct rk_meta m;
    struct rk_err e;
    char value[1024];
    long i;
    char *out = NULL;
    rk_err_clear(&e);
    if (rk_meta_parse(&m, text, len, what, &e) < 0) {
        rk_log_warn("invalid metadata of '%s': %s", what, e.msg);
        return NULL;
    }
    i = rk_meta_find(&m, "Requires-Python", 0);
    if (i >= 0 && rk_meta_value(&m, (size_t)i, value, sizeof(value)) == 0 && value[0])
        out = strdup(value);
    rk_meta_release(&m);
    return out;
}

void ig_iso_time(int64_t t, char out[32])
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* one line: FILENAME [reason] or NAME==VERSION [reason] */
static int yank_line(json_object *list, char *line, const char *path, int lineno, struct rk_err *e)
{
    char *tok = line + strspn(line, " \t"), *rest, *eq;
    json_object *y;
    size_t len = strcspn(tok, " \t");
    if (!*tok || *tok == '#')
        return 0;
    rest = tok + len;
    if (*rest)
        *rest++ = '\0';
    rest += strspn(rest, " \t");
    y = json_object_new_object();
    if ((eq = strstr(tok, "==")) != NULL) {
        char norm[256];
        struct rk_pep440 v;
        *eq = '\0';
        if (!rk_wheel_valid_name(tok) || rk_pep440_parse(eq + 2, &v, e) < 0) {
            json_object_put(y);
            rk_err_clear(e);
            return rk_err_set(e, RK_INPUT,
                              "invalid yank list '%s': line %d: expected "
                              "NAME==VERSION or a file name",
                              path, lineno);
        }
        rk_pep503_normalize(tok, norm, sizeof(norm));
        rk_json_set_str(y, "project", norm);
        rk_json_set_str(y, "version", eq + 2);
    } else {
        rk_json_set_str(y, "file", tok);
    }
    rk_json_set_str(y, "reason", rest);
    json_object_array_add(list, y);
    return 0;
}

int ig_yank_load(struct ig_run *r, const char *path, struct rk_err *e)
{
    struct rk_buf b;
    char *line, *save = NULL;
    int lineno = 0, rc = 0;
    rk_buf_init(&b, (size_t)16 << 20);
    if (rk_read_file(path, &b, e) < 0) {
        rk_buf_release(&b);
        return -1;
    }
    r->yanks = json_object_new_array();
    for (char *s = b.data ? b.data : (char *)""; rc == 0; s = NULL) {
        if (!(line = strtok_r(s, "\n", &save)))
            break;
        lineno++;
        line[strcspn(line, "\r")] = '\0';
        rc = yank_line(r->yanks, line, path, lineno, e);
    }
    rk_buf_release(&b);
    return rc;
}

/* the first yank (in list order) naming f, -1 when none: by file name through files
 * ({name: index}), by project and version through projects ({project: [index...]}) */
static int64_t first_yank(json_object *yanks, json_object *files, json_object *projects,
                          const struct rk_pep440 *versions, const struct rk_pyfile *f)
{
    json_object *hit, *list;
    int64_t best = -1;
    if (json_object_object_get_ex(files, f->filename, &hit))
        best = json_object_get_int64(hit);
    if (!f->ver_ok || !json_object_object_get_ex(projects, f->project, &list))
        return best;
    for (size_t k = 0; k < json_object_array_length(list); k++) {
        int64_t j = json_object_get_int64(json_object_array_get_idx(list, k));
        if (best >= 0 && j > best)
            break;
        if (rk_json_str(json_object_array_get_idx(yanks, (size_t)j), "version") &&
            rk_pep440_cmp(&versions[j], &f->ver) == 0)
            return j;
    }
    return best;
}

/* O(files + yanks): the yank list indexed by file name and by project */
void ig_yank_apply(struct ig_run *r)
{
    size_t n = r->yanks ? json_object_array_length(r->yanks) : 0;
    json_object *files, *projects;
    struct rk_pep440 *versions;
    struct rk_err ignored;
    if (!n || !(versions = calloc(n, sizeof(*versions))))
        return;
    files = json_object_new_object(), projects = json_object_new_object();
    rk_err_clear(&ignored);
    for (size_t j = 0; j < n; j++) {
        json_object *y = json_object_array_get_idx(r->yanks, j), *list;
        const char *file = rk_json_str(y, "file"), *project = rk_json_str(y, "project");
        if (file && !json_object_object_get_ex(files, file, NULL))
            json_object_object_add(files, file, json_object_new_int64((int64_t)j));
        if (!project || rk_pep440_parse(rk_json_str(y, "version"), &versions[j], &ignored) < 0)
            continue;
        if (!json_object_object_get_ex(projects, project, &list)) {
            list = json_object_new_array();
            json_object_object_add(projects, project, list);
        }
        json_object_array_add(list, json_object_new_int64((int64_t)j));
    }
    for (size_t i = 0; i < r->index.n; i++) {
        struct rk_pyfile *f = &r->index.files[i];
        int64_t j = first_yank(r->yanks, files, projects, versions, f);
        if (j >= 0)
            rk_pyfile_set(&f->yanked,
                          rk_json_str(json_object_array_get_idx(r->yanks, (size_t)j), "reason"));
    }
    json_object_put(files);
    json_object_put(projects);
    free(versions);
}
