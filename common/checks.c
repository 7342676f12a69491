/* checks.c - see checks.h */
#include "checks.h"
#include "err.h"
#include "jsonio.h"
#include "release.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"workflow", "check", "check-regex", "status", "context"};

const char *rk_req_kind_name(enum rk_req_kind kind)
{
    return (unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : "?";
}

void rk_reqs_init(struct rk_reqs *r)
{
    r->v = NULL;
    r->n = 0;
}

void rk_reqs_release(struct rk_reqs *r)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].kind == RK_REQ_CHECK_RE)
            regfree(&r->v[i].re);
        free(r->v[i].name);
    }
    free(r->v);
    rk_reqs_init(r);
}

int rk_reqs_add(struct rk_reqs *r, enum rk_req_kind kind, const char *name, struct rk_err *e)
{
    struct rk_req *nv, *q;
    if (!name || !*name)
        return rk_err_set(e, RK_USAGE, "empty %s name", rk_req_kind_name(kind));
    if (kind == RK_REQ_WORKFLOW && strrchr(name, '/'))
        name = strrchr(name, '/') + 1;
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].kind == kind && strcmp(r->v[i].name, name) == 0)
            return 0;
    nv = realloc(r->v, (r->n + 1) * sizeof(*nv));
    if (!nv)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    r->v = nv;
    q = &r->v[r->n];
    memset(q, 0, sizeof(*q));
    q->kind = kind;
    if (kind == RK_REQ_CHECK_RE) {
        int rc = regcomp(&q->re, name, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char buf[200];
            regerror(rc, &q->re, buf, sizeof(buf));
            return rk_err_set(e, RK_USAGE, "invalid regular expression '%s': %s", name, buf);
        }
    }
    q->name = strdup(name);
    if (!q->name) {
        if (kind == RK_REQ_CHECK_RE)
            regfree(&q->re);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    r->n++;
    return 0;
}

/* contexts of {"contexts": [..], "checks": [{"context": ..}]} or rules' parameters */
static int add_contexts(struct rk_reqs *r, json_object *list, const char *key, struct rk_err *e)
{
    size_t n =
        list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *it = json_object_array_get_idx(list, i);
        const char *name = key ? rk_json_str(it, key) : json_object_get_string(it);
        if (name && *name && rk_reqs_add(r, RK_REQ_CONTEXT, name, e) < 0)
            return -1;
    }
    return 0;
}

static int add_rule(struct rk_reqs *r, json_object *rule, struct rk_err *e)
{
    const char *type = rk_json_str(rule, "type");
    json_object *params = rk_json_obj(rule, "parameters");
    if (!type || !params)
        return 0;
    if (strcmp(type, "required_status_checks") == 0)
        return add_contexts(r, rk_json_array(params, "required_status_checks"), "context", e);
    if (strcmp(type, "workflows") == 0) {
        json_object *wfs = rk_json_array(params, "workflows");
        size_t n = wfs ? json_object_array_length(wfs) : 0;
        for (size_t i = 0; i < n; i++) {
            const char *path = rk_json_str(json_object_array_get_idx(wfs, i), "path");
            if (path && *path && rk_reqs_add(r, RK_REQ_WORKFLOW, path, e) < 0)
                return -1;
        }
    }
    return 0;
}

int rk_reqs_from_rules(struct rk_reqs *r, json_object *rules, json_object *protection,
                       struct rk_err *e)
{
    size_t n =
        rules && json_object_is_type(rules, json_type_array) ? json_object_array_length(rules) : 0;
    for (size_t i = 0; i < n; i++)
        if (add_rule(r, json_object_array_get_idx(rules, i), e) < 0)
            return -1;
    if (protection && json_object_is_type(protection, json_type_object)) {
        json_object *checks = rk_json_array(protection, "checks");
        if (checks && json_object_array_length(checks) > 0)
            return add_contexts(r, checks, "context", e);
        return add_contexts(r, rk_json_array(protection, "contexts"), NULL, e);
    }
    return 0;
}

size_t rk_reqs_count(const struct rk_reqs *r, enum rk_req_kind kind)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++)
        k += r->v[i].kind == kind;
    return k;
}

int rk_reqs_need_check_runs(const struct rk_reqs *r)
{
    return rk_reqs_count(r, RK_REQ_CHECK) + rk_reqs_count(r, RK_REQ_CHECK_RE) +
               rk_reqs_count(r, RK_REQ_CONTEXT) >
           0;
}

