/* publish.c - gh-release publish: IREE's validate-and-publish step. Every expected pattern
 * (--expect, --manifest) must match a complete asset; what is missing is printed and the
 * exit code is 1. Otherwise the draft is published, its pre-release flag kept. */
#include "ghr.h"
#include "buf.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

static void add_line(json_object *pats, char *s)
{
    char *end;
    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        *--end = '\0';
    if (*s && *s != '#')
        json_object_array_add(pats, json_object_new_string(s));
}

static int read_manifest(const char *path, json_object *pats, struct rk_err *e)
{
    struct rk_buf b;
    char *line, *save = NULL;
    rk_buf_init(&b, (size_t)4 << 20);
    if (rk_read_file(path, &b, e) < 0) {
        rk_buf_release(&b);
        return -1;
    }
    for (line = strtok_r(b.len ? b.data : NULL, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save))
        add_line(pats, line);
    rk_buf_release(&b);
    return 0;
}

static int reserved(const char *name)
{
    return strncmp(name, GHR_TMP_PREFIX, strlen(GHR_TMP_PREFIX)) == 0 ||
           strncmp(name, GHR_OLD_PREFIX, strlen(GHR_OLD_PREFIX)) == 0;
}

static int matched(json_object *assets, const char *pat)
{
    size_t n = json_object_array_length(assets);
    for (size_t i = 0; i < n; i++) {
        json_object *a = json_object_array_get_idx(assets, i);
        const char *name = rk_json_str(a, "name");
        if (name && !reserved(name) && rk_asset_complete(a) && fnmatch(pat, name, 0) == 0)
            return 1;
    }
    return 0;
}

/* the expected patterns missing from assets; owned array */
static json_object *missing_of(json_object *pats, json_object *assets)
{
    json_object *missing = json_object_new_array();
    size_t n = json_object_array_length(pats);
    for (size_t i = 0; i < n; i++) {
        const char *p = json_object_get_string(json_object_array_get_idx(pats, i));
        if (!matched(assets, p))
            json_object_array_add(missing, json_object_new_string(p));
    }
    return missing;
}

static int publish_draft(struct ghr *g, json_object **rel, struct rk_err *e)
{
    json_object *body = json_object_new_object(), *upd = NULL;
    char *path = ghr_path(g, "/releases/%lld", (long long)rk_json_int(*rel, "id", 0));
    int rc;
    rk_json_set_bool(body, "draft", 0);
    if (g->opts.latest)
        rk_json_set_str(body, "make_latest", g->opts.latest);
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

static int report_missing(struct ghr *g, const char *tag, json_object *missing, struct rk_err *e)
{
    size_t n = json_object_array_length(missing);
    for (size_t i = 0; i < n; i++)
        rk_log_error("missing: no complete asset matches '%s'",
                     json_object_get_string(json_object_array_get_idx(missing, i)));
    return rk_err_set(e, RK_NEGATIVE, "release '%s' lacks %zu expected asset%s: not published", tag,
                      n, n == 1 ? "" : "s");
}

static int check_and_publish(struct ghr *g, const char *tag, json_object **rel, json_object *pats,
                             struct rk_err *e)
{
    json_object *assets = NULL, *missing;
    int rc = ghr_assets_now(g, &g->gh, *rel, &assets, e), draft;
    if (rc < 0)
        return -1;
    missing = missing_of(pats, assets);
    rk_json_set(g->ctx, "expected", json_object_get(pats));
    rk_json_set(g->ctx, "missing", missing);
    draft = rk_json_bool(*rel, "draft", 0);
    if (json_object_array_length(missing))
        rc = report_missing(g, tag, missing, e);
    else if (!draft)
        g->action = "already-published";
    else if (g->cli.dry_run)
        g->action = "would-publish";
    else if ((rc = publish_draft(g, rel, e)) == 0)
        g->action = "published";
    json_object_put(assets);
    return rc;
}

int ghr_publish(struct ghr *g, struct rk_err *e)
{
    json_object *pats = json_object_new_array(), *rel = NULL;
    const char *tag;
    int rc = ghr_need_tag(g, 0, &tag, e);
    for (size_t i = 0; rc == 0 && i < g->opts.expect.n; i++)
        json_object_array_add(pats, json_object_new_string(g->opts.expect.v[i]));
    if (rc == 0 && g->opts.manifest)
        rc = read_manifest(g->opts.manifest, pats, e);
    if (rc == 0 && json_object_array_length(pats) == 0)
        rk_log_warn("no --expect or --manifest: publishing without checking the assets");
    if (rc == 0)
        rc = ghr_need_release(g, tag, &rel, e);
    if (rc == 0)
        rc = check_and_publish(g, tag, &rel, pats, e);
    if (rel) {
        rk_json_set(g->ctx, "release", rk_release_summary(rel));
        if (g->cli.dry_run) {
            json_object *plan = json_object_new_object();
            rk_json_set_str(plan, "action", g->action ? g->action : "refuse");
            ghr_set_plan(g, plan);
        }
    }
    if (rc == 0)
        rk_log_info("release '%s': %s", tag, g->action);
    json_object_put(rel);
    json_object_put(pats);
    return rc;
}
