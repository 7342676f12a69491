/*
 * wheel.h - the parts of the wheel format (PEP 427 / the binary distribution format spec):
 * file names, METADATA and WHEEL headers, Requires-Dist pins, RECORD.
 *
 * Rules: parsers never modify their input and never allocate more than the input size
 * (bounded by RK_WHEEL_TEXT_MAX). Bad input is RK_INPUT with the subject quoted; the caller
 * prefixes "invalid wheel 'x.whl': " where it knows the file. Rewriting keeps every byte it
 * was not asked to change (line endings, spelling of keys, order, the METADATA body).
 * Structs named rk_wheel_* / rk_meta / rk_record own what they point to unless said
 * otherwise and are freed with their _release function; text pointers into a parsed buffer
 * are borrowed from that buffer.
 */
#ifndef RELKIT_WHEEL_H
#define RELKIT_WHEEL_H

#include <stddef.h>
#include <stdint.h>

struct rk_err;
struct rk_buf;

#define RK_WHEEL_FIELD 256                   /* longest file-name component */
#define RK_WHEEL_TEXT_MAX ((size_t)64 << 20) /* largest METADATA / WHEEL / RECORD */
#define RK_WHEEL_MAX_TAGS 4096               /* largest expanded tag set */

/* ---- file names: {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl ---- */
struct rk_wheel_name {
    char name[RK_WHEEL_FIELD];    /* as in the file name (escaped) */
    char version[RK_WHEEL_FIELD]; /* as in the file name */
    char build[RK_WHEEL_FIELD];   /* "" when there is none */
    char python[RK_WHEEL_FIELD];  /* dotted tag sets: "py2.py3" */
    char abi[RK_WHEEL_FIELD];
    char platform[RK_WHEEL_FIELD];
};

/* Parse a file name (a path is fine: only the last component is read). */
int rk_wheel_name_parse(const char *path, struct rk_wheel_name *w, struct rk_err *e);
/* The file name; -1 if it does not fit n. */
int rk_wheel_name_format(const struct rk_wheel_name *w, char *out, size_t n);
/* PEP 427 escaping of a project name: runs of "-_." become "_", lowercased. */
void rk_wheel_escape_name(const char *name, char *out, size_t n);
/* PEP 503 normalisation: runs of "-_." become "-", lowercased. */
void rk_pep503_normalize(const char *name, char *out, size_t n);
/* 1 when the two names are the same project (PEP 503). */
int rk_wheel_same_project(const char *a, const char *b);
/* 1 for a valid core-metadata Name (letters, digits, "-_.", alphanumeric at both ends). */
int rk_wheel_valid_name(const char *name);
/* 1 for one tag ([A-Za-z0-9_]+), resp. a build tag (a digit, then [A-Za-z0-9_]*). */
int rk_wheel_valid_tag(const char *tag);
int rk_wheel_valid_build(const char *build);

/* Dotted tag sets ("manylinux_2_17_x86_64.manylinux2014_x86_64"), kept in order. */
int rk_tagset_has(const char *set, const char *tag);
int rk_tagset_add(char *set, size_t n, const char *tag); /* -1 if it does not fit */
int rk_tagset_remove(char *set, const char *tag);        /* 1 removed, 0 absent */
/* "python-abi-platform" for every combination, into out (owned array of owned strings). */
int rk_wheel_tags_expand(const char *python, const char *abi, const char *platform, char ***out,
                         size_t *n, struct rk_err *e);
void rk_wheel_tags_free(char **tags, size_t n);

/* ---- METADATA and WHEEL: RFC 822-style headers, then (METADATA) a body ---- */
struct rk_meta_field {
    size_t start, end; /* bytes of the field, continuation lines and line end included */
    size_t key_off, key_len;
    size_t val_off, val_len; /* the value, first line only, without the line end */
};

struct rk_meta {
    const char *text; /* borrowed */
    size_t len;
    struct rk_meta_field *f;
    size_t n;
    size_t headers_end; /* where the headers stop (the blank line, or the end) */
    const char *eol;    /* "\n" or "\r\n", as the first line ends */
};

