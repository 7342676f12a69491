/* pyindex_html.c - escaping, anchors, the find-links page and PEP 503 pages (see pyindex.h).
 *
 * The pages are generated into a struct rk_pyout from the files' scanned strings
 * (pyindex_impl.h): constant text is appended with known lengths, strings that need no
 * escaping are copied. The rk_buf functions of pyindex.h wrap these generators. */
#include "pyindex_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rk_html_escape(struct rk_buf *out, const char *s)
{
    struct rk_pyout o = {0};
    if (!s)
        return 0;
    rk_pyout_html_slow(&o, s);
    return rk_pyout_to_buf(&o, out);
}

int rk_href_quote(struct rk_buf *out, const char *url)
{
    struct rk_pyout o = {0};
    rk_pyout_quote_slow(&o, url, 0);
    return rk_pyout_to_buf(&o, out);
}

int rk_url_is_relative(const char *url)
{
    for (const char *p = url; *p; p++) {
        if (*p == ':')
            return 0;
        if (*p == '/' || *p == '?' || *p == '#')
            return *p != '/' || p != url ? 1 : 0;
    }
    return 1;
}

int rk_pyindex_href(struct rk_buf *out, const struct rk_pyfile *f, const char *prefix)
{
    if (prefix && rk_url_is_relative(f->url) && rk_buf_puts(out, prefix) < 0)
        return -1;
    return rk_href_quote(out, f->url);
}

#define HTML(o, f, p, k) rk_pyout_html((o), (f), (p)->len[k], (p)->mask[k])

/*  data-dist-info-metadata="..." data-core-metadata="..." (the value: sha256=HEX or true) */
static void metadata_attrs(struct rk_pyout *o, const struct rk_pyfile *f, const struct rk_pyprep *p)
{
    for (int k = 0; k < 2; k++) {
        if (k == 0)
            RK_PYOUT_LIT(o, " data-dist-info-metadata=\"");
        else
            RK_PYOUT_LIT(o, " data-core-metadata=\"");
        if (f->metadata_sha256[0]) {
            RK_PYOUT_LIT(o, "sha256=");
            HTML(o, f->metadata_sha256, p, RK_PF_MSHA256);
        } else {
            RK_PYOUT_LIT(o, "true");
        }
        RK_PYOUT_LIT(o, "\"");
    }
}

void rk_pyout_anchor(struct rk_pyout *o, const struct rk_pyfile *f, const struct rk_pyprep *p,
                     const struct rk_pystr *prefix)
{
    RK_PYOUT_LIT(o, "<a href=\"");
    if (prefix && prefix->len && p->rel)
        rk_pyout_html(o, prefix->s, prefix->len, prefix->mask);
    rk_pyout_quote(o, f->url, p->len[RK_PF_URL], p->mask[RK_PF_URL], 1);
    if (f->sha256[0]) {
        RK_PYOUT_LIT(o, "#sha256=");
        HTML(o, f->sha256, p, RK_PF_SHA256);
    }
    RK_PYOUT_LIT(o, "\"");
    if (f->requires_python) {
        RK_PYOUT_LIT(o, " data-requires-python=\"");
        HTML(o, f->requires_python, p, RK_PF_RP);
        RK_PYOUT_LIT(o, "\"");
    }
    if (f->has_metadata)
        metadata_attrs(o, f, p);
    if (f->yanked) {
        RK_PYOUT_LIT(o, " data-yanked=\"");
        HTML(o, f->yanked, p, RK_PF_YANKED);
        RK_PYOUT_LIT(o, "\"");
    }
    RK_PYOUT_LIT(o, ">");
    HTML(o, f->filename, p, RK_PF_FILENAME);
    RK_PYOUT_LIT(o, "</a><br>\n");
}

int rk_pyindex_anchor(struct rk_buf *out, const struct rk_pyfile *f, const char *href_prefix)
{
    struct rk_pyout o = {0};
    struct rk_pyprep p;
    struct rk_pystr prefix;
    rk_pyprep_file(f, &p);
    rk_pystr_set(&prefix, href_prefix);
    rk_pyout_anchor(&o, f, &p, &prefix);
    return rk_pyout_to_buf(&o, out);
}

