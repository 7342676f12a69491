/* pyindex_out.c - the page buffer, the byte classes and the escaping loops of the pyindex
 * writers (see pyindex_impl.h for the design: scan each string once, copy the strings that
 * need no escaping, escape the others byte by byte here). */
#include "pyindex_impl.h"

#include <errno.h>
#include <stdlib.h>

#include "fs.h"

/* Bits: RK_PYC_HTML (& < > " '), RK_PYC_JSON (controls, " \), RK_PYC_URL (not kept as is by
 * a quoted href that needs no HTML escaping either: controls, space, " % & ' < > \ ^ ` { | },
 * DEL and bytes >= 0x80). test_pyindex checks it against the escaping functions. */
const unsigned char rk_pyclass[256] = {
    0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    4, 0, 7, 0, 0, 4, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 5, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 4, 0,
    4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 0, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

int rk_pyout_grow(struct rk_pyout *o, size_t n)
{
    size_t need, ncap;
    char *p;
    if (o->failed)
        return -1;
    if (n > RK_BUF_DEFAULT_MAX || o->flushed + o->len > RK_BUF_DEFAULT_MAX - n) {
        errno = EFBIG;
        o->failed = 1;
        return -1;
    }
    if (o->sink && o->cap >= RK_PYOUT_CHUNK && o->len > 0) {
        if (o->tee) {
            rk_pyout_put(o->tee, o->data + o->tee_from, o->len - o->tee_from);
            o->tee_from = 0;
        }
        if (rk_write_all(o->fd, o->data, o->len, o->path, o->e) < 0) {
            o->failed = o->write_error = 1;
            return -1;
        }
        o->flushed += o->len;
        o->len = 0;
    }
    need = o->len + n;
    if (need <= o->cap)
        return 0;
    ncap = o->cap ? o->cap : o->sink ? RK_PYOUT_CHUNK : 4096;
    while (ncap < need)
        ncap *= 2; /* need <= RK_BUF_DEFAULT_MAX: no overflow */
    if (!(p = realloc(o->data, ncap))) {
        errno = ENOMEM;
        o->failed = 1;
        return -1;
    }
    o->data = p;
    o->cap = ncap;
    return 0;
}

void rk_pyout_release(struct rk_pyout *o)
{
    free(o->data);
    memset(o, 0, sizeof(*o));
}

void rk_pyout_tee_begin(struct rk_pyout *o, struct rk_pyout *tee)
{
    o->tee = tee;
    o->tee_from = o->len;
}

void rk_pyout_tee_end(struct rk_pyout *o)
{
    if (o->tee)
        rk_pyout_put(o->tee, o->data + o->tee_from, o->len - o->tee_from);
    o->tee = NULL;
}

int rk_pyout_to_buf(struct rk_pyout *o, struct rk_buf *out)
{
    int rc = -1;
    if (!o->failed)
        rc = rk_buf_append(out, o->data ? o->data : "", o->len);
    rk_pyout_release(o);
    return rc;
}

int rk_pyout_root_to_buf(const struct rk_pyindex *x, rk_pyout_root_fn fn, struct rk_buf *out)
{
    struct rk_pyout o = {0};
    size_t np, *proj = rk_pyindex_projects(x, &np);
    if (!proj)
        return -1;
    fn(&o, x, proj, np);
    free(proj);
    return rk_pyout_to_buf(&o, out);
}

int rk_pyout_project_to_buf(const struct rk_pyindex *x, size_t i, size_t end,
                            const char *href_prefix, rk_pyout_project_fn fn, struct rk_buf *out)
{
    struct rk_pyout o = {0};
    struct rk_pyprep *p = rk_pyprep_range(x, i, end);
    struct rk_pystr prefix;
    if (!p)
        return -1;
    rk_pystr_set(&prefix, href_prefix);
    fn(&o, x, i, end, p, &prefix);
    free(p);
    return rk_pyout_to_buf(&o, out);
}

size_t rk_pyscan(const char *s, unsigned *mask)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned m0 = 0, m1 = 0, m2 = 0, m3 = 0;
    size_t n, i;
    if (!s) {
        *mask = 0;
        return 0;
    }
    n = strlen(s); /* vectorised; then four independent lookups a step */
    for (i = 0; i + 4 <= n; i += 4) {
        m0 |= rk_pyclass[p[i]];
        m1 |= rk_pyclass[p[i + 1]];
        m2 |= rk_pyclass[p[i + 2]];
        m3 |= rk_pyclass[p[i + 3]];
    }
    for (; i < n; i++)
        m0 |= rk_pyclass[p[i]];
    *mask = m0 | m1 | m2 | m3;
    return n;
}

void rk_pystr_set(struct rk_pystr *v, const char *s)
{
    v->s = s;
    v->len = rk_pyscan(s, &v->mask);
}

