/*
 * mct.h - mk-candidate-tag: what main.c hands to the logic in mk-candidate-tag.c.
 *
 * Ownership: struct mct_opts borrows every string (argv); version_files is an array of
 * borrowed specs owned by the struct (free the array only).
 */
#ifndef RELKIT_MCT_H
#define RELKIT_MCT_H

#include <stddef.h>
#include <json-c/json.h>

struct rk_err;

struct mct_opts {
    const char *repo;
    const char *sha;
    const char *preset; /* default "candidate" */
    const char *tpl;    /* overrides the preset's template */
    const char *scheme; /* NULL: the preset's */
    const char **version_files;
    size_t nversion_files;
    const char *base_version;
    const char *increment;
    int write;
    int write_local;
    const char *revision_key;
    const char *date;    /* NULL: SOURCE_DATE_EPOCH, else now */
    const char *message; /* annotated tag */
    int reuse;
    int local;
    const char *checkout; /* --local directory */
    int dry_run;
};

/* Returns the exit code (0) or -1 with e set; ctx (borrowed) is updated in place. */
int mct_run(const struct mct_opts *o, json_object *ctx, struct rk_err *e);

#endif
