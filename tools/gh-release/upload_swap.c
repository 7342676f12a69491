/* upload_swap.c - uploads that converge: after a lost response, a broken partial upload, or a
 * run killed in the middle of a --clobber swap.
 *
 * The swap (GitHub cannot rename an asset onto an existing name):
 *   1. upload the new bytes as TMP+name (checked against the local sha256)
 *   2. rename the old asset to OLD+name
 *   3. rename TMP+name to name   (on failure: rename OLD+name back, and fail)
 *   4. delete OLD+name
 * At every moment the old bytes or the new bytes are on the release; after a failure in
 * step 3 the old ones are back under their name. A run killed between two steps leaves
 * names that ghr_recover puts right on the next run: OLD+name without name is renamed back,
 * OLD+name with a complete name is deleted, TMP+name is deleted, a broken name is deleted. */
#include "ghr.h"
#include "jsonio.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UPLOAD_ROUNDS 3 /* at least; else the client's max_attempts */

int ghr_assets_now(struct ghr *g, struct rk_github *gh, json_object *release, json_object **out,
                   struct rk_err *e)
{
    return rk_release_assets(gh, &g->repo, rk_json_int(release, "id", 0), out, e);
}

/* the uploaded asset holds exactly the local bytes */
static int check_uploaded(struct ghr *g, struct rk_github *gh, struct ghr_file *f,
                          json_object *asset, struct rk_err *e)
{
    enum rk_asset_match m;
    if (ghr_file_hash(f, e) < 0)
        return -1;
    m = rk_asset_match(asset, f->size, f->sha256);
    if (m == RK_ASSET_SAME || m == RK_ASSET_UNKNOWN)
        return 0;
    ghr_delete_asset(gh, g, rk_json_int(asset, "id", 0), e);
    rk_err_clear(e);
    return rk_err_set(e, RK_TRANSIENT, "upload of '%s' arrived with other bytes than '%s'",
                      rk_json_str(asset, "name"), f->path);
}

static int upload_raw(struct ghr *g, struct rk_github *gh, struct ghr_upload *u, struct ghr_file *f,
                      const char *name, json_object **asset, struct rk_err *e)
{
    struct stat st;
    int fd = open(f->path, O_RDONLY | O_CLOEXEC), rc;
    *asset = NULL;
    if (fd < 0)
        return rk_err_errno(e, RK_INPUT, "unable to open '%s'", f->path);
    if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != f->size) {
        close(fd);
        return rk_err_set(e, RK_INPUT, "'%s' changed during the upload", f->path);
    }
    rk_log_verbose("uploading '%s' as '%s' (%llu bytes)", f->path, name,
                   (unsigned long long)f->size);
    rc = rk_github_upload_asset(gh, rk_json_str(u->release, "upload_url"), name, f->label,
                                f->content_type, fd, f->size, asset, e);
    close(fd);
    if (rc == 0 && *asset && check_uploaded(g, gh, f, *asset, e) < 0) {
        json_object_put(*asset);
        *asset = NULL;
        return -1;
    }
    return rc;
}

/* after a failed upload of name: 1 done (*asset set), 0 retry, -1 give up */
static int after_failure(struct ghr *g, struct rk_github *gh, struct ghr_upload *u,
                         struct ghr_file *f, const char *name, json_object **asset,
                         struct rk_err *e)
{
    json_object *now = NULL, *a;
    struct rk_err le;
    int rc = -1;
    rk_err_clear(&le);
    if (e->code != RK_REMOTE && e->code != RK_TRANSIENT)
        return -1;
    if (ghr_file_hash(f, &le) < 0)
        return -1; /* keep the upload's error */
    if (ghr_assets_now(g, gh, u->release, &now, &le) < 0)
        return -1; /* keep the upload's error */
    a = rk_asset_find(now, name);
    if (a && rk_asset_match(a, f->size, f->sha256) == RK_ASSET_SAME) {
        *asset = json_object_get(a); /* it did arrive: the response was lost */
        rc = 1;
    } else if (a && (!rk_asset_complete(a) || strcmp(name, f->name) != 0)) {
        rk_log_warn("removing the broken upload of '%s' (state '%s')", name,
                    rk_json_str(a, "state") ? rk_json_str(a, "state") : "?");
        rc = ghr_delete_asset(gh, g, rk_json_int(a, "id", 0), &le) < 0 ? -1 : 0;
    } else if (!a && e->code == RK_TRANSIENT) {
        rc = 0;
    }
    json_object_put(now);
    if (rc == 1 || rc == 0)
        rk_err_clear(e);
    return rc;
}

int ghr_upload_new(struct ghr *g, struct rk_github *gh, struct ghr_upload *u, struct ghr_file *f,
                   const char *name, json_object **asset, struct rk_err *e)
{
    /* the upload POST is a single attempt (rk_github_upload_asset): the rounds are the retries */
    int rounds =
        gh->http.opts.max_attempts > UPLOAD_ROUNDS ? gh->http.opts.max_attempts : UPLOAD_ROUNDS;
    for (int round = 1;; round++) {
        struct rk_err last;
        int r;
        if (upload_raw(g, gh, u, f, name, asset, e) == 0)
            return 0;
        last = *e;
        r = after_failure(g, gh, u, f, name, asset, e);
        if (r != 0)
            return r > 0 ? 0 : -1;
        if (round >= rounds) {
            /* given up after transient failures only (a broken upload removed, or nothing
             * arrived): the last upload's error, as transient */
            *e = last;
            e->code = RK_TRANSIENT;
            return -1;
        }
        rk_log_warn("retrying the upload of '%s'", name);
        ghr_backoff(gh, round);
    }
}