void rk_pyprep_file(const struct rk_pyfile *f, struct rk_pyprep *p)
{
    const char *s[RK_PF_N];
    s[RK_PF_FILENAME] = f->filename, s[RK_PF_URL] = f->url, s[RK_PF_SHA256] = f->sha256;
    s[RK_PF_RP] = f->requires_python, s[RK_PF_MSHA256] = f->metadata_sha256;
    s[RK_PF_UT] = f->upload_time, s[RK_PF_YANKED] = f->yanked;
    for (int k = 0; k < RK_PF_N; k++) {
        unsigned m;
        p->len[k] = rk_pyscan(s[k], &m);
        p->mask[k] = (unsigned char)m;
    }
    p->rel = (unsigned char)rk_url_is_relative(f->url);
}

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* The strings of a file are separate allocations, in the order the files were added, not in
 * the sorted order they are read in: without a hint, each is a cache miss (measured: a third
 * of the time of the pages with the strings scattered). A macro: GCC drops calls to a
 * function that only prefetches (no side effects). */
#define PREFETCH_FILE(f)                                                                           \
    (PREFETCH((f)->filename), PREFETCH((f)->url), PREFETCH((f)->version),                          \
     PREFETCH((f)->upload_time), PREFETCH((f)->requires_python), PREFETCH((f)->yanked))

#define PREFETCH_AHEAD 8

void rk_pyprep_files(const struct rk_pyfile *f, size_t n, struct rk_pyprep *p)
{
    for (size_t j = 0; j < n && j < PREFETCH_AHEAD; j++)
        PREFETCH_FILE(&f[j]);
    for (size_t j = 0; j < n; j++) {
        if (j + PREFETCH_AHEAD < n)
            PREFETCH_FILE(&f[j + PREFETCH_AHEAD]);
        rk_pyprep_file(&f[j], &p[j]);
    }
}

struct rk_pyprep *rk_pyprep_range(const struct rk_pyindex *x, size_t i, size_t end)
{
    struct rk_pyprep *p = malloc((end > i ? end - i : 1) * sizeof(*p));
    if (!p)
        return NULL;
    rk_pyprep_files(x->files + i, end - i, p);
    return p;
}

void rk_pyout_html_slow(struct rk_pyout *o, const char *s)
{
    static const char *const rep[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
    static const unsigned char rep_len[] = {5, 4, 4, 6, 5};
    size_t start = 0, i;
    if (!s)
        return;
    for (i = 0;; i++) {
        unsigned char c = (unsigned char)s[i];
        int k;
        if (!(rk_pyclass[c] & RK_PYC_HTML)) {
            if (!c)
                break;
            continue;
        }
        k = c == '&' ? 0 : c == '<' ? 1 : c == '>' ? 2 : c == '"' ? 3 : 4;
        rk_pyout_put(o, s + start, i - start);
        rk_pyout_put(o, rep[k], rep_len[k]);
        start = i + 1;
    }
    rk_pyout_put(o, s + start, i - start);
}

void rk_pyout_jstr_slow(struct rk_pyout *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = 0, i;
    for (i = 0;; i++) {
        unsigned char c = (unsigned char)s[i];
        char rep[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        if (!(rk_pyclass[c] & RK_PYC_JSON)) {
            if (!c)
                break;
            continue;
        }
        if (c == '"' || c == '\\')
            rep[1] = (char)c;
        else if (c >= '\b' && c <= '\r' && c != '\v') /* \b \t \n \f \r */
            rep[1] = "btn?fr"[c - '\b'];
        else
            memcpy(rep + 1, "u00", 3), rep[4] = hex[c >> 4], rep[5] = hex[c & 15], n = 6;
        rk_pyout_put(o, s + start, i - start);
        rk_pyout_put(o, rep, n);
        start = i + 1;
    }
    rk_pyout_put(o, s + start, i - start);
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

/* Percent-encode what a URL may not hold, keep valid %XX; with html, also escape the & and '
 * it keeps (the rest of what HTML escapes is percent-encoded). */
void rk_pyout_quote_slow(struct rk_pyout *o, const char *url, int html)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t start = 0, i;
    for (i = 0;; i++) {
        unsigned char c = (unsigned char)url[i];
        char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
        const char *rep = enc;
        size_t n = 3;
        if (!(rk_pyclass[c] & RK_PYC_URL)) {
            if (!c)
                break;
            continue;
        }
        if (url_safe(c) && (c != '%' || (is_hex(url[i + 1]) && is_hex(url[i + 2])))) {
            if (!html || (c != '&' && c != '\''))
                continue;
            rep = c == '&' ? "&amp;" : "&#39;", n = 5;
        }
        rk_pyout_put(o, url + start, i - start);
        rk_pyout_put(o, rep, n);
        start = i + 1;
    }
    rk_pyout_put(o, url + start, i - start);
}

size_t *rk_pyindex_projects(const struct rk_pyindex *x, size_t *np)
{
    size_t n = 0, *v = malloc((x->n + 1) * sizeof(*v));
    if (!v)
        return NULL;
    for (size_t i = 0; i < x->n; i++) { /* as rk_pyindex_project_end, prefetching */
        if (i + PREFETCH_AHEAD < x->n)
            PREFETCH(x->files[i + PREFETCH_AHEAD].project);
        if (i == 0 || strcmp(x->files[i].project, x->files[i - 1].project) != 0)
            v[n++] = i;
    }
    v[n] = x->n;
    *np = n;
    return v;
}
