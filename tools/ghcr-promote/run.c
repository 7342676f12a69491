/* run.c - ghcr-promote after its options: inputs, the steps, the outputs */
#include "args.h"
#include "buf.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct run {
    struct promote p;
    json_object *ctx;
    struct rk_tagrule tag_rules[MAX_LIST], repo_rules[MAX_LIST];
    struct rk_tagvar vars[MAX_LIST + 8];
    char n_buf[32];
    int http_ok;
};

static int compile_rules(struct args *a, struct run *r)
{
    struct rk_err e;
    rk_err_clear(&e);
    for (size_t i = 0; i < a->ntag; i++, a->o.ntag_rules++)
        if (rk_tagrule_parse(a->tag_rules[i], &r->tag_rules[i], &e) < 0)
            return rk_cli_usage_error(&a->cli, "--tag-rule: %s", e.msg);
    for (size_t i = 0; i < a->nrepo; i++, a->o.nrepo_rules++)
        if (rk_tagrule_parse(a->repo_rules[i], &r->repo_rules[i], &e) < 0)
            return rk_cli_usage_error(&a->cli, "--repo-rule: %s", e.msg);
    a->o.tag_rules = r->tag_rules;
    a->o.repo_rules = r->repo_rules;
    a->o.platforms = (const char **)a->platforms;
    a->o.nplatforms = a->nplat;
    return 0;
}

/* --var first (the first definition wins), then the context's keys */
static int set_vars(struct args *a, struct run *r)
{
    struct rk_tagvar *v = r->vars;
    size_t n = 0;
    json_object *commit = rk_json_obj(r->ctx, "commit");
    for (size_t i = 0; i < a->nvar; i++) {
        const char *eq = strchr(a->vars[i], '=');
        if (!eq || eq == a->vars[i] || (size_t)(eq - a->vars[i]) >= 64)
            return rk_cli_usage_error(&a->cli, "invalid --var '%s': expected NAME=VALUE",
                                      a->vars[i]);
        ((char *)a->vars[i])[eq - a->vars[i]] = '\0'; /* argv is ours to split */
        v[n++] = (struct rk_tagvar){a->vars[i], eq + 1};
    }
    v[n++] = (struct rk_tagvar){"version", rk_json_str(r->ctx, "version")};
    v[n++] = (struct rk_tagvar){"tag", rk_json_str(r->ctx, "tag")};
    v[n++] = (struct rk_tagvar){"date", rk_json_str(r->ctx, "date")};
    v[n++] = (struct rk_tagvar){"sha", rk_json_str(commit, "sha") ? rk_json_str(commit, "sha")
                                                                  : rk_json_str(r->ctx, "sha")};
    if (rk_json_int(r->ctx, "n", -1) >= 0) {
        snprintf(r->n_buf, sizeof(r->n_buf), "%lld", (long long)rk_json_int(r->ctx, "n", 0));
        v[n++] = (struct rk_tagvar){"n", r->n_buf};
    }
    a->o.vars = v;
    a->o.nvars = n;
    return 0;
}

static int read_list(const char *path, json_object **out, struct rk_err *e)
{
    struct rk_buf b;
    int rc;
    rk_buf_init(&b, RK_JSON_MAX);
    if (strcmp(path, "-") == 0)
        rc = rk_read_fd(STDIN_FILENO, "stdin", &b, e);
    else
        rc = rk_read_file(path, &b, e);
    if (rc == 0)
        rc = rk_json_parse(b.data ? b.data : "", b.len, strcmp(path, "-") ? path : "stdin", out, e);
    rk_buf_release(&b);
    return rc;
}

/* 0, or the exit code (reported) */
static int inputs(struct args *a, struct run *r, int nargs, char **args)
{
    json_object *list = NULL, *images;
    struct rk_err e;
    int rc;
    rk_err_clear(&e);
    if (nargs > 0) {
        rc = pimage_add(&r->p, NULL, args[0], nargs > 1 ? args[1] : NULL, &e);
    } else if (a->images) {
        rc = read_list(a->images, &list, &e);
        if (rc == 0)
            rc = promote_inputs_json(&r->p, list, &e);
        json_object_put(list);
    } else if (json_object_object_get_ex(r->ctx, "images", &images)) {
        rc = promote_inputs_json(&r->p, images, &e);
    } else if (rk_json_obj(r->ctx, "per_job")) {
        rc = promote_inputs_json(&r->p, r->ctx, &e); /* get-latest-green --per-job */
    } else {
        return rk_cli_usage_error(&a->cli, "nothing to promote: give SRC [DST], --images FILE "
                                           "or a context with \"images\"");
    }
    return rc < 0 ? rk_log_report(&e) : 0;
}

static int read_context(struct args *a, struct run *r, struct rk_err *e)
{
    if (a->images && !strcmp(a->images, "-") && !a->cli.context_path) {
        r->ctx = json_object_new_object(); /* stdin is the list */
        return 0;
    }
    return rk_context_read(a->cli.context_path, "images", &r->ctx, e);
}

static int clients(struct args *a, struct run *r, struct rk_err *e)
{
    struct rk_http_opts ho;
    rk_http_opts_default(&ho);
    ho.max_parallel = a->o.jobs;
    if (rk_http_client_init(&r->p.http, &ho, e) < 0)
        return -1;
    r->http_ok = 1;
    for (size_t i = 0; i < a->ninsecure; i++)
        if (rk_http_client_allow_insecure(&r->p.http, a->insecure[i], e) < 0)
            return -1;
    return rk_oci_client_init(&r->p.oc, &r->p.http, e);
}

