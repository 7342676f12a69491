/*
 * pyindex.h - a pip index model and its writers: the flat find-links page, the PEP 503 simple
 * index (with PEP 592 yanks, PEP 658/714 core metadata), PEP 691 JSON pages (API 1.1, PEP 700).
 *
 * Ownership: struct rk_pyindex owns its files and every string in them (rk_pyindex_release).
 * rk_pyindex_add copies what it is given. Writers borrow the index; they never change it
 * except rk_pyindex_sort, which orders files by (project, version as PEP 440, filename) so
 * the output is deterministic: the same files give byte-identical pages whatever the order
 * in which they were added.
 *
 * Escaping: every text put into HTML goes through rk_html_escape; every href through
 * rk_href_quote (characters a URL may not hold are percent-encoded, existing %XX kept) and
 * then rk_html_escape. Hrefs are always double-quoted.
 *
 * Errors: RK_INPUT for files that cannot be in an index (duplicate filename with another
 * hash); RK_SYSTEM for writes (the path quoted). Pages are written atomically (fs.h).
 */
#ifndef RELKIT_PYINDEX_H
#define RELKIT_PYINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "digest.h"
#include "pep440.h"

struct rk_err;

enum rk_pykind { RK_PY_WHEEL = 1, RK_PY_SDIST = 2 };

struct rk_pyfile {
    char *filename;       /* owned: the distribution file name */
    char *url;            /* owned: where pip downloads it (absolute, or relative to a page) */
    char *project;        /* owned: PEP 503 normalised name */
    char *version;        /* owned: version as written in the filename */
    struct rk_pep440 ver; /* parsed version (ver_ok 0: sorted as text after valid ones) */
    int ver_ok;
    int kind;                                /* enum rk_pykind */
    char sha256[RK_SHA256_HEX_LEN];          /* "" when unknown */
    int64_t size;                            /* -1 when unknown */
    char *upload_time;                       /* owned "YYYY-MM-DDTHH:MM:SSZ" or NULL */
    char *requires_python;                   /* owned or NULL */
    int has_metadata;                        /* a .metadata file exists at url + ".metadata" */
    char metadata_sha256[RK_SHA256_HEX_LEN]; /* "" when unknown (advertised as true) */
    char *yanked;                            /* owned: NULL not yanked, else the reason ("" none) */
    char *origin; /* owned: where it came from ("o/r@tag", "dir", "stdin"), or NULL */
};

struct rk_pyindex {
    struct rk_pyfile *files;
    size_t n, cap;
};

void rk_pyindex_init(struct rk_pyindex *x);
void rk_pyindex_release(struct rk_pyindex *x);
void rk_pyfile_release(struct rk_pyfile *f);

/* Add a copy of f (strings duplicated; ver parsed here from f->version). Returns the new
 * file (borrowed, valid until the next add) or NULL with RK_SYSTEM on ENOMEM. */
struct rk_pyfile *rk_pyindex_add(struct rk_pyindex *x, const struct rk_pyfile *f, struct rk_err *e);
/* Set an owned string field: *field = copy of s (NULL allowed). -1 on ENOMEM. */
int rk_pyfile_set(char **field, const char *s);

/* Sort (see above), then drop later duplicates of a filename: the first kept is the one
 * earliest in sort order of origin. Duplicates whose sha256 differ are RK_INPUT unless
 * allow_conflicts, in which case the first is kept and *conflicts counts them. */
int rk_pyindex_sort(struct rk_pyindex *x, int allow_conflicts, size_t *conflicts, struct rk_err *e);

/* End of the run of files of the project of file i (after sorting): [i, end). */
size_t rk_pyindex_project_end(const struct rk_pyindex *x, size_t i);

/* ---- escaping (pure) ---- */

/* HTML text / attribute escaping: & < > " ' */
int rk_html_escape(struct rk_buf *out, const char *s);
/* Percent-encode bytes a URL may not hold (controls, space, non-ASCII, "<>\"\\^`{|}"),
 * keeping reserved characters and valid %XX escapes. */
int rk_href_quote(struct rk_buf *out, const char *url);

/* 1 when url has no scheme and does not start with '/' (a page-relative reference). */
int rk_url_is_relative(const char *url);

/* ---- writers ---- */

struct rk_pyindex_opts {
    const char *title; /* find-links page title ("" / NULL: "Links") */
    int no_html;       /* skip the PEP 503 pages */
    int no_json;       /* skip the PEP 691 pages */
};

/* Append f's quoted URL, with href_prefix before it when it is relative (no fragment). */
int rk_pyindex_href(struct rk_buf *out, const struct rk_pyfile *f, const char *href_prefix);
/* The anchor of one file, as it appears in the find-links page and in PEP 503 pages. */
int rk_pyindex_anchor(struct rk_buf *out, const struct rk_pyfile *f, const char *href_prefix);
/* The flat find-links page (every file, one anchor a line). */
int rk_pyindex_findlinks(const struct rk_pyindex *x, const char *title, const char *href_prefix,
                         struct rk_buf *out);
/* PEP 503 root page / project page (files [i, end)). */
int rk_pyindex_simple_root(const struct rk_pyindex *x, struct rk_buf *out);
int rk_pyindex_simple_project(const struct rk_pyindex *x, size_t i, size_t end,
                              const char *href_prefix, struct rk_buf *out);
/* PEP 691 JSON root / project page (API 1.1; 1.0 when a file's size is unknown). */
int rk_pyindex_json_root(const struct rk_pyindex *x, struct rk_buf *out);
int rk_pyindex_json_project(const struct rk_pyindex *x, size_t i, size_t end,
                            const char *href_prefix, struct rk_buf *out);

/* Write everything under dir: FINDLINKS (find-links page, relative hrefs made relative to
 * dir), simple/index.html, simple/index.json, simple/<name>/index.html and index.json.
 * x must be sorted (rk_pyindex_sort). Project directories of earlier runs whose project is no
 * longer in the index lose the pages written here. *pages counts the files written. */
int rk_pyindex_write(struct rk_pyindex *x, const char *dir, const char *findlinks_name,
                     const struct rk_pyindex_opts *o, size_t *pages, struct rk_err *e);

#endif
