/* stub.c - see stub.h */
#include "stub.h"
#include "cli.h"
#include "err.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

int rk_stub_main(int argc, char **argv, const char *tool, const char *summary)
{
    static const struct option opts[] = {RK_CLI_LONGOPTS, {NULL, 0, NULL, 0}};
    char usage[1024];
    struct rk_cli cli;
    int c;
    snprintf(usage, sizeof(usage),
             "usage: %s [options]\n\n%s\n\nThis tool is not built yet: only --help and --version "
             "work.\n\n  -h, --help     show this help\n  -V, --version  show the version\n",
             tool, summary);
    rk_cli_init(&cli, tool, usage);
    while ((c = getopt_long(argc, argv, RK_CLI_SHORTOPTS, opts, NULL)) != -1) {
        int r = rk_cli_option(&cli, c, optarg);
        if (r == RK_CLI_EXIT_OK)
            return RK_OK;
        if (r == RK_CLI_EXIT_USAGE)
            return RK_USAGE;
    }
    rk_log_error("'%s' is not built yet: only --help and --version work", tool);
    return RK_USAGE;
}
