/*
 * fuzz_json_context - libFuzzer harness for the JSON release context (jsonio.h) and the
 * context shapes tools build from it (release.h).
 *
 * Input: any bytes, the document a tool reads on stdin or from --context.
 * Invariants (abort with a "fuzz_json_context: ..." line on violation):
 *  - rk_json_parse either fails with RK_INPUT, no object and a one-line message naming the
 *    source (never "...: success"), or returns an object (NULL only for the document null);
 *  - what was accepted serialises (the flags rk_json_write uses) to text that parses again and
 *    serialises to the same text (a tool chain does not change values between tools);
 *    rk_json_write writes that text and a newline;
 *  - rk_context_read on the same bytes (through a file) agrees: blank input is {}, an object
 *    is kept as it is, a bare array becomes {"files": [...]}, anything else is RK_INPUT;
 *  - context handling: the getters see exactly the JSON types; replacing and adding keys
 *    keeps every other key, its value and the key order, replaced keys in place;
 *  - the context shapes (rk_release_summary, rk_asset_summary, rk_asset_match, ...) accept
 *    whatever types the context holds, and a digest read back is 64 lowercase hex digits;
 *  - strictness (RFC 8259): an accepted document is JSON (no NaN, Infinity, single quotes,
 *    comments, trailing commas, leading zeros or "1.", raw control characters, invalid
 *    UTF-8), its integers are exactly representable (no silent saturation), and the output
 *    is JSON; NUL bytes are not blank (findings F1-F4 of docs/hardening-hostile.md, fixed;
 *    the finding-* inputs of the corpus reproduce them).
 * Nothing crashes, leaks or reads out of bounds (ASan/UBSan).
 */
#define _GNU_SOURCE /* memfd_create, open_memstream */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "jsonio.h"
#include "release.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

static void fail(const char *what, const uint8_t *data, size_t size)
{
    fprintf(stderr, "fuzz_json_context: %s (input of %zu bytes: '%.*s')\n", what, size,
            (int)(size > 200 ? 200 : size), (const char *)data);
    abort();
}

/* ---- a strict RFC 8259 validator (the reference for the strictness invariants) ---- */

struct strict {
    const unsigned char *p, *end;
    int depth;
    int int_out_of_range; /* an integer literal outside [INT64_MIN, UINT64_MAX] */
};

static void ws(struct strict *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* one UTF-8 sequence at s->p (not ASCII): well-formed, shortest form, no surrogates */
static int utf8(struct strict *s)
{
    const unsigned char *p = s->p;
    size_t left = (size_t)(s->end - p), n;
    uint32_t cp;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        n = 2, cp = p[0] & 0x1F;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        n = 3, cp = p[0] & 0x0F;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        n = 4, cp = p[0] & 0x07;
    else
        return -1;
    if (left < n)
        return -1;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    s->p += n;
    return 0;
}

static int string(struct strict *s)
{
    if (s->p >= s->end || *s->p != '"')
        return -1;
    for (s->p++; s->p < s->end;) {
        unsigned char c = *s->p;
        if (c == '"') {
            s->p++;
            return 0;
        }
        if (c < 0x20)
            return -1;
        if (c == '\\') {
            if (++s->p >= s->end)
                return -1;
            if (*s->p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (s->p + i >= s->end || !isxdigit(s->p[i]))
                        return -1;
                s->p += 5;
            } else if (strchr("\"\\/bfnrt", *s->p) && *s->p) {
                s->p++;
            } else {
                return -1;
            }
        } else if (c < 0x80) {
            s->p++;
        } else if (utf8(s) < 0) {
            return -1;
        }
    }
    return -1;
}

/* is the integer literal [a, b) (optional '-', digits) within [INT64_MIN, UINT64_MAX]? */
static int int_in_range(const unsigned char *a, const unsigned char *b)
{
    int neg = *a == '-';
    const char *limit = neg ? "9223372036854775808" : "18446744073709551615";
    size_t n = (size_t)(b - a) - (size_t)neg, ln = strlen(limit);
    a += neg;
    if (n != ln)
        return n < ln;
    return memcmp(a, limit, n) <= 0;
}

static int number(struct strict *s)
{
    const unsigned char *start = s->p;
    int integer = 1;
    if (s->p < s->end && *s->p == '-')
        s->p++;
    if (s->p >= s->end || !isdigit(*s->p))
        return -1;
    if (*s->p == '0')
        s->p++;
    else
        while (s->p < s->end && isdigit(*s->p))
            s->p++;
    if (s->p < s->end && *s->p == '.') {
        integer = 0;
        if (++s->p >= s->end || !isdigit(*s->p))
            return -1;
        while (s->p < s->end && isdigit(*s->p))
            s->p++;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        integer = 0;
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (s->p >= s->end || !isdigit(*s->p))
            return -1;
        while (s->p < s->end && isdigit(*s->p))
            s->p++;
    }
    if (integer && !int_in_range(start, s->p))
        s->int_out_of_range = 1;
    return 0;
}

static int literal(struct strict *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return -1;
    s->p += n;
    return 0;
}

static int value(struct strict *s);

static int members(struct strict *s, char close, int object)
{
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        return 0;
    }
    for (;;) {
        ws(s);
        if (object) {
            if (string(s) < 0)
                return -1;
            ws(s);
            if (s->p >= s->end || *s->p++ != ':')
                return -1;
        }
        if (value(s) < 0)
            return -1;
        ws(s);
        if (s->p >= s->end)
            return -1;
        if (*s->p == close) {
            s->p++;
            return 0;
        }
        if (*s->p++ != ',')
            return -1;
    }
}

