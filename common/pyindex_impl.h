/*
 * pyindex_impl.h - internals shared by the pyindex_*.c files (not for other callers).
 *
 * Output: pages are built in a struct rk_pyout, a growable array with a sticky failure flag:
 * generators append pieces of known length (no printf, no strlen of constants) without
 * testing each append; whoever owns the page tests `failed` once at the end. Every append
 * checks the room it needs first (a failed growth writes nothing), and the size is capped
 * like struct rk_buf (RK_BUF_DEFAULT_MAX: EFBIG beyond it).
 *
 * Escaping: every string of a file is scanned once (struct rk_pyprep): its length and the
 * union of the classes (RK_PYC_*) of its bytes. A string holding no byte that a context
 * escapes is copied as is into that context; only the others go through the escaping loops.
 * So the three pages that show a file (find-links, PEP 503, PEP 691) cost one scan of its
 * strings and a few memcpy each.
 */
#ifndef RELKIT_PYINDEX_IMPL_H
#define RELKIT_PYINDEX_IMPL_H

#include <stddef.h>
#include <string.h>

#include "pyindex.h"

#define RK_PYC_HTML 1u /* & < > " ' : HTML text / attribute escaping changes it */
#define RK_PYC_JSON 2u /* controls, " \ : a JSON string escapes it */
#define RK_PYC_URL 4u  /* anything a quoted href may change (%, &, ', non-ASCII, ...) */

/* byte -> RK_PYC_* bits (NUL: 0) */
extern const unsigned char rk_pyclass[256];

struct rk_pyout {
    char *data; /* owned (free) */
    size_t len, cap;
    int failed; /* a growth (or a write to the sink) failed: the page is incomplete */
    /* With sink set, the page streams to fd: when RK_PYOUT_CHUNK bytes are full they are
     * written (rk_write_all, errors naming path into *e, write_error set), so the buffer
     * stays small and cache-hot whatever the size of the page. */
    int sink, fd, write_error;
    size_t flushed; /* bytes of the page already written to fd */
    const char *path;
    struct rk_err *e;
    /* With tee set, what is appended from data + tee_from on is also appended to *tee (in
     * big copies: when the buffer is written out, and at rk_pyout_tee_end). */
    struct rk_pyout *tee;
    size_t tee_from;
};

#define RK_PYOUT_CHUNK ((size_t)128 << 10) /* measured: 32k-512k alike, 16M+ slower */

/* Make room for n more bytes (writing the buffer out first when streaming); -1 (and failed
 * set) when the page would pass RK_BUF_DEFAULT_MAX (EFBIG), on ENOMEM, or a failed write. */
int rk_pyout_grow(struct rk_pyout *o, size_t n);
void rk_pyout_release(struct rk_pyout *o);
void rk_pyout_tee_begin(struct rk_pyout *o, struct rk_pyout *tee);
void rk_pyout_tee_end(struct rk_pyout *o);

/* room for n more bytes at data + len, or NULL (failed) */
static inline char *rk_pyout_room(struct rk_pyout *o, size_t n)
{
    if (o->cap - o->len < n && rk_pyout_grow(o, n) < 0)
        return NULL;
    return o->data + o->len;
}

static inline void rk_pyout_put(struct rk_pyout *o, const char *s, size_t n)
{
    char *d;
    if (n && (d = rk_pyout_room(o, n)) != NULL) {
        memcpy(d, s, n);
        o->len += n;
    }
}

#define RK_PYOUT_LIT(o, lit) rk_pyout_put((o), (lit), sizeof(lit) - 1)

/* length of s, with *mask the union of the classes of its bytes */
size_t rk_pyscan(const char *s, unsigned *mask);

/* the escaping loops (any string), appending to o */
void rk_pyout_html_slow(struct rk_pyout *o, const char *s);
void rk_pyout_jstr_slow(struct rk_pyout *o, const char *s);
void rk_pyout_quote_slow(struct rk_pyout *o, const char *url, int html);

/* s (n bytes, classes mask) escaped for HTML */
static inline void rk_pyout_html(struct rk_pyout *o, const char *s, size_t n, unsigned mask)
{
    if (mask & RK_PYC_HTML)
        rk_pyout_html_slow(o, s);
    else
        rk_pyout_put(o, s, n);
}

/* s as the inside of a JSON string literal (no quotes) */
static inline void rk_pyout_json(struct rk_pyout *o, const char *s, size_t n, unsigned mask)
{
    if (mask & RK_PYC_JSON)
        rk_pyout_jstr_slow(o, s);
    else
        rk_pyout_put(o, s, n);
}

