/*
 * hashcache.h - what index-gen learned about distribution files, kept between runs: sha256,
 * size, Requires-Python, and the bytes of their core metadata (content-addressed blobs).
 *
 * Layout of the cache directory: hashes.json ({"version": 1, "files": {key: entry}}) and
 * blobs/<sha256 hex> (one file per distinct metadata text). A key names a file (a URL, or
 * "file:" and a path); an entry is valid only while the file's size and stamp (updated_at,
 * or mtime for local files) are the ones recorded, so a replaced asset is never answered
 * from the cache. Entries: {"size", "stamp", "sha256"?, "requires_python"?, "metadata"?: hex
 * sha256 of the metadata blob, "no_metadata"?: true when the file has none, "checked"?: true
 * when a local wheel passed rk_wheel_core_check (wheel_check.h; without it the metadata of
 * a local wheel is read and checked again)}.
 *
 * Ownership: struct rk_hashcache owns its JSON tree and paths (rk_hashcache_release);
 * rk_hashcache_get returns a borrowed entry; rk_hashcache_put takes a new owned entry.
 * A missing cache is empty; a corrupt hashes.json is ignored with a warning. Writes are
 * atomic (fs.h). Errors are RK_SYSTEM with the path quoted.
 */
#ifndef RELKIT_HASHCACHE_H
#define RELKIT_HASHCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

struct rk_err;
struct rk_buf;

struct rk_hashcache {
    char *dir;          /* owned; NULL: a memory-only cache (nothing saved) */
    json_object *files; /* owned */
    int dirty;
    uint64_t hits, misses;
};

/* dir NULL: in memory only. The directory is created on save. */
int rk_hashcache_open(struct rk_hashcache *c, const char *dir, struct rk_err *e);
int rk_hashcache_save(struct rk_hashcache *c, struct rk_err *e); /* no-op when unchanged */
void rk_hashcache_release(struct rk_hashcache *c);

/* The entry of key when its size and stamp match (borrowed), else NULL. */
json_object *rk_hashcache_get(struct rk_hashcache *c, const char *key, int64_t size,
                              const char *stamp);
/* Replace key's entry: a new entry {size, stamp} (borrowed, owned by the cache), to fill
 * with rk_json_set_*. */
json_object *rk_hashcache_put(struct rk_hashcache *c, const char *key, int64_t size,
                              const char *stamp);

/* Metadata blobs: store data (hex sha256 into sha), load by sha (verified). A memory-only
 * cache stores nothing; get returns 0 with *found 0 when absent or when the bytes do not
 * match their name. */
int rk_hashcache_blob_put(struct rk_hashcache *c, const void *data, size_t len, char sha[65],
                          struct rk_err *e);
int rk_hashcache_blob_get(struct rk_hashcache *c, const char *sha, struct rk_buf *out, int *found,
                          struct rk_err *e);

#endif
