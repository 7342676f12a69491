/* oci_ref.c - image references (oci.h): parse, validate, format */
#include "oci.h"
#include "digest.h"
#include "err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REF_MAX 1024 /* longest reference accepted */

static int is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component: alnum+ (('.' | '_' | '__' | '-'+) alnum+)*, of length n */
static int valid_component(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
        return 0;
    while (i < n) {
        if (is_lower_alnum(s[i])) {
            i++;
            continue;
        }
        if (s[i] == '.' || (s[i] == '_' && s[i + 1] != '_'))
            i++;
        else if (s[i] == '_' && i + 2 < n && s[i + 2] != '_')
            i += 2;
        else if (s[i] == '-')
            while (i < n && s[i] == '-')
                i++;
        else
            return 0;
        if (i >= n || !is_lower_alnum(s[i]))
            return 0;
    }
    return 1;
}

int rk_oci_valid_repo(const char *s)
{
    size_t len;
    const char *p = s;
    if (!s || !*s || (len = strlen(s)) > RK_OCI_NAME_MAX)
        return 0;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (!valid_component(p, n))
            return 0;
        if (!slash)
            return 1;
        p = slash + 1;
    }
}

int rk_oci_valid_tag(const char *s)
{
    size_t n;
    if (!s || !*s || (n = strlen(s)) > 128)
        return 0;
    if (!isalnum((unsigned char)s[0]) && s[0] != '_')
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
            return 0;
    return 1;
}

static int all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[n] == '\0';
}

int rk_oci_valid_digest(const char *s)
{
    if (!s)
        return 0;
    if (strncmp(s, "sha256:", 7) == 0)
        return strlen(s + 7) == 64 && all_hex(s + 7, 64);
    if (strncmp(s, "sha512:", 7) == 0)
        return strlen(s + 7) == 128 && all_hex(s + 7, 128);
    return 0;
}

static int valid_port(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > 5)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)p[i]))
            return 0;
    return atoi(p) > 0 && atoi(p) < 65536;
}

