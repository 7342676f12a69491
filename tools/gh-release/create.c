/* create.c - gh-release create: the release of a tag, created once.
 *
 * Concurrency: GitHub has no lock and lets several drafts share a tag. Two runs that both
 * find no release both create one; each then lists the releases of the tag and keeps the
 * published one, else the lowest id (ids grow with creation order, so every run that lists
 * after its own creation sees the lowest one), deleting its own when it is not the keeper.
 * The runs converge on one release whatever the interleaving (rk_release_dedupe), and a
 * run that finds the release also deletes the other drafts of its tag (left by a creator that
 * died, or by a POST that took effect although its answer was lost). POST /releases is sent
 * without HTTP-level retry: a lost answer is settled by looking the release up. A tag
 * given with --target is created first (POST git/refs); a 422 there means it exists, which
 * is fine when it points to the same commit. */
#include "ghr.h"
#include "clock.h"
#include "jsonio.h"
#include "log.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int is_sha(const char *s)
{
    size_t n = strlen(s);
    if (n != 40 && n != 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* follow annotated tag objects to the commit */
static int peel(struct ghr *g, json_object *ref, char **sha, struct rk_err *e)
{
    json_object *obj = rk_json_obj(ref, "object"), *tagobj = NULL;
    const char *type = rk_json_str(obj, "type"), *s = rk_json_str(obj, "sha");
    for (int depth = 0; type && s && strcmp(type, "tag") == 0 && depth < 8; depth++) {
        char *path = ghr_path(g, "/git/tags/%s", s);
        json_object *next = NULL;
        int rc = path ? rk_github_get(&g->gh, path, &next, e)
                      : rk_err_set(e, RK_SYSTEM, "out of memory");
        free(path);
        if (rc < 0) {
            json_object_put(tagobj);
            return -1;
        }
        json_object_put(tagobj);
        tagobj = next;
        obj = rk_json_obj(tagobj, "object");
        type = rk_json_str(obj, "type");
        s = rk_json_str(obj, "sha");
    }
    *sha = s && type && strcmp(type, "commit") == 0 ? strdup(s) : NULL;
    json_object_put(tagobj);
    if (!*sha)
        return rk_err_set(e, RK_REMOTE, "the tag does not point to a commit");
    return 0;
}

int ghr_tag_commit(struct ghr *g, const char *tag, char **sha, struct rk_err *e)
{
    /* the whole ref is one path parameter: "tags%2FNAME", as octokit sends it */
    char *esc = rk_url_escape(tag), *path = esc ? ghr_path(g, "/git/ref/tags%%2F%s", esc) : NULL;
    json_object *ref = NULL;
    int rc;
    *sha = NULL;
    free(esc);
    if (!path)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    rc = rk_github_json(&g->gh, "GET", path, NULL, RK_GH_ALLOW_404 | RK_GH_NO_CACHE, &ref, NULL, e);
    free(path);
    if (rc == 0 && ref && json_object_is_type(ref, json_type_object))
        rc = peel(g, ref, sha, e); /* an array lists refs the name is only a prefix of */
    if (rc < 0)
        rk_err_prefix(e, "tag '%s'", tag);
    json_object_put(ref);
    return rc;
}

/* a commit-ish (sha, branch, tag) as a full commit sha (owned) */
int ghr_resolve_commit(struct ghr *g, const char *ref, char **sha, struct rk_err *e)
{
    char *esc, *path;
    json_object *c = NULL;
    int rc;
    if (is_sha(ref)) {
        *sha = strdup(ref);
        return *sha ? 0 : rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    esc = rk_url_escape(ref);
    path = esc ? ghr_path(g, "/commits/%s", esc) : NULL;
    free(esc);
    rc = path ? rk_github_get(&g->gh, path, &c, e) : rk_err_set(e, RK_SYSTEM, "out of memory");
    free(path);
    *sha = rc == 0 && rk_json_str(c, "sha") ? strdup(rk_json_str(c, "sha")) : NULL;
    json_object_put(c);
    if (rc == 0 && !*sha)
        rc = rk_err_set(e, RK_REMOTE, "unable to resolve '%s' to a commit", ref);
    return rc;
}

static int same_commit(const char *tag, const char *have, const char *want, struct rk_err *e)
{
    if (strcmp(have, want) == 0)
        return 0;
    return rk_err_set(e, RK_REMOTE, "tag '%s' exists at %.12s, not at %.12s", tag, have, want);
}

int ghr_ensure_tag(struct ghr *g, const char *tag, const char *sha, struct rk_err *e)
{
    char *have = NULL, *path, ref[300];
    json_object *body;
    long status = 0;
    int rc;
    if (ghr_tag_commit(g, tag, &have, e) < 0)
        return -1;
    if (have) {
        rc = same_commit(tag, have, sha, e);
        free(have);
        return rc;
    }
    snprintf(ref, sizeof(ref), "refs/tags/%s", tag);
    body = json_object_new_object();
    rk_json_set_str(body, "ref", ref);
    rk_json_set_str(body, "sha", sha);
    path = ghr_path(g, "/git/refs");
    rc = path ? rk_github_json(&g->gh, "POST", path, body, 0, NULL, &status, e)
              : rk_err_set(e, RK_SYSTEM, "out of memory");
    free(path);
    json_object_put(body);
    if (rc < 0 && status == 422) {
        /* created meanwhile (a concurrent run, or our own retried POST) */
        rk_err_clear(e);
        if (ghr_tag_commit(g, tag, &have, e) < 0)
            return -1;
        rc = have ? same_commit(tag, have, sha, e)
                  : rk_err_set(e, RK_REMOTE, "unable to create tag '%s'", tag);
        free(have);
    }
    if (rc == 0)
        rk_log_verbose("tag '%s' at %.12s", tag, sha);
    return rc;
}

json_object *ghr_release_body(const struct ghr_release_spec *s, int for_create)
{
    json_object *b = json_object_new_object();
    if (for_create) {
        rk_json_set_str(b, "tag_name", s->tag);
        if (s->target)
            rk_json_set_str(b, "target_commitish", s->target);
        rk_json_set_str(b, "name", s->name ? s->name : s->tag);
    } else if (s->name) {
        rk_json_set_str(b, "name", s->name);
    }
    if (s->notes)
        rk_json_set_str(b, "body", s->notes);
    if (s->draft >= 0)
        rk_json_set_bool(b, "draft", s->draft);
    if (s->prerelease >= 0)
        rk_json_set_bool(b, "prerelease", s->prerelease);
    if (s->latest)
        rk_json_set_str(b, "make_latest", s->latest);
    return b;
}

/* An attempt the client's own timeout (RELKIT_HTTP_TIMEOUT_MS) ended got no answer, and GitHub
 * may still be working on it: wait until GitHub is done with it (ghr_request_max_ms after it
 * was sent), so that the lookup that follows finds a release it created late, instead of a
 * second POST making a duplicate draft. */
static void wait_late_post(struct ghr *g, const char *tag, int64_t sent, long status)
{
    long timeout = g->gh.http.opts.timeout_ms;
    int64_t now = rk_mono_ms(), until = sent + ghr_request_max_ms();
    if (status != 0 || timeout <= 0 || now - sent + 50 < timeout || until <= now)
        return;
    rk_log_warn("the creation of release '%s' timed out: waiting %lld ms for GitHub to finish it",
                tag, (long long)(until - now));
    rk_sleep_ms((long)(until - now));
}

/* POST /releases, one attempt at a time (RK_GH_NO_RETRY): an attempt whose answer was lost
 * (5xx, reset, timeout) may have created the release, so before sending it again the release
 * is looked up by tag, drafts included, and adopted when it is there (after a timeout, once
 * GitHub is done with the attempt: wait_late_post). A 422 (a published release of the tag
 * exists: ours, or a concurrent run's) is settled the same way. */
static int post_release(struct ghr *g, const struct ghr_release_spec *s, json_object **mine,
                        struct rk_err *e)
{
    json_object *body = ghr_release_body(s, 1);
    char *path = ghr_path(g, "/releases");
    int rc = path ? 0 : rk_err_set(e, RK_SYSTEM, "out of memory");
    for (int round = 1; rc == 0; round++) {
        long status = 0;
        struct rk_err le;
        int64_t sent = rk_mono_ms();
        if (rk_github_json(&g->gh, "POST", path, body, RK_GH_NO_RETRY, mine, &status, e) == 0)
            break;
        rc = -1;
        json_object_put(*mine);
        *mine = NULL;
        if (e->code != RK_TRANSIENT && status != 422)
            break;
        wait_late_post(g, s->tag, sent, status);
        rk_err_clear(&le);
        if (rk_release_find(&g->gh, &g->repo, s->tag, mine, &le) == 0 && *mine) {
            rk_log_warn("release '%s' exists (id %lld): an attempt took effect, adopting it",
                        s->tag, (long long)rk_json_int(*mine, "id", 0));
            rk_err_clear(e);
            rc = 0;
            break;
        }
        if (status == 422 || round >= g->gh.http.opts.max_attempts)
            break; /* keeps the POST's error */
        rk_log_warn("retrying the creation of release '%s'", s->tag);
        rk_err_clear(e);
        ghr_backoff(&g->gh, round);
        rc = 0;
    }
    free(path);
    json_object_put(body);
    return rc;
}

int ghr_create_release(struct ghr *g, const struct ghr_release_spec *s, json_object **rel,
                       struct rk_err *e)
{
    json_object *mine = NULL;
    int rc = post_release(g, s, &mine, e);
    *rel = NULL;
    if (rc == 0)
        rc = rk_release_dedupe(&g->gh, &g->repo, s->tag, rk_json_int(mine, "id", 0), rel, e);
    if (rc == 0 && !*rel)
        *rel = json_object_get(mine); /* not listed yet: ours */
    json_object_put(mine);
    return rc;
}

int ghr_settle_release(struct ghr *g, const char *tag, json_object **rel, struct rk_err *e)
{
    json_object *keeper = NULL;
    if (!*rel || g->cli.dry_run)
        return 0;
    if (rk_release_dedupe(&g->gh, &g->repo, tag, rk_json_int(*rel, "id", 0), &keeper, e) < 0)
        return -1;
    if (keeper) {
        json_object_put(*rel);
        *rel = keeper;
    }
    return 0;
}

/* the fields of an update: the given ones; never turns a published release into a draft */
static json_object *update_body(json_object *rel, struct ghr_release_spec *s)
{
    struct ghr_release_spec u = *s;
    if (u.draft == 1 && !rk_json_bool(rel, "draft", 0)) {
        rk_log_warn("release '%s' is published: --draft ignored", s->tag);
        u.draft = -1;
    }
    return ghr_release_body(&u, 0);
}

static int existing(struct ghr *g, json_object **rel, struct ghr_release_spec *s,
                    const char **action, struct rk_err *e)
{
    const char *mode = g->opts.if_exists ? g->opts.if_exists : "reuse";
    json_object *body, *upd = NULL;
    char *path;
    int rc;
    if (strcmp(mode, "fail") == 0)
        return rk_err_set(e, RK_REMOTE, "a release for tag '%s' already exists (id %lld)", s->tag,
                          (long long)rk_json_int(*rel, "id", 0));
    *action = strcmp(mode, "reuse") == 0 ? "reused" : "updated";
    if (strcmp(mode, "reuse") == 0 || g->cli.dry_run)
        return 0;
    body = update_body(*rel, s);
    path = ghr_path(g, "/releases/%lld", (long long)rk_json_int(*rel, "id", 0));
    rc = path ? rk_github_json(&g->gh, "PATCH", path, body, 0, &upd, NULL, e)
              : rk_err_set(e, RK_SYSTEM, "out of memory");
    free(path);
    json_object_put(body);
    if (rc == 0 && upd) {
        json_object_put(*rel);
        *rel = upd;
    }
    return rc;
}

static int spec_from_opts(struct ghr *g, struct ghr_release_spec *s, char **notes, struct rk_err *e)
{
    json_object *commit = rk_json_obj(g->ctx, "commit");
    memset(s, 0, sizeof(*s));
    if (ghr_need_tag(g, 0, &s->tag, e) < 0 || ghr_read_notes(g, notes, e) < 0)
        return -1;
    s->target = g->opts.target;
    if (!s->target && !g->opts.args.n && !g->opts.tag)
        s->target =
            rk_json_str(g->ctx, "sha") ? rk_json_str(g->ctx, "sha") : rk_json_str(commit, "sha");
    s->name = g->opts.name;
    s->notes = *notes;
    s->latest = g->opts.latest;
    s->draft = g->opts.draft ? 1 : -1;
    s->prerelease = g->opts.prerelease ? 1 : -1;
    return 0;
}

static json_object *create_plan(const struct ghr_release_spec *s, const char *action,
                                json_object *rel, const char *sha)
{
    json_object *p = json_object_new_object();
    rk_json_set_str(p, "action", action);
    if (sha)
        rk_json_set_str(p, "tag_commit", sha);
    rk_json_set(p, "release", rel ? rk_release_summary(rel) : ghr_release_body(s, 1));
    return p;
}

/* the tag: existing, or created at the target */
static int prepare_tag(struct ghr *g, struct ghr_release_spec *s, char **sha, struct rk_err *e)
{
    *sha = NULL;
    if (s->target)
        return ghr_resolve_commit(g, s->target, sha, e) < 0 ||
                       (!g->cli.dry_run && ghr_ensure_tag(g, s->tag, *sha, e) < 0)
                   ? -1
                   : 0;
    if (ghr_tag_commit(g, s->tag, sha, e) < 0)
        return -1;
    if (!*sha)
        return rk_err_set(e, RK_REMOTE, "tag '%s' does not exist: give --target SHA to create it",
                          s->tag);
    return 0;
}

int ghr_create(struct ghr *g, struct rk_err *e)
{
    struct ghr_release_spec s;
    char *notes = NULL, *sha = NULL;
    json_object *rel = NULL;
    const char *action = "created";
    int rc = spec_from_opts(g, &s, &notes, e);
    if (rc == 0)
        rc = rk_release_find(&g->gh, &g->repo, s.tag, &rel, e);
    if (rc == 0)
        rc = ghr_settle_release(g, s.tag, &rel, e);
    if (rc == 0 && rel)
        rc = existing(g, &rel, &s, &action, e);
    else if (rc == 0 && (rc = prepare_tag(g, &s, &sha, e)) == 0 && !g->cli.dry_run) {
        s.target = sha;
        rc = ghr_create_release(g, &s, &rel, e);
    }
    if (rc == 0 && g->cli.dry_run)
        ghr_set_plan(g, create_plan(&s, rel ? action : "create", rel, sha));
    if (rc == 0 && rel) {
        rk_json_set(g->ctx, "release", rk_release_summary(rel));
        rk_json_set_str(g->ctx, "tag", s.tag);
        g->action = action;
        rk_log_info("release '%s' %s (id %lld)", s.tag, action,
                    (long long)rk_json_int(rel, "id", 0));
    }
    json_object_put(rel);
    free(notes);
    free(sha);
    return rc;
}
