/*
 * tagalloc.h - tag templates, version-suffix schemes, and race-safe allocation of a unique tag.
 *
 * Templates are text with fields in braces; "{{" and "}}" are literal braces:
 *   {date}     YYYYMMDD (UTC)
 *   {n}        the next free number among existing tags made by the same template and fields
 *   {n:0W}     the same, zero-padded to W digits (1 <= W <= 9)
 *   {run}      GITHUB_RUN_NUMBER (no allocation: a collision is an error)
 *   {version}  the version: base version + the scheme's suffix
 *   {sha7} / {sha}  the commit, abbreviated / full
 * A scheme is a template for the version suffix ("rc{date}", ".dev{date}{n:03}", ".dev0+{sha}",
 * "" for stable); it may not contain {version}. In a scheme, {n:0W} must fit W digits so that
 * versions keep their PEP 440 order (rc2024010101 < rc2024010102 < rc2024010201).
 *
 * Allocation (rk_tag_allocate): creating the ref is the claim. The existing tags with the
 * template's prefix (the text before {n}) are listed once; n starts after the highest one
 * found (first n: 1); on "already exists" another run took that number, so the next one is
 * tried. A create that failed transiently (timeout, 5xx: it may have been applied) is retried,
 * and when that retry answers "already exists" and the tag points at our sha, the tag is ours:
 * success, not a second allocation. (An annotated tag is recognised by its tag object, which
 * the retries reuse; for a lightweight tag this cannot tell our earlier attempt from another
 * run that tagged the same sha with the same number at the same moment.) With
 * reuse, an existing tag of the template that already points at the sha is returned instead.
 * Without {n} (a date-only or {run} template) an existing tag is a collision: RK_REMOTE.
 *
 * Ownership: struct rk_tagspec borrows its strings. Backends own nothing of the caller's.
 * Errors: RK_USAGE for a bad template, RK_INPUT for an invalid tag or version, RK_REMOTE for a
 * collision, the backend's errors otherwise.
 */
#ifndef RELKIT_TAGALLOC_H
#define RELKIT_TAGALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <json-c/json.h>

struct rk_err;

#define RK_TAG_MAX 256
#define RK_TPL_N_MAX 999999999

enum {
    RK_TPL_DATE = 1 << 0,
    RK_TPL_N = 1 << 1,
    RK_TPL_RUN = 1 << 2,
    RK_TPL_VERSION = 1 << 3,
    RK_TPL_SHA = 1 << 4,
};

/* Check a template's syntax; *fields gets the RK_TPL_* flags it uses (may be NULL). */
int rk_tpl_check(const char *tpl, unsigned *fields, struct rk_err *e);
/* Built-in tag templates: "candidate", "iree", "snapshot", "stable"; NULL when unknown. */
const char *rk_tpl_preset(const char *name);
/* The default scheme of a tag preset ("rc", "", "stable"); NULL when unknown. */
const char *rk_tpl_preset_scheme(const char *name);
/* Named schemes: "rc" -> "rc{date}" (or "rc{date}{n:02}" when tag_has_n: a same-day
 * counter), "dev" -> ".dev{date}{n:03}", "sha" -> ".dev0+{sha}", "stable" -> "". Any other
 * text is itself a scheme template (returned as is). */
const char *rk_scheme_resolve(const char *scheme, int tag_has_n);

struct rk_tagspec {
    const char *tpl;    /* tag template */
    const char *scheme; /* version suffix template; NULL: no {version} available */
    const char *base;   /* base version ("3.1.0"); NULL: no {version} available */
    const char *date;   /* "YYYYMMDD" */
    const char *sha;    /* full sha (may be NULL when the templates do not use it) */
    const char *run;    /* GITHUB_RUN_NUMBER (may be NULL) */
};

/* 1 when the tag (through its template or the version's scheme) has {n}. */
int rk_tagspec_uses_n(const struct rk_tagspec *s);
/* The version for n: base + scheme, PEP 440-normalised. */
int rk_tagspec_version(const struct rk_tagspec *s, int64_t n, char *out, size_t len,
                       struct rk_err *e);
