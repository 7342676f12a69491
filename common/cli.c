/* cli.c - see cli.h */
#include "cli.h"
#include "err.h"
#include "jsonio.h"
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rk_cli_init(struct rk_cli *c, const char *tool, const char *usage)
{
    memset(c, 0, sizeof(*c));
    c->tool = tool;
    c->usage = usage;
    rk_log_init(tool);
    atexit(rk_log_forget_secrets);
}

int rk_cli_option(struct rk_cli *c, int opt, const char *arg)
{
    switch (opt) {
    case 'h':
        fputs(c->usage, stdout);
        return fflush(stdout) == 0 ? RK_CLI_EXIT_OK : RK_CLI_EXIT_USAGE;
    case 'V':
        printf("%s (relkit) %s\n", c->tool, RELKIT_VERSION);
        return RK_CLI_EXIT_OK;
    case 'v':
        c->verbosity = c->verbosity < 0 ? 1 : c->verbosity + 1;
        rk_log_set_verbosity(c->verbosity);
        return RK_CLI_HANDLED;
    case 'q':
        c->verbosity = -1;
        rk_log_set_verbosity(-1);
        return RK_CLI_HANDLED;
    case RK_OPT_CONTEXT:
        c->context_path = arg;
        return RK_CLI_HANDLED;
    case RK_OPT_DRY_RUN:
        c->dry_run = 1;
        return RK_CLI_HANDLED;
    case '?':
    case ':':
        /* getopt already printed what was wrong */
        fprintf(stderr, "try '%s --help'\n", c->tool);
        return RK_CLI_EXIT_USAGE;
    default:
        return RK_CLI_NOT_MINE;
    }
}

int rk_cli_parse(struct rk_cli *c, int argc, char **argv, const char *shortopts,
                 const struct option *longopts, rk_cli_tool_option_fn tool_option, void *ctx)
{
    int opt;
    while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        int r = rk_cli_option(c, opt, optarg);
        if (r == RK_CLI_EXIT_OK)
            return RK_CLI_DONE;
        if (r == RK_CLI_EXIT_USAGE)
            return RK_USAGE;
        if (r == RK_CLI_NOT_MINE && (r = tool_option(ctx, opt, optarg)) != 0)
            return r;
    }
    return 0;
}

int rk_cli_usage_error(const struct rk_cli *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rk_log_error("%s", msg);
    fprintf(stderr, "try '%s --help'\n", c->tool);
    return RK_USAGE;
}

int rk_cli_output(json_object *result)
{
    struct rk_err e;
    rk_err_clear(&e);
    if (rk_json_write(stdout, result, &e) < 0)
        return rk_log_report(&e);
    return RK_OK;
}

int rk_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    long long v;
    if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int rk_parse_duration(const char *s, int64_t *seconds)
{
    char *end;
    long long v;
    int64_t mult = 1;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || v < 0)
        return -1;
    if (*end) {
        if (end[1])
            return -1;
        switch (*end) {
        case 's': mult = 1; break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = 86400; break;
        case 'w': mult = 7 * 86400; break;
        default: return -1;
        }
    }
    if (v > INT64_MAX / mult)
        return -1;
    *seconds = v * mult;
    return 0;
}
