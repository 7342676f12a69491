/* checks_walk.c - see checks_walk.h */
#include "checks_walk.h"
#include "buf.h"
#include "err.h"
#include "github.h"
#include "jsonio.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WALK_PATH_MAX 2048

/* the listed runs of one workflow item */
struct wf_runs {
    const struct rk_req *req;
    json_object *runs; /* owned array, newest first */
    int pages;
    int done;      /* every page listed (or the cap reached) */
    time_t oldest; /* created_at of the last run listed */
};

/* one judged commit */
enum { ENT_NOT_GREEN, ENT_GREEN, ENT_PENDING /* workflows green, checks not judged yet */ };
struct entry {
    json_object *commit;  /* borrowed from the commits map */
    json_object *reasons; /* owned */
    int state;
};

struct walk {
    struct rk_github *g;
    const struct rk_walk_opts *o;
    struct rk_err *e;
    json_object *by_sha; /* owned: sha -> listed commit */
    int commit_pages, commits_done;
    const char *next_sha; /* borrowed: the next first parent to visit ("" at the end) */
    int unlisted;         /* the walk ended at a parent the listing did not have */
    struct wf_runs *wf;
    size_t nwf;
    struct entry *ent;
    size_t nent, cap;
    int batch;
};

void rk_walk_result_init(struct rk_walk_result *r)
{
    memset(r, 0, sizeof(*r));
}

void rk_walk_result_release(struct rk_walk_result *r)
{
    if (r->commit)
        json_object_put(r->commit);
    if (r->passed_over)
        json_object_put(r->passed_over);
    rk_walk_result_init(r);
}

/* ---- paths ---- */

static int commits_path(const struct walk *w, int page, char *out, size_t n)
{
    const char *ref = w->o->ref && *w->o->ref ? w->o->ref : w->o->branch;
    char *esc = rk_url_escape(ref);
    char since[64] = "";
    int k;
    if (!esc)
        return rk_err_set(w->e, RK_SYSTEM, "out of memory");
    if (w->o->since > 0) {
        struct tm tm;
        gmtime_r(&w->o->since, &tm);
        strftime(since, sizeof(since), "&since=%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    k = snprintf(out, n, "%s/commits?sha=%s&per_page=%d&page=%d%s", w->o->repo_path, esc,
                 RK_WALK_PER_PAGE, page, since);
    free(esc);
    if (k < 0 || (size_t)k >= n)
        return rk_err_set(w->e, RK_INPUT, "ref '%s' is too long", ref);
    return 0;
}

static int runs_path(const struct walk *w, const struct wf_runs *wr, char *out, size_t n)
{
    char *wf = rk_url_escape(wr->req->name), *br = rk_url_escape(w->o->branch);
    char *ev = w->o->event && *w->o->event ? rk_url_escape(w->o->event) : NULL;
    int k = -1;
    if (wf && br && (ev || !(w->o->event && *w->o->event)))
        k = snprintf(out, n, "%s/actions/workflows/%s/runs?branch=%s%s%s&per_page=%d&page=%d",
                     w->o->repo_path, wf, br, ev ? "&event=" : "", ev ? ev : "", RK_WALK_PER_PAGE,
                     wr->pages + 1);
    free(wf);
    free(br);
    free(ev);
    if (k < 0 || (size_t)k >= n)
        return rk_err_set(w->e, RK_INPUT, "workflow '%s' or branch name too long", wr->req->name);
    return 0;
}

/* ---- pages ---- */

static int take_commits_page(struct walk *w, json_object *page)
{
    size_t n;
    if (!page || !json_object_is_type(page, json_type_array))
        return rk_err_set(w->e, RK_REMOTE, "commits list: not a JSON array");
    n = json_object_array_length(page);
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(page, i);
        const char *sha = rk_json_str(c, "sha");
        if (sha && !json_object_object_get_ex(w->by_sha, sha, NULL))
            json_object_object_add(w->by_sha, sha, json_object_get(c));
        if (w->commit_pages == 0 && i == 0 && sha)
            w->next_sha = rk_json_str(json_object_object_get(w->by_sha, sha), "sha");
    }
    w->commit_pages++;
    if (n < RK_WALK_PER_PAGE || w->commit_pages >= RK_WALK_MAX_COMMIT_PAGES)
        w->commits_done = 1;
    if (w->commit_pages == 1 && n == 0) {
        w->next_sha = "";
        w->unlisted = 1; /* nothing since --since */
    }
    return 0;
}

