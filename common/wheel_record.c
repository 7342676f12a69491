/* wheel_record.c - RECORD: CSV parse, sorted lookup, formatting, hashes (see wheel.h) */
#include "wheel.h"
#include "buf.h"
#include "digest.h"
#include "err.h"

#include <stdlib.h>
#include <string.h>

void rk_record_release(struct rk_record *r)
{
    free(r->lines);
    free(r->strings);
    memset(r, 0, sizeof(*r));
}

struct csv {
    const char *t;
    size_t len, pos;
    char *o; /* output cursor in r->strings */
};

/* one field into c->o (NUL-terminated); returns the char that ended it: ',', '\n' or 0 */
static int csv_field(struct csv *c, int *bad)
{
    const char *t = c->t;
    if (c->pos < c->len && t[c->pos] == '"') {
        c->pos++;
        for (;;) {
            if (c->pos >= c->len) {
                *bad = 1;
                return 0;
            }
            if (t[c->pos] == '"') {
                if (c->pos + 1 < c->len && t[c->pos + 1] == '"') {
                    *c->o++ = '"';
                    c->pos += 2;
                    continue;
                }
                c->pos++;
                break;
            }
            *c->o++ = t[c->pos++];
        }
    } else {
        while (c->pos < c->len && !strchr(",\r\n\"", t[c->pos]))
            *c->o++ = t[c->pos++];
    }
    *c->o++ = '\0';
    if (c->pos >= c->len)
        return 0;
    if (t[c->pos] == '\r' && c->pos + 1 < c->len && t[c->pos + 1] == '\n')
        c->pos++;
    if (t[c->pos] != ',' && t[c->pos] != '\n') {
        *bad = 1;
        return 0;
    }
    return t[c->pos++];
}

static int record_fail(const char *what, size_t line, const char *why, struct rk_err *e)
{
    return rk_err_set(e, RK_INPUT, "'%s' line %zu: %s", what, line, why);
}

static int parse_line(struct rk_record *r, struct csv *c, const char *what, struct rk_err *e)
{
    struct rk_record_line *l = &r->lines[r->n];
    char *f[3];
    size_t start = c->pos, k = 0;
    int bad = 0, end = ',';
    while (end == ',' && !bad) {
        if (k == 3)
            return record_fail(what, r->n + 1, "more than three fields", e);
        f[k++] = c->o;
        end = csv_field(c, &bad);
    }
    if (bad)
        return record_fail(what, r->n + 1, "malformed CSV", e);
    if (k != 3)
        return record_fail(what, r->n + 1, "expected path,hash,size", e);
    if (!f[0][0])
        return record_fail(what, r->n + 1, "empty path", e);
    l->path = f[0], l->hash = f[1], l->size = f[2];
    l->raw = c->t + start, l->raw_len = c->pos - start;
    r->n++;
    return 0;
}

int rk_record_parse(struct rk_record *r, const char *text, size_t len, const char *what,
                    struct rk_err *e)
{
    struct csv c = {text, len, 0, NULL};
    size_t lines = 1;
    memset(r, 0, sizeof(*r));
    if (len > RK_WHEEL_TEXT_MAX)
        return rk_err_set(e, RK_INPUT, "'%s' is too large", what);
    if (len && memchr(text, '\0', len))
        return rk_err_set(e, RK_INPUT, "'%s' contains a NUL byte", what);
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    r->lines = calloc(lines, sizeof(*r->lines));
    r->strings = malloc(len + 3 * lines + 1);
    if (!r->lines || !r->strings) {
        rk_record_release(r);
        return rk_err_set(e, RK_SYSTEM, "unable to parse '%s': out of memory", what);
    }
    c.o = r->strings;
    while (c.pos < len) {
        if (text[c.pos] == '\n' ||
            (text[c.pos] == '\r' && c.pos + 1 < len && text[c.pos + 1] == '\n')) {
            c.pos += text[c.pos] == '\r' ? 2 : 1; /* blank line */
            continue;
        }
        if (r->n >= lines || parse_line(r, &c, what, e) < 0) {
            rk_record_release(r);
            return rk_err_set(e, RK_INPUT, "'%s' is malformed", what);
        }
    }
    return 0;
}

