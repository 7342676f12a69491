/* wheel_name.c - wheel file names, project names and tag sets (see wheel.h) */
#include "wheel.h"
#include "err.h"
#include "pep440.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static void squash(const char *name, char sep, char *out, size_t n)
{
    size_t o = 0;
    if (!n)
        return;
    for (const char *p = name; *p && o + 1 < n; p++) {
        if (*p == '-' || *p == '_' || *p == '.') {
            while (p[1] == '-' || p[1] == '_' || p[1] == '.')
                p++;
            out[o++] = sep;
        } else {
            out[o++] = (char)lower((unsigned char)*p);
        }
    }
    out[o] = '\0';
}

void rk_wheel_escape_name(const char *name, char *out, size_t n)
{
    squash(name, '_', out, n);
}

void rk_pep503_normalize(const char *name, char *out, size_t n)
{
    squash(name, '-', out, n);
}

int rk_wheel_same_project(const char *a, const char *b)
{
    char na[RK_WHEEL_FIELD], nb[RK_WHEEL_FIELD];
    if (strlen(a) >= sizeof(na) || strlen(b) >= sizeof(nb))
        return 0;
    rk_pep503_normalize(a, na, sizeof(na));
    rk_pep503_normalize(b, nb, sizeof(nb));
    return strcmp(na, nb) == 0;
}

int rk_wheel_valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= RK_WHEEL_FIELD || !is_alnum((unsigned char)name[0]) ||
        !is_alnum((unsigned char)name[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum((unsigned char)name[i]) && !strchr("-_.", name[i]))
            return 0;
    return 1;
}

int rk_wheel_valid_tag(const char *tag)
{
    if (!*tag || strlen(tag) >= RK_WHEEL_FIELD)
        return 0;
    for (; *tag; tag++)
        if (!is_alnum((unsigned char)*tag) && *tag != '_')
            return 0;
    return 1;
}

int rk_wheel_valid_build(const char *build)
{
    return build[0] >= '0' && build[0] <= '9' && rk_wheel_valid_tag(build);
}

static int valid_set(const char *set)
{
    char buf[RK_WHEEL_FIELD];
    const char *p = set;
    if (!*set)
        return 0;
    while (*p) {
        size_t k = strcspn(p, ".");
        if (k == 0 || k >= sizeof(buf))
            return 0;
        memcpy(buf, p, k);
        buf[k] = '\0';
        if (!rk_wheel_valid_tag(buf))
            return 0;
        p += k;
        if (*p == '.' && !*++p)
            return 0;
    }
    return 1;
}

static int valid_escaped_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!is_alnum((unsigned char)*s) && *s != '_' && *s != '.')
            return 0;
    return 1;
}

static int name_fail(const char *base, const char *why, struct rk_err *e)
{
    return rk_err_set(e, RK_INPUT, "invalid wheel file name '%s': %s", base, why);
}

static int split_parts(const char *base, char parts[6][RK_WHEEL_FIELD], size_t *np,
                       struct rk_err *e)
{
    size_t len = strlen(base), k = 0;
    const char *p = base, *end;
    if (len < 5 || strcmp(base + len - 4, ".whl") != 0)
        return name_fail(base, "it does not end in .whl", e);
    end = base + len - 4;
    while (p <= end) {
        const char *q = memchr(p, '-', (size_t)(end - p));
        size_t n = (size_t)((q ? q : end) - p);
        if (k == 6)
            return name_fail(base, "too many '-' separated parts", e);
        if (n == 0 || n >= RK_WHEEL_FIELD)
            return name_fail(base, "empty or overlong part", e);
        memcpy(parts[k], p, n);
        parts[k++][n] = '\0';
        if (!q)
            break;
        p = q + 1;
    }
    if (k < 5)
        return name_fail(base, "expected name-version[-build]-python-abi-platform.whl", e);
    *np = k;
    return 0;
}

