/* report.c - the JSON result, the summary object, the Markdown summary, the exit code */
#include "promote.h"
#include "buf.h"
#include "jsonio.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {"pending", "copied", "present", "conflict",
                                           "missing", "failed", "planned"};

const char *pstatus_name(enum pstatus s)
{
    return status_names[s];
}

static json_object *str_or_null(const char *s)
{
    return s && *s ? json_object_new_string(s) : NULL;
}

/* a text from the input or a registry, masked like a log line: stdout JSON, GITHUB_OUTPUT
 * and the step summary are all made from these records */
static json_object *masked(const char *s)
{
    char *m = rk_log_redact_dup(s ? s : "");
    json_object *o = json_object_new_string(m ? m : "***");
    free(m);
    return o;
}

static json_object *masked_or_null(const char *s)
{
    return s && *s ? masked(s) : NULL;
}

static json_object *platforms_of(const struct pimage *im)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < im->root->nkids; i++) {
        const struct pnode *k = im->root->kids[i];
        for (size_t j = 0; j < im->root->m.n; j++)
            if (!strcmp(im->root->m.desc[j].digest, k->digest) && im->root->m.desc[j].platform) {
                json_object_array_add(a, json_object_new_string(im->root->m.desc[j].platform));
                break;
            }
    }
    return a;
}

static json_object *blobs_of(const struct pimage *im)
{
    json_object *b = json_object_new_object();
    rk_json_set_int(b, "total", (int64_t)im->blobs_total);
    rk_json_set_int(b, "present", (int64_t)im->blobs_present);
    rk_json_set_int(b, "mounted", (int64_t)im->blobs_mounted);
    rk_json_set_int(b, "copied", (int64_t)im->blobs_copied);
    return b;
}

/* the record of image im; data (status, digests) from d (im itself, or what it duplicates) */
static json_object *record(const struct pimage *im, const struct pimage *d)
{
    json_object *o = json_object_new_object();
    int has_root = d->root != NULL;
    if (im->name)
        rk_json_set(o, "name", masked(im->name));
    rk_json_set(o, "src", masked(im->src_text && *im->src_text ? im->src_text : "''"));
    rk_json_set(o, "dst", masked_or_null(im->dst_text));
    rk_json_set_str(o, "status", pstatus_name(d->status));
    rk_json_set(o, "digest", str_or_null(has_root ? d->root->digest : NULL));
    rk_json_set(o, "source_digest", str_or_null(d->source_digest));
    rk_json_set(o, "dst_before", str_or_null(d->dst_before));
    rk_json_set(o, "media_type", str_or_null(has_root ? d->root->m.media_type : NULL));
    if (has_root && d->root->m.kind == RK_OCI_INDEX)
        rk_json_set(o, "platforms", platforms_of(d));
    rk_json_set_bool(o, "digest_changed", d->digest_changed);
    rk_json_set(o, "blobs", blobs_of(d));
    rk_json_set_int(o, "bytes_uploaded", (int64_t)(im == d ? d->bytes_copied : 0));
    if (d->err.code != RK_OK)
        rk_json_set(o, "error", masked(d->err.msg));
    if (d->referrers)
        rk_json_set(o, "referrers", json_object_get(d->referrers));
    return o;
}

json_object *promote_result(struct promote *p)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < p->n; i++) { /* referrers first, into their images */
        struct pimage *im = &p->imgs[i];
        struct pimage *parent = im->parent >= 0 ? &p->imgs[im->parent] : NULL;
        if (!parent)
            continue;
        if (!parent->referrers)
            parent->referrers = json_object_new_array();
        json_object_array_add(parent->referrers,
                              record(im, im->dup_of >= 0 ? &p->imgs[im->dup_of] : im));
    }
    for (size_t i = 0; i < p->n; i++) {
        struct pimage *im = &p->imgs[i];
        if (im->parent < 0)
            json_object_array_add(arr, record(im, im->dup_of >= 0 ? &p->imgs[im->dup_of] : im));
    }
    return arr;
}

static const char *const list_keys[] = {NULL,       "copied", "present", "conflicts",
                                        "to_build", "failed", "planned"};

