/* mk-candidate-tag: options, the context in, the result out, the exit code. */
#include "mct.h"
#include "cli.h"
#include "err.h"
#include "jsonio.h"
#include "log.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: mk-candidate-tag [options]\n"
    "\n"
    "Compute the version from version files, allocate a unique tag for a commit and create it,\n"
    "race-safely: creating the ref is the claim, and a number taken by another run makes this\n"
    "one take the next.\n"
    "\n"
    "Tag and version:\n"
    "  --preset NAME          candidate: candidate-{date}.{n} (default)   iree: iree-{version}\n"
    "                         snapshot: snapshot-{date}.{n:02}            stable: v{version}\n"
    "  --template TPL         tag template; fields {date} {n} {n:0W} {run} {version} {sha7} {sha}\n"
    "  --scheme SCHEME        version suffix: rc (rc{date}, plus a same-day counter {n:02} when\n"
    "                         the tag has {n}), dev (.dev{date}{n:03}), sha (.dev0+{sha}),\n"
    "                         stable (none), or a template (default: the preset's)\n"
    "  --version-file SPEC    [COMPONENT=]PATH[#KEY]: version.json (\"package-version\"),\n"
    "                         version_info.json, or a plain VERSION file; repeatable, the\n"
    "                         common version is the PEP 440 maximum\n"
    "  --base-version V       the base version instead of version files\n"
    "  --increment PART       bump the version: major, minor or patch\n"
    "  --write                write the bumped version back to the version files\n"
    "  --write-local          write version_local.json next to each version file, with the\n"
    "                         package version and the source revision\n"
    "  --revision-key KEY     key of the revision in version_local.json (default iree-revision)\n"
    "\n"
    "Commit and date:\n"
    "  --sha SHA              the commit (default: the context's commit.sha, else sha; HEAD with\n"
    "                         --local)\n"
    "  --date WHEN            {date}: now, commit, YYYYMMDD, YYYY-MM-DD or an ISO 8601 time\n"
    "                         (default: SOURCE_DATE_EPOCH when set, else now; always UTC)\n"
    "\n"
    "Where and how:\n"
    "  --repo OWNER/NAME      repository (default: the context's \"repo\", GITHUB_REPOSITORY)\n"
    "  --local                tag in a local git checkout instead of through the API\n"
    "  --checkout DIR         the checkout for --local (default: the current directory)\n"
    "  --message MSG          create an annotated tag with this message (default lightweight)\n"
    "  --reuse                return an existing tag of the template already at the commit\n"
    "  --dry-run              print the tag and version it would create, write nothing\n"
    "\n"
    "Common:\n"
    "  --context FILE         read the context from FILE instead of stdin\n"
    "  -v, --verbose          more detail on stderr (repeat for debug)\n"
    "  -q, --quiet            errors only\n"
    "  -h, --help             show this help\n"
    "  -V, --version          show the version\n"
    "\n"
    "The result is the context with tag, version, versions {component: version}, date, n, sha\n"
    "and candidate {template, scheme, created, reused, dry_run, annotated, local, attempts}.\n"
    "\n"
    "Exit status: 0 ok, 2 usage, 3 invalid input, 4 remote refused (a template without {n}\n"
    "whose tag exists), 5 transient remote failure, 6 local failure. Token: GH_TOKEN or\n"
    "GITHUB_TOKEN.\n";

enum {
    OPT_PRESET = RK_OPT_FIRST_TOOL,
    OPT_TEMPLATE,
    OPT_SCHEME,
    OPT_VERSION_FILE,
    OPT_BASE_VERSION,
    OPT_INCREMENT,
    OPT_WRITE,
    OPT_WRITE_LOCAL,
    OPT_REVISION_KEY,
    OPT_SHA,
    OPT_DATE,
    OPT_REPO,
    OPT_LOCAL,
    OPT_CHECKOUT,
    OPT_MESSAGE,
    OPT_REUSE,
};


static const struct option longopts[] = {
    RK_CLI_LONGOPTS,
    {"preset", required_argument, NULL, OPT_PRESET},
    {"template", required_argument, NULL, OPT_TEMPLATE},
    {"scheme", required_argument, NULL, OPT_SCHEME},
    {"version-file", required_argument, NULL, OPT_VERSION_FILE},
    {"base-version", required_argument, NULL, OPT_BASE_VERSION},
    {"increment", required_argument, NULL, OPT_INCREMENT},
    {"write", no_argument, NULL, OPT_WRITE},
    {"write-local", no_argument, NULL, OPT_WRITE_LOCAL},
    {"revision-key", required_argument, NULL, OPT_REVISION_KEY},
    {"sha", required_argument, NULL, OPT_SHA},
    {"date", required_argument, NULL, OPT_DATE},
    {"repo", required_argument, NULL, OPT_REPO},
    {"local", no_argument, NULL, OPT_LOCAL},
    {"checkout", required_argument, NULL, OPT_CHECKOUT},
    {"message", required_argument, NULL, OPT_MESSAGE},
    {"reuse", no_argument, NULL, OPT_REUSE},
    {NULL, 0, NULL, 0},
};

