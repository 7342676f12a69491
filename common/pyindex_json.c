/* pyindex_json.c - PEP 691 JSON pages, API version 1.1 (PEP 700) (see pyindex.h).
 *
 * Written as text, without building a json-c tree (a project page can hold tens of thousands
 * of files): compact, keys in a fixed order, strings escaped as json-c does with
 * JSON_C_TO_STRING_NOSLASHESCAPE (" \ \b \f \n \r \t, other controls as \u00xx, bytes >= 0x7f
 * as they are), so the pages are what json_object_to_json_string_ext would print. Generated
 * into a struct rk_pyout from the files' scanned strings (pyindex_impl.h): constant text with
 * known lengths, strings needing no escaping copied, integers formatted by hand. */
#include "pyindex_impl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JSON(o, f, p, k) rk_pyout_json((o), (f), (p)->len[k], (p)->mask[k])

/* a JSON string literal of s */
static void jstr(struct rk_pyout *o, const char *s)
{
    unsigned mask;
    size_t n = rk_pyscan(s, &mask);
    RK_PYOUT_LIT(o, "\"");
    rk_pyout_json(o, s, n, mask);
    RK_PYOUT_LIT(o, "\"");
}

/* v in decimal (%lld) at dst (at most 20 bytes); returns the length */
static size_t fmt_int(char *dst, int64_t v)
{
    char tmp[24], *end = tmp + sizeof(tmp), *p = end;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    memcpy(dst, p, (size_t)(end - p));
    return (size_t)(end - p);
}

static void put_int(struct rk_pyout *o, int64_t v)
{
    char tmp[24];
    rk_pyout_put(o, tmp, fmt_int(tmp, v));
}

/* The version of f as versions_json shows it: rk_pep440_format of a valid one (by hand for
 * the usual release-only N.N.N, what rk_pep440_format prints for it), else the text. */
static const char *shown_version(const struct rk_pyfile *f, char *norm, size_t size)
{
    const struct rk_pep440 *v = &f->ver;
    if (!f->ver_ok)
        return f->version;
    if (!v->epoch && !v->pre_kind && !v->has_post && !v->has_dev && !v->local[0] &&
        v->nrelease >= 1 && v->nrelease <= RK_PEP440_MAX_RELEASE) {
        char tmp[RK_PEP440_MAX_RELEASE * 22];
        size_t n = 0;
        for (size_t i = 0; i < v->nrelease; i++) {
            if (i)
                tmp[n++] = '.';
            n += fmt_int(tmp + n, v->release[i]);
        }
        if (n < size) {
            memcpy(norm, tmp, n);
            norm[n] = '\0';
            return norm;
        }
    }
    return rk_pep440_format(v, norm, size) == 0 ? norm : f->version;
}

void rk_pyout_json_root(struct rk_pyout *o, const struct rk_pyindex *x, const size_t *proj,
                        size_t np)
{
    RK_PYOUT_LIT(o, "{\"meta\":{\"api-version\":\"1.1\"},\"projects\":[");
    for (size_t k = 0; k < np; k++) {
        if (k > 0)
            RK_PYOUT_LIT(o, ",");
        RK_PYOUT_LIT(o, "{\"name\":");
        jstr(o, x->files[proj[k]].project);
        RK_PYOUT_LIT(o, "}");
    }
    RK_PYOUT_LIT(o, "]}\n");
}

/* ,"key":false|true|{"sha256":"..."} */
static void metadata_value(struct rk_pyout *o, int core, const struct rk_pyfile *f,
                           const struct rk_pyprep *p)
{
    if (core)
        RK_PYOUT_LIT(o, ",\"core-metadata\":");
    else
        RK_PYOUT_LIT(o, ",\"dist-info-metadata\":");
    if (!f->has_metadata) {
        RK_PYOUT_LIT(o, "false");
    } else if (!f->metadata_sha256[0]) {
        RK_PYOUT_LIT(o, "true");
    } else {
        RK_PYOUT_LIT(o, "{\"sha256\":\"");
        JSON(o, f->metadata_sha256, p, RK_PF_MSHA256);
        RK_PYOUT_LIT(o, "\"}");
    }
}

/* the inside of the "url" string: rk_pyindex_href, JSON-escaped */
static void url_value(struct rk_pyout *o, const struct rk_pyfile *f, const struct rk_pyprep *p,
                      const struct rk_pystr *prefix)
{
    struct rk_pyout q = {0};
    if (prefix && prefix->len && p->rel)
        rk_pyout_json(o, prefix->s, prefix->len, prefix->mask);
    if (!(p->mask[RK_PF_URL] & RK_PYC_URL)) { /* kept as is, and so JSON-plain (rk_pyclass) */
        rk_pyout_put(o, f->url, p->len[RK_PF_URL]);
        return;
    }
    rk_pyout_quote_slow(&q, f->url, 0);
    rk_pyout_put(&q, "", 1);
    if (q.failed)
        o->failed = 1;
    else
        rk_pyout_jstr_slow(o, q.data);
    rk_pyout_release(&q);
}

