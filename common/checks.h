/*
 * checks.h - is a commit green: required items (workflows, check runs, commit statuses) and
 * how one commit is judged from what GitHub listed. Pure functions, no I/O; checks_walk.h
 * drives them over a branch with the API, checks_jobs.h does the per-job "last good".
 *
 * Rules (the documented contract of get-latest-green):
 *  - An item is green on a commit when its newest attempt concluded "success"; "skipped" and
 *    "neutral" count as success under RK_SKIP_PASS (the default, as GitHub's branch
 *    protection does) and as failure under RK_SKIP_FAIL. Every other conclusion (failure,
 *    cancelled, timed_out, action_required, stale, startup_failure) is not green, and a run or
 *    check that has not completed is "pending".
 *  - Newest attempt: workflow runs of one workflow on one sha by (created_at, id, run_attempt)
 *    (a re-run keeps the run id and raises run_attempt; the list shows the newest attempt);
 *    check runs of one name by (started_at, id) (a re-run adds a check run with the same name);
 *    statuses of one context by (updated_at, id).
 *  - A required item with nothing on the commit is "missing", never green.
 *  - A regex item needs at least one matching check run, and every matching name green.
 *  - A context item (from branch protection or rules) is a check run of that name, else a
 *    commit status of that context.
 *
 * Ownership: struct rk_reqs owns its items (rk_reqs_release). json_object arguments are
 * borrowed; reasons are appended to a caller-owned array. Errors: RK_USAGE for a bad regular
 * expression or an empty name, RK_SYSTEM when out of memory.
 */
#ifndef RELKIT_CHECKS_H
#define RELKIT_CHECKS_H

#include <regex.h>
#include <stddef.h>
#include <time.h>
#include <json-c/json.h>

struct rk_err;

enum rk_req_kind {
    RK_REQ_WORKFLOW, /* a workflow file ("ci.yml") or numeric workflow id */
    RK_REQ_CHECK,    /* a check run name, exact */
    RK_REQ_CHECK_RE, /* check run names matching a POSIX extended regular expression */
    RK_REQ_STATUS,   /* a commit status context */
    RK_REQ_CONTEXT,  /* a required "context": a check run name, else a status context */
};

struct rk_req {
    enum rk_req_kind kind;
    char *name; /* owned: file name, check name, regex source or context */
    regex_t re; /* compiled when kind is RK_REQ_CHECK_RE */
};

struct rk_reqs {
    struct rk_req *v;
    size_t n;
};

enum rk_skip_policy { RK_SKIP_PASS = 0, RK_SKIP_FAIL = 1 };

enum rk_verdict {
    RK_V_GREEN = 0,
    RK_V_FAILED,  /* concluded, not success */
    RK_V_PENDING, /* queued or in progress */
    RK_V_MISSING, /* nothing on the commit */
};

void rk_reqs_init(struct rk_reqs *r);
void rk_reqs_release(struct rk_reqs *r);
/* Add one item; an item already present (same kind and name) is not added twice. A workflow
 * given as a path (".github/workflows/ci.yml") is kept as its file name. */
int rk_reqs_add(struct rk_reqs *r, enum rk_req_kind kind, const char *name, struct rk_err *e);
/* Items from GitHub's rules for a branch (GET /repos/o/r/rules/branches/B: an array of
 * rules; "required_status_checks" contexts and "workflows" paths) and from classic branch
 * protection (GET .../branches/B/protection/required_status_checks: {contexts, checks}).
 * Either may be NULL. */
int rk_reqs_from_rules(struct rk_reqs *r, json_object *rules, json_object *protection,
                       struct rk_err *e);
/* 1 when some item needs the commit's check runs / statuses. */
int rk_reqs_need_check_runs(const struct rk_reqs *r);
int rk_reqs_need_statuses(const struct rk_reqs *r);
size_t rk_reqs_count(const struct rk_reqs *r, enum rk_req_kind kind);
/* [{"kind": "workflow", "name": "ci.yml"}, ...] (owned). */
json_object *rk_reqs_json(const struct rk_reqs *r);
const char *rk_req_kind_name(enum rk_req_kind kind);

/* "skip-pass"/"pass" or "skip-fail"/"fail" -> policy; -1 when unknown. */
int rk_skip_policy_parse(const char *s, enum rk_skip_policy *out);

/* Verdict of one status/conclusion pair (a workflow run or check run). */
enum rk_verdict rk_checks_conclusion(const char *status, const char *conclusion,
                                     enum rk_skip_policy p);
/* Verdict of a commit status state (success, failure, error, pending). */
enum rk_verdict rk_checks_state(const char *state);

/* Judge a workflow item on sha from runs (array of workflow-run objects of that workflow;
 * runs on other shas are ignored). When not green, a reason object {required, kind, state,
 * url?, run_id?, run_attempt?} is appended to reasons (may be NULL). */
enum rk_verdict rk_checks_judge_workflow(const struct rk_req *req, json_object *runs,
                                         const char *sha, enum rk_skip_policy p,
                                         json_object *reasons);
/* Judge a check / regex / status / context item from the commit's check runs (array, may be
 * NULL) and statuses (array, may be NULL). Reasons as above. */
enum rk_verdict rk_checks_judge_item(const struct rk_req *req, json_object *check_runs,
                                     json_object *statuses, enum rk_skip_policy p,
                                     json_object *reasons);

/* The newest of a and b (borrowed; either may be NULL) by time key then id (then attempt). */
json_object *rk_checks_newer(json_object *a, json_object *b, const char *time_key);

/* ISO 8601 "2024-11-19T08:15:00Z" -> epoch seconds, (time_t)-1 when absent or malformed. */
time_t rk_checks_time(json_object *obj, const char *key);

#endif
