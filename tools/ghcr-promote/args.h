/*
 * args.h - ghcr-promote's command line, shared by main.c (parsing) and run.c (the run).
 * Every string is borrowed from argv except plat_buf, owned by main.
 */
#ifndef GHCR_PROMOTE_ARGS_H
#define GHCR_PROMOTE_ARGS_H

#include "cli.h"
#include "promote.h"

#define MAX_LIST 64

struct args {
    struct rk_cli cli;
    struct popts o;
    const char *images;
    const char *repo_rules[MAX_LIST], *tag_rules[MAX_LIST], *vars[MAX_LIST];
    const char *insecure[MAX_LIST];
    char *platforms[MAX_LIST];
    size_t nrepo, ntag, nvar, ninsecure, nplat;
    char *plat_buf[MAX_LIST]; /* owned copies of --platform values */
    size_t nplat_buf;
};

/* run.c: everything after the options; args are the positional arguments */
int promote_main(struct args *a, int nargs, char **args);

#endif
