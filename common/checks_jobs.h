/*
 * checks_jobs.h - per-job "last good" over the recent runs of a matrix workflow.
 *
 * For each job key (capture group 1 of the job-name pattern, else the whole match: e.g. the
 * model in "test (llama-3-8b)"), over the last max_runs runs of one workflow:
 *  - last_good: the newest run in which the key's jobs all concluded success (skipped/neutral
 *    per the skip policy), and
 *  - latest: the newest run that has the key at all, whatever its result (even in progress).
 * Runs are ordered newest first by (created_at, id); jobs are those of each run's newest
 * attempt (GET .../runs/ID/jobs, filter=latest). Each entry: {run_id, run_number,
 * run_attempt, run_url, head_sha, head_branch, event, run_created_at, job_id, job_name,
 * job_url, status, conclusion, started_at, completed_at, jobs} (jobs: how many jobs of that
 * run carry the key; the entry shows the first one not green, else the first one).
 *
 * Requests: the runs list (GET .../actions/workflows/W/runs?per_page=100, ceil(max_runs/100)
 * pages) and one jobs list per run, all fetched in parallel (max_parallel at once).
 *
 * Ownership: struct rk_jobs_result owns keys (rk_jobs_result_release). Errors: RK_USAGE for a
 * bad pattern, RK_REMOTE when the workflow does not exist, the rest as github.h.
 */
#ifndef RELKIT_CHECKS_JOBS_H
#define RELKIT_CHECKS_JOBS_H

#include <stdint.h>
#include <json-c/json.h>

#include "checks.h"

struct rk_err;
struct rk_github;

struct rk_jobs_opts {
    const char *repo_path; /* "/repos/owner/name" */
    const char *workflow;  /* file name or id */
    const char *branch;    /* NULL: runs of every branch */
    const char *event;     /* NULL: every event */
    const char *pattern;   /* POSIX extended regular expression on job names */
    enum rk_skip_policy policy;
    int max_runs;     /* >= 1 */
    int max_parallel; /* <= 0: the client's default */
};

struct rk_jobs_result {
    json_object *keys; /* {key: {"last_good": entry|null, "latest": entry}} */
    int runs;          /* runs examined */
    int64_t first_run_number, last_run_number; /* oldest and newest examined; 0 when none */
    int jobs_matched;                          /* jobs whose name matched the pattern */
};

void rk_jobs_result_init(struct rk_jobs_result *r);
void rk_jobs_result_release(struct rk_jobs_result *r);

/* The key of a job name: 1 with key filled (truncated to n), 0 when the name does not match.
 * re must be compiled with REG_EXTENDED and without REG_NOSUB. */
int rk_jobs_key(const regex_t *re, const char *name, char *key, size_t n);

/* Fold one run (workflow-run object) and its jobs (array) into r->keys; runs must be given
 * newest first. Pure; exposed for tests. */
void rk_jobs_fold(struct rk_jobs_result *r, const regex_t *re, enum rk_skip_policy p,
                  json_object *run, json_object *jobs);

int rk_jobs_last_good(struct rk_github *g, const struct rk_jobs_opts *o, struct rk_jobs_result *r,
                      struct rk_err *e);

#endif
