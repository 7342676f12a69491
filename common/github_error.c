/* github_error.c - the one-line API error of github.h */
#include "github.h"
#include "buf.h"
#include "jsonio.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DETAIL_MAX 400

/* append s masked (log.h), then cut to max bytes, with control characters as spaces: the
 * whole text is masked first, so a cut never leaves part of a secret */
static void put_clean(struct rk_buf *b, const char *s, size_t max)
{
    char *m = rk_log_redact_dup(s);
    if (!m) {
        rk_buf_puts(b, "***");
        return;
    }
    for (size_t i = 0; m[i] && i < max; i++) {
        char ch = (unsigned char)m[i] < 0x20 || m[i] == 0x7f ? ' ' : m[i];
        rk_buf_append(b, &ch, 1);
    }
    free(m);
}

/* one element of "errors": a string, {message}, or resource.field code */
static void put_error_item(struct rk_buf *b, json_object *item)
{
    const char *res, *field, *code, *msg;
    if (json_object_is_type(item, json_type_string)) {
        put_clean(b, json_object_get_string(item), DETAIL_MAX);
        return;
    }
    if (!json_object_is_type(item, json_type_object))
        return;
    res = rk_json_str(item, "resource");
    field = rk_json_str(item, "field");
    code = rk_json_str(item, "code");
    msg = rk_json_str(item, "message");
    if (res) {
        put_clean(b, res, DETAIL_MAX);
        if (field)
            rk_buf_puts(b, ".");
    }
    if (field)
        put_clean(b, field, DETAIL_MAX);
    if (code) {
        if (res || field)
            rk_buf_puts(b, " ");
        put_clean(b, code, DETAIL_MAX);
    }
    if (msg) {
        if (res || field || code)
            rk_buf_puts(b, ": ");
        put_clean(b, msg, DETAIL_MAX);
    }
}

static void put_errors(struct rk_buf *b, json_object *errors)
{
    size_t n = errors ? json_object_array_length(errors) : 0, shown = 0;
    for (size_t i = 0; i < n && i < 10; i++) {
        size_t before = b->len;
        rk_buf_puts(b, shown ? ", " : " (");
        put_error_item(b, json_object_array_get_idx(errors, i));
        if (b->len == before + 2) {
            b->len = before; /* nothing useful in this element */
            b->data[b->len] = '\0';
            continue;
        }
        shown++;
    }
    if (shown)
        rk_buf_puts(b, ")");
}

int rk_github_api_error(struct rk_err *e, int code, const char *method, const char *path,
                        long status, const char *body)
{
    struct rk_buf b;
    json_object *doc = NULL;
    const char *reason = rk_http_reason(status), *msg = NULL;
    rk_buf_init(&b, RK_ERR_MAX * 2);
    rk_buf_printf(&b, "%s %s: %ld%s%s", method, path, status, *reason ? " " : "", reason);
    if (body && *body)
        doc = json_tokener_parse(body);
    if (doc && json_object_is_type(doc, json_type_object)) {
        msg = rk_json_str(doc, "message");
        if (msg && *msg && strcasecmp(msg, reason) != 0) {
            rk_buf_puts(&b, ": ");
            put_clean(&b, msg, DETAIL_MAX);
        }
        put_errors(&b, rk_json_array(doc, "errors"));
    }
    json_object_put(doc);
    rk_err_set(e, code ? code : RK_REMOTE, "%s", rk_buf_cstr(&b));
    rk_buf_release(&b);
    return -1;
}
