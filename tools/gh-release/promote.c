/* promote.c - gh-release promote: a candidate release becomes a stable one in one command.
 *
 *   1. the stable tag (v{version}) at the candidate's commit (created, or found there)
 *   2. the stable release as a draft (found by tag, drafts included, or created)
 *   3. the --copy assets copied from the candidate, the retagged wheels uploaded
 *   4. the release published: name, notes, not a pre-release, latest
 * Every step finds what an earlier run did, so a re-run after a failure or a kill finishes
 * the job; the release is visible only once complete (it stays a draft until step 4). */
#include "ghr.h"
#include "jsonio.h"
#include "log.h"
#include "pep440.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct promo {
    const char *from;
    char version[RK_PEP440_MAX_TEXT];
    char wheel_version[RK_PEP440_MAX_TEXT]; /* the retagged wheels' common version, or "" */
    char tag[300];
    char title[512];
    char *notes;
    char *sha;         /* the candidate's commit */
    json_object *cand; /* the candidate release */
    json_object *sel;  /* the candidate's assets to copy */
    json_object *rel;  /* the stable release */
    struct ghr_files wheels;
};

static int final_version(const char *text, char *out, size_t n, struct rk_err *e)
{
    struct rk_pep440 v;
    if (rk_pep440_parse(text, &v, e) < 0)
        return -1;
    rk_pep440_make_final(&v);
    return rk_pep440_format(&v, out, n);
}

/* the one version every wheel of arr (wheel-retag's "wheels") has now, made final; "" when
 * they have none or disagree */
static void wheels_version(json_object *arr, char *out, size_t n)
{
    size_t len = arr ? json_object_array_length(arr) : 0;
    char v[RK_PEP440_MAX_TEXT];
    struct rk_err ignore;
    out[0] = '\0';
    for (size_t i = 0; i < len; i++) {
        const char *w = rk_json_str(json_object_array_get_idx(arr, i), "version");
        rk_err_clear(&ignore);
        if (!w || final_version(w, v, sizeof(v), &ignore) < 0 || (out[0] && strcmp(out, v))) {
            if (out[0])
                rk_log_verbose("the wheels have different versions: the version is not theirs");
            out[0] = '\0';
            return;
        }
        snprintf(out, n, "%s", v);
    }
}

/* --release-version; else the context's "version" (mk-candidate-tag's candidate version) made
 * final; else the version all the retagged wheels have; else the candidate tag's made final */
static int pick_version(struct ghr *g, struct promo *p, struct rk_err *e)
{
    const char *t = p->from, *cv = rk_json_str(g->ctx, "version");
    struct rk_err ignore;
    if (g->opts.version) {
        struct rk_pep440 v;
        if (rk_pep440_parse(g->opts.version, &v, e) < 0)
            return -1;
        return rk_pep440_format(&v, p->version, sizeof(p->version)) < 0 ? -1 : 0;
    }
    if (cv) {
        if (final_version(cv, p->version, sizeof(p->version), e) < 0)
            return rk_err_prefix(e, "the context's \"version\"");
        return 0;
    }
    if (p->wheel_version[0]) {
        snprintf(p->version, sizeof(p->version), "%s", p->wheel_version);
        return 0;
    }
    while (*t && !isdigit((unsigned char)*t))
        t++;
    rk_err_clear(&ignore);
    if (*t && final_version(t, p->version, sizeof(p->version), &ignore) == 0)
        return 0;
    return rk_err_set(e, RK_INPUT, "no version in tag '%s': give --release-version", p->from);
}

static int wheel_inputs(struct ghr *g, struct promo *p, struct rk_err *e)
{
    json_object *src = g->ctx, *arr, *doc = NULL;
    int rc = 0;
    if (g->opts.wheels && rk_context_read(g->opts.wheels, "wheels", &doc, e) < 0)
        return -1;
    if (doc)
        src = doc;
    arr = rk_json_array(src, "wheels");
    if (!arr)
        arr = rk_json_array(src, "files");
    if (arr)
        rc = ghr_files_add_json(&p->wheels, arr, "wheels", NULL, e);
    wheels_version(rk_json_array(src, "wheels"), p->wheel_version, sizeof(p->wheel_version));
    json_object_put(doc);
    if (rc == 0 && !arr)
        rk_log_warn("no wheels given (\"wheels\" or \"files\" on stdin): none uploaded");
    return rc < 0 ? -1 : ghr_files_check_names(&p->wheels, e);
}

