/* prune_tags.c - gh-release prune --cleanup-tag: the tags left without a release.
 *
 * A run that failed or was killed after a release DELETE took effect, or whose tag DELETE
 * failed, leaves a tag that no release carries any more; so does a candidate tag whose
 * pipeline never created its release. With --cleanup-tag and --tag-regex, prune deletes
 * every tag that matches the regex, that no release carries (drafts included: the listing
 * the release retention used) and that is older than --older-than. A tag's age counts from
 * its tagger date (annotated tag), else from its commit's committer date (lightweight tag).
 * Without --tag-regex nothing tells a pre-release tag from any other: no such tag is touched.
 *
 * Requests: one GET git/matching-refs/tags/PREFIX (PREFIX: the regex's literal start, "^iree-"
 * gives "iree-"), paginated; then, for the matching tags without a release only, one GET of
 * the tag object or the commit (its date); then, for each tag to delete, GET
 * releases/tags/TAG (a release published on it meanwhile spares it) and the DELETE. */
#include "ghr.h"
#include "jsonio.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct orphan {
    char *tag;          /* owned */
    char *sha;          /* owned: the ref's object */
    int annotated;      /* the ref points to a tag object */
    char date[40];      /* the tag's date as GitHub gives it, "" when unknown */
    const char *status; /* the job's result: "deleted", "spared", NULL when it failed */
};

struct orphans {
    struct orphan *v;
    size_t n;
};

static void orphans_release(struct orphans *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free(o->v[i].tag);
        free(o->v[i].sha);
    }
    free(o->v);
    o->v = NULL;
    o->n = 0;
}

int ghr_delete_tag(struct ghr *g, struct rk_github *gh, const char *tag, struct rk_err *e)
{
    char *esc = rk_url_escape(tag), *path = esc ? ghr_path(g, "/git/refs/tags%%2F%s", esc) : NULL;
    long status = 0;
    int rc = path ? rk_github_json(gh, "DELETE", path, NULL, RK_GH_ALLOW_404, NULL, &status, e)
                  : rk_err_set(e, RK_SYSTEM, "out of memory");
    free(esc);
    free(path);
    if (rc < 0 && status == 422) { /* already gone */
        rk_err_clear(e);
        rc = 0;
    }
    return rc;
}

/* The literal start every tag matching the extended regex re has ("" when none can be told):
 * "^iree-[0-9.]+rc" -> "iree-". An alternation anywhere, or no "^", gives "". */
static void regex_prefix(const char *re, char *out, size_t n)
{
    size_t k = 0;
    out[0] = '\0';
    if (re[0] != '^' || strchr(re, '|'))
        return;
    for (re++; *re && k + 1 < n && !strchr(".[]()*+?{}|^$\\", *re); re++)
        out[k++] = *re;
    if ((*re == '*' || *re == '?' || *re == '{') && k > 0)
        k--; /* the last literal is optional or repeated: not part of the prefix */
    out[k] = '\0';
}

static int add_orphan(struct orphans *o, const char *tag, const char *sha, int annotated)
{
    struct orphan *v = realloc(o->v, (o->n + 1) * sizeof(*v));
    if (!v)
        return -1;
    o->v = v;
    memset(&v[o->n], 0, sizeof(v[o->n]));
    v[o->n].tag = strdup(tag);
    v[o->n].sha = strdup(sha);
    v[o->n].annotated = annotated;
    o->n++;
    return v[o->n - 1].tag && v[o->n - 1].sha ? 0 : -1;
}

/* the tags matching the regex that no release in list (borrowed) carries */
static int find_orphans(struct ghr *g, json_object *list, regex_t *rx, struct orphans *o,
                        struct rk_err *e)
{
    json_object *refs = NULL, *used;
    char prefix[256];
    size_t n;
    int rc = 0;
    regex_prefix(g->opts.tag_regex, prefix, sizeof(prefix));
    if (rk_github_list_tags(&g->gh, g->repo.path, prefix, &refs, e) < 0)
        return -1;
    used = rk_release_tag_set(list);
    n = json_object_array_length(refs);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        json_object *ref = json_object_array_get_idx(refs, i);
        const char *name = rk_json_str(ref, "name"), *type = rk_json_str(ref, "type");
        const char *sha = rk_json_str(ref, "sha");
        if (!name || !type || !sha)
            continue;
        if (regexec(rx, name, 0, NULL, 0) != 0 || json_object_object_get_ex(used, name, NULL))
            continue;
        if (strcmp(type, "commit") != 0 && strcmp(type, "tag") != 0)
            continue;
        if (add_orphan(o, name, sha, strcmp(type, "tag") == 0) < 0)
            rc = rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    json_object_put(refs);
    json_object_put(used);
    return rc;
}

