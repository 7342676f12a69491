/* options.c - gh-release's command line: the command, then its options and arguments */
#include "ghr.h"
#include "log.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    O_TAG = 't',
    O_JOBS = 'j',
    O_PATTERN = 'p',
    O_DIR = 'D',
    O_YES = 'y',
    O_REPO = 'R',
    O_TARGET = RK_OPT_FIRST_TOOL,
    O_NAME,
    O_NOTES,
    O_NOTES_FILE,
    O_DRAFT,
    O_PRERELEASE,
    O_STABLE,
    O_LATEST,
    O_IF_EXISTS,
    O_CLOBBER,
    O_CONTENT_TYPE,
    O_METADATA,
    O_EXPECT,
    O_MANIFEST,
    O_FROM,
    O_RELEASE_VERSION,
    O_COPY,
    O_WHEELS,
    O_TAG_REGEX,
    O_OLDER_THAN,
    O_NEWER_THAN,
    O_LIMIT,
    O_KEEP,
    O_CLEANUP_TAG,
    O_INCLUDE_DRAFTS,
};

static const struct option longopts[] = {
    RK_CLI_LONGOPTS,
    {"repo", required_argument, NULL, O_REPO},
    {"tag", required_argument, NULL, O_TAG},
    {"target", required_argument, NULL, O_TARGET},
    {"name", required_argument, NULL, O_NAME},
    {"notes", required_argument, NULL, O_NOTES},
    {"notes-file", required_argument, NULL, O_NOTES_FILE},
    {"draft", no_argument, NULL, O_DRAFT},
    {"prerelease", no_argument, NULL, O_PRERELEASE},
    {"stable", no_argument, NULL, O_STABLE},
    {"latest", required_argument, NULL, O_LATEST},
    {"if-exists", required_argument, NULL, O_IF_EXISTS},
    {"jobs", required_argument, NULL, O_JOBS},
    {"clobber", no_argument, NULL, O_CLOBBER},
    {"content-type", required_argument, NULL, O_CONTENT_TYPE},
    {"metadata", no_argument, NULL, O_METADATA},
    {"expect", required_argument, NULL, O_EXPECT},
    {"manifest", required_argument, NULL, O_MANIFEST},
    {"from", required_argument, NULL, O_FROM},
    {"release-version", required_argument, NULL, O_RELEASE_VERSION},
    {"copy", required_argument, NULL, O_COPY},
    {"wheels", required_argument, NULL, O_WHEELS},
    {"pattern", required_argument, NULL, O_PATTERN},
    {"dir", required_argument, NULL, O_DIR},
    {"tag-regex", required_argument, NULL, O_TAG_REGEX},
    {"older-than", required_argument, NULL, O_OLDER_THAN},
    {"newer-than", required_argument, NULL, O_NEWER_THAN},
    {"limit", required_argument, NULL, O_LIMIT},
    {"keep", required_argument, NULL, O_KEEP},
    {"cleanup-tag", no_argument, NULL, O_CLEANUP_TAG},
    {"include-drafts", no_argument, NULL, O_INCLUDE_DRAFTS},
    {"yes", no_argument, NULL, O_YES},
    {NULL, 0, NULL, 0},
};

static const struct {
    const char *name;
    enum ghr_cmd cmd;
    const int *allowed; /* terminated by 0; the common options are always allowed */
} commands[] = {
#define ALLOW(...) ((const int[]){__VA_ARGS__, 0})
    {"create", GHR_CREATE,
     ALLOW(O_TAG, O_TARGET, O_NAME, O_NOTES, O_NOTES_FILE, O_DRAFT, O_PRERELEASE, O_LATEST,
           O_IF_EXISTS)},
    {"upload", GHR_UPLOAD, ALLOW(O_TAG, O_JOBS, O_CLOBBER, O_CONTENT_TYPE, O_METADATA)},
    {"publish", GHR_PUBLISH, ALLOW(O_TAG, O_EXPECT, O_MANIFEST, O_LATEST)},
    {"promote", GHR_PROMOTE,
     ALLOW(O_FROM, O_RELEASE_VERSION, O_TAG, O_NAME, O_NOTES, O_NOTES_FILE, O_COPY, O_WHEELS,
           O_LATEST, O_JOBS, O_CLOBBER)},
    {"download", GHR_DOWNLOAD, ALLOW(O_TAG, O_PATTERN, O_DIR, O_JOBS, O_CLOBBER)},
    {"list", GHR_LIST,
     ALLOW(O_TAG_REGEX, O_DRAFT, O_PRERELEASE, O_STABLE, O_OLDER_THAN, O_NEWER_THAN, O_LIMIT)},
    {"view", GHR_VIEW, ALLOW(O_TAG)},
    {"verify", GHR_VERIFY, ALLOW(O_TAG, O_DIR, O_PATTERN, O_JOBS)},
    {"prune", GHR_PRUNE,
     ALLOW(O_OLDER_THAN, O_TAG_REGEX, O_KEEP, O_CLEANUP_TAG, O_INCLUDE_DRAFTS, O_YES)},
#undef ALLOW
};