static int value(struct strict *s)
{
    int rc;
    ws(s);
    if (s->p >= s->end)
        return -1;
    switch (*s->p) {
    case '{':
    case '[':
        if (++s->depth > 1000)
            return -1;
        rc = members(s, *s->p == '{' ? '}' : ']', *s->p == '{');
        s->depth--;
        return rc;
    case '"':
        return string(s);
    case 't':
        return literal(s, "true");
    case 'f':
        return literal(s, "false");
    case 'n':
        return literal(s, "null");
    default:
        return number(s);
    }
}

/* 0 when [p, p+n) is one RFC 8259 JSON text, then trailing whitespace or NUL bytes (what
 * rk_json_parse allows after the document) */
static int strict_json(const void *p, size_t n, int *out_of_range)
{
    struct strict s = {p, (const unsigned char *)p + n, 0, 0};
    if (value(&s) < 0)
        return -1;
    while (s.p < s.end && strchr(" \t\r\n", *s.p) && *s.p)
        s.p++;
    while (s.p < s.end && *s.p == '\0')
        s.p++;
    if (out_of_range)
        *out_of_range = s.int_out_of_range;
    return s.p == s.end ? 0 : -1;
}

/* ---- the invariants ---- */

/* the document is the literal null (rk_json_parse's only success without an object) */
static int is_null_document(const uint8_t *d, size_t n)
{
    size_t i = 0;
    while (i < n && strchr(" \t\r\n", d[i]) && d[i])
        i++;
    if (n - i < 4 || memcmp(d + i, "null", 4) != 0)
        return 0;
    for (i += 4; i < n && strchr(" \t\r\n", d[i]) && d[i];)
        i++;
    return i == n;
}

static void check_error(const struct rk_err *e, const char *what, const uint8_t *d, size_t n)
{
    if (e->code != RK_INPUT)
        fail("a rejected document is not RK_INPUT", d, n);
    if (!e->msg[0] || strchr(e->msg, '\n') || strchr(e->msg, '\r'))
        fail("the error message is empty or spans lines", d, n);
    if (!strstr(e->msg, what))
        fail("the error message does not name the source", d, n);
    if (strstr(e->msg, ": success"))
        fail("a rejected document is reported as 'success'", d, n);
}

/* serialise, parse again, serialise again: the same text; returns an owned copy */
static char *round_trip(json_object *obj, const uint8_t *d, size_t n)
{
    const char *t1 = json_object_to_json_string_ext(obj, FLAGS);
    json_object *again = NULL;
    struct rk_err e;
    char *copy;
    if (!t1)
        fail("serialisation failed", d, n);
    copy = strdup(t1);
    if (!copy)
        abort();
    rk_err_clear(&e);
    if (rk_json_parse(copy, strlen(copy), "output", &again, &e) < 0)
        fail("the serialised document does not parse again", d, n);
    if (strcmp(json_object_to_json_string_ext(again, FLAGS), copy) != 0)
        fail("serialising is not idempotent", d, n);
    json_object_put(again);
    if (strict_json(copy, strlen(copy), NULL) < 0)
        fail("the output is not JSON (RFC 8259)", d, n);
    return copy;
}

static void check_write(json_object *obj, const char *text, const uint8_t *d, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct rk_err e;
    rk_err_clear(&e);
    if (!f)
        return;
    if (rk_json_write(f, obj, &e) < 0)
        fail("rk_json_write failed on a memory stream", d, n);
    fclose(f);
    if (len != strlen(text) + 1 || memcmp(buf, text, len - 1) != 0 || buf[len - 1] != '\n')
        fail("rk_json_write does not write the text and a newline", d, n);
    free(buf);
}

