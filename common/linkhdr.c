/* linkhdr.c - see linkhdr.h */
#include "linkhdr.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct cursor {
    const char *s;
    size_t pos, len;
};

static int at_end(const struct cursor *c)
{
    return c->pos >= c->len;
}

static char peek(const struct cursor *c)
{
    return at_end(c) ? '\0' : c->s[c->pos];
}

static void skip_ows(struct cursor *c)
{
    while (!at_end(c) && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t'))
        c->pos++;
}

/* skip a quoted string starting at the opening quote */
static void skip_quoted(struct cursor *c)
{
    c->pos++;
    while (!at_end(c) && c->s[c->pos] != '"') {
        if (c->s[c->pos] == '\\' && c->pos + 1 < c->len)
            c->pos++;
        c->pos++;
    }
    if (!at_end(c))
        c->pos++;
}

/* skip the rest of a malformed link-value, up to and including the next top-level comma */
static void skip_element(struct cursor *c)
{
    while (!at_end(c)) {
        char ch = c->s[c->pos];
        if (ch == ',') {
            c->pos++;
            return;
        }
        if (ch == '"') {
            skip_quoted(c);
        } else if (ch == '<') {
            const char *gt = memchr(c->s + c->pos, '>', c->len - c->pos);
            c->pos = gt ? (size_t)(gt - c->s) + 1 : c->len;
        } else {
            c->pos++;
        }
    }
}

static char *dup_range(const char *p, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

/* parse a quoted string (with escapes) at the opening quote; owned result */
static char *parse_quoted(struct cursor *c)
{
    char *out = malloc(c->len - c->pos + 1);
    size_t n = 0;
    if (!out)
        return NULL;
    c->pos++;
    while (!at_end(c) && c->s[c->pos] != '"') {
        if (c->s[c->pos] == '\\' && c->pos + 1 < c->len)
            c->pos++;
        out[n++] = c->s[c->pos++];
    }
    if (!at_end(c))
        c->pos++;
    out[n] = '\0';
    return out;
}

static int is_token_char(char ch)
{
    return ch && !strchr("=;,\"<> \t", ch);
}

static char *parse_token(struct cursor *c)
{
    size_t start = c->pos;
    while (!at_end(c) && is_token_char(c->s[c->pos]))
        c->pos++;
    return dup_range(c->s + start, c->pos - start);
}

/* lowercase, whitespace runs collapsed to one space, trimmed; in place */
static void normalise_rel(char *r)
{
    size_t j = 0;
    int space = 0;
    for (size_t i = 0; r[i]; i++) {
        unsigned char ch = (unsigned char)r[i];
        if (isspace(ch)) {
            space = j > 0;
            continue;
        }
        if (space)
            r[j++] = ' ';
        space = 0;
        r[j++] = (char)tolower(ch);
    }
    r[j] = '\0';
}

/* one parameter after ';': sets *rel for the first rel= seen. -1 on ENOMEM */
static int parse_param(struct cursor *c, char **rel)
{
    char *name, *value = NULL;
    skip_ows(c);
    name = parse_token(c);
    if (!name)
        return -1;
    skip_ows(c);
    if (peek(c) == '=') {
        c->pos++;
        skip_ows(c);
        value = peek(c) == '"' ? parse_quoted(c) : parse_token(c);
        if (!value) {
            free(name);
            return -1;
        }
    }
    if (strcasecmp(name, "rel") == 0 && !*rel && value) {
        normalise_rel(value);
        *rel = value;
        value = NULL;
    }
    free(name);
    free(value);
    return 0;
}

/* parameters of one link-value; 1 ok, 0 malformed (skipped), -1 ENOMEM */
static int parse_params(struct cursor *c, char **rel)
{
    for (;;) {
        skip_ows(c);
        if (at_end(c))
            return 1;
        if (peek(c) == ',') {
            c->pos++;
            return 1;
        }
        if (peek(c) != ';') {
            skip_element(c);
            return 0;
        }
        c->pos++;
        if (parse_param(c, rel) < 0)
            return -1;
    }
}

static char *trimmed_dup(const char *p, size_t n)
{
    while (n && isspace((unsigned char)*p)) {
        p++;
        n--;
    }
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    return dup_range(p, n);
}

static int add_link(struct rk_links *out, char *url, char *rel)
{
    struct rk_link *v = realloc(out->v, (out->n + 1) * sizeof(*v));
    if (!v)
        return -1;
    out->v = v;
    v[out->n].url = url;
    v[out->n].rel = rel;
    out->n++;
    return 0;
}

/* one link-value at c; -1 on ENOMEM */
static int parse_link(struct cursor *c, struct rk_links *out)
{
    const char *gt;
    char *url, *rel = NULL;
    int rc;
    if (peek(c) != '<') {
        skip_element(c);
        return 0;
    }
    gt = memchr(c->s + c->pos, '>', c->len - c->pos);
    if (!gt) {
        c->pos = c->len;
        return 0;
    }
    url = trimmed_dup(c->s + c->pos + 1, (size_t)(gt - c->s) - c->pos - 1);
    if (!url)
        return -1;
    c->pos = (size_t)(gt - c->s) + 1;
    rc = parse_params(c, &rel);
    if (rc == 1 && !rel)
        rel = strdup("");
    if (rc == 1 && rel && add_link(out, url, rel) == 0)
        return 0;
    free(url);
    free(rel);
    return rc == 0 ? 0 : -1;
}

int rk_links_parse(const char *value, struct rk_links *out)
{
    struct cursor c = {value, 0, 0};
    out->v = NULL;
    out->n = 0;
    if (!value)
        return 0;
    c.len = strnlen(value, RK_LINK_VALUE_MAX);
    while (!at_end(&c) && out->n < RK_LINKS_MAX) {
        while (!at_end(&c) && (isspace((unsigned char)peek(&c)) || peek(&c) == ','))
            c.pos++;
        if (at_end(&c))
            break;
        if (parse_link(&c, out) < 0) {
            rk_links_release(out);
            return -1;
        }
    }
    return 0;
}

void rk_links_release(struct rk_links *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].url);
        free(l->v[i].rel);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int rel_has(const char *list, const char *rel)
{
    size_t rl = strlen(rel);
    const char *p = list;
    if (!rl)
        return 0;
    while (*p) {
        size_t n = strcspn(p, " ");
        if (n == rl && strncasecmp(p, rel, rl) == 0)
            return 1;
        p += n;
        while (*p == ' ')
            p++;
    }
    return 0;
}

const char *rk_links_find(const struct rk_links *l, const char *rel)
{
    for (size_t i = 0; i < l->n; i++)
        if (rel_has(l->v[i].rel, rel))
            return l->v[i].url;
    return NULL;
}
