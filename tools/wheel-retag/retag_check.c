/* retag_check.c - RECORD agrees with the archive (the rest: common/wheel_check.c) */
#include "retag.h"
#include "pep440.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int retag_check_record(struct retag_in *in, struct rk_err *e);

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
