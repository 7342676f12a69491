/* retag_read.c - open a wheel and check it before anything is written (see retag.h) */
#include "retag.h"
#include "fs.h"
#include "pep440.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int bad(const struct retag_in *in, struct rk_err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(const struct retag_in *in, struct rk_err *e, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return rk_err_set(e, RK_INPUT, "invalid wheel '%s': %s", in->base, msg);
}

/* the library's messages ("'x' line 3: ...") get the wheel prefix */
static int wrap(const struct retag_in *in, struct rk_err *e)
{
    if (e->code == RK_INPUT && strncmp(e->msg, "invalid wheel", 13) != 0)
        rk_err_prefix(e, "invalid wheel '%s'", in->base);
    return -1;
}

void retag_in_release(struct retag_in *in)
{
    for (size_t i = 0; in->locals && i < in->dir.n; i++)
        rk_zip_local_release(&in->locals[i]);
    free(in->locals);
    rk_zip_dir_release(&in->dir);
    rk_buf_release(&in->meta_text);
    rk_buf_release(&in->wheel_text);
    rk_buf_release(&in->record_text);
    rk_meta_release(&in->meta);
    rk_meta_release(&in->wheel);
    rk_record_release(&in->record);
    free(in->record_index);
    rk_wheel_tags_free(in->tags, in->ntags);
    if (in->fd >= 0)
        close(in->fd);
    memset(in, 0, sizeof(*in));
    in->fd = -1;
}

