/* oci_manifest.c - manifest media types, parsing, platforms and index filtering (oci.h) */
#include "oci.h"
#include "buf.h"
#include "err.h"
#include "jsonio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DESCRIPTORS 4096

static int media_is(const char *mt, const char *want)
{
    size_t n = strlen(want);
    return mt && strncasecmp(mt, want, n) == 0 && (mt[n] == '\0' || mt[n] == ';' || mt[n] == ' ');
}

enum rk_oci_kind rk_oci_media_kind(const char *mt)
{
    if (media_is(mt, RK_OCI_MT_OCI_MANIFEST) || media_is(mt, RK_OCI_MT_DOCKER_MANIFEST))
        return RK_OCI_IMAGE;
    if (media_is(mt, RK_OCI_MT_OCI_INDEX) || media_is(mt, RK_OCI_MT_DOCKER_LIST))
        return RK_OCI_INDEX;
    return RK_OCI_UNKNOWN;
}

void rk_oci_manifest_release(struct rk_oci_manifest *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->desc[i].media_type);
        free(m->desc[i].digest);
        free(m->desc[i].platform);
    }
    free(m->desc);
    free(m->media_type);
    free(m->subject);
    memset(m, 0, sizeof(*m));
}

static char *dup_media(const char *mt)
{
    size_t n = strcspn(mt, "; ");
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, mt, n);
        s[n] = '\0';
    }
    return s;
}

/* "os/arch[/variant]" of an index entry, or NULL */
static char *platform_of(json_object *d)
{
    json_object *p = rk_json_obj(d, "platform");
    const char *os = rk_json_str(p, "os"), *arch = rk_json_str(p, "architecture");
    const char *var = rk_json_str(p, "variant");
    size_t n;
    char *s;
    if (!p || !os || !arch || !*os || !*arch)
        return NULL;
    n = strlen(os) + strlen(arch) + (var ? strlen(var) : 0) + 3;
    if ((s = malloc(n)))
        snprintf(s, n, "%s/%s%s%s", os, arch, var && *var ? "/" : "", var && *var ? var : "");
    return s;
}

static int is_foreign(json_object *d, const char *mt)
{
    json_object *urls = rk_json_array(d, "urls");
    return urls && json_object_array_length(urls) > 0 &&
           (strstr(mt, "foreign") || strstr(mt, "nondistributable"));
}

static int desc_parse(json_object *d, int want_platform, struct rk_oci_desc *out, struct rk_err *e)
{
    const char *mt = rk_json_str(d, "mediaType"), *dg = rk_json_str(d, "digest");
    json_object *sz;
    memset(out, 0, sizeof(*out));
    if (!json_object_is_type(d, json_type_object) || !mt || !dg ||
        !json_object_object_get_ex(d, "size", &sz) || !json_object_is_type(sz, json_type_int))
        return rk_err_set(e, RK_INPUT,
                          "invalid manifest: a descriptor lacks mediaType, "
                          "digest or size");
    if (!rk_oci_valid_digest(dg))
        return rk_err_set(e, RK_INPUT, "invalid manifest: bad digest '%.200s'", dg);
    out->size = json_object_get_int64(sz);
    if (out->size < 0)
        return rk_err_set(e, RK_INPUT, "invalid manifest: negative size for '%s'", dg);
    out->media_type = strdup(mt);
    out->digest = strdup(dg);
    out->foreign = is_foreign(d, mt);
    if (want_platform)
        out->platform = platform_of(d);
    if (!out->media_type || !out->digest)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    return 0;
}