/* qsort has no context argument: a merge sort keeps this reentrant across threads */
static void merge_sort(const struct rk_record *r, size_t *v, size_t *tmp, size_t n)
{
    size_t h = n / 2, i = 0, j = h, k = 0;
    if (n < 2)
        return;
    merge_sort(r, v, tmp, h);
    merge_sort(r, v + h, tmp, n - h);
    while (i < h && j < n)
        tmp[k++] = strcmp(r->lines[v[i]].path, r->lines[v[j]].path) <= 0 ? v[i++] : v[j++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof(*v));
}

int rk_record_index(const struct rk_record *r, size_t **index, const char *what, struct rk_err *e)
{
    size_t cnt = r->n ? r->n : 1;
    size_t *v = malloc(cnt * sizeof(*v)), *tmp = malloc(cnt * sizeof(*v));
    *index = NULL;
    if (!v || !tmp) {
        free(v);
        free(tmp);
        return rk_err_set(e, RK_SYSTEM, "unable to index '%s': out of memory", what);
    }
    for (size_t i = 0; i < r->n; i++)
        v[i] = i;
    merge_sort(r, v, tmp, r->n);
    free(tmp);
    for (size_t i = 1; i < r->n; i++) {
        if (strcmp(r->lines[v[i - 1]].path, r->lines[v[i]].path) == 0) {
            rk_err_set(e, RK_INPUT, "'%s' lists '%s' twice", what, r->lines[v[i]].path);
            free(v);
            return -1;
        }
    }
    *index = v;
    return 0;
}

long rk_record_lookup(const struct rk_record *r, const size_t *index, const char *path)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(path, r->lines[index[mid]].path);
        if (c == 0)
            return (long)index[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

int rk_record_format(struct rk_buf *out, const char *path, const char *hash, const char *size)
{
    if (strpbrk(path, ",\"\r\n")) {
        if (rk_buf_puts(out, "\"") < 0)
            return -1;
        for (const char *p = path; *p; p++)
            if (rk_buf_append(out, p, 1) < 0 || (*p == '"' && rk_buf_append(out, p, 1) < 0))
                return -1;
        if (rk_buf_puts(out, "\"") < 0)
            return -1;
    } else if (rk_buf_puts(out, path) < 0) {
        return -1;
    }
    return rk_buf_printf(out, ",%s,%s\n", hash, size) < 0 ? -1 : 0;
}

int rk_record_hash(const void *data, size_t len, char *out, size_t n, struct rk_err *e)
{
    unsigned char d[RK_SHA256_LEN];
    if (n < 7 + RK_SHA256_B64_LEN)
        return rk_err_set(e, RK_SYSTEM, "hash buffer too small");
    if (rk_sha256_buf(data, len, d, e) < 0)
        return -1;
    memcpy(out, "sha256=", 7);
    rk_b64url_nopad(d, sizeof(d), out + 7);
    return 0;
}

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-' || c == '+')
        return 62;
    if (c == '_' || c == '/')
        return 63;
    return -1;
}

static long b64_decode(const char *s, unsigned char *out, size_t max)
{
    size_t o = 0, n = strlen(s);
    unsigned acc = 0;
    int bits = 0;
    while (n && s[n - 1] == '=')
        n--;
    for (size_t i = 0; i < n; i++) {
        int v = b64val((unsigned char)s[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6 | (unsigned)v) & 0xFFFFFFu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == max)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return (long)o;
}

int rk_record_hash_parse(const char *field, const char **algo, unsigned char digest[64],
                         size_t *dlen, struct rk_err *e)
{
    static const struct {
        const char *name;
        size_t len;
    } algos[] = {{"sha256", 32}, {"sha384", 48}, {"sha512", 64}};
    const char *eq = strchr(field, '=');
    long got;
    if (!eq)
        return rk_err_set(e, RK_INPUT, "bad hash '%s'", field);
    for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++) {
        if (strlen(algos[i].name) == (size_t)(eq - field) &&
            memcmp(field, algos[i].name, (size_t)(eq - field)) == 0) {
            got = b64_decode(eq + 1, digest, 64);
            if (got != (long)algos[i].len)
                return rk_err_set(e, RK_INPUT, "bad hash '%s'", field);
            *algo = algos[i].name;
            *dlen = algos[i].len;
            return 0;
        }
    }
    return rk_err_set(e, RK_INPUT, "unsupported hash algorithm in '%s'", field);
}
