/* mk-candidate-tag.c - the logic: commit, date, versions, tag allocation, files, result. */
#include "mct.h"
#include "buf.h"
#include "cli.h"
#include "checks.h"
#include "err.h"
#include "github.h"
#include "jsonio.h"
#include "log.h"
#include "pep440.h"
#include "release.h"
#include "tagalloc.h"
#include "versionfile.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct state {
    const struct mct_opts *o;
    json_object *ctx;
    struct rk_err *e;
    struct rk_tag_backend b;
    struct rk_tag_github gh;
    struct rk_tag_git git;
    struct rk_github g;
    int have_g;
    struct rk_repo repo;
    char sha[RK_TAG_SHA_MAX];
    time_t commit_time; /* (time_t)-1 until known */
    char date[16];      /* YYYYMMDD */
    struct rk_vfiles vf;
    struct rk_pep440 base; /* the common base version (incremented) */
    char base_text[RK_PEP440_MAX_TEXT];
    int have_base;
    struct rk_tagspec spec;
    struct rk_tag_result res;
};

/* ---- the commit ---- */

static const char *given_sha(const struct mct_opts *o, json_object *ctx)
{
    const char *s = o->sha;
    if (!s)
        s = rk_json_str(rk_json_obj(ctx, "commit"), "sha");
    if (!s)
        s = rk_json_str(ctx, "sha");
    if (!s && o->local)
        s = "HEAD";
    return s;
}

static int is_full_sha(const char *s)
{
    size_t n = strlen(s);
    if (n != 40 && n != 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return 0;
    return 1;
}

static int need_commit_time(const struct mct_opts *o)
{
    return o->date && strcmp(o->date, "commit") == 0;
}

/* the context's commit date when it is about this sha */
static time_t context_time(json_object *ctx, const char *sha)
{
    json_object *c = rk_json_obj(ctx, "commit");
    const char *s = rk_json_str(c, "sha");
    return s && strcmp(s, sha) == 0 ? rk_checks_time(c, "date") : (time_t)-1;
}

static int resolve_commit(struct state *st)
{
    const char *s = given_sha(st->o, st->ctx);
    int rc = 0;
    if (!s)
        return rk_err_set(st->e, RK_USAGE,
                          "no commit: give --sha, or a context with "
                          "\"commit\": {\"sha\"} (get-latest-green) or \"sha\"");
    if (!*s || strlen(s) >= RK_TAG_SHA_MAX || *s == '-')
        return rk_err_set(st->e, RK_INPUT, "invalid commit '%s'", s);
    st->commit_time = (time_t)-1;
    if (is_full_sha(s) && !st->o->local) {
        memcpy(st->sha, s, strlen(s) + 1);
        st->commit_time = context_time(st->ctx, s);
        if (st->commit_time != (time_t)-1 || !need_commit_time(st->o))
            return 0;
    }
    if (st->o->local)
        rc = rk_tag_git_commit(&st->git, s, st->sha, &st->commit_time, st->e);
    else
        rc = rk_tag_github_commit(&st->gh, s, st->sha, &st->commit_time, st->e);
    return rc;
}

/* ---- the date ---- */

static void ymd(time_t t, char *out)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y%m%d", &tm);
}

/* "YYYYMMDD" or "YYYY-MM-DD" -> out; -1 when not such a date */
static int literal_date(const char *s, char *out)
{
    char iso[32];
    time_t t;
    if (strlen(s) == 8 && strspn(s, "0123456789") == 8)
        snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2sT00:00:00Z", s, s + 4, s + 6);
    else if (strlen(s) == 10 && s[4] == '-' && s[7] == '-')
        snprintf(iso, sizeof(iso), "%sT00:00:00Z", s);
    else
        snprintf(iso, sizeof(iso), "%.31s", s);
    if (rk_time_parse(iso, &t) < 0)
        return -1;
    ymd(t, out);
    /* reject dates that normalised to another day (20240231) */
    return strlen(s) == 8 && strcmp(out, s) != 0 ? -1 : 0;
}