static int check_name(const struct retag_in *in, const char *n, struct rk_err *e)
{
    const char *p = n;
    if (n[0] == '/' || (((n[0] | 32) >= 'a' && (n[0] | 32) <= 'z') && n[1] == ':'))
        return bad(in, e, "entry '%s' has an absolute path", n);
    if (strchr(n, '\\'))
        return bad(in, e, "entry '%s' contains a backslash", n);
    while (*p) {
        size_t k = strcspn(p, "/");
        if (k == 2 && p[0] == '.' && p[1] == '.')
            return bad(in, e, "entry '%s' escapes the archive", n);
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

static int check_entries(const struct retag_in *in, struct rk_err *e)
{
    const char **names = malloc((in->dir.n ? in->dir.n : 1) * sizeof(*names));
    int rc = 0;
    if (!names)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    for (size_t i = 0; i < in->dir.n && rc == 0; i++) {
        names[i] = in->dir.entries[i].name;
        rc = check_name(in, names[i], e);
    }
    if (rc == 0) {
        qsort(names, in->dir.n, sizeof(*names), cmp_names);
        for (size_t i = 1; i < in->dir.n && rc == 0; i++)
            if (strcmp(names[i - 1], names[i]) == 0)
                rc = bad(in, e, "duplicate entry '%s'", names[i]);
    }
    free(names);
    return rc;
}

static int read_locals(struct retag_in *in, struct rk_err *e)
{
    in->locals = calloc(in->dir.n ? in->dir.n : 1, sizeof(*in->locals));
    if (!in->locals)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    if (rk_zip_dir_check_spans(&in->dir, in->base, e) < 0)
        return -1;
    for (size_t i = 0; i < in->dir.n; i++) {
        if (rk_zip_local_read(in->fd, &in->dir, &in->dir.entries[i], &in->locals[i], in->base, e) <
            0)
            return -1;
    }
    return 0;
}

/* the one top-level "*.dist-info" directory */
static int find_info_dir(struct retag_in *in, struct rk_err *e)
{
    in->info_dir[0] = '\0';
    for (size_t i = 0; i < in->dir.n; i++) {
        const char *n = in->dir.entries[i].name, *slash = strchr(n, '/');
        size_t k = slash ? (size_t)(slash - n) : 0;
        if (k < 11 || strncmp(slash - 10, ".dist-info", 10) != 0)
            continue;
        if (k >= sizeof(in->info_dir))
            return bad(in, e, "directory name '%.*s' is too long", (int)k, n);
        if (in->info_dir[0] && (strlen(in->info_dir) != k || strncmp(in->info_dir, n, k) != 0))
            return bad(in, e, "more than one .dist-info directory ('%s', '%.*s')", in->info_dir,
                       (int)k, n);
        memcpy(in->info_dir, n, k);
        in->info_dir[k] = '\0';
    }
    if (!in->info_dir[0])
        return bad(in, e, "no .dist-info directory");
    snprintf(in->data_dir, sizeof(in->data_dir), "%.*s.data", (int)(strlen(in->info_dir) - 10),
             in->info_dir);
    return 0;
}

static int check_info_dir_name(const struct retag_in *in, struct rk_err *e)
{
    char prefix[sizeof(in->info_dir)];
    const char *dash;
    struct rk_pep440 a, b;
    struct rk_err ig = {0, ""};
    snprintf(prefix, sizeof(prefix), "%.*s", (int)(strlen(in->info_dir) - 10), in->info_dir);
    dash = strchr(prefix, '-');
    if (!dash || strchr(dash + 1, '-'))
        return bad(in, e, "'%s' is not NAME-VERSION.dist-info", in->info_dir);
    prefix[dash - prefix] = '\0';
    if (!rk_wheel_same_project(prefix, in->fn.name))
        return bad(in, e, "'%s' does not match the file name", in->info_dir);
    if (rk_pep440_parse(dash + 1, &a, &ig) < 0 || rk_pep440_parse(in->fn.version, &b, &ig) < 0 ||
        rk_pep440_cmp(&a, &b) != 0)
        return bad(in, e, "'%s' does not match the file name version '%s'", in->info_dir,
                   in->fn.version);
    return 0;
}

static int extract(struct retag_in *in, const char *file, long *idx, struct rk_buf *b,
                   struct rk_err *e)
{
    char path[sizeof(in->info_dir) + 16];
    snprintf(path, sizeof(path), "%s/%s", in->info_dir, file);
    *idx = rk_zip_dir_find(&in->dir, path);
    if (*idx < 0)
        return bad(in, e, "'%s' is missing", path);
    rk_buf_init(b, RK_WHEEL_TEXT_MAX);
    if (rk_zip_extract(in->fd, &in->dir, &in->dir.entries[*idx], b, in->base, e) < 0)
        return wrap(in, e);
    return 0;
}

int retag_is_signature(const struct retag_in *in, const char *name)
{
    size_t k = strlen(in->info_dir);
    return strncmp(name, in->info_dir, k) == 0 &&
           (strcmp(name + k, "/RECORD.jws") == 0 || strcmp(name + k, "/RECORD.p7s") == 0);
}

int retag_check_meta(struct retag_in *in, struct rk_err *e);
int retag_check_record(struct retag_in *in, struct rk_err *e);

int retag_read(struct retag_in *in, const char *path, struct rk_err *e)
{
    memset(in, 0, sizeof(*in));
    in->fd = -1;
    in->path = path;
    in->base = rk_basename(path);
    rk_buf_init(&in->meta_text, RK_WHEEL_TEXT_MAX);
    rk_buf_init(&in->wheel_text, RK_WHEEL_TEXT_MAX);
    rk_buf_init(&in->record_text, RK_WHEEL_TEXT_MAX);
    if (rk_wheel_name_parse(path, &in->fn, e) < 0)
        return -1;
    in->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0)
        return rk_err_errno(e, RK_SYSTEM, "unable to open '%s'", path);
    if (rk_zip_dir_read(&in->dir, in->fd, in->base, e) < 0 || check_entries(in, e) < 0 ||
        read_locals(in, e) < 0 || find_info_dir(in, e) < 0 || check_info_dir_name(in, e) < 0)
        return -1;
    if (extract(in, "METADATA", &in->i_meta, &in->meta_text, e) < 0 ||
        extract(in, "WHEEL", &in->i_wheel, &in->wheel_text, e) < 0 ||
        extract(in, "RECORD", &in->i_record, &in->record_text, e) < 0)
        return -1;
    if (retag_check_meta(in, e) < 0 || retag_check_record(in, e) < 0)
        return wrap(in, e);
    return 0;
}