static void file_json(struct rk_pyout *o, const struct rk_pyfile *f, const struct rk_pyprep *p,
                      const struct rk_pystr *prefix, int v11)
{
    RK_PYOUT_LIT(o, "{\"filename\":\"");
    JSON(o, f->filename, p, RK_PF_FILENAME);
    RK_PYOUT_LIT(o, "\",\"url\":\"");
    url_value(o, f, p, prefix);
    RK_PYOUT_LIT(o, "\",\"hashes\":{");
    if (f->sha256[0]) {
        RK_PYOUT_LIT(o, "\"sha256\":\"");
        JSON(o, f->sha256, p, RK_PF_SHA256);
        RK_PYOUT_LIT(o, "\"");
    }
    RK_PYOUT_LIT(o, "}");
    if (f->requires_python) {
        RK_PYOUT_LIT(o, ",\"requires-python\":\"");
        JSON(o, f->requires_python, p, RK_PF_RP);
        RK_PYOUT_LIT(o, "\"");
    }
    metadata_value(o, 1, f, p);
    metadata_value(o, 0, f, p);
    if (v11) {
        RK_PYOUT_LIT(o, ",\"size\":");
        put_int(o, f->size);
    }
    if (f->upload_time) {
        RK_PYOUT_LIT(o, ",\"upload-time\":\"");
        JSON(o, f->upload_time, p, RK_PF_UT);
        RK_PYOUT_LIT(o, "\"");
    }
    if (f->yanked && *f->yanked) {
        RK_PYOUT_LIT(o, ",\"yanked\":\"");
        JSON(o, f->yanked, p, RK_PF_YANKED);
        RK_PYOUT_LIT(o, "\"}");
    } else if (f->yanked) {
        RK_PYOUT_LIT(o, ",\"yanked\":true}");
    } else {
        RK_PYOUT_LIT(o, ",\"yanked\":false}");
    }
}

/* distinct versions in [i, end), in sort order (files are sorted by version) */
static void versions_json(struct rk_pyout *o, const struct rk_pyindex *x, size_t i, size_t end)
{
    char last[RK_PEP440_MAX_TEXT] = "";
    int first = 1;
    RK_PYOUT_LIT(o, ",\"versions\":[");
    for (; i < end; i++) {
        char norm[RK_PEP440_MAX_TEXT];
        const char *s = shown_version(&x->files[i], norm, sizeof(norm));
        size_t n;
        if (!first && strcmp(last, s) == 0)
            continue;
        if (!first)
            RK_PYOUT_LIT(o, ",");
        jstr(o, s);
        n = strlen(s); /* last keeps what fits, as it always did */
        n = n < sizeof(last) - 1 ? n : sizeof(last) - 1;
        memcpy(last, s, n);
        last[n] = '\0';
        first = 0;
    }
    RK_PYOUT_LIT(o, "]");
}

void rk_pyout_json_project(struct rk_pyout *o, const struct rk_pyindex *x, size_t i, size_t end,
                           const struct rk_pyprep *p, const struct rk_pystr *prefix)
{
    int v11 = 1;
    for (size_t j = i; j < end; j++)
        if (x->files[j].size < 0)
            v11 = 0;
    if (v11)
        RK_PYOUT_LIT(o, "{\"meta\":{\"api-version\":\"1.1\"},\"name\":");
    else
        RK_PYOUT_LIT(o, "{\"meta\":{\"api-version\":\"1.0\"},\"name\":");
    jstr(o, x->files[i].project);
    RK_PYOUT_LIT(o, ",\"files\":[");
    for (size_t j = i; j < end; j++) {
        if (j > i)
            RK_PYOUT_LIT(o, ",");
        file_json(o, &x->files[j], &p[j - i], prefix, v11);
    }
    RK_PYOUT_LIT(o, "]");
    if (v11)
        versions_json(o, x, i, end);
    RK_PYOUT_LIT(o, "}\n");
}

int rk_pyindex_json_root(const struct rk_pyindex *x, struct rk_buf *out)
{
    return rk_pyout_root_to_buf(x, rk_pyout_json_root, out);
}

int rk_pyindex_json_project(const struct rk_pyindex *x, size_t i, size_t end,
                            const char *href_prefix, struct rk_buf *out)
{
    return rk_pyout_project_to_buf(x, i, end, href_prefix, rk_pyout_json_project, out);
}
