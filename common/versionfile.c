/* versionfile.c - see versionfile.h */
#include "versionfile.h"
#include "buf.h"
#include "err.h"
#include "fs.h"
#include "jsonio.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rk_vfiles_init(struct rk_vfiles *f)
{
    f->v = NULL;
    f->n = 0;
}

static void vfile_release(struct rk_vfile *v)
{
    free(v->component);
    free(v->path);
    free(v->key);
    free(v->raw);
    memset(v, 0, sizeof(*v));
}

void rk_vfiles_release(struct rk_vfiles *f)
{
    for (size_t i = 0; i < f->n; i++)
        vfile_release(&f->v[i]);
    free(f->v);
    rk_vfiles_init(f);
}

static int is_version_name(const char *base)
{
    return strcmp(base, "version.json") == 0 || strcmp(base, "version_info.json") == 0 ||
           strcmp(base, "VERSION") == 0 || strcmp(base, "version.txt") == 0;
}

/* component name of a path (owned) */
static char *component_of(const char *path)
{
    const char *base = rk_basename(path), *dot;
    if (is_version_name(base) && base > path + 1) {
        const char *end = base - 1, *start = end;
        while (start > path && start[-1] != '/')
            start--;
        if (end > start && !(end - start == 1 && *start == '.') &&
            !(end - start == 2 && start[0] == '.' && start[1] == '.'))
            return strndup(start, (size_t)(end - start));
    }
    dot = strrchr(base, '.');
    return strndup(base, dot && dot > base ? (size_t)(dot - base) : strlen(base));
}

/* the version inside a JSON document (borrowed from doc); *key gets the key used (owned) */
static const char *json_version(json_object *doc, const char *want, char **key)
{
    static const char *const keys[] = {"package-version", "version"};
    for (size_t i = 0; i < 2 || want; i++) {
        const char *k = want ? want : keys[i];
        const char *v = rk_json_str(doc, k);
        if (v) {
            *key = strdup(k);
            return v;
        }
        if (want)
            break;
    }
    return NULL;
}

/* the first line that is neither empty nor a '#' comment, trimmed (owned) */
static char *plain_version(const char *text)
{
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n > 0 && isspace((unsigned char)*p))
            p++, n--;
        while (n > 0 && isspace((unsigned char)p[n - 1]))
            n--;
        if (n > 0 && *p != '#')
            return strndup(p, n);
        if (!end)
            break;
        p = end + 1;
    }
    return NULL;
}

static int read_version(struct rk_vfile *v, const char *want_key, struct rk_err *e)
{
    struct rk_buf b;
    const char *p;
    int rc = 0;
    rk_buf_init(&b, RK_VFILE_MAX_SIZE);
    if (rk_read_file(v->path, &b, e) < 0) {
        rk_buf_release(&b);
        return -1;
    }
    for (p = rk_buf_cstr(&b); isspace((unsigned char)*p); p++)
        ;
    if (*p == '{' || want_key) {
        json_object *doc = NULL;
        const char *s;
        if (rk_json_parse(b.data ? b.data : "", b.len, v->path, &doc, e) < 0) {
            rc = -1;
        } else if (!(s = json_version(doc, want_key, &v->key))) {
            rc = rk_err_set(e, RK_INPUT, "'%s': no \"%s\" string", v->path,
                            want_key ? want_key : "package-version");
        } else if (!(v->raw = strdup(s)) || !v->key) {
            rc = rk_err_set(e, RK_SYSTEM, "out of memory");
        }
        if (doc)
            json_object_put(doc);
    } else if (!(v->raw = plain_version(rk_buf_cstr(&b)))) {
        rc = rk_err_set(e, RK_INPUT, "'%s': no version in the file", v->path);
    }
    rk_buf_release(&b);
    if (rc == 0 && rk_pep440_parse(v->raw, &v->v, e) < 0)
        rc = rk_err_prefix(e, "'%s'", v->path);
    return rc;
}

