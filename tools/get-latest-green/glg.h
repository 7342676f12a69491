/*
 * glg.h - get-latest-green: what main.c hands to the logic in get-latest-green.c.
 *
 * Ownership: struct glg_opts borrows every string (argv, the context) and owns reqs.
 */
#ifndef RELKIT_GLG_H
#define RELKIT_GLG_H

#include <time.h>
#include <json-c/json.h>

#include "checks.h"

struct rk_err;

struct glg_opts {
    const char *repo;   /* "owner/name" or NULL (context, GITHUB_REPOSITORY) */
    const char *branch; /* NULL: the context's, else the repository's default branch */
    const char *ref;    /* NULL: the branch head */
    const char *event;  /* "push" by default; "any": no filter */
    const char *since;  /* as given */
    struct rk_reqs reqs;
    int from_branch; /* --required-from-branch */
    enum rk_skip_policy policy;
    int max_commits;
    const char *per_job; /* pattern, or NULL */
    int max_runs;
    int parallel;
};

/* Run with the context (borrowed, updated in place). Returns the exit code (0 green / jobs
 * found, 1 none) or -1 with e set. */
int glg_run(struct glg_opts *o, json_object *ctx, struct rk_err *e);

#endif