/* rk_href_quote of url, and escaped for an HTML attribute when html */
static inline void rk_pyout_quote(struct rk_pyout *o, const char *url, size_t n, unsigned mask,
                                  int html)
{
    if (mask & RK_PYC_URL)
        rk_pyout_quote_slow(o, url, html);
    else
        rk_pyout_put(o, url, n);
}

/* the strings of a file, scanned once */
enum {
    RK_PF_FILENAME,
    RK_PF_URL,
    RK_PF_SHA256,
    RK_PF_RP,
    RK_PF_MSHA256,
    RK_PF_UT,
    RK_PF_YANKED,
    RK_PF_N
};

struct rk_pyprep {
    size_t len[RK_PF_N];
    unsigned char mask[RK_PF_N];
    unsigned char rel; /* rk_url_is_relative(url) */
};

void rk_pyprep_file(const struct rk_pyfile *f, struct rk_pyprep *p);
/* p[j] for f[j], j < n, prefetching the strings of the files ahead */
void rk_pyprep_files(const struct rk_pyfile *f, size_t n, struct rk_pyprep *p);
/* p[k] for files [i, end) (p indexed from 0); NULL on ENOMEM (the caller frees the result) */
struct rk_pyprep *rk_pyprep_range(const struct rk_pyindex *x, size_t i, size_t end);

/* A string given to a page (a prefix, a title) with its scan. */
struct rk_pystr {
    const char *s;
    size_t len;
    unsigned mask;
};

void rk_pystr_set(struct rk_pystr *v, const char *s);

/* The page generators, files [i, end) of x with their preps p (p[0] is file i). */
void rk_pyout_anchor(struct rk_pyout *o, const struct rk_pyfile *f, const struct rk_pyprep *p,
                     const struct rk_pystr *prefix);
void rk_pyout_findlinks(struct rk_pyout *o, const struct rk_pyindex *x, const struct rk_pyprep *p,
                        const char *title, const struct rk_pystr *prefix);
/* the find-links page in pieces: head, the anchors of files [i, end), tail */
void rk_pyout_findlinks_head(struct rk_pyout *o, const char *title);
void rk_pyout_anchors(struct rk_pyout *o, const struct rk_pyindex *x, size_t i, size_t end,
                      const struct rk_pyprep *p, const struct rk_pystr *prefix);
void rk_pyout_page_tail(struct rk_pyout *o);
/* The first file of each project (sorted index) and x->n after them: *np + 1 entries (owned);
 * NULL on ENOMEM. */
size_t *rk_pyindex_projects(const struct rk_pyindex *x, size_t *np);

void rk_pyout_simple_root(struct rk_pyout *o, const struct rk_pyindex *x, const size_t *proj,
                          size_t np);
/* tee (may be NULL) receives the anchors too */
void rk_pyout_simple_project(struct rk_pyout *o, const struct rk_pyindex *x, size_t i, size_t end,
                             const struct rk_pyprep *p, const struct rk_pystr *prefix,
                             struct rk_pyout *tee);
void rk_pyout_json_root(struct rk_pyout *o, const struct rk_pyindex *x, const size_t *proj,
                        size_t np);
void rk_pyout_json_project(struct rk_pyout *o, const struct rk_pyindex *x, size_t i, size_t end,
                           const struct rk_pyprep *p, const struct rk_pystr *prefix);

/* Append o's page to out (rk_buf API of pyindex.h); -1 when o failed or out is full. o is
 * released. */
int rk_pyout_to_buf(struct rk_pyout *o, struct rk_buf *out);

/* A root page (the list of projects) written by fn, appended to out as rk_pyout_to_buf. */
typedef void (*rk_pyout_root_fn)(struct rk_pyout *o, const struct rk_pyindex *x, const size_t *proj,
                                 size_t np);
int rk_pyout_root_to_buf(const struct rk_pyindex *x, rk_pyout_root_fn fn, struct rk_buf *out);
/* The page of project [i, end) written by fn with href_prefix, the same way. */
typedef void (*rk_pyout_project_fn)(struct rk_pyout *o, const struct rk_pyindex *x, size_t i,
                                    size_t end, const struct rk_pyprep *p,
                                    const struct rk_pystr *prefix);
int rk_pyout_project_to_buf(const struct rk_pyindex *x, size_t i, size_t end,
                            const char *href_prefix, rk_pyout_project_fn fn, struct rk_buf *out);

#endif