/* host: labels of [A-Za-z0-9-] not starting/ending with '-', joined by '.'; or [v6] */
static int valid_host(const char *h, size_t n)
{
    if (n >= 2 && h[0] == '[') {
        if (h[n - 1] != ']' || n < 4)
            return 0;
        for (size_t i = 1; i + 1 < n; i++)
            if (!isxdigit((unsigned char)h[i]) && h[i] != ':' && h[i] != '.')
                return 0;
        return 1;
    }
    if (n == 0 || n > 253 || h[0] == '.' || h[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (c == '.' && h[i + 1] == '.')
            return 0;
        if (c == '-' && (i == 0 || h[i - 1] == '.' || i + 1 == n || h[i + 1] == '.'))
            return 0;
        if (!isalnum((unsigned char)c) && c != '-' && c != '.')
            return 0;
    }
    return 1;
}

int rk_oci_valid_registry(const char *s)
{
    const char *colon, *end;
    if (!s || !*s || strlen(s) > 260)
        return 0;
    end = s[0] == '[' ? strchr(s, ']') : s;
    if (!end)
        return 0;
    colon = strchr(end, ':');
    if (colon && !valid_port(colon + 1))
        return 0;
    return valid_host(s, colon ? (size_t)(colon - s) : strlen(s));
}

const char *rk_oci_api_host(const char *registry)
{
    if (strcmp(registry, "docker.io") == 0 || strcmp(registry, "index.docker.io") == 0)
        return "registry-1.docker.io";
    return registry;
}

void rk_oci_ref_release(struct rk_oci_ref *r)
{
    free(r->registry);
    free(r->repo);
    free(r->tag);
    free(r->digest);
    memset(r, 0, sizeof(*r));
}

int rk_oci_ref_set(char **field, const char *value)
{
    char *copy = NULL;
    if (value && !(copy = strdup(value)))
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

int rk_oci_ref_copy(struct rk_oci_ref *dst, const struct rk_oci_ref *src, struct rk_err *e)
{
    memset(dst, 0, sizeof(*dst));
    if (rk_oci_ref_set(&dst->registry, src->registry) < 0 ||
        rk_oci_ref_set(&dst->repo, src->repo) < 0 || rk_oci_ref_set(&dst->tag, src->tag) < 0 ||
        rk_oci_ref_set(&dst->digest, src->digest) < 0) {
        rk_oci_ref_release(dst);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    return 0;
}

char *rk_oci_ref_format(const struct rk_oci_ref *r)
{
    size_t n = strlen(r->registry) + strlen(r->repo) + 4 + (r->tag ? strlen(r->tag) : 0) +
               (r->digest ? strlen(r->digest) : 0);
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s%s%s%s%s", r->registry, r->repo, r->tag ? ":" : "",
                 r->tag ? r->tag : "", r->digest ? "@" : "", r->digest ? r->digest : "");
    return s;
}

/* is the first component (len n) a registry rather than part of the repository? */
static int looks_like_registry(const char *s, size_t n)
{
    return memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && !memcmp(s, "localhost", 9)) ||
           s[0] == '[';
}

/* split "name[:tag]" into r->repo (+registry) and r->tag; the work buffer is modified */
static int split_name(char *w, struct rk_oci_ref *r)
{
    char *slash = strchr(w, '/'), *colon, *name = w;
    const char *reg = RK_OCI_DEFAULT_REGISTRY;
    if (slash && looks_like_registry(w, (size_t)(slash - w))) {
        *slash = '\0';
        reg = w;
        name = slash + 1;
    }
    colon = strrchr(name, ':');
    if (colon) {
        *colon = '\0';
        if (!(r->tag = strdup(colon + 1)))
            return -1;
    }
    for (char *p = w; reg == w && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (!(r->registry = strdup(reg)))
        return -1;
    if (!strchr(name, '/') && strcmp(reg, RK_OCI_DEFAULT_REGISTRY) == 0) {
        size_t n = strlen(name) + 9;
        if (!(r->repo = malloc(n)))
            return -1;
        snprintf(r->repo, n, "library/%s", name);
        return 0;
    }
    return (r->repo = strdup(name)) ? 0 : -1;
}

static int check_parts(const char *s, const struct rk_oci_ref *r, struct rk_err *e)
{
    if (!rk_oci_valid_registry(r->registry))
        return rk_err_set(e, RK_INPUT, "invalid image reference '%s': bad registry '%s'", s,
                          r->registry);
    if (!rk_oci_valid_repo(r->repo))
        return rk_err_set(e, RK_INPUT, "invalid image reference '%s': bad repository '%s'", s,
                          r->repo);
    if (r->tag && !rk_oci_valid_tag(r->tag))
        return rk_err_set(e, RK_INPUT, "invalid image reference '%s': bad tag '%s'", s, r->tag);
    if (r->digest && !rk_oci_valid_digest(r->digest))
        return rk_err_set(e, RK_INPUT, "invalid image reference '%s': bad digest '%s'", s,
                          r->digest);
    return 0;
}

/* "user:pass@" before the host: "scheme://user@host...", or "user:pass@host/..." (an '@'
 * before the first '/'; a digest's '@' always follows a repository's '/') */
static int has_userinfo(const char *s)
{
    const char *p = s ? s : "", *scheme = strstr(p, "://"), *end;
    if (scheme)
        p = scheme + 3;
    end = p + strcspn(p, "/");
    if (!scheme && !*end)
        return 0;
    return memchr(p, '@', (size_t)(end - p)) != NULL;
}

int rk_oci_ref_parse(const char *s, struct rk_oci_ref *out, struct rk_err *e)
{
    char w[REF_MAX + 1], *at;
    const char *p = s ? s : "";
    memset(out, 0, sizeof(*out));
    if (has_userinfo(p))
        return rk_err_set(e, RK_INPUT,
                          "invalid image reference: credentials must not be part of a reference "
                          "(use REGISTRY_USERNAME/REGISTRY_PASSWORD or docker config)");
    if (strncmp(p, "https://", 8) == 0)
        p += 8;
    if (!*p || strlen(p) > REF_MAX)
        return rk_err_set(e, RK_INPUT, "invalid image reference '%.200s'", s ? s : "");
    strcpy(w, p);
    if ((at = strchr(w, '@')) != NULL) {
        *at = '\0';
        if (!(out->digest = strdup(at + 1)))
            return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    if (split_name(w, out) < 0) {
        rk_oci_ref_release(out);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    if (check_parts(s, out, e) < 0) {
        rk_oci_ref_release(out);
        return -1;
    }
    return 0;
}

int rk_oci_digest_of(const void *p, size_t n, char out[RK_OCI_DIGEST_MAX], struct rk_err *e)
{
    unsigned char md[RK_SHA256_LEN];
    if (rk_sha256_buf(p, n, md, e) < 0)
        return -1;
    memcpy(out, "sha256:", 7);
    rk_hex(md, RK_SHA256_LEN, out + 7);
    return 0;
}
