/* files.c - the local files of an upload: arguments, globs, context entries, sidecars */
#include "ghr.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"

#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void ghr_files_init(struct ghr_files *f)
{
    memset(f, 0, sizeof(*f));
}

void ghr_files_release(struct ghr_files *f)
{
    for (size_t i = 0; i < f->n; i++) {
        struct rk_err ignore;
        rk_err_clear(&ignore);
        if (f->v[i].hashing)
            ghr_file_hash(&f->v[i], &ignore); /* a background hash is joined */
        free(f->v[i].path);
        free(f->v[i].name);
        free(f->v[i].label);
        json_object_put(f->v[i].result);
        json_object_put(f->v[i].fresh);
    }
    free(f->v);
    memset(f, 0, sizeof(*f));
}

static int regular_file(const char *path, uint64_t *size, struct rk_err *e)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return rk_err_errno(e, RK_INPUT, "unable to upload '%s'", path);
    if (!S_ISREG(st.st_mode))
        return rk_err_set(e, RK_INPUT, "unable to upload '%s': not a regular file", path);
    *size = (uint64_t)st.st_size;
    return 0;
}

int ghr_files_add(struct ghr_files *f, const char *path, const char *name, const char *label,
                  const char *content_type, struct rk_err *e)
{
    struct ghr_file *x;
    uint64_t size = 0;
    if (!name)
        name = rk_basename(path);
    if (!ghr_safe_name(name))
        return rk_err_set(e, RK_INPUT, "invalid asset name '%s'", name);
    if (regular_file(path, &size, e) < 0)
        return -1;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        struct ghr_file *v = realloc(f->v, cap * sizeof(*v));
        if (!v)
            return rk_err_set(e, RK_SYSTEM, "out of memory");
        f->v = v;
        f->cap = cap;
    }
    x = &f->v[f->n];
    memset(x, 0, sizeof(*x));
    x->path = strdup(path);
    x->name = strdup(name);
    x->label = label && *label ? strdup(label) : NULL;
    x->content_type = content_type ? content_type : ghr_content_type(name);
    x->size = size;
    f->n++;
    if (!x->path || !x->name || (label && *label && !x->label))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    return 0;
}

static int has_glob(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

int ghr_files_add_arg(struct ghr_files *f, const char *arg, const char *content_type,
                      struct rk_err *e)
{
    const char *hash = strchr(arg, '#');
    char *path = hash ? strndup(arg, (size_t)(hash - arg)) : strdup(arg);
    glob_t gl;
    int rc = 0;
    if (!path)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    if (!has_glob(path) || access(path, F_OK) == 0) {
        rc = ghr_files_add(f, path, NULL, hash ? hash + 1 : NULL, content_type, e);
        free(path);
        return rc;
    }
    memset(&gl, 0, sizeof(gl));
    if (glob(path, 0, NULL, &gl) != 0 || gl.gl_pathc == 0)
        rc = rk_err_set(e, RK_INPUT, "no file matches '%s'", path);
    for (size_t i = 0; rc == 0 && i < gl.gl_pathc; i++)
        rc = ghr_files_add(f, gl.gl_pathv[i], NULL, hash ? hash + 1 : NULL, content_type, e);
    globfree(&gl);
    free(path);
    return rc;
}

/* An entry of "files" ({path, name}: name is the asset name; {name} alone: the path) or of
 * wheel-retag's "wheels" ({output, filename}: there "name" is the project) or a bare path. */
static int entry(json_object *it, const char **path, const char **name)
{
    *name = NULL;
    if (json_object_is_type(it, json_type_string)) {
        *path = json_object_get_string(it);
        return 0;
    }
    if ((*path = rk_json_str(it, "path")) != NULL) {
        *name = rk_json_str(it, "name");
        return 0;
    }
    if ((*path = rk_json_str(it, "output")) != NULL) {
        *name = rk_json_str(it, "filename");
        return 0;
    }
    *path = rk_json_str(it, "name"); /* as wheel-retag reads it: the name is the path */
    return *path ? 0 : -1;
}

int ghr_files_add_json(struct ghr_files *f, json_object *arr, const char *what,
                       const char *content_type, struct rk_err *e)
{
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        json_object *it = json_object_array_get_idx(arr, i);
        const char *path, *name;
        if (entry(it, &path, &name) < 0)
            return rk_err_set(e, RK_INPUT, "%s[%zu] has no \"path\" (or \"output\")", what, i);
        if (ghr_files_add(f, path, name, rk_json_str(it, "label"), content_type, e) < 0)
            return -1;
    }
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int ghr_files_add_sidecars(struct ghr_files *f, struct rk_err *e)
{
    size_t n = f->n;
    for (size_t i = 0; i < n; i++) {
        char side[4096], name[1024];
        if (!ends_with(f->v[i].name, ".whl"))
            continue;
        snprintf(side, sizeof(side), "%s.metadata", f->v[i].path);
        snprintf(name, sizeof(name), "%s.metadata", f->v[i].name);
        if (access(side, F_OK) != 0) {
            rk_log_verbose("no metadata sidecar for '%s'", f->v[i].path);
            continue;
        }
        if (ghr_files_add(f, side, name, NULL, "text/plain", e) < 0)
            return -1;
    }
    return 0;
}

int ghr_files_check_names(const struct ghr_files *f, struct rk_err *e)
{
    for (size_t i = 0; i < f->n; i++) {
        const char *n = f->v[i].name;
        if (strncmp(n, GHR_TMP_PREFIX, strlen(GHR_TMP_PREFIX)) == 0 ||
            strncmp(n, GHR_OLD_PREFIX, strlen(GHR_OLD_PREFIX)) == 0)
            return rk_err_set(e, RK_INPUT, "asset name '%s' uses a prefix reserved by gh-release",
                              n);
        for (size_t j = 0; j < i; j++)
            if (strcmp(f->v[j].name, n) == 0)
                return rk_err_set(e, RK_INPUT, "two files would be asset '%s': '%s' and '%s'", n,
                                  f->v[j].path, f->v[i].path);
    }
    return 0;
}

static int hash_now(struct ghr_file *f, struct rk_err *e)
{
    unsigned char md[RK_SHA256_LEN];
    uint64_t size;
    if (rk_sha256_file(f->path, md, &size, e) < 0)
        return -1;
    if (size != f->size)
        return rk_err_set(e, RK_INPUT, "'%s' changed while it was read", f->path);
    rk_hex(md, RK_SHA256_LEN, f->sha256);
    return 0;
}

static void *hash_main(void *arg)
{
    struct ghr_file *f = arg;
    f->hash_rc = hash_now(f, &f->hash_err);
    return NULL;
}

void ghr_file_hash_start(struct ghr_file *f)
{
    if (f->sha256[0] || f->hashing || f->size < GHR_HASH_BG_MIN)
        return;
    rk_err_clear(&f->hash_err);
    f->hash_rc = 0;
    if (pthread_create(&f->hasher, NULL, hash_main, f) == 0)
        f->hashing = 1;
}

int ghr_file_hash(struct ghr_file *f, struct rk_err *e)
{
    if (f->hashing) {
        pthread_join(f->hasher, NULL);
        f->hashing = 0;
        if (f->hash_rc < 0) {
            f->sha256[0] = '\0';
            return rk_err_set(e, f->hash_err.code, "%s", f->hash_err.msg);
        }
        return 0;
    }
    return f->sha256[0] ? 0 : hash_now(f, e);
}
