/* pyindex_html.c - escaping, anchors, the find-links page and PEP 503 pages (see pyindex.h) */
#include "pyindex.h"

#include <stdio.h>
#include <string.h>

/* ASCII that needs no HTML escaping (NUL: 0, the end; bytes >= 0x80 need none) */
static const unsigned char html_plain[128] = {
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

#define HTML_PLAIN(c) ((c) >= 0x80 || html_plain[(c)])

int rk_html_escape(struct rk_buf *out, const char *s)
{
    size_t start = 0, i;
    if (!s)
        return 0;
    for (i = 0;; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep;
        if (HTML_PLAIN(c))
            continue;
        if (!c)
            break;
        rep = c == '&'   ? "&amp;"
              : c == '<' ? "&lt;"
              : c == '>' ? "&gt;"
              : c == '"' ? "&quot;"
                         : "&#39;";
        if (rk_buf_append(out, s + start, i - start) < 0 || rk_buf_puts(out, rep) < 0)
            return -1;
        start = i + 1;
    }
    return rk_buf_append(out, s + start, i - start);
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int url_safe(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '<' && c != '>' && c != '"' && c != '\\' && c != '^' &&
           c != '`' && c != '{' && c != '|' && c != '}';
}

/* ASCII kept as is in a quoted href that needs no HTML escaping either (bytes >= 0x80 are
 * encoded) */
static const unsigned char url_plain[128] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0,
};

/* rk_href_quote, and with html also escaped for an attribute value (of what it keeps, only
 * & and ' need it: the rest is percent-encoded) */
static int quote(struct rk_buf *out, const char *url, int html)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t start = 0, i;
    for (i = 0;; i++) {
        unsigned char c = (unsigned char)url[i];
        char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
        const char *rep = enc;
        size_t n = 3;
        if (c < 0x80 && url_plain[c])
            continue;
        if (!c)
            break;
        if (url_safe(c) && (c != '%' || (is_hex(url[i + 1]) && is_hex(url[i + 2])))) {
            if (!html || (c != '&' && c != '\''))
                continue;
            rep = c == '&' ? "&amp;" : "&#39;", n = 5;
        }
        if (rk_buf_append(out, url + start, i - start) < 0 || rk_buf_append(out, rep, n) < 0)
            return -1;
        start = i + 1;
    }
    return rk_buf_append(out, url + start, i - start);
}

int rk_href_quote(struct rk_buf *out, const char *url)
{
    return quote(out, url, 0);
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

static int attr(struct rk_buf *out, const char *name, const char *value)
{
    if (rk_buf_puts(out, " ") < 0 || rk_buf_puts(out, name) < 0 || rk_buf_puts(out, "=\"") < 0 ||
        rk_html_escape(out, value) < 0)
        return -1;
    return rk_buf_puts(out, "\"");
}

static int metadata_attrs(struct rk_buf *out, const struct rk_pyfile *f)
{
    char v[RK_SHA256_HEX_LEN + 8];
    if (!f->has_metadata)
        return 0;
    if (f->metadata_sha256[0])
        snprintf(v, sizeof(v), "sha256=%s", f->metadata_sha256);
    else
        snprintf(v, sizeof(v), "true");
    return attr(out, "data-dist-info-metadata", v) | attr(out, "data-core-metadata", v);
}

/* href="...": rk_pyindex_href and the sha256 fragment, escaped for HTML */
static int href_attr(struct rk_buf *out, const struct rk_pyfile *f, const char *prefix)
{
    if (rk_buf_puts(out, " href=\"") < 0)
        return -1;
    if (prefix && rk_url_is_relative(f->url) && rk_html_escape(out, prefix) < 0)
        return -1;
    if (quote(out, f->url, 1) < 0)
        return -1;
    if (f->sha256[0] && (rk_buf_puts(out, "#sha256=") < 0 || rk_html_escape(out, f->sha256) < 0))
        return -1;
    return rk_buf_puts(out, "\"");
}

int rk_pyindex_anchor(struct rk_buf *out, const struct rk_pyfile *f, const char *href_prefix)
{
    if (rk_buf_puts(out, "<a") < 0 || href_attr(out, f, href_prefix) < 0)
        return -1;
    if (f->requires_python && attr(out, "data-requires-python", f->requires_python) < 0)
        return -1;
    if (metadata_attrs(out, f) < 0)
        return -1;
    if (f->yanked && attr(out, "data-yanked", f->yanked) < 0)
        return -1;
    if (rk_buf_puts(out, ">") < 0 || rk_html_escape(out, f->filename) < 0 ||
        rk_buf_puts(out, "</a><br>\n") < 0)
        return -1;
    return 0;
}

static int page_head(struct rk_buf *out, const char *title)
{
    if (rk_buf_puts(out, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
                         "<meta name=\"pypi:repository-version\" content=\"1.0\">\n<title>") < 0 ||
        rk_html_escape(out, title) < 0 || rk_buf_puts(out, "</title>\n</head>\n<body>\n<h1>") < 0 ||
        rk_html_escape(out, title) < 0 || rk_buf_puts(out, "</h1>\n") < 0)
        return -1;
    return 0;
}

static const char page_tail[] = "</body>\n</html>\n";

int rk_pyindex_findlinks(const struct rk_pyindex *x, const char *title, const char *href_prefix,
                         struct rk_buf *out)
{
    if (page_head(out, title && *title ? title : "Links") < 0)
        return -1;
    for (size_t i = 0; i < x->n; i++)
        if (rk_pyindex_anchor(out, &x->files[i], href_prefix) < 0)
            return -1;
    return rk_buf_puts(out, page_tail);
}

int rk_pyindex_simple_root(const struct rk_pyindex *x, struct rk_buf *out)
{
    if (page_head(out, "Simple index") < 0)
        return -1;
    for (size_t i = 0; i < x->n; i = rk_pyindex_project_end(x, i)) {
        const char *p = x->files[i].project;
        if (rk_buf_puts(out, "<a href=\"") < 0 || rk_html_escape(out, p) < 0 ||
            rk_buf_puts(out, "/\">") < 0 || rk_html_escape(out, p) < 0 ||
            rk_buf_puts(out, "</a><br>\n") < 0)
            return -1;
    }
    return rk_buf_puts(out, page_tail);
}

int rk_pyindex_simple_project(const struct rk_pyindex *x, size_t i, size_t end,
                              const char *href_prefix, struct rk_buf *out)
{
    char title[512];
    snprintf(title, sizeof(title), "Links for %s", x->files[i].project);
    if (page_head(out, title) < 0)
        return -1;
    for (; i < end; i++)
        if (rk_pyindex_anchor(out, &x->files[i], href_prefix) < 0)
            return -1;
    return rk_buf_puts(out, page_tail);
}
