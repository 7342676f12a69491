/* json_check.c - strict RFC 8259 validation of a JSON text (rk_json_check, see jsonio.h).
 *
 * One forward pass, no allocation, nesting bounded by an explicit stack of RK_JSON_DEPTH
 * bytes (no recursion). json-c's tokener is lenient (NaN, Infinity, comments, single quotes,
 * trailing commas, "01", "1.", raw control characters, invalid UTF-8) and saturates integers
 * beyond 64 bits: every document passes here first, so what json-c then reads is JSON and
 * what a tool writes back is JSON with the same values.
 *
 * The bytes of strings, most of a GitHub answer, are skipped 16 at a time with SSE2 where the
 * compiler offers it (x86-64 always does), else 8 at a time in a 64-bit word; both stop at
 * any byte that needs a look. The scanner is shared with rk_json_slim (json_check_priv.h),
 * which checks and extracts in one pass: rk_json_scan_value checks one value at a given
 * nesting depth, and rk_json_check is that value at depth 0 followed by nothing but blanks.
 */
#include "err.h"
#include "json_check_priv.h"
#include "jsonio.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define HAVE_SSE2 1
#endif

static int at_end(const struct rk_json_scan *s)
{
    return s->p >= s->end;
}

static int fail_at(struct rk_json_scan *s, const char *why)
{
    if (at_end(s))
        return rk_err_set(s->e, RK_INPUT, "invalid JSON in %s: unexpected end of data", s->what);
    return rk_err_set(s->e, RK_INPUT, "invalid JSON in %s: %s at byte %zu", s->what, why,
                      (size_t)(s->p - s->start));
}

/* an unexpected byte at s->p, described so that a reader sees what is wrong */
static int fail_byte(struct rk_json_scan *s)
{
    char why[48];
    unsigned char c;
    if (at_end(s))
        return fail_at(s, "");
    c = *s->p;
    if (c == '\0')
        return fail_at(s, "NUL byte");
    if (c == '\'')
        return fail_at(s, "single quote (strings take double quotes)");
    if (c == '/')
        return fail_at(s, "comment");
    if (c == 'N' || c == 'I')
        return fail_at(s, "NaN or Infinity");
    if (c > 0x20 && c < 0x7f)
        snprintf(why, sizeof(why), "unexpected character '%c'", c);
    else
        snprintf(why, sizeof(why), "unexpected byte 0x%02x", c);
    return fail_at(s, why);
}

static void skip_ws(struct rk_json_scan *s)
{
    rk_json_scan_ws(s);
}

/* one multi-byte UTF-8 sequence: well-formed, shortest form, no surrogate, <= U+10FFFF */
static int utf8_seq(struct rk_json_scan *s)
{
    const unsigned char *p = s->p;
    size_t n, left = (size_t)(s->end - p);
    uint32_t cp;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        n = 2, cp = p[0] & 0x1Fu;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        n = 3, cp = p[0] & 0x0Fu;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        n = 4, cp = p[0] & 0x07u;
    else
        return fail_at(s, "invalid UTF-8");
    if (left < n)
        return fail_at(s, "invalid UTF-8");
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return fail_at(s, "invalid UTF-8");
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return fail_at(s, "invalid UTF-8");
    s->p += n;
    return 0;
}

static int is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int escape(struct rk_json_scan *s)
{
    s->p++; /* the backslash */
    if (at_end(s))
        return fail_at(s, "");
    if (*s->p == 'u') {
        for (int i = 1; i <= 4; i++)
            if (s->p + i >= s->end || !is_hex(s->p[i]))
                return fail_at(s, "invalid \\u escape");
        s->p += 5;
        return 0;
    }
    if (!memchr("\"\\/bfnrt", *s->p, 8))
        return fail_at(s, "invalid escape");
    s->p++;
    return 0;
}

#define ONES ((uint64_t)0x0101010101010101u)
#define HIGHS ((uint64_t)0x8080808080808080u)

/* the bytes of a string that need no look (printable ASCII but '"' and '\\') from p: 8 at a
 * time while a word holds none of '"', '\\', a control character or a high bit */
static const unsigned char *plain_words(const unsigned char *p, const unsigned char *end)
{
    while (end - p >= 8) {
        uint64_t w, stop;
        memcpy(&w, p, 8);
        stop = w | ~((w | HIGHS) - 0x20 * ONES); /* a high bit, or below 0x20 */
        stop |= ((w ^ (0x22 * ONES)) - ONES) & ~(w ^ (0x22 * ONES));
        stop |= ((w ^ (0x5C * ONES)) - ONES) & ~(w ^ (0x5C * ONES));
        if (stop & HIGHS)
            break;
        p += 8;
    }
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
        p++;
    return p;
}

#ifdef HAVE_SSE2
/* as plain_words, 16 bytes at a time: a signed byte below 0x20 is a control character or
 * has its high bit set */
static const unsigned char *plain(const unsigned char *p, const unsigned char *end)
{
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash));
        int m = _mm_movemask_epi8(_mm_or_si128(stop, _mm_cmplt_epi8(v, space)));
        if (m)
            return p + __builtin_ctz((unsigned)m);
        p += 16;
    }
    return plain_words(p, end);
}
#else
#define plain plain_words
#endif

