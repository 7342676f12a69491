/* retag_plan.c - what changes: names, version, tags, METADATA / WHEEL / RECORD texts */
#include "retag.h"
#include "fs.h"
#include "log.h"
#include "pep440.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void retag_plan_release(struct retag_plan *p)
{
    rk_buf_release(&p->meta);
    rk_buf_release(&p->wheel);
    rk_buf_release(&p->record);
    rk_wheel_tags_free(p->tags, p->ntags);
    p->tags = NULL, p->ntags = 0;
}

static int plan_version(struct retag_plan *p, const struct retag_in *in, const struct retag_opts *o,
                        struct rk_err *e)
{
    struct rk_pep440 cur, v;
    char now[RK_PEP440_MAX_TEXT];
    if (rk_pep440_parse(in->w.version, &cur, e) < 0 || rk_pep440_format(&cur, now, sizeof(now)) < 0)
        return rk_err_set(e, RK_INPUT, "bad version '%s'", in->w.version);
    v = cur;
    if (o->set_version && rk_pep440_parse(o->set_version, &v, e) < 0)
        return -1;
    if (o->final)
        rk_pep440_make_final(&v);
    if (rk_pep440_format(&v, p->version, sizeof(p->version)) < 0)
        return rk_err_set(e, RK_INPUT, "version too long");
    if (rk_pep440_cmp(&v, &cur) == 0 && strcmp(p->version, now) == 0) {
        snprintf(p->version, sizeof(p->version), "%s", in->w.version);
        return 0;
    }
    p->changed |= CH_VERSION;
    snprintf(p->fn.version, sizeof(p->fn.version), "%s", p->version);
    for (char *c = p->fn.version; *c; c++)
        if (*c == '-')
            *c = '_';
    return 0;
}

static int plan_tags(struct retag_plan *p, const struct retag_in *in, const struct retag_opts *o,
                     struct rk_err *e)
{
    static const char *const kinds[] = {"python", "abi", "platform"};
    char *sets[3] = {p->fn.python, p->fn.abi, p->fn.platform};
    for (size_t i = 0; i < o->ntag_ops; i++) {
        const struct tag_op *t = &o->tag_ops[i];
        char *s = sets[t->kind];
        if (t->op == '=') {
            if (strlen(t->tag) >= RK_WHEEL_FIELD)
                return rk_err_set(e, RK_INPUT, "tag '%s' is too long", t->tag);
            snprintf(s, RK_WHEEL_FIELD, "%s", t->tag);
        } else if (t->op == '+' && rk_tagset_add(s, RK_WHEEL_FIELD, t->tag) < 0) {
            return rk_err_set(e, RK_INPUT, "too many %s tags", kinds[t->kind]);
        } else if (t->op == '-') {
            rk_tagset_remove(s, t->tag);
        }
        if (!s[0])
            return rk_err_set(e, RK_INPUT, "invalid wheel '%s': removing '%s' leaves no %s tag",
                              in->base, t->tag, kinds[t->kind]);
    }
    if (strcmp(p->fn.python, in->w.fn.python) || strcmp(p->fn.abi, in->w.fn.abi) ||
        strcmp(p->fn.platform, in->w.fn.platform))
        p->changed |= CH_TAGS;
    return rk_wheel_tags_expand(p->fn.python, p->fn.abi, p->fn.platform, &p->tags, &p->ntags, e);
}

static void plan_dirs(struct retag_plan *p, const struct retag_in *in)
{
    char prefix[RK_WHEEL_FIELD], ver[RK_WHEEL_FIELD];
    const char *dash = strchr(in->w.info_dir, '-');
    size_t plen = (size_t)(dash - in->w.info_dir);
    snprintf(prefix, sizeof(prefix), "%.*s", (int)plen, in->w.info_dir);
    snprintf(ver, sizeof(ver), "%.*s", (int)(strlen(dash + 1) - 10), dash + 1);
    if (p->changed & CH_NAME)
        rk_wheel_escape_name(p->name, prefix, sizeof(prefix));
    if (p->changed & CH_VERSION)
        snprintf(ver, sizeof(ver), "%s", p->fn.version);
    snprintf(p->info_dir, sizeof(p->info_dir), "%s-%s.dist-info", prefix, ver);
    snprintf(p->data_dir, sizeof(p->data_dir), "%s-%s.data", prefix, ver);
}

