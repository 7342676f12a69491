/*
 * github_etag.c - the ETag cache of github.h: a directory, one file per URL.
 *
 * An entry is DIR/<sha256 hex of the URL>:
 *     "relkit-etag 2\n" URL "\n" ETAG "\n" LINK "\n" "raw " LEN " " CRC32 "\n" BODY
 * LEN and CRC32 (8 hex digits) are those of the BODY bytes, stored as given: the answer, or
 * for an answer read slim the text rk_json_slim kept of it (github.c, under its own key
 * rk_gh_cache_key). Not compressed: gzip'ing the 63 MB of a 1,000-release list took ~0.15 s of
 * CPU on every full generation (level 1), more than parsing it. An entry that
 * does not check out (torn, truncated, another URL, over the body cap, the gzip'd entries of
 * version 1) is a cache miss. It is checked when its ETag is first wanted, so that
 * If-None-Match is only sent for entries that can answer a 304; the text read then is kept
 * for the 304 (read again only when it was let go, see below). Entries are written at
 * rk_github_etag_save: a temporary name, then rename, not fsync'd (a torn entry fails its checks).
 * Until then the answers' own buffers are kept (taken from the response, not copied), within
 * ETAG_MAX_PENDING entries and ETAG_MAX_PENDING_BYTES (past those, answers are not cached). Entries
 * used by the run get their mtime refreshed; entries unused for ETAG_MAX_AGE are removed, and so
 * are temporary files a killed save left behind.
 *
 * The in-memory state lives in g->etags (owned json_object; github.c only tests it for NULL
 * and releases it): {"pending": {url: {etag, link, len}}, "head": {url: {etag, link}|null},
 * "used": {url: null}, "loaded": {etag, link, len}}; the body of a "pending" or "loaded" entry
 * is the object's userdata (owned, freed with it). A "head" entry holds the text it was
 * checked from the same way, until its body is loaded (then "loaded" is that entry, and its
 * text is freed when the next body is loaded): a 304 costs no second read and CRC. Strings returned
 * by rk_gh_etag_get are borrowed from it; a loaded body until the next rk_gh_etag_get.
 */
#include "github_priv.h"
#include "buf.h"
#include "digest.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define ETAG_MAGIC "relkit-etag 2\n"
#define ETAG_HEAD_MAX 16384                         /* URL, ETag, Link lines */
#define ETAG_MAX_AGE ((time_t)30 * 24 * 3600)       /* unused entries are removed after this */
#define ETAG_MAX_PENDING 20000                      /* new entries kept for one save */
#define ETAG_MAX_PENDING_BYTES ((int64_t)512 << 20) /* and their bodies, in memory until then */
#define ETAG_TMP_MAX_AGE ((time_t)24 * 3600)        /* temporary files left by a killed save */
#define ETAG_THREADS 4                              /* checksums and writes at save */

static void free_body(json_object *o, void *body)
{
    (void)o;
    free(body);
}

static size_t body_cap(const struct rk_github *g)
{
    return g->http.opts.max_body ? g->http.opts.max_body : RK_HTTP_DEFAULT_MAX_BODY;
}

/* DIR/<sha256(url)> (owned) or NULL */
static char *entry_path(const struct rk_github *g, const char *url)
{
    unsigned char d[RK_SHA256_LEN];
    char hex[RK_SHA256_HEX_LEN];
    struct rk_err ignored;
    rk_err_clear(&ignored);
    if (rk_sha256_buf(url, strlen(url), d, &ignored) < 0)
        return NULL;
    rk_hex(d, sizeof(d), hex);
    return rk_path_join(g->etag_path, hex);
}

static json_object *section(struct rk_github *g, const char *name)
{
    json_object *o = rk_json_obj(g->etags, name);
    if (!o) {
        o = json_object_new_object();
        rk_json_set(g->etags, name, o);
    }
    return o;
}