/* each orphan's date: the tag object's tagger, else the commit's committer */
static int fetch_dates(struct ghr *g, struct orphans *o, struct rk_err *e)
{
    char **paths = calloc(o->n ? o->n : 1, sizeof(*paths));
    json_object **outs = calloc(o->n ? o->n : 1, sizeof(*outs));
    int rc = paths && outs ? 0 : rk_err_set(e, RK_SYSTEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < o->n; i++) {
        char *esc = rk_url_escape(o->v[i].sha);
        paths[i] =
            esc ? ghr_path(g, o->v[i].annotated ? "/git/tags/%s" : "/git/commits/%s", esc) : NULL;
        free(esc);
        if (!paths[i])
            rc = rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    if (rc == 0 && o->n)
        rc = rk_github_get_many(&g->gh, (const char *const *)paths, o->n, 0, RK_GH_ALLOW_404, outs,
                                NULL, e);
    for (size_t i = 0; rc == 0 && i < o->n; i++) {
        json_object *who = rk_json_obj(outs[i], o->v[i].annotated ? "tagger" : "committer");
        const char *d = rk_json_str(who, "date");
        snprintf(o->v[i].date, sizeof(o->v[i].date), "%s", d ? d : "");
    }
    for (size_t i = 0; paths && outs && i < o->n; i++) {
        free(paths[i]);
        json_object_put(outs[i]);
    }
    free(paths);
    free(outs);
    return rc;
}

/* keep only the orphans older than --older-than */
static void keep_old(struct ghr *g, struct orphans *o)
{
    time_t now = time(NULL), t;
    size_t k = 0;
    for (size_t i = 0; i < o->n; i++) {
        int old = rk_time_parse(o->v[i].date, &t) == 0 && (int64_t)(now - t) > g->opts.older_than;
        if (!old && !o->v[i].date[0])
            rk_log_verbose("tag '%s' has no date: kept", o->v[i].tag);
        if (old) {
            o->v[k++] = o->v[i];
            continue;
        }
        free(o->v[i].tag);
        free(o->v[i].sha);
    }
    o->n = k;
}

/* the tag still has no release (a published one found by GET releases/tags/TAG)? */
static int orphan_job(struct ghr *g, struct rk_github *gh, void *item, struct rk_err *e)
{
    struct orphan *v = item;
    char *esc = rk_url_escape(v->tag), *path = esc ? ghr_path(g, "/releases/tags/%s", esc) : NULL;
    json_object *rel = NULL;
    int rc = path ? rk_github_json(gh, "GET", path, NULL, RK_GH_ALLOW_404 | RK_GH_NO_CACHE, &rel,
                                   NULL, e)
                  : rk_err_set(e, RK_SYSTEM, "out of memory");
    free(esc);
    free(path);
    if (rc == 0 && rel) {
        rk_log_warn("tag '%s' got a release since it was listed: kept", v->tag);
        v->status = "spared";
    } else if (rc == 0 && (rc = ghr_delete_tag(g, gh, v->tag, e)) == 0) {
        v->status = "deleted";
        rk_log_verbose("deleted tag '%s' (no release)", v->tag);
    }
    json_object_put(rel);
    return rc;
}

static json_object *plan_entry(const struct orphan *v)
{
    json_object *o = json_object_new_object();
    rk_json_set_str(o, "tag", v->tag);
    rk_json_set_str(o, "action", "delete_tag");
    rk_json_set_str(o, "sha", v->sha);
    rk_json_set_str(o, "date", v->date);
    return o;
}

int ghr_prune_tags(struct ghr *g, json_object *list, json_object *plan, json_object *tags,
                   struct rk_err *e)
{
    struct orphans o = {NULL, 0};
    regex_t rx;
    size_t done = 0;
    int rc;
    if (ghr_regex(g->opts.tag_regex, &rx, e) < 0)
        return -1;
    rc = find_orphans(g, list, &rx, &o, e);
    regfree(&rx);
    if (rc == 0)
        rc = fetch_dates(g, &o, e);
    if (rc == 0)
        keep_old(g, &o);
    if (rc == 0 && !g->cli.dry_run)
        rc = ghr_pool_run(g, GHR_JOBS_DEFAULT, o.v, sizeof(*o.v), o.n, orphan_job, e);
    for (size_t i = 0; i < o.n; i++) {
        if (g->cli.dry_run)
            json_object_array_add(plan, plan_entry(&o.v[i]));
        else if (o.v[i].status && strcmp(o.v[i].status, "deleted") == 0 && ++done)
            json_object_array_add(tags, json_object_new_string(o.v[i].tag));
    }
    if (rc == 0 && o.n)
        rk_log_info("%s %zu tag%s without a release", g->cli.dry_run ? "would delete" : "deleted",
                    g->cli.dry_run ? o.n : done, (g->cli.dry_run ? o.n : done) == 1 ? "" : "s");
    orphans_release(&o);
    return rc;
}
