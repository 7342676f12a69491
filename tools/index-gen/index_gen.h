/*
 * index_gen.h - index-gen's logic: sources (GitHub releases, local directories, an asset list
 * in the context), facts about each file (hash, metadata), the pages, the JSON result.
 *
 * Ownership: struct ig_run owns everything it collects (ig_run_release). Option strings in
 * struct ig_opts are borrowed from argv / the context and must outlive the run. Functions
 * return 0 / -1 with an rk_err, never print on stdout, never exit.
 */
#ifndef INDEX_GEN_H
#define INDEX_GEN_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "github.h"
#include "hashcache.h"
#include "pyindex.h"

enum ig_pre { IG_PRE_INCLUDE = 0, IG_PRE_EXCLUDE, IG_PRE_ONLY };

#define IG_MAX_LIST 64

struct ig_opts {
    const char *repos[IG_MAX_LIST];
    size_t nrepos;
    const char *dirs[IG_MAX_LIST];
    size_t ndirs;
    const char *output;         /* required */
    const char *findlinks_name; /* "links.html" */
    const char *title;
    const char *base_url; /* prefix for local files' hrefs; NULL: relative paths */
    const char *yank_list;
    const char *cache_dir;  /* NULL: no cache on disk */
    const char *upload_dir; /* .metadata files of remote wheels; default OUTPUT/upload */
    const char *tag_regex;
    int include_drafts;
    int prereleases;       /* enum ig_pre */
    int64_t max_age;       /* seconds; 0: no limit */
    int no_past_cap;       /* stop with exit 4 at the releases cap */
    int hash_missing;      /* download files without a known hash */
    int no_metadata_fetch; /* do not read remote wheels' metadata */
    int jobs;              /* parallel downloads */
    int dry_run;
    int no_context_assets;
};

/* A remote file (GitHub asset or context asset). Strings owned by the list (its arena). */
struct ig_asset {
    char *name, *url, *stamp, *upload_time, *origin;
    char *repo, *tag; /* for the upload plan; NULL for context assets */
    int64_t size;     /* -1 unknown */
    char sha256[65];  /* "" unknown */
    int prerelease;
};

struct ig_chunk; /* source_remote.c */

/* The remote files; their strings live in chunks of an arena (tens of thousands of assets:
 * one malloc per string was most of the cost of taking them). origin, repo and tag are the
 * same for every asset of a release: a string equal to the last one stored is shared. */
struct ig_assets {
    struct ig_asset *v;
    size_t n, cap;
    struct ig_chunk *chunks;
    const char *last_origin, *last_repo, *last_tag;
};

struct ig_upload { /* a .metadata file written for gh-release upload */
    char *repo, *tag, *path, *name;
    int64_t size;
    char sha256[65];
};

struct ig_run {
    struct ig_opts *o;
    struct rk_github gh;
    int have_gh;
    struct rk_http_client http; /* for runs without GitHub */
    int have_http;
    struct rk_hashcache cache;
    struct rk_pyindex index;
    struct ig_assets assets; /* remote files, before classification */
    struct ig_upload *uploads;
    size_t nuploads, cap_uploads;
    regex_t re;
    int have_re;
    size_t releases, releases_skipped;
    int capped;
    uint64_t downloads, range_reads, remote_metadata;
    json_object *yanks;        /* owned: [{file|project,version, reason}] */
    double phase_t, phase_cpu; /* when the current phase started (ig_phase) */
};

void ig_run_init(struct ig_run *r, struct ig_opts *o);
void ig_run_release(struct ig_run *r);
/* the whole job; *result: the "index" object (owned) */
int ig_run(struct ig_run *r, json_object *ctx, json_object **result, struct rk_err *e);

/* -v: "WHAT: N s" since the previous call (what NULL: only start timing) */
void ig_phase(struct ig_run *r, const char *what);

/* clients */
struct rk_http_client *ig_http(struct ig_run *r, struct rk_err *e);
int ig_github(struct ig_run *r, struct rk_err *e);

/* sources */
int ig_asset_add(struct ig_assets *a, const struct ig_asset *src, struct rk_err *e);
void ig_assets_release(struct ig_assets *a);
/* a copy of s in the arena of a (freed with it), or NULL on ENOMEM */
char *ig_assets_keep(struct ig_assets *a, const char *s);
int ig_source_github(struct ig_run *r, const char *repo, struct rk_err *e);
int ig_source_context(struct ig_run *r, json_object *ctx, struct rk_err *e);
int ig_source_dir(struct ig_run *r, const char *dir, struct rk_err *e);

/* remote files: hashes and metadata, added to the index */
int ig_remote_resolve(struct ig_run *r, struct rk_err *e);

/* names: project and version of a distribution file name; kind 0 when it is none */
int ig_parse_filename(const char *name, char *project, size_t pn, char *version, size_t vn,
                      int *kind);
/* Requires-Python of a METADATA text (owned copy or NULL) */
char *ig_requires_python(const char *text, size_t len, const char *what);

/* yanks */
int ig_yank_load(struct ig_run *r, const char *path, struct rk_err *e);
void ig_yank_apply(struct ig_run *r);

/* upload plan */
int ig_upload_add(struct ig_run *r, const char *repo, const char *tag, const char *path,
                  const char *name, int64_t size, const char *sha, struct rk_err *e);

/* the "index" result object (owned) */
json_object *ig_result(struct ig_run *r, size_t pages);

/* "YYYY-MM-DDTHH:MM:SSZ" of t */
void ig_iso_time(int64_t t, char out[32]);

#endif
