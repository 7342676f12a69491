/* index-gen: a pip index (find-links page, PEP 503/691 pages, PEP 658 metadata) from GitHub
 * releases, local directories and asset lists */
#include "cli.h"
#include "err.h"
#include "index_gen.h"
#include "jsonio.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static const char usage[] =
    "usage: index-gen --output DIR [--repo OWNER/NAME]... [--dir DIR]... [options]\n"
    "\n"
    "Generate a pip index from GitHub releases, local directories of wheels and sdists, and an\n"
    "asset list in the context (\"assets\" or \"releases[].assets\", e.g. from gh-release list):\n"
    "DIR/links.html (a flat find-links page), DIR/simple/ (PEP 503 pages with sha256\n"
    "fragments, Requires-Python, PEP 658 core metadata, PEP 592 yanks) and PEP 691 JSON pages\n"
    "beside them (simple/index.json, simple/<name>/index.json). The result goes to stdout as\n"
    "the context with an \"index\" key.\n"
    "\n"
    "sources:\n"
    "  --repo OWNER/NAME      GitHub releases of a repository (repeatable)\n"
    "  --dir DIR              local wheels and sdists (repeatable); their .metadata files are\n"
    "                         written beside them\n"
    "  --no-context-assets    ignore assets in the context\n"
    "release filters:\n"
    "  --tag-regex RE         only releases whose tag matches RE (POSIX extended)\n"
    "  --include-drafts       include draft releases (excluded by default)\n"
    "  --prereleases MODE     include (default), exclude or only\n"
    "  --max-age DURATION     only releases published within DURATION (90d, 12h, 2w)\n"
    "  --no-past-cap          stop with exit 4 when the releases list hits its 1000-result cap\n"
    "                         (default: find older releases through the tags)\n"
    "output:\n"
    "  --output DIR           where the pages go (required)\n"
    "  --find-links-name NAME file name of the find-links page (default links.html)\n"
    "  --title TEXT           title of the find-links page\n"
    "  --base-url URL         URL at which local files are served (default: relative hrefs)\n"
    "  --yank-list FILE       lines 'FILENAME [reason]' or 'NAME==VERSION [reason]'\n"
    "  --upload-dir DIR       .metadata files of remote wheels, for gh-release upload\n"
    "                         (default OUTPUT/upload)\n"
    "hashes and metadata:\n"
    "  --cache-dir DIR        hashes, metadata and ETags kept between runs\n"
    "                         (default $XDG_CACHE_HOME/relkit/index-gen)\n"
    "  --no-cache             keep nothing between runs\n"
    "  --hash-missing         download files whose hash is neither in the digest nor cached\n"
    "  --no-metadata-fetch    do not read remote wheels' metadata\n"
    "  --jobs N               parallel downloads (default 16)\n"
    "common:\n"
    "  --context FILE         read the context from FILE instead of stdin\n"
    "  --dry-run              read everything, write nothing, print the result\n"
    "  -v, --verbose          more diagnostics (-vv: debug)\n"
    "  -q, --quiet            errors only\n"
    "  -h, --help             this text\n"
    "  -V, --version          the version\n"
    "\n"
    "examples:\n"
    "  index-gen --repo iree-org/iree --output site --find-links-name pip-release-links.html\n"
    "  pip install --pre -f https://example.org/pip-release-links.html iree-base-compiler\n"
    "  pip install --index-url https://example.org/simple/ iree-base-compiler\n"
    "\n"
    "environment: GH_TOKEN or GITHUB_TOKEN (optional), GITHUB_API_URL, SSL_CERT_FILE\n"
    "exit status: 0 ok, 2 usage, 3 invalid input, 4 remote refused (also the releases cap\n"
    "with --no-past-cap), 5 transient remote failure, 6 local failure\n";

enum {
    OPT_REPO = RK_OPT_FIRST_TOOL,
    OPT_DIR,
    OPT_NO_CTX,
    OPT_TAG_RE,
    OPT_DRAFTS,
    OPT_PRE,
    OPT_MAX_AGE,
    OPT_NO_PAST_CAP,
    OPT_OUTPUT,
    OPT_FL_NAME,
    OPT_TITLE,
    OPT_BASE_URL,
    OPT_YANK,
    OPT_UPLOAD_DIR,
    OPT_CACHE_DIR,
    OPT_NO_CACHE,
    OPT_HASH_MISSING,
    OPT_NO_META,
    OPT_JOBS,
};

