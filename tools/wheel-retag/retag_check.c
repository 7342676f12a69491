/* retag_check.c - METADATA, WHEEL and RECORD agree with the file name and the archive */
#include "retag.h"
#include "pep440.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int retag_check_meta(struct retag_in *in, struct rk_err *e);
int retag_check_record(struct retag_in *in, struct rk_err *e);

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

static int check_metadata(struct retag_in *in, struct rk_err *e)
{
    struct rk_pep440 a, b;
    if (rk_meta_parse(&in->meta, in->meta_text.data ? in->meta_text.data : "", in->meta_text.len,
                      "METADATA", e) < 0)
        return -1;
    if (need_value(&in->meta, "METADATA", "Name", in->name, sizeof(in->name), e) < 0 ||
        need_value(&in->meta, "METADATA", "Version", in->version, sizeof(in->version), e) < 0)
        return -1;
    if (!rk_wheel_valid_name(in->name))
        return rk_err_set(e, RK_INPUT, "METADATA Name '%s' is not a valid project name", in->name);
    if (!rk_wheel_same_project(in->name, in->fn.name))
        return rk_err_set(e, RK_INPUT, "METADATA Name '%s' does not match the file name '%s'",
                          in->name, in->fn.name);
    if (rk_pep440_parse(in->version, &a, e) < 0)
        return rk_err_prefix(e, "METADATA Version");
    if (rk_pep440_parse(in->fn.version, &b, e) < 0 || rk_pep440_cmp(&a, &b) != 0)
        return rk_err_set(e, RK_INPUT, "METADATA Version '%s' does not match the file name '%s'",
                          in->version, in->fn.version);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* WHEEL's Tag lines, sorted (owned array of owned strings) */
static int wheel_tags(const struct retag_in *in, char ***out, size_t *n, struct rk_err *e)
{
    char **tags = calloc(in->wheel.n ? in->wheel.n : 1, sizeof(*tags)), v[RK_WHEEL_FIELD * 3];
    size_t k = 0;
    if (!tags)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    for (long i = rk_meta_find(&in->wheel, "Tag", 0); i >= 0;
         i = rk_meta_find(&in->wheel, "Tag", (size_t)i + 1)) {
        if (rk_meta_value(&in->wheel, (size_t)i, v, sizeof(v)) < 0 || !(tags[k] = strdup(v))) {
            rk_wheel_tags_free(tags, k);
            return rk_err_set(e, RK_INPUT, "WHEEL has a bad Tag");
        }
        k++;
    }
    qsort(tags, k, sizeof(*tags), cmp_str);
    *out = tags, *n = k;
    return 0;
}

static int check_tags(struct retag_in *in, struct rk_err *e)
{
    char **wt = NULL, **ft = NULL;
    size_t nw = 0, nf = 0;
    int same;
    if (rk_wheel_tags_expand(in->fn.python, in->fn.abi, in->fn.platform, &in->tags, &in->ntags, e) <
            0 ||
        wheel_tags(in, &wt, &nw, e) < 0)
        return -1;
    if (nw == 0) {
        rk_wheel_tags_free(wt, nw);
        return rk_err_set(e, RK_INPUT, "WHEEL has no Tag");
    }
    ft = calloc(in->ntags, sizeof(*ft));
    if (!ft) {
        rk_wheel_tags_free(wt, nw);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    memcpy(ft, in->tags, in->ntags * sizeof(*ft));
    nf = in->ntags;
    qsort(ft, nf, sizeof(*ft), cmp_str);
    same = nf == nw;
    for (size_t i = 0; same && i < nf; i++)
        same = strcmp(ft[i], wt[i]) == 0;
    free(ft);
    rk_wheel_tags_free(wt, nw);
    if (!same)
        return rk_err_set(e, RK_INPUT, "WHEEL tags do not match the file name tags '%s-%s-%s'",
                          in->fn.python, in->fn.abi, in->fn.platform);
    return 0;
}

static int check_wheel(struct retag_in *in, struct rk_err *e)
{
    char v[RK_WHEEL_FIELD];
    long b;
    if (rk_meta_parse(&in->wheel, in->wheel_text.data ? in->wheel_text.data : "",
                      in->wheel_text.len, "WHEEL", e) < 0)
        return -1;
    if (need_value(&in->wheel, "WHEEL", "Wheel-Version", v, sizeof(v), e) < 0)
        return -1;
    if (strncmp(v, "1.", 2) != 0)
        return rk_err_set(e, RK_INPUT, "unsupported Wheel-Version '%s'", v);
    b = rk_meta_find(&in->wheel, "Build", 0);
    v[0] = '\0';
    if (b >= 0 && rk_meta_value(&in->wheel, (size_t)b, v, sizeof(v)) < 0)
        return rk_err_set(e, RK_INPUT, "WHEEL has a bad Build");
    if (strcmp(v, in->fn.build) != 0)
        return rk_err_set(e, RK_INPUT, "WHEEL Build '%s' does not match the file name's '%s'", v,
                          in->fn.build);
    return check_tags(in, e);
}

int retag_check_meta(struct retag_in *in, struct rk_err *e)
{
    if (check_metadata(in, e) < 0 || check_wheel(in, e) < 0)
        return -1;
    return 0;
}

static int record_exempt(const struct retag_in *in, size_t i)
{
    return (long)i == in->i_record || retag_is_signature(in, in->dir.entries[i].name);
}

static int missing_from_archive(const struct retag_in *in, struct rk_err *e)
{
    for (size_t i = 0; i < in->record.n; i++)
        if (rk_zip_dir_find(&in->dir, in->record.lines[i].path) < 0)
            return rk_err_set(e, RK_INPUT, "RECORD lists '%s' which is not in the wheel",
                              in->record.lines[i].path);
    return rk_err_set(e, RK_INPUT, "RECORD does not match the archive");
}

int retag_check_record(struct retag_in *in, struct rk_err *e)
{
    size_t matched = 0;
    if (rk_record_parse(&in->record, in->record_text.data ? in->record_text.data : "",
                        in->record_text.len, "RECORD", e) < 0 ||
        rk_record_index(&in->record, &in->record_index, "RECORD", e) < 0)
        return -1;
    for (size_t i = 0; i < in->dir.n; i++) {
        const struct rk_zip_entry *ze = &in->dir.entries[i];
        long l = rk_zip_entry_is_dir(ze)
                     ? -1
                     : rk_record_lookup(&in->record, in->record_index, ze->name);
        if (l >= 0)
            matched++;
        else if (!rk_zip_entry_is_dir(ze) && !record_exempt(in, i))
            return rk_err_set(e, RK_INPUT, "'%s' is not listed in RECORD", ze->name);
    }
    if (matched != in->record.n)
        return missing_from_archive(in, e);
    return 0;
}