int rk_github_etag_load(struct rk_github *g, const char *path, struct rk_err *e)
{
    struct stat st;
    char *copy = strdup(path);
    if (!copy)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    json_object_put(g->etags);
    free(g->etag_path);
    g->etags = NULL;
    g->etag_path = copy;
    g->etag_dirty = 0;
    if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
        rk_log_warn("ignoring the ETag cache '%s': not a directory", path);
        return 0;
    }
    if (!(g->etags = json_object_new_object()))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    return 0;
}

/* ---- reading an entry ---- */

struct entry {
    char *text; /* owned: the whole file, NUL-terminated */
    size_t len;
    const char *url, *etag, *link; /* into text, NUL-terminated */
    size_t stored_len;
    unsigned long crc;
    size_t body_off;
};

/* cut the next line of text at *at; NULL when there is none */
static const char *line(char *text, size_t len, size_t *at)
{
    char *start = text + *at, *nl = memchr(start, '\n', len - *at);
    if (!nl)
        return NULL;
    *nl = '\0';
    *at = (size_t)(nl - text) + 1;
    return start;
}

/* the head of an entry (magic, URL, ETag, Link, stored size); 0 when well formed */
static int parse_head(struct entry *en, const char *url)
{
    size_t at = sizeof(ETAG_MAGIC) - 1;
    const char *sizes;
    char *end;
    if (en->len < at || memcmp(en->text, ETAG_MAGIC, at) != 0)
        return -1;
    en->url = line(en->text, en->len, &at);
    en->etag = line(en->text, en->len, &at);
    en->link = line(en->text, en->len, &at);
    sizes = line(en->text, en->len, &at);
    if (!sizes || strcmp(en->url, url) != 0 || !*en->etag)
        return -1;
    en->body_off = at;
    if (strncmp(sizes, "raw ", 4) != 0)
        return -1;
    errno = 0;
    en->stored_len = (size_t)strtoull(sizes + 4, &end, 10);
    if (errno || *end != ' ')
        return -1;
    en->crc = strtoul(end + 1, &end, 16);
    return *end ? -1 : 0;
}

/* read at most max bytes of path into en->text: a buffer of the file's size, read into
 * directly (grown only if the file grows while it is read) */