static int inputs(struct ghr *g, struct promo *p, struct rk_err *e)
{
    json_object *rel = rk_json_obj(g->ctx, "release");
    p->from = g->opts.from;
    if (!p->from && g->opts.args.n)
        p->from = g->opts.args.v[0];
    if (!p->from && rel)
        p->from = ghr_keep(g, rk_json_str(rel, "tag"));
    if (!p->from)
        p->from = ghr_keep(g, rk_json_str(g->ctx, "tag"));
    if (!p->from)
        return rk_err_set(e, RK_USAGE, "no candidate: give --from TAG");
    if (rk_tag_check(p->from, e) < 0 || wheel_inputs(g, p, e) < 0 || pick_version(g, p, e) < 0)
        return -1;
    snprintf(p->tag, sizeof(p->tag), "%s", g->opts.tag ? g->opts.tag : "");
    if (!g->opts.tag)
        snprintf(p->tag, sizeof(p->tag), "v%s", p->version);
    if (rk_tag_check(p->tag, e) < 0)
        return -1;
    if (strcmp(p->tag, p->from) == 0)
        return rk_err_set(e, RK_USAGE, "the stable tag '%s' is the candidate's", p->tag);
    snprintf(p->title, sizeof(p->title), "%s", g->opts.name ? g->opts.name : "");
    if (!g->opts.name)
        snprintf(p->title, sizeof(p->title), "Release v%s", p->version);
    return ghr_read_notes(g, &p->notes, e);
}

/* the candidate's assets matching --copy; every pattern must match one */
static int select_copies(struct ghr *g, struct promo *p, struct rk_err *e)
{
    json_object *assets = NULL;
    size_t n;
    if (ghr_assets_now(g, &g->gh, p->cand, &assets, e) < 0)
        return -1;
    p->sel = json_object_new_array();
    n = json_object_array_length(assets);
    for (size_t k = 0; k < g->opts.copy.n; k++) {
        int hit = 0;
        for (size_t i = 0; i < n; i++) {
            json_object *a = json_object_array_get_idx(assets, i);
            const char *name = rk_json_str(a, "name");
            if (!name || !rk_asset_complete(a) || fnmatch(g->opts.copy.v[k], name, 0) != 0)
                continue;
            hit = 1;
            if (!rk_asset_find(p->sel, name))
                json_object_array_add(p->sel, json_object_get(a));
        }
        if (!hit) {
            json_object_put(assets);
            return rk_err_set(e, RK_REMOTE, "no asset of '%s' matches --copy '%s'", p->from,
                              g->opts.copy.v[k]);
        }
    }
    json_object_put(assets);
    for (size_t i = 0; i < p->wheels.n; i++)
        if (rk_asset_find(p->sel, p->wheels.v[i].name))
            return rk_err_set(e, RK_INPUT, "'%s' is both copied and uploaded", p->wheels.v[i].name);
    return 0;
}

static int candidate(struct ghr *g, struct promo *p, struct rk_err *e)
{
    const char *target;
    if (ghr_need_release(g, p->from, &p->cand, e) < 0)
        return -1;
    if (ghr_tag_commit(g, p->from, &p->sha, e) < 0)
        return -1;
    target = rk_json_str(p->cand, "target_commitish");
    if (!p->sha && target && ghr_resolve_commit(g, target, &p->sha, e) < 0)
        return -1;
    if (!p->sha)
        return rk_err_set(e, RK_REMOTE, "no commit for candidate '%s'", p->from);
    return select_copies(g, p, e);
}

static struct ghr_release_spec spec_of(struct ghr *g, struct promo *p, int draft)
{
    struct ghr_release_spec s = {p->tag, p->sha, p->title, p->notes, NULL, draft, 0};
    s.latest = g->opts.latest ? g->opts.latest : "true";
    return s;
}

static int stable_release(struct ghr *g, struct promo *p, struct rk_err *e)
{
    struct ghr_release_spec s = spec_of(g, p, 1);
    if (ghr_ensure_tag(g, p->tag, p->sha, e) < 0)
        return -1;
    if (rk_release_find(&g->gh, &g->repo, p->tag, &p->rel, e) < 0 ||
        ghr_settle_release(g, p->tag, &p->rel, e) < 0)
        return -1;
    if (p->rel) {
        rk_log_info("resuming the promotion into release '%s' (id %lld)", p->tag,
                    (long long)rk_json_int(p->rel, "id", 0));
        return 0;
    }
    s.latest = NULL; /* applied when publishing */
    return ghr_create_release(g, &s, &p->rel, e);
}

