/* gh-release: create, upload, publish, promote, download, list, verify and prune GitHub
 * releases. main: the command line, the context, the exit code (see ghr.h). */
#include "ghr.h"
#include "buf.h"
#include "jsonio.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int (*const run_cmd[GHR_NCMDS])(struct ghr *, struct rk_err *) = {
    [GHR_CREATE] = ghr_create,   [GHR_UPLOAD] = ghr_upload,     [GHR_PUBLISH] = ghr_publish,
    [GHR_PROMOTE] = ghr_promote, [GHR_DOWNLOAD] = ghr_download, [GHR_LIST] = ghr_list,
    [GHR_VIEW] = ghr_view,       [GHR_VERIFY] = ghr_verify,     [GHR_PRUNE] = ghr_prune,
};

static int env_true(const char *name)
{
    const char *v = getenv(name);
    return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static int read_context(struct ghr *g, struct rk_err *e)
{
    const char *nf = g->opts.notes_file;
    /* stdin carries the notes: the context comes from --context only */
    if (nf && strcmp(nf, "-") == 0 && !g->cli.context_path) {
        g->ctx = json_object_new_object();
        return 0;
    }
    return rk_context_read(g->cli.context_path, "files", &g->ctx, e);
}

/* prune: "deleted" (the tags of the releases deleted) and "deleted-tags", JSON arrays */
static int prune_outputs(struct ghr *g, struct rk_err *e)
{
    json_object *rels = rk_json_array(g->ctx, "deleted"),
                *tags = rk_json_array(g->ctx, "deleted_tags");
    json_object *names = json_object_new_array();
    size_t n = rels ? json_object_array_length(rels) : 0;
    int rc;
    for (size_t i = 0; i < n; i++) {
        const char *t = rk_json_str(json_object_array_get_idx(rels, i), "tag");
        if (t)
            json_object_array_add(names, json_object_new_string(t));
    }
    rc = rk_gh_output("deleted", json_object_to_json_string_ext(names, JSON_C_TO_STRING_PLAIN), e);
    json_object_put(names);
    if (rc == 0)
        rc = rk_gh_output(
            "deleted-tags",
            tags ? json_object_to_json_string_ext(tags, JSON_C_TO_STRING_PLAIN) : "[]", e);
    return rc;
}

/* $GITHUB_OUTPUT: the context and the key fields */
static int actions_outputs(struct ghr *g, struct rk_err *e)
{
    json_object *rel = rk_json_obj(g->ctx, "release");
    char id[32];
    if (!rk_log_in_actions())
        return 0;
    if (rk_gh_output("context", json_object_to_json_string_ext(g->ctx, JSON_C_TO_STRING_PLAIN), e) <
        0)
        return -1;
    if (g->cmd == GHR_PRUNE && prune_outputs(g, e) < 0)
        return -1;
    if (rel) {
        snprintf(id, sizeof(id), "%lld", (long long)rk_json_int(rel, "id", 0));
        if (rk_gh_output("release-id", id, e) < 0 ||
            rk_gh_output("tag", rk_json_str(rel, "tag") ? rk_json_str(rel, "tag") : "", e) < 0 ||
            rk_gh_output("release-url",
                         rk_json_str(rel, "html_url") ? rk_json_str(rel, "html_url") : "", e) < 0)
            return -1;
    }
    return 0;
}

/* one markdown table row per item of arr: the given keys (at most 3) */
static void summary_rows(struct rk_buf *md, json_object *arr, const char *const *keys, size_t n)
{
    size_t len = arr ? json_object_array_length(arr) : 0;
    for (size_t i = 0; i < len && i < 200; i++) {
        json_object *it = json_object_array_get_idx(arr, i);
        rk_buf_puts(md, "|");
        for (size_t k = 0; k < n; k++) {
            json_object *v = NULL;
            json_object_object_get_ex(it, keys[k], &v);
            rk_buf_printf(md, " %s |",
                          json_object_is_type(it, json_type_string) && k == 0
                              ? json_object_get_string(it)
                          : v ? json_object_get_string(v)
                              : "");
        }
        rk_buf_puts(md, "\n");
    }
    if (len > 200)
        rk_buf_printf(md, "| ... %zu more |\n", len - 200);
}

static void summary_tables(struct ghr *g, struct rk_buf *md)
{
    static const char *const asset_keys[] = {"name", "action", "size"};
    static const char *const file_keys[] = {"name", "action", "sha256"};
    static const char *const rel_keys[] = {"tag", "action", "published_at"};
    json_object *a = rk_json_array(g->ctx, "assets"), *f = rk_json_array(g->ctx, "files");
    json_object *m = rk_json_array(g->ctx, "missing"), *d = rk_json_array(g->ctx, "deleted");
    if (a && g->cmd != GHR_VERIFY && g->cmd != GHR_VIEW) {
        rk_buf_puts(md, "\n| asset | action | size |\n| --- | --- | --- |\n");
        summary_rows(md, a, asset_keys, 3);
    }
    if (f && g->cmd == GHR_DOWNLOAD) {
        rk_buf_puts(md, "\n| file | action | sha256 |\n| --- | --- | --- |\n");
        summary_rows(md, f, file_keys, 3);
    }
    if (m && json_object_array_length(m)) {
        rk_buf_puts(md, "\n| missing |\n| --- |\n");
        summary_rows(md, m, asset_keys, 1);
    }
    if (d && json_object_array_length(d)) {
        rk_buf_puts(md, "\n| deleted | action | published |\n| --- | --- | --- |\n");
        summary_rows(md, d, rel_keys, 3);
    }
    d = rk_json_array(g->ctx, "deleted_tags");
    if (d && json_object_array_length(d)) {
        rk_buf_puts(md, "\n| deleted tag |\n| --- |\n");
        summary_rows(md, d, rel_keys, 1);
    }
}

static int summary(struct ghr *g, int rc, struct rk_err *e)
{
    struct rk_buf md;
    json_object *rel = rk_json_obj(g->ctx, "release");
    int r;
    if (!rk_log_in_actions())
        return 0;
    rk_buf_init(&md, (size_t)1 << 20);
    rk_buf_printf(&md, "### gh-release %s%s\n\n%s%s%s\n", g->cmd_name,
                  g->cli.dry_run ? " (dry run)" : "", rc == 0 ? "done" : "failed",
                  rel ? ": release " : "",
                  rel && rk_json_str(rel, "tag") ? rk_json_str(rel, "tag") : "");
    summary_tables(g, &md);
    r = rk_step_summary(rk_buf_cstr(&md), e);
    rk_buf_release(&md);
    return r;
}

/* "gh_release": what this run did, for logs and benchmarks */
static void stats(struct ghr *g)
{
    json_object *s = json_object_new_object();
    rk_json_set_str(s, "command", g->cmd_name);
    rk_json_set_bool(s, "dry_run", g->cli.dry_run);
    if (g->action)
        rk_json_set_str(s, "action", g->action);
    rk_json_set_int(s, "requests", (int64_t)(g->gh.http.requests + g->pool_requests));
    rk_json_set_int(s, "retries", (int64_t)(g->gh.http.retries + g->pool_retries));
    rk_json_set(g->ctx, "gh_release", s);
}

/* the exit code; errors are reported here */
static int run(struct ghr *g, struct rk_err *e)
{
    int rc, out;
    g->in_ci = env_true("CI") || env_true("GITHUB_ACTIONS");
    if (read_context(g, e) < 0 || ghr_resolve_repo(g, e) < 0 || ghr_connect(g, e) < 0)
        return rk_log_report(e);
    rc = run_cmd[g->cmd](g, e);
    if (rc < 0 && e->code != RK_NEGATIVE)
        return rk_log_report(e);
    stats(g);
    out = rk_cli_output(g->ctx);
    if (out != RK_OK)
        return out;
    if (actions_outputs(g, e) < 0 || summary(g, rc, e) < 0)
        return rk_log_report(e);
    if (rc < 0 && g->reported)
        return e->code;
    return rc < 0 ? rk_log_report(e) : RK_OK;
}

static void ghr_free(struct ghr *g)
{
    struct ghr_list *lists[] = {&g->opts.expect, &g->opts.copy, &g->opts.pattern, &g->opts.args};
    if (g->gh_ready)
        rk_github_release(&g->gh);
    json_object_put(g->ctx);
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        free(lists[i]->v);
    free(g->argv);
    for (size_t i = 0; i < g->nkept; i++)
        free(g->kept[i]);
}

int main(int argc, char **argv)
{
    struct ghr g;
    struct rk_err e;
    int rc;
    memset(&g, 0, sizeof(g));
    rk_err_clear(&e);
    rc = ghr_parse(&g, argc, argv);
    if (rc != RK_OK) {
        ghr_free(&g);
        return rc < 0 ? RK_OK : rc;
    }
    rc = run(&g, &e);
    ghr_free(&g);
    return rc;
}