/* The tag for n, validated as a tag name. */
int rk_tagspec_tag(const struct rk_tagspec *s, int64_t n, char *out, size_t len, struct rk_err *e);
/* The text every tag of the spec starts with (the tag up to {n}; the whole tag without). */
int rk_tagspec_prefix(const struct rk_tagspec *s, char *out, size_t len, struct rk_err *e);
/* n when name is the tag the spec makes for some n >= 0, else -1. */
int64_t rk_tagspec_match(const struct rk_tagspec *s, const char *name);

/* ---- allocation ---- */

enum { RK_TAG_CREATED = 0, RK_TAG_EXISTS = 1 };

struct rk_tag_backend {
    void *ctx;
    /* Tags whose name starts with prefix: a new array (owned) of {"name", "sha"} where sha is
     * the commit the tag points at, or null when that needs a resolve (annotated tags). */
    int (*list)(void *ctx, const char *prefix, json_object **out, struct rk_err *e);
    /* Create tag name -> sha (annotated when message is not NULL). RK_TAG_CREATED,
     * RK_TAG_EXISTS, or -1 with e set (code RK_TRANSIENT: the create may have been applied). */
    int (*create)(void *ctx, const char *name, const char *sha, const char *message,
                  struct rk_err *e);
    /* The commit a tag points at (out: RK_TAG_SHA_MAX), "" when there is no such tag. */
    int (*resolve)(void *ctx, const char *name, char *out, struct rk_err *e);
    /* Optional (may be NULL): whether an existing tag is the one this process's create made,
     * when the backend can tell (an annotated tag's object): 1 yes, 0 no, -1 cannot tell
     * (then the commit it points at decides); -2 with e set on error. */
    int (*owned)(void *ctx, const char *name, struct rk_err *e);
};

#define RK_TAG_SHA_MAX 65

struct rk_tag_opts {
    const char *sha;     /* the commit to tag (full) */
    const char *message; /* NULL: lightweight */
    int reuse;
    int dry_run;
    int max_attempts;    /* numbers tried before giving up (<= 0: 100) */
    int create_retries;  /* retries of one create after a transient failure (< 0: 4) */
    long retry_delay_ms; /* base of the exponential backoff between them (< 0: 500) */
};

struct rk_tag_result {
    char tag[RK_TAG_MAX];
    char version[RK_TAG_MAX]; /* "" when the spec has no version */
    int64_t n;                /* -1 when the template has no {n} */
    int created;              /* 1 created here (or confirmed ours after a retry) */
    int reused;               /* 1 an existing tag of the sha was returned */
    int attempts;             /* create requests sent */
    int own_retry;            /* 1 when "already exists" answered our own retried create */
};

int rk_tag_allocate(const struct rk_tagspec *s, const struct rk_tag_backend *b,
                    const struct rk_tag_opts *o, struct rk_tag_result *r, struct rk_err *e);

/* ---- backends ---- */

struct rk_github;

/* The GitHub API (tagalloc_github.c): list with GET .../git/matching-refs/tags/PREFIX, create
 * with POST .../git/refs (a single attempt each: the retries are rk_tag_allocate's), annotated
 * tags with POST .../git/tags first (one tag object per name, reused by the retries), resolve
 * with GET .../git/ref/tags/NAME (peeling tag objects). g and repo_path ("/repos/o/r") are
 * borrowed; zero the struct before use. */
struct rk_tag_github {
    struct rk_github *g;
    const char *repo_path;
    char obj_name[RK_TAG_MAX]; /* the tag whose object obj_sha was made here ("" none) */
    char obj_sha[RK_TAG_SHA_MAX];
};
void rk_tag_backend_github(struct rk_tag_backend *b, struct rk_tag_github *ctx);
/* The commit sha and committer date of a commit-ish through the API. */
int rk_tag_github_commit(struct rk_tag_github *ctx, const char *rev, char *sha, time_t *date,
                         struct rk_err *e);

/* A local git checkout (tagalloc_git.c): git for-each-ref, git tag, git rev-parse, run in dir
 * (borrowed; NULL: the current directory). Errors: RK_SYSTEM when git cannot run, RK_INPUT
 * for an unknown revision. */
struct rk_tag_git {
    const char *dir;
};
void rk_tag_backend_git(struct rk_tag_backend *b, struct rk_tag_git *ctx);
int rk_tag_git_commit(struct rk_tag_git *ctx, const char *rev, char *sha, time_t *date,
                      struct rk_err *e);

#endif
