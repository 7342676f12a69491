/*
 * cli.h - what every tool's main() shares: common options, usage errors, the result.
 *
 * Every tool accepts: -h/--help, -V/--version, -v/--verbose (repeat for -vv), -q/--quiet,
 * --context FILE, --dry-run. Tools list RK_CLI_LONGOPTS in their option table, RK_CLI_SHORTOPTS
 * in their optstring, and pass every option they do not handle to rk_cli_option().
 * Usage errors print "tool: error: ..." and "try 'tool --help'" and are exit 2.
 */
#ifndef RELKIT_CLI_H
#define RELKIT_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <json-c/json.h>

struct rk_err;

enum { RK_OPT_CONTEXT = 0x1000, RK_OPT_DRY_RUN, RK_OPT_FIRST_TOOL = 0x1100 };

#define RK_CLI_SHORTOPTS "hVvq"
#define RK_CLI_LONGOPTS                                                                            \
    {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},                         \
        {"verbose", no_argument, NULL, 'v'}, {"quiet", no_argument, NULL, 'q'},                    \
        {"context", required_argument, NULL, RK_OPT_CONTEXT},                                      \
        {"dry-run", no_argument, NULL, RK_OPT_DRY_RUN}

struct rk_cli {
    const char *tool;  /* borrowed */
    const char *usage; /* borrowed: the full --help text */
    const char *context_path;
    int verbosity;
    int dry_run;
};

enum { RK_CLI_NOT_MINE = -1, RK_CLI_HANDLED = 0, RK_CLI_EXIT_OK = 1, RK_CLI_EXIT_USAGE = 2 };

/* Initialise logging and the struct; registers the wiping of secrets at exit. */
void rk_cli_init(struct rk_cli *c, const char *tool, const char *usage);
/* Handle one getopt result. Returns RK_CLI_HANDLED, RK_CLI_NOT_MINE, or RK_CLI_EXIT_OK /
 * RK_CLI_EXIT_USAGE when main should return 0 / 2 now (help, version, unknown option). */
int rk_cli_option(struct rk_cli *c, int opt, const char *arg);
/* A tool's own options: 0 when handled, else an exit code (usually from rk_cli_usage_error). */
typedef int (*rk_cli_tool_option_fn)(void *ctx, int opt, const char *arg);

#define RK_CLI_DONE (-1) /* rk_cli_parse: --help or --version was answered, exit 0 */

/* The getopt_long loop every tool runs: common options through rk_cli_option, the rest to
 * tool_option(ctx, ...). Returns 0 to go on (optind at the first operand), RK_CLI_DONE when
 * help or version was printed, or an exit code. */
int rk_cli_parse(struct rk_cli *c, int argc, char **argv, const char *shortopts,
                 const struct option *longopts, rk_cli_tool_option_fn tool_option, void *ctx);

/* Print a usage error and return RK_USAGE. */
int rk_cli_usage_error(const struct rk_cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Write the result to stdout; returns the exit code to use (RK_SYSTEM if stdout failed). */
int rk_cli_output(json_object *result);

/* Number parsing for option values: whole decimal in [min, max]; -1 otherwise. */
int rk_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);
/* Durations: "90s", "15m", "12h", "180d", "2w"; a bare number is seconds. -1 if malformed. */
int rk_parse_duration(const char *s, int64_t *seconds);

#endif
