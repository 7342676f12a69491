/* fetch.c - streamed asset downloads, checked against the asset's digest.
 *
 * A download to a path goes to "DIR/.NAME.ID.part" (ID: the asset id, so a replaced asset
 * never resumes from the old bytes), is checked (size, and sha256 when GitHub gives a
 * digest) and renamed into place: a reader never sees a partial or unchecked file. The data
 * is not fsync'd (like curl, wget and gh): forcing gigabytes to disk before the rename would
 * cost more than the download, and a power loss, unlike a kill, is not what this guards
 * against. A run killed midway leaves the .part
 * file; the next run asks only for the missing bytes (Range) and hashes the whole file once
 * complete. A mismatch removes the .part file: nothing is kept. So does any other failure,
 * except a transfer cut off by the network (exit 5) after some bytes arrived: those stay for
 * the next run to resume, as after a kill.
 *
 * A download is bounded by the asset's size: a host that sends more is cut off at that size
 * (nothing more is read or written) and the asset rejected like a digest mismatch. */
#include "ghr.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* size and digest of the bytes against the asset's; RK_NEGATIVE on a mismatch */
static int check(json_object *asset, const char *hex, uint64_t size, struct rk_err *e)
{
    char want[RK_SHA256_HEX_LEN];
    const char *name = rk_json_str(asset, "name");
    int64_t asize = rk_json_int(asset, "size", -1);
    int d = rk_asset_sha256(asset, want);
    if (asize >= 0 && (uint64_t)asize != size)
        return rk_err_set(e, RK_NEGATIVE, "'%s': got %llu bytes, the asset has %lld", name,
                          (unsigned long long)size, (long long)asize);
    if (d < 0)
        return rk_err_set(e, RK_NEGATIVE, "'%s': unsupported digest '%s'", name,
                          rk_json_str(asset, "digest"));
    if (d == 1 && strcmp(want, hex) != 0)
        return rk_err_set(e, RK_NEGATIVE, "'%s': sha256 %s does not match the digest %s", name, hex,
                          want);
    if (d == 0)
        rk_log_verbose("'%s' has no digest on GitHub: checked its size only", name);
    return 0;
}

static char *tmpdir_file(void)
{
    const char *dir = getenv("TMPDIR");
    return rk_path_join(dir && *dir ? dir : "/tmp", "gh-release.XXXXXX");
}

/* GET the asset's bytes from offset from into fd, at most its size; a body that goes over is
 * RK_NEGATIVE, like a digest mismatch */
static int get(struct ghr *g, struct rk_github *gh, json_object *asset, uint64_t from, int fd,
               struct rk_asset_get *a, struct rk_err *e)
{
    int64_t asize = rk_json_int(asset, "size", -1);
    memset(a, 0, sizeof(*a));
    a->id = rk_json_int(asset, "id", 0);
    a->out_fd = fd;
    a->from = from;
    /* an empty asset: 1 byte is read, and refused by the size check */
    a->max = asize > 0 ? (uint64_t)asize : asize == 0 ? 1 : 0;
    if (rk_github_get_asset(gh, g->repo.owner, g->repo.name, a, e) == 0)
        return 0;
    if (!a->too_large)
        return -1;
    rk_err_clear(e);
    return rk_err_set(e, RK_NEGATIVE, "'%s': got more than %lld bytes, the asset has %lld",
                      rk_json_str(asset, "name"), (long long)asize, (long long)asize);
}

int ghr_fetch_tmp(struct ghr *g, struct rk_github *gh, json_object *asset, int *fd,
                  char hex[RK_SHA256_HEX_LEN], uint64_t *size, struct rk_err *e)
{
    struct rk_asset_get a;
    char *path = tmpdir_file();
    int rc;
    *fd = path ? mkstemp(path) : -1;
    if (*fd < 0) {
        rc = rk_err_errno(e, RK_SYSTEM, "unable to create a temporary file");
        free(path);
        return rc;
    }
    unlink(path);
    free(path);
    rc = get(g, gh, asset, 0, *fd, &a, e);
    if (rc == 0) {
        memcpy(hex, a.sha256, RK_SHA256_HEX_LEN);
        *size = a.bytes;
        rc = check(asset, hex, *size, e);
    }
    if (rc < 0) {
        close(*fd);
        *fd = -1;
    }
    return rc;
}

int ghr_remote_sha256(struct ghr *g, struct rk_github *gh, json_object *asset,
                      char hex[RK_SHA256_HEX_LEN], struct rk_err *e)
{
    uint64_t size;
    int fd;
    if (rk_asset_sha256(asset, hex) == 1)
        return 0;
    if (ghr_fetch_tmp(g, gh, asset, &fd, hex, &size, e) < 0)
        return -1;
    close(fd);
    return 0;
}

