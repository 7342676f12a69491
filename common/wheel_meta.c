/* wheel_meta.c - METADATA / WHEEL headers: parse and byte-preserving rewrite (see wheel.h) */
#include "wheel.h"
#include "buf.h"
#include "err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static size_t line_end(const char *t, size_t len, size_t pos)
{
    const char *nl = memchr(t + pos, '\n', len - pos);
    return nl ? (size_t)(nl - t) + 1 : len;
}

/* length of the line content (without "\n" / "\r\n") */
static size_t content_len(const char *t, size_t start, size_t end)
{
    size_t n = end - start;
    if (n && t[start + n - 1] == '\n')
        n--;
    if (n && t[start + n - 1] == '\r')
        n--;
    return n;
}

/* a header line: printable key characters (no space, no ':'), then ':' */
static size_t key_len(const char *t, size_t start, size_t clen)
{
    size_t k = 0;
    while (k < clen && t[start + k] > 32 && t[start + k] < 127 && t[start + k] != ':')
        k++;
    return k > 0 && k < clen && t[start + k] == ':' ? k : 0;
}

static int grow(struct rk_meta *m, size_t *cap)
{
    struct rk_meta_field *f;
    size_t ncap = *cap ? *cap * 2 : 32;
    if (m->n < *cap)
        return 0;
    f = realloc(m->f, ncap * sizeof(*f));
    if (!f)
        return -1;
    m->f = f;
    *cap = ncap;
    return 0;
}

static void add_field(struct rk_meta *m, size_t pos, size_t end, size_t clen, size_t k)
{
    struct rk_meta_field *f = &m->f[m->n++];
    size_t v = pos + k + 1;
    while (v < pos + clen && (m->text[v] == ' ' || m->text[v] == '\t'))
        v++;
    f->start = pos, f->end = end;
    f->key_off = pos, f->key_len = k;
    f->val_off = v, f->val_len = pos + clen - v;
}

int rk_meta_parse(struct rk_meta *m, const char *text, size_t len, const char *what,
                  struct rk_err *e)
{
    size_t pos = 0, cap = 0;
    memset(m, 0, sizeof(*m));
    m->text = text, m->len = len, m->eol = "\n";
    if (len > RK_WHEEL_TEXT_MAX)
        return rk_err_set(e, RK_INPUT, "'%s' is too large", what);
    if (len && memchr(text, '\0', len))
        return rk_err_set(e, RK_INPUT, "'%s' contains a NUL byte", what);
    m->headers_end = len;
    while (pos < len) {
        size_t end = line_end(text, len, pos), clen = content_len(text, pos, end), k;
        if (pos == 0 && end >= 2 && text[end - 2] == '\r')
            m->eol = "\r\n";
        if (clen == 0) {
            m->headers_end = pos;
            break;
        }
        if (text[pos] == ' ' || text[pos] == '\t') {
            if (!m->n)
                return rk_err_set(e, RK_INPUT, "'%s' starts with a continuation line", what);
            m->f[m->n - 1].end = end;
        } else if ((k = key_len(text, pos, clen)) > 0) {
            if (grow(m, &cap) < 0) {
                rk_meta_release(m);
                return rk_err_set(e, RK_SYSTEM, "unable to parse '%s': out of memory", what);
            }
            add_field(m, pos, end, clen, k);
        } else {
            m->headers_end = pos; /* not a header: the body starts here */
            break;
        }
        pos = end;
    }
    return 0;
}

void rk_meta_release(struct rk_meta *m)
{
    free(m->f);
    m->f = NULL;
    m->n = 0;
}

long rk_meta_find(const struct rk_meta *m, const char *key, size_t from)
{
    size_t kl = strlen(key);
    for (size_t i = from; i < m->n; i++)
        if (m->f[i].key_len == kl && strncasecmp(m->text + m->f[i].key_off, key, kl) == 0)
            return (long)i;
    return -1;
}

int rk_meta_value(const struct rk_meta *m, size_t i, char *out, size_t n)
{
    const struct rk_meta_field *f = &m->f[i];
    size_t l = f->val_len;
    while (l && (m->text[f->val_off + l - 1] == ' ' || m->text[f->val_off + l - 1] == '\t'))
        l--;
    if (l >= n)
        return -1;
    memcpy(out, m->text + f->val_off, l);
    out[l] = '\0';
    return 0;
}

int rk_meta_format(const struct rk_meta *m, long i, const char *key, const char *value,
                   struct rk_buf *out)
{
    if (i >= 0 && (size_t)i < m->n) {
        if (rk_buf_append(out, m->text + m->f[i].key_off, m->f[i].key_len) < 0)
            return -1;
    } else if (rk_buf_puts(out, key) < 0) {
        return -1;
    }
    if (rk_buf_puts(out, ": ") < 0 || rk_buf_puts(out, value) < 0 || rk_buf_puts(out, m->eol) < 0)
        return -1;
    return 0;
}

static int insert_at_end(const struct rk_meta *m, size_t *pos, const char *text, struct rk_buf *out)
{
    if (rk_buf_append(out, m->text + *pos, m->headers_end - *pos) < 0)
        return -1;
    *pos = m->headers_end;
    if (m->headers_end > 0 && m->text[m->headers_end - 1] != '\n' && rk_buf_puts(out, m->eol) < 0)
        return -1;
    return rk_buf_puts(out, text);
}

int rk_meta_rewrite(const struct rk_meta *m, const struct rk_meta_edit *edits, size_t nedits,
                    struct rk_buf *out, struct rk_err *e)
{
    size_t pos = 0;
    for (size_t i = 0; i < nedits; i++) {
        const struct rk_meta_edit *ed = &edits[i];
        int rc;
        if (ed->field > m->n || (i && ed->field < edits[i - 1].field) ||
            (i && ed->field == edits[i - 1].field && ed->field < m->n))
            return rk_err_set(e, RK_SYSTEM, "metadata edits out of order");
        if (ed->field == m->n) {
            rc = insert_at_end(m, &pos, ed->text, out);
        } else {
            const struct rk_meta_field *f = &m->f[ed->field];
            rc = rk_buf_append(out, m->text + pos, f->start - pos);
            if (rc == 0)
                rc = rk_buf_puts(out, ed->text);
            pos = f->end;
        }
        if (rc < 0)
            return rk_err_set(e, errno == EFBIG ? RK_INPUT : RK_SYSTEM,
                              "rewritten metadata too large");
    }
    if (rk_buf_append(out, m->text + pos, m->len - pos) < 0)
        return rk_err_set(e, errno == EFBIG ? RK_INPUT : RK_SYSTEM, "rewritten metadata too large");
    return 0;
}
