/* input.c - the images to promote: arguments, lists, destinations, registries, scopes */
#include "promote.h"
#include "jsonio.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* repositories served by one token: bounds the token request URL and the token (its claims
 * list every repository); a batch over more asks one token per group of this many */
#define SHARED_SCOPE_MAX 64

void pimage_fail(struct pimage *im, const struct rk_err *why)
{
    im->status = P_FAILED;
    if (im->err.code == RK_OK)
        rk_err_set(&im->err, why->code ? why->code : RK_SYSTEM, "%s", why->msg);
}

int pimage_add(struct promote *p, const char *name, const char *src, const char *dst,
               struct rk_err *e)
{
    struct pimage *v = realloc(p->imgs, (p->n + 1) * sizeof(*v)), *im;
    if (!v)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    p->imgs = v;
    im = &v[p->n];
    memset(im, 0, sizeof(*im));
    im->dup_of = im->parent = -1;
    im->name = name ? strdup(name) : NULL;
    im->src_text = strdup(src ? src : "");
    im->dst_text = dst ? strdup(dst) : NULL;
    p->n++;
    if ((name && !im->name) || !im->src_text || (dst && !im->dst_text))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    return 0;
}

void pimages_release(struct promote *p)
{
    for (size_t i = 0; i < p->n; i++) {
        struct pimage *im = &p->imgs[i];
        free(im->name);
        free(im->src_text);
        free(im->dst_text);
        rk_oci_ref_release(&im->src);
        rk_oci_ref_release(&im->dst);
        free(im->sscope);
        free(im->dscope);
        pnode_free(im->root);
        json_object_put(im->referrers);
    }
    free(p->imgs);
    p->imgs = NULL;
    p->n = 0;
}

/* ---- lists ---- */

static const char *const src_keys[] = {"src", "source", "image", "docker_image", "ref"};

static const char *item_src(json_object *it)
{
    for (size_t i = 0; i < sizeof(src_keys) / sizeof(*src_keys); i++)
        if (rk_json_str(it, src_keys[i]))
            return rk_json_str(it, src_keys[i]);
    return NULL;
}

/* an entry of a "last good" map: null (never built) is skipped (0); an object is added when
 * it names an image (1); an entry of another type, or an image key that is not a string, is
 * refused (-1) rather than taken as "never built" */
static int map_entry_ok(json_object *ent, const char *key, struct rk_err *e)
{
    json_object *v;
    if (!ent)
        return 0;
    if (!json_object_is_type(ent, json_type_object))
        return rk_err_set(e, RK_INPUT, "'%s': expected an object with \"docker_image\", got %s",
                          key, rk_json_type_name(ent));
    for (size_t i = 0; i < sizeof(src_keys) / sizeof(*src_keys); i++)
        if (json_object_object_get_ex(ent, src_keys[i], &v) && v &&
            !json_object_is_type(v, json_type_string))
            return rk_err_set(e, RK_INPUT, "'%s': \"%s\" is %s, expected a string", key,
                              src_keys[i], rk_json_type_name(v));
    return item_src(ent) != NULL;
}

static int add_item(struct promote *p, json_object *it, const char *label, size_t idx,
                    struct rk_err *e)
{
    const char *src, *dst = NULL, *name = label;
    if (json_object_is_type(it, json_type_string))
        return pimage_add(p, name, json_object_get_string(it), NULL, e);
    if (!json_object_is_type(it, json_type_object) || !(src = item_src(it)))
        return rk_err_set(e, RK_INPUT,
                          "images[%zu]: expected a reference or an object with "
                          "\"src\" (or \"image\", \"docker_image\")",
                          idx);
    dst = rk_json_str(it, "dst") ? rk_json_str(it, "dst") : rk_json_str(it, "destination");
    if (!name)
        name = rk_json_str(it, "name");
    return pimage_add(p, name, src, dst, e);
}

/* a map of names to entries ("last good" files); with per_job, each entry's "last_good"
 * (get-latest-green --per-job). Entries without an image (never built) are skipped. */
static int add_map(struct promote *p, json_object *obj, int per_job, struct rk_err *e)
{
    size_t i = 0;
    json_object_object_foreach(obj, key, val)
    {
        json_object *ent = val;
        int ok;
        if (per_job && !json_object_object_get_ex(val, "last_good", &ent))
            ent = NULL;
        if ((ok = map_entry_ok(ent, key, e)) < 0 || (ok && add_item(p, ent, key, i, e) < 0))
            return -1;
        i++;
    }
    return 0;
}

