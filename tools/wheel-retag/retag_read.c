/* retag_read.c - open a wheel and check it before anything is written (see retag.h): the
 * checks every tool makes (common/wheel_check.c), then the local headers and RECORD */
#include "retag.h"
#include "fs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void retag_in_release(struct retag_in *in)
{
    for (size_t i = 0; in->locals && i < in->dir.n; i++)
        rk_zip_local_release(&in->locals[i]);
    free(in->locals);
    rk_zip_dir_release(&in->dir);
    rk_wheel_core_release(&in->w);
    rk_buf_release(&in->record_text);
    rk_record_release(&in->record);
    free(in->record_index);
    retag_budget_put(in->budget);
    if (in->fd >= 0)
        close(in->fd);
    memset(in, 0, sizeof(*in));
    in->fd = -1;
}

static int read_locals(struct retag_in *in, struct rk_err *e)
{
    in->locals = calloc(in->dir.n ? in->dir.n : 1, sizeof(*in->locals));
    if (!in->locals)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    for (size_t i = 0; i < in->dir.n; i++) {
        if (rk_zip_local_read(in->fd, &in->dir, &in->dir.entries[i], &in->locals[i], in->base, e) <
            0)
            return -1;
    }
    return 0;
}

/* 1 for "<x>.dist-info/NAME" with NAME one of the texts read into memory */
static int is_text(const char *n)
{
    const char *slash = strchr(n, '/');
    size_t k = slash ? (size_t)(slash - n) : 0;
    if (k < 11 || strncmp(slash - 10, ".dist-info", 10) != 0)
        return 0;
    return strcmp(slash, "/METADATA") == 0 || strcmp(slash, "/WHEEL") == 0 ||
           strcmp(slash, "/RECORD") == 0;
}

/* the memory the texts take (their recorded sizes, capped as they are read), reserved from
 * the budget the jobs share: -j N does not multiply the peak */
static void take_budget(struct retag_in *in)
{
    size_t need = 0;
    for (size_t i = 0; i < in->dir.n; i++) {
        const struct rk_zip_entry *ze = &in->dir.entries[i];
        if (is_text(ze->name))
            need += ze->usize < RK_WHEEL_TEXT_MAX ? (size_t)ze->usize : RK_WHEEL_TEXT_MAX;
    }
    in->budget = retag_budget_take(need);
}

static int read_record(struct retag_in *in, struct rk_err *e)
{
    char path[RK_WHEEL_INFO_DIR + 16];
    snprintf(path, sizeof(path), "%s/RECORD", in->w.info_dir);
    in->i_record = rk_zip_dir_find(&in->dir, path);
    if (in->i_record < 0)
        return rk_err_set(e, RK_INPUT, "invalid wheel '%s': '%s' is missing", in->base, path);
    if (rk_zip_extract(in->fd, &in->dir, &in->dir.entries[in->i_record], &in->record_text, in->base,
                       e) < 0)
        return rk_wheel_error(e, in->base);
    return 0;
}

int retag_is_signature(const struct retag_in *in, const char *name)
{
    size_t k = strlen(in->w.info_dir);
    return strncmp(name, in->w.info_dir, k) == 0 &&
           (strcmp(name + k, "/RECORD.jws") == 0 || strcmp(name + k, "/RECORD.p7s") == 0);
}

int retag_check_record(struct retag_in *in, struct rk_err *e);

int retag_read(struct retag_in *in, const char *path, struct rk_err *e)
{
    memset(in, 0, sizeof(*in));
    in->fd = -1;
    in->path = path;
    in->base = rk_basename(path);
    rk_wheel_core_init(&in->w);
    rk_buf_init(&in->record_text, RK_WHEEL_TEXT_MAX);
    if (rk_wheel_name_parse(path, &in->w.fn, e) < 0)
        return -1;
    in->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0)
        return rk_err_errno(e, RK_SYSTEM, "unable to open '%s'", path);
    if (rk_zip_dir_read(&in->dir, in->fd, in->base, e) < 0)
        return -1;
    take_budget(in);
    if (rk_wheel_core_check(&in->w, in->fd, &in->dir, path, e) < 0 || read_locals(in, e) < 0)
        return -1;
    snprintf(in->data_dir, sizeof(in->data_dir), "%.*s.data", (int)(strlen(in->w.info_dir) - 10),
             in->w.info_dir);
    if (read_record(in, e) < 0 || retag_check_record(in, e) < 0)
        return rk_wheel_error(e, in->base);
    return 0;
}
