/* source_remote.c - remote files: GitHub releases and asset lists in the context */
#include "index_gen.h"
#include "err.h"
#include "jsonio.h"
#include "log.h"
#include "release.h"

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IG_CHUNK ((size_t)64 << 10)

struct ig_chunk {
    struct ig_chunk *next;
    size_t used, size;
    char data[];
};

/* a copy of s[0..n) in the arena of a, or NULL on ENOMEM */
static char *arena_dup(struct ig_assets *a, const char *s, size_t n)
{
    struct ig_chunk *c = a->chunks;
    char *d;
    if (!c || c->size - c->used < n + 1) {
        size_t size = n + 1 > IG_CHUNK ? n + 1 : IG_CHUNK;
        if (!(c = malloc(sizeof(*c) + size)))
            return NULL;
        c->next = a->chunks, c->used = 0, c->size = size;
        a->chunks = c;
    }
    d = c->data + c->used;
    memcpy(d, s, n);
    d[n] = '\0';
    c->used += n + 1;
    return d;
}

/* s stored (NULL kept); *last: the previous string stored this way, shared when equal */
static int arena_keep(struct ig_assets *a, const char **last, const char *s, char **out)
{
    *out = NULL;
    if (!s)
        return 0;
    if (*last && strcmp(*last, s) == 0) {
        *out = (char *)*last;
        return 0;
    }
    if (!(*out = arena_dup(a, s, strlen(s))))
        return -1;
    *last = *out;
    return 0;
}

static int arena_str(struct ig_assets *a, const char *s, char **out)
{
    *out = s ? arena_dup(a, s, strlen(s)) : NULL;
    return s && !*out ? -1 : 0;
}

/* room for more assets (grown once for a whole list rather than by doubling) */
static int assets_reserve(struct ig_assets *a, size_t more, struct rk_err *e)
{
    struct ig_asset *v;
    size_t cap;
    if (more <= a->cap - a->n)
        return 0;
    cap = a->n + more;
    if (cap < a->cap * 2)
        cap = a->cap * 2;
    if (cap < 256)
        cap = 256;
    if (cap > SIZE_MAX / sizeof(*v) || !(v = realloc(a->v, cap * sizeof(*v))))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    a->v = v, a->cap = cap;
    return 0;
}

char *ig_assets_keep(struct ig_assets *a, const char *s)
{
    return arena_dup(a, s, strlen(s));
}

int ig_asset_add(struct ig_assets *a, const struct ig_asset *src, struct rk_err *e)
{
    struct ig_asset *d;
    if (assets_reserve(a, 1, e) < 0)
        return -1;
    d = &a->v[a->n];
    *d = *src;
    if (arena_str(a, src->name, &d->name) < 0 || arena_str(a, src->url, &d->url) < 0 ||
        arena_str(a, src->stamp, &d->stamp) < 0 ||
        arena_str(a, src->upload_time, &d->upload_time) < 0 ||
        arena_keep(a, &a->last_origin, src->origin, &d->origin) < 0 ||
        arena_keep(a, &a->last_repo, src->repo, &d->repo) < 0 ||
        arena_keep(a, &a->last_tag, src->tag, &d->tag) < 0)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    a->n++;
    return 0;
}

void ig_assets_release(struct ig_assets *a)
{
    while (a->chunks) {
        struct ig_chunk *c = a->chunks;
        a->chunks = c->next;
        free(c);
    }
    free(a->v);
    memset(a, 0, sizeof(*a));
}

/* the release passes --include-drafts, --prereleases, --tag-regex, --max-age */
static int release_wanted(struct ig_run *r, json_object *rel, time_t now)
{
    const char *tag = rk_json_str(rel, "tag_name");
    int pre = rk_json_bool(rel, "prerelease", 0);
    time_t t;
    if (!tag || (rk_json_bool(rel, "draft", 0) && !r->o->include_drafts))
        return 0;
    if ((pre && r->o->prereleases == IG_PRE_EXCLUDE) || (!pre && r->o->prereleases == IG_PRE_ONLY))
        return 0;
    if (r->have_re && regexec(&r->re, tag, 0, NULL, 0) != 0)
        return 0;
    if (r->o->max_age > 0 && (rk_release_time(rel, &t) < 0 || now - t > r->o->max_age))
        return 0;
    return 1;
}

/* the length of "scheme://authority/" of url, 0 when it has none; the rest of url holds no
 * space or control character (which the URL parser refuses) */
static size_t url_prefix(const char *url)
{
    const char *a = strstr(url, "://"), *slash;
    if (!a || !(slash = strchr(a + 3, '/')) || slash == a + 3)
        return 0;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return 0;
    return (size_t)(slash - url) + 1;
}

/* a link the index may publish: http(s) as the http client would fetch it (https, plain
 * http to loopback), no credentials; else the asset is skipped with a warning. The check
 * depends on the scheme and authority only (given no space or control character): ok holds
 * the "scheme://authority/" last found good, for the next assets of the list */