static int compute_date(struct state *st)
{
    const char *d = st->o->date, *sde = getenv("SOURCE_DATE_EPOCH");
    int64_t secs;
    if (d && strcmp(d, "commit") == 0) {
        if (st->commit_time == (time_t)-1)
            return rk_err_set(st->e, RK_REMOTE, "commit %.12s: no committer date", st->sha);
        ymd(st->commit_time, st->date);
        return 0;
    }
    if (d && strcmp(d, "now") != 0) {
        if (literal_date(d, st->date) < 0)
            return rk_err_set(st->e, RK_USAGE,
                              "invalid --date '%s': expected now, commit, YYYYMMDD, YYYY-MM-DD "
                              "or an ISO 8601 time",
                              d);
        return 0;
    }
    if (!d && sde && *sde) {
        if (rk_parse_int(sde, 0, INT64_MAX, &secs) < 0)
            return rk_err_set(st->e, RK_INPUT, "invalid SOURCE_DATE_EPOCH '%s'", sde);
        ymd((time_t)secs, st->date);
        return 0;
    }
    ymd(time(NULL), st->date);
    return 0;
}

/* ---- versions ---- */

static int load_versions(struct state *st)
{
    const struct mct_opts *o = st->o;
    int best;
    for (size_t i = 0; i < o->nversion_files; i++)
        if (rk_vfiles_add(&st->vf, o->version_files[i], st->e) < 0)
            return -1;
    if (o->base_version) {
        if (rk_pep440_parse(o->base_version, &st->base, st->e) < 0)
            return rk_err_prefix(st->e, "--base-version");
        st->have_base = 1;
    } else if ((best = rk_vfiles_max(&st->vf)) >= 0) {
        st->base = st->vf.v[best].v;
        st->have_base = 1;
        rk_log_verbose("common version: %s (from '%s')", st->vf.v[best].raw, st->vf.v[best].path);
    }
    if (o->increment && !st->have_base)
        return rk_err_set(st->e, RK_USAGE, "--increment needs version files or --base-version");
    if (o->increment && rk_version_increment(&st->base, o->increment, st->e) < 0)
        return -1;
    for (size_t i = 0; o->increment && i < st->vf.n; i++)
        if (rk_version_increment(&st->vf.v[i].v, o->increment, st->e) < 0)
            return -1;
    if (st->have_base && rk_version_base(&st->base, st->base_text, sizeof(st->base_text)) < 0)
        return rk_err_set(st->e, RK_INPUT, "version too long");
    return 0;
}

/* ---- the spec ---- */

static int make_spec(struct state *st)
{
    const struct mct_opts *o = st->o;
    const char *preset = o->preset ? o->preset : "candidate";
    const char *tpl = o->tpl ? o->tpl : rk_tpl_preset(preset);
    const char *scheme = o->scheme ? o->scheme : rk_tpl_preset_scheme(preset);
    unsigned f = 0;
    if (!tpl)
        return rk_err_set(st->e, RK_USAGE,
                          "unknown preset '%s': expected candidate, iree, snapshot or stable",
                          preset);
    if (!scheme)
        scheme = "rc";
    if (rk_tpl_check(tpl, &f, st->e) < 0)
        return -1;
    st->spec.tpl = tpl;
    st->spec.scheme = rk_scheme_resolve(scheme, (f & RK_TPL_N) != 0);
    st->spec.base = st->have_base ? st->base_text : NULL;
    st->spec.date = st->date;
    st->spec.sha = st->sha;
    st->spec.run = getenv("GITHUB_RUN_NUMBER");
    if ((f & RK_TPL_VERSION) && !st->have_base)
        return rk_err_set(st->e, RK_USAGE,
                          "template '%s' uses {version}: give --version-file "
                          "or --base-version",
                          tpl);
    return rk_tpl_check(st->spec.scheme, NULL, st->e);
}

/* ---- backends ---- */

