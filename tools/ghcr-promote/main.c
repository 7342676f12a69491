/* ghcr-promote - promote container images between repositories and registries
 * (see docs/man/ghcr-promote.1) */
#include "args.h"
#include "cli.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: ghcr-promote [OPTIONS] SRC [DST]\n"
    "       ghcr-promote [OPTIONS] --images FILE\n"
    "       ... | ghcr-promote [OPTIONS]   (the context's \"images\", or \"per_job\" from\n"
    "                                       get-latest-green --per-job)\n"
    "Copy container images between repositories and registries over the OCI distribution\n"
    "API: manifests, indexes with every platform, and blobs (HEAD first, cross-repository\n"
    "mounts within a registry, streamed copies across registries), digests preserved.\n"
    "References: [REGISTRY/]REPO[:TAG][@DIGEST]. Without DST, the destination is the\n"
    "source rewritten by --dst-registry, --repo-rule and --tag-rule.\n"
    "\n"
    "      --images FILE          a JSON list of images ('-' for stdin): references, objects\n"
    "                             with \"src\" (and \"dst\"), or a map of names to objects with\n"
    "                             \"docker_image\" (a models \"last good\" file)\n"
    "      --dst-registry HOST    destination registry (default: the source's)\n"
    "      --repo-rule REGEX=TEMPLATE  rewrite the repository (repeatable, in order)\n"
    "      --tag-rule REGEX=TEMPLATE   rewrite the tag (repeatable, in order); TEMPLATE has\n"
    "                             {1} (group 1), {2:7} (its first 7 characters), {version}\n"
    "      --var NAME=VALUE       a template variable (version, tag, sha, date, n also come\n"
    "                             from the context)\n"
    "      --platform OS/ARCH[/VARIANT]  copy only these platforms of an index (repeatable,\n"
    "                             comma-separated); the destination digest then changes\n"
    "      --with-referrers       also copy signatures and attestations (sha256-<hex> tags)\n"
    "      --force                replace a destination tag that points at another digest\n"
    "      --missing-ok           a missing source is listed (to build), not an error\n"
    "      --no-mount             copy blobs even within one registry\n"
    "  -j, --jobs N               parallel requests (default 8)\n"
    "      --insecure-registry HOST  allow plain http to HOST[:PORT] (repeatable; loopback\n"
    "                             registries always are)\n"
    "      --summary-md FILE      also write the Markdown summary to FILE\n"
    "      --context FILE         read the release context from FILE instead of stdin\n"
    "      --dry-run              read the registries, print the plan, write nothing\n"
    "  -v, --verbose              more diagnostics (repeat for debug)\n"
    "  -q, --quiet                errors only\n"
    "  -h, --help                 show this help\n"
    "  -V, --version              show the version\n"
    "\n"
    "Credentials: REGISTRY_USERNAME/REGISTRY_PASSWORD (destination registry), GH_TOKEN or\n"
    "GITHUB_TOKEN (ghcr.io), ~/.docker/config.json (auths, credHelpers, credsStore).\n"
    "Exit status: 0 ok, 2 usage error, 3 invalid input, 4 refused (conflict, missing source,\n"
    "auth, 4xx), 5 transient failure after retries, 6 local failure.\n";

enum {
    OPT_IMAGES = RK_OPT_FIRST_TOOL,
    OPT_DST_REGISTRY,
    OPT_REPO_RULE,
    OPT_TAG_RULE,
    OPT_VAR,
    OPT_PLATFORM,
    OPT_REFERRERS,
    OPT_FORCE,
    OPT_MISSING_OK,
    OPT_NO_MOUNT,
    OPT_INSECURE,
    OPT_SUMMARY_MD,
};

static const struct option longopts[] = {
    RK_CLI_LONGOPTS,
    {"images", required_argument, NULL, OPT_IMAGES},
    {"dst-registry", required_argument, NULL, OPT_DST_REGISTRY},
    {"repo-rule", required_argument, NULL, OPT_REPO_RULE},
    {"tag-rule", required_argument, NULL, OPT_TAG_RULE},
    {"var", required_argument, NULL, OPT_VAR},
    {"platform", required_argument, NULL, OPT_PLATFORM},
    {"with-referrers", no_argument, NULL, OPT_REFERRERS},
    {"force", no_argument, NULL, OPT_FORCE},
    {"missing-ok", no_argument, NULL, OPT_MISSING_OK},
    {"no-mount", no_argument, NULL, OPT_NO_MOUNT},
    {"jobs", required_argument, NULL, 'j'},
    {"insecure-registry", required_argument, NULL, OPT_INSECURE},
    {"summary-md", required_argument, NULL, OPT_SUMMARY_MD},
    {NULL, 0, NULL, 0},
};