static int asset_url_ok(struct ig_run *r, const char *origin, const struct ig_asset *x,
                        char ok[256])
{
    struct rk_err e;
    size_t n = url_prefix(x->url);
    if (n && n < 256 && strncmp(ok, x->url, n) == 0 && ok[n] == '\0')
        return 1;
    rk_err_clear(&e);
    if (rk_http_check_url(&r->gh.http, x->url, &e) == 0) {
        if (n && n < 256)
            memcpy(ok, x->url, n), ok[n] = '\0';
        return 1;
    }
    rk_log_warn("skipping asset '%s' of '%s': its browser_download_url is not usable: %s", x->name,
                origin, e.msg);
    return 0;
}

/* the keys of a GitHub asset index-gen reads, in one pass over the object (it holds only the
 * keys of the slim parse, release.c): the same values rk_json_str / rk_json_int give */
struct asset_keys {
    const char *name, *url, *state, *digest, *updated, *created;
    int64_t size;
};

static const struct {
    const char *key;
    size_t off;
} asset_str_keys[] = {
    {"name", offsetof(struct asset_keys, name)},
    {"browser_download_url", offsetof(struct asset_keys, url)},
    {"state", offsetof(struct asset_keys, state)},
    {"digest", offsetof(struct asset_keys, digest)},
    {"updated_at", offsetof(struct asset_keys, updated)},
    {"created_at", offsetof(struct asset_keys, created)},
};

static void read_asset(json_object *a, struct asset_keys *k)
{
    memset(k, 0, sizeof(*k));
    k->size = -1;
    if (!json_object_is_type(a, json_type_object))
        return;
    json_object_object_foreach(a, key, v)
    {
        enum json_type t = json_object_get_type(v);
        if (t == json_type_int && strcmp(key, "size") == 0)
            k->size = json_object_get_int64(v);
        if (t != json_type_string)
            continue;
        for (size_t i = 0; i < sizeof(asset_str_keys) / sizeof(asset_str_keys[0]); i++) {
            if (strcmp(key, asset_str_keys[i].key) == 0) {
                *(const char **)((char *)k + asset_str_keys[i].off) = json_object_get_string(v);
                break;
            }
        }
    }
}

static int add_release_assets(struct ig_run *r, const char *repo, json_object *rel, char ok[256],
                              struct rk_err *e)
{
    json_object *assets = rk_json_array(rel, "assets");
    size_t n = assets ? json_object_array_length(assets) : 0;
    const char *tag = rk_json_str(rel, "tag_name");
    int pre = rk_json_bool(rel, "prerelease", 0);
    char origin[512];
    snprintf(origin, sizeof(origin), "%s@%s", repo, tag);
    for (size_t i = 0; i < n; i++) {
        struct asset_keys k;
        struct ig_asset x;
        read_asset(json_object_array_get_idx(assets, i), &k);
        memset(&x, 0, sizeof(x));
        x.name = (char *)k.name;
        x.url = (char *)k.url;
        if (!x.name || !x.url || (k.state && strcmp(k.state, "uploaded") != 0) ||
            !asset_url_ok(r, origin, &x, ok))
            continue;
        x.size = k.size;
        x.stamp = (char *)k.updated;
        x.upload_time = (char *)k.created;
        x.origin = origin, x.repo = (char *)repo, x.tag = (char *)tag;
        x.prerelease = pre;
        if (rk_digest_sha256(k.digest, x.sha256) < 0)
            rk_log_warn("ignoring the malformed digest of '%s'", x.name);
        if (ig_asset_add(&r->assets, &x, e) < 0)
            return -1;
    }
    return 0;
}

/* how many assets the releases of list hold, wanted or not */
static size_t assets_listed(json_object *list)
{
    size_t n = 0;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *a = rk_json_array(json_object_array_get_idx(list, i), "assets");
        n += a ? json_object_array_length(a) : 0;
    }
    return n;
}

int ig_source_github(struct ig_run *r, const char *repo, struct rk_err *e)
{
    struct rk_repo rp;
    json_object *list = NULL;
    int capped = 0, rc = 0;
    time_t now = time(NULL);
    char ok[256] = "";
    if (rk_repo_parse(repo, &rp, e) < 0 || ig_github(r, e) < 0)
        return -1;
    rk_log_group(repo);
    if (rk_release_list(&r->gh, &rp, RK_REL_SLIM | (r->o->no_past_cap ? 0 : RK_REL_PAST_CAP), &list,
                        &capped, e) < 0) {
        rk_log_endgroup();
        return rk_err_prefix(e, "unable to list the releases of '%s'", repo);
    }
    rk_log_endgroup();
    ig_phase(r, "listing the releases");
    r->capped |= capped;
    if (capped && r->o->no_past_cap) {
        json_object_put(list);
        return rk_err_set(e, RK_REMOTE,
                          "the releases list of '%s' stops at %d releases: older releases "
                          "would be missing (drop --no-past-cap to find them through the tags)",
                          repo, RK_RELEASES_CAP);
    }
    rc = assets_reserve(&r->assets, assets_listed(list), e);
    for (size_t i = 0; rc == 0 && i < json_object_array_length(list); i++) {
        json_object *rel = json_object_array_get_idx(list, i);
        if (!release_wanted(r, rel, now)) {
            r->releases_skipped++;
            continue;
        }
        r->releases++;
        rc = add_release_assets(r, repo, rel, ok, e);
    }
    rk_log_verbose("'%s': %zu releases used, %zu skipped%s", repo, r->releases, r->releases_skipped,
                   capped ? " (past the list cap)" : "");
    json_object_put(list);
    ig_phase(r, "taking the assets of the releases");
    return rc;
}

