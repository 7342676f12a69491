/*
 * ghr.h - gh-release internals shared by the command files.
 *
 * Each command is one function `int ghr_<cmd>(struct ghr *g, struct rk_err *e)` that reads
 * g->opts and g->ctx, talks to GitHub through g->gh, and adds its keys to g->ctx (the
 * result). Commands return 0 or -1 with e set; main turns that into the exit code. Nothing
 * here exits or writes stdout. json_object pointers in struct ghr are owned by it.
 */
#ifndef GHR_H
#define GHR_H

#include <pthread.h>
#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <json-c/json.h>

#include "cli.h"
#include "digest.h"
#include "err.h"
#include "github.h"
#include "release.h"

enum ghr_cmd {
    GHR_CREATE,
    GHR_UPLOAD,
    GHR_PUBLISH,
    GHR_PROMOTE,
    GHR_DOWNLOAD,
    GHR_LIST,
    GHR_VIEW,
    GHR_VERIFY,
    GHR_PRUNE,
    GHR_NCMDS
};

/* Prefixes of the asset names used while replacing an asset (--clobber): the new bytes are
 * uploaded as TMP+name, the old asset is renamed OLD+name, the new one takes the name, the old
 * one is deleted. A re-run finds leftovers of a killed run under these names. */
#define GHR_TMP_PREFIX "ghr-tmp--"
#define GHR_OLD_PREFIX "ghr-old--"

/* -j defaults. Requests that change a release (uploads: GitHub's "content-generating"
 * requests, the ones its secondary limits weigh most) 16 at a time; downloads and checks,
 * which ask the API for an asset's address and then read from the download host, 24; the
 * deletes of prune 8. All well under GitHub's limit of 100 concurrent requests. */
#define GHR_JOBS_DEFAULT 8
#define GHR_JOBS_WRITE 16
#define GHR_JOBS_READ 24
#define GHR_JOBS_MAX 64

struct ghr_list {
    const char **v; /* borrowed strings (argv) */
    size_t n;
};

struct ghr_opts {
    const char *repo, *tag, *target, *name, *notes, *notes_file, *latest, *if_exists;
    int draft, prerelease, stable; /* 1 when given: create sets them, list filters by them */
    int jobs, clobber, metadata, cleanup_tag, yes, include_drafts;
    const char *content_type, *manifest, *from, *version, *dir, *tag_regex, *wheels;
    struct ghr_list expect, copy, pattern;
    int64_t older_than, newer_than; /* seconds, -1 unset */
    int64_t keep, limit;            /* -1 unset */
    struct ghr_list args;           /* positional arguments after the command */
};

struct ghr {
    struct rk_cli cli;
    enum ghr_cmd cmd;
    const char *cmd_name;
    struct ghr_opts opts;
    json_object *ctx; /* the context; becomes the result */
    struct rk_repo repo;
    struct rk_github gh; /* main thread's client */
    int gh_ready;
    int in_ci;          /* CI=true or GITHUB_ACTIONS=true */
    char **argv;        /* owned array (borrowed strings): argv without the command */
    const char *action; /* what the command did ("created", "reused", ...), or NULL */
    uint64_t pool_requests, pool_retries; /* HTTP requests of the worker threads' clients */
    char *kept[8];                        /* owned copies of context strings (ghr_keep) */
    size_t nkept;
    int reported; /* the command's RK_NEGATIVE failure was reported line by line already */
};

/* options.c */
int ghr_parse(struct ghr *g, int argc, char **argv); /* RK_OK, RK_USAGE, or -1: print done */
const char *ghr_cmd_usage(enum ghr_cmd cmd);
const char *ghr_usage(void);

/* util.c */
int ghr_connect(struct ghr *g, struct rk_err *e);
int ghr_resolve_repo(struct ghr *g, struct rk_err *e);
/* The tag the command works on: positional arg index pos (if any), --tag, the context's
 * "release.tag", then "tag". NULL when none. */