int rk_reqs_need_statuses(const struct rk_reqs *r)
{
    return rk_reqs_count(r, RK_REQ_STATUS) + rk_reqs_count(r, RK_REQ_CONTEXT) > 0;
}

json_object *rk_reqs_json(const struct rk_reqs *r)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < r->n; i++) {
        json_object *o = json_object_new_object();
        rk_json_set_str(o, "kind", rk_req_kind_name(r->v[i].kind));
        rk_json_set_str(o, "name", r->v[i].name);
        json_object_array_add(a, o);
    }
    return a;
}

int rk_skip_policy_parse(const char *s, enum rk_skip_policy *out)
{
    if (!s)
        return -1;
    if (strcmp(s, "pass") == 0 || strcmp(s, "success") == 0) {
        *out = RK_SKIP_PASS;
        return 0;
    }
    if (strcmp(s, "fail") == 0 || strcmp(s, "failure") == 0) {
        *out = RK_SKIP_FAIL;
        return 0;
    }
    return -1;
}

enum rk_verdict rk_checks_conclusion(const char *status, const char *conclusion,
                                     enum rk_skip_policy p)
{
    if (status && strcmp(status, "completed") != 0)
        return RK_V_PENDING;
    if (!conclusion)
        return status ? RK_V_PENDING : RK_V_FAILED;
    if (strcmp(conclusion, "success") == 0)
        return RK_V_GREEN;
    if (strcmp(conclusion, "skipped") == 0 || strcmp(conclusion, "neutral") == 0)
        return p == RK_SKIP_PASS ? RK_V_GREEN : RK_V_FAILED;
    return RK_V_FAILED;
}

enum rk_verdict rk_checks_state(const char *state)
{
    if (!state)
        return RK_V_FAILED;
    if (strcmp(state, "success") == 0)
        return RK_V_GREEN;
    if (strcmp(state, "pending") == 0)
        return RK_V_PENDING;
    return RK_V_FAILED;
}

time_t rk_checks_time(json_object *obj, const char *key)
{
    const char *s = rk_json_str(obj, key);
    time_t t;
    if (!s || rk_time_parse(s, &t) < 0)
        return (time_t)-1;
    return t;
}

json_object *rk_checks_newer(json_object *a, json_object *b, const char *time_key)
{
    time_t ta, tb;
    int64_t ia, ib;
    if (!a || !b)
        return a ? a : b;
    ta = rk_checks_time(a, time_key);
    tb = rk_checks_time(b, time_key);
    if (ta != tb)
        return ta > tb ? a : b;
    ia = rk_json_int(a, "id", 0);
    ib = rk_json_int(b, "id", 0);
    if (ia != ib)
        return ia > ib ? a : b;
    return rk_json_int(a, "run_attempt", 1) >= rk_json_int(b, "run_attempt", 1) ? a : b;
}

static const char *verdict_state(enum rk_verdict v, const char *conclusion)
{
    switch (v) {
    case RK_V_GREEN:
        return "success";
    case RK_V_PENDING:
        return "pending";
    case RK_V_MISSING:
        return "missing";
    default:
        return conclusion && *conclusion ? conclusion : "failure";
    }
}

/* reason {required, kind, state, url?} for item req; src (borrowed, may be NULL) gives the url
 * and ids */
static void add_reason(json_object *reasons, const struct rk_req *req, const char *name,
                       enum rk_verdict v, const char *conclusion, json_object *src)
{
    json_object *o;
    const char *url;
    if (!reasons)
        return;
    o = json_object_new_object();
    rk_json_set_str(o, "required", req->name);
    rk_json_set_str(o, "kind", rk_req_kind_name(req->kind));
    if (name && strcmp(name, req->name) != 0)
        rk_json_set_str(o, "name", name);
    rk_json_set_str(o, "state", verdict_state(v, conclusion));
    url = src ? rk_json_str(src, "html_url") : NULL;
    if (!url && src)
        url = rk_json_str(src, "target_url");
    if (!url && src)
        url = rk_json_str(src, "details_url");
    if (url)
        rk_json_set_str(o, "url", url);
    if (src && req->kind == RK_REQ_WORKFLOW) {
        rk_json_set_int(o, "run_id", rk_json_int(src, "id", 0));
        rk_json_set_int(o, "run_attempt", rk_json_int(src, "run_attempt", 1));
    }
    json_object_array_add(reasons, o);
}

