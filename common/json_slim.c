/* json_slim.c - see json_slim.h.
 *
 * One pass checks and extracts: the walker below reads the levels the spec names (the
 * document, the objects read with a spec, the nested arrays) and hands every other value to
 * the strict scanner of json_check.c (json_check_priv.h), which checks it exactly as
 * rk_json_check would at that place and says where it ends. A kept value is built from its
 * slice of the text (strings, literals and small integers here, the rest by json-c's
 * tokener) and copied into kept. Any failure drops what was built and runs rk_json_check on
 * the whole text again: its error is the one returned, so that errors are exactly those of
 * rk_json_check (the walker and it take the same grammar, nesting bound included).
 *
 * Keys are matched against the spec by length and first byte before memcmp (lengths computed
 * once per array, not per key); keys written with escapes make json-c read the whole object,
 * then it is cut (rk_json_cut), as any value that is not an object where a spec applies.
 */
#include "json_slim.h"
#include "buf.h"
#include "err.h"
#include "json_check_priv.h"
#include "jsonio.h"

#include <stdint.h>
#include <string.h>

/* a valid JSON value, whole, by json-c; NULL for null */
static json_object *parse_slice(const void *p, size_t n)
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

/* [p, q) a valid value but a string: literals and small integers built here */
static json_object *value(const char *p, const char *q)
{
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

/* the keys of a spec with their lengths (the first KEYS_LEN of them), and the bit that
 * stands for each in a mask of the keys an object has (NO_BIT: not tracked) */
#define KEYS_LEN 32
#define NESTED_BIT KEYS_LEN
#define NO_BIT 64

struct keyset {
    const struct rk_json_spec *spec;
    size_t n, nested_len;
    unsigned nested_bit;
    size_t len[KEYS_LEN];
};

static const char *kept_key(const char *const *keys, const char *k, size_t n)
{
    for (size_t i = 0; keys[i]; i++)
        if (keys[i][0] == k[0] && strncmp(keys[i], k, n) == 0 && keys[i][n] == '\0')
            return keys[i];
    return NULL;
}

/* the kept key named [k, k + n): its index in spec->keys (its bit when below KEYS_LEN), or
 * -1; the first byte is compared as kept_key does */
static int ks_key(const struct keyset *ks, const char *k, size_t n)
{
    const char *const *keys = ks->spec->keys, *key;
    for (size_t i = 0; i < ks->n; i++)
        if (ks->len[i] == n && keys[i][0] == k[0] && memcmp(keys[i], k, n) == 0)
            return (int)i;
    if (ks->n < KEYS_LEN || (key = kept_key(keys + KEYS_LEN, k, n)) == NULL)
        return -1;
    while (*keys != key)
        keys++;
    return (int)(keys - ks->spec->keys);
}

static void keyset_init(struct keyset *ks, const struct rk_json_spec *spec)
{
    int i;
    ks->spec = spec;
    for (ks->n = 0; ks->n < KEYS_LEN && spec->keys[ks->n]; ks->n++)
        ks->len[ks->n] = strlen(spec->keys[ks->n]);
    ks->nested_len = spec->nested ? strlen(spec->nested) : 0;
    ks->nested_bit = NESTED_BIT; /* a key also kept: the same bit */
    if (spec->nested && (i = ks_key(ks, spec->nested, ks->nested_len)) >= 0)
        ks->nested_bit = i < KEYS_LEN ? (unsigned)i : NO_BIT;
}

static int ks_nested(const struct keyset *ks, const char *k, size_t n)
{
    return ks->spec->nested && ks->nested_len == n && memcmp(ks->spec->nested, k, n) == 0;
}

/* o[key] = val, key constant; *seen the bits of the keys o has: json-c looks for the key
 * only when it may be there (a duplicate, or a key not tracked) */
static void add(json_object *o, uint64_t *seen, unsigned bit, const char *key, json_object *val)
{
    unsigned flags = JSON_C_OBJECT_ADD_CONSTANT_KEY;
    if (bit < NO_BIT && !(*seen & ((uint64_t)1 << bit))) {
        flags |= JSON_C_OBJECT_ADD_KEY_IS_NEW;
        *seen |= (uint64_t)1 << bit;
    }
    json_object_object_add_ex(o, key, val, flags);
}

/* the pass: the scanner, where kept text goes (NULL: not wanted; fail set when out of
 * memory) and how many objects or arrays are open */
struct walk {
    struct rk_json_scan s;
    struct rk_buf *kept;
    int fail;
    size_t depth;
};

static void keep(struct walk *w, const void *p, size_t n)
{
    if (w->kept && rk_buf_append(w->kept, p, n) < 0)
        w->fail = 1;
}

static int at(const struct walk *w, unsigned char c)
{
    return w->s.p < w->s.end && *w->s.p == c;
}

static int w_array(struct walk *w, const struct rk_json_spec *spec, json_object **out);

/* s.p at the '{' of an object that has a key with escapes: json-c reads it, then it is cut;
 * kept whole (read again, it is cut the same way) */
static int w_whole(struct walk *w, const unsigned char *start, const struct rk_json_spec *spec,
                   json_object **out)
{
    json_object *full;
    w->s.p = start;
    if (rk_json_scan_value(&w->s, w->depth) < 0)
        return -1;
    full = parse_slice(start, (size_t)(w->s.p - start));
    *out = rk_json_cut(full, spec);
    json_object_put(full);
    keep(w, start, (size_t)(w->s.p - start));
    return 0;
}

/* "key": kept, [k, kend) the key with its quotes, v its value */
static void keep_member(struct walk *w, int first, const unsigned char *k,
                        const unsigned char *kend, const unsigned char *v)
{
    keep(w, ",", !first);
    if (kend[0] == ':' && v == kend + 1) {
        keep(w, k, (size_t)(w->s.p - k)); /* as written: no blanks around the colon */
    } else {
        keep(w, k, (size_t)(kend - k));
        keep(w, ":", 1);
        keep(w, v, (size_t)(w->s.p - v));
    }
}

/* s.p at the value of the member key [k, kend) (quotes included) of o: checked, and added to
 * o when kept; *n counts the members kept, *seen the keys (add) */
static int member(struct walk *w, const struct keyset *ks, json_object *o, const unsigned char *k,
                  const unsigned char *kend, int *n, uint64_t *seen)
{
    const char *name = (const char *)k + 1, *key = NULL;
    size_t klen = (size_t)(kend - k - 2);
    const unsigned char *v = w->s.p;
    json_object *val;
    unsigned bit = ks->nested_bit;
    int i;
    if (*v == '[' && ks->spec->child && ks_nested(ks, name, klen)) {
        keep(w, ",", (*n)++ > 0);
        keep(w, k, (size_t)(kend - k));
        keep(w, ":", 1);
        if (w_array(w, ks->spec->child, &val) < 0)
            return -1;
        add(o, seen, bit, ks->spec->nested, val);
        return 0;
    }
    if ((i = ks_key(ks, name, klen)) >= 0) {
        key = ks->spec->keys[i];
        bit = i < KEYS_LEN ? (unsigned)i : NO_BIT;
    } else if (ks_nested(ks, name, klen)) {
        key = ks->spec->nested;
    }
    if (*v == '"') {
        int esc = 0;
        if (rk_json_scan_string(&w->s, &esc) < 0)
            return -1;
        if (!key)
            return 0;
        val = esc ? parse_slice(v, (size_t)(w->s.p - v))
                  : json_object_new_string_len((const char *)v + 1, (int)(w->s.p - v - 2));
    } else {
        if (rk_json_scan_value(&w->s, w->depth) < 0)
            return -1;
        if (!key)
            return 0;
        val = value((const char *)v, (const char *)w->s.p);
    }
    keep_member(w, (*n)++ == 0, k, kend, v);
    add(o, seen, bit, key, val);
    return 0;
}

/* the members of the object at s.p, after its '{': the kept ones into o */
static int members(struct walk *w, const struct keyset *ks, json_object *o, int *esc)
{
    uint64_t seen = 0;
    int n = 0;
    rk_json_scan_ws(&w->s);
    if (at(w, '}'))
        return 0;
    for (;;) {
        const unsigned char *k, *kend;
        rk_json_scan_ws(&w->s);
        k = w->s.p;
        if (rk_json_scan_string(&w->s, esc) < 0)
            return -1;
        if (*esc)
            return 0;
        kend = w->s.p;
        rk_json_scan_ws(&w->s);
        if (!at(w, ':'))
            return -1;
        w->s.p++;
        rk_json_scan_ws(&w->s);
        if (w->s.p >= w->s.end || member(w, ks, o, k, kend, &n, &seen) < 0)
            return -1;
        rk_json_scan_ws(&w->s);
        if (!at(w, ','))
            return at(w, '}') ? 0 : -1;
        w->s.p++;
    }
}

/* s.p at '{': the kept keys only (and their text, verbatim, into kept) */
static int w_object(struct walk *w, const struct keyset *ks, json_object **out)
{
    const unsigned char *start = w->s.p;
    size_t mark = w->kept ? w->kept->len : 0;
    json_object *o;
    int esc = 0;
    if (w->depth >= RK_JSON_DEPTH)
        return -1;
    o = json_object_new_object();
    keep(w, "{", 1);
    w->s.p++;
    w->depth++;
    if (members(w, ks, o, &esc) < 0) {
        json_object_put(o);
        return -1;
    }
    w->depth--;
    if (esc) {
        json_object_put(o);
        if (w->kept)
            w->kept->len = mark; /* what was kept of this object, dropped */
        return w_whole(w, start, ks->spec, out);
    }
    w->s.p++; /* the '}' */
    keep(w, "}", 1);
    *out = o;
    return 0;
}

/* the item at s.p of an array read with ks: an object read with it, else whole */
static int item(struct walk *w, const struct keyset *ks, json_object **out)
{
    const unsigned char *v = w->s.p;
    if (*v == '{')
        return w_object(w, ks, out);
    if (rk_json_scan_value(&w->s, w->depth) < 0)
        return -1;
    *out = parse_slice(v, (size_t)(w->s.p - v));
    keep(w, v, (size_t)(w->s.p - v));
    return 0;
}

/* the items of the array a at s.p, after its '[' and blanks, up to its ']' */
static int items(struct walk *w, const struct keyset *ks, json_object *a)
{
    if (at(w, ']'))
        return 0;
    for (;;) {
        json_object *it = NULL;
        if (json_object_array_length(a) > 0)
            keep(w, ",", 1);
        if (w->s.p >= w->s.end || item(w, ks, &it) < 0)
            return -1;
        json_object_array_add(a, it);
        rk_json_scan_ws(&w->s);
        if (!at(w, ','))
            return at(w, ']') ? 0 : -1;
        w->s.p++;
        rk_json_scan_ws(&w->s);
    }
}

/* s.p at '[': items that are objects read with spec, others whole */
static int w_array(struct walk *w, const struct rk_json_spec *spec, json_object **out)
{
    struct keyset ks;
    json_object *a;
    if (w->depth >= RK_JSON_DEPTH)
        return -1;
    keyset_init(&ks, spec);
    a = json_object_new_array();
    keep(w, "[", 1);
    w->s.p++;
    w->depth++;
    rk_json_scan_ws(&w->s);
    if (items(w, &ks, a) < 0) {
        json_object_put(a);
        return -1;
    }
    w->depth--;
    w->s.p++; /* the ']' */
    keep(w, "]", 1);
    *out = a;
    return 0;
}

/* the document at s.p: 0 and *out, or -1 when the text is not valid JSON */
static int document(struct walk *w, const struct rk_json_spec *spec, json_object **out)
{
    const unsigned char *start = w->s.p;
    struct keyset ks;
    rk_json_scan_ws(&w->s);
    if (at(w, '[')) {
        if (w_array(w, spec, out) < 0)
            return -1;
    } else if (at(w, '{')) {
        keyset_init(&ks, spec);
        if (w_object(w, &ks, out) < 0)
            return -1;
    } else {
        if (rk_json_scan_value(&w->s, 0) < 0)
            return -1;
        *out = parse_slice(start, (size_t)(w->s.end - start)); /* a scalar: as it is */
        keep(w, start, (size_t)(w->s.end - start));
    }
    rk_json_scan_ws(&w->s);
    if (w->s.p == w->s.end)
        return 0;
    json_object_put(*out);
    *out = NULL;
    return -1;
}

int rk_json_slim(const char *data, size_t len, const char *what, const struct rk_json_spec *spec,
                 json_object **out, struct rk_buf *kept, struct rk_err *e)
{
    struct walk w = {{(const unsigned char *)data, (const unsigned char *)data,
                      (const unsigned char *)data + len, what, e},
                     kept,
                     0,
                     0};
    size_t mark = kept ? kept->len : 0;
    *out = NULL;
    if (len > RK_JSON_MAX)
        return rk_err_set(e, RK_INPUT, "%s is larger than %zu bytes", what, RK_JSON_MAX);
    if (document(&w, spec, out) < 0) {
        if (kept && kept->data) {
            kept->len = mark; /* nothing kept of an invalid text */
            kept->data[mark] = '\0';
        }
        if (rk_json_check(data, len, what, e) < 0)
            return -1;                                              /* its error, exactly */
        return rk_err_set(e, RK_INPUT, "invalid JSON in %s", what); /* not reached */
    }
    if (w.fail) {
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