static const struct option longopts[] = {
    RK_CLI_LONGOPTS,
    {"repo", required_argument, NULL, OPT_REPO},
    {"dir", required_argument, NULL, OPT_DIR},
    {"no-context-assets", no_argument, NULL, OPT_NO_CTX},
    {"tag-regex", required_argument, NULL, OPT_TAG_RE},
    {"include-drafts", no_argument, NULL, OPT_DRAFTS},
    {"prereleases", required_argument, NULL, OPT_PRE},
    {"max-age", required_argument, NULL, OPT_MAX_AGE},
    {"no-past-cap", no_argument, NULL, OPT_NO_PAST_CAP},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"find-links-name", required_argument, NULL, OPT_FL_NAME},
    {"title", required_argument, NULL, OPT_TITLE},
    {"base-url", required_argument, NULL, OPT_BASE_URL},
    {"yank-list", required_argument, NULL, OPT_YANK},
    {"upload-dir", required_argument, NULL, OPT_UPLOAD_DIR},
    {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"hash-missing", no_argument, NULL, OPT_HASH_MISSING},
    {"no-metadata-fetch", no_argument, NULL, OPT_NO_META},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {NULL, 0, NULL, 0},
};

static int add_list(const char **list, size_t *n, const char *v)
{
    if (*n >= IG_MAX_LIST)
        return -1;
    list[(*n)++] = v;
    return 0;
}

/* options whose value is checked */
static int value_option(struct rk_cli *c, struct ig_opts *o, int opt, const char *arg)
{
    int64_t v;
    switch (opt) {
    case OPT_PRE:
        if (!strcmp(arg, "include") || !strcmp(arg, "exclude") || !strcmp(arg, "only")) {
            o->prereleases = arg[0] == 'i'   ? IG_PRE_INCLUDE
                             : arg[0] == 'e' ? IG_PRE_EXCLUDE
                                             : IG_PRE_ONLY;
            return 0;
        }
        return rk_cli_usage_error(c, "invalid --prereleases '%s': include, exclude or only", arg);
    case OPT_MAX_AGE:
        return rk_parse_duration(arg, &o->max_age) < 0
                   ? rk_cli_usage_error(c, "invalid --max-age '%s': expected 90d, 12h, 2w", arg)
                   : 0;
    case OPT_JOBS:
        if (rk_parse_int(arg, 1, 256, &v) < 0)
            return rk_cli_usage_error(c, "invalid --jobs '%s': expected 1 to 256", arg);
        o->jobs = (int)v;
        return 0;
    case OPT_REPO:
        return add_list(o->repos, &o->nrepos, arg) ? rk_cli_usage_error(c, "too many --repo") : 0;
    case OPT_DIR:
        return add_list(o->dirs, &o->ndirs, arg) ? rk_cli_usage_error(c, "too many --dir") : 0;
    default:
        return rk_cli_usage_error(c, "unexpected option");
    }
}

/* 0 handled, else the usage error's exit code */
static int tool_option(struct rk_cli *c, struct ig_opts *o, int opt, const char *arg,
                       int *no_cache)
{
    const char **str = NULL;
    int *flag = NULL;
    switch (opt) {
    case OPT_NO_CTX: flag = &o->no_context_assets; break;
    case OPT_DRAFTS: flag = &o->include_drafts; break;
    case OPT_NO_PAST_CAP: flag = &o->no_past_cap; break;
    case OPT_NO_CACHE: flag = no_cache; break;
    case OPT_HASH_MISSING: flag = &o->hash_missing; break;
    case OPT_NO_META: flag = &o->no_metadata_fetch; break;
    case OPT_TAG_RE: str = &o->tag_regex; break;
    case OPT_OUTPUT: str = &o->output; break;
    case OPT_FL_NAME: str = &o->findlinks_name; break;
    case OPT_TITLE: str = &o->title; break;
    case OPT_BASE_URL: str = &o->base_url; break;
    case OPT_YANK: str = &o->yank_list; break;
    case OPT_UPLOAD_DIR: str = &o->upload_dir; break;
    case OPT_CACHE_DIR: str = &o->cache_dir; break;
    default: return value_option(c, o, opt, arg);
    }
    if (flag)
        *flag = 1;
    else
        *str = arg;
    return 0;
}