static int plan_names(struct retag_plan *p, const struct retag_in *in, const struct retag_opts *o,
                      struct rk_err *e)
{
    snprintf(p->name, sizeof(p->name), "%s", in->w.name);
    if (o->name && strcmp(o->name, in->w.name) != 0) {
        p->changed |= CH_NAME;
        snprintf(p->name, sizeof(p->name), "%s", o->name);
        rk_wheel_escape_name(o->name, p->fn.name, sizeof(p->fn.name));
    }
    if (o->build && strcmp(o->build, in->w.fn.build) != 0) {
        p->changed |= CH_BUILD;
        snprintf(p->fn.build, sizeof(p->fn.build), "%s", o->build);
    }
    if (plan_version(p, in, o, e) < 0 || plan_tags(p, in, o, e) < 0)
        return -1;
    plan_dirs(p, in);
    return 0;
}

char *retag_new_name(const struct retag_in *in, const struct retag_plan *p, const char *name)
{
    const char *from[2] = {in->w.info_dir, in->data_dir}, *to[2] = {p->info_dir, p->data_dir};
    for (int i = 0; i < 2; i++) {
        size_t k = strlen(from[i]);
        if (strncmp(name, from[i], k) == 0 && name[k] == '/' && strcmp(from[i], to[i]) != 0) {
            size_t n = strlen(to[i]) + strlen(name + k) + 1;
            char *s = malloc(n);
            if (s)
                snprintf(s, n, "%s%s", to[i], name + k);
            return s;
        }
    }
    return NULL;
}

static int plan_output(struct retag_plan *p, const struct retag_in *in, const struct retag_opts *o,
                       struct rk_err *e)
{
    const char *dir = o->out_dir;
    char indir[RETAG_PATH_MAX];
    int k;
    if (rk_wheel_name_format(&p->fn, p->filename, sizeof(p->filename)) < 0)
        return rk_err_set(e, RK_INPUT, "output file name too long");
    if (o->in_place || !dir) {
        size_t dl = (size_t)(in->base - in->path);
        snprintf(indir, sizeof(indir), "%.*s", (int)(dl ? dl : 1), dl ? in->path : ".");
        dir = indir;
    }
    k = snprintf(p->output, sizeof(p->output), "%s%s%s", dir,
                 dir[strlen(dir) - 1] == '/' ? "" : "/", p->filename);
    if (k < 0 || (size_t)k >= sizeof(p->output))
        return rk_err_set(e, RK_INPUT, "output path too long");
    return 0;
}

int retag_plan_texts(struct retag_plan *p, const struct retag_in *in, const struct retag_opts *o,
                     struct rk_err *e);
int retag_plan_record(struct retag_plan *p, const struct retag_in *in, struct rk_err *e);

int retag_plan(struct retag_plan *p, const struct retag_in *in, const struct retag_opts *o,
               struct rk_err *e)
{
    memset(p, 0, sizeof(*p));
    rk_buf_init(&p->meta, RK_WHEEL_TEXT_MAX);
    rk_buf_init(&p->wheel, RK_WHEEL_TEXT_MAX);
    rk_buf_init(&p->record, RK_WHEEL_TEXT_MAX);
    p->fn = in->w.fn;
    if (plan_names(p, in, o, e) < 0 || retag_plan_texts(p, in, o, e) < 0)
        return -1;
    if (p->changed) {
        for (size_t i = 0; i < in->dir.n; i++)
            if (retag_is_signature(in, in->dir.entries[i].name))
                p->changed |= CH_SIGNATURES;
        if (retag_plan_record(p, in, e) < 0)
            return -1;
    }
    return plan_output(p, in, o, e);
}
