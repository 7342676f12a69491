/*
 * release.h - GitHub releases and their assets, on top of github.h: repository names, finding
 * a release by tag (drafts included), listing releases past the API's 1000-result cap, asset
 * listing and digests, and the compact JSON shapes tools put in the context.
 *
 * Why not GET /releases/tags/{tag}: it never returns a draft. rk_release_find asks it first
 * (cheap, published releases) and falls back to the release list, where drafts appear to
 * callers with push access. Several drafts may carry one tag (GitHub has no uniqueness rule
 * for drafts): rk_release_find returns the published one if any, else the lowest id, which
 * is the deterministic winner every concurrent creator agrees on (see rk_release_dedupe).
 *
 * Ownership: json_object results are owned by the caller (json_object_put); json_object
 * arguments are borrowed; *_find_* helpers return pointers borrowed from their argument.
 * Errors: as github.h (RK_REMOTE, RK_TRANSIENT, ...); RK_INPUT for a malformed repository
 * name, tag or digest. Library code: nothing printed on stdout, nothing exits.
 */
#ifndef RELKIT_RELEASE_H
#define RELKIT_RELEASE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <json-c/json.h>

#include "digest.h"

struct rk_err;
struct rk_github;

#define RK_REPO_PART_MAX 101 /* GitHub: owner <= 39, name <= 100 characters */
#define RK_RELEASES_CAP 1000 /* GitHub lists at most this many releases */

/* "owner/name", validated: [A-Za-z0-9_.-]+ on both sides, no "." or "..". */
struct rk_repo {
    char owner[RK_REPO_PART_MAX];
    char name[RK_REPO_PART_MAX];
    char path[2 * RK_REPO_PART_MAX + 16]; /* "/repos/owner/name" */
};

int rk_repo_parse(const char *s, struct rk_repo *r, struct rk_err *e);

/* A tag or asset name usable in a ref / URL: non-empty, <= 255 bytes, no control
 * characters, no space, none of ~^:?*[\ and not ending in ".lock" or "/" (git check-ref-format
 * rules that matter here). 0 ok, -1 with RK_INPUT "invalid tag 'x': ...". */
int rk_tag_check(const char *tag, struct rk_err *e);

/* ---- releases ---- */

enum {
    RK_REL_PAST_CAP = 1 << 0, /* when the list hits the cap, find older published releases
                                 through the tags (one GET per tag not yet seen) */
    RK_REL_SLIM = 1 << 1,     /* parse only id, tag_name, name, draft, prerelease, created_at,
                                 published_at and assets, each asset with id, name, size,
                                 digest, state, browser_download_url, created_at and
                                 updated_at (json_slim.h): a fraction of the time and memory */
};

/* Every release of the repository (drafts included when the token may see them), newest
 * first as GitHub orders them. With RK_REL_PAST_CAP the list may be longer than the cap;
 * *capped (may be NULL) is set to 1 when the cap was hit. *out: new array (owned). */
int rk_release_list(struct rk_github *g, const struct rk_repo *r, unsigned flags, json_object **out,
                    int *capped, struct rk_err *e);
/* Same, but past the cap only the tags for which want_tag(tag, arg) returns non-zero are
 * looked up (one request each): callers interested in some tags only (a tag regex) save the
 * others. want_tag NULL: every tag. Releases within the cap are all returned. */
int rk_release_list_some(struct rk_github *g, const struct rk_repo *r, unsigned flags,
                         int (*want_tag)(const char *tag, void *arg), void *arg, json_object **out,
                         int *capped, struct rk_err *e);

/* The release of tag: the published one, else the draft with the lowest id; *out NULL (and 0
 * returned) when there is none. *out is owned. */
int rk_release_find(struct rk_github *g, const struct rk_repo *r, const char *tag,
                    json_object **out, struct rk_err *e);

/* Every release (from list, borrowed) whose tag_name is tag, as a new array (owned) sorted by
 * ascending id. */
json_object *rk_release_with_tag(json_object *list, const char *tag);
/* The tag names of the releases of list (borrowed) as the keys of a new object (owned). */
json_object *rk_release_tag_set(json_object *list);

/* GET /releases/{id}; *out NULL and 0 returned on 404. */
int rk_release_get(struct rk_github *g, const struct rk_repo *r, int64_t id, json_object **out,
                   struct rk_err *e);

