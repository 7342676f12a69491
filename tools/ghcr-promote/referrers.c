/* referrers.c - signatures and attestations under sha256-<hex> tags, copied as images */
#include "promote.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the tag list of one source repository, read once */
struct taglist {
    const struct rk_oci_reg *reg;
    const char *repo; /* borrowed from an image */
    char **tags;
    size_t n;
};

struct tagcache {
    struct taglist *v;
    size_t n;
};

static void cache_release(struct tagcache *c)
{
    for (size_t i = 0; i < c->n; i++) {
        for (size_t j = 0; j < c->v[i].n; j++)
            free(c->v[i].tags[j]);
        free(c->v[i].tags);
    }
    free(c->v);
}

static const struct taglist *tags_of(struct promote *p, struct tagcache *c, const struct pimage *im,
                                     struct rk_err *e)
{
    struct taglist *v, *t;
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].reg == im->sreg && !strcmp(c->v[i].repo, im->src.repo))
            return &c->v[i];
    if (!(v = realloc(c->v, (c->n + 1) * sizeof(*v)))) {
        rk_err_set(e, RK_SYSTEM, "out of memory");
        return NULL;
    }
    c->v = v;
    t = &v[c->n];
    memset(t, 0, sizeof(*t));
    t->reg = im->sreg;
    t->repo = im->src.repo;
    if (rk_oci_list_tags(&p->oc, im->sreg, im->sscope, im->src.repo, &t->tags, &t->n, e) < 0)
        return NULL;
    c->n++;
    return t;
}

/* does tag name a referrer of digest ("sha256-HEX" or "sha256-HEX.sig/.att/.sbom")? */
static int refers_to(const char *tag, const char *digest)
{
    char want[RK_OCI_DIGEST_MAX];
    size_t n;
    snprintf(want, sizeof(want), "%s", digest);
    want[strcspn(want, ":")] = '-';
    n = strlen(want);
    return !strncmp(tag, want, n) && (tag[n] == '\0' || tag[n] == '.');
}

static int add_referrer(struct promote *p, size_t parent, const char *tag, struct rk_err *e)
{
    struct pimage *im = &p->imgs[parent];
    size_t ns = strlen(im->src.registry) + strlen(im->src.repo) + strlen(tag) + 3;
    size_t nd = strlen(im->dst.registry) + strlen(im->dst.repo) + strlen(tag) + 3;
    char *src = malloc(ns), *dst = malloc(nd);
    int rc;
    if (!src || !dst) {
        free(src);
        free(dst);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    snprintf(src, ns, "%s/%s:%s", im->src.registry, im->src.repo, tag);
    snprintf(dst, nd, "%s/%s:%s", im->dst.registry, im->dst.repo, tag);
    rc = pimage_add(p, NULL, src, dst, e); /* p->imgs may move */
    if (rc == 0)
        p->imgs[p->n - 1].parent = (int)parent;
    free(src);
    free(dst);
    return rc;
}

static void collect_digests(const struct pnode *n, const char **out, size_t *k, size_t max)
{
    if (*k < max)
        out[(*k)++] = n->digest;
    for (size_t i = 0; i < n->nkids; i++)
        collect_digests(n->kids[i], out, k, max);
}

/* the referrer tags of image i */
static int find_for(struct promote *p, struct tagcache *c, size_t i, struct rk_err *e)
{
    const char *digests[64];
    size_t nd = 0;
    const struct taglist *t;
    struct rk_err ie;
    rk_err_clear(&ie);
    if (!(t = tags_of(p, c, &p->imgs[i], &ie))) {
        if (ie.code == RK_SYSTEM)
            return rk_err_set(e, ie.code, "%s", ie.msg);
        rk_log_warn("referrers of '%s': %s", p->imgs[i].src_text, ie.msg);
        return 0;
    }
    collect_digests(p->imgs[i].root, digests, &nd, 64);
    for (size_t k = 0; k < t->n; k++)
        for (size_t d = 0; d < nd; d++)
            if (refers_to(t->tags[k], digests[d]) && add_referrer(p, i, t->tags[k], e) < 0)
                return -1;
    return 0;
}

static int wants_referrers(const struct pimage *im)
{
    return im->parent < 0 && im->dup_of < 0 && im->root && !im->digest_changed &&
           (im->status == P_COPIED || im->status == P_PRESENT || im->status == P_PLANNED);
}

int promote_referrers(struct promote *p, struct rk_err *e)
{
    struct tagcache c = {NULL, 0};
    size_t from = p->n, n = p->n;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (wants_referrers(&p->imgs[i]))
            rc = find_for(p, &c, i, e);
    cache_release(&c);
    if (rc < 0 || p->n == from)
        return rc;
    rk_log_verbose("%zu referrer tag%s to copy", p->n - from, p->n - from == 1 ? "" : "s");
    if (promote_prepare(p, from, e) < 0 || promote_resolve(p, from, e) < 0)
        return -1;
    return p->o->dry_run ? 0 : promote_copy(p, from, e);
}
