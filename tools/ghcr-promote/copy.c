/* copy.c - what the destination lacks: manifests already there, blobs, manifest PUTs */
#include "promote.h"
#include "log.h"
#include "oci_blob.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nref {
    size_t img;
    struct pnode *node;
};

struct nlist {
    struct nref *v;
    size_t n, cap;
};

static int copying(const struct pimage *im)
{
    return im->status == P_PENDING && im->dup_of < 0 && im->root;
}

static int nlist_add(struct nlist *l, size_t img, struct pnode *node)
{
    if (l->n == l->cap) {
        struct nref *v = realloc(l->v, (l->cap * 2 + 16) * sizeof(*v));
        if (!v)
            return -1;
        l->v = v;
        l->cap = l->cap * 2 + 16;
    }
    l->v[l->n++] = (struct nref){img, node};
    return 0;
}

static int walk(struct nlist *l, size_t img, struct pnode *n)
{
    if (nlist_add(l, img, n) < 0)
        return -1;
    for (size_t i = 0; i < n->nkids; i++)
        if (walk(l, img, n->kids[i]) < 0)
            return -1;
    return 0;
}

/* every node of every image being copied */
static int all_nodes(struct promote *p, size_t from, struct nlist *l, struct rk_err *e)
{
    memset(l, 0, sizeof(*l));
    for (size_t i = from; i < p->n; i++)
        if (copying(&p->imgs[i]) && walk(l, i, p->imgs[i].root) < 0)
            return rk_err_set(e, RK_SYSTEM, "out of memory");
    return 0;
}

/* ---- manifests already in the destination repository (by digest) ---- */

static void on_head(struct pimage *im, struct pnode *n, const struct rk_http_resp *r)
{
    char what[600];
    struct rk_err e;
    rk_err_clear(&e);
    if (r->err.code == RK_OK && r->status == 404)
        return;
    snprintf(what, sizeof(what), "manifest '%s' in '%s/%s'", n->digest, im->dst.registry,
             im->dst.repo);
    if (rk_oci_check(im->dreg, r, 200, 0, what, &e) < 0)
        pimage_fail(im, &e);
    else
        n->present = 1;
}

static int check_present(struct promote *p, const struct nlist *l, struct rk_err *e)
{
    struct rk_oci_batch b;
    int rc = 0;
    rk_oci_batch_init(&b);
    for (size_t k = 0; k < l->n && rc == 0; k++) {
        struct pimage *im = &p->imgs[l->v[k].img];
        if (rk_oci_batch_manifest(&b, im->dreg, im->dscope, "HEAD", im->dst.repo,
                                  l->v[k].node->digest, NULL) < 0)
            rc = rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    if (rc == 0)
        rc = rk_oci_batch_run(&p->oc, &b, p->o->jobs, e);
    for (size_t k = 0; rc == 0 && k < b.n; k++)
        on_head(&p->imgs[l->v[k].img], l->v[k].node, &b.resps[k]);
    rk_oci_batch_release(&b);
    for (size_t i = 0; rc == 0 && i < p->n; i++) {
        struct pimage *im = &p->imgs[i];
        if (copying(im) && !im->dst.tag && im->root->present)
            im->status = P_PRESENT; /* pushed by digest, and it is there */
    }
    return rc;
}

/* ---- blobs ---- */

struct bent {
    char *key; /* "registry\nrepo\ndigest" of the destination */
    size_t img;
    const struct rk_oci_desc *d;
    size_t blob;
};

static int bent_cmp(const void *a, const void *b)
{
    const struct bent *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->img > y->img) - (x->img < y->img);
}

static int collect(struct promote *p, const struct nlist *l, struct bent **out, size_t *n)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    for (size_t k = 0; k < l->n; k++) {
        struct pimage *im = &p->imgs[l->v[k].img];
        const struct pnode *nd = l->v[k].node;
        if (nd->m.kind != RK_OCI_IMAGE || !copying(im))
            continue;
        for (size_t i = 0; i < nd->m.n; i++) {
            const struct rk_oci_desc *d = &nd->m.desc[i];
            size_t len = strlen(im->dst.registry) + strlen(im->dst.repo) + strlen(d->digest) + 3;
            im->blobs_total++;
            if (nd->present || d->foreign) {
                im->blobs_present += nd->present;
                continue;
            }
            if (*n == cap) {
                struct bent *v = realloc(*out, (cap * 2 + 32) * sizeof(*v));
                if (!v)
                    return -1;
                *out = v;
                cap = cap * 2 + 32;
            }
            if (!((*out)[*n].key = malloc(len)))
                return -1;
            snprintf((*out)[*n].key, len, "%s\n%s\n%s", im->dst.registry, im->dst.repo, d->digest);
            (*out)[*n].img = l->v[k].img;
            (*out)[(*n)++].d = d;
        }
    }
    return 0;
}

