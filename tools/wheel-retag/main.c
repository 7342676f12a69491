/* wheel-retag - promote and retag wheels without recompressing them (see docs/man/wheel-retag.1) */
#include "retag.h"
#include "cli.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"
#include "pep440.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: wheel-retag [OPTIONS] [WHEEL...]\n"
    "Rewrite wheels' version, build tag, name, compatibility tags and Requires-Dist pins\n"
    "without recompressing them. Wheels come from the arguments, else from the context's\n"
    "\"files\" list (the JSON that gh-release download prints) on stdin or --context.\n"
    "\n"
    "  -o, --output-dir DIR       write the new wheels into DIR\n"
    "      --in-place             replace each input wheel by its new version\n"
    "      --set-version VERSION  set the version (PEP 440)\n"
    "      --final                drop the pre-release, dev and local parts of the version\n"
    "      --build-tag TAG        set the build tag ('' removes it)\n"
    "      --name NAME            rename the distribution\n"
    "      --python-tag TAGS      set the python tags (dotted set, e.g. py2.py3)\n"
    "      --add-python-tag TAG   add a python tag\n"
    "      --remove-python-tag TAG  remove a python tag\n"
    "      --abi-tag TAGS         set the abi tags\n"
    "      --add-abi-tag TAG      add an abi tag\n"
    "      --remove-abi-tag TAG   remove an abi tag\n"
    "      --platform-tag TAGS    set the platform tags\n"
    "      --add-platform-tag TAG  add a platform tag\n"
    "      --remove-platform-tag TAG  remove a platform tag\n"
    "      --pin NAME==VERSION    pin a Requires-Dist (e.g. 'iree-base-compiler==3.2.0')\n"
    "      --finalize-pins NAMES  turn '==' pins on pre-release versions of these projects\n"
    "                             (comma-separated, '*' for all) into final versions\n"
    "      --verify               check every RECORD hash while streaming\n"
    "  -j, --jobs N               process N wheels in parallel (default 1)\n"
    "      --context FILE         read the release context from FILE instead of stdin\n"
    "      --dry-run              read and check everything, print the plan, write nothing\n"
    "  -v, --verbose              more diagnostics (repeat for debug)\n"
    "  -q, --quiet                errors only\n"
    "  -h, --help                 show this help\n"
    "  -V, --version              show the version\n"
    "\n"
    "Exit status: 0 ok, 2 usage error, 3 invalid input (bad wheel, version, JSON),\n"
    "6 local I/O failure.\n";

static const struct option longopts[] = {
    RK_CLI_LONGOPTS,
    {"output-dir", required_argument, NULL, 'o'},
    {"in-place", no_argument, NULL, OPT_IN_PLACE},
    {"set-version", required_argument, NULL, OPT_SET_VERSION},
    {"final", no_argument, NULL, OPT_FINAL},
    {"build-tag", required_argument, NULL, OPT_BUILD},
    {"name", required_argument, NULL, OPT_NAME},
    {"python-tag", required_argument, NULL, OPT_TAG + 0},
    {"add-python-tag", required_argument, NULL, OPT_TAG + 1},
    {"remove-python-tag", required_argument, NULL, OPT_TAG + 2},
    {"abi-tag", required_argument, NULL, OPT_TAG + 3},
    {"add-abi-tag", required_argument, NULL, OPT_TAG + 4},
    {"remove-abi-tag", required_argument, NULL, OPT_TAG + 5},
    {"platform-tag", required_argument, NULL, OPT_TAG + 6},
    {"add-platform-tag", required_argument, NULL, OPT_TAG + 7},
    {"remove-platform-tag", required_argument, NULL, OPT_TAG + 8},
    {"pin", required_argument, NULL, OPT_PIN},
    {"finalize-pins", required_argument, NULL, OPT_FINALIZE},
    {"verify", no_argument, NULL, OPT_VERIFY},
    {"jobs", required_argument, NULL, 'j'},
    {NULL, 0, NULL, 0},
};

