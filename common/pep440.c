/*
 * pep440.c - see pep440.h
 *
 * The parser is a hand-written, backtracking-free equivalent of PEP 440's reference regular
 * expression (Appendix B, as used by pypa/packaging), matched case-insensitively:
 *
 *   \s* v? (N!)? N(.N)* ([-_.]? (alpha|a|beta|b|preview|pre|c|rc) [-_.]? N?)?
 *   (-N | [-_.]? (post|rev|r) [-_.]? N?)? ([-_.]? dev [-_.]? N?)?
 *   (+ [a-z0-9]+ ([-_.][a-z0-9]+)*)? \s*
 *
 * Greedy, first-match scanning gives the regex's answer: no alternative word is a prefix of
 * another that could continue the match, and a separator taken after a word with no number
 * never stops what follows from matching. Whitespace is Python's str.isspace() set (ASCII and
 * the UTF-8 encoded Unicode spaces). Local segments made of digits are numbers of any length
 * (leading zeros dropped, compared by value); every other number must fit int64.
 */
#include "pep440.h"
#include "err.h"

#include <stdio.h>
#include <string.h>

#define QUOTE_MAX 300 /* characters of quoted input in a message */

struct scan {
    const char *s;   /* the whole input, quoted in messages */
    const char *p;   /* cursor */
    const char *end; /* end of the text once trailing whitespace is dropped */
    struct rk_err *e;
};

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int to_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int is_alnum(int c)
{
    c = to_lower(c);
    return is_digit(c) || (c >= 'a' && c <= 'z');
}

static int is_sep(int c)
{
    return c == '-' || c == '_' || c == '.';
}

/* Length of the whitespace character at p (0 if none): Python's str.isspace() set. */
static size_t space_len(const char *p, const char *end)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t n = (size_t)(end - p);
    if (n >= 1 && (u[0] == ' ' || (u[0] >= 0x09 && u[0] <= 0x0d) || (u[0] >= 0x1c && u[0] <= 0x1f)))
        return 1;
    if (n >= 2 && u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0))
        return 2; /* U+0085, U+00A0 */
    if (n < 3)
        return 0;
    if (u[0] == 0xe2 && u[1] == 0x80) /* U+2000-200A, U+2028, U+2029, U+202F */
        return (u[2] >= 0x80 && u[2] <= 0x8a) || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf ? 3
                                                                                              : 0;
    if ((u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80) || /* U+1680 */
        (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f) || /* U+205F */
        (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80))   /* U+3000 */
        return 3;
    return 0;
}

static void trim(const char **p, const char **end)
{
    size_t n, k;
    while (*p < *end && (n = space_len(*p, *end)) > 0)
        *p += n;
    for (;;) {
        n = (size_t)(*end - *p);
        for (k = 1; k <= 3 && k <= n; k++)
            if (space_len(*end - k, *end) == k)
                break;
        if (k > 3 || k > n)
            return;
        *end -= k;
    }
}

/* Copy s for a message: printable ASCII as is, other bytes as \xNN, cut with "..." past
 * QUOTE_MAX characters; out has room for QUOTE_MAX + 4. */
static void quote(const char *s, size_t len, char *out)
{
    size_t i, o = 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o + (c >= 0x20 && c < 0x7f ? 1 : 4) > QUOTE_MAX) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (c >= 0x20 && c < 0x7f)
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, 5, "\\x%02x", (unsigned)c);
    }
    out[o] = '\0';
}

static int fail(const struct scan *sc, const char *why)
{
    char q[QUOTE_MAX + 4];
    quote(sc->s, strlen(sc->s), q);
    return rk_err_set(sc->e, RK_INPUT, "invalid version '%s': %s", q, why);
}