int promote_inputs_json(struct promote *p, json_object *list, struct rk_err *e)
{
    json_object *arr = list, *keys = rk_json_obj(rk_json_obj(list, "per_job"), "keys");
    if (json_object_is_type(list, json_type_object) && !rk_json_array(list, "images"))
        return keys ? add_map(p, keys, 1, e) : add_map(p, list, 0, e);
    if (json_object_is_type(list, json_type_object))
        arr = rk_json_array(list, "images");
    if (!json_object_is_type(arr, json_type_array))
        return rk_err_set(e, RK_INPUT, "the image list must be a JSON array or object");
    for (size_t i = 0; i < json_object_array_length(arr); i++)
        if (add_item(p, json_object_array_get_idx(arr, i), NULL, i, e) < 0)
            return -1;
    return 0;
}

/* ---- destinations ---- */

static int derive_tag(struct promote *p, struct pimage *im, struct rk_err *e)
{
    char *tag = NULL;
    if (!im->src.tag || im->parent >= 0) /* referrers keep their tags */
        return rk_oci_ref_set(&im->dst.tag, im->src.tag) < 0
                   ? rk_err_set(e, RK_SYSTEM, "out of memory")
                   : 0;
    if (rk_tagrule_apply(p->o->tag_rules, p->o->ntag_rules, im->src.tag, p->o->vars, p->o->nvars,
                         &tag, NULL, e) < 0)
        return -1;
    if (!rk_oci_valid_tag(tag)) {
        rk_err_set(e, RK_INPUT, "tag rules turn '%s' into '%s', not a valid tag", im->src.tag, tag);
        free(tag);
        return -1;
    }
    free(im->dst.tag);
    im->dst.tag = tag;
    return 0;
}