static void page_head(struct rk_pyout *o, const char *title)
{
    unsigned mask;
    size_t n = rk_pyscan(title, &mask);
    RK_PYOUT_LIT(o, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"pypi:repository-version\" content=\"1.0\">\n<title>");
    rk_pyout_html(o, title, n, mask);
    RK_PYOUT_LIT(o, "</title>\n</head>\n<body>\n<h1>");
    rk_pyout_html(o, title, n, mask);
    RK_PYOUT_LIT(o, "</h1>\n");
}

#define PAGE_TAIL "</body>\n</html>\n"

void rk_pyout_page_tail(struct rk_pyout *o)
{
    RK_PYOUT_LIT(o, PAGE_TAIL);
}

void rk_pyout_findlinks_head(struct rk_pyout *o, const char *title)
{
    page_head(o, title && *title ? title : "Links");
}

void rk_pyout_anchors(struct rk_pyout *o, const struct rk_pyindex *x, size_t i, size_t end,
                      const struct rk_pyprep *p, const struct rk_pystr *prefix)
{
    for (size_t j = i; j < end; j++)
        rk_pyout_anchor(o, &x->files[j], &p[j - i], prefix);
}

void rk_pyout_findlinks(struct rk_pyout *o, const struct rk_pyindex *x, const struct rk_pyprep *p,
                        const char *title, const struct rk_pystr *prefix)
{
    rk_pyout_findlinks_head(o, title);
    rk_pyout_anchors(o, x, 0, x->n, p, prefix);
    RK_PYOUT_LIT(o, PAGE_TAIL);
}

void rk_pyout_simple_root(struct rk_pyout *o, const struct rk_pyindex *x, const size_t *proj,
                          size_t np)
{
    page_head(o, "Simple index");
    for (size_t k = 0; k < np; k++) {
        struct rk_pystr v;
        rk_pystr_set(&v, x->files[proj[k]].project);
        RK_PYOUT_LIT(o, "<a href=\"");
        rk_pyout_html(o, v.s, v.len, v.mask);
        RK_PYOUT_LIT(o, "/\">");
        rk_pyout_html(o, v.s, v.len, v.mask);
        RK_PYOUT_LIT(o, "</a><br>\n");
    }
    RK_PYOUT_LIT(o, PAGE_TAIL);
}

void rk_pyout_simple_project(struct rk_pyout *o, const struct rk_pyindex *x, size_t i, size_t end,
                             const struct rk_pyprep *p, const struct rk_pystr *prefix,
                             struct rk_pyout *tee)
{
    char title[512]; /* once a page: a long name is cut here, as it always was */
    snprintf(title, sizeof(title), "Links for %s", x->files[i].project);
    page_head(o, title);
    if (tee)
        rk_pyout_tee_begin(o, tee);
    rk_pyout_anchors(o, x, i, end, p, prefix);
    if (tee)
        rk_pyout_tee_end(o);
    RK_PYOUT_LIT(o, PAGE_TAIL);
}

int rk_pyindex_findlinks(const struct rk_pyindex *x, const char *title, const char *href_prefix,
                         struct rk_buf *out)
{
    struct rk_pyout o = {0};
    struct rk_pyprep *p = rk_pyprep_range(x, 0, x->n);
    struct rk_pystr prefix;
    if (!p)
        return -1;
    rk_pystr_set(&prefix, href_prefix);
    rk_pyout_findlinks(&o, x, p, title, &prefix);
    free(p);
    return rk_pyout_to_buf(&o, out);
}

int rk_pyindex_simple_root(const struct rk_pyindex *x, struct rk_buf *out)
{
    return rk_pyout_root_to_buf(x, rk_pyout_simple_root, out);
}

static void simple_project_page(struct rk_pyout *o, const struct rk_pyindex *x, size_t i,
                                size_t end, const struct rk_pyprep *p,
                                const struct rk_pystr *prefix)
{
    rk_pyout_simple_project(o, x, i, end, p, prefix, NULL);
}

int rk_pyindex_simple_project(const struct rk_pyindex *x, size_t i, size_t end,
                              const char *href_prefix, struct rk_buf *out)
{
    return rk_pyout_project_to_buf(x, i, end, href_prefix, simple_project_page, out);
}