int rk_json_scan_string(struct rk_json_scan *s, int *esc)
{
    if (at_end(s) || *s->p != '"')
        return fail_byte(s);
    for (s->p++; !at_end(s);) {
        unsigned char c;
        s->p = plain(s->p, s->end);
        if (at_end(s))
            break;
        c = *s->p;
        if (c == '"') {
            s->p++;
            return 0;
        }
        if (c == '\0')
            return fail_at(s, "NUL byte");
        if (c < 0x20)
            return fail_at(s, "control character in a string");
        if (c == '\\') {
            *esc = 1;
            if (escape(s) < 0)
                return -1;
        } else if (c < 0x80) {
            s->p++;
        } else if (utf8_seq(s) < 0) {
            return -1;
        }
    }
    return fail_at(s, "");
}

static int is_digit(const struct rk_json_scan *s)
{
    return !at_end(s) && *s->p >= '0' && *s->p <= '9';
}

/* the integer literal [a, b) ('-'? digits, no leading zero) is in [INT64_MIN, UINT64_MAX] */
static int int_in_range(const unsigned char *a, const unsigned char *b)
{
    int neg = *a == '-';
    const char *limit = neg ? "9223372036854775808" : "18446744073709551615";
    size_t n = (size_t)(b - a) - (size_t)neg, ln = strlen(limit);
    if (n != ln)
        return n < ln;
    return memcmp(a + neg, limit, n) <= 0;
}

static int number(struct rk_json_scan *s)
{
    const unsigned char *start = s->p;
    int integer = 1;
    if (!at_end(s) && *s->p == '-')
        s->p++;
    if (!is_digit(s))
        return at_end(s) || *start == '-' ? fail_at(s, "invalid number") : fail_byte(s);
    if (*s->p++ == '0' && is_digit(s))
        return fail_at(s, "leading zero in a number");
    while (is_digit(s))
        s->p++;
    if (!at_end(s) && *s->p == '.') {
        integer = 0;
        s->p++;
        if (!is_digit(s))
            return fail_at(s, "invalid number");
        while (is_digit(s))
            s->p++;
    }
    if (!at_end(s) && (*s->p == 'e' || *s->p == 'E')) {
        integer = 0;
        s->p++;
        if (!at_end(s) && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (!is_digit(s))
            return fail_at(s, "invalid number");
        while (is_digit(s))
            s->p++;
    }
    if (integer && !int_in_range(start, s->p)) {
        s->p = start;
        return fail_at(s, "integer out of the 64-bit range");
    }
    return 0;
}

static int literal(struct rk_json_scan *s, const char *word)
{
    size_t n = strlen(word), left = (size_t)(s->end - s->p);
    if (left < n && memcmp(s->p, word, left) == 0) {
        s->p = s->end; /* a truncated literal */
        return fail_at(s, "");
    }
    if (left < n || memcmp(s->p, word, n) != 0)
        return fail_byte(s);
    s->p += n;
    return 0;
}

static int string(struct rk_json_scan *s)
{
    int esc = 0;
    return rk_json_scan_string(s, &esc);
}

static int scalar(struct rk_json_scan *s)
{
    switch (*s->p) {
    case '"':
        return string(s);
    case 't':
        return literal(s, "true");
    case 'f':
        return literal(s, "false");
    case 'n':
        return literal(s, "null");
    default:
        return number(s);
    }
}

/* an object key and its colon; s->p is past the '{' or ',' */
static int key(struct rk_json_scan *s)
{
    skip_ws(s);
    if (string(s) < 0)
        return -1;
    skip_ws(s);
    if (at_end(s) || *s->p != ':')
        return fail_byte(s);
    s->p++;
    return 0;
}

/* after a value inside containers: ',' (then a key when in an object) or the closing
 * bracket, repeatedly; returns 1 when a value is expected next, 0 at depth 0 */
static int after_value(struct rk_json_scan *s, const char *stack, size_t *depth)
{
    while (*depth > 0) {
        char open = stack[*depth - 1];
        skip_ws(s);
        if (at_end(s))
            return fail_at(s, "");
        if (*s->p == ',') {
            s->p++;
            return open == '{' && key(s) < 0 ? -1 : 1;
        }
        if (*s->p != (open == '{' ? '}' : ']'))
            return fail_byte(s);
        s->p++;
        (*depth)--;
    }
    return 0;
}

int rk_json_scan_value(struct rk_json_scan *s, size_t depth0)
{
    char stack[RK_JSON_DEPTH];
    size_t depth = 0;
    int more = 1;
    while (more > 0) {
        skip_ws(s);
        if (at_end(s))
            return fail_at(s, "");
        if (*s->p == '{' || *s->p == '[') {
            char open = (char)*s->p;
            if (depth0 + depth >= RK_JSON_DEPTH)
                return rk_err_set(s->e, RK_INPUT, "invalid JSON in %s: nesting too deep (over %d)",
                                  s->what, RK_JSON_DEPTH);
            stack[depth++] = open;
            s->p++;
            skip_ws(s);
            if (at_end(s) || *s->p != (open == '{' ? '}' : ']')) {
                if (open == '{' && key(s) < 0)
                    return -1;
                continue; /* a value comes next */
            }
            s->p++; /* an empty object or array */
            depth--;
        } else if (scalar(s) < 0) {
            return -1;
        }
        more = after_value(s, stack, &depth);
    }
    return more;
}

int rk_json_check(const char *data, size_t len, const char *what, struct rk_err *e)
{
    struct rk_json_scan s = {(const unsigned char *)data, (const unsigned char *)data,
                             (const unsigned char *)data + len, what, e};
    if (rk_json_scan_value(&s, 0) < 0)
        return -1;
    skip_ws(&s);
    if (!at_end(&s))
        return fail_at(&s, "trailing data");
    return 0;
}