static int add_version_file(struct mct_opts *o, const char *spec)
{
    const char **nv = realloc(o->version_files, (o->nversion_files + 1) * sizeof(*nv));
    if (!nv) {
        rk_log_error("out of memory");
        return RK_SYSTEM;
    }
    o->version_files = nv;
    o->version_files[o->nversion_files++] = spec;
    return 0;
}

/* options that set a string field */
static const struct {
    int opt;
    size_t off;
} string_opts[] = {
    {OPT_PRESET, offsetof(struct mct_opts, preset)},
    {OPT_TEMPLATE, offsetof(struct mct_opts, tpl)},
    {OPT_SCHEME, offsetof(struct mct_opts, scheme)},
    {OPT_BASE_VERSION, offsetof(struct mct_opts, base_version)},
    {OPT_REVISION_KEY, offsetof(struct mct_opts, revision_key)},
    {OPT_SHA, offsetof(struct mct_opts, sha)},
    {OPT_DATE, offsetof(struct mct_opts, date)},
    {OPT_REPO, offsetof(struct mct_opts, repo)},
    {OPT_CHECKOUT, offsetof(struct mct_opts, checkout)},
    {OPT_MESSAGE, offsetof(struct mct_opts, message)},
};

static int option(const struct rk_cli *cli, struct mct_opts *o, int c, const char *arg)
{
    for (size_t i = 0; i < sizeof(string_opts) / sizeof(string_opts[0]); i++)
        if (string_opts[i].opt == c) {
            *(const char **)((char *)o + string_opts[i].off) = arg;
            o->local |= c == OPT_CHECKOUT;
            return 0;
        }
    switch (c) {
    case OPT_VERSION_FILE:
        return add_version_file(o, arg);
    case OPT_WRITE:
        o->write = 1;
        return 0;
    case OPT_WRITE_LOCAL:
        o->write_local = 1;
        return 0;
    case OPT_LOCAL:
        o->local = 1;
        return 0;
    case OPT_REUSE:
        o->reuse = 1;
        return 0;
    case OPT_INCREMENT:
        if (strcmp(arg, "major") && strcmp(arg, "minor") && strcmp(arg, "patch"))
            return rk_cli_usage_error(cli,
                                      "invalid --increment '%s': expected major, minor or "
                                      "patch",
                                      arg);
        o->increment = arg;
        return 0;
    default:
        return rk_cli_usage_error(cli, "unexpected option");
    }
}

struct option_ctx {
    const struct rk_cli *cli;
    struct mct_opts *o;
};

static int option_cb(void *p, int c, const char *arg)
{
    struct option_ctx *x = p;
    return option(x->cli, x->o, c, arg);
}

static int parse_args(struct rk_cli *cli, struct mct_opts *o, int argc, char **argv)
{
    struct option_ctx x = {cli, o};
    int r = rk_cli_parse(cli, argc, argv, RK_CLI_SHORTOPTS, longopts, option_cb, &x);
    if (r != 0)
        return r;
    if (optind < argc)
        return rk_cli_usage_error(cli, "unexpected argument '%s'", argv[optind]);
    if (o->local && o->repo)
        return rk_cli_usage_error(cli, "--local and --repo exclude each other");
    if (o->message && !*o->message)
        return rk_cli_usage_error(cli, "empty --message");
    o->dry_run = cli->dry_run;
    return 0;
}

int main(int argc, char **argv)
{
    struct rk_cli cli;
    struct mct_opts o;
    struct rk_err e;
    json_object *ctx = NULL;
    int rc;
    memset(&o, 0, sizeof(o));
    o.revision_key = "iree-revision";
    rk_err_clear(&e);
    rk_cli_init(&cli, "mk-candidate-tag", usage);
    rc = parse_args(&cli, &o, argc, argv);
    if (rc == 0 && rk_context_read(cli.context_path, NULL, &ctx, &e) < 0)
        rc = rk_log_report(&e);
    if (rc == 0) {
        rc = mct_run(&o, ctx, &e);
        if (rc < 0)
            rc = e.code == RK_USAGE ? rk_cli_usage_error(&cli, "%s", e.msg) : rk_log_report(&e);
        else if (rk_cli_output(ctx) != RK_OK)
            rc = RK_SYSTEM;
    }
    if (ctx)
        json_object_put(ctx);
    free(o.version_files);
    return rc == RK_CLI_DONE ? RK_OK : rc;
}