static int push(const char **v, size_t *n, const char *s, struct args *a, const char *opt)
{
    if (*n == MAX_LIST)
        return rk_cli_usage_error(&a->cli, "too many %s options (at most %d)", opt, MAX_LIST);
    v[(*n)++] = s;
    return 0;
}

/* --platform a,b: each value checked */
static int add_platforms(struct args *a, const char *arg)
{
    char *copy = strdup(arg), *save = NULL;
    if (!copy || a->nplat_buf == MAX_LIST)
        return free(copy), rk_cli_usage_error(&a->cli, "too many --platform options");
    a->plat_buf[a->nplat_buf++] = copy;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!rk_oci_platform_valid(t))
            return rk_cli_usage_error(&a->cli, "invalid platform '%s': expected OS/ARCH[/VARIANT]",
                                      t);
        if (a->nplat == MAX_LIST)
            return rk_cli_usage_error(&a->cli, "too many platforms");
        a->platforms[a->nplat++] = t;
    }
    return 0;
}

/* a registry name never holds '@': "user:pass@host" is refused without echoing it */
static int registry_arg(struct args *a, const char *what, const char *arg)
{
    if (strchr(arg, '@')) {
        rk_log_error("invalid %s: credentials must not be part of a registry (use "
                     "REGISTRY_USERNAME/REGISTRY_PASSWORD or docker config)",
                     what);
        return RK_INPUT;
    }
    if (!rk_oci_valid_registry(arg))
        return rk_cli_usage_error(&a->cli, "invalid %s '%s'", what, arg);
    return 0;
}

static int tool_option(void *ctx, int c, const char *arg)
{
    struct args *a = ctx;
    int64_t n;
    switch (c) {
    case OPT_IMAGES:
        a->images = arg;
        return 0;
    case OPT_DST_REGISTRY:
        if ((n = registry_arg(a, "registry", arg)) != 0)
            return (int)n;
        a->o.dst_registry = arg;
        return 0;
    case OPT_REPO_RULE:
        return push(a->repo_rules, &a->nrepo, arg, a, "--repo-rule");
    case OPT_TAG_RULE:
        return push(a->tag_rules, &a->ntag, arg, a, "--tag-rule");
    case OPT_VAR:
        return push(a->vars, &a->nvar, arg, a, "--var");
    case OPT_PLATFORM:
        return add_platforms(a, arg);
    case OPT_REFERRERS:
        a->o.with_referrers = 1;
        return 0;
    case OPT_FORCE:
        a->o.force = 1;
        return 0;
    case OPT_MISSING_OK:
        a->o.missing_ok = 1;
        return 0;
    case OPT_NO_MOUNT:
        a->o.no_mount = 1;
        return 0;
    case OPT_INSECURE:
        if ((n = registry_arg(a, "insecure host", arg)) != 0)
            return (int)n;
        return push(a->insecure, &a->ninsecure, arg, a, "--insecure-registry");
    case OPT_SUMMARY_MD:
        a->o.summary_md = arg;
        return 0;
    case 'j':
        if (rk_parse_int(arg, 1, 64, &n) < 0)
            return rk_cli_usage_error(&a->cli, "invalid --jobs '%s': a number from 1 to 64", arg);
        a->o.jobs = (int)n;
        return 0;
    default:
        return RK_USAGE;
    }
}

/* 0 go on, RK_CLI_DONE (help/version), else an exit code */
static int parse_args(struct args *a, int argc, char **argv)
{
    int r = rk_cli_parse(&a->cli, argc, argv, RK_CLI_SHORTOPTS "j:", longopts, tool_option, a);
    if (r != 0)
        return r;
    a->o.dry_run = a->cli.dry_run;
    if (argc - optind > 2)
        return rk_cli_usage_error(&a->cli, "too many arguments: SRC [DST]");
    if (argc - optind > 0 && a->images)
        return rk_cli_usage_error(&a->cli, "SRC and --images exclude each other");
    return 0;
}

int main(int argc, char **argv)
{
    struct args *a = calloc(1, sizeof(*a));
    int rc;
    if (!a)
        return RK_SYSTEM;
    signal(SIGPIPE, SIG_IGN);
    rk_cli_init(&a->cli, "ghcr-promote", usage);
    a->o.jobs = 8;
    rc = parse_args(a, argc, argv);
    if (rc == 0)
        rc = promote_main(a, argc - optind, argv + optind);
    else if (rc == RK_CLI_DONE)
        rc = RK_OK;
    for (size_t i = 0; i < a->nplat_buf; i++)
        free(a->plat_buf[i]);
    free(a);
    return rc;
}
