/* regauth.c - WWW-Authenticate parsing (regauth.h) */
#include "regauth.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEADER_MAX 8192

static int is_tchar(char c)
{
    return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_t68char(char c)
{
    return isalnum((unsigned char)c) || (c && strchr("-._~+/", c));
}

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static char *dup_lower(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++)
        s[i] = (char)tolower((unsigned char)p[i]);
    s[n] = '\0';
    return s;
}

/* a quoted-string at p ('"'): unescaped copy in *out, returns the position after it */
static const char *quoted(const char *p, char **out)
{
    size_t n = 0;
    char *s = malloc(strlen(p) + 1);
    *out = s;
    if (!s)
        return NULL;
    for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1])
            p++;
        s[n++] = *p;
    }
    s[n] = '\0';
    return *p == '"' ? p + 1 : p;
}

/* token68 after a scheme: t68char+ '='* followed by end or ',' */
static size_t token68_len(const char *p)
{
    size_t n = 0;
    while (is_t68char(p[n]))
        n++;
    if (n == 0)
        return 0;
    while (p[n] == '=')
        n++;
    return *skip_ows(p + n) == '\0' || *skip_ows(p + n) == ',' ? n : 0;
}

/* one auth-param "name = value" at p; returns the position after it, NULL when p does not
 * start a parameter (then it starts the next challenge), and sets *oom on ENOMEM */
static const char *param(const char *p, struct rk_www_challenge *c, int *oom)
{
    size_t n = 0;
    const char *q;
    char *value = NULL;
    while (is_tchar(p[n]))
        n++;
    q = skip_ows(p + n);
    if (n == 0 || *q != '=')
        return NULL;
    q = skip_ows(q + 1);
    if (*q == '"') {
        q = quoted(q, &value);
    } else {
        size_t m = 0;
        while (is_tchar(q[m]))
            m++;
        value = strndup(q, m);
        q += m;
    }
    if (!value || !q) {
        free(value);
        *oom = 1;
        return NULL;
    }
    if (c->nparams < RK_WWW_MAX_PARAMS && (c->params[c->nparams].name = dup_lower(p, n))) {
        c->params[c->nparams++].value = value;
    } else {
        *oom = c->nparams < RK_WWW_MAX_PARAMS;
        free(value);
    }
    return q;
}

/* the parameters of challenge c, starting at p; returns where the next challenge starts */
static const char *challenge_body(const char *p, struct rk_www_challenge *c, int *oom)
{
    for (;;) {
        const char *next;
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        if (!*p)
            return p;
        next = param(p, c, oom);
        if (*oom)
            return p + strlen(p);
        if (!next)
            return p;
        p = next;
    }
}

static void challenge_free(struct rk_www_challenge *c)
{
    free(c->scheme);
    free(c->token68);
    for (size_t i = 0; i < c->nparams; i++) {
        free(c->params[i].name);
        free(c->params[i].value);
    }
    memset(c, 0, sizeof(*c));
}

void rk_www_auth_release(struct rk_www_auth *a)
{
    for (size_t i = 0; i < a->n; i++)
        challenge_free(&a->ch[i]);
    a->n = 0;
}

/* token68 directly after the scheme, unless p starts a name=value parameter */
static const char *maybe_token68(const char *p, struct rk_www_challenge *c, int *oom)
{
    size_t n = token68_len(p), name = 0;
    const char *q;
    while (is_tchar(p[name]))
        name++;
    q = skip_ows(p + name);
    if (name > 0 && *q == '=') {
        const char *v = skip_ows(q + 1);
        if (*v && *v != '=' && *v != ',')
            return p; /* "realm=..." */
    }
    if (n == 0)
        return p;
    if (!(c->token68 = strndup(p, n)))
        *oom = 1;
    return p + n;
}

int rk_www_auth_parse(const char *value, struct rk_www_auth *out)
{
    const char *p = value ? value : "";
    int oom = 0;
    memset(out, 0, sizeof(*out));
    if (strlen(p) > HEADER_MAX)
        return 0;
    while (*p && out->n < RK_WWW_MAX_CHALLENGES && !oom) {
        struct rk_www_challenge *c = &out->ch[out->n];
        size_t n = 0;
        p = skip_ows(p);
        while (*p == ',' || *p == ' ')
            p++;
        while (is_tchar(p[n]))
            n++;
        if (n == 0) {
            p += *p ? 1 : 0; /* junk: skip a character */
            continue;
        }
        if (!(c->scheme = dup_lower(p, n)))
            return rk_www_auth_release(out), -1;
        out->n++;
        p = skip_ows(p + n);
        p = maybe_token68(p, c, &oom);
        p = challenge_body(p, c, &oom);
    }
    if (oom) {
        rk_www_auth_release(out);
        return -1;
    }
    return 0;
}

const struct rk_www_challenge *rk_www_auth_find(const struct rk_www_auth *a, const char *scheme)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcasecmp(a->ch[i].scheme, scheme) == 0)
            return &a->ch[i];
    return NULL;
}

const char *rk_www_param(const struct rk_www_challenge *c, const char *name)
{
    for (size_t i = 0; c && i < c->nparams; i++)
        if (strcasecmp(c->params[i].name, name) == 0)
            return c->params[i].value;
    return NULL;
}