/* "expected WHAT at offset N, found 'c'" (what NULL: "unexpected 'c' at offset N"). */
static int fail_at(const struct scan *sc, const char *what)
{
    char q[QUOTE_MAX + 4], c[QUOTE_MAX + 4];
    size_t off = (size_t)(sc->p - sc->s);
    quote(sc->s, strlen(sc->s), q);
    quote(sc->p, 1, c);
    if (!what)
        return rk_err_set(sc->e, RK_INPUT, "invalid version '%s': unexpected '%s' at offset %zu", q,
                          c, off);
    if (sc->p == sc->end)
        return rk_err_set(sc->e, RK_INPUT,
                          "invalid version '%s': expected %s at offset %zu, found the end", q, what,
                          off);
    return rk_err_set(sc->e, RK_INPUT,
                      "invalid version '%s': expected %s at offset %zu, found '%s'", q, what, off,
                      c);
}

static int at(const struct scan *sc, size_t k)
{
    return (size_t)(sc->end - sc->p) > k ? (unsigned char)sc->p[k] : -1;
}

/* Digits at the cursor (the caller checked there is one) into *out; int64 or RK_INPUT. */
static int scan_number(struct scan *sc, int64_t *out)
{
    int64_t n = 0;
    while (sc->p < sc->end && is_digit(*sc->p)) {
        int d = *sc->p - '0';
        if (n > (INT64_MAX - d) / 10)
            return fail(sc, "number too large (the limit is 9223372036854775807)");
        n = n * 10 + d;
        sc->p++;
    }
    *out = n;
    return 0;
}

/* The first word of a NULL-terminated list found at the cursor (any case): its index, or -1. */
static int scan_word(struct scan *sc, const char *const *words)
{
    int i;
    for (i = 0; words[i]; i++) {
        size_t k, len = strlen(words[i]);
        for (k = 0; k < len && to_lower(at(sc, k)) == words[i][k]; k++)
            ;
        if (k == len) {
            sc->p += len;
            return i;
        }
    }
    return -1;
}

/* [-_.]? word [-_.]? N? at the cursor: 1 (*which, *num set), 0 (cursor kept) or -1. */
static int scan_tag(struct scan *sc, const char *const *words, int *which, int64_t *num)
{
    const char *save = sc->p;
    if (is_sep(at(sc, 0)))
        sc->p++;
    *which = scan_word(sc, words);
    if (*which < 0) {
        sc->p = save;
        return 0;
    }
    if (is_sep(at(sc, 0)))
        sc->p++;
    *num = 0;
    if (is_digit(at(sc, 0)) && scan_number(sc, num) < 0)
        return -1;
    return 1;
}

static int scan_release(struct scan *sc, struct rk_pep440 *v)
{
    int64_t n;
    if (!is_digit(at(sc, 0)))
        return fail_at(sc, "a release number");
    if (scan_number(sc, &n) < 0)
        return -1;
    if (at(sc, 0) == '!') {
        v->epoch = n;
        sc->p++;
        if (!is_digit(at(sc, 0)))
            return fail_at(sc, "a release number after the epoch");
        if (scan_number(sc, &n) < 0)
            return -1;
    }
    v->release[v->nrelease++] = n;
    while (at(sc, 0) == '.' && is_digit(at(sc, 1))) {
        if (v->nrelease == RK_PEP440_MAX_RELEASE)
            return fail(sc, "more than 16 release components");
        sc->p++;
        if (scan_number(sc, &v->release[v->nrelease++]) < 0)
            return -1;
    }
    return 0;
}

static int scan_suffixes(struct scan *sc, struct rk_pep440 *v)
{
    static const char *const pre[] = {"alpha", "a", "beta", "b", "preview", "pre", "c", "rc", NULL};
    static const char kinds[] = {'a', 'a', 'b', 'b', 'r', 'r', 'r', 'r'};
    static const char *const post[] = {"post", "rev", "r", NULL};
    static const char *const dev[] = {"dev", NULL};
    int which, r;
    if ((r = scan_tag(sc, pre, &which, &v->pre)) < 0)
        return -1;
    if (r)
        v->pre_kind = kinds[which];
    if (at(sc, 0) == '-' && is_digit(at(sc, 1))) {
        sc->p++;
        v->has_post = 1;
        if (scan_number(sc, &v->post) < 0)
            return -1;
    } else if ((r = scan_tag(sc, post, &which, &v->post)) != 0) {
        if (r < 0)
            return -1;
        v->has_post = 1;
    }
    if ((r = scan_tag(sc, dev, &which, &v->dev)) < 0)
        return -1;
    v->has_dev = r;
    return 0;
}