static char *part_path(const char *path, json_object *asset)
{
    const char *base = rk_basename(path);
    size_t dl = (size_t)(base - path), n = strlen(path) + 48;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%.*s.%s.%lld.part", (int)dl, path, base,
                 (long long)rk_json_int(asset, "id", 0));
    return p;
}

static int append_fd(int dst, int src, const char *what, struct rk_err *e)
{
    char buf[65536];
    ssize_t r;
    if (lseek(src, 0, SEEK_SET) < 0 || lseek(dst, 0, SEEK_END) < 0)
        return rk_err_errno(e, RK_SYSTEM, "unable to resume '%s'", what);
    while ((r = read(src, buf, sizeof(buf))) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return rk_err_errno(e, RK_SYSTEM, "unable to resume '%s'", what);
        if (rk_write_all(dst, buf, (size_t)r, what, e) < 0)
            return -1;
    }
    return 0;
}

/* continue part (have bytes already) through a second temporary file */
static int resume(struct ghr *g, struct rk_github *gh, json_object *asset, const char *part, int fd,
                  uint64_t have, char hex[RK_SHA256_HEX_LEN], struct rk_err *e)
{
    struct rk_atomic rest;
    struct rk_asset_get a;
    unsigned char md[RK_SHA256_LEN];
    int r;
    rk_log_verbose("resuming '%s' after %llu bytes", rk_json_str(asset, "name"),
                   (unsigned long long)have);
    if (rk_atomic_open(&rest, part, 0644, e) < 0)
        return -1;
    r = get(g, gh, asset, have, rest.fd, &a, e);
    if (r == 0) {
        memcpy(hex, a.sha256, RK_SHA256_HEX_LEN);
        r = a.partial; /* 1: rest holds the missing bytes; 0: the whole file came */
    }
    if (r == 1)
        r = append_fd(fd, rest.fd, part, e) < 0 || rk_sha256_file(part, md, NULL, e) < 0 ? -1 : 1;
    if (r == 1)
        rk_hex(md, RK_SHA256_LEN, hex);
    if (r == 0 && (ftruncate(fd, 0) < 0 || append_fd(fd, rest.fd, part, e) < 0))
        r = rk_err_errno(e, RK_SYSTEM, "unable to write '%s'", part); /* the whole file came */
    rk_atomic_abort(&rest);
    return r < 0 ? -1 : 0;
}

static int commit_part(const char *part, const char *path, struct rk_err *e)
{
    if (rename(part, path) < 0)
        return rk_err_errno(e, RK_SYSTEM, "unable to rename into '%s'", path);
    return 0;
}

static int fetch_part(struct ghr *g, struct rk_github *gh, json_object *asset, const char *part,
                      int fd, char hex[RK_SHA256_HEX_LEN], struct rk_err *e)
{
    struct stat st;
    struct rk_asset_get a;
    int64_t asize = rk_json_int(asset, "size", -1);
    if (fstat(fd, &st) < 0)
        return rk_err_errno(e, RK_SYSTEM, "unable to read '%s'", part);
    if (st.st_size > 0 && asize > 0 && st.st_size < asize)
        return resume(g, gh, asset, part, fd, (uint64_t)st.st_size, hex, e);
    if (get(g, gh, asset, 0, fd, &a, e) < 0)
        return -1;
    memcpy(hex, a.sha256, RK_SHA256_HEX_LEN);
    return 0;
}

/* after a failure: keep the .part file only for a transfer cut off with bytes to resume */
static void drop_part(const char *part, int fd, const struct rk_err *e)
{
    struct stat st;
    if (e->code == RK_TRANSIENT && fstat(fd, &st) == 0 && st.st_size > 0)
        return;
    unlink(part);
}

int ghr_fetch_to(struct ghr *g, struct rk_github *gh, json_object *asset, const char *path,
                 char hex[RK_SHA256_HEX_LEN], struct rk_err *e)
{
    char *part = part_path(path, asset);
    struct stat st;
    int fd = part ? open(part, O_RDWR | O_CREAT | O_CLOEXEC, 0644) : -1, rc;
    if (fd < 0) {
        rc = rk_err_errno(e, RK_SYSTEM, "unable to create '%s'", part ? part : path);
        free(part);
        return rc;
    }
    rc = fetch_part(g, gh, asset, part, fd, hex, e);
    if (rc == 0 && fstat(fd, &st) < 0)
        rc = rk_err_errno(e, RK_SYSTEM, "unable to read '%s'", part);
    if (rc == 0)
        rc = check(asset, hex, (uint64_t)st.st_size, e); /* wrong bytes: keep nothing */
    if (rc == 0)
        rc = commit_part(part, path, e);
    if (rc < 0)
        drop_part(part, fd, e);
    close(fd);
    free(part);
    return rc;
}