json_object *promote_summary(struct promote *p, json_object *result)
{
    json_object *s = json_object_new_object(), *tot = json_object_new_object();
    int64_t count[7] = {0}, mounted = 0, copied = 0, present = 0;
    rk_json_set_bool(s, "dry_run", p->o->dry_run);
    for (int k = 1; k < 7; k++)
        rk_json_set(s, list_keys[k], json_object_new_array());
    for (size_t i = 0; i < json_object_array_length(result); i++) {
        json_object *r = json_object_array_get_idx(result, i), *b = rk_json_obj(r, "blobs");
        const char *st = rk_json_str(r, "status");
        for (int k = 1; k < 7; k++) {
            const char *ref = rk_json_str(r, k == P_MISSING || k == P_FAILED ? "src" : "dst");
            if (strcmp(st, status_names[k]) != 0)
                continue;
            count[k]++;
            json_object_array_add(rk_json_array(s, list_keys[k]),
                                  json_object_new_string(ref ? ref : rk_json_str(r, "src")));
        }
        mounted += rk_json_int(b, "mounted", 0);
        copied += rk_json_int(b, "copied", 0);
        present += rk_json_int(b, "present", 0);
    }
    rk_json_set_int(tot, "images", (int64_t)json_object_array_length(result));
    for (int k = 1; k < 7; k++)
        rk_json_set_int(tot, list_keys[k], count[k]);
    rk_json_set_int(tot, "blobs_mounted", mounted);
    rk_json_set_int(tot, "blobs_copied", copied);
    rk_json_set_int(tot, "blobs_present", present);
    rk_json_set_int(tot, "bytes_downloaded", (int64_t)p->http.bytes_down);
    rk_json_set_int(tot, "bytes_uploaded", (int64_t)p->http.bytes_up);
    rk_json_set_int(tot, "requests", (int64_t)p->http.requests);
    rk_json_set_int(tot, "token_requests", (int64_t)p->oc.token_requests);
    rk_json_set(s, "totals", tot);
    return s;
}

static void md_row(struct rk_buf *b, json_object *r)
{
    const char *d = rk_json_str(r, "digest");
    rk_buf_printf(b, "| %s | `%s` | `%s` | %s%.19s%s |\n", rk_json_str(r, "status"),
                  rk_json_str(r, "src"), rk_json_str(r, "dst") ? rk_json_str(r, "dst") : "",
                  d ? "`" : "", d ? d : "", d ? "…`" : "");
}

char *promote_markdown(struct promote *p, json_object *result, json_object *summary)
{
    json_object *tot = rk_json_obj(summary, "totals"), *tb = rk_json_array(summary, "to_build");
    struct rk_buf b;
    rk_buf_init(&b, 0);
    rk_buf_printf(&b, "### ghcr-promote%s\n\n", p->o->dry_run ? " (dry run)" : "");
    rk_buf_printf(
        &b,
        "%lld images: %lld copied, %lld already present, %lld planned, %lld "
        "conflicts, %lld missing (to build), %lld failed. Blobs: %lld mounted, "
        "%lld copied, %lld already present; %.1f MiB uploaded.\n\n",
        (long long)rk_json_int(tot, "images", 0), (long long)rk_json_int(tot, "copied", 0),
        (long long)rk_json_int(tot, "present", 0), (long long)rk_json_int(tot, "planned", 0),
        (long long)rk_json_int(tot, "conflicts", 0), (long long)rk_json_int(tot, "to_build", 0),
        (long long)rk_json_int(tot, "failed", 0), (long long)rk_json_int(tot, "blobs_mounted", 0),
        (long long)rk_json_int(tot, "blobs_copied", 0),
        (long long)rk_json_int(tot, "blobs_present", 0),
        (double)rk_json_int(tot, "bytes_uploaded", 0) / (1 << 20));
    rk_buf_puts(&b, "| status | source | destination | digest |\n| --- | --- | --- | --- |\n");
    for (size_t i = 0; i < json_object_array_length(result); i++)
        md_row(&b, json_object_array_get_idx(result, i));
    if (tb && json_object_array_length(tb) > 0) {
        rk_buf_puts(&b, "\n#### To build (source missing)\n\n");
        for (size_t i = 0; i < json_object_array_length(tb); i++)
            rk_buf_printf(&b, "- `%s`\n", json_object_get_string(json_object_array_get_idx(tb, i)));
    }
    return rk_buf_detach(&b, NULL);
}

int promote_exit_code(struct promote *p)
{
    int conflict = 0, missing = 0;
    for (size_t i = 0; i < p->n; i++) {
        const struct pimage *im = &p->imgs[i];
        const struct pimage *d = im->dup_of >= 0 ? &p->imgs[im->dup_of] : im;
        if (d->status == P_FAILED)
            return d->err.code ? d->err.code : RK_SYSTEM;
        conflict |= d->status == P_CONFLICT;
        missing |= d->status == P_MISSING && im->parent < 0;
    }
    if (conflict || (missing && !p->o->missing_ok))
        return RK_REMOTE;
    return RK_OK;
}
