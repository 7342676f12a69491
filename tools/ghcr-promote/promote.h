/*
 * promote.h - ghcr-promote's internals: images to promote and the steps that do it.
 *
 * A run is a list of struct pimage. Every step works on the whole list at once, so the
 * requests of all images go out together (rk_oci_batch_run, -j at once):
 *   input.c     the list from the arguments, --images FILE or the context; destinations
 *               derived with --dst-registry, --repo-rule and --tag-rule
 *   resolve.c   source manifests (and index children), destination tags, the decision:
 *               copy, present, conflict, missing, failed
 *   copy.c      child manifests already there, blobs (oci_blob.h), manifest PUTs
 *   referrers.c sha256-<hex> fallback tags (signatures, attestations) copied as images
 *   report.c    the JSON result, the Markdown summary, the exit code
 * A failure of one image is kept in its err and never stops the others; library errors
 * that are not tied to an image (out of memory) end the run.
 */
#ifndef GHCR_PROMOTE_H
#define GHCR_PROMOTE_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "err.h"
#include "oci.h"
#include "oci_client.h"
#include "tagrule.h"

enum pstatus {
    P_PENDING = 0,
    P_COPIED,   /* written to the destination */
    P_PRESENT,  /* the destination already had the same digest */
    P_CONFLICT, /* the destination tag points at another digest (refused without --force) */
    P_MISSING,  /* the source does not exist: to be built */
    P_FAILED,   /* err says why */
    P_PLANNED,  /* --dry-run: would be copied */
};

/* one manifest: the image's root, or a child of an index */
struct pnode {
    char digest[RK_OCI_DIGEST_MAX];
    char *bytes; /* owned, exactly as served (or as filtered for --platform) */
    size_t len;
    struct rk_oci_manifest m;
    struct pnode **kids; /* owned, index children (those selected) */
    size_t nkids;
    int present; /* already in the destination repository */
    int height;  /* 0 for an image manifest, 1 + the highest child for an index */
};

struct pimage {
    char *name; /* the input's label (e.g. a model id), or NULL */
    char *src_text, *dst_text;
    struct rk_oci_ref src, dst;
    struct rk_oci_reg *sreg, *dreg;
    char *sscope, *dscope; /* owned scope strings */
    struct pnode *root;
    char source_digest[RK_OCI_DIGEST_MAX]; /* the source's root digest */
    char dst_before[RK_OCI_DIGEST_MAX];    /* what the destination tag pointed at ("") */
    int digest_changed;                    /* --platform subset */
    int dup_of;                            /* -1, or an identical earlier image's index */
    int two_sources;                       /* its tag has two sources: dup_of that image */
    int parent;                            /* referrers: the image they refer to, else -1 */
    enum pstatus status;
    struct rk_err err;
    size_t blobs_total, blobs_present, blobs_mounted, blobs_copied;
    uint64_t bytes_copied;
    json_object *referrers; /* owned array of result records, or NULL */
};

struct popts {
    const char **platforms;
    size_t nplatforms;
    struct rk_tagrule *tag_rules, *repo_rules;
    size_t ntag_rules, nrepo_rules;
    struct rk_tagvar *vars;
    size_t nvars;
    const char *dst_registry;
    const char *summary_md;
    int force, dry_run, missing_ok, with_referrers, no_mount, jobs;
};

struct promote {
    struct popts *o;
    struct rk_oci_client oc;
    struct rk_http_client http;
    struct pimage *imgs;
    size_t n;
};

/* input.c */
int pimage_add(struct promote *p, const char *name, const char *src, const char *dst,
               struct rk_err *e);
int promote_inputs_json(struct promote *p, json_object *list, struct rk_err *e);
void pimages_release(struct promote *p);
/* parse references, derive destinations, registries and scopes for imgs[from..n) */
int promote_prepare(struct promote *p, size_t from, struct rk_err *e);
void pimage_fail(struct pimage *im, const struct rk_err *why);

/* resolve.c */
int promote_resolve(struct promote *p, size_t from, struct rk_err *e);
void pnode_free(struct pnode *n);

/* copy.c */
int promote_copy(struct promote *p, size_t from, struct rk_err *e);

/* referrers.c */
int promote_referrers(struct promote *p, struct rk_err *e);

/* report.c */
const char *pstatus_name(enum pstatus s);
json_object *promote_result(struct promote *p);                       /* owned; call once */
json_object *promote_summary(struct promote *p, json_object *result); /* owned */
char *promote_markdown(struct promote *p, json_object *result, json_object *summary);
int promote_exit_code(struct promote *p);

#endif