static int read_prefix(const char *path, size_t max, struct entry *en)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    size_t cap, len = 0;
    char *buf = NULL;
    if (fd < 0)
        return -1;
    /* room for the file, a byte more to see its end without growing, and the NUL */
    cap = 16384;
    if (fstat(fd, &st) == 0 && st.st_size > 0)
        cap = (uint64_t)st.st_size < max ? (size_t)st.st_size + 1 : max;
    cap = (cap < max ? cap : max) + 1;
    while (len < max) {
        ssize_t r;
        if (len + 1 >= cap || !buf) {
            size_t ncap = !buf ? cap : (cap - 1 < max / 2 ? 2 * (cap - 1) : max) + 1;
            char *p = realloc(buf, ncap);
            if (!p) {
                len = 0;
                break;
            }
            buf = p, cap = ncap;
        }
        r = read(fd, buf + len, cap - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    if (len == 0) {
        free(buf);
        return -1;
    }
    buf[len] = '\0';
    en->text = buf, en->len = len;
    return 0;
}

/* url's entry file, checked (head, size, CRC) */
static int read_entry(struct rk_github *g, const char *url, struct entry *en)
{
    char *path = entry_path(g, url);
    size_t max = ETAG_HEAD_MAX + body_cap(g);
    int rc;
    memset(en, 0, sizeof(*en));
    if (!path)
        return -1;
    rc = read_prefix(path, max, en);
    free(path);
    if (rc == 0)
        rc = parse_head(en, url);
    if (rc == 0 && (en->len - en->body_off != en->stored_len || en->stored_len > body_cap(g) ||
                    crc32_z(0L, (const Bytef *)en->text + en->body_off, en->stored_len) != en->crc))
        rc = -1;
    if (rc < 0) {
        free(en->text);
        memset(en, 0, sizeof(*en));
    }
    return rc;
}

/* entry o (a "pending" or "loaded" object) holds buf (owned), whose bytes [off, off + n)
 * are the body, NUL-terminated */
static void hold_body(json_object *o, char *buf, size_t off, size_t n)
{
    rk_json_set_int(o, "off", (int64_t)off);
    rk_json_set_int(o, "len", (int64_t)n);
    json_object_set_userdata(o, buf, free_body);
}

/* the body held by entry o (see hold_body), or NULL */
static const char *held_body(json_object *o, size_t *n)
{
    const char *buf = json_object_get_userdata(o);
    if (!buf)
        return NULL;
    *n = (size_t)rk_json_int(o, "len", 0);
    return buf + rk_json_int(o, "off", 0);
}

static void note_bad(struct rk_github *g, const char *url)
{
    rk_log_debug("ETag cache: no usable entry for '%s'", rk_gh_shown(g, url));
}

/* {etag, link} of url from its entry's head, remembered in "head"; NULL when absent */
static json_object *head_of(struct rk_github *g, const char *url)
{
    json_object *heads = section(g, "head"), *h;
    struct entry en;
    if (json_object_object_get_ex(heads, url, &h))
        return h;
    h = NULL;
    /* the whole entry is checked now: a 304 for a damaged one could not be answered */
    if (read_entry(g, url, &en) == 0) {
        h = json_object_new_object();
        rk_json_set_str(h, "etag", en.etag);
        if (*en.link)
            rk_json_set_str(h, "link", en.link);
        /* kept for the 304 that usually follows: the entry is neither read nor checked twice */
        hold_body(h, en.text, en.body_off, en.stored_len);
    }
    json_object_object_add(heads, url, h);
    return h;
}

/* the body "loaded" holds is freed (the object may live on in "head") */
static void drop_loaded(struct rk_github *g)
{
    json_object *l = rk_json_obj(g->etags, "loaded");
    if (l)
        json_object_set_userdata(l, NULL, NULL);
    json_object_object_del(g->etags, "loaded");
}

/* the whole entry of url into "loaded" (replacing the previous one); NULL when unusable */
static json_object *load_body(struct rk_github *g, const char *url, const char *etag)
{
    struct entry en;
    json_object *l = rk_json_obj(section(g, "head"), url);
    drop_loaded(g);
    if (l && json_object_get_userdata(l) && strcmp(rk_json_str(l, "etag"), etag) == 0) {
        rk_json_set(g->etags, "loaded", json_object_get(l)); /* the text head_of checked */
        json_object_object_add(section(g, "used"), url, NULL);
        return l;
    }
    if (read_entry(g, url, &en) < 0 || strcmp(en.etag, etag) != 0 ||
        !(l = json_object_new_object())) {
        free(en.text);
        note_bad(g, url);
        return NULL;
    }
    rk_json_set_str(l, "etag", en.etag);
    if (*en.link)
        rk_json_set_str(l, "link", en.link);
    hold_body(l, en.text, en.body_off, en.stored_len); /* the file's text, NUL-terminated */
    rk_json_set(g->etags, "loaded", l);
    json_object_object_add(section(g, "used"), url, NULL);
    return l;
}

const char *rk_gh_etag_get(struct rk_github *g, const char *url, const char **body,
                           size_t *body_len, const char **link)
{
    json_object *ent = NULL, *pending = g->etags ? rk_json_obj(g->etags, "pending") : NULL;
    const char *etag;
    if (!g->etags || !g->etag_path || strpbrk(url, "\r\n"))
        return NULL;
    if (!pending || !json_object_object_get_ex(pending, url, &ent)) {
        ent = head_of(g, url);
        if (ent && (body || link))
            ent = load_body(g, url, rk_json_str(ent, "etag"));
    }
    if (!ent || !(etag = rk_json_str(ent, "etag")))
        return NULL;
    if (body && !(*body = held_body(ent, body_len)))
        return NULL;
    if (link)
        *link = rk_json_str(ent, "link");
    return etag;
}

const char *rk_gh_etag_put(struct rk_github *g, const char *url, const char *etag,
                           struct rk_buf *body, const char *link)
{
    json_object *pending, *entry;
    size_t n = body->len;
    char *data;
    if (!g->etags || !g->etag_path || strpbrk(etag, "\r\n") || !*etag || strpbrk(url, "\r\n") ||
        (link && strpbrk(link, "\r\n")) || n > body_cap(g) || n > INT32_MAX ||
        strlen(url) + strlen(etag) + (link ? strlen(link) : 0) + 64 > ETAG_HEAD_MAX)
        return NULL;
    pending = section(g, "pending");
    if (!rk_json_obj(pending, url) &&
        (json_object_object_length(pending) >= ETAG_MAX_PENDING ||
         rk_json_int(g->etags, "pending_bytes", 0) + (int64_t)n > ETAG_MAX_PENDING_BYTES))
        return NULL;
    if (!(entry = json_object_new_object()))
        return NULL;
    rk_json_set_int(g->etags, "pending_bytes",
                    rk_json_int(g->etags, "pending_bytes", 0) + (int64_t)n);
    rk_json_set_str(entry, "etag", etag);
    if (link)
        rk_json_set_str(entry, "link", link);
    data = rk_buf_detach(body, &n); /* NUL-terminated (buf.h), or a new "" */
    hold_body(entry, data, 0, n);
    rk_json_set(pending, url, entry);
    json_object_object_del(section(g, "head"), url);
    g->etag_dirty = 1;
    return data;
}

/* ---- saving ---- */

struct job {
    const char *url, *etag, *link, *body; /* borrowed from "pending" */
    size_t body_len;
    struct rk_buf out; /* the entry file's head */
    int failed;
    int rc;            /* of writing the entry file */
    struct rk_err err; /* its error */
};

static void build_entry(struct job *j)
{
    j->failed = rk_buf_printf(&j->out, "%s%s\n%s\n%s\nraw %zu %08lx\n", ETAG_MAGIC, j->url, j->etag,
                              j->link ? j->link : "", j->body_len,
                              crc32_z(0L, (const Bytef *)j->body, j->body_len)) < 0;
}

static int write_entry(struct rk_github *g, struct job *j, struct rk_err *e);

struct pool {
    struct rk_github *g;
    struct job *jobs;
    size_t n, next;
    pthread_mutex_t mu;
};

static void *worker(void *arg)
{
    struct pool *p = arg;
    for (;;) {
        struct job *j;
        size_t i;
        pthread_mutex_lock(&p->mu);
        i = p->next++;
        pthread_mutex_unlock(&p->mu);
        if (i >= p->n)
            return NULL;
        j = &p->jobs[i];
        build_entry(j);
        rk_err_clear(&j->err);
        j->rc = write_entry(p->g, j, &j->err);
    }
}

/* build and write every entry file, on up to ETAG_THREADS threads (the writes of tens of
 * megabytes into the page cache are most of the time of a save) */
static void build_all(struct rk_github *g, struct job *jobs, size_t n)
{
    struct pool p = {g, jobs, n, 0, PTHREAD_MUTEX_INITIALIZER};
    pthread_t t[ETAG_THREADS];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nt = cpus > 1 ? (size_t)cpus : 1, started = 0;
    if (nt > ETAG_THREADS)
        nt = ETAG_THREADS;
    if (nt > n)
        nt = n;
    for (size_t i = 1; i < nt; i++)
        if (pthread_create(&t[started], NULL, worker, &p) == 0)
            started++;
    worker(&p);
    for (size_t i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    pthread_mutex_destroy(&p.mu);
}

static int write_entry(struct rk_github *g, struct job *j, struct rk_err *e)
{
    char *path = entry_path(g, j->url);
    struct rk_atomic a;
    int rc = -1;
    if (!path || j->failed)
        rk_err_set(e, RK_SYSTEM, "unable to write the ETag cache '%s': out of memory",
                   g->etag_path);
    else if (rk_atomic_open(&a, path, 0600, e) == 0) {
        if (rk_write_all(a.fd, j->out.data, j->out.len, path, e) == 0 &&
            rk_write_all(a.fd, j->body, j->body_len, path, e) == 0 &&
            rename(a.tmp_path, a.final_path) == 0)
            rc = 0;
        else if (!e || e->code == RK_OK)
            rk_err_errno(e, RK_SYSTEM, "unable to rename into '%s'", path);
        if (rc == 0) {
            free(a.tmp_path);
            a.tmp_path = NULL;
        }
        rk_atomic_abort(&a);
    }
    free(path);
    return rc;
}

static int write_pending(struct rk_github *g, json_object *pending, struct rk_err *e)
{
    size_t n = (size_t)json_object_object_length(pending), i = 0;
    struct job *jobs = calloc(n ? n : 1, sizeof(*jobs));
    int rc = 0;
    if (!jobs)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    json_object_object_foreach(pending, url, ent)
    {
        struct job *j = &jobs[i++];
        j->url = url, j->etag = rk_json_str(ent, "etag"), j->link = rk_json_str(ent, "link");
        if (!(j->body = held_body(ent, &j->body_len)))
            j->body = "", j->body_len = 0;
        rk_buf_init(&j->out, 0);
    }
    build_all(g, jobs, n);
    for (i = 0; i < n; i++) {
        if (rc == 0 && jobs[i].rc < 0)
            rc = rk_err_set(e, jobs[i].err.code, "%s", jobs[i].err.msg);
        rk_buf_release(&jobs[i].out);
    }
    free(jobs);
    return rc;
}

/* entries used from disk: mtime now; entries nobody used for ETAG_MAX_AGE: removed */
static void touch_and_prune(struct rk_github *g)
{
    json_object *used = rk_json_obj(g->etags, "used");
    time_t now = time(NULL);
    struct dirent *de;
    DIR *d;
    if (used) {
        json_object_object_foreach(used, url, unused)
        {
            char *path = entry_path(g, url);
            (void)unused;
            if (path)
                utimensat(AT_FDCWD, path, NULL, 0);
            free(path);
        }
    }
    if (!(d = opendir(g->etag_path)))
        return;
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        int entry = strlen(de->d_name) == RK_SHA256_HEX_LEN - 1 &&
                    strspn(de->d_name, "0123456789abcdef") == RK_SHA256_HEX_LEN - 1,
            tmp = de->d_name[0] == '.' && strstr(de->d_name, ".tmp-") != NULL;
        if ((!entry && !tmp) || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISREG(st.st_mode))
            continue;
        if (now - st.st_mtime > (entry ? ETAG_MAX_AGE : ETAG_TMP_MAX_AGE))
            unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

int rk_github_etag_save(struct rk_github *g, struct rk_err *e)
{
    json_object *pending;
    if (!g->etags || !g->etag_path)
        return 0;
    pending = rk_json_obj(g->etags, "pending");
    if (!g->etag_dirty && !rk_json_obj(g->etags, "used"))
        return 0;
    if (rk_mkdir_p(g->etag_path, 0700, e) < 0)
        return -1;
    if (pending && write_pending(g, pending, e) < 0)
        return -1;
    touch_and_prune(g);
    json_object_object_del(g->etags, "pending");
    json_object_object_del(g->etags, "pending_bytes");
    json_object_object_del(g->etags, "used");
    g->etag_dirty = 0;
    return 0;
}
