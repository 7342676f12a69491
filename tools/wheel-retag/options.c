/* options.c - wheel-retag's own options and where the wheels come from */
#include "retag.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int valid_tags(const char *s, int dotted)
{
    char buf[RK_WHEEL_FIELD];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof(buf) || s[n - 1] == '.')
        return 0;
    while (*s) {
        size_t k = strcspn(s, ".");
        if (k == 0 || (!dotted && s[k]))
            return 0;
        memcpy(buf, s, k);
        buf[k] = '\0';
        if (!rk_wheel_valid_tag(buf))
            return 0;
        s += k + (s[k] == '.');
    }
    return 1;
}

static int tag_option(struct args *a, int which, const char *arg)
{
    static const char ops[] = {'=', '+', '-'};
    struct retag_opts *o = &a->o;
    if (o->ntag_ops >= sizeof(a->tags) / sizeof(a->tags[0]))
        return rk_cli_usage_error(&a->cli, "too many tag options");
    if (!valid_tags(arg, which % 3 == 0))
        return rk_cli_usage_error(&a->cli, "invalid tag '%s'", arg);
    a->tags[o->ntag_ops].kind = which / 3;
    a->tags[o->ntag_ops].op = ops[which % 3];
    a->tags[o->ntag_ops++].tag = arg;
    return 0;
}

static int pin_option(struct args *a, const char *arg)
{
    struct retag_pin *p = &a->pins[a->o.npins];
    struct rk_err e = {0, ""};
    if (a->o.npins >= sizeof(a->pins) / sizeof(a->pins[0]))
        return rk_cli_usage_error(&a->cli, "too many --pin options");
    if (rk_req_parse_pin(arg, p->name, p->version, &e) < 0)
        return rk_cli_usage_error(&a->cli, "invalid --pin '%s': expected NAME==VERSION: %s", arg,
                                  e.msg);
    a->o.npins++;
    return 0;
}

static int finalize_option(struct args *a, const char *arg)
{
    char *text, *save = NULL;
    if (a->nfinalize_text >= sizeof(a->finalize_text) / sizeof(a->finalize_text[0]) ||
        !(text = strdup(arg)))
        return rk_cli_usage_error(&a->cli, "too many --finalize-pins options");
    a->finalize_text[a->nfinalize_text++] = text;
    for (char *t = strtok_r(text, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        if (strcmp(t, "*") != 0 && !rk_wheel_valid_name(t))
            return rk_cli_usage_error(&a->cli, "invalid project name '%s'", t);
        if (a->o.nfinalize >= sizeof(a->finalize) / sizeof(a->finalize[0]))
            return rk_cli_usage_error(&a->cli, "too many --finalize-pins names");
        a->finalize[a->o.nfinalize++] = t;
    }
    return 0;
}

static int value_option(struct args *a, int c, const char *arg)
{
    struct rk_err e = {0, ""};
    int64_t j;
    switch (c) {
    case 'o':
        a->o.out_dir = arg;
        return 0;
    case 'j':
        if (rk_parse_int(arg, 1, 64, &j) < 0)
            return rk_cli_usage_error(&a->cli, "invalid --jobs '%s': expected 1 to 64", arg);
        a->o.jobs = (int)j;
        return 0;
    case OPT_SET_VERSION:
        if (rk_pep440_normalize(arg, a->version, sizeof(a->version), &e) < 0)
            return rk_cli_usage_error(&a->cli, "%s", e.msg);
        a->o.set_version = a->version;
        return 0;
    case OPT_BUILD:
        if (arg[0] && !rk_wheel_valid_build(arg))
            return rk_cli_usage_error(&a->cli,
                                      "invalid build tag '%s': it must start with a "
                                      "digit and hold only letters, digits and '_'",
                                      arg);
        a->o.build = arg;
        return 0;
    case OPT_NAME:
        if (!rk_wheel_valid_name(arg))
            return rk_cli_usage_error(&a->cli, "invalid project name '%s'", arg);
        a->o.name = arg;
        return 0;
    }
    return -1;
}

int retag_main_option(struct args *a, int c, const char *arg)
{
    int r;
    if (c >= OPT_TAG && c < OPT_TAG + 9)
        return tag_option(a, c - OPT_TAG, arg);
    switch (c) {
    case OPT_IN_PLACE:
        a->o.in_place = 1;
        return 0;
    case OPT_FINAL:
        a->o.final = 1;
        return 0;
    case OPT_VERIFY:
        a->o.verify = 1;
        return 0;
    case OPT_PIN:
        return pin_option(a, arg);
    case OPT_FINALIZE:
        return finalize_option(a, arg);
    }
    r = value_option(a, c, arg);
    return r < 0 ? rk_cli_usage_error(&a->cli, "unknown option") : r;
}

static int is_wheel(const char *s)
{
    size_t n = strlen(s);
    return n > 4 && strcmp(s + n - 4, ".whl") == 0;
}

/* the "files" list: objects with "path" (or "name"), or plain path strings */
static int context_paths(json_object *files, const char **paths, size_t *n, struct rk_err *e)
{
    for (size_t i = 0; i < json_object_array_length(files); i++) {
        json_object *f = json_object_array_get_idx(files, i);
        const char *p = json_object_is_type(f, json_type_string) ? json_object_get_string(f)
                        : rk_json_str(f, "path")                 ? rk_json_str(f, "path")
                                                                 : rk_json_str(f, "name");
        if (!p || !*p)
            return rk_err_set(e, RK_INPUT, "standard input: files[%zu] has no \"path\"", i);
        if (is_wheel(p))
            paths[(*n)++] = p;
        else
            rk_log_verbose("skipping '%s': not a wheel", p);
    }
    return 0;
}

int retag_main_inputs(struct args *a, int argc, char **argv, json_object **ctx, const char ***paths,
                      size_t *n)
{
    struct rk_err e = {0, ""};
    json_object *files;
    size_t cap;
    *n = 0;
    if (rk_context_read(a->cli.context_path, "files", ctx, &e) < 0)
        return rk_log_report(&e);
    files = rk_json_array(*ctx, "files");
    cap = (size_t)(argc - optind) + (files ? json_object_array_length(files) : 0);
    *paths = calloc(cap ? cap : 1, sizeof(**paths));
    if (!*paths)
        return RK_SYSTEM;
    if (optind < argc) {
        for (int i = optind; i < argc; i++)
            (*paths)[(*n)++] = argv[i];
    } else if (files && context_paths(files, *paths, n, &e) < 0) {
        return rk_log_report(&e);
    }
    if (*n == 0 && optind >= argc && !files)
        return rk_cli_usage_error(&a->cli, "no wheels: give paths or a \"files\" list on stdin");
    return 0;
}
