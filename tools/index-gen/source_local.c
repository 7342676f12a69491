/* source_local.c - distribution files in local directories */
#include "index_gen.h"
#include "buf.h"
#include "digest.h"
#include "err.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"
#include "wheel_check.h"
#include "zip.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* length of the first component of p (p not starting with '/') */
static size_t comp_len(const char *p)
{
    return strcspn(p, "/");
}

/* "../../x/y" from directory `from` to path `to` (both absolute, canonical); owned */
static char *relative_path(const char *from, const char *to)
{
    struct rk_buf b;
    const char *f = from + 1, *t = to + 1;
    while (*f && *t && comp_len(f) == comp_len(t) && strncmp(f, t, comp_len(f)) == 0) {
        size_t n = comp_len(f);
        f += n + (f[n] == '/'), t += n + (t[n] == '/');
    }
    rk_buf_init(&b, 0);
    while (*f) {
        size_t n = comp_len(f);
        rk_buf_puts(&b, "../");
        f += n + (f[n] == '/');
    }
    rk_buf_puts(&b, t);
    return rk_buf_detach(&b, NULL);
}

/* the METADATA of a wheel that passes the checks wheel-retag makes (common/wheel_check.h):
 * a wheel it would refuse is refused here too, before its metadata is published */
static int wheel_metadata(const char *path, const char *name, struct rk_buf *out, struct rk_err *e)
{
    struct rk_zip_dir d;
    struct rk_wheel_core w;
    struct rk_buf swap;
    int rc = -1, fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rk_err_errno(e, RK_SYSTEM, "unable to open '%s'", path);
    rk_zip_dir_init(&d);
    rk_wheel_core_init(&w);
    if (rk_zip_dir_read(&d, fd, name, e) == 0 && rk_wheel_core_check(&w, fd, &d, name, e) == 0) {
        swap = *out, *out = w.meta_text, w.meta_text = swap;
        rc = 0;
    }
    rk_wheel_core_release(&w);
    rk_zip_dir_release(&d);
    close(fd);
    return rc;
}

/* write PATH.metadata unless it already holds these bytes */
static int write_sidecar(const char *path, const struct rk_buf *text, const char *sha, int dry_run,
                         struct rk_err *e)
{
    char mpath[PATH_MAX + 16], have[RK_SHA256_HEX_LEN] = "";
    unsigned char d[RK_SHA256_LEN];
    struct rk_err ignored;
    snprintf(mpath, sizeof(mpath), "%s.metadata", path);
    rk_err_clear(&ignored);
    if (rk_sha256_file(mpath, d, NULL, &ignored) == 0)
        rk_hex(d, sizeof(d), have);
    if (strcmp(have, sha) == 0 || dry_run)
        return 0;
    rk_log_verbose("writing '%s'", mpath);
    return rk_write_file_atomic(mpath, text->data ? text->data : "", text->len, 0644, e);
}

/* sha256, requires-python and the metadata of one wheel/sdist, through the cache */
static int file_facts(struct ig_run *r, const char *path, const char *name, const struct stat *st,
                      struct rk_pyfile *f, struct rk_err *e)
{
    char key[PATH_MAX + 8], stamp[64], msha[RK_SHA256_HEX_LEN] = "";
    json_object *ent;
    struct rk_buf text;
    int found = 0, rc = 0;
    unsigned char d[RK_SHA256_LEN];
    snprintf(key, sizeof(key), "file:%s", path);
    snprintf(stamp, sizeof(stamp), "%lld.%09ld", (long long)st->st_mtim.tv_sec,
             (long)st->st_mtim.tv_nsec);
    rk_buf_init(&text, RK_WHEEL_META_MAX);
    ent = rk_hashcache_get(&r->cache, key, (int64_t)st->st_size, stamp);
    if (ent && rk_json_str(ent, "sha256"))
        snprintf(f->sha256, sizeof(f->sha256), "%s", rk_json_str(ent, "sha256"));
    if (ent && f->kind == RK_PY_WHEEL && rk_json_str(ent, "metadata") &&
        rk_json_bool(ent, "checked", 0))
        rk_hashcache_blob_get(&r->cache, rk_json_str(ent, "metadata"), &text, &found, e);
    if (!f->sha256[0]) {
        if ((rc = rk_sha256_file(path, d, NULL, e)) < 0)
            goto out;
        rk_hex(d, sizeof(d), f->sha256);
    }
    if (f->kind == RK_PY_WHEEL && !found && (rc = wheel_metadata(path, name, &text, e)) < 0)
        goto out;
    if (f->kind == RK_PY_WHEEL) {
        if ((rc = rk_hashcache_blob_put(&r->cache, text.data ? text.data : "", text.len, msha, e)) <
                0 ||
            (rc = write_sidecar(path, &text, msha, r->o->dry_run, e)) < 0)
            goto out;
        f->has_metadata = 1;
        memcpy(f->metadata_sha256, msha, sizeof(msha));
        f->requires_python = ig_requires_python(text.data ? text.data : "", text.len, name);
    }
    if (!ent || found == 0) {
        ent = rk_hashcache_put(&r->cache, key, (int64_t)st->st_size, stamp);
        rk_json_set_str(ent, "sha256", f->sha256);
        if (msha[0]) {
            rk_json_set_str(ent, "metadata", msha);
            rk_json_set_bool(ent, "checked", 1); /* the wheel passed rk_wheel_core_check */
        }
    }
out:
    rk_buf_release(&text);
    return rc;
}

