/* checks_jobs.c - see checks_jobs.h */
#include "checks_jobs.h"
#include "err.h"
#include "github.h"
#include "jsonio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOBS_KEY_MAX 256
#define JOBS_PATH_MAX 2048
#define JOBS_PER_PAGE 100

void rk_jobs_result_init(struct rk_jobs_result *r)
{
    memset(r, 0, sizeof(*r));
}

void rk_jobs_result_release(struct rk_jobs_result *r)
{
    if (r->keys)
        json_object_put(r->keys);
    rk_jobs_result_init(r);
}

int rk_jobs_key(const regex_t *re, const char *name, char *key, size_t n)
{
    regmatch_t m[2];
    regoff_t so, eo;
    size_t len;
    if (!name || regexec(re, name, 2, m, 0) != 0)
        return 0;
    so = m[1].rm_so >= 0 ? m[1].rm_so : m[0].rm_so;
    eo = m[1].rm_so >= 0 ? m[1].rm_eo : m[0].rm_eo;
    len = (size_t)(eo - so);
    if (len >= n)
        len = n - 1;
    memcpy(key, name + so, len);
    key[len] = '\0';
    return 1;
}

static json_object *entry_of(json_object *run, json_object *job, int count)
{
    json_object *o = json_object_new_object();
    rk_json_set_int(o, "run_id", rk_json_int(run, "id", 0));
    rk_json_set_int(o, "run_number", rk_json_int(run, "run_number", 0));
    rk_json_set_int(o, "run_attempt", rk_json_int(run, "run_attempt", 1));
    rk_json_set_str(o, "run_url", rk_json_str(run, "html_url"));
    rk_json_set_str(o, "head_sha", rk_json_str(run, "head_sha"));
    rk_json_set_str(o, "head_branch", rk_json_str(run, "head_branch"));
    rk_json_set_str(o, "event", rk_json_str(run, "event"));
    rk_json_set_str(o, "run_created_at", rk_json_str(run, "created_at"));
    rk_json_set_int(o, "job_id", rk_json_int(job, "id", 0));
    rk_json_set_str(o, "job_name", rk_json_str(job, "name"));
    rk_json_set_str(o, "job_url", rk_json_str(job, "html_url"));
    rk_json_set_str(o, "status", rk_json_str(job, "status"));
    rk_json_set_str(o, "conclusion", rk_json_str(job, "conclusion"));
    rk_json_set_str(o, "started_at", rk_json_str(job, "started_at"));
    rk_json_set_str(o, "completed_at", rk_json_str(job, "completed_at"));
    rk_json_set_int(o, "jobs", count);
    return o;
}

/* The key's jobs in one run: the representative job (first not green, else first), how
 * many, and whether all are green. */
static json_object *group(json_object *jobs, const regex_t *re, const char *key,
                          enum rk_skip_policy p, int *count, int *green)
{
    size_t n = json_object_array_length(jobs);
    json_object *first = NULL, *bad = NULL;
    char k[JOBS_KEY_MAX];
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *job = json_object_array_get_idx(jobs, i);
        if (!rk_jobs_key(re, rk_json_str(job, "name"), k, sizeof(k)) || strcmp(k, key) != 0)
            continue;
        (*count)++;
        if (!first)
            first = job;
        if (!bad && rk_checks_conclusion(rk_json_str(job, "status"), rk_json_str(job, "conclusion"),
                                         p) != RK_V_GREEN)
            bad = job;
    }
    *green = bad == NULL;
    return bad ? bad : first;
}

void rk_jobs_fold(struct rk_jobs_result *r, const regex_t *re, enum rk_skip_policy p,
                  json_object *run, json_object *jobs)
{
    json_object *done = json_object_new_object();
    size_t n = jobs ? json_object_array_length(jobs) : 0;
    char key[JOBS_KEY_MAX];
    if (!r->keys)
        r->keys = json_object_new_object();
    for (size_t i = 0; i < n; i++) {
        json_object *slot, *job;
        int count, green;
        if (!rk_jobs_key(re, rk_json_str(json_object_array_get_idx(jobs, i), "name"), key,
                         sizeof(key)))
            continue;
        r->jobs_matched++;
        if (json_object_object_get_ex(done, key, NULL))
            continue;
        json_object_object_add(done, key, NULL);
        job = group(jobs, re, key, p, &count, &green);
        if (!json_object_object_get_ex(r->keys, key, &slot)) {
            slot = json_object_new_object();
            json_object_object_add(slot, "last_good", NULL);
            rk_json_set(slot, "latest", entry_of(run, job, count));
            json_object_object_add(r->keys, key, slot);
        }
        if (green && !rk_json_obj(slot, "last_good"))
            rk_json_set(slot, "last_good", entry_of(run, job, count));
    }
    json_object_put(done);
}