static const char *repo_name(const struct mct_opts *o, json_object *ctx)
{
    const char *r = o->repo ? o->repo : rk_json_str(ctx, "repo");
    if (!r || !*r)
        r = getenv("GITHUB_REPOSITORY");
    return r && *r ? r : NULL;
}

static int setup_backend(struct state *st)
{
    const char *name;
    if (st->o->local) {
        st->git.dir = st->o->checkout;
        rk_tag_backend_git(&st->b, &st->git);
        return 0;
    }
    name = repo_name(st->o, st->ctx);
    if (!name)
        return rk_err_set(st->e, RK_USAGE,
                          "no repository: give --repo OWNER/NAME, a context "
                          "with \"repo\", GITHUB_REPOSITORY, or --local");
    if (rk_repo_parse(name, &st->repo, st->e) < 0 || rk_github_init(&st->g, NULL, st->e) < 0)
        return -1;
    st->have_g = 1;
    st->gh.g = &st->g;
    st->gh.repo_path = st->repo.path;
    rk_tag_backend_github(&st->b, &st->gh);
    return 0;
}

/* ---- allocation and files ---- */

static int allocate(struct state *st)
{
    struct rk_tag_opts to;
    memset(&to, 0, sizeof(to));
    to.sha = st->sha;
    to.message = st->o->message;
    to.reuse = st->o->reuse;
    to.dry_run = st->o->dry_run;
    to.create_retries = -1;
    to.retry_delay_ms = -1;
    if (getenv("RELKIT_HTTP_BACKOFF_MS"))
        to.retry_delay_ms = atol(getenv("RELKIT_HTTP_BACKOFF_MS"));
    rk_log_group("mk-candidate-tag: allocating the tag");
    if (rk_tag_allocate(&st->spec, &st->b, &to, &st->res, st->e) < 0) {
        rk_log_endgroup();
        return -1;
    }
    rk_log_endgroup();
    if (st->res.created)
        rk_log_info("created tag '%s' at %.12s", st->res.tag, st->sha);
    else if (st->res.reused)
        rk_log_info("tag '%s' already points at %.12s: reused", st->res.tag, st->sha);
    return 0;
}

/* the version of one component: its own base with the same suffix */
static int component_version(struct state *st, const struct rk_vfile *f, char *out, size_t n)
{
    struct rk_tagspec s = st->spec;
    char base[RK_PEP440_MAX_TEXT];
    if (rk_version_base(&f->v, base, sizeof(base)) < 0)
        return rk_err_set(st->e, RK_INPUT, "version too long");
    s.base = base;
    return rk_tagspec_version(&s, st->res.n, out, n, st->e);
}

