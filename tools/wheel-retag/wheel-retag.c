/* wheel-retag.c - one wheel from start to end, many in parallel, the JSON result */
#include "retag.h"
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const change_names[] = {"name", "version",       "build",
                                           "tags", "requires-dist", "signatures"};

static json_object *str_array(char **v, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_string(v[i]));
    return a;
}

/* the result of one wheel (owned) */
static json_object *result_json(const struct retag_in *in, const struct retag_plan *p,
                                const struct retag_opts *o)
{
    json_object *r = json_object_new_object(), *ch = json_object_new_array();
    char hex[RK_SHA256_HEX_LEN];
    rk_json_set_str(r, "input", in->path);
    rk_json_set_str(r, "output", p->output);
    rk_json_set_str(r, "filename", p->filename);
    rk_json_set_str(r, "name", p->name);
    rk_json_set_str(r, "version", p->version);
    rk_json_set_str(r, "previous_version", in->w.version);
    rk_json_set(r, "tags", str_array(p->tags, p->ntags));
    rk_json_set_str(r, "build", p->fn.build[0] ? p->fn.build : NULL);
    if (o->dry_run) {
        rk_json_set(r, "sha256", NULL);
        rk_json_set(r, "size", NULL);
    } else {
        rk_hex(p->sha, RK_SHA256_LEN, hex);
        rk_json_set_str(r, "sha256", hex);
        rk_json_set_int(r, "size", (int64_t)p->size);
    }
    for (size_t i = 0; i < sizeof(change_names) / sizeof(change_names[0]); i++)
        if (p->changed & (1u << i))
            json_object_array_add(ch, json_object_new_string(change_names[i]));
    rk_json_set(r, "changed", ch);
    rk_json_set_str(r, "status", p->changed ? "retagged" : "unchanged");
    return r;
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (strcmp(a, b) == 0)
        return 1;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static int run_one(struct retag_in *in, struct retag_plan *p, const struct retag_opts *o,
                   struct rk_err *e)
{
    int same = same_file(p->output, in->path);
    if (p->changed && same && !o->in_place)
        return rk_err_set(e, RK_USAGE,
                          "the output '%s' would replace the input; use --in-place or another "
                          "--output-dir",
                          p->output);
    if (o->dry_run)
        return o->verify ? retag_verify_only(in, e) : 0;
    if (!p->changed && same)
        snprintf(p->output, sizeof(p->output), "%s", in->path);
    if (retag_write(p, in, o, e) < 0)
        return -1;
    rk_log_verbose("%s: %s -> %s", p->changed ? "retagged" : "unchanged", in->base, p->output);
    return 0;
}

int retag_one(const char *path, const struct retag_opts *o, json_object **out, struct rk_err *e)
{
    struct retag_in in;
    struct retag_plan p;
    int rc;
    *out = NULL;
    memset(&p, 0, sizeof(p));
    rc = retag_read(&in, path, e);
    if (rc == 0)
        rc = retag_plan(&p, &in, o, e);
    if (rc == 0)
        rc = run_one(&in, &p, o, e);
    if (rc == 0)
        *out = result_json(&in, &p, o);
    retag_plan_release(&p);
    retag_in_release(&in);
    return rc;
}

struct batch {
    const char **paths;
    size_t n, next;
    const struct retag_opts *o;
    json_object **results;
    struct rk_err *errs;
    pthread_mutex_t lock;
};

static void *worker(void *arg)
{
    struct batch *b = arg;
    for (;;) {
        size_t i;
        pthread_mutex_lock(&b->lock);
        i = b->next++;
        pthread_mutex_unlock(&b->lock);
        if (i >= b->n)
            return NULL;
        rk_err_clear(&b->errs[i]);
        if (retag_one(b->paths[i], b->o, &b->results[i], &b->errs[i]) < 0)
            rk_log_report(&b->errs[i]);
    }
}

static void run_workers(struct batch *b, int jobs)
{
    pthread_t t[64];
    int started = 0;
    jobs = jobs < 1 ? 1 : jobs > 64 ? 64 : jobs;
    if ((size_t)jobs > b->n)
        jobs = (int)b->n;
    for (int i = 1; i < jobs; i++)
        if (pthread_create(&t[started], NULL, worker, b) == 0)
            started++;
    worker(b);
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
}

int retag_batch(const char **paths, size_t n, const struct retag_opts *o, json_object **results)
{
    struct batch b = {paths, n, 0, o, results, NULL, PTHREAD_MUTEX_INITIALIZER};
    int code = RK_OK;
    b.errs = calloc(n ? n : 1, sizeof(*b.errs));
    if (!b.errs) {
        rk_log_error("out of memory");
        return RK_SYSTEM;
    }
    run_workers(&b, o->jobs);
    for (size_t i = 0; i < n && code == RK_OK; i++)
        if (!results[i])
            code = b.errs[i].code ? b.errs[i].code : RK_SYSTEM;
    free(b.errs);
    pthread_mutex_destroy(&b.lock);
    return code;
}