static int allowed(enum ghr_cmd cmd, int opt)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (commands[i].cmd != cmd)
            continue;
        for (const int *a = commands[i].allowed; *a; a++)
            if (*a == opt)
                return 1;
    }
    return opt == O_REPO;
}

static const char *opt_name(int opt)
{
    for (const struct option *o = longopts; o->name; o++)
        if (o->val == opt)
            return o->name;
    return "?";
}

static int num(struct ghr *g, int opt, const char *arg, int64_t min, int64_t max, int64_t *out)
{
    if (rk_parse_int(arg, min, max, out) < 0)
        return rk_cli_usage_error(&g->cli, "invalid --%s '%s': expected a number in [%lld, %lld]",
                                  opt_name(opt), arg, (long long)min, (long long)max);
    return RK_OK;
}

static int age(struct ghr *g, int opt, const char *arg, int64_t *out)
{
    if (rk_parse_duration(arg, out) < 0)
        return rk_cli_usage_error(&g->cli, "invalid --%s '%s': expected a duration like 180d",
                                  opt_name(opt), arg);
    return RK_OK;
}

static int one_of(struct ghr *g, int opt, const char *arg, const char *const *words)
{
    for (; *words; words++)
        if (strcmp(arg, *words) == 0)
            return RK_OK;
    return rk_cli_usage_error(&g->cli, "invalid --%s '%s'", opt_name(opt), arg);
}

static void push(struct ghr_list *l, const char *s)
{
    l->v[l->n++] = s;
}

/* options that store their argument, set a flag or add to a list */
#define STR(o, f)                                                                                  \
    {                                                                                              \
        o, offsetof(struct ghr_opts, f), 's'                                                       \
    }
#define FLAG(o, f)                                                                                 \
    {                                                                                              \
        o, offsetof(struct ghr_opts, f), 'f'                                                       \
    }
#define LIST(o, f)                                                                                 \
    {                                                                                              \
        o, offsetof(struct ghr_opts, f), 'l'                                                       \
    }
static const struct {
    int opt;
    size_t off;
    char kind;
} simple[] = {
    STR(O_REPO, repo),
    STR(O_TAG, tag),
    STR(O_TARGET, target),
    STR(O_NAME, name),
    STR(O_NOTES, notes),
    STR(O_NOTES_FILE, notes_file),
    STR(O_CONTENT_TYPE, content_type),
    STR(O_MANIFEST, manifest),
    STR(O_FROM, from),
    STR(O_RELEASE_VERSION, version),
    STR(O_WHEELS, wheels),
    STR(O_DIR, dir),
    STR(O_TAG_REGEX, tag_regex),
    FLAG(O_DRAFT, draft),
    FLAG(O_PRERELEASE, prerelease),
    FLAG(O_STABLE, stable),
    FLAG(O_CLOBBER, clobber),
    FLAG(O_METADATA, metadata),
    FLAG(O_CLEANUP_TAG, cleanup_tag),
    FLAG(O_INCLUDE_DRAFTS, include_drafts),
    FLAG(O_YES, yes),
    LIST(O_EXPECT, expect),
    LIST(O_COPY, copy),
    LIST(O_PATTERN, pattern),
};
#undef STR
#undef FLAG
#undef LIST

static int set_simple(struct ghr_opts *o, int opt, const char *arg)
{
    for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
        char *field = (char *)o + simple[i].off;
        if (simple[i].opt != opt)
            continue;
        if (simple[i].kind == 's')
            *(const char **)(void *)field = arg;
        else if (simple[i].kind == 'f')
            *(int *)(void *)field = 1;
        else
            push((struct ghr_list *)(void *)field, arg);
        return 1;
    }
    return 0;
}