/* the getters report exactly the JSON types */
static void check_getters(json_object *ctx, const uint8_t *d, size_t n)
{
    json_object_object_foreach(ctx, key, val)
    {
        enum json_type t = json_object_get_type(val);
        if ((rk_json_str(ctx, key) != NULL) != (t == json_type_string))
            fail("rk_json_str disagrees with the type", d, n);
        if ((rk_json_obj(ctx, key) != NULL) != (t == json_type_object))
            fail("rk_json_obj disagrees with the type", d, n);
        if ((rk_json_array(ctx, key) != NULL) != (t == json_type_array))
            fail("rk_json_array disagrees with the type", d, n);
        if (t != json_type_int && rk_json_int(ctx, key, -7) != -7)
            fail("rk_json_int gives a non-integer a value", d, n);
        if (t != json_type_boolean && rk_json_bool(ctx, key, 5) != 5)
            fail("rk_json_bool gives a non-boolean a value", d, n);
    }
}

/* one value of the context, or of a list in it, as release and asset functions see it */
static void shapes(json_object *v, const uint8_t *d, size_t n)
{
    char hex[RK_SHA256_HEX_LEN];
    json_object *o;
    time_t t;
    int have;
    o = rk_release_summary(v);
    json_object_put(o);
    o = rk_asset_summary(v);
    json_object_put(o);
    have = rk_asset_sha256(v, hex);
    if (have == 1) {
        if (strlen(hex) != 64)
            fail("an asset digest is not 64 hex digits", d, n);
        for (size_t i = 0; i < 64; i++)
            if (!isxdigit((unsigned char)hex[i]) || isupper((unsigned char)hex[i]))
                fail("an asset digest is not lowercase hex", d, n);
        if (rk_asset_complete(v) && rk_json_int(v, "size", -1) >= 0 &&
            rk_asset_match(v, (uint64_t)rk_json_int(v, "size", -1), hex) != RK_ASSET_SAME)
            fail("an asset does not match its own size and digest", d, n);
    } else if (have != 0 && have != -1) {
        fail("rk_asset_sha256 returned another value", d, n);
    }
    (void)rk_asset_match(v, 0, "");
    (void)rk_release_time(v, &t);
}

static void check_shapes(json_object *ctx, const uint8_t *d, size_t n)
{
    static const char *const lists[] = {"assets", "releases", "files", "wheels", "images"};
    const char *tag = rk_json_str(ctx, "tag"), *repo = rk_json_str(ctx, "repo");
    struct rk_repo r;
    struct rk_err e;
    shapes(ctx, d, n);
    shapes(rk_json_obj(ctx, "release"), d, n);
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        json_object *a = rk_json_array(ctx, lists[i]), *same;
        size_t len = a ? json_object_array_length(a) : 0;
        for (size_t j = 0; j < len; j++)
            shapes(json_object_array_get_idx(a, j), d, n);
        if (a && tag) {
            (void)rk_asset_find(a, tag);
            same = rk_release_with_tag(a, tag);
            for (size_t j = 1; j < json_object_array_length(same); j++)
                if (rk_json_int(json_object_array_get_idx(same, j - 1), "id", 0) >
                    rk_json_int(json_object_array_get_idx(same, j), "id", 0))
                    fail("rk_release_with_tag is not sorted by id", d, n);
            json_object_put(same);
        }
    }
    rk_err_clear(&e);
    if (repo && rk_repo_parse(repo, &r, &e) == 0 &&
        (strchr(r.owner, '/') || strchr(r.name, '/') || strncmp(r.path, "/repos/", 7) != 0))
        fail("an accepted repository has a bad path", d, n);
    if (repo && e.code != RK_OK && e.code != RK_INPUT)
        fail("a bad repository is not RK_INPUT", d, n);
    rk_err_clear(&e);
    if (tag && rk_tag_check(tag, &e) == 0 && (strstr(tag, "..") || strchr(tag, ' ')))
        fail("an accepted tag has '..' or a space", d, n);
}

