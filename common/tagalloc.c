/* tagalloc.c - see tagalloc.h: templates and schemes */
#include "tagalloc.h"
#include "buf.h"
#include "err.h"
#include "pep440.h"
#include "release.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* numbers whose tags' longest common prefix is the text every tag of a spec starts with:
 * different first digits, lengths and paddings (and what PEP 440 normalisation makes of them) */
static const int64_t prefix_samples[] = {0, 1, 2, 9, 10, 42, 99, 100, 12345, 999999999};

struct presets {
    const char *name, *tpl, *scheme;
};

static const struct presets tag_presets[] = {
    {"candidate", "candidate-{date}.{n}", "rc"},
    {"iree", "iree-{version}", "rc"},
    {"snapshot", "snapshot-{date}.{n:02}", "rc"},
    {"stable", "v{version}", "stable"},
};

const char *rk_tpl_preset(const char *name)
{
    for (size_t i = 0; name && i < sizeof(tag_presets) / sizeof(tag_presets[0]); i++)
        if (strcmp(name, tag_presets[i].name) == 0)
            return tag_presets[i].tpl;
    return NULL;
}

const char *rk_tpl_preset_scheme(const char *name)
{
    for (size_t i = 0; name && i < sizeof(tag_presets) / sizeof(tag_presets[0]); i++)
        if (strcmp(name, tag_presets[i].name) == 0)
            return tag_presets[i].scheme;
    return NULL;
}

const char *rk_scheme_resolve(const char *scheme, int tag_has_n)
{
    if (!scheme)
        return NULL;
    if (strcmp(scheme, "rc") == 0)
        return tag_has_n ? "rc{date}{n:02}" : "rc{date}";
    if (strcmp(scheme, "dev") == 0)
        return ".dev{date}{n:03}";
    if (strcmp(scheme, "sha") == 0)
        return ".dev0+{sha}";
    if (strcmp(scheme, "stable") == 0)
        return "";
    return scheme;
}

/* ---- fields ---- */

struct field {
    unsigned flag;
    int width; /* {n:0W} */
};

/* Parse the field starting after '{' at p; *len gets its length up to and including '}'. */
static int parse_field(const char *p, struct field *f, size_t *len)
{
    static const struct {
        const char *name;
        unsigned flag;
    } names[] = {{"date", RK_TPL_DATE},       {"n", RK_TPL_N},      {"run", RK_TPL_RUN},
                 {"version", RK_TPL_VERSION}, {"sha7", RK_TPL_SHA}, {"sha", RK_TPL_SHA}};
    const char *end = strchr(p, '}');
    size_t n;
    if (!end)
        return -1;
    n = (size_t)(end - p);
    *len = n + 1;
    f->width = 0;
    if (n == 4 && p[0] == 'n' && p[1] == ':' && p[2] == '0' && p[3] >= '1' && p[3] <= '9') {
        f->flag = RK_TPL_N;
        f->width = p[3] - '0';
        return 0;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i].name) == n && memcmp(names[i].name, p, n) == 0) {
            f->flag = names[i].flag;
            f->width = strcmp(names[i].name, "sha7") == 0 ? 7 : 0;
            return 0;
        }
    return -1;
}

int rk_tpl_check(const char *tpl, unsigned *fields, struct rk_err *e)
{
    unsigned got = 0;
    for (const char *p = tpl; p && *p; p++) {
        struct field f;
        size_t len;
        if ((*p == '{' && p[1] == '{') || (*p == '}' && p[1] == '}')) {
            p++;
            continue;
        }
        if (*p == '}')
            return rk_err_set(e, RK_USAGE, "invalid template '%s': unmatched '}'", tpl);
        if (*p != '{')
            continue;
        if (parse_field(p + 1, &f, &len) < 0)
            return rk_err_set(e, RK_USAGE,
                              "invalid template '%s': unknown field at '%.20s' (fields: {date}, "
                              "{n}, {n:0W}, {run}, {version}, {sha7}, {sha})",
                              tpl, p);
        got |= f.flag;
        p += len;
    }
    if (!tpl)
        return rk_err_set(e, RK_USAGE, "no template");
    if (fields)
        *fields = got;
    return 0;
}

