/* gh-release: create, upload, publish, promote, download, list, verify and prune GitHub
 * releases. main: the command line, the context, the exit code (see ghr.h). */
#include "ghr.h"
#include "jsonio.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int (*const run_cmd[GHR_NCMDS])(struct ghr *, struct rk_err *) = {
    [GHR_CREATE] = ghr_create,   [GHR_UPLOAD] = ghr_upload, [GHR_PUBLISH] = ghr_publish,
    [GHR_PROMOTE] = ghr_promote, [GHR_DOWNLOAD] = ghr_download, [GHR_LIST] = ghr_list,
    [GHR_VIEW] = ghr_view,       [GHR_VERIFY] = ghr_verify, [GHR_PRUNE] = ghr_prune,
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

/* $GITHUB_OUTPUT: the context and the key fields */
static int actions_outputs(struct ghr *g, struct rk_err *e)
{
    json_object *rel = rk_json_obj(g->ctx, "release");
    char id[32];
    if (!rk_log_in_actions())
        return 0;
    if (rk_gh_output("context", json_object_to_json_string_ext(g->ctx, JSON_C_TO_STRING_PLAIN),
                     e) < 0)
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

static int summary(struct ghr *g, int rc, struct rk_err *e)
{
    char line[512];
    json_object *rel = rk_json_obj(g->ctx, "release");
    if (!rk_log_in_actions())
        return 0;
    snprintf(line, sizeof(line), "### gh-release %s%s\n\n%s%s%s\n", g->cmd_name,
             g->cli.dry_run ? " (dry run)" : "", rc == 0 ? "done" : "failed",
             rel ? ": release " : "", rel && rk_json_str(rel, "tag") ? rk_json_str(rel, "tag") : "");
    return rk_step_summary(line, e);
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
    return rc < 0 ? rk_log_report(e) : RK_OK;
}

static void ghr_free(struct ghr *g)
{
    struct ghr_list *lists[] = {&g->opts.expect, &g->opts.copy, &g->opts.pattern,
                                &g->opts.args};
    if (g->gh_ready)
        rk_github_release(&g->gh);
    json_object_put(g->ctx);
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        free(lists[i]->v);
    free(g->argv);
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
