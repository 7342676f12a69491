/* prune.c - gh-release prune: retention of pre-releases.
 *
 * Candidates: pre-releases (and drafts with --include-drafts) whose tag matches --tag-regex.
 * The newest --keep of them stay whatever their age; of the rest, those older than
 * --older-than go. A stable release (neither draft nor pre-release) and the latest release
 * are never candidates, and each release is read again just before it is deleted, so one
 * promoted meanwhile is spared. --cleanup-tag deletes the tag too when no release is left
 * on it, and, with --tag-regex, the matching tags older than --older-than that carry no
 * release at all (prune_tags.c): a re-run deletes the tag a failed or killed run left. */
#include "ghr.h"
#include "jsonio.h"
#include "log.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct victim {
    json_object *rel; /* borrowed from the listing (read-only in workers) */
    int tag_too;      /* delete the tag as well */
    const char *done; /* "deleted", "spared", or NULL when it failed */
    int tag_deleted;
};

static int candidate(const struct ghr_opts *o, json_object *rel, int64_t latest, regex_t *rx)
{
    const char *tag = rk_json_str(rel, "tag_name");
    int draft = rk_json_bool(rel, "draft", 0), pre = rk_json_bool(rel, "prerelease", 0);
    if (rk_json_int(rel, "id", 0) == latest)
        return 0;
    if (draft ? !o->include_drafts : !pre)
        return 0;
    return !rx || (tag && regexec(rx, tag, 0, NULL, 0) == 0);
}

static int newest_first(const void *a, const void *b)
{
    time_t x = 0, y = 0;
    rk_release_time(*(json_object *const *)a, &x);
    rk_release_time(*(json_object *const *)b, &y);
    return x < y ? 1 : x > y ? -1 : 0;
}

/* the releases to delete (borrowed from list), newest first */
static int choose(struct ghr *g, json_object *list, int64_t latest, json_object *out,
                  struct rk_err *e)
{
    regex_t rx;
    json_object *cands = json_object_new_array();
    size_t n = json_object_array_length(list), m;
    time_t now = time(NULL);
    int have_rx = g->opts.tag_regex != NULL;
    if (have_rx && ghr_regex(g->opts.tag_regex, &rx, e) < 0) {
        json_object_put(cands);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *rel = json_object_array_get_idx(list, i);
        if (candidate(&g->opts, rel, latest, have_rx ? &rx : NULL))
            json_object_array_add(cands, json_object_get(rel));
    }
    json_object_array_sort(cands, newest_first);
    m = json_object_array_length(cands);
    for (size_t i = g->opts.keep > 0 ? (size_t)g->opts.keep : 0; i < m; i++) {
        json_object *rel = json_object_array_get_idx(cands, i);
        int64_t age = 0;
        if (ghr_release_age(rel, now, &age) == 0 && age > g->opts.older_than)
            json_object_array_add(out, json_object_get(rel));
    }
    if (have_rx)
        regfree(&rx);
    json_object_put(cands);
    return 0;
}

/* still a pre-release (or draft) right now? */
static int still_candidate(struct ghr *g, struct rk_github *gh, struct victim *v, struct rk_err *e)
{
    json_object *now = NULL;
    int ok;
    if (rk_release_get(gh, &g->repo, rk_json_int(v->rel, "id", 0), &now, e) < 0)
        return -1;
    ok = now && (rk_json_bool(now, "draft", 0) ? g->opts.include_drafts
                                               : rk_json_bool(now, "prerelease", 0));
    json_object_put(now);
    return ok;
}

static int prune_job(struct ghr *g, struct rk_github *gh, void *item, struct rk_err *e)
{
    struct victim *v = item;
    const char *tag = rk_json_str(v->rel, "tag_name");
    char *path;
    int ok = still_candidate(g, gh, v, e), rc;
    if (ok <= 0) {
        v->done = ok == 0 ? "spared" : NULL;
        if (ok == 0)
            rk_log_warn("release '%s' changed since it was listed: kept", tag);
        return ok;
    }
    path = ghr_path(g, "/releases/%lld", (long long)rk_json_int(v->rel, "id", 0));
    rc = path ? rk_github_json(gh, "DELETE", path, NULL, RK_GH_ALLOW_404, NULL, NULL, e)
              : rk_err_set(e, RK_SYSTEM, "out of memory");
    free(path);
    if (rc == 0 && v->tag_too && tag) {
        rc = ghr_delete_tag(g, gh, tag, e);
        v->tag_deleted = rc == 0;
    }
    if (rc == 0) {
        v->done = "deleted";
        rk_log_verbose("deleted release '%s'", tag);
    }
    return rc;
}