/* one asset of the context: {name, browser_download_url|url, size, sha256|digest, ...} */
static int context_asset(struct ig_run *r, json_object *a, json_object *rel, struct rk_err *e)
{
    struct ig_asset x;
    const char *sha = rk_json_str(a, "sha256"), *tag = rel ? rk_json_str(rel, "tag") : NULL;
    char origin[512];
    struct rk_http_client *http;
    struct rk_err why;
    memset(&x, 0, sizeof(x));
    rk_err_clear(&why);
    if (!json_object_is_type(a, json_type_object))
        return rk_err_set(e, RK_INPUT, "invalid asset list: an asset is not an object");
    x.name = (char *)rk_json_str(a, "name");
    x.url = (char *)rk_json_str(a, "browser_download_url");
    if (!x.url)
        x.url = (char *)rk_json_str(a, "url");
    if (!x.name || !x.url || (strncmp(x.url, "http://", 7) && strncmp(x.url, "https://", 8)))
        return rk_err_set(e, RK_INPUT,
                          "invalid asset list: asset '%s' needs a name and an "
                          "http(s) url",
                          x.name ? x.name : "?");
    if (!(http = ig_http(r, e)))
        return -1;
    if (rk_http_check_url(http, x.url, &why) < 0) /* the links of GitHub assets pass it too */
        return rk_err_set(e, RK_INPUT,
                          "invalid asset list: the url of asset '%s' may not be "
                          "published: %s",
                          x.name, why.msg);
    if (!tag && rel)
        tag = rk_json_str(rel, "tag_name");
    x.size = rk_json_int(a, "size", -1);
    x.stamp = (char *)rk_json_str(a, "updated_at");
    x.upload_time = (char *)rk_json_str(a, "created_at");
    if (!x.upload_time)
        x.upload_time = (char *)rk_json_str(a, "upload_time");
    snprintf(origin, sizeof(origin), "context%s%s", tag ? "@" : "", tag ? tag : "");
    x.origin = origin;
    if (sha && rk_unhex(sha, (unsigned char[32]){0}, 32) == 0 && strlen(sha) == 64)
        snprintf(x.sha256, sizeof(x.sha256), "%s", sha);
    else if (rk_asset_sha256(a, x.sha256) < 0)
        return rk_err_set(e, RK_INPUT, "invalid asset list: bad digest of '%s'", x.name);
    for (char *p = x.sha256; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
    return ig_asset_add(&r->assets, &x, e);
}

static int context_assets(struct ig_run *r, json_object *arr, json_object *rel, struct rk_err *e)
{
    for (size_t i = 0; i < json_object_array_length(arr); i++)
        if (context_asset(r, json_object_array_get_idx(arr, i), rel, e) < 0)
            return -1;
    return 0;
}

/* where (e.g. "releases[2]") holds key of type want, or null, or nothing: else RK_INPUT */
static int context_type(json_object *o, const char *where, const char *key, enum json_type want,
                        struct rk_err *e)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !v || json_object_is_type(v, want))
        return 0;
    return rk_err_set(e, RK_INPUT, "invalid context: \"%s%s%s\" is of type %s, expected %s", where,
                      *where ? "." : "", key, json_type_to_name(json_object_get_type(v)),
                      json_type_to_name(want));
}

int ig_source_context(struct ig_run *r, json_object *ctx, struct rk_err *e)
{
    json_object *assets = rk_json_array(ctx, "assets"), *rels = rk_json_array(ctx, "releases");
    if (context_type(ctx, "", "assets", json_type_array, e) < 0 ||
        context_type(ctx, "", "releases", json_type_array, e) < 0 ||
        context_type(ctx, "", "release", json_type_object, e) < 0)
        return -1;
    if (assets && context_assets(r, assets, rk_json_obj(ctx, "release"), e) < 0)
        return -1;
    for (size_t i = 0; rels && i < json_object_array_length(rels); i++) {
        json_object *rel = json_object_array_get_idx(rels, i), *a = rk_json_array(rel, "assets");
        char where[48];
        snprintf(where, sizeof(where), "releases[%zu]", i);
        if (!json_object_is_type(rel, json_type_object))
            return rk_err_set(e, RK_INPUT, "invalid context: \"%s\" is not an object", where);
        if (context_type(rel, where, "assets", json_type_array, e) < 0)
            return -1;
        if (a && context_assets(r, a, rel, e) < 0)
            return -1;
    }
    return 0;
}