/* ---- expansion ---- */

struct values {
    const char *date, *version, *sha, *run;
    int64_t n;        /* < 0: {n} is not allocated */
    int strict;       /* {n:0W} must fit W digits (schemes) */
    const char *what; /* "template" / "scheme", for messages */
};

static int put_n(struct rk_buf *b, const struct values *v, const struct field *f, const char *tpl,
                 struct rk_err *e)
{
    char num[32];
    int k;
    if (v->n < 0)
        return rk_err_set(e, RK_USAGE, "%s '%s' uses {n}, which is not allocated here", v->what,
                          tpl);
    k = snprintf(num, sizeof(num), "%0*lld", f->width, (long long)v->n);
    if (v->strict && f->width > 0 && k > f->width)
        return rk_err_set(e, RK_INPUT,
                          "counter %lld does not fit {n:0%d} in %s '%s': versions would no "
                          "longer sort in order",
                          (long long)v->n, f->width, v->what, tpl);
    return rk_buf_puts(b, num);
}

static int put_field(struct rk_buf *b, const struct values *v, const struct field *f,
                     const char *tpl, struct rk_err *e)
{
    const char *s = NULL, *name = "?";
    switch (f->flag) {
    case RK_TPL_N:
        return put_n(b, v, f, tpl, e);
    case RK_TPL_DATE:
        s = v->date, name = "{date}";
        break;
    case RK_TPL_VERSION:
        s = v->version, name = "{version}";
        break;
    case RK_TPL_RUN:
        s = v->run, name = "{run} (GITHUB_RUN_NUMBER)";
        break;
    case RK_TPL_SHA:
        s = v->sha, name = "{sha}";
        break;
    }
    if (!s || !*s)
        return rk_err_set(e, RK_USAGE, "%s '%s' uses %s, which is not known here", v->what, tpl,
                          name);
    if (f->flag == RK_TPL_SHA && f->width > 0)
        return rk_buf_append(b, s, strlen(s) < 7 ? strlen(s) : 7);
    return rk_buf_puts(b, s);
}

static int expand(const char *tpl, const struct values *v, char *out, size_t len, struct rk_err *e)
{
    struct rk_buf b;
    int rc = 0;
    if (rk_tpl_check(tpl, NULL, e) < 0)
        return -1;
    rk_buf_init(&b, len);
    for (const char *p = tpl; *p && rc == 0; p++) {
        struct field f;
        size_t flen;
        if ((*p == '{' && p[1] == '{') || (*p == '}' && p[1] == '}')) {
            rc = rk_buf_append(&b, p++, 1);
            continue;
        }
        if (*p != '{') {
            rc = rk_buf_append(&b, p, 1);
            continue;
        }
        parse_field(p + 1, &f, &flen);
        rc = put_field(&b, v, &f, tpl, e);
        p += flen;
    }
    if (rc == 0 && b.len + 1 > len)
        rc = -1;
    if (rc < 0 && e && e->code == RK_OK)
        rk_err_set(e, RK_INPUT, "%s '%s' expands to more than %zu bytes", v->what, tpl, len - 1);
    if (rc == 0)
        memcpy(out, rk_buf_cstr(&b), b.len + 1);
    rk_buf_release(&b);
    return rc < 0 ? -1 : 0;
}

int rk_tagspec_uses_n(const struct rk_tagspec *s)
{
    unsigned t = 0, v = 0;
    rk_tpl_check(s->tpl, &t, NULL);
    if (s->scheme)
        rk_tpl_check(s->scheme, &v, NULL);
    return (t & RK_TPL_N) || ((t & RK_TPL_VERSION) && (v & RK_TPL_N));
}

