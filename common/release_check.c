/* release_check.c - see release.h: the shape of the releases and assets of an API answer */
#include "release.h"
#include "err.h"
#include "jsonio.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

enum {
    T_NULL = 1 << 0,
    T_STR = 1 << 1,   /* a string */
    T_TIME = 1 << 2,  /* a string rk_time_parse reads */
    T_ID = 1 << 3,    /* an integer >= 1 */
    T_COUNT = 1 << 4, /* an integer >= 0 */
    T_BOOL = 1 << 5,
    T_ARRAY = 1 << 6,
    T_REQUIRED = 1 << 7,
};

struct field {
    const char *key;
    unsigned types;
};

static const struct field release_fields[] = {
    {"id", T_ID | T_REQUIRED},
    {"tag_name", T_STR | T_REQUIRED},
    {"draft", T_BOOL},
    {"prerelease", T_BOOL},
    {"name", T_STR | T_NULL},
    {"body", T_STR | T_NULL},
    {"html_url", T_STR},
    {"upload_url", T_STR},
    {"target_commitish", T_STR},
    {"created_at", T_TIME | T_NULL},
    {"published_at", T_TIME | T_NULL},
    {"assets", T_ARRAY | T_NULL},
    {NULL, 0},
};

static const struct field asset_fields[] = {
    {"id", T_ID | T_REQUIRED},
    {"name", T_STR | T_REQUIRED},
    {"label", T_STR | T_NULL},
    {"size", T_COUNT},
    {"digest", T_STR | T_NULL},
    {"content_type", T_STR},
    {"state", T_STR},
    {"download_count", T_COUNT},
    {"browser_download_url", T_STR},
    {"created_at", T_TIME | T_NULL},
    {"updated_at", T_TIME | T_NULL},
    {NULL, 0},
};

static int type_ok(json_object *v, unsigned t)
{
    time_t ignored;
    switch (json_object_get_type(v)) {
    case json_type_null:
        return (t & T_NULL) != 0;
    case json_type_string:
        return (t & T_STR) ||
               ((t & T_TIME) && rk_time_parse(json_object_get_string(v), &ignored) == 0);
    case json_type_int:
        return ((t & T_ID) && json_object_get_int64(v) >= 1) ||
               ((t & T_COUNT) && json_object_get_int64(v) >= 0);
    case json_type_boolean:
        return (t & T_BOOL) != 0;
    case json_type_array:
        return (t & T_ARRAY) != 0;
    default:
        return 0;
    }
}

static const char *expected(unsigned t)
{
    if (t & T_ID)
        return "an integer >= 1";
    if (t & T_COUNT)
        return "an integer >= 0";
    if (t & T_TIME)
        return "a date-time";
    if (t & T_STR)
        return "a string";
    if (t & T_BOOL)
        return "a boolean";
    return "an array";
}

/* "a string", "null", "the integer 0", ... */
static void describe(json_object *v, char *out, size_t n)
{
    switch (json_object_get_type(v)) {
    case json_type_null:
        snprintf(out, n, "null");
        break;
    case json_type_int:
        snprintf(out, n, "the integer %lld", (long long)json_object_get_int64(v));
        break;
    case json_type_string:
        snprintf(out, n, "a string");
        break;
    case json_type_array:
    case json_type_object:
        snprintf(out, n, "an %s", json_type_to_name(json_object_get_type(v)));
        break;
    default:
        snprintf(out, n, "a %s", json_type_to_name(json_object_get_type(v)));
    }
}

static int check(json_object *o, const struct field *fields, const char *what, struct rk_err *e)
{
    char got[64];
    if (!json_object_is_type(o, json_type_object)) {
        describe(o, got, sizeof(got));
        return rk_err_set(e, RK_REMOTE, "%s: %s, expected an object", what, got);
    }
    for (const struct field *f = fields; f->key; f++) {
        json_object *v = NULL;
        int have = json_object_object_get_ex(o, f->key, &v);
        if (!have && (f->types & T_REQUIRED))
            return rk_err_set(e, RK_REMOTE, "%s has no \"%s\"", what, f->key);
        if (have && !type_ok(v, f->types)) {
            describe(v, got, sizeof(got));
            return rk_err_set(e, RK_REMOTE, "%s: \"%s\" is %s, expected %s", what, f->key, got,
                              expected(f->types));
        }
    }
    return 0;
}

int rk_release_check(json_object *rel, const char *what, struct rk_err *e)
{
    struct rk_err te;
    if (check(rel, release_fields, what, e) < 0)
        return -1;
    rk_err_clear(&te);
    if (rk_tag_check(rk_json_str(rel, "tag_name"), &te) < 0)
        return rk_err_set(e, RK_REMOTE, "%s: \"tag_name\" is not a valid tag", what);
    return 0;
}

int rk_asset_check(json_object *asset, const char *what, struct rk_err *e)
{
    /* the name's content (empty, a path) is for the caller to judge: a download refuses it */
    return check(asset, asset_fields, what, e);
}

json_object *rk_checked_items(json_object *list,
                              int (*chk)(json_object *, const char *, struct rk_err *),
                              const char *what)
{
    json_object *out = json_object_new_array();
    size_t n = json_object_array_length(list);
    for (size_t i = 0; out && i < n; i++) {
        json_object *it = json_object_array_get_idx(list, i);
        char where[256];
        struct rk_err e;
        rk_err_clear(&e);
        snprintf(where, sizeof(where), "item %zu of %s", i + 1, what);
        if (chk(it, where, &e) < 0)
            rk_log_warn("skipping %s", e.msg);
        else
            json_object_array_add(out, json_object_get(it));
    }
    return out;
}