static int parse_spec(const char *spec, struct rk_vfile *v, char **key, struct rk_err *e)
{
    const char *eq = strchr(spec, '='), *hash;
    const char *path = eq ? eq + 1 : spec;
    hash = strchr(path, '#');
    *key = hash && hash[1] ? strdup(hash + 1) : NULL;
    v->path = hash ? strndup(path, (size_t)(hash - path)) : strdup(path);
    v->component =
        eq ? strndup(spec, (size_t)(eq - spec)) : (v->path ? component_of(v->path) : NULL);
    if (!v->path || !v->component || (hash && hash[1] && !*key))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    if (!*v->path || !*v->component)
        return rk_err_set(e, RK_USAGE, "invalid version file '%s': expected [COMPONENT=]PATH[#KEY]",
                          spec);
    return 0;
}

int rk_vfiles_add(struct rk_vfiles *f, const char *spec, struct rk_err *e)
{
    struct rk_vfile v, *nv;
    char *key = NULL;
    memset(&v, 0, sizeof(v));
    if (parse_spec(spec, &v, &key, e) < 0 || read_version(&v, key, e) < 0)
        goto fail;
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->v[i].component, v.component) == 0) {
            rk_err_set(e, RK_USAGE,
                       "two version files for component '%s' ('%s', '%s'): name "
                       "them COMPONENT=PATH",
                       v.component, f->v[i].path, v.path);
            goto fail;
        }
    nv = realloc(f->v, (f->n + 1) * sizeof(*nv));
    if (!nv) {
        rk_err_set(e, RK_SYSTEM, "out of memory");
        goto fail;
    }
    f->v = nv;
    f->v[f->n++] = v;
    free(key);
    return 0;
fail:
    free(key);
    vfile_release(&v);
    return -1;
}

int rk_vfiles_max(const struct rk_vfiles *f)
{
    int best = -1;
    for (size_t i = 0; i < f->n; i++)
        if (best < 0 || rk_pep440_cmp(&f->v[i].v, &f->v[best].v) > 0)
            best = (int)i;
    return best;
}

int rk_version_base(const struct rk_pep440 *v, char *out, size_t n)
{
    struct rk_pep440 b = *v;
    rk_pep440_make_final(&b);
    b.has_post = 0;
    b.post = 0;
    return rk_pep440_format(&b, out, n);
}

int rk_version_increment(struct rk_pep440 *v, const char *part, struct rk_err *e)
{
    size_t idx;
    if (part && strcmp(part, "major") == 0)
        idx = 0;
    else if (part && strcmp(part, "minor") == 0)
        idx = 1;
    else if (part && strcmp(part, "patch") == 0)
        idx = 2;
    else
        return rk_err_set(e, RK_USAGE, "invalid increment '%s': expected major, minor or patch",
                          part ? part : "");
    while (v->nrelease < 3)
        v->release[v->nrelease++] = 0;
    if (v->release[idx] == INT64_MAX)
        return rk_err_set(e, RK_INPUT, "version number too large to increment");
    v->release[idx]++;
    for (size_t i = idx + 1; i < v->nrelease; i++)
        v->release[i] = 0;
    return 0;
}

/* [start, end) of the release part of raw ("v1!3.1.0.dev" -> "3.1.0") */
static int release_span(const char *raw, size_t *start, size_t *end)
{
    size_t i = 0, j;
    while (isspace((unsigned char)raw[i]))
        i++;
    if (raw[i] == 'v' || raw[i] == 'V')
        i++;
    for (j = i; isdigit((unsigned char)raw[j]); j++)
        ;
    if (raw[j] == '!' && j > i)
        i = j + 1;
    j = i;
    while (isdigit((unsigned char)raw[j]) ||
           (raw[j] == '.' && j > i && isdigit((unsigned char)raw[j + 1])))
        j++;
    if (j == i)
        return -1;
    *start = i;
    *end = j;
    return 0;
}

