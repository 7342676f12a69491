/*
 * json_slim.h - parse only the keys a caller needs out of a large JSON answer.
 *
 * A page of 100 GitHub releases with their assets is ~6 MB of JSON, of which index-gen reads a
 * few keys per release and per asset. rk_json_slim checks the text as rk_json_parse does
 * (rk_json_check: strict RFC 8259, same errors), then builds json-c values for the kept keys
 * only, skipping the rest of the text without building anything: the result is what
 * rk_json_parse followed by deleting every other key would give, in a fraction of the time
 * and memory.
 *
 * The shape: the document is an object, or an array whose object items are, read with spec;
 * spec->keys are the keys kept (their values whole, whatever their type), and spec->nested
 * (when not NULL) is the key of an array whose object items are read with spec->child. Any
 * other value (a document or item that is not an object, a key written with escapes) is
 * parsed whole by json-c, then cut down the same way, so that the types a caller checks are
 * exactly those of the text. Ownership and errors: as rk_json_parse (*out owned; RK_INPUT).
 *
 * kept (NULL: not wanted) gets the text of what was kept, appended: the kept keys and values
 * copied verbatim, without the rest. It is JSON (16 MB of a 63 MB release list), and
 * rk_json_slim of it with the same spec gives the same *out: what a cache stores.
 */
#ifndef RELKIT_JSON_SLIM_H
#define RELKIT_JSON_SLIM_H

#include <stddef.h>
#include <json-c/json.h>

struct rk_buf;
struct rk_err;

struct rk_json_spec {
    const char *const *keys; /* NULL-terminated */
    const char *nested;      /* or NULL */
    const struct rk_json_spec *child;
};

int rk_json_slim(const char *data, size_t len, const char *what, const struct rk_json_spec *spec,
                 json_object **out, struct rk_buf *kept, struct rk_err *e);

/* obj (borrowed) cut down to spec (as above), a new value (owned) */
json_object *rk_json_cut(json_object *obj, const struct rk_json_spec *spec);

#endif
