/* github_etag.c - the ETag cache of github.h: {"version":1,"entries":{url:{etag,body,link}}} */
#include "github_priv.h"
#include "buf.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ETAG_MAX_ENTRIES 20000

static json_object *new_cache(void)
{
    json_object *doc = json_object_new_object();
    rk_json_set_int(doc, "version", 1);
    rk_json_set(doc, "entries", json_object_new_object());
    return doc;
}

/* the parsed cache file, or NULL (missing file: a new cache; unusable file: warned) */
static json_object *read_cache(const char *path, struct rk_err *e)
{
    struct rk_buf b;
    struct rk_err pe;
    json_object *doc = NULL;
    if (access(path, F_OK) < 0 && errno == ENOENT)
        return new_cache();
    rk_buf_init(&b, RK_JSON_MAX);
    rk_err_clear(&pe);
    if (rk_read_file(path, &b, &pe) == 0)
        rk_json_parse(b.data, b.len, path, &doc, &pe);
    rk_buf_release(&b);
    if (pe.code == RK_SYSTEM) {
        rk_err_set(e, RK_SYSTEM, "%s", pe.msg);
        return NULL;
    }
    if (!doc || rk_json_int(doc, "version", 0) != 1 || !rk_json_obj(doc, "entries")) {
        rk_log_warn("ignoring the ETag cache '%s': %s", path,
                    pe.code ? pe.msg : "not a relkit ETag cache");
        json_object_put(doc);
        return new_cache();
    }
    return doc;
}

int rk_github_etag_load(struct rk_github *g, const char *path, struct rk_err *e)
{
    json_object *doc;
    char *copy = strdup(path);
    if (!copy)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    doc = read_cache(path, e);
    if (!doc) {
        free(copy);
        return -1;
    }
    json_object_put(g->etags);
    free(g->etag_path);
    g->etags = doc;
    g->etag_path = copy;
    g->etag_dirty = 0;
    return 0;
}

int rk_github_etag_save(struct rk_github *g, struct rk_err *e)
{
    const char *text;
    if (!g->etags || !g->etag_path || !g->etag_dirty)
        return 0;
    text = json_object_to_json_string_ext(g->etags,
                                          JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (rk_write_file_atomic(g->etag_path, text, strlen(text), 0600, e) < 0)
        return -1;
    g->etag_dirty = 0;
    return 0;
}

const char *rk_gh_etag_get(struct rk_github *g, const char *url, const char **body,
                           const char **link)
{
    json_object *entry = g->etags ? rk_json_obj(rk_json_obj(g->etags, "entries"), url) : NULL;
    const char *etag = entry ? rk_json_str(entry, "etag") : NULL;
    if (!etag || !rk_json_str(entry, "body"))
        return NULL;
    if (body)
        *body = rk_json_str(entry, "body");
    if (link)
        *link = rk_json_str(entry, "link");
    return etag;
}

void rk_gh_etag_put(struct rk_github *g, const char *url, const char *etag, const char *body,
                    const char *link)
{
    json_object *entries = g->etags ? rk_json_obj(g->etags, "entries") : NULL, *entry;
    if (!entries || strpbrk(etag, "\r\n"))
        return;
    if (!rk_json_obj(entries, url) && json_object_object_length(entries) >= ETAG_MAX_ENTRIES)
        return;
    entry = json_object_new_object();
    rk_json_set_str(entry, "etag", etag);
    rk_json_set_str(entry, "body", body);
    if (link)
        rk_json_set_str(entry, "link", link);
    rk_json_set(entries, url, entry);
    g->etag_dirty = 1;
}
