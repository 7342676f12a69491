/* release.c - see release.h: repository names, tags, finding and listing releases */
#include "release.h"
#include "err.h"
#include "github.h"
#include "github_slim.h"
#include "jsonio.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int repo_part_ok(const char *s, size_t n)
{
    if (n == 0 || n >= RK_REPO_PART_MAX)
        return 0;
    if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

int rk_repo_parse(const char *s, struct rk_repo *r, struct rk_err *e)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    size_t no, nn;
    memset(r, 0, sizeof(*r));
    if (!slash)
        return rk_err_set(e, RK_INPUT, "invalid repository '%s': expected OWNER/NAME", s ? s : "");
    no = (size_t)(slash - s);
    nn = strlen(slash + 1);
    if (!repo_part_ok(s, no) || !repo_part_ok(slash + 1, nn))
        return rk_err_set(e, RK_INPUT, "invalid repository '%s': expected OWNER/NAME", s);
    memcpy(r->owner, s, no);
    memcpy(r->name, slash + 1, nn);
    snprintf(r->path, sizeof(r->path), "/repos/%s/%s", r->owner, r->name);
    return 0;
}

int rk_tag_check(const char *tag, struct rk_err *e)
{
    size_t n = tag ? strlen(tag) : 0;
    if (n == 0)
        return rk_err_set(e, RK_INPUT, "invalid tag '': empty");
    if (n > 255)
        return rk_err_set(e, RK_INPUT, "invalid tag '%.40s...': longer than 255 bytes", tag);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)tag[i];
        if (c < 0x20 || c == 0x7f || c == ' ' || strchr("~^:?*[\\", c))
            return rk_err_set(e, RK_INPUT, "invalid tag '%s': character %zu is not allowed", tag,
                              i + 1);
    }
    if (tag[0] == '-' || tag[0] == '/' || tag[n - 1] == '/' || tag[n - 1] == '.' ||
        strstr(tag, "..") || strstr(tag, "//") || strstr(tag, "@{") ||
        (n >= 5 && strcmp(tag + n - 5, ".lock") == 0))
        return rk_err_set(e, RK_INPUT, "invalid tag '%s': not a valid git ref name", tag);
    return 0;
}

/* ---- listing ---- */

/* pages 2..10 of the capped list at once: 100 releases a page, RK_RELEASES_CAP at most */
#define RELEASE_PAGES_AT_ONCE (RK_RELEASES_CAP / 100)

/* RK_REL_SLIM: the keys parsed (see release.h) */
static const char *const slim_release_keys[] = {"id",         "tag_name",   "name",         "draft",
                                                "prerelease", "created_at", "published_at", NULL};
static const char *const slim_asset_keys[] = {"id",         "name",       "size",
                                              "digest",     "state",      "browser_download_url",
                                              "created_at", "updated_at", NULL};
static const struct rk_json_spec slim_asset = {slim_asset_keys, NULL, NULL};
static const struct rk_json_spec slim_release = {slim_release_keys, "assets", &slim_asset};

static int64_t rel_id(json_object *rel)
{
    return rk_json_int(rel, "id", 0);
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = rel_id(*(json_object *const *)a), y = rel_id(*(json_object *const *)b);
    return x < y ? -1 : x > y;
}

json_object *rk_release_with_tag(json_object *list, const char *tag)
{
    json_object *out = json_object_new_array();
    size_t n = list ? json_object_array_length(list) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *rel = json_object_array_get_idx(list, i);
        const char *t = rk_json_str(rel, "tag_name");
        if (t && strcmp(t, tag) == 0)
            json_object_array_add(out, json_object_get(rel));
    }
    json_object_array_sort(out, cmp_id);
    return out;
}

json_object *rk_release_tag_set(json_object *list)
{
    json_object *set = json_object_new_object();
    size_t n = list ? json_object_array_length(list) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *t = rk_json_str(json_object_array_get_idx(list, i), "tag_name");
        if (t)
            json_object_object_add(set, t, NULL);
    }
    return set;
}

