/* resolve.c - source manifests, index children, destination tags, and the decision */
#include "promote.h"
#include "log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NESTING 3 /* an index of indexes of manifests at most */

void pnode_free(struct pnode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        pnode_free(n->kids[i]);
    free(n->kids);
    free(n->bytes);
    rk_oci_manifest_release(&n->m);
    free(n);
}

/* fill node from a 200 answer: bytes, digest (checked against want), parsed manifest */
static int node_fill(struct pnode *n, const struct rk_http_resp *r, const char *want,
                     const char *what, struct rk_err *e)
{
    if (rk_oci_manifest_digest(r, want, n->digest, what, e) < 0)
        return -1;
    if (!(n->bytes = malloc(r->body.len + 1)))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    memcpy(n->bytes, r->body.data ? r->body.data : "", r->body.len);
    n->bytes[r->body.len] = '\0';
    n->len = r->body.len;
    if (rk_oci_manifest_parse(n->bytes, n->len, rk_http_resp_header(r, "Content-Type"), &n->m, e) <
        0)
        return rk_err_prefix(e, "%s", what);
    return 0;
}

static int is_missing(const struct rk_http_resp *r)
{
    char code[64];
    if (r->err.code != RK_OK || r->status != 404)
        return 0;
    rk_oci_error_code(r, code, sizeof(code));
    return !*code || !strcmp(code, "MANIFEST_UNKNOWN") || !strcmp(code, "NAME_UNKNOWN");
}

static void on_source(struct pimage *im, const struct rk_http_resp *r)
{
    char what[600];
    struct rk_err e;
    rk_err_clear(&e);
    snprintf(what, sizeof(what), "source '%s'", im->src_text);
    if (is_missing(r)) {
        im->status = P_MISSING;
        rk_err_set(&im->err, RK_REMOTE, "source '%s' not found", im->src_text);
        return;
    }
    if (rk_oci_check(im->sreg, r, 200, 0, what, &e) < 0 ||
        !(im->root = calloc(1, sizeof(*im->root))) ||
        node_fill(im->root, r, im->src.digest, what, &e) < 0) {
        if (e.code == RK_OK)
            rk_err_set(&e, RK_SYSTEM, "out of memory");
        pimage_fail(im, &e);
        return;
    }
    snprintf(im->source_digest, sizeof(im->source_digest), "%s", im->root->digest);
}

static void on_dest(struct pimage *im, const struct rk_http_resp *r)
{
    char what[600];
    struct rk_err e;
    rk_err_clear(&e);
    snprintf(what, sizeof(what), "destination '%s'", im->dst_text);
    if (is_missing(r))
        return;
    if (rk_oci_check(im->dreg, r, 200, 0, what, &e) < 0 ||
        rk_oci_manifest_digest(r, NULL, im->dst_before, what, &e) < 0)
        pimage_fail(im, &e);
}

static int live(const struct pimage *im)
{
    return im->status == P_PENDING && im->dup_of < 0;
}