static char default_cache[4096], default_upload[4096];

static int check_opts(struct rk_cli *c, struct ig_opts *o, int no_cache)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (!o->output || !*o->output)
        return rk_cli_usage_error(c, "--output DIR is required");
    if (o->findlinks_name && (!*o->findlinks_name || strchr(o->findlinks_name, '/')))
        return rk_cli_usage_error(c, "invalid --find-links-name '%s'", o->findlinks_name);
    if (!o->findlinks_name)
        o->findlinks_name = "links.html";
    if (!o->upload_dir) {
        snprintf(default_upload, sizeof(default_upload), "%s/upload", o->output);
        o->upload_dir = default_upload;
    }
    if (no_cache)
        o->cache_dir = NULL;
    else if (!o->cache_dir && ((xdg && *xdg) || (home && *home))) {
        snprintf(default_cache, sizeof(default_cache), "%s%s/relkit/index-gen",
                 xdg && *xdg ? xdg : home, xdg && *xdg ? "" : "/.cache");
        o->cache_dir = default_cache;
    }
    if (!o->jobs)
        o->jobs = 16;
    return 0;
}

struct option_ctx {
    struct rk_cli *c;
    struct ig_opts *o;
    int no_cache;
};

static int option_cb(void *p, int opt, const char *arg)
{
    struct option_ctx *x = p;
    return tool_option(x->c, x->o, opt, arg, &x->no_cache);
}

static int parse_args(struct rk_cli *c, struct ig_opts *o, int argc, char **argv)
{
    struct option_ctx x = {c, o, 0};
    int rc = rk_cli_parse(c, argc, argv, RK_CLI_SHORTOPTS, longopts, option_cb, &x);
    if (rc != 0)
        return rc;
    if (optind < argc)
        return rk_cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
    return check_opts(c, o, x.no_cache);
}

static int compile_regex(struct rk_cli *c, struct ig_run *r)
{
    int rc;
    char msg[256];
    if (!r->o->tag_regex)
        return 0;
    if ((rc = regcomp(&r->re, r->o->tag_regex, REG_EXTENDED | REG_NOSUB)) != 0) {
        regerror(rc, &r->re, msg, sizeof(msg));
        return rk_cli_usage_error(c, "invalid --tag-regex '%s': %s", r->o->tag_regex, msg);
    }
    r->have_re = 1;
    return 0;
}

static int run(struct rk_cli *c, struct ig_opts *o)
{
    struct ig_run r;
    struct rk_err e;
    json_object *ctx = NULL, *res = NULL;
    int rc;
    rk_err_clear(&e);
    ig_run_init(&r, o);
    if ((rc = compile_regex(c, &r)) != 0)
        goto out;
    if (rk_context_read(c->context_path, "assets", &ctx, &e) < 0 || ig_run(&r, ctx, &res, &e) < 0) {
        rc = rk_log_report(&e);
        goto out;
    }
    rk_json_set(ctx, "index", res);
    rc = rk_cli_output(ctx);
    if (rc == 0 &&
        rk_gh_output("context", json_object_to_json_string_ext(ctx, JSON_C_TO_STRING_PLAIN), &e) <
            0)
        rc = rk_log_report(&e);
out:
    json_object_put(ctx);
    ig_run_release(&r);
    return rc;
}

int main(int argc, char **argv)
{
    struct rk_cli c;
    struct ig_opts o;
    int rc;
    memset(&o, 0, sizeof(o));
#ifdef __GLIBC__
    /* A release list is millions of small json-c allocations, freed at once: without fast
     * bins glibc coalesces them as they are freed, instead of walking them all at the next
     * large allocation (measured: 0.3 s of 1.3 s CPU for 1000 releases x 40 assets). */
    mallopt(M_MXFAST, 0);
#endif
    rk_cli_init(&c, "index-gen", usage);
    rc = parse_args(&c, &o, argc, argv);
    if (rc == RK_CLI_DONE)
        return RK_OK;
    if (rc != 0)
        return rc;
    o.dry_run = c.dry_run;
    return run(&c, &o);
}
