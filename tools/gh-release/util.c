/* util.c - gh-release helpers shared by the commands (see ghr.h) */
#include "ghr.h"
#include "buf.h"
#include "clock.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

long ghr_request_max_ms(void)
{
    const char *v = getenv("RELKIT_GITHUB_REQUEST_MAX_MS");
    char *end = NULL;
    long ms = v && *v ? strtol(v, &end, 10) : -1;
    return end && !*end && ms >= 0 && ms <= 600000 ? ms : 10000;
}

void ghr_backoff(struct rk_github *gh, int round)
{
    gh->http.retries++;
    rk_sleep_ms(rk_http_backoff_ms(&gh->http.opts, round, (uint32_t)random()));
}

int ghr_connect(struct ghr *g, struct rk_err *e)
{
    if (rk_github_init(&g->gh, NULL, e) < 0)
        return -1;
    g->gh_ready = 1;
    return 0;
}

int ghr_resolve_repo(struct ghr *g, struct rk_err *e)
{
    const char *r = g->opts.repo;
    if (!r)
        r = rk_json_str(g->ctx, "repo");
    if (!r)
        r = getenv("GITHUB_REPOSITORY");
    if (!r || !*r)
        return rk_err_set(e, RK_USAGE,
                          "no repository: give --repo OWNER/NAME (or \"repo\" in the context)");
    if (rk_repo_parse(r, &g->repo, e) < 0)
        return -1;
    rk_json_set_str(g->ctx, "repo", r);
    return 0;
}

const char *ghr_keep(struct ghr *g, const char *s)
{
    char *c;
    if (!s || g->nkept == sizeof(g->kept) / sizeof(g->kept[0]) || !(c = strdup(s)))
        return s; /* argv strings need no copy; out of slots or memory: best effort */
    g->kept[g->nkept++] = c;
    return c;
}

const char *ghr_tag(struct ghr *g, size_t pos)
{
    json_object *rel = rk_json_obj(g->ctx, "release");
    if (pos < g->opts.args.n)
        return g->opts.args.v[pos];
    if (g->opts.tag)
        return g->opts.tag;
    if (rel && rk_json_str(rel, "tag"))
        return ghr_keep(g, rk_json_str(rel, "tag"));
    return ghr_keep(g, rk_json_str(g->ctx, "tag"));
}

int ghr_need_tag(struct ghr *g, size_t pos, const char **tag, struct rk_err *e)
{
    *tag = ghr_tag(g, pos);
    if (!*tag)
        return rk_err_set(e, RK_USAGE, "no tag: give --tag TAG (or \"tag\" in the context)");
    return rk_tag_check(*tag, e);
}

int ghr_need_release(struct ghr *g, const char *tag, json_object **rel, struct rk_err *e)
{
    if (rk_release_find(&g->gh, &g->repo, tag, rel, e) < 0)
        return -1;
    if (!*rel)
        return rk_err_set(e, RK_REMOTE, "no release for tag '%s' in '%s/%s'", tag, g->repo.owner,
                          g->repo.name);
    return 0;
}

char *ghr_path(const struct ghr *g, const char *fmt, ...)
{
    struct rk_buf b;
    va_list ap;
    char tail[2048];
    va_start(ap, fmt);
    vsnprintf(tail, sizeof(tail), fmt, ap);
    va_end(ap);
    rk_buf_init(&b, 0);
    if (rk_buf_puts(&b, g->repo.path) < 0 || rk_buf_puts(&b, tail) < 0) {
        rk_buf_release(&b);
        return NULL;
    }
    return rk_buf_detach(&b, NULL);
}

void ghr_set_plan(struct ghr *g, json_object *plan)
{
    rk_json_set_bool(g->ctx, "dry_run", 1);
    rk_json_set(g->ctx, "plan", plan);
}

int ghr_match_any(const struct ghr_list *pats, const char *name)
{
    if (pats->n == 0)
        return 1;
    for (size_t i = 0; i < pats->n; i++)
        if (fnmatch(pats->v[i], name, 0) == 0)
            return 1;
    return 0;
}

int ghr_safe_name(const char *name)
{
    if (!name || !*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\' || (unsigned char)*p < 0x20)
            return 0;
    return 1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

const char *ghr_content_type(const char *name)
{
    static const struct {
        const char *suffix, *type;
    } types[] = {
        {".whl", "application/zip"},     {".zip", "application/zip"},
        {".tar.gz", "application/gzip"}, {".tgz", "application/gzip"},
        {".gz", "application/gzip"},     {".tar.xz", "application/x-xz"},
        {".xz", "application/x-xz"},     {".tar.bz2", "application/x-bzip2"},
        {".zst", "application/zstd"},    {".tar", "application/x-tar"},
        {".json", "application/json"},   {".metadata", "text/plain"},
        {".txt", "text/plain"},          {".sha256", "text/plain"},
        {".md", "text/markdown"},        {".html", "text/html"},
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (ends_with(name, types[i].suffix))
            return types[i].type;
    return "application/octet-stream";
}

int ghr_patch_asset(struct rk_github *gh, const struct ghr *g, int64_t id, const char *name,
                    const char *label, json_object **out, struct rk_err *e)
{
    char *path = ghr_path(g, "/releases/assets/%lld", (long long)id);
    json_object *body = json_object_new_object();
    int rc;
    if (name)
        rk_json_set_str(body, "name", name);
    if (label)
        rk_json_set_str(body, "label", label);
    rc = path ? rk_github_json(gh, "PATCH", path, body, 0, out, NULL, e)
              : rk_err_set(e, RK_SYSTEM, "out of memory");
    json_object_put(body);
    free(path);
    return rc;
}

int ghr_delete_asset(struct rk_github *gh, const struct ghr *g, int64_t id, struct rk_err *e)
{
    char *path = ghr_path(g, "/releases/assets/%lld", (long long)id);
    int rc = path ? rk_github_json(gh, "DELETE", path, NULL, RK_GH_ALLOW_404, NULL, NULL, e)
                  : rk_err_set(e, RK_SYSTEM, "out of memory");
    free(path);
    return rc;
}

int ghr_read_notes(const struct ghr *g, char **notes, struct rk_err *e)
{
    struct rk_buf b;
    const char *nf = g->opts.notes_file;
    int rc;
    *notes = NULL;
    if (g->opts.notes) {
        *notes = strdup(g->opts.notes);
        return *notes ? 0 : rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    if (!nf)
        return 0;
    rk_buf_init(&b, (size_t)1 << 20); /* GitHub caps a release body at 125000 characters */
    if (strcmp(nf, "-") == 0)
        rc = rk_read_fd(STDIN_FILENO, "standard input", &b, e);
    else
        rc = rk_read_file(nf, &b, e);
    if (rc == 0 && b.len > 125000)
        rc = rk_err_set(e, RK_INPUT, "notes '%s' are longer than GitHub's 125000 characters", nf);
    if (rc == 0 && !(*notes = strdup(rk_buf_cstr(&b))))
        rc = rk_err_set(e, RK_SYSTEM, "out of memory");
    rk_buf_release(&b);
    return rc;
}