/* batch tags: image index * 2 + (0 source, 1 destination) */
static int fetch_roots(struct promote *p, size_t from, struct rk_err *e)
{
    struct rk_oci_batch b;
    int rc = 0;
    rk_oci_batch_init(&b);
    for (size_t i = from; i < p->n && rc == 0; i++) {
        struct pimage *im = &p->imgs[i];
        if (!live(im))
            continue;
        if (rk_oci_batch_manifest(&b, im->sreg, im->sscope, "GET", im->src.repo,
                                  im->src.digest ? im->src.digest : im->src.tag,
                                  (void *)(uintptr_t)(i * 2)) < 0 ||
            (im->dst.tag && rk_oci_batch_manifest(&b, im->dreg, im->dscope, "GET", im->dst.repo,
                                                  im->dst.tag, (void *)(uintptr_t)(i * 2 + 1)) < 0))
            rc = rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    if (rc == 0)
        rc = rk_oci_batch_run(&p->oc, &b, p->o->jobs, e);
    for (size_t k = 0; rc == 0 && k < b.n; k++) {
        uintptr_t t = (uintptr_t)b.tags[k];
        struct pimage *im = &p->imgs[t / 2];
        if (t % 2 == 0)
            on_source(im, &b.resps[k]);
        else if (im->status == P_PENDING)
            on_dest(im, &b.resps[k]);
    }
    rk_oci_batch_release(&b);
    return rc;
}

/* ---- index children ---- */

struct kidreq {
    size_t img;
    struct pnode *node;
    const struct rk_oci_desc *desc;
};

static int selected(struct promote *p, const struct pnode *parent, const struct pimage *im,
                    const struct rk_oci_desc *d)
{
    if (parent != im->root || p->o->nplatforms == 0)
        return 1;
    for (size_t i = 0; i < p->o->nplatforms; i++)
        if (d->platform && rk_oci_platform_match(p->o->platforms[i], d->platform))
            return 1;
    return 0;
}

/* queue the children of index n (depth d) */
static int queue_kids(struct promote *p, size_t img, struct pnode *n, struct rk_oci_batch *b,
                      struct kidreq **reqs, size_t *cap, struct rk_err *e)
{
    struct pimage *im = &p->imgs[img];
    if (!(n->kids = calloc(n->m.n ? n->m.n : 1, sizeof(*n->kids))))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    for (size_t i = 0; i < n->m.n; i++) {
        const struct rk_oci_desc *d = &n->m.desc[i];
        struct pnode *k;
        if (!selected(p, n, im, d))
            continue;
        if (b->n == *cap) {
            struct kidreq *v = realloc(*reqs, (*cap * 2 + 16) * sizeof(*v));
            if (!v)
                return rk_err_set(e, RK_SYSTEM, "out of memory");
            *reqs = v;
            *cap = *cap * 2 + 16;
        }
        if (!(k = calloc(1, sizeof(*k))))
            return rk_err_set(e, RK_SYSTEM, "out of memory");
        n->kids[n->nkids++] = k;
        (*reqs)[b->n] = (struct kidreq){img, k, d};
        if (rk_oci_batch_manifest(b, im->sreg, im->sscope, "GET", im->src.repo, d->digest, NULL) <
            0)
            return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    return 0;
}

/* the index nodes of a tree at depth d that have not been expanded */
static int queue_level(struct promote *p, size_t img, struct pnode *n, int d, int want,
                       struct rk_oci_batch *b, struct kidreq **reqs, size_t *cap, struct rk_err *e)
{
    if (n->m.kind != RK_OCI_INDEX)
        return 0;
    if (d == want)
        return n->kids ? 0 : queue_kids(p, img, n, b, reqs, cap, e);
    for (size_t i = 0; i < n->nkids; i++)
        if (queue_level(p, img, n->kids[i], d + 1, want, b, reqs, cap, e) < 0)
            return -1;
    return 0;
}

static void on_kid(struct promote *p, const struct kidreq *q, const struct rk_http_resp *r)
{
    struct pimage *im = &p->imgs[q->img];
    char what[600];
    struct rk_err e;
    rk_err_clear(&e);
    if (im->status != P_PENDING)
        return;
    snprintf(what, sizeof(what), "manifest '%s' of '%s'", q->desc->digest, im->src_text);
    if (rk_oci_check(im->sreg, r, 200, 0, what, &e) < 0 ||
        node_fill(q->node, r, q->desc->digest, what, &e) < 0) {
        pimage_fail(im, &e);
        return;
    }
    if ((int64_t)q->node->len != q->desc->size) {
        rk_err_set(&e, RK_REMOTE, "%s: %zu bytes, the index says %lld", what, q->node->len,
                   (long long)q->desc->size);
        pimage_fail(im, &e);
    }
}

static int fetch_level(struct promote *p, size_t from, int depth, struct rk_err *e)
{
    struct rk_oci_batch b;
    struct kidreq *reqs = NULL;
    size_t cap = 0;
    int rc = 0;
    rk_oci_batch_init(&b);
    for (size_t i = from; i < p->n && rc == 0; i++)
        if (live(&p->imgs[i]) && p->imgs[i].root)
            rc = queue_level(p, i, p->imgs[i].root, 0, depth, &b, &reqs, &cap, e);
    if (rc == 0 && b.n > 0)
        rc = rk_oci_batch_run(&p->oc, &b, p->o->jobs, e);
    for (size_t k = 0; rc == 0 && k < b.n; k++)
        on_kid(p, &reqs[k], &b.resps[k]);
    rk_oci_batch_release(&b);
    free(reqs);
    return rc;
}

/* ---- the decision ---- */

static int height(struct pnode *n)
{
    int h = 0;
    for (size_t i = 0; i < n->nkids; i++) {
        int k = height(n->kids[i]) + 1;
        h = k > h ? k : h;
    }
    return n->height = h;
}

/* --platform on an index: the root becomes the filtered index (another digest) */
static int filter_root(struct promote *p, struct pimage *im, struct rk_err *e)
{
    struct rk_buf out;
    size_t kept;
    char *copy;
    rk_buf_init(&out, RK_OCI_MANIFEST_MAX);
    if (rk_oci_index_filter(im->root->bytes, im->root->len, p->o->platforms, p->o->nplatforms, &out,
                            &kept, e) < 0) {
        rk_buf_release(&out);
        return rk_err_prefix(e, "'%s'", im->src_text);
    }
    copy = rk_buf_detach(&out, NULL);
    free(im->root->bytes);
    im->root->bytes = copy;
    im->root->len = strlen(copy);
    if (rk_oci_digest_of(copy, im->root->len, im->root->digest, e) < 0)
        return -1;
    im->digest_changed = strcmp(im->root->digest, im->source_digest) != 0;
    return 0;
}

/* an index whose children were not read (nested deeper than MAX_NESTING) */
static int unexpanded(const struct pnode *n)
{
    if (n->m.kind == RK_OCI_INDEX && !n->kids)
        return 1;
    for (size_t i = 0; i < n->nkids; i++)
        if (unexpanded(n->kids[i]))
            return 1;
    return 0;
}

/* a destination without a tag is written by digest */
static int set_dst_digest(struct pimage *im, struct rk_err *e)
{
    char *s;
    if (rk_oci_ref_set(&im->dst.digest, im->root->digest) < 0 || !(s = rk_oci_ref_format(&im->dst)))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    free(im->dst_text);
    im->dst_text = s;
    return 0;
}

static void decide(struct promote *p, struct pimage *im)
{
    struct rk_err e;
    rk_err_clear(&e);
    if (im->root->m.kind == RK_OCI_INDEX && p->o->nplatforms > 0 && filter_root(p, im, &e) < 0)
        return pimage_fail(im, &e);
    height(im->root);
    if (im->root->height >= MAX_NESTING || unexpanded(im->root)) {
        rk_err_set(&e, RK_INPUT, "'%s': indexes nested too deeply", im->src_text);
        return pimage_fail(im, &e);
    }
    if (im->dst.digest && strcmp(im->dst.digest, im->root->digest) != 0) {
        rk_err_set(&e, RK_INPUT, "'%s' is '%s', not the digest '%s' asked for", im->src_text,
                   im->root->digest, im->dst.digest);
        return pimage_fail(im, &e);
    }
    if (!im->dst.tag && !im->dst.digest && set_dst_digest(im, &e) < 0)
        return pimage_fail(im, &e);
    if (!strcmp(im->dst_before, im->root->digest))
        im->status = P_PRESENT;
    else if (im->dst_before[0] && !p->o->force)
        im->status = P_CONFLICT;
    else if (p->o->dry_run)
        im->status = P_PLANNED;
    if (im->status == P_CONFLICT)
        rk_err_set(&im->err, RK_REMOTE, "'%s' is '%s', not '%s' (use --force to replace it)",
                   im->dst_text, im->dst_before, im->root->digest);
}

int promote_resolve(struct promote *p, size_t from, struct rk_err *e)
{
    if (fetch_roots(p, from, e) < 0)
        return -1;
    for (int depth = 0; depth < MAX_NESTING; depth++)
        if (fetch_level(p, from, depth, e) < 0)
            return -1;
    for (size_t i = from; i < p->n; i++)
        if (live(&p->imgs[i]) && p->imgs[i].root)
            decide(p, &p->imgs[i]);
    return 0;
}