/* Concurrent creators of one tag converge: among the releases carrying tag (published ones
 * win, else the lowest id), keep one and delete every other draft of the tag: mine (a release
 * id just created, 0 when none), and the duplicates left by a creator that died before this
 * step or by a retried POST that had taken effect. *keeper: owned, NULL when the tag has no
 * release listed. Only the newest 100 releases are looked at: racing creations are among them
 * (an older release of the tag would have been found before creating). */
int rk_release_dedupe(struct rk_github *g, const struct rk_repo *r, const char *tag, int64_t mine,
                      json_object **keeper, struct rk_err *e);

/* The id of the release GitHub marks as latest, 0 when there is none. */
int rk_release_latest_id(struct rk_github *g, const struct rk_repo *r, int64_t *id,
                         struct rk_err *e);

/* ---- assets ---- */

/* All assets of a release (paginated), new array (owned). */
int rk_release_assets(struct rk_github *g, const struct rk_repo *r, int64_t release_id,
                      json_object **out, struct rk_err *e);
/* The asset named name in an asset array (borrowed), or NULL. */
json_object *rk_asset_find(json_object *assets, const char *name);

/* The sha256 of a GitHub digest ("sha256:<64 hex>", NULL for none): 1 and hex filled
 * (lowercase), 0 when digest is NULL, -1 when it is malformed or another algorithm; hex is
 * "" unless 1. rk_asset_sha256: the same of the asset's "digest". */
int rk_digest_sha256(const char *digest, char hex[RK_SHA256_HEX_LEN]);
int rk_asset_sha256(json_object *asset, char hex[RK_SHA256_HEX_LEN]);

/* An asset whose upload completed: state "uploaded" (or no state at all). */
int rk_asset_complete(json_object *asset);

enum rk_asset_match {
    RK_ASSET_SAME = 0,      /* complete, same size and sha256 */
    RK_ASSET_DIFFERENT = 1, /* complete, other size or other sha256 */
    RK_ASSET_UNKNOWN = 2,   /* complete, same size, but GitHub gives no digest */
    RK_ASSET_BROKEN = 3,    /* an upload that never completed */
};
/* Compare an asset with local bytes (size, lowercase hex sha256). */
enum rk_asset_match rk_asset_match(json_object *asset, uint64_t size, const char *sha256_hex);

/* ---- the shape of API answers ---- */

/* A release as the API gives it: an object with "id" an integer >= 1 and "tag_name" a valid
 * tag, and, when present, draft/prerelease booleans, name/body strings or null, html_url,
 * upload_url and target_commitish strings, created_at/published_at date-times or null, assets
 * an array or null (its items are not looked at). An asset: "id" an integer >= 1, "name" a
 * string (what it holds is the caller's to check), and when present label and digest strings
 * or null, size and download_count integers >= 0, content_type, state and
 * browser_download_url strings, created_at/updated_at date-times or null. 0 ok, else -1 with
 * RK_REMOTE "WHAT: "key" is a string, expected an integer >= 1" (values are not quoted). */
int rk_release_check(json_object *rel, const char *what, struct rk_err *e);
int rk_asset_check(json_object *asset, const char *what, struct rk_err *e);
/* The items of list (borrowed) that chk accepts, as a new array (owned); each other item is
 * skipped with a warning "skipping item N of WHAT: ...". */
json_object *rk_checked_items(json_object *list,
                              int (*chk)(json_object *, const char *, struct rk_err *),
                              const char *what);

/* ---- shapes ---- */

/* Context shape of a release: {id, tag, name, draft, prerelease, html_url, upload_url,
 * target_commitish, created_at, published_at}. New object (owned). */
json_object *rk_release_summary(json_object *release);
/* Context shape of an asset: {id, name, label, size, sha256 (null when unknown),
 * content_type, state, download_count, browser_download_url, created_at}. New (owned). */
json_object *rk_asset_summary(json_object *asset);

/* ---- time ---- */

/* "2024-11-19T08:15:00Z" (or with a +hh:mm offset, or fractional seconds) -> epoch
 * seconds; -1 when malformed. */
int rk_time_parse(const char *s, time_t *out);
/* The release's age reference: published_at, else created_at; -1 when neither parses. */
int rk_release_time(json_object *release, time_t *out);

#endif