static int take_runs_page(struct walk *w, struct wf_runs *wr, json_object *page)
{
    json_object *items = rk_json_array(page, "workflow_runs");
    int64_t total = rk_json_int(page, "total_count", -1);
    size_t n;
    if (!items)
        return rk_err_set(w->e, RK_REMOTE, "runs of workflow '%s': no workflow_runs array",
                          wr->req->name);
    n = json_object_array_length(items);
    for (size_t i = 0; i < n; i++)
        json_object_array_add(wr->runs, json_object_get(json_object_array_get_idx(items, i)));
    wr->pages++;
    if (n > 0)
        wr->oldest = rk_checks_time(json_object_array_get_idx(items, n - 1), "created_at");
    if (n < RK_WALK_PER_PAGE || (total >= 0 && wr->pages * RK_WALK_PER_PAGE >= total) ||
        wr->pages >= RK_WALK_MAX_RUN_PAGES)
        wr->done = 1;
    return 0;
}

static int not_found(struct walk *w, const char *what, const char *name)
{
    return rk_err_set(w->e, RK_REMOTE, "%s '%s' not found in %s", what, name,
                      w->o->repo_path + strlen("/repos/"));
}

/* Fetch, in one parallel round, the next commits page (when want_commits) and the next runs
 * page of every workflow flagged in want[] (may be NULL). */