const char *ghr_tag(struct ghr *g, size_t pos);
/* A copy of s (may be NULL) owned by g until the end: context strings die when the command
 * replaces their keys. */
const char *ghr_keep(struct ghr *g, const char *s);
int ghr_need_tag(struct ghr *g, size_t pos, const char **tag, struct rk_err *e);
/* The release of tag (drafts included) or RK_REMOTE "no release for tag". Owned. */
int ghr_need_release(struct ghr *g, const char *tag, json_object **rel, struct rk_err *e);
/* Path "/repos/o/r" + fmt... (owned). */
char *ghr_path(const struct ghr *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add the dry-run plan (owned) under "plan" and mark "dry_run": true. */
void ghr_set_plan(struct ghr *g, json_object *plan);
int ghr_match_any(const struct ghr_list *pats, const char *name); /* 1 when no patterns */
/* A name GitHub could hold as an asset and we may write as a file: no '/', not "." / "..". */
int ghr_safe_name(const char *name);
const char *ghr_content_type(const char *name);
/* PATCH an asset's name and/or label; *out (may be NULL) gets the updated asset (owned). */
int ghr_patch_asset(struct rk_github *gh, const struct ghr *g, int64_t id, const char *name,
                    const char *label, json_object **out, struct rk_err *e);
int ghr_delete_asset(struct rk_github *gh, const struct ghr *g, int64_t id, struct rk_err *e);
/* Sleep before a tool-level retry (round 1 = the first retry) of a request sent with
 * RK_GH_NO_RETRY: the client's backoff with full jitter (RELKIT_HTTP_BACKOFF_MS...). The retry
 * is counted in the client's retries. */
void ghr_backoff(struct rk_github *gh, int round);
/* How long GitHub may still apply a request after it was sent: RELKIT_GITHUB_REQUEST_MAX_MS,
 * default 10000 (GitHub ends a request that takes more than 10 s). */
long ghr_request_max_ms(void);
/* Read the notes: --notes, else --notes-file (- is stdin), else NULL. Owned. */
int ghr_read_notes(const struct ghr *g, char **notes, struct rk_err *e);

/* pool.c: run fn over n items on up to jobs threads, each with its own GitHub client. */
typedef int (*ghr_job_fn)(struct ghr *g, struct rk_github *gh, void *item, struct rk_err *e);
/* errs (n entries, may be NULL) receive each item's error; returns 0 when all succeeded,
 * else -1 with e set from the first failure in index order. */
int ghr_pool_run(struct ghr *g, int jobs, void *items, size_t item_size, size_t n, ghr_job_fn fn,
                 struct rk_err *e);

struct ghr_upload;

/* files.c: local files to upload */
struct ghr_file {
    char *path;  /* owned */
    char *name;  /* owned: the asset name */
    char *label; /* owned or NULL */
    const char *content_type;
    uint64_t size;
    char sha256[RK_SHA256_HEX_LEN]; /* "" until hashed */
    const char *action;             /* "uploaded", "skipped", "replaced", ... */
    json_object *result;            /* owned: the asset summary with "action" */
    json_object *fresh;             /* owned: the asset as the API returned it (worker) */
    json_object *remote;            /* borrowed from a shared snapshot, when fresh is NULL */
    struct ghr_upload *upload;      /* borrowed: the upload this file is part of */
    /* a hash computed while the file uploads (ghr_file_hash_start); ghr_file_hash joins it */
    pthread_t hasher;
    int hashing, hash_rc;
    struct rk_err hash_err;
};
struct ghr_files {
    struct ghr_file *v;
    size_t n, cap;
};
void ghr_files_init(struct ghr_files *f);
void ghr_files_release(struct ghr_files *f);
/* One command-line argument: "path", "path#label" or a glob. */
int ghr_files_add_arg(struct ghr_files *f, const char *arg, const char *content_type,
                      struct rk_err *e);
int ghr_files_add(struct ghr_files *f, const char *path, const char *name, const char *label,
                  const char *content_type, struct rk_err *e);
/* Entries [{path, name?, label?}] (files / wheels in the context). */
int ghr_files_add_json(struct ghr_files *f, json_object *arr, const char *what,
                       const char *content_type, struct rk_err *e);
/* For every .whl, its "NAME.metadata" sidecar when the file exists. */
int ghr_files_add_sidecars(struct ghr_files *f, struct rk_err *e);
int ghr_files_check_names(const struct ghr_files *f, struct rk_err *e);
/* The file's sha256 (computed once; waits for a background hash). */
int ghr_file_hash(struct ghr_file *f, struct rk_err *e);
/* Start hashing a large file on its own thread, to overlap with its upload. */
void ghr_file_hash_start(struct ghr_file *f);
#define GHR_HASH_BG_MIN ((uint64_t)8 << 20)

/* upload.c / upload_swap.c: the idempotent upload of files to a release */
struct ghr_upload {
    json_object *release; /* borrowed */
    json_object *assets;  /* borrowed snapshot, listed before the workers start */
    int clobber;
};
int ghr_upload_files(struct ghr *g, struct ghr_upload *u, struct ghr_files *files, int jobs,
                     struct rk_err *e);
json_object *ghr_upload_plan(struct ghr_upload *u, struct ghr_files *files);
/* Upload files to rel (borrowed); results (--dry-run: the plan) appended to out with "tag". */
int ghr_upload_release(struct ghr *g, json_object *rel, struct ghr_files *files, json_object *out,
                       struct rk_err *e);
/* out (owned) becomes the context's "assets", or the "plan" with --dry-run */
void ghr_upload_output(struct ghr *g, json_object *out);
/* upload_meta.c: index-gen's .metadata files ("index.metadata_uploads"), when upload has no
 * FILE arguments and --metadata; the groups array (borrowed) or NULL */
json_object *ghr_metadata_groups(struct ghr *g);
int ghr_upload_metadata(struct ghr *g, json_object *groups, struct rk_err *e);
int ghr_upload_one(struct ghr *g, struct rk_github *gh, struct ghr_upload *u, struct ghr_file *f,
                   struct rk_err *e);
/* A fresh list of the release's assets on gh. */
int ghr_assets_now(struct ghr *g, struct rk_github *gh, json_object *release, json_object **out,
                   struct rk_err *e);
/* Upload f under name, converging after failures (a lost response, a broken partial
 * upload); *asset: the new asset (owned). */
int ghr_upload_new(struct ghr *g, struct rk_github *gh, struct ghr_upload *u, struct ghr_file *f,
                   const char *name, json_object **asset, struct rk_err *e);
/* --clobber: replace old (borrowed) by f without a moment where neither exists. */
int ghr_swap(struct ghr *g, struct rk_github *gh, struct ghr_upload *u, struct ghr_file *f,
             json_object *old, struct rk_err *e);
/* Leftovers of a killed run for f's name (broken upload, TMP/OLD names): fixed, then *assets
 * is a fresh listing (owned). 0 with *assets NULL when the snapshot shows none. */
int ghr_recover(struct ghr *g, struct rk_github *gh, struct ghr_upload *u, struct ghr_file *f,
                json_object **assets, struct rk_err *e);

/* promote_copy.c: copy the assets sel (borrowed) into u's release; results appended to out */
int ghr_copy_assets(struct ghr *g, struct ghr_upload *u, json_object *sel, json_object *out,
                    struct rk_err *e);

/* fetch.c: streamed downloads of assets, digest-checked */
/* Download asset into the file path (atomic; resumes a ".NAME.ID.part" left by a killed run).
 * hex gets the sha256 of the bytes. A digest or size mismatch is RK_NEGATIVE and leaves no
 * file. */
int ghr_fetch_to(struct ghr *g, struct rk_github *gh, json_object *asset, const char *path,
                 char hex[RK_SHA256_HEX_LEN], struct rk_err *e);
/* Download into an unlinked temporary file; *fd is the open file (caller closes). */
int ghr_fetch_tmp(struct ghr *g, struct rk_github *gh, json_object *asset, int *fd,
                  char hex[RK_SHA256_HEX_LEN], uint64_t *size, struct rk_err *e);
/* The sha256 of an asset's bytes: its digest, else downloaded and hashed. */
int ghr_remote_sha256(struct ghr *g, struct rk_github *gh, json_object *asset,
                      char hex[RK_SHA256_HEX_LEN], struct rk_err *e);

/* list.c, used by prune too */
int ghr_regex(const char *re, regex_t *rx, struct rk_err *e); /* ERE, no sub-matches */
/* Every release, past the cap (only tags matching --tag-regex are looked up there). */
int ghr_list_releases(struct ghr *g, json_object **list, int *capped, struct rk_err *e);
/* Seconds since the release was published (drafts: created); -1 when unknown. */
int ghr_release_age(json_object *rel, time_t now, int64_t *age);

/* prune_tags.c: prune --cleanup-tag with --tag-regex: delete the tags matching the regex that
 * no release in list (borrowed: every release) carries and that are older than --older-than.
 * Appends {tag, action "delete_tag", sha, date} to plan (--dry-run) or each deleted tag's name
 * to tags (a real run). */
int ghr_prune_tags(struct ghr *g, json_object *list, json_object *plan, json_object *tags,
                   struct rk_err *e);
/* DELETE refs/tags/tag on gh; a tag already gone is fine */
int ghr_delete_tag(struct ghr *g, struct rk_github *gh, const char *tag, struct rk_err *e);

/* commands */
int ghr_create(struct ghr *g, struct rk_err *e);
int ghr_upload(struct ghr *g, struct rk_err *e);
int ghr_publish(struct ghr *g, struct rk_err *e);
int ghr_promote(struct ghr *g, struct rk_err *e);
int ghr_download(struct ghr *g, struct rk_err *e);
int ghr_list(struct ghr *g, struct rk_err *e);
int ghr_view(struct ghr *g, struct rk_err *e);
int ghr_verify(struct ghr *g, struct rk_err *e);
int ghr_prune(struct ghr *g, struct rk_err *e);

/* create.c, used by promote too */
struct ghr_release_spec {
    const char *tag, *target, *name, *notes, *latest;
    int draft, prerelease; /* -1 unset */
};
/* Make sure refs/tags/tag exists at commit sha; 0 when it does (now), RK_REMOTE when it
 * points elsewhere. */
int ghr_ensure_tag(struct ghr *g, const char *tag, const char *sha, struct rk_err *e);
/* The commit a tag points to (annotated tags peeled); *sha owned; NULL when no such tag. */
int ghr_tag_commit(struct ghr *g, const char *tag, char **sha, struct rk_err *e);
/* A commit-ish (sha, branch, tag) as a full commit sha (owned). */
int ghr_resolve_commit(struct ghr *g, const char *ref, char **sha, struct rk_err *e);
/* POST the release (attempts without HTTP-level retry; a release an attempt created is found
 * by tag and adopted), then converge with concurrent creators (rk_release_dedupe). */
int ghr_create_release(struct ghr *g, const struct ghr_release_spec *s, json_object **rel,
                       struct rk_err *e);
/* After finding the release of tag (*rel, may be NULL): delete the other drafts of the tag
 * (left by a dead creator or a POST applied after its answer was lost; a published keeper
 * may have drafts beside it) and make *rel the keeper (rk_release_dedupe). No-op in a dry
 * run. */
int ghr_settle_release(struct ghr *g, const char *tag, json_object **rel, struct rk_err *e);
json_object *ghr_release_body(const struct ghr_release_spec *s, int for_create);

#endif
