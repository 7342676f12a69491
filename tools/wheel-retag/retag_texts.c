/* retag_texts.c - the new METADATA, WHEEL and RECORD, every other byte kept */
#include "retag.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int retag_plan_texts(struct retag_plan *p, const struct retag_in *in, const struct retag_opts *o,
                     struct rk_err *e);
int retag_plan_record(struct retag_plan *p, const struct retag_in *in, struct rk_err *e);

static int oom(struct rk_err *e)
{
    return rk_err_set(e, errno == EFBIG ? RK_INPUT : RK_SYSTEM, "metadata too large");
}

static int listed(const struct retag_opts *o, const char *name)
{
    for (size_t i = 0; i < o->nfinalize; i++)
        if (strcmp(o->finalize[i], "*") == 0 || rk_wheel_same_project(o->finalize[i], name))
            return 1;
    return 0;
}

/* cur = the result of f; r re-parsed from it */
static int replace_cur(struct rk_buf *cur, struct rk_buf *nb, struct rk_req *r, struct rk_err *e)
{
    rk_buf_reset(cur);
    if (rk_buf_append(cur, rk_buf_cstr(nb), nb->len) < 0)
        return oom(e);
    return rk_req_parse(rk_buf_cstr(cur), r, e);
}

static int apply_pin(const struct retag_pin *pin, struct rk_buf *cur, struct rk_req *r,
                     const char *name, struct rk_err *e)
{
    struct rk_buf nb;
    char spec[RK_WHEEL_FIELD + 2];
    int rc;
    if (!rk_wheel_same_project(pin->name, name))
        return 0;
    snprintf(spec, sizeof(spec), "==%s", pin->version);
    rk_buf_init(&nb, RK_WHEEL_TEXT_MAX);
    rc = rk_req_set_spec(rk_buf_cstr(cur), r, spec, &nb) < 0 ? oom(e) : replace_cur(cur, &nb, r, e);
    rk_buf_release(&nb);
    return rc;
}

static int apply_finalize(struct rk_buf *cur, struct rk_req *r, struct rk_err *e)
{
    struct rk_buf nb;
    int f = 0, rc;
    rk_buf_init(&nb, RK_WHEEL_TEXT_MAX);
    rc = rk_req_finalize(rk_buf_cstr(cur), r, &nb, &f, e);
    if (rc == 0 && f)
        rc = replace_cur(cur, &nb, r, e);
    rk_buf_release(&nb);
    return rc;
}

/* apply --pin then --finalize-pins to one Requires-Dist value; out gets the new value */
static int req_rewrite(const struct retag_opts *o, const char *value, struct rk_buf *out,
                       int *changed, struct rk_err *e)
{
    struct rk_req r;
    char name[RK_WHEEL_FIELD];
    int rc = 0;
    *changed = 0;
    if (rk_req_parse(value, &r, e) < 0)
        return rk_err_prefix(e, "METADATA");
    if (r.url)
        return 0;
    snprintf(name, sizeof(name), "%.*s", (int)r.name_len, value + r.name_off);
    if (rk_buf_puts(out, value) < 0)
        return oom(e);
    for (size_t i = 0; i < o->npins && rc == 0; i++)
        rc = apply_pin(&o->pins[i], out, &r, name, e);
    if (rc == 0 && listed(o, name))
        rc = apply_finalize(out, &r, e);
    *changed = rc == 0 && strcmp(rk_buf_cstr(out), value) != 0;
    return rc;
}

struct edits {
    struct rk_meta_edit *v;
    char **owned;
    size_t n;
};

static int edit_add(struct edits *ed, size_t field, struct rk_buf *text)
{
    char *t = rk_buf_detach(text, NULL);
    if (!t)
        t = strdup("");
    if (!t)
        return -1;
    ed->owned[ed->n] = t;
    ed->v[ed->n].field = field;
    ed->v[ed->n++].text = t;
    return 0;
}

static void edits_free(struct edits *ed)
{
    for (size_t i = 0; i < ed->n; i++)
        free(ed->owned[i]);
    free(ed->owned);
    free(ed->v);
}