struct tag_filter {
    int (*want)(const char *tag, void *arg);
    void *arg;
};

/* tags (names, from the refs/tags/ refs in tags) not carried by any release in list and
 * wanted; owned array of strings */
static json_object *unseen_tags(json_object *tags, json_object *list, const struct tag_filter *f)
{
    json_object *seen = rk_release_tag_set(list), *out = json_object_new_array();
    size_t n = json_object_array_length(tags);
    for (size_t i = 0; i < n; i++) {
        const char *t = rk_json_str(json_object_array_get_idx(tags, i), "name");
        if (t && *t && !json_object_object_get_ex(seen, t, NULL) &&
            (!f->want || f->want(t, f->arg)))
            json_object_array_add(out, json_object_new_string(t));
    }
    json_object_put(seen);
    return out;
}

/* GET /releases/tags/{t} for each name in names (404s skipped), appended to list */
static int releases_by_tags(struct rk_github *g, const struct rk_repo *r, json_object *names,
                            json_object *list, const struct rk_json_spec *spec, struct rk_err *e)
{
    size_t n = json_object_array_length(names), batch = 64;
    int rc = 0;
    for (size_t at = 0; at < n && rc == 0; at += batch) {
        size_t m = n - at < batch ? n - at : batch;
        char *paths[64];
        json_object *out[64] = {0};
        for (size_t i = 0; i < m; i++) {
            char *esc =
                rk_url_escape(json_object_get_string(json_object_array_get_idx(names, at + i)));
            size_t len = strlen(r->path) + (esc ? strlen(esc) : 0) + 32;
            paths[i] = malloc(len);
            if (paths[i])
                snprintf(paths[i], len, "%s/releases/tags/%s", r->path, esc ? esc : "");
            free(esc);
        }
        rc = rk_github_get_many_slim(g, (const char *const *)paths, m, 0, RK_GH_ALLOW_404, spec,
                                     out, NULL, e);
        for (size_t i = 0; i < m; i++) {
            if (out[i] && rc == 0)
                json_object_array_add(list, out[i]);
            else
                json_object_put(out[i]);
            free(paths[i]);
        }
    }
    return rc;
}

static int list_past_cap(struct rk_github *g, const struct rk_repo *r, json_object *list,
                         const struct tag_filter *f, const struct rk_json_spec *spec,
                         struct rk_err *e)
{
    json_object *tags = NULL, *names;
    int rc;
    /* every tag in one answer (the /tags list takes one request per 100 tags) */
    if (rk_github_list_tags(g, r->path, NULL, &tags, e) < 0)
        return -1;
    names = unseen_tags(tags, list, f);
    json_object_put(tags);
    rk_log_verbose("release list capped at %d: looking up %zu more tags", RK_RELEASES_CAP,
                   json_object_array_length(names));
    rc = releases_by_tags(g, r, names, list, spec, e);
    json_object_put(names);
    return rc;
}

/* the items of list (owned, consumed) that are releases; the others skipped with a warning */
static json_object *checked_releases(const struct rk_repo *r, json_object *list)
{
    char what[sizeof(r->path) + 32];
    json_object *out;
    snprintf(what, sizeof(what), "the releases of '%s/%s'", r->owner, r->name);
    out = rk_checked_items(list, rk_release_check, what);
    json_object_put(list);
    return out;
}

/* a release of the API (*rel, owned) checked: freed and NULL when it is not one */
static int checked_release(const struct rk_repo *r, const char *tag, int64_t id, json_object **rel,
                           struct rk_err *e)
{
    char what[sizeof(r->path) + 320];
    if (!*rel)
        return 0;
    if (tag)
        snprintf(what, sizeof(what), "release '%s' of '%s/%s'", tag, r->owner, r->name);
    else
        snprintf(what, sizeof(what), "release %lld of '%s/%s'", (long long)id, r->owner, r->name);
    if (rk_release_check(*rel, what, e) == 0)
        return 0;
    json_object_put(*rel);
    *rel = NULL;
    return -1;
}

