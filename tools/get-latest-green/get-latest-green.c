/* get-latest-green.c - the logic: find the repository and branch, walk, report. */
#include "glg.h"
#include "buf.h"
#include "checks_jobs.h"
#include "checks_walk.h"
#include "cli.h"
#include "err.h"
#include "github.h"
#include "jsonio.h"
#include "log.h"
#include "release.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *repo_name(const struct glg_opts *o, json_object *ctx)
{
    const char *r = o->repo ? o->repo : rk_json_str(ctx, "repo");
    if (!r || !*r)
        r = getenv("GITHUB_REPOSITORY");
    return r && *r ? r : NULL;
}

/* --since: a date, an ISO 8601 time, or a duration back from now */
static int parse_since(const char *s, time_t *out, struct rk_err *e)
{
    char buf[40];
    int64_t secs;
    if (!s) {
        *out = 0;
        return 0;
    }
    if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
        snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
        s = buf;
    }
    if (rk_time_parse(s, out) == 0)
        return 0;
    if (rk_parse_duration(s, &secs) == 0) {
        *out = time(NULL) - (time_t)secs;
        return 0;
    }
    return rk_err_set(e, RK_USAGE,
                      "invalid --since '%s': expected a date (2024-11-01), an ISO 8601 time or "
                      "a duration (14d)",
                      s);
}

static int default_branch(struct rk_github *g, const struct rk_repo *r, char **out,
                          struct rk_err *e)
{
    json_object *repo = NULL;
    const char *b;
    if (rk_github_get(g, r->path, &repo, e) < 0)
        return -1;
    b = rk_json_str(repo, "default_branch");
    if (!b || !(*out = strdup(b))) {
        json_object_put(repo);
        return rk_err_set(e, RK_REMOTE, "GET %s: no default_branch", r->path);
    }
    json_object_put(repo);
    return 0;
}

/* GET path, tolerating 404 (nothing configured) and 403 (not allowed to read it): *out NULL */
static int get_optional(struct rk_github *g, const char *path, json_object **out, struct rk_err *e)
{
    long status = 0;
    *out = NULL;
    if (rk_github_json(g, "GET", path, NULL, RK_GH_ALLOW_404, out, &status, e) == 0)
        return 0;
    if (status == 403) {
        rk_log_warn("%s; the branch protection is not readable with this token", e->msg);
        rk_err_clear(e);
        return 0;
    }
    return -1;
}

static int required_from_branch(struct rk_github *g, const struct rk_repo *r, const char *branch,
                                struct rk_reqs *reqs, struct rk_err *e)
{
    char *esc = rk_url_escape(branch);
    struct rk_buf p1, p2;
    json_object *rules = NULL, *prot = NULL;
    int rc = -1;
    size_t before = reqs->n;
    rk_buf_init(&p1, 4096);
    rk_buf_init(&p2, 4096);
    if (esc && rk_buf_printf(&p1, "%s/rules/branches/%s?per_page=100", r->path, esc) == 0 &&
        rk_buf_printf(&p2, "%s/branches/%s/protection/required_status_checks", r->path, esc) == 0)
        rc = 0;
    else
        rk_err_set(e, RK_SYSTEM, "out of memory");
    if (rc == 0)
        rc = get_optional(g, rk_buf_cstr(&p1), &rules, e);
    if (rc == 0)
        rc = get_optional(g, rk_buf_cstr(&p2), &prot, e);
    if (rc == 0)
        rc = rk_reqs_from_rules(reqs, rules, prot, e);
    if (rc == 0)
        rk_log_verbose("branch '%s' requires %zu item(s)", branch, reqs->n - before);
    if (rules)
        json_object_put(rules);
    if (prot)
        json_object_put(prot);
    rk_buf_release(&p1);
    rk_buf_release(&p2);
    free(esc);
    return rc;
}

static void gh_outputs(json_object *ctx, json_object *commit)
{
    struct rk_err e;
    const char *text = json_object_to_json_string_ext(ctx, JSON_C_TO_STRING_PLAIN |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE);
    rk_err_clear(&e);
    if (rk_gh_output("context", text, &e) < 0 ||
        (commit && (rk_gh_output("sha", rk_json_str(commit, "sha"), &e) < 0 ||
                    rk_gh_output("date", rk_json_str(commit, "date"), &e) < 0 ||
                    rk_gh_output("url", rk_json_str(commit, "url"), &e) < 0)))
        rk_log_warn("%s", e.msg);
}