int rk_wheel_name_parse(const char *path, struct rk_wheel_name *w, struct rk_err *e)
{
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    char parts[6][RK_WHEEL_FIELD];
    struct rk_pep440 v;
    struct rk_err ve = {0, ""};
    size_t k = 0, t;
    memset(w, 0, sizeof(*w));
    if (split_parts(base, parts, &k, e) < 0)
        return -1;
    t = k - 3;
    snprintf(w->name, sizeof(w->name), "%s", parts[0]);
    snprintf(w->version, sizeof(w->version), "%s", parts[1]);
    if (k == 6)
        snprintf(w->build, sizeof(w->build), "%s", parts[2]);
    snprintf(w->python, sizeof(w->python), "%s", parts[t]);
    snprintf(w->abi, sizeof(w->abi), "%s", parts[t + 1]);
    snprintf(w->platform, sizeof(w->platform), "%s", parts[t + 2]);
    if (!valid_escaped_name(w->name))
        return name_fail(base, "bad distribution name", e);
    if (rk_pep440_parse(w->version, &v, &ve) < 0)
        return name_fail(base, "bad version", e);
    if (k == 6 && !rk_wheel_valid_build(w->build))
        return name_fail(base, "the build tag must start with a digit", e);
    if (!valid_set(w->python) || !valid_set(w->abi) || !valid_set(w->platform))
        return name_fail(base, "bad compatibility tag", e);
    return 0;
}

int rk_wheel_name_format(const struct rk_wheel_name *w, char *out, size_t n)
{
    int k;
    if (w->build[0])
        k = snprintf(out, n, "%s-%s-%s-%s-%s-%s.whl", w->name, w->version, w->build, w->python,
                     w->abi, w->platform);
    else
        k = snprintf(out, n, "%s-%s-%s-%s-%s.whl", w->name, w->version, w->python, w->abi,
                     w->platform);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

int rk_tagset_has(const char *set, const char *tag)
{
    size_t tl = strlen(tag);
    for (const char *p = set; *p;) {
        size_t k = strcspn(p, ".");
        if (k == tl && memcmp(p, tag, k) == 0)
            return 1;
        p += k;
        if (*p == '.')
            p++;
    }
    return 0;
}

int rk_tagset_add(char *set, size_t n, const char *tag)
{
    size_t sl = strlen(set), tl = strlen(tag);
    if (rk_tagset_has(set, tag))
        return 0;
    if (sl + tl + 2 > n)
        return -1;
    if (sl)
        set[sl++] = '.';
    memcpy(set + sl, tag, tl + 1);
    return 0;
}

int rk_tagset_remove(char *set, const char *tag)
{
    size_t tl = strlen(tag);
    for (char *p = set; *p;) {
        size_t k = strcspn(p, ".");
        if (k == tl && memcmp(p, tag, k) == 0) {
            char *next = p + k + (p[k] == '.');
            memmove(p, next, strlen(next) + 1);
            k = strlen(set);
            if (k && set[k - 1] == '.')
                set[k - 1] = '\0';
            return 1;
        }
        p += k;
        if (*p == '.')
            p++;
    }
    return 0;
}

void rk_wheel_tags_free(char **tags, size_t n)
{
    for (size_t i = 0; tags && i < n; i++)
        free(tags[i]);
    free(tags);
}

static size_t count_set(const char *set)
{
    size_t n = 1;
    for (; *set; set++)
        n += *set == '.';
    return n;
}

static void nth(const char *set, size_t i, char *out)
{
    const char *p = set;
    size_t k;
    while (i--) {
        p += strcspn(p, ".");
        p += *p == '.';
    }
    k = strcspn(p, ".");
    memcpy(out, p, k);
    out[k] = '\0';
}

int rk_wheel_tags_expand(const char *python, const char *abi, const char *platform, char ***out,
                         size_t *n, struct rk_err *e)
{
    size_t np = count_set(python), na = count_set(abi), nl = count_set(platform), k = 0;
    char a[RK_WHEEL_FIELD], b[RK_WHEEL_FIELD], c[RK_WHEEL_FIELD], **tags;
    *out = NULL, *n = 0;
    if (strlen(python) >= RK_WHEEL_FIELD || strlen(abi) >= RK_WHEEL_FIELD ||
        strlen(platform) >= RK_WHEEL_FIELD || np * na * nl > RK_WHEEL_MAX_TAGS)
        return rk_err_set(e, RK_INPUT, "too many compatibility tags");
    tags = calloc(np * na * nl, sizeof(*tags));
    if (!tags)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    for (size_t i = 0; i < np; i++) {
        nth(python, i, a);
        for (size_t j = 0; j < na; j++) {
            nth(abi, j, b);
            for (size_t l = 0; l < nl; l++) {
                size_t len = strlen(a) + strlen(b) + 3 + strlen(platform);
                nth(platform, l, c);
                tags[k] = malloc(len);
                if (!tags[k]) {
                    rk_wheel_tags_free(tags, k);
                    return rk_err_set(e, RK_SYSTEM, "out of memory");
                }
                snprintf(tags[k++], len, "%s-%s-%s", a, b, c);
            }
        }
    }
    *out = tags, *n = k;
    return 0;
}
