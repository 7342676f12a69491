/* get-latest-green: options, the context in, the result out, the exit code. */
#include "glg.h"
#include "cli.h"
#include "err.h"
#include "jsonio.h"
#include "log.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: get-latest-green [options]\n"
    "\n"
    "Find the newest commit on a branch whose required workflows and checks all succeeded,\n"
    "walking first parents from the head, and say why every newer commit was passed over.\n"
    "Or, with --per-job, the last good run of every job of a matrix workflow.\n"
    "\n"
    "Repository and history:\n"
    "  --repo OWNER/NAME       repository (default: the context's \"repo\", GITHUB_REPOSITORY)\n"
    "  --branch NAME           branch (default: the context's \"branch\", else the default "
    "branch)\n"
    "  --ref REF               start the walk at REF instead of the branch head\n"
    "  --max-commits N         judge at most N first-parent commits (default 100)\n"
    "  --since WHEN            stop at commits older than WHEN: a date (2024-11-01), an ISO 8601\n"
    "                          time, or a duration back from now (14d)\n"
    "\n"
    "What must have succeeded (each option repeatable):\n"
    "  --workflow FILE         a workflow, by file name (ci.yml) or id\n"
    "  --check NAME            a check run, by exact name\n"
    "  --check-regex RE        every check run whose name matches RE (POSIX ERE), at least one\n"
    "  --status CONTEXT        a commit status context\n"
    "  --required-from-branch  also the branch's required checks (rules and protection)\n"
    "  --event EVENT           only workflow runs of EVENT (default push; \"any\": every event)\n"
    "  --skipped POLICY        skipped and neutral conclusions count as: pass (default) or fail\n"
    "\n"
    "Per-job mode:\n"
    "  --per-job REGEX         for each job key (capture group 1 of REGEX on the job names of\n"
    "                          the one --workflow, else the whole match): the newest run where\n"
    "                          it succeeded (last_good) and the newest run at all (latest)\n"
    "  --max-runs N            runs examined in per-job mode (default 90)\n"
    "\n"
    "Common:\n"
    "  --parallel N            concurrent requests (default 8)\n"
    "  --context FILE          read the context from FILE instead of stdin\n"
    "  --dry-run               accepted for symmetry: this tool only reads\n"
    "  -v, --verbose           more detail on stderr (repeat for debug)\n"
    "  -q, --quiet             errors only\n"
    "  -h, --help              show this help\n"
    "  -V, --version           show the version\n"
    "\n"
    "Green means every required item's newest attempt concluded success on that commit; a\n"
    "missing item is not green. The result is the context with \"commit\" {sha, date, url}\n"
    "and \"green\" {required, depth, examined, requests, passed_over: [{sha, date, url,\n"
    "reasons}]}. No green commit within the bounds: exit 1, the reasons still on stdout.\n"
    "\n"
    "Exit status: 0 green commit found, 1 none, 2 usage, 3 invalid input, 4 remote refused,\n"
    "5 transient remote failure, 6 local failure. Token: GH_TOKEN or GITHUB_TOKEN.\n";

enum {
    OPT_REPO = RK_OPT_FIRST_TOOL,
    OPT_BRANCH,
    OPT_REF,
    OPT_MAX_COMMITS,
    OPT_SINCE,
    OPT_WORKFLOW,
    OPT_CHECK,
    OPT_CHECK_RE,
    OPT_STATUS,
    OPT_FROM_BRANCH,
    OPT_EVENT,
    OPT_SKIPPED,
    OPT_PER_JOB,
    OPT_MAX_RUNS,
    OPT_PARALLEL,
};


static const struct option longopts[] = {
    RK_CLI_LONGOPTS,
    {"repo", required_argument, NULL, OPT_REPO},
    {"branch", required_argument, NULL, OPT_BRANCH},
    {"ref", required_argument, NULL, OPT_REF},
    {"max-commits", required_argument, NULL, OPT_MAX_COMMITS},
    {"since", required_argument, NULL, OPT_SINCE},
    {"workflow", required_argument, NULL, OPT_WORKFLOW},
    {"check", required_argument, NULL, OPT_CHECK},
    {"check-regex", required_argument, NULL, OPT_CHECK_RE},
    {"status", required_argument, NULL, OPT_STATUS},
    {"required-from-branch", no_argument, NULL, OPT_FROM_BRANCH},
    {"event", required_argument, NULL, OPT_EVENT},
    {"skipped", required_argument, NULL, OPT_SKIPPED},
    {"per-job", required_argument, NULL, OPT_PER_JOB},
    {"max-runs", required_argument, NULL, OPT_MAX_RUNS},
    {"parallel", required_argument, NULL, OPT_PARALLEL},
    {NULL, 0, NULL, 0},
};