static void summary(const char *repo, const char *branch, const struct rk_walk_result *w)
{
    struct rk_buf b;
    struct rk_err e;
    size_t n = json_object_array_length(w->passed_over);
    rk_buf_init(&b, 1 << 20);
    rk_err_clear(&e);
    rk_buf_printf(&b, "### get-latest-green: %s@%s\n\n", repo, branch);
    if (w->commit)
        rk_buf_printf(&b, "Green: [`%.12s`](%s) at depth %d.\n\n", rk_json_str(w->commit, "sha"),
                      rk_json_str(w->commit, "url"), w->depth);
    else
        rk_buf_printf(&b, "No green commit among %d examined (stopped: %s).\n\n", w->examined,
                      w->stop ? w->stop : "?");
    if (n > 0)
        rk_buf_puts(&b, "| commit | why it was passed over |\n| --- | --- |\n");
    for (size_t i = 0; i < n && i < 50; i++) {
        json_object *c = json_object_array_get_idx(w->passed_over, i);
        json_object *rs = rk_json_array(c, "reasons");
        rk_buf_printf(&b, "| `%.12s` |", rk_json_str(c, "sha"));
        for (size_t j = 0; rs && j < json_object_array_length(rs); j++) {
            json_object *r = json_object_array_get_idx(rs, j);
            rk_buf_printf(&b, " %s: %s;", rk_json_str(r, "required"), rk_json_str(r, "state"));
        }
        rk_buf_puts(&b, " |\n");
    }
    if (rk_step_summary(rk_buf_cstr(&b), &e) < 0)
        rk_log_warn("%s", e.msg);
    rk_buf_release(&b);
}

static int report_walk(struct glg_opts *o, json_object *ctx, struct rk_walk_result *w,
                       uint64_t requests, const char *branch)
{
    json_object *green = json_object_new_object();
    rk_json_set(green, "required", rk_reqs_json(&o->reqs));
    rk_json_set_str(green, "skipped", o->policy == RK_SKIP_PASS ? "pass" : "fail");
    rk_json_set_str(green, "event", o->event && strcmp(o->event, "any") ? o->event : NULL);
    if (w->commit)
        rk_json_set_int(green, "depth", w->depth);
    else
        rk_json_set_str(green, "stop", w->stop);
    rk_json_set_int(green, "examined", w->examined);
    rk_json_set_int(green, "requests", (int64_t)requests);
    rk_json_set(green, "passed_over", json_object_get(w->passed_over));
    if (w->commit)
        rk_json_set(ctx, "commit", json_object_get(w->commit));
    else
        json_object_object_del(ctx, "commit");
    rk_json_set(ctx, "green", green);
    if (!w->commit)
        rk_log_error("no green commit on '%s' within %d commit(s) (stopped: %s)", branch,
                     w->examined, w->stop ? w->stop : "?");
    if (rk_log_in_actions()) {
        summary(rk_json_str(ctx, "repo"), branch, w);
        gh_outputs(ctx, w->commit);
    }
    return w->commit ? RK_OK : RK_NEGATIVE;
}

static int run_walk(struct glg_opts *o, struct rk_github *g, const struct rk_repo *r,
                    const char *branch, json_object *ctx, struct rk_err *e)
{
    struct rk_walk_opts wo;
    struct rk_walk_result w;
    int rc;
    memset(&wo, 0, sizeof(wo));
    wo.repo_path = r->path;
    wo.branch = branch;
    wo.ref = o->ref;
    wo.event = o->event && strcmp(o->event, "any") ? o->event : NULL;
    wo.reqs = &o->reqs;
    wo.policy = o->policy;
    wo.max_commits = o->max_commits;
    wo.max_parallel = o->parallel;
    wo.slack_s = -1;
    if (parse_since(o->since, &wo.since, e) < 0)
        return -1;
    rk_log_group("get-latest-green: walking the history");
    rc = rk_walk_green(g, &wo, &w, e);
    rk_log_endgroup();
    if (rc < 0)
        return -1;
    rk_log_verbose("%llu request(s)", (unsigned long long)g->http.requests);
    rc = report_walk(o, ctx, &w, g->http.requests, branch);
    rk_walk_result_release(&w);
    return rc;
}