static int add_file(struct ig_run *r, const char *dir_real, const char *out_real, const char *name,
                    struct rk_err *e)
{
    char project[256], version[256], path[PATH_MAX], t[32];
    struct rk_pyfile f;
    struct stat st;
    int kind, rc;
    if (ig_parse_filename(name, project, sizeof(project), version, sizeof(version), &kind) < 0) {
        if (kind || strstr(name, ".whl") || strstr(name, ".tar.gz"))
            rk_log_warn("skipping '%s': not a valid distribution file name", name);
        return 0;
    }
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir_real, name) >= sizeof(path)) {
        rk_log_warn("skipping '%s': path too long", name);
        return 0;
    }
    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
        return 0;
    memset(&f, 0, sizeof(f));
    f.filename = (char *)name, f.project = project, f.version = version, f.kind = kind;
    f.size = (int64_t)st.st_size;
    ig_iso_time((int64_t)st.st_mtim.tv_sec, t);
    f.upload_time = t;
    f.origin = (char *)dir_real;
    if (r->o->base_url) {
        char *esc = rk_url_escape(name);
        struct rk_buf u;
        rk_buf_init(&u, 0);
        rk_buf_printf(&u, "%s%s%s", r->o->base_url,
                      r->o->base_url[0] && r->o->base_url[strlen(r->o->base_url) - 1] == '/' ? ""
                                                                                             : "/",
                      esc ? esc : name);
        free(esc);
        f.url = rk_buf_detach(&u, NULL);
    } else {
        f.url = relative_path(out_real, path);
    }
    rc = file_facts(r, path, name, &st, &f, e);
    if (rc == 0 && !rk_pyindex_add(&r->index, &f, e))
        rc = -1;
    free(f.url);
    free(f.requires_python);
    if (rc < 0)
        rk_err_prefix(e, "'%s'", path);
    return rc;
}

static int canonical_output(const char *out, char *real, struct ig_run *r, struct rk_err *e)
{
    if (!r->o->dry_run && rk_mkdir_p(out, 0755, e) < 0)
        return -1;
    if (!realpath(out, real)) {
        if (errno != ENOENT || !r->o->dry_run)
            return rk_err_errno(e, RK_SYSTEM, "unable to resolve '%s'", out);
        snprintf(real, PATH_MAX, "%s", out);
    }
    return 0;
}

int ig_source_dir(struct ig_run *r, const char *dir, struct rk_err *e)
{
    char dir_real[PATH_MAX], out_real[PATH_MAX];
    struct dirent *de;
    DIR *d;
    int rc = 0;
    if (!realpath(dir, dir_real) || !(d = opendir(dir_real)))
        return rk_err_errno(e, errno == ENOENT || errno == ENOTDIR ? RK_INPUT : RK_SYSTEM,
                            "unable to open directory '%s'", dir);
    if (canonical_output(r->o->output, out_real, r, e) < 0) {
        closedir(d);
        return -1;
    }
    while (rc == 0 && (de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            rc = add_file(r, dir_real, out_real, de->d_name, e);
    closedir(d);
    return rc;
}
