/* jsonio.c - see jsonio.h */
#include "jsonio.h"
#include "buf.h"
#include "err.h"
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rk_json_parse(const char *data, size_t len, const char *what, json_object **out,
                  struct rk_err *e)
{
    struct json_tokener *tok;
    json_object *obj;
    enum json_tokener_error jerr;
    *out = NULL;
    if (len > RK_JSON_MAX) /* also keeps len within json-c's int */
        return rk_err_set(e, RK_INPUT, "%s is larger than %zu bytes", what, RK_JSON_MAX);
    if (rk_json_check(data, len, what, e) < 0)
        return -1;
    /* the text is JSON: json-c reads it whole (its depth limit is above ours) */
    tok = json_tokener_new_ex(RK_JSON_DEPTH + 2);
    if (!tok)
        return rk_err_set(e, RK_SYSTEM, "unable to parse %s: out of memory", what);
    obj = json_tokener_parse_ex(tok, data, (int)len);
    jerr = json_tokener_get_error(tok);
    if (jerr == json_tokener_continue) {
        /* a complete bare scalar at end of input ("12") needs a final call */
        obj = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
    }
    json_tokener_free(tok);
    if (jerr != json_tokener_success) {
        json_object_put(obj);
        return rk_err_set(e, RK_INPUT, "invalid JSON in %s: %s", what,
                          json_tokener_error_desc(jerr));
    }
    *out = obj; /* NULL for the document null */
    return 0;
}

/* blank: only JSON whitespace (a NUL byte is not blank: it is not JSON) */
static int is_blank(const struct rk_buf *b)
{
    for (size_t i = 0; i < b->len; i++) {
        char c = b->data[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return 0;
    }
    return 1;
}

int rk_context_read(const char *path, const char *array_key, json_object **out,
                    struct rk_err *e)
{
    struct rk_buf b;
    json_object *doc = NULL;
    const char *what = path ? path : "standard input";
    int rc = 0;
    *out = NULL;
    rk_buf_init(&b, RK_JSON_MAX);
    if (path && strcmp(path, "-") != 0) {
        rc = rk_read_file(path, &b, e);
    } else if (path || !isatty(STDIN_FILENO)) {
        what = "standard input";
        if (fcntl(STDIN_FILENO, F_GETFD) >= 0)
            rc = rk_read_fd(STDIN_FILENO, what, &b, e);
    }
    if (rc == 0) {
        if (is_blank(&b)) {
            doc = json_object_new_object();
        } else if (rk_json_parse(b.data, b.len, what, &doc, e) < 0) {
            rc = -1;
        }
    }
    rk_buf_release(&b);
    if (rc < 0)
        return -1;
    if (json_object_is_type(doc, json_type_array) && array_key) {
        json_object *wrap = json_object_new_object();
        json_object_object_add(wrap, array_key, doc);
        doc = wrap;
    }
    if (!json_object_is_type(doc, json_type_object)) {
        json_object_put(doc);
        return rk_err_set(e, RK_INPUT, "%s: the context must be a JSON object", what);
    }
    *out = doc;
    return 0;
}

static const char *json_text(json_object *obj)
{
    return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
                                                   JSON_C_TO_STRING_SPACED |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE);
}

int rk_json_write(FILE *f, json_object *obj, struct rk_err *e)
{
    const char *s = json_text(obj);
    if (!s || fputs(s, f) == EOF || fputc('\n', f) == EOF || fflush(f) == EOF)
        return rk_err_errno(e, RK_SYSTEM, "unable to write the JSON result");
    return 0;
}

int rk_json_write_file(const char *path, json_object *obj, struct rk_err *e)
{
    const char *s = json_text(obj);
    size_t n = strlen(s);
    char *text = malloc(n + 2);
    int rc;
    if (!text)
        return rk_err_errno(e, RK_SYSTEM, "unable to write '%s'", path);
    memcpy(text, s, n);
    text[n] = '\n';
    rc = rk_write_file_atomic(path, text, n + 1, 0644, e);
    free(text);
    return rc;
}

const char *rk_json_str(json_object *obj, const char *key)
{
    json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

int64_t rk_json_int(json_object *obj, const char *key, int64_t fallback)
{
    json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_int))
        return fallback;
    return json_object_get_int64(v);
}

int rk_json_bool(json_object *obj, const char *key, int fallback)
{
    json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v) ||
        !json_object_is_type(v, json_type_boolean))
        return fallback;
    return json_object_get_boolean(v);
}

json_object *rk_json_obj(json_object *obj, const char *key)
{
    json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_object))
        return NULL;
    return v;
}

json_object *rk_json_array(json_object *obj, const char *key)
{
    json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_array))
        return NULL;
    return v;
}

const char *rk_json_type_name(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_boolean: return "a boolean";
    case json_type_double:
    case json_type_int: return "a number";
    case json_type_string: return "a string";
    case json_type_array: return "an array";
    case json_type_object: return "an object";
    default: return "null";
    }
}

void rk_json_set(json_object *obj, const char *key, json_object *value)
{
    json_object_object_add(obj, key, value);
}

void rk_json_set_str(json_object *obj, const char *key, const char *value)
{
    rk_json_set(obj, key, value ? json_object_new_string(value) : NULL);
}

void rk_json_set_int(json_object *obj, const char *key, int64_t value)
{
    rk_json_set(obj, key, json_object_new_int64(value));
}

void rk_json_set_bool(json_object *obj, const char *key, int value)
{
    rk_json_set(obj, key, json_object_new_boolean(value));
}