static int fetch_round(struct walk *w, int want_commits, const int *want)
{
    size_t n = 0, k = 0, total = w->nwf + 1;
    char **paths = calloc(total, sizeof(*paths));
    json_object **out = calloc(total, sizeof(*out));
    long *status = calloc(total, sizeof(*status));
    int rc = -1;
    if (!paths || !out || !status) {
        rk_err_set(w->e, RK_SYSTEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < total; i++)
        if (!(paths[i] = malloc(WALK_PATH_MAX))) {
            rk_err_set(w->e, RK_SYSTEM, "out of memory");
            goto done;
        }
    if (want_commits && commits_path(w, w->commit_pages + 1, paths[n++], WALK_PATH_MAX) < 0)
        goto done;
    for (size_t i = 0; i < w->nwf; i++)
        if (want && want[i] && runs_path(w, &w->wf[i], paths[n++], WALK_PATH_MAX) < 0)
            goto done;
    if (rk_github_get_many(w->g, (const char *const *)paths, n, w->o->max_parallel, RK_GH_ALLOW_404,
                           out, status, w->e) < 0)
        goto done;
    if (want_commits) {
        if (status[k] == 404)
            goto ref404;
        if (take_commits_page(w, out[k++]) < 0)
            goto done;
    }
    for (size_t i = 0; i < w->nwf; i++) {
        if (!want || !want[i])
            continue;
        if (status[k] == 404) {
            not_found(w, "workflow", w->wf[i].req->name);
            goto done;
        }
        if (take_runs_page(w, &w->wf[i], out[k++]) < 0)
            goto done;
    }
    rc = 0;
    goto done;
ref404:
    not_found(w, "ref", w->o->ref && *w->o->ref ? w->o->ref : w->o->branch);
done:
    for (size_t i = 0; i < total; i++) {
        if (out && out[i])
            json_object_put(out[i]);
        if (paths)
            free(paths[i]);
    }
    free(paths);
    free(out);
    free(status);
    return rc;
}

/* ---- the first-parent chain ---- */

/* The next commit of the walk (borrowed) or NULL at the end of the history; -1 on error. */
static int chain_next(struct walk *w, json_object **out)
{
    json_object *c = NULL, *parents, *p0;
    *out = NULL;
    if (!w->next_sha || !*w->next_sha)
        return 0;
    while (!json_object_object_get_ex(w->by_sha, w->next_sha, &c)) {
        if (w->commits_done) {
            rk_log_verbose("commit %s is not in the listed history: the walk ends there",
                           w->next_sha);
            w->unlisted = 1;
            return 0;
        }
        if (fetch_round(w, 1, NULL) < 0)
            return -1;
    }
    parents = rk_json_array(c, "parents");
    p0 = parents && json_object_array_length(parents) > 0 ? json_object_array_get_idx(parents, 0)
                                                          : NULL;
    w->next_sha = p0 && rk_json_str(p0, "sha") ? rk_json_str(p0, "sha") : "";
    *out = c;
    return 0;
}

static time_t commit_time(json_object *c)
{
    json_object *inner = rk_json_obj(c, "commit");
    json_object *who = rk_json_obj(inner, "committer");
    time_t t = rk_checks_time(who, "date");
    return t != (time_t)-1 ? t : rk_checks_time(rk_json_obj(inner, "author"), "date");
}

/* every run of the commit's time is listed for each workflow */
static int ensure_runs(struct walk *w, time_t when)
{
    long slack = w->o->slack_s < 0 ? 600 : w->o->slack_s;
    int *want = calloc(w->nwf ? w->nwf : 1, sizeof(int));
    int rc = 0;
    if (!want)
        return rk_err_set(w->e, RK_SYSTEM, "out of memory");
    for (;;) {
        int any = 0;
        for (size_t i = 0; i < w->nwf; i++) {
            struct wf_runs *wr = &w->wf[i];
            want[i] = !wr->done && (wr->pages == 0 || when == (time_t)-1 ||
                                    wr->oldest == (time_t)-1 || wr->oldest >= when - slack);
            any |= want[i];
        }
        if (!any || (rc = fetch_round(w, 0, want)) < 0)
            break;
    }
    free(want);
    return rc;
}

/* ---- judging ---- */

static int add_entry(struct walk *w, json_object *c)
{
    if (w->nent == w->cap) {
        size_t ncap = w->cap ? w->cap * 2 : 32;
        struct entry *nv = realloc(w->ent, ncap * sizeof(*nv));
        if (!nv)
            return rk_err_set(w->e, RK_SYSTEM, "out of memory");
        w->ent = nv;
        w->cap = ncap;
    }
    w->ent[w->nent].commit = c;
    w->ent[w->nent].reasons = json_object_new_array();
    w->ent[w->nent].state = ENT_NOT_GREEN;
    w->nent++;
    return 0;
}

/* workflow items of an entry; 1 when all green */
static int judge_workflows(struct walk *w, struct entry *en)
{
    const char *sha = rk_json_str(en->commit, "sha");
    int ok = 1;
    for (size_t i = 0; i < w->nwf; i++)
        if (rk_checks_judge_workflow(w->wf[i].req, w->wf[i].runs, sha, w->o->policy, en->reasons) !=
            RK_V_GREEN)
            ok = 0;
    return ok;
}

static void judge_items(struct walk *w, struct entry *en, json_object *checks_page,
                        json_object *status_page)
{
    json_object *crs = rk_json_array(checks_page, "check_runs");
    json_object *sts = rk_json_array(status_page, "statuses");
    int ok = 1;
    for (size_t i = 0; i < w->o->reqs->n; i++) {
        const struct rk_req *rq = &w->o->reqs->v[i];
        if (rq->kind == RK_REQ_WORKFLOW)
            continue;
        if (rk_checks_judge_item(rq, crs, sts, w->o->policy, en->reasons) != RK_V_GREEN)
            ok = 0;
    }
    en->state = ok ? ENT_GREEN : ENT_NOT_GREEN;
}

static char *item_path(struct walk *w, const char *sha, const char *what)
{
    struct rk_buf b;
    rk_buf_init(&b, WALK_PATH_MAX);
    if (rk_buf_printf(&b, "%s/commits/%s/%s?per_page=%d", w->o->repo_path, sha, what,
                      RK_WALK_PER_PAGE) < 0) {
        rk_buf_release(&b);
        rk_err_set(w->e, RK_SYSTEM, "out of memory");
        return NULL;
    }
    return rk_buf_detach(&b, NULL);
}

/* More than one page of check runs: list them all (rare; > 100 check runs on a commit). */
static int complete_check_runs(struct walk *w, const char *path, json_object *page)
{
    json_object *all = NULL;
    json_object *items = rk_json_array(page, "check_runs");
    int64_t total = rk_json_int(page, "total_count", 0);
    if (!items || total <= (int64_t)json_object_array_length(items))
        return 0;
    if (rk_github_paginate(w->g, path, "check_runs", 0, &all, w->e) < 0)
        return -1;
    rk_json_set(page, "check_runs", all);
    return 0;
}

/* The pending entries' check runs and statuses, in one parallel round: for pending entry
 * number i, out[2i] is its check-runs page and out[2i+1] its status (NULL when not needed). */
static int fetch_items(struct walk *w, const size_t *idx, size_t n, json_object **out)
{
    int need_cr = rk_reqs_need_check_runs(w->o->reqs), need_st = rk_reqs_need_statuses(w->o->reqs);
    char **paths = calloc(2 * n, sizeof(char *));
    json_object **res = calloc(2 * n, sizeof(json_object *));
    int *slot = calloc(2 * n, sizeof(int));
    size_t k = 0;
    int rc = -1;
    if (!paths || !res || !slot) {
        rk_err_set(w->e, RK_SYSTEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const char *sha = rk_json_str(w->ent[idx[i]].commit, "sha");
        if (need_cr && (slot[k] = 2 * (int)i, !(paths[k++] = item_path(w, sha, "check-runs"))))
            goto done;
        if (need_st && (slot[k] = 2 * (int)i + 1, !(paths[k++] = item_path(w, sha, "status"))))
            goto done;
    }
    rc = rk_github_get_many(w->g, (const char *const *)paths, k, w->o->max_parallel, 0, res, NULL,
                            w->e);
    for (size_t j = 0; j < k; j++) {
        out[slot[j]] = res[j];
        if (rc == 0 && slot[j] % 2 == 0)
            rc = complete_check_runs(w, paths[j], res[j]);
    }
done:
    for (size_t j = 0; paths && j < 2 * n; j++)
        free(paths[j]);
    free(paths);
    free(res);
    free(slot);
    return rc;
}

static size_t count_pending(const struct walk *w, size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < w->nent; i++)
        if (w->ent[i].state == ENT_PENDING) {
            if (idx)
                idx[n] = i;
            n++;
        }
    return n;
}

/* Fetch and judge the checks of the pending entries. */
static int flush_pending(struct walk *w)
{
    size_t n = count_pending(w, NULL);
    size_t *idx;
    json_object **out;
    int rc;
    if (n == 0)
        return 0;
    idx = calloc(n, sizeof(*idx));
    out = calloc(2 * n, sizeof(*out));
    if (!idx || !out) {
        free(idx);
        free(out);
        return rk_err_set(w->e, RK_SYSTEM, "out of memory");
    }
    count_pending(w, idx);
    rc = fetch_items(w, idx, n, out);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            judge_items(w, &w->ent[idx[i]], out[2 * i], out[2 * i + 1]);
        if (out[2 * i])
            json_object_put(out[2 * i]);
        if (out[2 * i + 1])
            json_object_put(out[2 * i + 1]);
    }
    free(idx);
    free(out);
    return rc;
}