static int edits_init(struct edits *ed, size_t n, struct rk_err *e)
{
    ed->n = 0;
    ed->v = calloc(n + 2, sizeof(*ed->v));
    ed->owned = calloc(n + 2, sizeof(*ed->owned));
    if (!ed->v || !ed->owned) {
        edits_free(ed);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    return 0;
}

/* the replacement text of METADATA field i, if it changes */
static int meta_field(struct retag_plan *p, const struct retag_in *in, const struct retag_opts *o,
                      size_t i, struct rk_buf *t, struct rk_err *e)
{
    const struct rk_meta *m = &in->w.meta;
    char v[8192];
    struct rk_buf nv;
    int ch = 0;
    if ((p->changed & CH_NAME) && rk_meta_find(m, "Name", i) == (long)i)
        return rk_meta_format(m, (long)i, "Name", p->name, t) < 0 ? oom(e) : 1;
    if ((p->changed & CH_VERSION) && rk_meta_find(m, "Version", i) == (long)i)
        return rk_meta_format(m, (long)i, "Version", p->version, t) < 0 ? oom(e) : 1;
    if ((!o->npins && !o->nfinalize) || rk_meta_find(m, "Requires-Dist", i) != (long)i)
        return 0;
    if (rk_meta_value(m, i, v, sizeof(v)) < 0)
        return rk_err_set(e, RK_INPUT, "METADATA Requires-Dist is too long");
    rk_buf_init(&nv, RK_WHEEL_TEXT_MAX);
    if (req_rewrite(o, v, &nv, &ch, e) < 0 ||
        (ch && rk_meta_format(m, (long)i, "Requires-Dist", rk_buf_cstr(&nv), t) < 0)) {
        rk_buf_release(&nv);
        return e->code ? -1 : oom(e);
    }
    rk_buf_release(&nv);
    if (ch)
        p->changed |= CH_REQUIRES;
    return ch;
}

static int plan_metadata(struct retag_plan *p, const struct retag_in *in,
                         const struct retag_opts *o, struct rk_err *e)
{
    struct edits ed;
    struct rk_buf t;
    int rc = 0;
    if (edits_init(&ed, in->w.meta.n, e) < 0)
        return -1;
    rk_buf_init(&t, RK_WHEEL_TEXT_MAX);
    for (size_t i = 0; i < in->w.meta.n && rc == 0; i++) {
        int r = meta_field(p, in, o, i, &t, e);
        if (r < 0 || (r > 0 && edit_add(&ed, i, &t) < 0))
            rc = r < 0 ? -1 : oom(e);
        rk_buf_reset(&t);
    }
    if (rc == 0 && ed.n > 0) {
        p->meta_changed = 1;
        rc = rk_meta_rewrite(&in->w.meta, ed.v, ed.n, &p->meta, e);
    }
    rk_buf_release(&t);
    edits_free(&ed);
    return rc;
}

static int wheel_field(struct retag_plan *p, const struct retag_in *in, size_t i, int *first_tag,
                       struct rk_buf *t)
{
    const struct rk_meta *m = &in->w.wheel;
    if ((p->changed & CH_TAGS) && rk_meta_find(m, "Tag", i) == (long)i) {
        for (size_t k = 0; *first_tag && k < p->ntags; k++)
            if (rk_meta_format(m, (long)i, "Tag", p->tags[k], t) < 0)
                return -1;
        *first_tag = 0;
        return 1;
    }
    if ((p->changed & CH_BUILD) && rk_meta_find(m, "Build", i) == (long)i) {
        if (p->fn.build[0] && rk_meta_format(m, (long)i, "Build", p->fn.build, t) < 0)
            return -1;
        return 1;
    }
    return 0;
}

static int plan_wheel(struct retag_plan *p, const struct retag_in *in, struct rk_err *e)
{
    struct edits ed;
    struct rk_buf t;
    int rc = 0, first_tag = 1;
    if (!(p->changed & (CH_TAGS | CH_BUILD)))
        return 0;
    if (edits_init(&ed, in->w.wheel.n, e) < 0)
        return -1;
    rk_buf_init(&t, RK_WHEEL_TEXT_MAX);
    for (size_t i = 0; i < in->w.wheel.n && rc == 0; i++) {
        int r = wheel_field(p, in, i, &first_tag, &t);
        if (r < 0 || (r > 0 && edit_add(&ed, i, &t) < 0))
            rc = oom(e);
        rk_buf_reset(&t);
    }
    if (rc == 0 && (p->changed & CH_BUILD) && !in->w.fn.build[0]) {
        if (rk_meta_format(&in->w.wheel, -1, "Build", p->fn.build, &t) < 0 ||
            edit_add(&ed, in->w.wheel.n, &t) < 0)
            rc = oom(e);
    }
    if (rc == 0) {
        p->wheel_changed = 1;
        rc = rk_meta_rewrite(&in->w.wheel, ed.v, ed.n, &p->wheel, e);
    }
    rk_buf_release(&t);
    edits_free(&ed);
    return rc;
}

int retag_plan_texts(struct retag_plan *p, const struct retag_in *in, const struct retag_opts *o,
                     struct rk_err *e)
{
    if (plan_metadata(p, in, o, e) < 0 || plan_wheel(p, in, e) < 0)
        return -1;
    return 0;
}