static int write_files(struct state *st)
{
    const struct mct_opts *o = st->o;
    for (size_t i = 0; i < st->vf.n; i++) {
        const struct rk_vfile *f = &st->vf.v[i];
        char text[RK_PEP440_MAX_TEXT * 2], *local;
        int rc;
        if (o->write) {
            if (rk_version_retext(f->raw, &f->v, text, sizeof(text), st->e) < 0 ||
                rk_vfile_write(f, text, st->e) < 0)
                return -1;
            rk_log_info("'%s': %s -> %s", f->path, f->raw, text);
        }
        if (!o->write_local || !st->res.version[0])
            continue;
        if (!(local = rk_version_local_path(f)))
            return rk_err_set(st->e, RK_SYSTEM, "out of memory");
        rc = rk_version_local_write(local, st->res.version, o->revision_key, st->sha, st->e);
        if (rc == 0)
            rk_log_info("wrote '%s' (%s)", local, st->res.version);
        free(local);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* ---- the result ---- */

static int output(struct state *st)
{
    json_object *versions = json_object_new_object(), *info = json_object_new_object();
    for (size_t i = 0; st->res.version[0] && i < st->vf.n; i++) {
        char v[RK_PEP440_MAX_TEXT * 2];
        if (component_version(st, &st->vf.v[i], v, sizeof(v)) < 0) {
            json_object_put(versions);
            json_object_put(info);
            return -1;
        }
        rk_json_set_str(versions, st->vf.v[i].component, v);
    }
    rk_json_set_str(st->ctx, "tag", st->res.tag);
    rk_json_set_str(st->ctx, "version", st->res.version[0] ? st->res.version : NULL);
    rk_json_set(st->ctx, "versions", versions);
    rk_json_set_str(st->ctx, "date", st->date);
    if (st->res.n >= 0)
        rk_json_set_int(st->ctx, "n", st->res.n);
    else
        rk_json_set(st->ctx, "n", NULL);
    rk_json_set_str(st->ctx, "sha", st->sha);
    if (st->have_g) {
        char full[2 * RK_REPO_PART_MAX + 2];
        snprintf(full, sizeof(full), "%s/%s", st->repo.owner, st->repo.name);
        rk_json_set_str(st->ctx, "repo", full);
    }
    rk_json_set_str(info, "template", st->spec.tpl);
    rk_json_set_str(info, "scheme", st->have_base ? st->spec.scheme : NULL);
    rk_json_set_bool(info, "created", st->res.created);
    rk_json_set_bool(info, "reused", st->res.reused);
    rk_json_set_bool(info, "dry_run", st->o->dry_run);
    rk_json_set_bool(info, "annotated", st->o->message != NULL);
    rk_json_set_bool(info, "local", st->o->local);
    rk_json_set_int(info, "attempts", st->res.attempts);
    rk_json_set(st->ctx, "candidate", info);
    return 0;
}

static void gh_outputs(struct state *st)
{
    struct rk_err e;
    char n[32];
    const char *text = json_object_to_json_string_ext(st->ctx, JSON_C_TO_STRING_PLAIN |
                                                                   JSON_C_TO_STRING_NOSLASHESCAPE);
    struct rk_buf md;
    snprintf(n, sizeof(n), "%lld", (long long)st->res.n);
    rk_err_clear(&e);
    rk_buf_init(&md, 65536);
    rk_buf_printf(&md,
                  "### mk-candidate-tag\n\n| tag | version | commit |\n| --- | --- | --- |\n"
                  "| `%s`%s | `%s` | `%.12s` |\n",
                  st->res.tag,
                  st->o->dry_run   ? " (dry run)"
                  : st->res.reused ? " (reused)"
                                   : "",
                  st->res.version[0] ? st->res.version : "-", st->sha);
    if (rk_gh_output("context", text, &e) < 0 || rk_gh_output("tag", st->res.tag, &e) < 0 ||
        rk_gh_output("version", st->res.version, &e) < 0 || rk_gh_output("sha", st->sha, &e) < 0 ||
        rk_gh_output("n", st->res.n >= 0 ? n : "", &e) < 0 ||
        rk_step_summary(rk_buf_cstr(&md), &e) < 0)
        rk_log_warn("%s", e.msg);
    rk_buf_release(&md);
}

int mct_run(const struct mct_opts *o, json_object *ctx, struct rk_err *e)
{
    struct state st;
    int rc = -1;
    memset(&st, 0, sizeof(st));
    st.o = o;
    st.ctx = ctx;
    st.e = e;
    rk_vfiles_init(&st.vf);
    if (o->write && !o->increment)
        rc = rk_err_set(e, RK_USAGE, "--write needs --increment (it writes the bumped version)");
    else if (load_versions(&st) == 0 && setup_backend(&st) == 0 && resolve_commit(&st) == 0 &&
             compute_date(&st) == 0 && make_spec(&st) == 0 && allocate(&st) == 0 &&
             (o->dry_run || write_files(&st) == 0) && output(&st) == 0)
        rc = RK_OK;
    if (rc == RK_OK && rk_log_in_actions())
        gh_outputs(&st);
    rk_vfiles_release(&st.vf);
    if (st.have_g)
        rk_github_release(&st.g);
    return rc;
}