static int run_jobs(struct glg_opts *o, struct rk_github *g, const struct rk_repo *r,
                    const char *branch, json_object *ctx, struct rk_err *e)
{
    struct rk_jobs_opts jo;
    struct rk_jobs_result res;
    json_object *pj;
    memset(&jo, 0, sizeof(jo));
    jo.repo_path = r->path;
    jo.workflow = o->reqs.v[0].name;
    jo.branch = branch;
    jo.event = o->event && strcmp(o->event, "any") ? o->event : NULL;
    jo.pattern = o->per_job;
    jo.policy = o->policy;
    jo.max_runs = o->max_runs;
    jo.max_parallel = o->parallel;
    if (rk_jobs_last_good(g, &jo, &res, e) < 0)
        return -1;
    pj = json_object_new_object();
    rk_json_set_str(pj, "workflow", jo.workflow);
    rk_json_set_str(pj, "pattern", jo.pattern);
    rk_json_set_str(pj, "branch", branch);
    rk_json_set_int(pj, "runs", res.runs);
    rk_json_set_int(pj, "first_run_number", res.first_run_number);
    rk_json_set_int(pj, "last_run_number", res.last_run_number);
    rk_json_set_int(pj, "jobs_matched", res.jobs_matched);
    rk_json_set_int(pj, "requests", (int64_t)g->http.requests);
    rk_json_set(pj, "keys", json_object_get(res.keys));
    rk_json_set(ctx, "per_job", pj);
    rk_jobs_result_release(&res);
    if (rk_json_int(pj, "jobs_matched", 0) == 0) {
        rk_log_error("no job of workflow '%s' matches '%s' in the last %d run(s)", jo.workflow,
                     jo.pattern, (int)rk_json_int(pj, "runs", 0));
        return RK_NEGATIVE;
    }
    if (rk_log_in_actions())
        gh_outputs(ctx, NULL);
    return RK_OK;
}

static int check_reqs(struct glg_opts *o, struct rk_err *e)
{
    if (o->per_job) {
        if (o->reqs.n != 1 || o->reqs.v[0].kind != RK_REQ_WORKFLOW)
            return rk_err_set(e, RK_USAGE, "--per-job needs exactly one --workflow");
        return 0;
    }
    if (o->reqs.n == 0)
        return rk_err_set(e, RK_USAGE,
                          "nothing is required: give --workflow, --check, --check-regex, "
                          "--status or --required-from-branch");
    return 0;
}

int glg_run(struct glg_opts *o, json_object *ctx, struct rk_err *e)
{
    char *name = repo_name(o, ctx) ? strdup(repo_name(o, ctx)) : NULL;
    char *branch = NULL;
    struct rk_github g;
    struct rk_http_opts ho;
    struct rk_repo r;
    int rc = -1;
    if (!name)
        return rk_err_set(e, RK_USAGE,
                          "no repository: give --repo OWNER/NAME, a context with "
                          "\"repo\", or set GITHUB_REPOSITORY");
    if (rk_repo_parse(name, &r, e) < 0 ||
        ((o->per_job || !o->from_branch) && check_reqs(o, e) < 0)) {
        free(name);
        return -1;
    }
    rk_http_opts_default(&ho);
    ho.max_parallel = o->parallel;
    if (rk_github_init(&g, &ho, e) < 0) {
        free(name);
        return -1;
    }
    if (o->branch || rk_json_str(ctx, "branch"))
        branch = strdup(o->branch ? o->branch : rk_json_str(ctx, "branch"));
    else if (!o->per_job && default_branch(&g, &r, &branch, e) < 0)
        goto out;
    if (o->from_branch && !o->per_job &&
        (required_from_branch(&g, &r, branch, &o->reqs, e) < 0 || check_reqs(o, e) < 0))
        goto out;
    rk_json_set_str(ctx, "repo", name);
    if (branch)
        rk_json_set_str(ctx, "branch", branch);
    rc = o->per_job ? run_jobs(o, &g, &r, branch, ctx, e) : run_walk(o, &g, &r, branch, ctx, e);
out:
    free(name);
    free(branch);
    rk_github_release(&g);
    return rc;
}