static int transfer(struct ghr *g, struct promo *p, struct rk_err *e)
{
    struct ghr_upload u = {p->rel, NULL, g->opts.clobber};
    json_object *out = json_object_new_array();
    int rc = ghr_assets_now(g, &g->gh, p->rel, &u.assets, e);
    if (rc == 0)
        rc = ghr_copy_assets(g, &u, p->sel, out, e);
    if (rc == 0 && p->wheels.n) {
        rc = ghr_upload_files(g, &u, &p->wheels, g->opts.jobs, e);
        for (size_t i = 0; i < p->wheels.n; i++)
            json_object_array_add(out, json_object_get(p->wheels.v[i].result));
    }
    rk_json_set(g->ctx, "assets", out);
    json_object_put(u.assets);
    return rc;
}

static int finish(struct ghr *g, struct promo *p, struct rk_err *e)
{
    struct ghr_release_spec s = spec_of(g, p, 0);
    json_object *body = ghr_release_body(&s, 0), *upd = NULL;
    char *path = ghr_path(g, "/releases/%lld", (long long)rk_json_int(p->rel, "id", 0));
    int rc = path ? rk_github_json(&g->gh, "PATCH", path, body, 0, &upd, NULL, e)
                  : rk_err_set(e, RK_SYSTEM, "out of memory");
    free(path);
    json_object_put(body);
    if (rc == 0 && upd) {
        json_object_put(p->rel);
        p->rel = upd;
    }
    return rc;
}

static json_object *plan(struct ghr *g, struct promo *p)
{
    json_object *o = json_object_new_object(), *c = json_object_new_object();
    struct ghr_release_spec s = spec_of(g, p, 0);
    json_object *copies = json_object_new_array();
    struct ghr_upload u = {NULL, NULL, g->opts.clobber};
    rk_json_set_str(c, "tag", p->from);
    rk_json_set_int(c, "id", rk_json_int(p->cand, "id", 0));
    rk_json_set_str(c, "commit", p->sha);
    rk_json_set(o, "candidate", c);
    rk_json_set_str(o, "tag", p->tag);
    rk_json_set_str(o, "version", p->version);
    rk_json_set(o, "release", ghr_release_body(&s, 1));
    for (size_t i = 0; i < json_object_array_length(p->sel); i++)
        json_object_array_add(copies, rk_asset_summary(json_object_array_get_idx(p->sel, i)));
    rk_json_set(o, "copy", copies);
    rk_json_set(o, "upload", ghr_upload_plan(&u, &p->wheels));
    return o;
}

static int hash_wheels(struct ghr_files *w, struct rk_err *e)
{
    for (size_t i = 0; i < w->n; i++)
        if (ghr_file_hash(&w->v[i], e) < 0)
            return -1;
    return 0;
}

static int run(struct ghr *g, struct promo *p, struct rk_err *e)
{
    if (inputs(g, p, e) < 0 || candidate(g, p, e) < 0)
        return -1;
    rk_json_set(g->ctx, "candidate", rk_release_summary(p->cand));
    rk_json_set_str(g->ctx, "version", p->version);
    if (g->cli.dry_run) {
        if (hash_wheels(&p->wheels, e) < 0)
            return -1;
        ghr_set_plan(g, plan(g, p));
        return 0;
    }
    rk_log_group("promote");
    if (stable_release(g, p, e) < 0 || transfer(g, p, e) < 0 || finish(g, p, e) < 0) {
        rk_log_endgroup();
        return -1;
    }
    rk_log_endgroup();
    rk_json_set(g->ctx, "release", rk_release_summary(p->rel));
    rk_json_set_str(g->ctx, "tag", p->tag);
    g->action = "promoted";
    rk_log_info("promoted '%s' to '%s' (%s)", p->from, p->tag, p->title);
    return 0;
}

int ghr_promote(struct ghr *g, struct rk_err *e)
{
    struct promo p;
    int rc;
    memset(&p, 0, sizeof(p));
    ghr_files_init(&p.wheels);
    rc = run(g, &p, e);
    json_object_put(p.cand);
    json_object_put(p.sel);
    json_object_put(p.rel);
    ghr_files_release(&p.wheels);
    free(p.notes);
    free(p.sha);
    return rc;
}
