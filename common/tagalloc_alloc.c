/* tagalloc_alloc.c - see tagalloc.h: race-safe allocation through a backend */
#include "tagalloc.h"
#include "clock.h"
#include "err.h"
#include "jsonio.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the commit sha an existing tag points at ("" when unknown or absent) */
static int tag_sha(const struct rk_tag_backend *b, json_object *item, char *out, struct rk_err *e)
{
    const char *sha = rk_json_str(item, "sha");
    if (sha && strlen(sha) < RK_TAG_SHA_MAX) {
        memcpy(out, sha, strlen(sha) + 1);
        return 0;
    }
    return b->resolve(b->ctx, rk_json_str(item, "name"), out, e);
}

struct scan {
    int64_t max_n;   /* highest n among the spec's tags, 0 when none */
    int64_t reuse_n; /* highest n of a tag already at the sha, -1 when none */
    char reuse_tag[RK_TAG_MAX];
};

/* List the spec's existing tags once: the highest n, and (reuse) one already at the sha. */
static int scan_tags(const struct rk_tagspec *s, const struct rk_tag_backend *b,
                     const struct rk_tag_opts *o, struct scan *sc, struct rk_err *e)
{
    char prefix[RK_TAG_MAX], sha[RK_TAG_SHA_MAX];
    json_object *list = NULL;
    size_t n;
    sc->max_n = 0;
    sc->reuse_n = -1;
    if (rk_tagspec_prefix(s, prefix, sizeof(prefix), e) < 0 ||
        b->list(b->ctx, prefix, &list, e) < 0)
        return -1;
    n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++) {
        json_object *it = json_object_array_get_idx(list, i);
        const char *name = rk_json_str(it, "name");
        int64_t k = rk_tagspec_match(s, name);
        if (k < 0)
            continue;
        if (k > sc->max_n)
            sc->max_n = k;
        if (!o->reuse || k <= sc->reuse_n)
            continue;
        if (tag_sha(b, it, sha, e) < 0) {
            json_object_put(list);
            return -1;
        }
        if (strcmp(sha, o->sha) == 0) {
            sc->reuse_n = k;
            snprintf(sc->reuse_tag, sizeof(sc->reuse_tag), "%s", name);
        }
    }
    json_object_put(list);
    rk_log_verbose("%zu existing tag(s) start with '%s'; highest number %lld", n, prefix,
                   (long long)sc->max_n);
    return 0;
}

/* One create, retried after transient failures. RK_TAG_CREATED (also when "already exists"
 * answers a retry and the tag is at our sha), RK_TAG_EXISTS, or -1. */
static int create_once(const struct rk_tag_backend *b, const struct rk_tag_opts *o, const char *tag,
                       struct rk_tag_result *r, struct rk_err *e)
{
    int retries = o->create_retries < 0 ? 4 : o->create_retries;
    long delay = o->retry_delay_ms < 0 ? 500 : o->retry_delay_ms;
    int maybe_applied = 0;
    for (int attempt = 0;; attempt++) {
        char sha[RK_TAG_SHA_MAX];
        int rc;
        r->attempts++;
        rc = b->create(b->ctx, tag, o->sha, o->message, e);
        if (rc == RK_TAG_CREATED)
            return rc;
        if (rc == RK_TAG_EXISTS && !maybe_applied)
            return rc;
        if (rc == RK_TAG_EXISTS) {
            int own = b->owned ? b->owned(b->ctx, tag, e) : -1;
            if (own == -2)
                return -1;
            if (own < 0 && b->resolve(b->ctx, tag, sha, e) < 0)
                return -1;
            if (own == 0 || (own < 0 && strcmp(sha, o->sha) != 0))
                return RK_TAG_EXISTS;
            rk_log_info("tag '%s' already exists at %s: our earlier attempt created it", tag,
                        o->sha);
            r->own_retry = 1;
            return RK_TAG_CREATED;
        }
        if (e->code != RK_TRANSIENT || attempt >= retries)
            return -1;
        rk_log_warn("creating tag '%s' failed (%s); retrying", tag, e->msg);
        rk_err_clear(e);
        maybe_applied = 1;
        rk_sleep_ms(delay * (1L << (attempt < 10 ? attempt : 10)));
    }
}

static int fill(const struct rk_tagspec *s, int64_t n, struct rk_tag_result *r, struct rk_err *e)
{
    r->n = rk_tagspec_uses_n(s) ? n : -1;
    if (rk_tagspec_tag(s, n, r->tag, sizeof(r->tag), e) < 0)
        return -1;
    r->version[0] = '\0';
    if (s->base && s->scheme && rk_tagspec_version(s, n, r->version, sizeof(r->version), e) < 0)
        return -1;
    return 0;
}

/* A template without {n}: one tag, which may exist already. */
static int allocate_fixed(const struct rk_tagspec *s, const struct rk_tag_backend *b,
                          const struct rk_tag_opts *o, struct rk_tag_result *r, struct rk_err *e)
{
    char sha[RK_TAG_SHA_MAX];
    int rc;
    if (fill(s, -1, r, e) < 0 || b->resolve(b->ctx, r->tag, sha, e) < 0)
        return -1;
    if (*sha && o->reuse && strcmp(sha, o->sha) == 0) {
        r->reused = 1;
        return 0;
    }
    if (*sha)
        goto collision;
    if (o->dry_run)
        return 0;
    rc = create_once(b, o, r->tag, r, e);
    if (rc == RK_TAG_CREATED) {
        r->created = 1;
        return 0;
    }
    if (rc < 0 || b->resolve(b->ctx, r->tag, sha, e) < 0)
        return -1;
    if (*sha && o->reuse && strcmp(sha, o->sha) == 0) {
        r->reused = 1; /* another run of ours took it meanwhile */
        return 0;
    }
collision:
    return rk_err_set(e, RK_REMOTE,
                      "tag '%s' already exists (at %.12s): the template '%s' has no {n} to "
                      "allocate another (add {n} to the template or its version scheme, or use "
                      "--reuse)",
                      r->tag, *sha ? sha : "?", s->tpl);
}

int rk_tag_allocate(const struct rk_tagspec *s, const struct rk_tag_backend *b,
                    const struct rk_tag_opts *o, struct rk_tag_result *r, struct rk_err *e)
{
    int max_attempts = o->max_attempts > 0 ? o->max_attempts : 100;
    struct scan sc;
    int64_t n;
    memset(r, 0, sizeof(*r));
    if (!rk_tagspec_uses_n(s))
        return allocate_fixed(s, b, o, r, e);
    if (scan_tags(s, b, o, &sc, e) < 0)
        return -1;
    if (sc.reuse_n >= 0) {
        r->reused = 1;
        return fill(s, sc.reuse_n, r, e);
    }
    n = sc.max_n + 1;
    for (int i = 0; i < max_attempts; i++, n++) {
        int rc;
        if (fill(s, n, r, e) < 0)
            return -1;
        if (o->dry_run)
            return 0;
        rc = create_once(b, o, r->tag, r, e);
        if (rc < 0)
            return -1;
        if (rc == RK_TAG_CREATED) {
            r->created = 1;
            return 0;
        }
        rk_log_verbose("tag '%s' was taken by another run; trying the next number", r->tag);
    }
    return rk_err_set(e, RK_REMOTE, "no free tag after %d attempts (last tried '%s')", max_attempts,
                      r->tag);
}