static int found_green(const struct walk *w)
{
    for (size_t i = 0; i < w->nent; i++)
        if (w->ent[i].state == ENT_GREEN)
            return 1;
    return 0;
}

/* ---- result ---- */

static json_object *commit_summary(json_object *c)
{
    json_object *o = json_object_new_object();
    json_object *inner = rk_json_obj(c, "commit");
    const char *date = rk_json_str(rk_json_obj(inner, "committer"), "date");
    rk_json_set_str(o, "sha", rk_json_str(c, "sha"));
    rk_json_set_str(o, "date", date ? date : rk_json_str(rk_json_obj(inner, "author"), "date"));
    rk_json_set_str(o, "url", rk_json_str(c, "html_url"));
    return o;
}

static void make_result(struct walk *w, struct rk_walk_result *r)
{
    size_t k = 0;
    while (k < w->nent && w->ent[k].state != ENT_GREEN)
        k++;
    r->passed_over = json_object_new_array();
    for (size_t i = 0; i < k; i++) {
        json_object *o = commit_summary(w->ent[i].commit);
        rk_json_set(o, "reasons", json_object_get(w->ent[i].reasons));
        json_object_array_add(r->passed_over, o);
    }
    r->examined = (int)w->nent;
    if (k < w->nent) {
        r->commit = commit_summary(w->ent[k].commit);
        r->depth = (int)k;
        r->examined = (int)k + 1;
        r->stop = NULL;
    }
}

static int walk_setup(struct walk *w)
{
    size_t nwf = rk_reqs_count(w->o->reqs, RK_REQ_WORKFLOW);
    w->by_sha = json_object_new_object();
    w->wf = calloc(nwf ? nwf : 1, sizeof(*w->wf));
    if (!w->wf)
        return rk_err_set(w->e, RK_SYSTEM, "out of memory");
    for (size_t i = 0; i < w->o->reqs->n; i++) {
        if (w->o->reqs->v[i].kind != RK_REQ_WORKFLOW)
            continue;
        w->wf[w->nwf].req = &w->o->reqs->v[i];
        w->wf[w->nwf].runs = json_object_new_array();
        w->wf[w->nwf].oldest = (time_t)-1;
        w->nwf++;
    }
    w->batch = 1;
    return 0;
}