static int runs_path(const struct rk_jobs_opts *o, int page, int per_page, char *out, size_t n)
{
    char *wf = rk_url_escape(o->workflow);
    char *br = o->branch ? rk_url_escape(o->branch) : NULL;
    char *ev = o->event ? rk_url_escape(o->event) : NULL;
    int k = -1;
    if (wf && (br || !o->branch) && (ev || !o->event))
        k = snprintf(out, n, "%s/actions/workflows/%s/runs?per_page=%d&page=%d%s%s%s%s",
                     o->repo_path, wf, per_page, page, br ? "&branch=" : "", br ? br : "",
                     ev ? "&event=" : "", ev ? ev : "");
    free(wf);
    free(br);
    free(ev);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* The newest max_runs runs (owned array), one page after another. */
static int list_runs(struct rk_github *g, const struct rk_jobs_opts *o, json_object **out,
                     struct rk_err *e)
{
    json_object *all = json_object_new_array();
    char path[JOBS_PATH_MAX];
    int per = o->max_runs < JOBS_PER_PAGE ? o->max_runs : JOBS_PER_PAGE;
    for (int page = 1; (int)json_object_array_length(all) < o->max_runs; page++) {
        json_object *resp = NULL, *items;
        long status = 0;
        size_t n;
        if (runs_path(o, page, per, path, sizeof(path)) < 0) {
            json_object_put(all);
            return rk_err_set(e, RK_INPUT, "workflow '%s' or branch name too long", o->workflow);
        }
        if (rk_github_json(g, "GET", path, NULL, RK_GH_ALLOW_404, &resp, &status, e) < 0 ||
            status == 404) {
            json_object_put(all);
            if (status == 404)
                rk_err_set(e, RK_REMOTE, "workflow '%s' not found in %s", o->workflow,
                           o->repo_path + strlen("/repos/"));
            return -1;
        }
        items = rk_json_array(resp, "workflow_runs");
        n = items ? json_object_array_length(items) : 0;
        for (size_t i = 0; i < n && (int)json_object_array_length(all) < o->max_runs; i++)
            json_object_array_add(all, json_object_get(json_object_array_get_idx(items, i)));
        json_object_put(resp);
        if ((int)n < per)
            break;
    }
    *out = all;
    return 0;
}

static int cmp_runs(const void *a, const void *b)
{
    json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;
    json_object *newer = rk_checks_newer(x, y, "created_at");
    if (rk_json_int(x, "id", 0) == rk_json_int(y, "id", 0))
        return 0;
    return newer == x ? -1 : 1;
}

/* GET .../runs/ID/jobs for every run, in parallel; jobs[i] owned (complete job arrays). */
static int fetch_jobs(struct rk_github *g, const struct rk_jobs_opts *o, json_object *runs,
                      json_object **jobs, struct rk_err *e)
{
    size_t n = json_object_array_length(runs);
    char **paths = calloc(n ? n : 1, sizeof(char *));
    json_object **pages = calloc(n ? n : 1, sizeof(json_object *));
    int rc = -1;
    if (!paths || !pages) {
        rk_err_set(e, RK_SYSTEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        paths[i] = malloc(JOBS_PATH_MAX);
        if (!paths[i]) {
            rk_err_set(e, RK_SYSTEM, "out of memory");
            goto done;
        }
        snprintf(paths[i], JOBS_PATH_MAX, "%s/actions/runs/%lld/jobs?per_page=%d", o->repo_path,
                 (long long)rk_json_int(json_object_array_get_idx(runs, i), "id", 0),
                 JOBS_PER_PAGE);
    }
    rc = rk_github_get_many(g, (const char *const *)paths, n, o->max_parallel, 0, pages, NULL, e);
    for (size_t i = 0; i < n; i++) {
        json_object *arr = rk_json_array(pages[i], "jobs");
        int64_t total = rk_json_int(pages[i], "total_count", 0);
        jobs[i] = NULL;
        if (rc == 0 && arr && total > (int64_t)json_object_array_length(arr))
            rc = rk_github_paginate(g, paths[i], "jobs", 0, &jobs[i], e);
        else if (arr)
            jobs[i] = json_object_get(arr);
    }
done:
    for (size_t i = 0; i < n && paths; i++)
        free(paths[i]);
    for (size_t i = 0; i < n && pages; i++)
        if (pages[i])
            json_object_put(pages[i]);
    free(paths);
    free(pages);
    return rc;
}

static void fold_all(struct rk_jobs_result *r, const regex_t *re, enum rk_skip_policy p,
                     json_object *runs, json_object **jobs)
{
    size_t n = json_object_array_length(runs);
    for (size_t i = 0; i < n; i++) {
        json_object *run = json_object_array_get_idx(runs, i);
        int64_t num = rk_json_int(run, "run_number", 0);
        rk_jobs_fold(r, re, p, run, jobs[i]);
        if (r->last_run_number == 0 || num > r->last_run_number)
            r->last_run_number = num;
        if (r->first_run_number == 0 || num < r->first_run_number)
            r->first_run_number = num;
    }
    r->runs = (int)n;
}

int rk_jobs_last_good(struct rk_github *g, const struct rk_jobs_opts *o, struct rk_jobs_result *r,
                      struct rk_err *e)
{
    json_object *runs = NULL, **jobs = NULL;
    regex_t re;
    size_t n;
    int rc, rerr = regcomp(&re, o->pattern, REG_EXTENDED);
    rk_jobs_result_init(r);
    if (rerr != 0) {
        char buf[200];
        regerror(rerr, &re, buf, sizeof(buf));
        return rk_err_set(e, RK_USAGE, "invalid regular expression '%s': %s", o->pattern, buf);
    }
    r->keys = json_object_new_object();
    rc = list_runs(g, o, &runs, e);
    if (rc == 0) {
        n = json_object_array_length(runs);
        json_object_array_sort(runs, cmp_runs);
        jobs = calloc(n ? n : 1, sizeof(*jobs));
        rc = jobs ? fetch_jobs(g, o, runs, jobs, e) : rk_err_set(e, RK_SYSTEM, "out of memory");
        if (rc == 0)
            fold_all(r, &re, o->policy, runs, jobs);
        for (size_t i = 0; jobs && i < n; i++)
            if (jobs[i])
                json_object_put(jobs[i]);
    }
    free(jobs);
    if (runs)
        json_object_put(runs);
    regfree(&re);
    if (rc < 0)
        rk_jobs_result_release(r);
    return rc;
}
