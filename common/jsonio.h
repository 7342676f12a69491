/*
 * jsonio.h - the JSON release context: bounded input, whole-object output.
 *
 * Rules: the context is one JSON object read from --context FILE, else from stdin when stdin
 * is not a terminal (empty input is an empty object), else an empty object. Input is bounded
 * (RK_JSON_MAX) and strict RFC 8259 JSON (rk_json_check): no NaN or Infinity, comments,
 * single quotes, trailing commas, leading zeros, raw control characters, NUL bytes or
 * invalid UTF-8, integers within [INT64_MIN, UINT64_MAX] (never saturated), nesting at most
 * RK_JSON_DEPTH; anything else, trailing garbage or a non-object document is RK_INPUT. Tools
 * keep every key they do not know and add or replace their own. Returned objects are owned by
 * the caller (json_object_put); getters return borrowed pointers valid while the parent lives.
 * Output is pretty-printed with a final newline, '/' not escaped, keys in insertion order.
 */
#ifndef RELKIT_JSONIO_H
#define RELKIT_JSONIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

struct rk_err;

#define RK_JSON_MAX ((size_t)64 << 20)
#define RK_JSON_DEPTH 64 /* nested objects and arrays */

/* 0 when data is exactly one RFC 8259 JSON text (see above), surrounding whitespace allowed;
 * else RK_INPUT "invalid JSON in WHAT: REASON at byte N". One pass, no allocation. */
int rk_json_check(const char *data, size_t len, const char *what, struct rk_err *e);

/* Parse exactly one JSON document from data (owned result), checked by rk_json_check first.
 * what names the source in errors. The document `null` succeeds with *out == NULL: callers
 * test the type they expect (json-c's type functions take NULL as null). */
int rk_json_parse(const char *data, size_t len, const char *what, json_object **out,
                  struct rk_err *e);

/* Read the context (see above). When the document is an array and array_key is not NULL, the
 * result is a new object {array_key: array}; otherwise a non-object is RK_INPUT. */
int rk_context_read(const char *path, const char *array_key, json_object **out,
                    struct rk_err *e);

/* Serialise obj (borrowed) + "\n" to f and flush; a failed write is RK_SYSTEM. */
int rk_json_write(FILE *f, json_object *obj, struct rk_err *e);
/* Same, to a file path, atomically. */
int rk_json_write_file(const char *path, json_object *obj, struct rk_err *e);

/* Borrowed getters: NULL / fallback when the key is missing or of another type. */
const char *rk_json_str(json_object *obj, const char *key);
int64_t rk_json_int(json_object *obj, const char *key, int64_t fallback);
int rk_json_bool(json_object *obj, const char *key, int fallback);
json_object *rk_json_obj(json_object *obj, const char *key);   /* object-valued key */
json_object *rk_json_array(json_object *obj, const char *key); /* array-valued key */

/* The JSON type of v (borrowed, NULL is null) for messages: "null", "a boolean", "a number",
 * "a string", "an array", "an object". */
const char *rk_json_type_name(json_object *v);

/* Setters: obj[key] = value, replacing. The new value is created here (strings copied). */
void rk_json_set_str(json_object *obj, const char *key, const char *value); /* NULL -> null */
void rk_json_set_int(json_object *obj, const char *key, int64_t value);
void rk_json_set_bool(json_object *obj, const char *key, int value);
/* obj[key] = value, taking ownership of value (json-c's object_add steals). */
void rk_json_set(json_object *obj, const char *key, json_object *value);

#endif