/* values of the tool's own options; RK_OK or RK_USAGE */
static int set_value(struct ghr *g, int opt, const char *arg)
{
    struct ghr_opts *o = &g->opts;
    int64_t n;
    static const char *const latest[] = {"true", "false", "legacy", NULL};
    static const char *const ifex[] = {"reuse", "update", "fail", NULL};
    if (set_simple(o, opt, arg))
        return RK_OK;
    switch (opt) {
    case O_LATEST:
        o->latest = arg;
        return one_of(g, opt, arg, latest);
    case O_IF_EXISTS:
        o->if_exists = arg;
        return one_of(g, opt, arg, ifex);
    case O_JOBS:
        if (num(g, opt, arg, 1, GHR_JOBS_MAX, &n) != RK_OK)
            return RK_USAGE;
        o->jobs = (int)n;
        return RK_OK;
    case O_OLDER_THAN:
        return age(g, opt, arg, &o->older_than);
    case O_NEWER_THAN:
        return age(g, opt, arg, &o->newer_than);
    case O_LIMIT:
        return num(g, opt, arg, 1, INT32_MAX, &o->limit);
    case O_KEEP:
        return num(g, opt, arg, 0, INT32_MAX, &o->keep);
    default:
        return rk_cli_usage_error(&g->cli, "unknown option");
    }
}

static int find_command(struct ghr *g, const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, name) == 0) {
            g->cmd = commands[i].cmd;
            g->cmd_name = commands[i].name;
            g->opts.jobs = g->cmd == GHR_DOWNLOAD || g->cmd == GHR_VERIFY ? GHR_JOBS_READ
                           : g->cmd == GHR_UPLOAD || g->cmd == GHR_PROMOTE ? GHR_JOBS_WRITE
                                                                           : GHR_JOBS_DEFAULT;
            return RK_OK;
        }
    }
    return rk_cli_usage_error(&g->cli, "unknown command '%s'", name);
}

static int alloc_lists(struct ghr *g, int argc)
{
    struct ghr_opts *o = &g->opts;
    struct ghr_list *lists[] = {&o->expect, &o->copy, &o->pattern, &o->args};
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        lists[i]->v = calloc((size_t)argc + 1, sizeof(char *));
        if (!lists[i]->v)
            return -1;
    }
    return 0;
}

static void defaults(struct ghr_opts *o)
{
    o->jobs = GHR_JOBS_DEFAULT;
    o->older_than = o->newer_than = -1;
    o->keep = o->limit = -1;
}

/* the command's options; RK_OK, RK_USAGE, or -1 when --help/--version answered */
static int parse_options(struct ghr *g, int argc, char **argv)
{
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, RK_CLI_SHORTOPTS "R:t:j:p:D:y", longopts, NULL)) != -1) {
        int r;
        if (c == 'h') {
            fputs(ghr_cmd_usage(g->cmd), stdout);
            return fflush(stdout) == 0 ? -1 : RK_SYSTEM;
        }
        r = rk_cli_option(&g->cli, c, optarg);
        if (r == RK_CLI_EXIT_OK)
            return -1;
        if (r == RK_CLI_EXIT_USAGE)
            return RK_USAGE;
        if (r == RK_CLI_HANDLED)
            continue;
        if (!allowed(g->cmd, c))
            return rk_cli_usage_error(&g->cli, "option '--%s' is not an option of '%s'",
                                      opt_name(c), g->cmd_name);
        if (set_value(g, c, optarg) != RK_OK)
            return RK_USAGE;
    }
    for (int i = optind; i < argc; i++)
        push(&g->opts.args, argv[i]);
    return RK_OK;
}

int ghr_parse(struct ghr *g, int argc, char **argv)
{
    rk_cli_init(&g->cli, "gh-release", ghr_usage());
    defaults(&g->opts);
    if (alloc_lists(g, argc) < 0) {
        rk_log_error("out of memory");
        return RK_SYSTEM;
    }
    if (argc < 2)
        return rk_cli_usage_error(&g->cli, "a command is required");
    if (argv[1][0] == '-') {
        /* gh-release --help / --version / a usage error */
        static const struct option top[] = {RK_CLI_LONGOPTS, {NULL, 0, NULL, 0}};
        int c = getopt_long(2, argv, RK_CLI_SHORTOPTS, top, NULL);
        int r = rk_cli_option(&g->cli, c, optarg);
        if (r == RK_CLI_EXIT_OK)
            return -1;
        if (r == RK_CLI_EXIT_USAGE)
            return RK_USAGE;
        return rk_cli_usage_error(&g->cli, "the command comes first: gh-release <command> ...");
    }
    if (find_command(g, argv[1]) != RK_OK)
        return RK_USAGE;
    /* getopt names the program after argv[0]: keep it "gh-release", drop the command */
    g->argv = calloc((size_t)argc, sizeof(char *));
    if (!g->argv) {
        rk_log_error("out of memory");
        return RK_SYSTEM;
    }
    g->argv[0] = argv[0];
    for (int i = 2; i < argc; i++)
        g->argv[i - 1] = argv[i];
    return parse_options(g, argc - 1, g->argv);
}