static int add_descs(struct rk_oci_manifest *m, json_object *arr, int want_platform,
                     struct rk_err *e)
{
    size_t n = arr ? json_object_array_length(arr) : 0;
    struct rk_oci_desc *v;
    if (m->n + n > MAX_DESCRIPTORS)
        return rk_err_set(e, RK_INPUT, "invalid manifest: more than %d descriptors",
                          MAX_DESCRIPTORS);
    if (n == 0)
        return 0;
    if (!(v = realloc(m->desc, (m->n + n) * sizeof(*v))))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    m->desc = v;
    for (size_t i = 0; i < n; i++) {
        int rc = desc_parse(json_object_array_get_idx(arr, i), want_platform, &v[m->n], e);
        m->n++; /* released by the caller even when half-filled */
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* the manifest's media type: its own field, else the Content-Type, else inferred */
static const char *pick_media(json_object *doc, const char *content_type)
{
    const char *mt = rk_json_str(doc, "mediaType");
    if (mt)
        return mt;
    if (content_type && rk_oci_media_kind(content_type) != RK_OCI_UNKNOWN)
        return content_type;
    if (rk_json_array(doc, "manifests"))
        return RK_OCI_MT_OCI_INDEX;
    if (rk_json_obj(doc, "config"))
        return RK_OCI_MT_OCI_MANIFEST;
    return content_type ? content_type : "";
}

static int parse_body(json_object *doc, const char *content_type, struct rk_oci_manifest *m,
                      struct rk_err *e)
{
    const char *mt = pick_media(doc, content_type);
    json_object *config = rk_json_obj(doc, "config"), *subject = rk_json_obj(doc, "subject");
    if (json_object_get_int(json_object_object_get(doc, "schemaVersion")) == 1 ||
        strstr(mt, "vnd.docker.distribution.manifest.v1"))
        return rk_err_set(e, RK_INPUT, "Docker schema 1 manifests are not supported");
    m->kind = rk_oci_media_kind(mt);
    if (m->kind == RK_OCI_UNKNOWN)
        return rk_err_set(e, RK_INPUT, "unsupported manifest media type '%.200s'", mt);
    if (!(m->media_type = dup_media(mt)))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    if (subject && rk_oci_valid_digest(rk_json_str(subject, "digest")) &&
        !(m->subject = strdup(rk_json_str(subject, "digest"))))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    if (m->kind == RK_OCI_INDEX) {
        if (!rk_json_array(doc, "manifests"))
            return rk_err_set(e, RK_INPUT, "invalid index: no \"manifests\" list");
        return add_descs(m, rk_json_array(doc, "manifests"), 1, e);
    }
    if (!config)
        return rk_err_set(e, RK_INPUT, "invalid manifest: no \"config\"");
    json_object *one = json_object_new_array();
    json_object_array_add(one, json_object_get(config));
    int rc = add_descs(m, one, 0, e);
    json_object_put(one);
    return rc < 0 ? -1 : add_descs(m, rk_json_array(doc, "layers"), 0, e);
}

int rk_oci_manifest_parse(const void *p, size_t n, const char *content_type,
                          struct rk_oci_manifest *m, struct rk_err *e)
{
    json_object *doc = NULL;
    int rc;
    memset(m, 0, sizeof(*m));
    if (n > RK_OCI_MANIFEST_MAX)
        return rk_err_set(e, RK_INPUT, "manifest too large (%zu bytes)", n);
    if (rk_json_parse(p, n, "manifest", &doc, e) < 0)
        return -1;
    if (!json_object_is_type(doc, json_type_object))
        rc = rk_err_set(e, RK_INPUT, "invalid manifest: not a JSON object");
    else
        rc = parse_body(doc, content_type, m, e);
    json_object_put(doc);
    if (rc < 0)
        rk_oci_manifest_release(m);
    return rc;
}

/* ---- platforms ---- */

static int split_platform(const char *s, char parts[3][64])
{
    int n = 0;
    const char *p = s;
    memset(parts, 0, 3 * 64);
    for (;;) {
        size_t len = strcspn(p, "/");
        if (len == 0 || len >= 64 || n == 3)
            return -1;
        memcpy(parts[n++], p, len);
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    return n >= 2 ? n : -1;
}

int rk_oci_platform_valid(const char *pattern)
{
    char parts[3][64];
    if (!pattern || split_platform(pattern, parts) < 0)
        return 0;
    for (int i = 0; i < 3; i++)
        for (const char *c = parts[i]; *c; c++)
            if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_.-", *c))
                return 0;
    return 1;
}

int rk_oci_platform_match(const char *pattern, const char *platform)
{
    char a[3][64], b[3][64];
    if (!pattern || !platform || split_platform(pattern, a) < 0 || split_platform(platform, b) < 0)
        return 0;
    if (strcmp(a[0], b[0]) || strcmp(a[1], b[1]))
        return 0;
    if (!a[2][0] || !strcmp(a[2], b[2]))
        return 1;
    /* arm64 is v8 unless said otherwise */
    return !strcmp(a[1], "arm64") && !b[2][0] && !strcmp(a[2], "v8");
}

static int entry_matches(json_object *d, const char *const *pats, size_t np)
{
    char *plat = platform_of(d);
    int ok = 0;
    for (size_t i = 0; plat && i < np && !ok; i++)
        ok = rk_oci_platform_match(pats[i], plat);
    free(plat);
    return ok;
}

int rk_oci_index_filter(const void *p, size_t n, const char *const *patterns, size_t npat,
                        struct rk_buf *out, size_t *kept, struct rk_err *e)
{
    json_object *doc = NULL, *list, *keep;
    int rc = 0;
    *kept = 0;
    if (rk_json_parse(p, n, "index", &doc, e) < 0)
        return -1;
    if (!(list = rk_json_array(doc, "manifests"))) {
        json_object_put(doc);
        return rk_err_set(e, RK_INPUT, "invalid index: no \"manifests\" list");
    }
    keep = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *d = json_object_array_get_idx(list, i);
        if (entry_matches(d, patterns, npat)) {
            json_object_array_add(keep, json_object_get(d));
            (*kept)++;
        }
    }
    rk_json_set(doc, "manifests", keep);
    rk_buf_reset(out);
    if (*kept == 0)
        rc = rk_err_set(e, RK_INPUT, "no manifest in the index matches the platforms asked");
    else if (rk_buf_puts(out, json_object_to_json_string_ext(
                                  doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) <
             0)
        rc = rk_err_set(e, RK_SYSTEM, "out of memory");
    json_object_put(doc);
    return rc;
}