static int derive_dst(struct promote *p, struct pimage *im, struct rk_err *e)
{
    char *repo = NULL;
    const char *reg = p->o->dst_registry ? p->o->dst_registry : im->src.registry;
    if (im->dst_text) {
        if (rk_oci_ref_parse(im->dst_text, &im->dst, e) < 0)
            return -1;
        return im->dst.tag || im->dst.digest ? 0 : derive_tag(p, im, e);
    }
    if (rk_tagrule_apply(p->o->repo_rules, p->o->nrepo_rules, im->src.repo, p->o->vars, p->o->nvars,
                         &repo, NULL, e) < 0)
        return -1;
    if (!repo || !rk_oci_valid_repo(repo)) {
        rk_err_set(e, RK_INPUT, "repository rules turn '%s' into '%s', not a valid repository",
                   im->src.repo, repo ? repo : "");
        free(repo);
        return -1;
    }
    if (rk_oci_ref_set(&im->dst.registry, reg) < 0) {
        free(repo);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    im->dst.repo = repo;
    return derive_tag(p, im, e);
}

static int same_ref(const struct rk_oci_ref *a, const struct rk_oci_ref *b)
{
    return !strcmp(a->registry, b->registry) && !strcmp(a->repo, b->repo) &&
           !strcmp(a->tag ? a->tag : "", b->tag ? b->tag : "") &&
           !strcmp(a->digest ? a->digest : "", b->digest ? b->digest : "");
}

/* identical requests are done once; two sources for one destination tag are refused before
 * any request: the earlier image fails, and the later ones share its record (one error) */
static void dedup(struct promote *p, size_t from, size_t i)
{
    struct pimage *im = &p->imgs[i];
    struct rk_err e;
    for (size_t j = from; j < i; j++) {
        struct pimage *o = &p->imgs[j];
        if (o->dup_of >= 0 || (o->status == P_FAILED && !o->two_sources))
            continue;
        if (!o->two_sources && same_ref(&o->dst, &im->dst) && same_ref(&o->src, &im->src)) {
            im->dup_of = (int)j;
            return;
        }
        if (im->dst.tag && same_ref(&o->dst, &im->dst)) {
            if (!o->two_sources) {
                rk_err_clear(&e);
                rk_err_set(&e, RK_INPUT, "'%s' would be written from '%s' and from '%s'",
                           im->dst_text, o->src_text, im->src_text);
                pimage_fail(o, &e);
                o->two_sources = 1;
            }
            im->two_sources = 1;
            im->status = P_FAILED;
            im->dup_of = (int)j;
            return;
        }
    }
}

static int prepare_one(struct promote *p, struct pimage *im, struct rk_err *e)
{
    char *s;
    if (rk_oci_ref_parse(im->src_text, &im->src, e) < 0 || derive_dst(p, im, e) < 0)
        return -1;
    if (!(s = rk_oci_ref_format(&im->dst)))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    free(im->dst_text);
    im->dst_text = s;
    if (!(s = rk_oci_ref_format(&im->src)))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    free(im->src_text);
    im->src_text = s;
    im->sreg = rk_oci_client_reg(&p->oc, im->src.registry, 0, e);
    im->dreg = rk_oci_client_reg(&p->oc, im->dst.registry, 1, e);
    return im->sreg && im->dreg ? 0 : -1;
}

/* the repositories an image needs on registry r */
static int scope_of(struct promote *p, const struct pimage *im, const struct rk_oci_reg *r,
                    struct rk_oci_scope *s)
{
    unsigned dst_actions = p->o->dry_run ? RK_OCI_PULL : RK_OCI_PULL | RK_OCI_PUSH;
    if (im->sreg == r && rk_oci_scope_add(s, im->src.repo, RK_OCI_PULL) < 0)
        return -1;
    if (im->dreg == r && rk_oci_scope_add(s, im->dst.repo, dst_actions) < 0)
        return -1;
    return 0;
}

static int live(const struct pimage *im)
{
    return im->status == P_PENDING && im->dup_of < 0;
}

static int touches(const struct pimage *im, const struct rk_oci_reg *r)
{
    return live(im) && (im->sreg == r || im->dreg == r);
}

/* the repositories of one that grp does not hold yet */
static size_t new_repos(const struct rk_oci_scope *grp, const struct rk_oci_scope *one)
{
    size_t k = 0;
    for (size_t i = 0; i < one->n; i++) {
        size_t j = 0;
        while (j < grp->n && strcmp(grp->repos[j], one->repos[i]) != 0)
            j++;
        k += j == grp->n;
    }
    return k;
}

/* give the images [from, to) on registry r the scope of their group: one token each group */
static int assign_group(struct promote *p, size_t from, size_t to, const struct rk_oci_reg *r,
                        const struct rk_oci_scope *grp)
{
    char *s = grp->n ? rk_oci_scope_string(grp) : NULL;
    int rc = grp->n && !s ? -1 : 0;
    for (size_t i = from; i < to && rc == 0 && grp->n; i++) {
        struct pimage *im = &p->imgs[i];
        if (!touches(im, r))
            continue;
        if (im->sreg == r && !im->sscope && !(im->sscope = strdup(s)))
            rc = -1;
        if (im->dreg == r && !im->dscope && !(im->dscope = strdup(s)))
            rc = -1;
    }
    free(s);
    return rc;
}

/* the batch's images on registry r in groups of at most SHARED_SCOPE_MAX repositories, in
 * order (an image's repositories are never split): one token per group, asked once; the
 * token cache (oci_auth.c) holds far more groups than a batch has */
static int set_scopes(struct promote *p, size_t from, const struct rk_oci_reg *r, struct rk_err *e)
{
    struct rk_oci_scope grp;
    size_t first = from;
    int rc = 0;
    rk_oci_scope_init(&grp);
    for (size_t i = from; i < p->n && rc == 0; i++) {
        struct rk_oci_scope one;
        if (!touches(&p->imgs[i], r))
            continue;
        rk_oci_scope_init(&one);
        rc = scope_of(p, &p->imgs[i], r, &one);
        if (rc == 0 && grp.n && grp.n + new_repos(&grp, &one) > SHARED_SCOPE_MAX) {
            rc = assign_group(p, first, i, r, &grp);
            rk_oci_scope_release(&grp);
            rk_oci_scope_init(&grp);
            first = i;
        }
        if (rc == 0)
            rc = scope_of(p, &p->imgs[i], r, &grp);
        rk_oci_scope_release(&one);
    }
    if (rc == 0)
        rc = assign_group(p, first, p->n, r, &grp);
    rk_oci_scope_release(&grp);
    return rc < 0 ? rk_err_set(e, RK_SYSTEM, "out of memory") : 0;
}

int promote_prepare(struct promote *p, size_t from, struct rk_err *e)
{
    for (size_t i = from; i < p->n; i++) {
        struct pimage *im = &p->imgs[i];
        struct rk_err ie;
        rk_err_clear(&ie);
        if (prepare_one(p, im, &ie) < 0) {
            if (ie.code == RK_SYSTEM)
                return rk_err_set(e, ie.code, "%s", ie.msg);
            pimage_fail(im, &ie);
            continue;
        }
        dedup(p, from, i);
    }
    for (size_t r = 0; r < p->oc.nregs; r++)
        if (set_scopes(p, from, p->oc.regs[r], e) < 0)
            return -1;
    return 0;
}