int rk_version_retext(const char *raw, const struct rk_pep440 *v, char *out, size_t n,
                      struct rk_err *e)
{
    struct rk_buf b;
    size_t s, t;
    int rc = 0;
    if (release_span(raw, &s, &t) < 0)
        return rk_err_set(e, RK_INPUT, "invalid version '%s'", raw);
    rk_buf_init(&b, n);
    rc |= rk_buf_append(&b, raw, s);
    for (size_t i = 0; i < v->nrelease; i++)
        rc |= rk_buf_printf(&b, "%s%lld", i ? "." : "", (long long)v->release[i]);
    rc |= rk_buf_puts(&b, raw + t);
    if (rc == 0)
        memcpy(out, rk_buf_cstr(&b), b.len + 1);
    rk_buf_release(&b);
    return rc ? rk_err_set(e, RK_INPUT, "version '%s' is too long", raw) : 0;
}

static int write_plain(const struct rk_vfile *f, const char *text, struct rk_err *e)
{
    struct rk_buf in, out;
    const char *hit;
    int rc;
    rk_buf_init(&in, RK_VFILE_MAX_SIZE);
    rk_buf_init(&out, RK_VFILE_MAX_SIZE + 4096);
    rc = rk_read_file(f->path, &in, e);
    if (rc == 0) {
        hit = strstr(rk_buf_cstr(&in), f->raw);
        if (hit)
            rc = rk_buf_append(&out, in.data, (size_t)(hit - in.data)) | rk_buf_puts(&out, text) |
                 rk_buf_puts(&out, hit + strlen(f->raw));
        else
            rc = rk_buf_printf(&out, "%s\n", text);
        rc = rc ? rk_err_set(e, RK_SYSTEM, "'%s': out of memory", f->path)
                : rk_write_file_atomic(f->path, out.data, out.len, 0644, e);
    }
    rk_buf_release(&in);
    rk_buf_release(&out);
    return rc;
}

static int write_json(const struct rk_vfile *f, const char *text, struct rk_err *e)
{
    struct rk_buf in;
    json_object *doc = NULL;
    int rc;
    rk_buf_init(&in, RK_VFILE_MAX_SIZE);
    rc = rk_read_file(f->path, &in, e);
    if (rc == 0)
        rc = rk_json_parse(in.data ? in.data : "", in.len, f->path, &doc, e);
    if (rc == 0 && !json_object_is_type(doc, json_type_object)) /* changed since it was read */
        rc = rk_err_set(e, RK_INPUT, "'%s': not a JSON object", f->path);
    if (rc == 0) {
        rk_json_set_str(doc, f->key, text);
        rc = rk_json_write_file(f->path, doc, e);
    }
    if (doc)
        json_object_put(doc);
    rk_buf_release(&in);
    return rc;
}

int rk_vfile_write(const struct rk_vfile *f, const char *text, struct rk_err *e)
{
    return f->key ? write_json(f, text, e) : write_plain(f, text, e);
}

int rk_version_local_write(const char *path, const char *version, const char *rev_key,
                           const char *sha, struct rk_err *e)
{
    json_object *doc = json_object_new_object();
    int rc;
    rk_json_set_str(doc, "package-version", version);
    if (rev_key && sha)
        rk_json_set_str(doc, rev_key, sha);
    rc = rk_json_write_file(path, doc, e);
    json_object_put(doc);
    return rc;
}

char *rk_version_local_path(const struct rk_vfile *f)
{
    const char *base = rk_basename(f->path);
    char *dir, *out;
    if (base == f->path)
        return strdup("version_local.json");
    dir = base - f->path == 1 ? strdup("/") : strndup(f->path, (size_t)(base - f->path - 1));
    out = dir ? rk_path_join(dir, "version_local.json") : NULL;
    free(dir);
    return out;
}
