/* pyindex_json.c - PEP 691 JSON pages, API version 1.1 (PEP 700) (see pyindex.h).
 *
 * Written as text, without building a json-c tree (a project page can hold tens of thousands
 * of files): compact, keys in a fixed order, strings escaped as json-c does with
 * JSON_C_TO_STRING_NOSLASHESCAPE (" \ \b \f \n \r \t, other controls as \u00xx, bytes >= 0x7f
 * as they are), so the pages are what json_object_to_json_string_ext would print. */
#include "pyindex.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ASCII as is in a JSON string (NUL: 0, the end; bytes >= 0x80 as they are) */
static const unsigned char json_plain[128] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* a JSON string literal of s */
static int jstr(struct rk_buf *out, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = 0, i;
    if (rk_buf_append(out, "\"", 1) < 0)
        return -1;
    for (i = 0;; i++) {
        unsigned char c = (unsigned char)s[i];
        char rep[7] = {'\\', 0, 0, 0, 0, 0, 0};
        size_t n = 2;
        if (c >= 0x80 || json_plain[c])
            continue;
        if (!c)
            break;
        if (c == '"' || c == '\\')
            rep[1] = (char)c;
        else if (c >= '\b' && c <= '\r' && c != '\v') /* \b \t \n \f \r */
            rep[1] = "btn?fr"[c - '\b'];
        else
            memcpy(rep + 1, "u00", 3), rep[4] = hex[c >> 4], rep[5] = hex[c & 15], n = 6;
        if (rk_buf_append(out, s + start, i - start) < 0 || rk_buf_append(out, rep, n) < 0)
            return -1;
        start = i + 1;
    }
    if (rk_buf_append(out, s + start, i - start) < 0)
        return -1;
    return rk_buf_append(out, "\"", 1);
}

/* ,"key": (first: without the comma) */
static int jkey(struct rk_buf *out, const char *key, int first)
{
    if ((!first && rk_buf_append(out, ",", 1) < 0) || jstr(out, key) < 0)
        return -1;
    return rk_buf_append(out, ":", 1);
}

static int jkey_str(struct rk_buf *out, const char *key, const char *value)
{
    return jkey(out, key, 0) < 0 || jstr(out, value) < 0 ? -1 : 0;
}

static int meta(struct rk_buf *out, const char *version)
{
    return rk_buf_puts(out, "{\"meta\":{\"api-version\":") < 0 || jstr(out, version) < 0 ||
                   rk_buf_puts(out, "}") < 0
               ? -1
               : 0;
}

int rk_pyindex_json_root(const struct rk_pyindex *x, struct rk_buf *out)
{
    int first = 1;
    if (meta(out, "1.1") < 0 || rk_buf_puts(out, ",\"projects\":[") < 0)
        return -1;
    for (size_t i = 0; i < x->n; i = rk_pyindex_project_end(x, i), first = 0)
        if ((!first && rk_buf_puts(out, ",") < 0) || rk_buf_puts(out, "{\"name\":") < 0 ||
            jstr(out, x->files[i].project) < 0 || rk_buf_puts(out, "}") < 0)
            return -1;
    return rk_buf_puts(out, "]}\n");
}

static int metadata_value(struct rk_buf *out, const char *key, const struct rk_pyfile *f)
{
    if (jkey(out, key, 0) < 0)
        return -1;
    if (!f->has_metadata)
        return rk_buf_puts(out, "false");
    if (!f->metadata_sha256[0])
        return rk_buf_puts(out, "true");
    if (rk_buf_puts(out, "{\"sha256\":") < 0 || jstr(out, f->metadata_sha256) < 0)
        return -1;
    return rk_buf_puts(out, "}");
}

static int file_json(struct rk_buf *out, struct rk_buf *u, const struct rk_pyfile *f,
                     const char *prefix, int v11)
{
    rk_buf_reset(u);
    if (rk_pyindex_href(u, f, prefix) < 0 || rk_buf_puts(out, "{") < 0 ||
        jkey(out, "filename", 1) < 0 || jstr(out, f->filename) < 0 ||
        jkey_str(out, "url", rk_buf_cstr(u)) < 0 || rk_buf_puts(out, ",\"hashes\":{") < 0)
        return -1;
    if (f->sha256[0] && (jkey(out, "sha256", 1) < 0 || jstr(out, f->sha256) < 0))
        return -1;
    if (rk_buf_puts(out, "}") < 0)
        return -1;
    if (f->requires_python && jkey_str(out, "requires-python", f->requires_python) < 0)
        return -1;
    if (metadata_value(out, "core-metadata", f) < 0 ||
        metadata_value(out, "dist-info-metadata", f) < 0)
        return -1;
    if (v11 && rk_buf_printf(out, ",\"size\":%" PRId64, f->size) < 0)
        return -1;
    if (f->upload_time && jkey_str(out, "upload-time", f->upload_time) < 0)
        return -1;
    if (f->yanked && *f->yanked) {
        if (jkey_str(out, "yanked", f->yanked) < 0)
            return -1;
    } else if (rk_buf_puts(out, f->yanked ? ",\"yanked\":true" : ",\"yanked\":false") < 0) {
        return -1;
    }
    return rk_buf_puts(out, "}");
}

/* distinct versions in [i, end), in sort order (files are sorted by version) */
static int versions_json(struct rk_buf *out, const struct rk_pyindex *x, size_t i, size_t end)
{
    char last[RK_PEP440_MAX_TEXT] = "";
    int first = 1;
    if (rk_buf_puts(out, ",\"versions\":[") < 0)
        return -1;
    for (; i < end; i++) {
        const char *s = x->files[i].version;
        char norm[RK_PEP440_MAX_TEXT];
        if (x->files[i].ver_ok && rk_pep440_format(&x->files[i].ver, norm, sizeof(norm)) == 0)
            s = norm;
        if (!first && strcmp(last, s) == 0)
            continue;
        if ((!first && rk_buf_puts(out, ",") < 0) || jstr(out, s) < 0)
            return -1;
        snprintf(last, sizeof(last), "%s", s);
        first = 0;
    }
    return rk_buf_puts(out, "]");
}

int rk_pyindex_json_project(const struct rk_pyindex *x, size_t i, size_t end,
                            const char *href_prefix, struct rk_buf *out)
{
    struct rk_buf u;
    int v11 = 1, rc = 0;
    for (size_t j = i; j < end; j++)
        if (x->files[j].size < 0)
            v11 = 0;
    if (meta(out, v11 ? "1.1" : "1.0") < 0 || jkey_str(out, "name", x->files[i].project) < 0 ||
        rk_buf_puts(out, ",\"files\":[") < 0)
        return -1;
    rk_buf_init(&u, 0);
    for (size_t j = i; j < end && rc == 0; j++)
        if ((j > i && rk_buf_puts(out, ",") < 0) ||
            file_json(out, &u, &x->files[j], href_prefix, v11) < 0)
            rc = -1;
    rk_buf_release(&u);
    if (rc < 0 || rk_buf_puts(out, "]") < 0 || (v11 && versions_json(out, x, i, end) < 0))
        return -1;
    return rk_buf_puts(out, "}\n");
}