static int version_for(const struct rk_tagspec *s, int64_t n, char *out, size_t len,
                       struct rk_err *e)
{
    struct values v = {s->date, NULL, s->sha, s->run, n, 1, "scheme"};
    char suffix[RK_TAG_MAX], raw[RK_TAG_MAX + RK_PEP440_MAX_TEXT];
    unsigned f = 0;
    if (!s->base || !s->scheme)
        return rk_err_set(e, RK_USAGE, "no version: give version files or --base-version");
    if (rk_tpl_check(s->scheme, &f, e) < 0)
        return -1;
    if (f & RK_TPL_VERSION)
        return rk_err_set(e, RK_USAGE, "invalid scheme '%s': it may not use {version}", s->scheme);
    if (expand(s->scheme, &v, suffix, sizeof(suffix), e) < 0)
        return -1;
    snprintf(raw, sizeof(raw), "%s%s", s->base, suffix);
    if (rk_pep440_normalize(raw, out, len, e) < 0)
        return rk_err_prefix(e, "scheme '%s'", s->scheme);
    return 0;
}

int rk_tagspec_version(const struct rk_tagspec *s, int64_t n, char *out, size_t len,
                       struct rk_err *e)
{
    return version_for(s, n, out, len, e);
}

static int tag_for(const struct rk_tagspec *s, int64_t n, char *out, size_t len, struct rk_err *e)
{
    char version[RK_TAG_MAX];
    struct values v = {s->date, NULL, s->sha, s->run, n, 0, "template"};
    unsigned f = 0;
    if (rk_tpl_check(s->tpl, &f, e) < 0)
        return -1;
    if (f & RK_TPL_VERSION) {
        if (version_for(s, n, version, sizeof(version), e) < 0)
            return -1;
        v.version = version;
    }
    return expand(s->tpl, &v, out, len, e);
}

int rk_tagspec_tag(const struct rk_tagspec *s, int64_t n, char *out, size_t len, struct rk_err *e)
{
    if (tag_for(s, n, out, len, e) < 0)
        return -1;
    return rk_tag_check(out, e);
}

int rk_tagspec_prefix(const struct rk_tagspec *s, char *out, size_t len, struct rk_err *e)
{
    char tag[RK_TAG_MAX];
    size_t common = 0;
    int have = 0;
    if (!rk_tagspec_uses_n(s))
        return tag_for(s, -1, out, len, e);
    for (size_t i = 0; i < sizeof(prefix_samples) / sizeof(prefix_samples[0]); i++) {
        if (tag_for(s, prefix_samples[i], tag, sizeof(tag), NULL) < 0)
            continue; /* e.g. a counter wider than its {n:0W} */
        if (!have) {
            snprintf(out, len, "%s", tag);
            common = strlen(out);
            have = 1;
        }
        while (common > 0 && strncmp(out, tag, common) != 0)
            common--;
    }
    if (!have)
        return tag_for(s, 1, out, len, e); /* fails: its error */
    out[common] = '\0';
    return 0;
}

int64_t rk_tagspec_match(const struct rk_tagspec *s, const char *name)
{
    char prefix[RK_TAG_MAX], again[RK_TAG_MAX];
    const char *p;
    size_t digits = 0;
    if (!name || rk_tagspec_prefix(s, prefix, sizeof(prefix), NULL) < 0 ||
        strncmp(name, prefix, strlen(prefix)) != 0)
        return -1;
    if (!rk_tagspec_uses_n(s))
        return strcmp(name, prefix) == 0 ? 0 : -1;
    p = name + strlen(prefix);
    while (p[digits] >= '0' && p[digits] <= '9' && digits < 9)
        digits++;
    /* the longest run of digits that gives the name back is n ("{n}1": "121" is n = 12) */
    for (size_t k = digits; k > 0; k--) {
        int64_t n = 0;
        for (size_t i = 0; i < k; i++)
            n = n * 10 + (p[i] - '0');
        if (tag_for(s, n, again, sizeof(again), NULL) == 0 && strcmp(again, name) == 0)
            return n;
    }
    return -1;
}
