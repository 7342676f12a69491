/* list.c - gh-release list and view: releases as JSON, filtered */
#include "ghr.h"
#include "jsonio.h"
#include "log.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int ghr_regex(const char *re, regex_t *rx, struct rk_err *e)
{
    char msg[256];
    int rc = regcomp(rx, re, REG_EXTENDED | REG_NOSUB);
    if (rc == 0)
        return 0;
    regerror(rc, rx, msg, sizeof(msg));
    return rk_err_set(e, RK_USAGE, "invalid --tag-regex '%s': %s", re, msg);
}

int ghr_release_age(json_object *rel, time_t now, int64_t *age)
{
    time_t t;
    if (rk_release_time(rel, &t) < 0)
        return -1;
    *age = (int64_t)(now - t);
    return 0;
}

static int type_ok(const struct ghr_opts *o, json_object *rel)
{
    int draft = rk_json_bool(rel, "draft", 0), pre = rk_json_bool(rel, "prerelease", 0);
    if (!o->draft && !o->prerelease && !o->stable)
        return 1;
    return (o->draft && draft) || (o->prerelease && !draft && pre) || (o->stable && !draft && !pre);
}

static int age_ok(const struct ghr_opts *o, json_object *rel, time_t now)
{
    int64_t age = 0;
    int known = ghr_release_age(rel, now, &age) == 0;
    if (o->older_than >= 0 && (!known || age <= o->older_than))
        return 0;
    if (o->newer_than >= 0 && (!known || age >= o->newer_than))
        return 0;
    return 1;
}

static int filter(struct ghr *g, json_object *list, json_object *out, struct rk_err *e)
{
    regex_t rx;
    int have_rx = g->opts.tag_regex != NULL;
    size_t n = json_object_array_length(list);
    time_t now = time(NULL);
    if (have_rx && ghr_regex(g->opts.tag_regex, &rx, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        json_object *rel = json_object_array_get_idx(list, i);
        const char *tag = rk_json_str(rel, "tag_name");
        if (g->opts.limit >= 0 && (int64_t)json_object_array_length(out) >= g->opts.limit)
            break;
        if (have_rx && (!tag || regexec(&rx, tag, 0, NULL, 0) != 0))
            continue;
        if (!type_ok(&g->opts, rel) || !age_ok(&g->opts, rel, now))
            continue;
        json_object_array_add(out, rk_release_summary(rel));
    }
    if (have_rx)
        regfree(&rx);
    return 0;
}

static int regex_wants(const char *tag, void *arg)
{
    return regexec(arg, tag, 0, NULL, 0) == 0;
}

int ghr_list_releases(struct ghr *g, json_object **list, int *capped, struct rk_err *e)
{
    regex_t rx;
    int rc;
    if (!g->opts.tag_regex)
        return rk_release_list(&g->gh, &g->repo, RK_REL_PAST_CAP, list, capped, e);
    if (ghr_regex(g->opts.tag_regex, &rx, e) < 0)
        return -1;
    rc = rk_release_list_some(&g->gh, &g->repo, RK_REL_PAST_CAP, regex_wants, &rx, list, capped, e);
    regfree(&rx);
    return rc;
}

int ghr_list(struct ghr *g, struct rk_err *e)
{
    json_object *list = NULL, *out;
    int capped = 0, rc;
    if (ghr_list_releases(g, &list, &capped, e) < 0)
        return -1;
    out = json_object_new_array();
    rc = filter(g, list, out, e);
    if (capped)
        rk_log_verbose("more than %d releases: older ones found through the tags", RK_RELEASES_CAP);
    rk_json_set(g->ctx, "releases", out);
    json_object_put(list);
    return rc;
}

int ghr_view(struct ghr *g, struct rk_err *e)
{
    json_object *rel = NULL, *assets = NULL, *out;
    const char *tag;
    int64_t latest = 0;
    size_t n;
    if (ghr_need_tag(g, 0, &tag, e) < 0 || ghr_need_release(g, tag, &rel, e) < 0)
        return -1;
    if (ghr_assets_now(g, &g->gh, rel, &assets, e) < 0 ||
        rk_release_latest_id(&g->gh, &g->repo, &latest, e) < 0) {
        json_object_put(rel);
        json_object_put(assets);
        return -1;
    }
    out = rk_release_summary(rel);
    rk_json_set_bool(out, "latest", latest && latest == rk_json_int(rel, "id", 0));
    rk_json_set_str(out, "body", rk_json_str(rel, "body"));
    rk_json_set(g->ctx, "release", out);
    out = json_object_new_array();
    n = json_object_array_length(assets);
    for (size_t i = 0; i < n; i++)
        json_object_array_add(out, rk_asset_summary(json_object_array_get_idx(assets, i)));
    rk_json_set(g->ctx, "assets", out);
    json_object_put(rel);
    json_object_put(assets);
    return 0;
}