/* One local segment, lowercased; a segment of digits loses its leading zeros. */
static int scan_local_segment(struct scan *sc, char *out, size_t *o)
{
    const char *start = sc->p;
    int digits = 1;
    if (!is_alnum(at(sc, 0)))
        return fail_at(sc, "a local version segment");
    while (is_alnum(at(sc, 0)))
        digits &= is_digit(*sc->p++);
    if (digits)
        while (sc->p - start > 1 && *start == '0')
            start++;
    if ((size_t)(sc->p - start) >= RK_PEP440_MAX_LOCAL - *o)
        return fail(sc, "local version label longer than 127 characters");
    while (start < sc->p)
        out[(*o)++] = (char)to_lower(*start++);
    return 0;
}

static int scan_local(struct scan *sc, struct rk_pep440 *v)
{
    size_t o = 0;
    sc->p++; /* '+' */
    for (;;) {
        if (scan_local_segment(sc, v->local, &o) < 0)
            return -1;
        if (!is_sep(at(sc, 0)))
            break;
        if (o + 1 >= RK_PEP440_MAX_LOCAL)
            return fail(sc, "local version label longer than 127 characters");
        v->local[o++] = '.';
        sc->p++;
    }
    v->local[o] = '\0';
    return 0;
}

int rk_pep440_parse(const char *s, struct rk_pep440 *v, struct rk_err *e)
{
    struct scan sc = {s ? s : "", s ? s : "", NULL, e};
    char text[RK_PEP440_MAX_TEXT];
    memset(v, 0, sizeof(*v));
    sc.end = sc.s + strlen(sc.s);
    trim(&sc.p, &sc.end);
    if (sc.p == sc.end)
        return fail(&sc, "empty version");
    if (to_lower(at(&sc, 0)) == 'v')
        sc.p++;
    if (scan_release(&sc, v) < 0 || scan_suffixes(&sc, v) < 0)
        return -1;
    if (at(&sc, 0) == '+' && scan_local(&sc, v) < 0)
        return -1;
    if (sc.p != sc.end)
        return fail_at(&sc, NULL);
    if (rk_pep440_format(v, text, sizeof(text)) < 0)
        return fail(&sc, "longer than 255 characters once normalised");
    return 0;
}

struct out {
    char *p;
    size_t n, o;
    int full;
};

static void put(struct out *w, const char *prefix, int64_t num)
{
    int k;
    if (w->full)
        return;
    k = snprintf(w->p + w->o, w->n - w->o, "%s%lld", prefix, (long long)num);
    if (k < 0 || (size_t)k >= w->n - w->o)
        w->full = 1;
    else
        w->o += (size_t)k;
}

int rk_pep440_format(const struct rk_pep440 *v, char *out, size_t n)
{
    struct out w = {out, n, 0, n == 0};
    size_t i;
    if (v->epoch)
        put(&w, "", v->epoch);
    for (i = 0; i < v->nrelease; i++)
        put(&w, i ? "." : (v->epoch ? "!" : ""), v->release[i]);
    if (v->pre_kind)
        put(&w, v->pre_kind == 'a' ? "a" : v->pre_kind == 'b' ? "b" : "rc", v->pre);
    if (v->has_post)
        put(&w, ".post", v->post);
    if (v->has_dev)
        put(&w, ".dev", v->dev);
    if (!w.full && v->local[0]) {
        size_t len = strlen(v->local);
        if (len + 1 >= w.n - w.o)
            w.full = 1;
        else
            snprintf(w.p + w.o, w.n - w.o, "+%s", v->local);
    }
    if (w.full) {
        if (n)
            out[0] = '\0';
        return -1;
    }
    return 0;
}