int rk_release_list(struct rk_github *g, const struct rk_repo *r, unsigned flags, json_object **out,
                    int *capped, struct rk_err *e)
{
    return rk_release_list_some(g, r, flags, NULL, NULL, out, capped, e);
}

int rk_release_list_some(struct rk_github *g, const struct rk_repo *r, unsigned flags,
                         int (*want_tag)(const char *tag, void *arg), void *arg, json_object **out,
                         int *capped, struct rk_err *e)
{
    struct tag_filter f = {want_tag, arg};
    const struct rk_json_spec *spec = (flags & RK_REL_SLIM) ? &slim_release : NULL;
    char path[sizeof(r->path) + 32];
    json_object *list = NULL;
    int hit;
    *out = NULL;
    snprintf(path, sizeof(path), "%s/releases?per_page=100", r->path);
    if (rk_github_paginate_slim(g, path, RK_RELEASES_CAP, RELEASE_PAGES_AT_ONCE, spec, &list, e) <
        0)
        return -1;
    hit = json_object_array_length(list) >= RK_RELEASES_CAP;
    if (capped)
        *capped = hit;
    if (hit && (flags & RK_REL_PAST_CAP) && list_past_cap(g, r, list, &f, spec, e) < 0) {
        json_object_put(list);
        return -1;
    }
    *out = checked_releases(r, list);
    return *out ? 0 : rk_err_set(e, RK_SYSTEM, "out of memory");
}