int rk_meta_parse(struct rk_meta *m, const char *text, size_t len, const char *what,
                  struct rk_err *e);
void rk_meta_release(struct rk_meta *m);
/* Index of the next field named key (case-insensitive) at or after from, or -1. */
long rk_meta_find(const struct rk_meta *m, const char *key, size_t from);
/* The (first-line) value of field i, trimmed, into out; -1 if it does not fit. */
int rk_meta_value(const struct rk_meta *m, size_t i, char *out, size_t n);

/* Replace fields: field i by text (complete lines, "" deletes it). An edit with field == m->n
 * inserts its text at the end of the headers. Edits must be sorted by field. */
struct rk_meta_edit {
    size_t field;
    const char *text;
};
int rk_meta_rewrite(const struct rk_meta *m, const struct rk_meta_edit *edits, size_t nedits,
                    struct rk_buf *out, struct rk_err *e);
/* "Key: value" + the file's line end, appended to out (the original key spelling of field i
 * when i < m->n, else key). */
int rk_meta_format(const struct rk_meta *m, long i, const char *key, const char *value,
                   struct rk_buf *out);

/* ---- Requires-Dist values: name [extras] specifiers ; marker ---- */
struct rk_req {
    size_t name_off, name_len;
    size_t spec_off, spec_len; /* specifiers (inside parentheses when written so); an
                                  empty span where they would go when there are none */
    int parens;
    int url; /* "name @ url": no specifiers to change */
};
int rk_req_parse(const char *value, struct rk_req *r, struct rk_err *e);
/* A pin as --pin takes it: "NAME==VERSION", blanks around the parts allowed, nothing else
 * (no extras, no environment marker, no other operator, no control character). name gets
 * the project name, version the normalised PEP 440 version (RK_WHEEL_FIELD bytes each). */
int rk_req_parse_pin(const char *s, char *name, char *version, struct rk_err *e);
/* value with its specifiers replaced by spec (e.g. "==3.2.0"), into out. */
int rk_req_set_spec(const char *value, const struct rk_req *r, const char *spec,
                    struct rk_buf *out);
/* value with every "==" pin on a pre-release, dev or local version made final; *changed
 * says whether anything changed. */
int rk_req_finalize(const char *value, const struct rk_req *r, struct rk_buf *out, int *changed,
                    struct rk_err *e);

/* ---- RECORD: CSV lines path,hash,size ---- */
struct rk_record_line {
    char *path;       /* unquoted, owned by the record */
    const char *hash; /* "sha256=..." or "" */
    const char *size; /* decimal or "" */
    const char *raw;  /* the line as written, borrowed from the text given to parse */
    size_t raw_len;   /* including its line end */
};

struct rk_record {
    struct rk_record_line *lines;
    size_t n;
    char *strings; /* owned storage for paths, hashes and sizes */
};

int rk_record_parse(struct rk_record *r, const char *text, size_t len, const char *what,
                    struct rk_err *e);
void rk_record_release(struct rk_record *r);
/* Index sorted by path (owned array of line indices); a path listed twice is RK_INPUT. */
int rk_record_index(const struct rk_record *r, size_t **index, const char *what, struct rk_err *e);
/* Line for path in a sorted index, or -1. */
long rk_record_lookup(const struct rk_record *r, const size_t *index, const char *path);
/* One CSV line "path,hash,size\n" (path quoted when needed). */
int rk_record_format(struct rk_buf *out, const char *path, const char *hash, const char *size);
/* "sha256=<urlsafe b64 no padding>" of data (out: 8 + RK_SHA256_B64_LEN bytes). */
int rk_record_hash(const void *data, size_t len, char *out, size_t n, struct rk_err *e);
/* Parse "algo=b64"; algorithms sha256, sha384, sha512 (others are RK_INPUT). digest gets
 * the raw bytes (64 at most), *dlen their count; algo the OpenSSL name. */
int rk_record_hash_parse(const char *field, const char **algo, unsigned char digest[64],
                         size_t *dlen, struct rk_err *e);

#endif