static int option_cb(void *ctx, int c, const char *arg)
{
    return retag_main_option(ctx, c, arg);
}

static int parse_args(struct args *a, int argc, char **argv)
{
    int r = rk_cli_parse(&a->cli, argc, argv, RK_CLI_SHORTOPTS "o:j:", longopts, option_cb, a);
    if (r != 0)
        return r;
    a->o.dry_run = a->cli.dry_run;
    if (a->o.set_version && a->o.final)
        return rk_cli_usage_error(&a->cli, "--set-version and --final exclude each other");
    if (a->o.in_place && a->o.out_dir)
        return rk_cli_usage_error(&a->cli, "--in-place and --output-dir exclude each other");
    if (!a->o.in_place && !a->o.out_dir && !a->o.dry_run)
        return rk_cli_usage_error(&a->cli, "say where to write: --output-dir DIR or --in-place");
    return 0;
}

static void write_summary(json_object *wheels)
{
    struct rk_buf md;
    struct rk_err e = {0, ""};
    if (!rk_log_in_actions())
        return;
    rk_buf_init(&md, 0);
    rk_buf_puts(&md, "### wheel-retag\n\n| wheel | version | status |\n| --- | --- | --- |\n");
    for (size_t i = 0; i < json_object_array_length(wheels); i++) {
        json_object *w = json_object_array_get_idx(wheels, i);
        rk_buf_printf(&md, "| `%s` | %s → %s | %s |\n", rk_json_str(w, "filename"),
                      rk_json_str(w, "previous_version"), rk_json_str(w, "version"),
                      rk_json_str(w, "status"));
    }
    if (rk_step_summary(rk_buf_cstr(&md), &e) < 0)
        rk_log_report(&e);
    rk_buf_release(&md);
}

static int finish(json_object *ctx, json_object **results, size_t n, int dry_run)
{
    json_object *wheels = json_object_new_array();
    int rc;
    for (size_t i = 0; i < n; i++) {
        json_object_array_add(wheels, results[i]);
        results[i] = NULL;
    }
    rk_json_set(ctx, "wheels", wheels);
    if (dry_run)
        rk_json_set_bool(ctx, "dry_run", 1);
    write_summary(wheels);
    rc = rk_cli_output(ctx);
    return rc;
}

int main(int argc, char **argv)
{
    struct args *a = calloc(1, sizeof(*a));
    json_object *ctx = NULL, **results = NULL;
    const char **paths = NULL;
    size_t n = 0;
    int rc;
    if (!a)
        return RK_SYSTEM;
    rk_cli_init(&a->cli, "wheel-retag", usage);
    a->o.jobs = 1;
    a->o.tag_ops = a->tags, a->o.pins = a->pins, a->o.finalize = a->finalize;
    rc = parse_args(a, argc, argv);
    if (rc == 0)
        rc = retag_main_inputs(a, argc, argv, &ctx, &paths, &n);
    if (rc == 0 && a->o.out_dir && !a->o.dry_run) {
        struct rk_err e = {0, ""};
        if (rk_mkdir_p(a->o.out_dir, 0755, &e) < 0)
            rc = rk_log_report(&e);
    }
    if (rc == 0) {
        results = calloc(n ? n : 1, sizeof(*results));
        rc = results ? retag_batch(paths, n, &a->o, results) : RK_SYSTEM;
        if (rc == 0)
            rc = finish(ctx, results, n, a->o.dry_run);
        for (size_t i = 0; results && i < n; i++)
            json_object_put(results[i]);
    }
    json_object_put(ctx);
    free(results);
    free(paths);
    for (size_t i = 0; i < sizeof(a->finalize_text) / sizeof(a->finalize_text[0]); i++)
        free(a->finalize_text[i]);
    free(a);
    return rc == RK_CLI_DONE ? RK_OK : rc;
}