static char *prefixed(const char *prefix, const char *name)
{
    size_t n = strlen(prefix) + strlen(name) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s", prefix, name);
    return s;
}

/* steps 2-4, with tmp uploaded */
static int swap_names(struct ghr *g, struct rk_github *gh, struct ghr_file *f, json_object *old,
                      json_object *tmp, const char *oldname, struct rk_err *e)
{
    int64_t old_id = rk_json_int(old, "id", 0), tmp_id = rk_json_int(tmp, "id", 0);
    json_object *done = NULL;
    struct rk_err le;
    if (ghr_patch_asset(gh, g, old_id, oldname, NULL, NULL, e) < 0)
        return rk_err_prefix(e, "unable to move '%s' aside", f->name);
    if (ghr_patch_asset(gh, g, tmp_id, f->name, NULL, &done, e) < 0) {
        rk_err_clear(&le);
        if (ghr_patch_asset(gh, g, old_id, f->name, NULL, NULL, &le) < 0)
            rk_log_error("'%s' is now '%s': a re-run restores it", f->name, oldname);
        return rk_err_prefix(e, "unable to replace '%s' (the old asset is kept)", f->name);
    }
    json_object_put(f->fresh);
    f->fresh = done;
    rk_err_clear(&le);
    if (ghr_delete_asset(gh, g, old_id, &le) < 0)
        rk_log_warn("unable to delete '%s' (a re-run deletes it): %s", oldname, le.msg);
    return 0;
}

int ghr_swap(struct ghr *g, struct rk_github *gh, struct ghr_upload *u, struct ghr_file *f,
             json_object *old, struct rk_err *e)
{
    char *tmpname = prefixed(GHR_TMP_PREFIX, f->name), *oldname = prefixed(GHR_OLD_PREFIX, f->name);
    json_object *tmp = NULL;
    int rc;
    if (!tmpname || !oldname)
        rc = rk_err_set(e, RK_SYSTEM, "out of memory");
    else
        rc = ghr_upload_new(g, gh, u, f, tmpname, &tmp, e);
    if (rc == 0)
        rc = swap_names(g, gh, f, old, tmp, oldname, e);
    json_object_put(tmp);
    free(tmpname);
    free(oldname);
    return rc;
}

static int has_leftovers(json_object *assets, const char *name, char *tmpname, char *oldname)
{
    json_object *cur = rk_asset_find(assets, name);
    return rk_asset_find(assets, tmpname) || rk_asset_find(assets, oldname) ||
           (cur && !rk_asset_complete(cur));
}

static int64_t id_of(json_object *a)
{
    return rk_json_int(a, "id", 0);
}

static int fix(struct ghr *g, struct rk_github *gh, json_object *now, const char *name,
               const char *tmpname, const char *oldname, struct rk_err *e)
{
    json_object *cur = rk_asset_find(now, name), *tmp = rk_asset_find(now, tmpname),
                *old = rk_asset_find(now, oldname);
    if (cur && !rk_asset_complete(cur)) {
        rk_log_warn("removing the broken upload of '%s'", name);
        if (ghr_delete_asset(gh, g, id_of(cur), e) < 0)
            return -1;
        cur = NULL;
    }
    if (tmp && ghr_delete_asset(gh, g, id_of(tmp), e) < 0)
        return -1;
    if (old && cur)
        return ghr_delete_asset(gh, g, id_of(old), e); /* the swap finished but for this */
    if (old) {
        rk_log_warn("restoring '%s' from an interrupted replacement", name);
        return ghr_patch_asset(gh, g, id_of(old), name, NULL, NULL, e);
    }
    return 0;
}

int ghr_recover(struct ghr *g, struct rk_github *gh, struct ghr_upload *u, struct ghr_file *f,
                json_object **assets, struct rk_err *e)
{
    char *tmpname = prefixed(GHR_TMP_PREFIX, f->name), *oldname = prefixed(GHR_OLD_PREFIX, f->name);
    json_object *now = NULL;
    int rc = 0;
    *assets = NULL;
    if (!tmpname || !oldname)
        rc = rk_err_set(e, RK_SYSTEM, "out of memory");
    else if (has_leftovers(u->assets, f->name, tmpname, oldname)) {
        rc = ghr_assets_now(g, gh, u->release, &now, e);
        if (rc == 0 && has_leftovers(now, f->name, tmpname, oldname)) {
            rc = fix(g, gh, now, f->name, tmpname, oldname, e);
            json_object_put(now);
            now = NULL;
            if (rc == 0)
                rc = ghr_assets_now(g, gh, u->release, &now, e);
        }
        *assets = now;
    }
    free(tmpname);
    free(oldname);
    return rc;
}