/* one struct rk_oci_blob per distinct destination blob */
static struct rk_oci_blob *unique_blobs(struct promote *p, struct bent *v, size_t n, size_t *nb)
{
    struct rk_oci_blob *b = calloc(n ? n : 1, sizeof(*b));
    *nb = 0;
    if (!b)
        return NULL;
    if (n > 0)
        qsort(v, n, sizeof(*v), bent_cmp);
    for (size_t i = 0; i < n; i++) {
        struct pimage *im = &p->imgs[v[i].img];
        if (i > 0 && !strcmp(v[i].key, v[i - 1].key)) {
            v[i].blob = v[i - 1].blob;
            continue;
        }
        v[i].blob = *nb;
        b[*nb] = (struct rk_oci_blob){.src = im->sreg,
                                      .dst = im->dreg,
                                      .src_repo = im->src.repo,
                                      .dst_repo = im->dst.repo,
                                      .src_scope = im->sscope,
                                      .dst_scope = im->dscope,
                                      .digest = v[i].d->digest,
                                      .size = v[i].d->size};
        (*nb)++;
    }
    return b;
}

static void tally(struct promote *p, const struct bent *v, size_t n, struct rk_oci_blob *b)
{
    for (size_t i = 0; i < n; i++) {
        struct pimage *im = &p->imgs[v[i].img];
        const struct rk_oci_blob *bl = &b[v[i].blob];
        int owner = i == 0 || v[i - 1].blob != v[i].blob;
        switch (bl->result) {
        case RK_OCI_BLOB_PRESENT:
            im->blobs_present++;
            break;
        case RK_OCI_BLOB_MOUNTED:
            im->blobs_mounted++;
            break;
        case RK_OCI_BLOB_COPIED:
            im->blobs_copied++;
            break;
        default:
            if (im->status == P_PENDING)
                pimage_fail(im, &bl->err);
        }
        if (owner)
            im->bytes_copied += bl->bytes_up;
    }
}

static int copy_blobs(struct promote *p, const struct nlist *l, struct rk_err *e)
{
    struct bent *v = NULL;
    struct rk_oci_blob *b = NULL;
    struct rk_oci_blob_opts o = {.jobs = p->o->jobs, .no_mount = p->o->no_mount};
    struct rk_err ignored;
    size_t n = 0, nb = 0;
    int rc = 0;
    if (collect(p, l, &v, &n) < 0 || !(b = unique_blobs(p, v, n, &nb))) {
        rc = rk_err_set(e, RK_SYSTEM, "out of memory");
    } else {
        rk_log_verbose("%zu blob%s to check in the destination", nb, nb == 1 ? "" : "s");
        rk_err_clear(&ignored);
        rk_oci_copy_blobs(&p->oc, b, nb, &o, &ignored); /* failures are per image */
        tally(p, v, n, b);
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].key);
    free(v);
    free(b);
    return rc;
}

/* ---- manifest PUTs, children before their index ---- */

static void on_put(struct pimage *im, struct pnode *nd, const struct rk_http_resp *r)
{
    const char *said = rk_http_resp_header(r, "Docker-Content-Digest");
    char what[600];
    struct rk_err e;
    rk_err_clear(&e);
    snprintf(what, sizeof(what), "PUT manifest '%s' into '%s'", nd->digest, im->dst_text);
    if (rk_oci_check(im->dreg, r, 201, 0, what, &e) < 0)
        return pimage_fail(im, &e);
    if (said && strcmp(said, nd->digest) != 0) {
        rk_err_set(&e, RK_REMOTE, "%s: the registry stored '%s'", what, said);
        pimage_fail(im, &e);
    }
}

static int put_level(struct promote *p, const struct nlist *l, int h, struct rk_err *e)
{
    struct rk_oci_batch b;
    size_t *which = calloc(l->n ? l->n : 1, sizeof(*which));
    int rc = which ? 0 : rk_err_set(e, RK_SYSTEM, "out of memory");
    rk_oci_batch_init(&b);
    for (size_t k = 0; k < l->n && rc == 0; k++) {
        struct pimage *im = &p->imgs[l->v[k].img];
        struct pnode *nd = l->v[k].node;
        int is_root = nd == im->root;
        if (!copying(im) || nd->height != h || (nd->present && !(is_root && im->dst.tag)))
            continue;
        which[b.n] = k;
        if (rk_oci_batch_manifest_put(&b, im->dreg, im->dscope, im->dst.repo,
                                      is_root && im->dst.tag ? im->dst.tag : nd->digest,
                                      nd->m.media_type, nd->bytes, nd->len, NULL) < 0)
            rc = rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    if (rc == 0 && b.n > 0)
        rc = rk_oci_batch_run(&p->oc, &b, p->o->jobs, e);
    for (size_t i = 0; rc == 0 && i < b.n; i++) {
        const struct nref *r = &l->v[which[i]];
        on_put(&p->imgs[r->img], r->node, &b.resps[i]);
    }
    rk_oci_batch_release(&b);
    free(which);
    return rc;
}

int promote_copy(struct promote *p, size_t from, struct rk_err *e)
{
    struct nlist l;
    int rc = all_nodes(p, from, &l, e);
    if (rc == 0 && l.n > 0)
        rc = check_present(p, &l, e);
    if (rc == 0 && l.n > 0)
        rc = copy_blobs(p, &l, e);
    for (int h = 0; rc == 0 && h < 4 && l.n > 0; h++)
        rc = put_level(p, &l, h, e);
    for (size_t i = from; rc == 0 && i < p->n; i++)
        if (copying(&p->imgs[i]))
            p->imgs[i].status = P_COPIED;
    free(l.v);
    return rc;
}