static int path_tag(const struct rk_repo *r, const char *tag, char **out, struct rk_err *e)
{
    char *esc = rk_url_escape(tag);
    size_t len = strlen(r->path) + (esc ? strlen(esc) : 0) + 32;
    *out = esc ? malloc(len) : NULL;
    if (!*out) {
        free(esc);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    snprintf(*out, len, "%s/releases/tags/%s", r->path, esc);
    free(esc);
    return 0;
}

static json_object *pick_keeper(json_object *same)
{
    size_t n = json_object_array_length(same);
    for (size_t i = 0; i < n; i++) {
        json_object *rel = json_object_array_get_idx(same, i);
        if (!rk_json_bool(rel, "draft", 0))
            return rel;
    }
    return n ? json_object_array_get_idx(same, 0) : NULL;
}

/* The newest releases (drafts come first): one page. A page of 100 releases with their
 * assets is megabytes of JSON; the whole list is read only when the first page misses. */
static int newest_releases(struct rk_github *g, const struct rk_repo *r, json_object **out,
                           struct rk_err *e)
{
    char path[sizeof(r->path) + 32];
    snprintf(path, sizeof(path), "%s/releases?per_page=100", r->path);
    if (rk_github_paginate(g, path, NULL, 100, out, e) < 0)
        return -1;
    *out = checked_releases(r, *out);
    return *out ? 0 : rk_err_set(e, RK_SYSTEM, "out of memory");
}

/* the keeper among the releases of tag in list (owned) or NULL */
static json_object *keeper_in(json_object *list, const char *tag)
{
    json_object *same = rk_release_with_tag(list, tag), *keep = pick_keeper(same);
    keep = keep ? json_object_get(keep) : NULL;
    json_object_put(same);
    return keep;
}

static int find_in_list(struct rk_github *g, const struct rk_repo *r, const char *tag,
                        json_object **out, struct rk_err *e)
{
    json_object *list;
    if (newest_releases(g, r, &list, e) < 0)
        return -1;
    *out = keeper_in(list, tag);
    if (!*out && json_object_array_length(list) >= 100) {
        json_object_put(list);
        if (rk_release_list(g, r, 0, &list, NULL, e) < 0)
            return -1;
        *out = keeper_in(list, tag);
    }
    json_object_put(list);
    return 0;
}

int rk_release_find(struct rk_github *g, const struct rk_repo *r, const char *tag,
                    json_object **out, struct rk_err *e)
{
    char *path;
    long status = 0;
    int rc;
    *out = NULL;
    if (rk_tag_check(tag, e) < 0 || path_tag(r, tag, &path, e) < 0)
        return -1;
    rc = rk_github_json(g, "GET", path, NULL, RK_GH_ALLOW_404 | RK_GH_NO_CACHE, out, &status, e);
    free(path);
    if (rc < 0 || checked_release(r, tag, 0, out, e) < 0)
        return -1;
    if (*out)
        return 0;
    return find_in_list(g, r, tag, out, e);
}

int rk_release_get(struct rk_github *g, const struct rk_repo *r, int64_t id, json_object **out,
                   struct rk_err *e)
{
    char path[sizeof(r->path) + 48];
    snprintf(path, sizeof(path), "%s/releases/%lld", r->path, (long long)id);
    if (rk_github_json(g, "GET", path, NULL, RK_GH_ALLOW_404 | RK_GH_NO_CACHE, out, NULL, e) < 0)
        return -1;
    return checked_release(r, NULL, id, out, e);
}

static int delete_release(struct rk_github *g, const struct rk_repo *r, int64_t id,
                          struct rk_err *e)
{
    char path[sizeof(r->path) + 48];
    snprintf(path, sizeof(path), "%s/releases/%lld", r->path, (long long)id);
    return rk_github_json(g, "DELETE", path, NULL, RK_GH_ALLOW_404, NULL, NULL, e);
}

int rk_release_dedupe(struct rk_github *g, const struct rk_repo *r, const char *tag, int64_t mine,
                      json_object **keeper, struct rk_err *e)
{
    json_object *list, *same, *keep;
    size_t n;
    int rc = 0, mine_listed = 0;
    *keeper = NULL;
    /* racing creations are the newest releases: the first page holds them */
    if (newest_releases(g, r, &list, e) < 0)
        return -1;
    same = rk_release_with_tag(list, tag);
    keep = pick_keeper(same);
    n = json_object_array_length(same);
    /* every other draft goes: ours, and those of a creator that died before this step or of
     * a POST that took effect although its answer was lost */
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_object *rel = json_object_array_get_idx(same, i);
        mine_listed |= rel_id(rel) == mine;
        if (rel == keep || !rk_json_bool(rel, "draft", 0))
            continue;
        if (rel_id(rel) == mine)
            rk_log_warn("another run created release %lld for tag '%s' first: deleting mine (%lld)",
                        (long long)rel_id(keep), tag, (long long)mine);
        else
            rk_log_warn("deleting duplicate draft %lld of tag '%s' (keeping %lld)",
                        (long long)rel_id(rel), tag, (long long)rel_id(keep));
        rc = delete_release(g, r, rel_id(rel), e);
    }
    if (rc == 0 && keep && mine && !mine_listed && rel_id(keep) != mine) {
        rk_log_warn("another run created release %lld for tag '%s' first: deleting mine (%lld)",
                    (long long)rel_id(keep), tag, (long long)mine);
        rc = delete_release(g, r, mine, e); /* not listed yet */
    }
    if (rc == 0 && keep)
        *keeper = json_object_get(keep);
    json_object_put(same);
    json_object_put(list);
    return rc;
}

int rk_release_latest_id(struct rk_github *g, const struct rk_repo *r, int64_t *id,
                         struct rk_err *e)
{
    char path[sizeof(r->path) + 32];
    json_object *rel = NULL;
    *id = 0;
    snprintf(path, sizeof(path), "%s/releases/latest", r->path);
    if (rk_github_json(g, "GET", path, NULL, RK_GH_ALLOW_404 | RK_GH_NO_CACHE, &rel, NULL, e) < 0 ||
        checked_release(r, "latest", 0, &rel, e) < 0)
        return -1;
    *id = rel ? rel_id(rel) : 0;
    json_object_put(rel);
    return 0;
}