static int number(const struct rk_cli *cli, const char *opt, const char *arg, int64_t max, int *out)
{
    int64_t v;
    if (rk_parse_int(arg, 1, max, &v) < 0)
        return rk_cli_usage_error(cli, "invalid %s '%s': expected a number from 1 to %lld", opt,
                                  arg, (long long)max);
    *out = (int)v;
    return 0;
}

static int add_req(const struct rk_cli *cli, struct glg_opts *o, enum rk_req_kind kind,
                   const char *arg)
{
    struct rk_err e;
    rk_err_clear(&e);
    if (rk_reqs_add(&o->reqs, kind, arg, &e) < 0)
        return e.code == RK_USAGE ? rk_cli_usage_error(cli, "%s", e.msg) : rk_log_report(&e);
    return 0;
}

/* options that set a string field */
static const struct {
    int opt;
    size_t off;
} string_opts[] = {
    {OPT_REPO, offsetof(struct glg_opts, repo)},
    {OPT_BRANCH, offsetof(struct glg_opts, branch)},
    {OPT_REF, offsetof(struct glg_opts, ref)},
    {OPT_SINCE, offsetof(struct glg_opts, since)},
    {OPT_EVENT, offsetof(struct glg_opts, event)},
    {OPT_PER_JOB, offsetof(struct glg_opts, per_job)},
};

/* one tool option; 0 or an exit code */
static int option(const struct rk_cli *cli, struct glg_opts *o, int c, const char *arg)
{
    for (size_t i = 0; i < sizeof(string_opts) / sizeof(string_opts[0]); i++)
        if (string_opts[i].opt == c) {
            *(const char **)((char *)o + string_opts[i].off) = arg;
            return 0;
        }
    switch (c) {
    case OPT_FROM_BRANCH:
        o->from_branch = 1;
        return 0;
    case OPT_MAX_COMMITS:
        return number(cli, "--max-commits", arg, 10000, &o->max_commits);
    case OPT_MAX_RUNS:
        return number(cli, "--max-runs", arg, 1000, &o->max_runs);
    case OPT_PARALLEL:
        return number(cli, "--parallel", arg, 64, &o->parallel);
    case OPT_WORKFLOW:
        return add_req(cli, o, RK_REQ_WORKFLOW, arg);
    case OPT_CHECK:
        return add_req(cli, o, RK_REQ_CHECK, arg);
    case OPT_CHECK_RE:
        return add_req(cli, o, RK_REQ_CHECK_RE, arg);
    case OPT_STATUS:
        return add_req(cli, o, RK_REQ_STATUS, arg);
    case OPT_SKIPPED:
        if (rk_skip_policy_parse(arg, &o->policy) < 0)
            return rk_cli_usage_error(cli, "invalid --skipped '%s': expected pass or fail", arg);
        return 0;
    default:
        return rk_cli_usage_error(cli, "unexpected option");
    }
}

struct option_ctx {
    const struct rk_cli *cli;
    struct glg_opts *o;
};

static int option_cb(void *p, int c, const char *arg)
{
    struct option_ctx *x = p;
    return option(x->cli, x->o, c, arg);
}

static int parse_args(struct rk_cli *cli, struct glg_opts *o, int argc, char **argv)
{
    struct option_ctx x = {cli, o};
    int r = rk_cli_parse(cli, argc, argv, RK_CLI_SHORTOPTS, longopts, option_cb, &x);
    if (r != 0)
        return r;
    if (optind < argc)
        return rk_cli_usage_error(cli, "unexpected argument '%s'", argv[optind]);
    if (o->per_job && o->ref)
        return rk_cli_usage_error(cli, "--ref does not apply to --per-job");
    return 0;
}

int main(int argc, char **argv)
{
    struct rk_cli cli;
    struct glg_opts o;
    struct rk_err e;
    json_object *ctx = NULL;
    int rc;
    memset(&o, 0, sizeof(o));
    rk_reqs_init(&o.reqs);
    o.max_commits = 100;
    o.max_runs = 90;
    o.parallel = 8;
    o.event = NULL;
    rk_err_clear(&e);
    rk_cli_init(&cli, "get-latest-green", usage);
    rc = parse_args(&cli, &o, argc, argv);
    if (rc != 0) {
        rk_reqs_release(&o.reqs);
        return rc == RK_CLI_DONE ? RK_OK : rc;
    }
    if (!o.event)
        o.event = o.per_job ? "any" : "push";
    if (rk_context_read(cli.context_path, NULL, &ctx, &e) < 0) {
        rk_reqs_release(&o.reqs);
        return rk_log_report(&e);
    }
    rc = glg_run(&o, ctx, &e);
    if (rc < 0)
        rc = e.code == RK_USAGE ? rk_cli_usage_error(&cli, "%s", e.msg) : rk_log_report(&e);
    else if (rk_cli_output(ctx) != RK_OK)
        rc = RK_SYSTEM;
    json_object_put(ctx);
    rk_reqs_release(&o.reqs);
    return rc;
}
