/* json_slim.c - see json_slim.h. The text is checked (rk_json_check) before it is scanned:
 * the scanner only ever sees valid JSON, so it looks for delimiters and nothing else. */
#include "json_slim.h"
#include "buf.h"
#include "err.h"
#include "jsonio.h"

#include <stdint.h>
#include <string.h>

static const char *ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* p at '"': just after the closing quote; *esc set when the string holds a backslash */
static const char *skip_string(const char *p, const char *end, int *esc)
{
    p++;
    for (;;) {
        const char *q = memchr(p, '"', (size_t)(end - p)), *b;
        if (!q)
            return end;
        b = memchr(p, '\\', (size_t)(q - p));
        if (!b)
            return q + 1;
        *esc = 1;
        p = b + 2; /* the escaped character, maybe a quote */
    }
}

/* p at a value: just after it */
static const char *skip_value(const char *p, const char *end)
{
    int depth = 0, esc = 0;
    do {
        switch (*p) {
        case '"':
            p = skip_string(p, end, &esc);
            break;
        case '{':
        case '[':
            depth++, p++;
            break;
        case '}':
        case ']':
            depth--, p++;
            break;
        default:
            if (depth == 0) { /* a number or literal: up to its delimiter */
                while (p < end && *p != ',' && *p != ']' && *p != '}' && *p != ' ' &&
                       *p != '\n' && *p != '\r' && *p != '\t')
                    p++;
                return p;
            }
            p++;
        }
    } while (depth > 0 && p < end);
    return p;
}

/* a valid JSON value, whole, by json-c; NULL for null */
static json_object *parse_slice(const char *p, size_t n)
{
    struct json_tokener *tok = json_tokener_new_ex(RK_JSON_DEPTH + 2);
    json_object *o;
    if (!tok)
        return NULL;
    o = json_tokener_parse_ex(tok, p, (int)n);
    if (json_tokener_get_error(tok) == json_tokener_continue)
        o = json_tokener_parse_ex(tok, "", 1); /* a bare number at the end */
    json_tokener_free(tok);
    return o;
}

/* [p, q) a value: strings without escapes, literals and small integers built here */
static json_object *value(const char *p, const char *q)
{
    int esc = 0;
    if (*p == '"' && skip_string(p, q, &esc) == q && !esc)
        return json_object_new_string_len(p + 1, (int)(q - p - 2));
    if (*p == 't' || *p == 'f')
        return json_object_new_boolean(*p == 't');
    if (*p == 'n')
        return NULL;
    if ((*p == '-' || (*p >= '0' && *p <= '9')) && q - p <= 18) {
        const char *d = p + (*p == '-');
        int64_t v = 0;
        while (d < q && *d >= '0' && *d <= '9')
            v = v * 10 + (*d++ - '0');
        if (d == q && d > p + (*p == '-'))
            return json_object_new_int64(*p == '-' ? -v : v);
    }
    return parse_slice(p, (size_t)(q - p));
}

static const char *kept_key(const char *const *keys, const char *k, size_t n)
{
    for (size_t i = 0; keys[i]; i++)
        if (keys[i][0] == k[0] && strncmp(keys[i], k, n) == 0 && keys[i][n] == '\0')
            return keys[i];
    return NULL;
}

/* the text kept (rk_json_slim's kept): NULL when not wanted; fail set when out of memory */
struct kept {
    struct rk_buf *b;
    int fail;
};

static void keep(struct kept *kt, const char *p, size_t n)
{
    if (kt->b && rk_buf_append(kt->b, p, n) < 0)
        kt->fail = 1;
}

static json_object *object(const char **pp, const char *end, const struct rk_json_spec *spec,
                           struct kept *kt);

/* *pp at '[': items that are objects read with spec, others whole */
static json_object *array(const char **pp, const char *end, const struct rk_json_spec *spec,
                          struct kept *kt)
{
    const char *p = ws(*pp + 1, end);
    json_object *a = json_object_new_array();
    keep(kt, "[", 1);
    while (p < end && *p != ']') {
        json_object *it;
        if (json_object_array_length(a) > 0)
            keep(kt, ",", 1);
        if (*p == '{') {
            it = object(&p, end, spec, kt);
        } else {
            const char *q = skip_value(p, end);
            it = parse_slice(p, (size_t)(q - p));
            keep(kt, p, (size_t)(q - p));
            p = q;
        }
        json_object_array_add(a, it);
        p = ws(p, end);
        if (p < end && *p == ',')
            p = ws(p + 1, end);
    }
    keep(kt, "]", 1);
    *pp = p < end ? p + 1 : end;
    return a;
}

/* *pp at '{' of an object that has a key with escapes: json-c reads it, then it is cut; kept
 * whole (read again, it is cut the same way) */