/* another release (not being deleted) still carries tag */
static int tag_in_use(json_object *list, json_object *victims, const char *tag)
{
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object *rel = json_object_array_get_idx(list, i);
        const char *t = rk_json_str(rel, "tag_name");
        int64_t id = rk_json_int(rel, "id", 0);
        int going = 0;
        if (!t || strcmp(t, tag) != 0)
            continue;
        for (size_t k = 0; k < json_object_array_length(victims); k++)
            going |= rk_json_int(json_object_array_get_idx(victims, k), "id", 0) == id;
        if (!going)
            return 1;
    }
    return 0;
}

static json_object *entry(struct victim *v, int dry)
{
    json_object *o = rk_release_summary(v->rel);
    rk_json_set_str(o, "action", dry ? "delete" : v->done ? v->done : "failed");
    rk_json_set_bool(o, dry ? "delete_tag" : "tag_deleted", dry ? v->tag_too : v->tag_deleted);
    return o;
}

/* done: the entries of the deleted releases (--dry-run: of those to delete); tags: the names
 * of the tags deleted with them */
static int run_deletes(struct ghr *g, json_object *list, json_object *victims, json_object *done,
                       json_object *tags, struct rk_err *e)
{
    size_t n = json_object_array_length(victims);
    struct victim *vs = calloc(n ? n : 1, sizeof(*vs));
    int rc = vs ? 0 : rk_err_set(e, RK_SYSTEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        vs[i].rel = json_object_array_get_idx(victims, i);
        vs[i].tag_too = g->opts.cleanup_tag && rk_json_str(vs[i].rel, "tag_name") &&
                        !tag_in_use(list, victims, rk_json_str(vs[i].rel, "tag_name"));
    }
    if (rc == 0 && !g->cli.dry_run)
        rc = ghr_pool_run(g, GHR_JOBS_DEFAULT, vs, sizeof(*vs), n, prune_job, e);
    for (size_t i = 0; vs && i < n; i++) {
        if (g->cli.dry_run || (vs[i].done && strcmp(vs[i].done, "deleted") == 0))
            json_object_array_add(done, entry(&vs[i], g->cli.dry_run));
        if (vs[i].tag_deleted)
            json_object_array_add(tags, json_object_new_string(rk_json_str(vs[i].rel, "tag_name")));
    }
    free(vs);
    return rc;
}

/* "deleted", "deleted_tags" and, with --dry-run, the "plan" (done and tags: owned) */
static void prune_output(struct ghr *g, json_object *done, json_object *tags)
{
    if (g->cli.dry_run) {
        ghr_set_plan(g, done);
        json_object_put(tags);
        rk_json_set(g->ctx, "deleted", json_object_new_array());
        rk_json_set(g->ctx, "deleted_tags", json_object_new_array());
        return;
    }
    rk_json_set(g->ctx, "deleted", done);
    rk_json_set(g->ctx, "deleted_tags", tags);
}

int ghr_prune(struct ghr *g, struct rk_err *e)
{
    json_object *list = NULL, *victims, *done, *tags;
    int64_t latest = 0;
    int rc;
    if (g->opts.older_than < 0)
        return rk_err_set(e, RK_USAGE, "prune needs --older-than AGE (e.g. 180d)");
    if (!g->cli.dry_run && !g->opts.yes && !g->in_ci)
        return rk_err_set(e, RK_USAGE,
                          "prune deletes releases: confirm with --yes (or look "
                          "first with --dry-run)");
    if (ghr_list_releases(g, &list, NULL, e) < 0)
        return -1;
    victims = json_object_new_array();
    done = json_object_new_array();
    tags = json_object_new_array();
    rc = rk_release_latest_id(&g->gh, &g->repo, &latest, e);
    if (rc == 0)
        rc = choose(g, list, latest, victims, e);
    if (rc == 0)
        rc = run_deletes(g, list, victims, done, tags, e);
    if (rc == 0)
        rk_log_info("%s %zu release%s", g->cli.dry_run ? "would delete" : "deleted",
                    json_object_array_length(victims),
                    json_object_array_length(victims) == 1 ? "" : "s");
    /* tags a failed or killed run left behind, and candidate tags never released */
    if (rc == 0 && g->opts.cleanup_tag && g->opts.tag_regex)
        rc = ghr_prune_tags(g, list, done, tags, e);
    else if (rc == 0 && g->opts.cleanup_tag)
        rk_log_verbose("no --tag-regex: tags without a release are left alone");
    prune_output(g, done, tags);
    json_object_put(victims);
    json_object_put(list);
    return rc;
}