/* what a tool does: replace some keys, add others; the rest is kept, in order */
static void check_handling(json_object *ctx, const uint8_t *d, size_t n)
{
    static const char *const mine[] = {"tag", "n", "dry_run", "release", "zz-new"};
    size_t nkeys = (size_t)json_object_object_length(ctx), i = 0, added = 0;
    char **keys = calloc(nkeys + 1, sizeof(*keys)), **vals = calloc(nkeys + 1, sizeof(*vals));
    if (!keys || !vals)
        abort();
    {
        json_object_object_foreach(ctx, key, val)
        {
            keys[i] = strdup(key);
            vals[i++] = strdup(json_object_to_json_string_ext(val, FLAGS));
        }
    }
    rk_json_set_str(ctx, "tag", "candidate-20241119.1");
    rk_json_set_int(ctx, "n", 1);
    rk_json_set_bool(ctx, "dry_run", 1);
    rk_json_set(ctx, "release", rk_release_summary(rk_json_obj(ctx, "release")));
    rk_json_set_str(ctx, "zz-new", NULL);
    for (size_t k = 0; k < 5; k++) {
        int known = 0;
        for (size_t j = 0; j < nkeys; j++)
            known |= strcmp(keys[j], mine[k]) == 0;
        added += !known;
    }
    if ((size_t)json_object_object_length(ctx) != nkeys + added)
        fail("setting keys lost or duplicated a key", d, n);
    i = 0;
    {
        json_object_object_foreach(ctx, key, val)
        {
            int replaced = 0;
            for (size_t k = 0; k < 5; k++)
                replaced |= strcmp(key, mine[k]) == 0;
            if (i < nkeys) {
                if (strcmp(key, keys[i]) != 0)
                    fail("setting keys changed the key order", d, n);
                if (!replaced && strcmp(json_object_to_json_string_ext(val, FLAGS), vals[i]) != 0)
                    fail("setting keys changed another key's value", d, n);
            } else if (!replaced) {
                fail("a key appeared that nobody set", d, n);
            }
            i++;
        }
    }
    if (!rk_json_str(ctx, "tag") || rk_json_int(ctx, "n", 0) != 1 ||
        rk_json_bool(ctx, "dry_run", 0) != 1 || !rk_json_obj(ctx, "release"))
        fail("a key set is not read back", d, n);
    for (size_t k = 0; k < nkeys; k++) {
        free(keys[k]);
        free(vals[k]);
    }
    free(keys);
    free(vals);
}

/* rk_context_read through a file holding the same bytes */
static void check_context_read(const uint8_t *d, size_t n, json_object *parsed, int parse_rc)
{
    static int fd = -1;
    char path[64];
    json_object *ctx = NULL;
    struct rk_err e;
    int blank = 1, rc;
    for (size_t i = 0; i < n; i++)
        blank &= d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n';
    if (fd < 0)
        fd = memfd_create("fuzz_json_context", 0);
    if (fd < 0 || ftruncate(fd, 0) < 0 || pwrite(fd, d, n, 0) != (ssize_t)n)
        return;
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    rk_err_clear(&e);
    rc = rk_context_read(path, "files", &ctx, &e);
    if (blank) {
        if (rc < 0 || !json_object_is_type(ctx, json_type_object) ||
            json_object_object_length(ctx) != 0)
            fail("blank input is not an empty context", d, n);
    } else if (parse_rc < 0) {
        if (rc == 0)
            fail("rk_context_read accepts what rk_json_parse refuses", d, n);
        check_error(&e, path, d, n);
    } else if (json_object_is_type(parsed, json_type_object) ||
               json_object_is_type(parsed, json_type_array)) {
        json_object *want = parsed;
        if (rc < 0 || !json_object_is_type(ctx, json_type_object))
            fail("rk_context_read refuses an object or array", d, n);
        if (json_object_is_type(parsed, json_type_array)) {
            json_object *files = NULL;
            if (json_object_object_length(ctx) != 1 || !(files = rk_json_array(ctx, "files")))
                fail("a bare array is not wrapped as \"files\"", d, n);
            want = files;
        }
        if (strcmp(json_object_to_json_string_ext(want, FLAGS),
                   json_object_to_json_string_ext(parsed, FLAGS)) != 0)
            fail("rk_context_read changed the document", d, n);
    } else {
        if (rc == 0)
            fail("rk_context_read accepts a scalar", d, n);
        check_error(&e, path, d, n);
        if (!strstr(e.msg, "must be a JSON object"))
            fail("a scalar context is not reported as such", d, n);
    }
    json_object_put(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_object *obj = NULL;
    struct rk_err e;
    int rc, oor = 0;
    char *text;
    rk_err_clear(&e);
    rc = rk_json_parse((const char *)data, size, "fuzz input", &obj, &e);
    if (rc < 0) {
        if (obj)
            fail("a failed parse returned an object", data, size);
        check_error(&e, "fuzz input", data, size);
    } else {
        if ((!obj && !is_null_document(data, size)) || e.code != RK_OK)
            fail("a successful parse without an object, or with an error", data, size);
        if (strict_json(data, size, &oor) < 0)
            fail("a document that is not JSON (RFC 8259) was accepted", data, size);
        if (oor)
            fail("an integer out of the 64-bit range was accepted (its value changes)", data, size);
        text = round_trip(obj, data, size);
        check_write(obj, text, data, size);
        free(text);
    }
    check_context_read(data, size, obj, rc);
    if (obj && json_object_is_type(obj, json_type_object)) {
        check_getters(obj, data, size);
        check_shapes(obj, data, size);
        check_handling(obj, data, size);
    }
    json_object_put(obj);
    return 0;
}