static json_object *object_whole(const char **pp, const char *end, const struct rk_json_spec *spec,
                                 struct kept *kt)
{
    const char *q = skip_value(*pp, end);
    json_object *full = parse_slice(*pp, (size_t)(q - *pp)), *cut = rk_json_cut(full, spec);
    json_object_put(full);
    keep(kt, *pp, (size_t)(q - *pp));
    *pp = q;
    return cut;
}

static int is_nested(const struct rk_json_spec *spec, const char *k, size_t klen)
{
    return spec->nested && strlen(spec->nested) == klen && memcmp(spec->nested, k, klen) == 0;
}

/* *pp at '{': the kept keys only (and their text, verbatim, into kt) */
static json_object *object(const char **pp, const char *end, const struct rk_json_spec *spec,
                           struct kept *kt)
{
    const char *p = ws(*pp + 1, end);
    json_object *o = json_object_new_object();
    size_t mark = kt->b ? kt->b->len : 0;
    int n = 0;
    keep(kt, "{", 1);
    while (p < end && *p == '"') {
        int esc = 0;
        const char *k = p + 1, *kend = skip_string(p, end, &esc), *v, *key = NULL;
        size_t klen = (size_t)(kend - k - 1);
        if (esc) {
            json_object_put(o);
            if (kt->b)
                kt->b->len = mark; /* what was kept of this object, dropped */
            return object_whole(pp, end, spec, kt);
        }
        v = ws(ws(kend, end) + 1, end); /* past ':' */
        if (spec->child && *v == '[' && is_nested(spec, k, klen)) {
            keep(kt, ",", n++ > 0);
            keep(kt, k - 1, klen + 2);
            keep(kt, ":", 1);
            json_object_object_add_ex(o, spec->nested, array(&v, end, spec->child, kt),
                                      JSON_C_OBJECT_ADD_CONSTANT_KEY);
            p = v;
        } else {
            p = skip_value(v, end);
            if ((key = kept_key(spec->keys, k, klen)) != NULL ||
                (is_nested(spec, k, klen) && (key = spec->nested))) {
                keep(kt, ",", n++ > 0);
                keep(kt, k - 1, klen + 2);
                keep(kt, ":", 1);
                keep(kt, v, (size_t)(p - v));
                json_object_object_add_ex(o, key, value(v, p), JSON_C_OBJECT_ADD_CONSTANT_KEY);
            }
        }
        p = ws(p, end);
        if (p < end && *p == ',')
            p = ws(p + 1, end);
    }
    keep(kt, "}", 1);
    *pp = p < end ? p + 1 : end;
    return o;
}

int rk_json_slim(const char *data, size_t len, const char *what, const struct rk_json_spec *spec,
                 json_object **out, struct rk_buf *kept, struct rk_err *e)
{
    const char *p = data, *end = data + len;
    struct kept kt = {kept, 0};
    *out = NULL;
    if (len > RK_JSON_MAX)
        return rk_err_set(e, RK_INPUT, "%s is larger than %zu bytes", what, RK_JSON_MAX);
    if (rk_json_check(data, len, what, e) < 0)
        return -1;
    p = ws(p, end);
    if (*p == '[') {
        *out = array(&p, end, spec, &kt);
    } else if (*p == '{') {
        *out = object(&p, end, spec, &kt);
    } else {
        *out = parse_slice(data, len); /* a scalar: as it is */
        keep(&kt, data, len);
    }
    if (kt.fail) {
        json_object_put(*out);
        *out = NULL;
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    return 0;
}

/* a new object with the keys of o (borrowed) that spec keeps, in o's order */
static json_object *cut_object(json_object *o, const struct rk_json_spec *spec)
{
    json_object *out = json_object_new_object();
    json_object_object_foreach(o, k, v)
    {
        const char *key = kept_key(spec->keys, k, strlen(k));
        if (key)
            json_object_object_add_ex(out, key, json_object_get(v), JSON_C_OBJECT_ADD_CONSTANT_KEY);
        else if (spec->nested && strcmp(k, spec->nested) == 0)
            json_object_object_add_ex(out, spec->nested,
                                      spec->child && json_object_is_type(v, json_type_array)
                                          ? rk_json_cut(v, spec->child)
                                          : json_object_get(v),
                                      JSON_C_OBJECT_ADD_CONSTANT_KEY);
    }
    return out;
}

json_object *rk_json_cut(json_object *obj, const struct rk_json_spec *spec)
{
    json_object *a;
    size_t n;
    if (json_object_is_type(obj, json_type_object))
        return cut_object(obj, spec);
    if (!json_object_is_type(obj, json_type_array))
        return json_object_get(obj);
    n = json_object_array_length(obj);
    a = json_object_new_array_ext((int)n);
    for (size_t i = 0; a && i < n; i++) {
        json_object *it = json_object_array_get_idx(obj, i);
        json_object_array_add(a, json_object_is_type(it, json_type_object) ? cut_object(it, spec)
                                                                           : json_object_get(it));
    }
    return a;
}