int rk_pep440_normalize(const char *s, char *out, size_t n, struct rk_err *e)
{
    struct rk_pep440 v;
    char q[QUOTE_MAX + 4];
    if (rk_pep440_parse(s, &v, e) < 0)
        return -1;
    if (rk_pep440_format(&v, out, n) < 0) {
        quote(s, strlen(s), q);
        return rk_err_set(e, RK_INPUT, "version '%s' does not fit in %zu bytes once normalised", q,
                          n);
    }
    return 0;
}

static int cmp_i64(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

int rk_pep440_cmp_release(const struct rk_pep440 *a, const struct rk_pep440 *b)
{
    size_t i, n = a->nrelease > b->nrelease ? a->nrelease : b->nrelease;
    for (i = 0; i < n; i++) {
        int64_t x = i < a->nrelease ? a->release[i] : 0;
        int64_t y = i < b->nrelease ? b->release[i] : 0;
        if (x != y)
            return cmp_i64(x, y);
    }
    return 0;
}

/* Rank of the pre-release part: dev-only release (X.devN) 0, a 1, b 2, rc 3, none 4. */
static int pre_rank(const struct rk_pep440 *v)
{
    if (!v->pre_kind)
        return v->has_dev && !v->has_post ? 0 : 4;
    return v->pre_kind == 'a' ? 1 : v->pre_kind == 'b' ? 2 : 3;
}

/* Next '.'-separated segment of a local label: its start in *seg and length in *len. */
static int local_next(const char **p, const char **seg, size_t *len)
{
    const char *dot;
    if (!*p)
        return 0;
    dot = strchr(*p, '.');
    *seg = *p;
    *len = dot ? (size_t)(dot - *p) : strlen(*p);
    *p = dot ? dot + 1 : NULL;
    return 1;
}

static int all_digits(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return 0;
    return 1;
}

/* Numbers (no leading zeros, any length) sort above words; words compare as bytes. */
static int cmp_segment(const char *a, size_t an, const char *b, size_t bn)
{
    int da = all_digits(a, an), db = all_digits(b, bn), c;
    if (da != db)
        return da - db;
    if (da && an != bn)
        return an < bn ? -1 : 1;
    c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c < 0 ? -1 : 1;
    return cmp_i64((int64_t)an, (int64_t)bn);
}

/* No local label sorts first; then segment by segment, a shorter prefix first. */
static int cmp_local(const char *a, const char *b)
{
    const char *sa, *sb;
    size_t na = 0, nb = 0;
    int c;
    if (!a[0] || !b[0])
        return (a[0] != '\0') - (b[0] != '\0');
    for (;;) {
        int ha = local_next(&a, &sa, &na), hb = local_next(&b, &sb, &nb);
        if (!ha || !hb)
            return ha - hb;
        if ((c = cmp_segment(sa, na, sb, nb)) != 0)
            return c;
    }
}

int rk_pep440_cmp(const struct rk_pep440 *a, const struct rk_pep440 *b)
{
    int c;
    if ((c = cmp_i64(a->epoch, b->epoch)) || (c = rk_pep440_cmp_release(a, b)))
        return c;
    if ((c = cmp_i64(pre_rank(a), pre_rank(b))))
        return c;
    if (a->pre_kind && (c = cmp_i64(a->pre, b->pre)))
        return c;
    if ((c = cmp_i64(!!a->has_post, !!b->has_post)))
        return c;
    if (a->has_post && (c = cmp_i64(a->post, b->post)))
        return c;
    if ((c = cmp_i64(!a->has_dev, !b->has_dev)))
        return c;
    if (a->has_dev && (c = cmp_i64(a->dev, b->dev)))
        return c;
    return cmp_local(a->local, b->local);
}

int rk_pep440_is_prerelease(const struct rk_pep440 *v)
{
    return v->pre_kind != 0 || v->has_dev;
}

void rk_pep440_make_final(struct rk_pep440 *v)
{
    v->pre_kind = 0;
    v->pre = 0;
    v->has_dev = 0;
    v->dev = 0;
    v->local[0] = '\0';
}