static void walk_release(struct walk *w)
{
    for (size_t i = 0; i < w->nwf; i++)
        json_object_put(w->wf[i].runs);
    free(w->wf);
    for (size_t i = 0; i < w->nent; i++)
        json_object_put(w->ent[i].reasons);
    free(w->ent);
    if (w->by_sha)
        json_object_put(w->by_sha);
}

/* a commit sha: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits */
static int sha_ok(const char *s)
{
    size_t n = 0;
    while (s && ((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
        n++;
    return s && !s[n] && (n == 40 || n == 64);
}

/* A listed commit whose sha is not a sha is never judged nor echoed: refused (RK_REMOTE) when
 * its checks would be requested (the sha goes into a request path), else the walk ends there
 * with a warning. 1: c is usable. */
static int check_sha(struct walk *w, json_object *c)
{
    const char *sha = rk_json_str(c, "sha");
    if (sha_ok(sha))
        return 1;
    sha = sha ? sha : "";
    if (rk_reqs_need_check_runs(w->o->reqs) || rk_reqs_need_statuses(w->o->reqs))
        return rk_err_set(w->e, RK_REMOTE, "invalid sha '%s' in the commits list", sha);
    rk_log_warn("invalid sha '%s' in the commits list: the walk ends there", sha);
    return 0;
}

/* Judge one more commit. 1: the walk is over (green found or a bound reached), 0: go on. */
static int step(struct walk *w, struct rk_walk_result *r)
{
    int max_par = w->o->max_parallel > 0 ? w->o->max_parallel : 8;
    struct entry *en;
    json_object *c;
    time_t when;
    int ok;
    if (chain_next(w, &c) < 0)
        return -1;
    if (c && (int)w->nent < w->o->max_commits && (ok = check_sha(w, c)) <= 0) {
        if (ok < 0)
            return -1;
        c = NULL; /* the end of the usable history */
    }
    if (!c || (int)w->nent >= w->o->max_commits)
        r->stop = c ? "max-commits" : w->unlisted && w->o->since > 0 ? "since" : "history";
    else if (w->o->since > 0 && (when = commit_time(c)) != (time_t)-1 && when < w->o->since)
        r->stop = "since";
    if (r->stop)
        return flush_pending(w) < 0 ? -1 : 1;
    when = commit_time(c);
    if (ensure_runs(w, when) < 0 || add_entry(w, c) < 0)
        return -1;
    en = &w->ent[w->nent - 1];
    if (!judge_workflows(w, en))
        return 0;
    if (!rk_reqs_need_check_runs(w->o->reqs) && !rk_reqs_need_statuses(w->o->reqs)) {
        en->state = ENT_GREEN;
        return 1;
    }
    en->state = ENT_PENDING;
    if ((int)count_pending(w, NULL) < w->batch)
        return 0;
    if (flush_pending(w) < 0)
        return -1;
    w->batch = w->batch * 2 > max_par ? max_par : w->batch * 2;
    return found_green(w);
}

int rk_walk_green(struct rk_github *g, const struct rk_walk_opts *o, struct rk_walk_result *r,
                  struct rk_err *e)
{
    struct walk w;
    int *all = NULL, rc = -1, s;
    memset(&w, 0, sizeof(w));
    w.g = g;
    w.o = o;
    w.e = e;
    rk_walk_result_init(r);
    if (walk_setup(&w) < 0)
        goto out;
    all = calloc(w.nwf ? w.nwf : 1, sizeof(int));
    if (!all) {
        rk_err_set(e, RK_SYSTEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < w.nwf; i++)
        all[i] = 1;
    if (fetch_round(&w, 1, all) < 0)
        goto out;
    while ((s = step(&w, r)) == 0)
        ;
    if (s < 0)
        goto out;
    if (found_green(&w))
        r->stop = NULL;
    make_result(&w, r);
    rc = 0;
out:
    free(all);
    walk_release(&w);
    if (rc < 0)
        rk_walk_result_release(r);
    return rc;
}
