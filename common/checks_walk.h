/*
 * checks_walk.h - the newest green commit of a branch, with few API requests.
 *
 * The walk follows first parents from the head of ref (default: the branch), at most
 * max_commits commits and none older than since. Requests (all GETs, batched in parallel):
 *  - commits: GET /repos/o/r/commits?sha=REF&per_page=100, one page at a time as the walk
 *    needs it (the listing holds every ancestor; the walk picks the first parents);
 *  - workflow items: GET /repos/o/r/actions/workflows/W/runs?branch=B&event=E&per_page=100,
 *    listed once per workflow, newest first, matched to commits by head_sha; a next page only
 *    when a commit is older than the oldest run listed so far (minus slack_s);
 *  - check/status items: GET /repos/o/r/commits/SHA/check-runs?per_page=100 and
 *    .../commits/SHA/status?per_page=100, only for commits whose workflows are green (or when
 *    there are no workflow items), in parallel batches of 1, 2, 4, ... max_parallel commits.
 * The first request round fetches the first commits page and every workflow's first page
 * together. A green commit at depth 30 with 3 workflows costs 4 requests.
 *
 * Ownership: struct rk_walk_result owns commit and passed_over (rk_walk_result_release).
 * Errors: RK_REMOTE when the ref or a workflow does not exist (404) or the API refuses; the
 * rest as github.h. "No green commit" is not an error: 0 with result->commit NULL.
 */
#ifndef RELKIT_CHECKS_WALK_H
#define RELKIT_CHECKS_WALK_H

#include <time.h>
#include <json-c/json.h>

#include "checks.h"

struct rk_err;
struct rk_github;

#define RK_WALK_PER_PAGE 100
#define RK_WALK_MAX_RUN_PAGES 10 /* GitHub returns at most 1000 results per filtered list */
#define RK_WALK_MAX_COMMIT_PAGES 50

struct rk_walk_opts {
    const char *repo_path; /* "/repos/owner/name" */
    const char *branch;    /* filters workflow runs (head_branch) */
    const char *ref;       /* where the walk starts; NULL: branch */
    const char *event;     /* filters workflow runs; NULL or "": any event */
    const struct rk_reqs *reqs;
    enum rk_skip_policy policy;
    int max_commits;  /* >= 1 */
    time_t since;     /* 0: no bound */
    int max_parallel; /* <= 0: 8 */
    long slack_s;     /* < 0: 600 */
};

struct rk_walk_result {
    json_object *commit;      /* {sha, date, url} of the green commit, or NULL */
    json_object *passed_over; /* [{sha, date, url, reasons: [...]}], newest first */
    int depth;                /* first-parent depth of the green commit (0: the head) */
    int examined;             /* commits judged */
    const char *stop;         /* when none is green: "max-commits", "since" or "history" */
};

void rk_walk_result_init(struct rk_walk_result *r);
void rk_walk_result_release(struct rk_walk_result *r);

int rk_walk_green(struct rk_github *g, const struct rk_walk_opts *o, struct rk_walk_result *r,
                  struct rk_err *e);

#endif