static int steps(struct promote *p, struct rk_err *e)
{
    int rc;
    rk_log_group("reading manifests");
    rc = promote_prepare(p, 0, e) < 0 || promote_resolve(p, 0, e) < 0 ? -1 : 0;
    rk_log_endgroup();
    if (rc == 0 && !p->o->dry_run) {
        rk_log_group("copying blobs and manifests");
        rc = promote_copy(p, 0, e);
        rk_log_endgroup();
    }
    if (rc == 0 && p->o->with_referrers) {
        rk_log_group("referrers");
        rc = promote_referrers(p, e);
        rk_log_endgroup();
    }
    return rc;
}

static void log_images(const struct promote *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct pimage *im = &p->imgs[i];
        if (im->dup_of >= 0)
            continue;
        if (im->status == P_FAILED || im->status == P_CONFLICT)
            rk_log_error("%s", im->err.msg);
        else if (im->status == P_MISSING && (p->o->missing_ok || im->parent >= 0))
            rk_log_warn("%s", im->err.msg);
        else if (im->status == P_MISSING)
            rk_log_error("%s (--missing-ok to list it without failing)", im->err.msg);
        else
            rk_log_verbose("%s '%s' -> '%s'", pstatus_name(im->status), im->src_text, im->dst_text);
    }
}

/* the Markdown summary and GitHub outputs (not the summaries in a dry run) */
static int side_outputs(struct promote *p, json_object *result, json_object *summary,
                        struct rk_err *e)
{
    char *md = promote_markdown(p, result, summary), num[32];
    json_object *tot = rk_json_obj(summary, "totals");
    int rc = md ? 0 : rk_err_set(e, RK_SYSTEM, "out of memory");
    if (rc == 0 && !p->o->dry_run) {
        if (p->o->summary_md)
            rc = rk_write_file_atomic(p->o->summary_md, md, strlen(md), 0644, e);
        if (rc == 0)
            rc = rk_step_summary(md, e);
    }
    free(md);
    snprintf(num, sizeof(num), "%lld", (long long)rk_json_int(tot, "copied", 0));
    if (rc == 0)
        rc = rk_gh_output("copied", num, e);
    if (rc == 0)
        rc = rk_gh_output(
            "to-build",
            json_object_to_json_string_ext(rk_json_array(summary, "to_build"),
                                           JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
            e);
    return rc;
}

static int finish(struct args *a, struct run *r, struct rk_err *e)
{
    json_object *result = promote_result(&r->p), *summary;
    int rc;
    log_images(&r->p);
    summary = promote_summary(&r->p, result);
    rk_log_info("%lld image(s): %lld copied, %lld present, %lld conflicts, %lld to build, "
                "%lld failed%s",
                (long long)json_object_array_length(result),
                (long long)rk_json_int(rk_json_obj(summary, "totals"), "copied", 0),
                (long long)rk_json_int(rk_json_obj(summary, "totals"), "present", 0),
                (long long)rk_json_int(rk_json_obj(summary, "totals"), "conflicts", 0),
                (long long)rk_json_int(rk_json_obj(summary, "totals"), "to_build", 0),
                (long long)rk_json_int(rk_json_obj(summary, "totals"), "failed", 0),
                a->o.dry_run ? " (dry run)" : "");
    rc = side_outputs(&r->p, result, summary, e);
    rk_json_set(r->ctx, "images", result);
    rk_json_set(r->ctx, "promotion", summary);
    if (a->o.dry_run)
        rk_json_set_bool(r->ctx, "dry_run", 1);
    if (rc == 0)
        rc = rk_gh_output("context",
                          json_object_to_json_string_ext(
                              r->ctx, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
                          e);
    if (rc < 0)
        rk_log_report(e);
    if (rk_cli_output(r->ctx) != RK_OK)
        return RK_SYSTEM;
    return rc < 0 ? e->code : promote_exit_code(&r->p);
}

int promote_main(struct args *a, int nargs, char **args)
{
    struct run *r = calloc(1, sizeof(*r));
    struct rk_err e;
    int rc;
    if (!r)
        return RK_SYSTEM;
    rk_err_clear(&e);
    r->p.o = &a->o;
    rc = compile_rules(a, r);
    if (rc == 0 && read_context(a, r, &e) < 0)
        rc = rk_log_report(&e);
    if (rc == 0)
        rc = set_vars(a, r);
    if (rc == 0)
        rc = inputs(a, r, nargs, args);
    if (rc == 0 && clients(a, r, &e) < 0)
        rc = rk_log_report(&e);
    if (rc == 0 && steps(&r->p, &e) < 0)
        rc = rk_log_report(&e);
    if (rc == 0)
        rc = finish(a, r, &e);
    pimages_release(&r->p);
    rk_oci_client_release(&r->p.oc);
    if (r->http_ok)
        rk_http_client_release(&r->p.http);
    for (size_t i = 0; i < a->o.ntag_rules; i++)
        rk_tagrule_release(&r->tag_rules[i]);
    for (size_t i = 0; i < a->o.nrepo_rules; i++)
        rk_tagrule_release(&r->repo_rules[i]);
    json_object_put(r->ctx);
    free(r);
    return rc;
}
