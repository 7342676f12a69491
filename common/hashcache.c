/* hashcache.c - file facts kept between runs (see hashcache.h) */
#include "hashcache.h"
#include "buf.h"
#include "digest.h"
#include "err.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CACHE_MAX ((size_t)256 << 20)

static int load_files(struct rk_hashcache *c, const char *path, struct rk_err *e)
{
    struct rk_buf b;
    struct rk_err perr;
    json_object *root = NULL, *files;
    struct stat st;
    if (stat(path, &st) < 0 && errno == ENOENT)
        return 0;
    rk_buf_init(&b, CACHE_MAX);
    if (rk_read_file(path, &b, e) < 0) {
        rk_buf_release(&b);
        return -1;
    }
    rk_err_clear(&perr);
    if (rk_json_parse(b.data ? b.data : "", b.len, path, &root, &perr) < 0 ||
        rk_json_int(root, "version", 0) != 1 || !(files = rk_json_obj(root, "files"))) {
        rk_log_warn("ignoring the cache '%s': %s", path,
                    perr.code ? perr.msg : "not a version 1 cache");
    } else {
        json_object_put(c->files);
        c->files = json_object_get(files);
    }
    json_object_put(root);
    rk_buf_release(&b);
    return 0;
}

int rk_hashcache_open(struct rk_hashcache *c, const char *dir, struct rk_err *e)
{
    char *path;
    int rc;
    memset(c, 0, sizeof(*c));
    c->files = json_object_new_object();
    if (!dir)
        return 0;
    if (!(c->dir = strdup(dir)) || !(path = rk_path_join(dir, "hashes.json")))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    rc = load_files(c, path, e);
    free(path);
    return rc;
}

int rk_hashcache_save(struct rk_hashcache *c, struct rk_err *e)
{
    json_object *root;
    char *path;
    int rc;
    if (!c->dir || !c->dirty)
        return 0;
    if (rk_mkdir_p(c->dir, 0755, e) < 0)
        return -1;
    if (!(path = rk_path_join(c->dir, "hashes.json")))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    root = json_object_new_object();
    rk_json_set_int(root, "version", 1);
    json_object_object_add(root, "files", json_object_get(c->files));
    rc = rk_json_write_file(path, root, e);
    json_object_put(root);
    free(path);
    if (rc == 0)
        c->dirty = 0;
    return rc;
}

void rk_hashcache_release(struct rk_hashcache *c)
{
    json_object_put(c->files);
    free(c->dir);
    memset(c, 0, sizeof(*c));
}

json_object *rk_hashcache_get(struct rk_hashcache *c, const char *key, int64_t size,
                              const char *stamp)
{
    json_object *ent = rk_json_obj(c->files, key);
    const char *s = ent ? rk_json_str(ent, "stamp") : NULL;
    if (!ent || rk_json_int(ent, "size", -2) != size || !s || !stamp || strcmp(s, stamp) != 0) {
        c->misses++;
        return NULL;
    }
    c->hits++;
    return ent;
}

json_object *rk_hashcache_put(struct rk_hashcache *c, const char *key, int64_t size,
                              const char *stamp)
{
    json_object *ent = json_object_new_object();
    rk_json_set_int(ent, "size", size);
    rk_json_set_str(ent, "stamp", stamp ? stamp : "");
    json_object_object_add(c->files, key, ent);
    c->dirty = 1;
    return ent;
}

static char *blob_path(const struct rk_hashcache *c, const char *sha)
{
    size_t n = strlen(c->dir) + 80;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/blobs/%s", c->dir, sha);
    return p;
}

static int valid_sha(const char *sha)
{
    size_t i;
    for (i = 0; sha[i]; i++)
        if (!((sha[i] >= '0' && sha[i] <= '9') || (sha[i] >= 'a' && sha[i] <= 'f')))
            return 0;
    return i == 64;
}

int rk_hashcache_blob_put(struct rk_hashcache *c, const void *data, size_t len, char sha[65],
                          struct rk_err *e)
{
    unsigned char d[RK_SHA256_LEN];
    char *path, *dir;
    struct stat st;
    int rc = 0;
    if (rk_sha256_buf(data, len, d, e) < 0)
        return -1;
    rk_hex(d, sizeof(d), sha);
    if (!c->dir)
        return 0;
    if (!(path = blob_path(c, sha)) || !(dir = rk_path_join(c->dir, "blobs"))) {
        free(path);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    if (stat(path, &st) < 0 || (uint64_t)st.st_size != len)
        rc = rk_mkdir_p(dir, 0755, e) < 0 ? -1 : rk_write_file_atomic(path, data, len, 0644, e);
    free(dir);
    free(path);
    return rc;
}

int rk_hashcache_blob_get(struct rk_hashcache *c, const char *sha, struct rk_buf *out, int *found,
                          struct rk_err *e)
{
    unsigned char d[RK_SHA256_LEN];
    char hex[RK_SHA256_HEX_LEN], *path;
    struct rk_err rerr;
    *found = 0;
    if (!c->dir || !valid_sha(sha))
        return 0;
    if (!(path = blob_path(c, sha)))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    rk_err_clear(&rerr);
    rk_buf_reset(out);
    if (rk_read_file(path, out, &rerr) == 0 &&
        rk_sha256_buf(out->data ? out->data : "", out->len, d, e) == 0) {
        rk_hex(d, sizeof(d), hex);
        *found = strcmp(hex, sha) == 0;
    }
    free(path);
    if (!*found)
        rk_buf_reset(out);
    return 0;
}