enum rk_verdict rk_checks_judge_workflow(const struct rk_req *req, json_object *runs,
                                         const char *sha, enum rk_skip_policy p,
                                         json_object *reasons)
{
    json_object *best = NULL;
    size_t n = runs ? json_object_array_length(runs) : 0;
    enum rk_verdict v;
    for (size_t i = 0; i < n; i++) {
        json_object *run = json_object_array_get_idx(runs, i);
        const char *hs = rk_json_str(run, "head_sha");
        if (hs && strcmp(hs, sha) == 0)
            best = rk_checks_newer(best, run, "created_at");
    }
    if (!best) {
        add_reason(reasons, req, NULL, RK_V_MISSING, NULL, NULL);
        return RK_V_MISSING;
    }
    v = rk_checks_conclusion(rk_json_str(best, "status"), rk_json_str(best, "conclusion"), p);
    if (v != RK_V_GREEN)
        add_reason(reasons, req, NULL, v, rk_json_str(best, "conclusion"), best);
    return v;
}

/* newest check run named name (borrowed) */
static json_object *newest_named(json_object *list, const char *key, const char *name,
                                 const char *time_key)
{
    json_object *best = NULL;
    size_t n = list ? json_object_array_length(list) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *it = json_object_array_get_idx(list, i);
        const char *nm = rk_json_str(it, key);
        if (nm && strcmp(nm, name) == 0)
            best = rk_checks_newer(best, it, time_key);
    }
    return best;
}

static enum rk_verdict judge_check_run(const struct rk_req *req, json_object *cr,
                                       enum rk_skip_policy p, json_object *reasons)
{
    const char *concl = rk_json_str(cr, "conclusion");
    enum rk_verdict v = rk_checks_conclusion(rk_json_str(cr, "status"), concl, p);
    if (v != RK_V_GREEN)
        add_reason(reasons, req, rk_json_str(cr, "name"), v, concl, cr);
    return v;
}

static enum rk_verdict judge_status(const struct rk_req *req, json_object *st, json_object *reasons)
{
    const char *state = rk_json_str(st, "state");
    enum rk_verdict v = rk_checks_state(state);
    if (v != RK_V_GREEN)
        add_reason(reasons, req, NULL, v, state, st);
    return v;
}

/* the worst verdict wins: failed > pending > missing > green */
static enum rk_verdict worse(enum rk_verdict a, enum rk_verdict b)
{
    static const int rank[] = {
        [RK_V_GREEN] = 0, [RK_V_MISSING] = 1, [RK_V_PENDING] = 2, [RK_V_FAILED] = 3};
    return rank[a] >= rank[b] ? a : b;
}

static int name_seen_before(json_object *list, size_t upto, const char *name)
{
    for (size_t j = 0; j < upto; j++) {
        const char *nm = rk_json_str(json_object_array_get_idx(list, j), "name");
        if (nm && strcmp(nm, name) == 0)
            return 1;
    }
    return 0;
}

static enum rk_verdict judge_regex(const struct rk_req *req, json_object *check_runs,
                                   enum rk_skip_policy p, json_object *reasons)
{
    size_t n = check_runs ? json_object_array_length(check_runs) : 0;
    enum rk_verdict v = RK_V_GREEN;
    int matched = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = rk_json_str(json_object_array_get_idx(check_runs, i), "name");
        json_object *cr;
        if (!name || regexec(&req->re, name, 0, NULL, 0) != 0 ||
            name_seen_before(check_runs, i, name))
            continue;
        matched = 1;
        cr = newest_named(check_runs, "name", name, "started_at");
        v = worse(v, judge_check_run(req, cr, p, reasons));
    }
    if (!matched) {
        add_reason(reasons, req, NULL, RK_V_MISSING, NULL, NULL);
        return RK_V_MISSING;
    }
    return v;
}

enum rk_verdict rk_checks_judge_item(const struct rk_req *req, json_object *check_runs,
                                     json_object *statuses, enum rk_skip_policy p,
                                     json_object *reasons)
{
    json_object *cr = NULL, *st = NULL;
    if (req->kind == RK_REQ_CHECK_RE)
        return judge_regex(req, check_runs, p, reasons);
    if (req->kind == RK_REQ_CHECK || req->kind == RK_REQ_CONTEXT)
        cr = newest_named(check_runs, "name", req->name, "started_at");
    if (cr)
        return judge_check_run(req, cr, p, reasons);
    if (req->kind == RK_REQ_STATUS || req->kind == RK_REQ_CONTEXT)
        st = newest_named(statuses, "context", req->name, "updated_at");
    if (st)
        return judge_status(req, st, reasons);
    add_reason(reasons, req, NULL, RK_V_MISSING, NULL, NULL);
    return RK_V_MISSING;
}
