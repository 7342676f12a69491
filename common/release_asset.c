/* release_asset.c - see release.h: assets, digests, context shapes, times */
#include "release.h"
#include "err.h"
#include "github.h"
#include "jsonio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rk_release_assets(struct rk_github *g, const struct rk_repo *r, int64_t release_id,
                      json_object **out, struct rk_err *e)
{
    char path[sizeof(r->path) + 64];
    char what[sizeof(r->path) + 64];
    json_object *all;
    snprintf(path, sizeof(path), "%s/releases/%lld/assets?per_page=100", r->path,
             (long long)release_id);
    if (rk_github_paginate(g, path, NULL, 0, &all, e) < 0) {
        *out = NULL;
        return -1;
    }
    snprintf(what, sizeof(what), "the assets of release %lld of '%s/%s'", (long long)release_id,
             r->owner, r->name);
    *out = rk_checked_items(all, rk_asset_check, what);
    json_object_put(all);
    return *out ? 0 : rk_err_set(e, RK_SYSTEM, "out of memory");
}

json_object *rk_asset_find(json_object *assets, const char *name)
{
    size_t n = assets ? json_object_array_length(assets) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *a = json_object_array_get_idx(assets, i);
        const char *an = rk_json_str(a, "name");
        if (an && strcmp(an, name) == 0)
            return a;
    }
    return NULL;
}

/* lowercase hex digit of each byte, 0 for the bytes that are none */
static const char hex_lower[256] = {
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4', ['5'] = '5',
    ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9', ['a'] = 'a', ['b'] = 'b',
    ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f', ['A'] = 'a', ['B'] = 'b',
    ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f'};

int rk_digest_sha256(const char *d, char hex[RK_SHA256_HEX_LEN])
{
    unsigned char bad = 0;
    hex[0] = '\0';
    if (!d)
        return 0;
    if (strncmp(d, "sha256:", 7) != 0 || strlen(d + 7) != 64)
        return -1;
    for (size_t i = 0; i < 64; i++) {
        char c = hex_lower[(unsigned char)d[7 + i]];
        bad |= (unsigned char)(c == 0);
        hex[i] = c;
    }
    hex[bad ? 0 : 64] = '\0'; /* a malformed digest leaves no partial hash behind */
    return bad ? -1 : 1;
}

int rk_asset_sha256(json_object *asset, char hex[RK_SHA256_HEX_LEN])
{
    return rk_digest_sha256(rk_json_str(asset, "digest"), hex);
}

int rk_asset_complete(json_object *asset)
{
    const char *st = rk_json_str(asset, "state");
    return !st || strcmp(st, "uploaded") == 0;
}

enum rk_asset_match rk_asset_match(json_object *asset, uint64_t size, const char *sha256_hex)
{
    char hex[RK_SHA256_HEX_LEN];
    int have;
    if (!rk_asset_complete(asset))
        return RK_ASSET_BROKEN;
    if ((uint64_t)rk_json_int(asset, "size", -1) != size)
        return RK_ASSET_DIFFERENT;
    have = rk_asset_sha256(asset, hex);
    if (have < 0)
        return RK_ASSET_DIFFERENT;
    if (have == 0)
        return RK_ASSET_UNKNOWN;
    return strcmp(hex, sha256_hex) == 0 ? RK_ASSET_SAME : RK_ASSET_DIFFERENT;
}

/* copy key from src to dst when present (any type, null kept as null) */
static void copy_key(json_object *dst, json_object *src, const char *key, const char *as)
{
    json_object *v;
    if (json_object_object_get_ex(src, key, &v))
        json_object_object_add(dst, as ? as : key, json_object_get(v));
}

json_object *rk_release_summary(json_object *rel)
{
    json_object *o = json_object_new_object();
    static const char *const keys[] = {"id",
                                       "name",
                                       "draft",
                                       "prerelease",
                                       "html_url",
                                       "upload_url",
                                       "target_commitish",
                                       "created_at",
                                       "published_at"};
    copy_key(o, rel, "id", NULL);
    copy_key(o, rel, "tag_name", "tag");
    for (size_t i = 1; i < sizeof(keys) / sizeof(keys[0]); i++)
        copy_key(o, rel, keys[i], NULL);
    return o;
}

json_object *rk_asset_summary(json_object *asset)
{
    json_object *o = json_object_new_object();
    char hex[RK_SHA256_HEX_LEN];
    static const char *const keys[] = {"label",     "size",           "content_type",
                                       "state",     "download_count", "browser_download_url",
                                       "created_at"};
    copy_key(o, asset, "id", NULL);
    copy_key(o, asset, "name", NULL);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        copy_key(o, asset, keys[i], NULL);
    rk_json_set_str(o, "sha256", rk_asset_sha256(asset, hex) == 1 ? hex : NULL);
    return o;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* the part after the seconds: ".123", then "Z" or "+hh:mm" / "-hh:mm" */
static int parse_zone(const char *s, long *offset)
{
    int hh, mm;
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            ;
    *offset = 0;
    if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0)
        return 0;
    if ((*s != '+' && *s != '-') || strlen(s) != 6 || s[3] != ':' || digits(s + 1, 2, &hh) < 0 ||
        digits(s + 4, 2, &mm) < 0 || hh > 23 || mm > 59)
        return -1;
    *offset = (long)(hh * 3600 + mm * 60) * (*s == '-' ? -1 : 1);
    return 0;
}

int rk_time_parse(const char *s, time_t *out)
{
    struct tm tm;
    int y, mo, d, h, mi, se;
    long off;
    time_t t;
    if (!s || strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':')
        return -1;
    if (digits(s, 4, &y) < 0 || digits(s + 5, 2, &mo) < 0 || digits(s + 8, 2, &d) < 0 ||
        digits(s + 11, 2, &h) < 0 || digits(s + 14, 2, &mi) < 0 || digits(s + 17, 2, &se) < 0 ||
        parse_zone(s + 19, &off) < 0)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = t - off;
    return 0;
}

int rk_release_time(json_object *rel, time_t *out)
{
    if (rk_time_parse(rk_json_str(rel, "published_at"), out) == 0)
        return 0;
    return rk_time_parse(rk_json_str(rel, "created_at"), out);
}
