/* http_url.c - URL helpers of http.h: origins, loopback, policy, escaping, query params */
#include "http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>

struct url_parts {
    char *scheme, *host, *port, *user;
};

static void parts_free(struct url_parts *p)
{
    curl_free(p->scheme);
    curl_free(p->host);
    curl_free(p->port);
    curl_free(p->user);
}

/* 0 when url is an absolute URL with scheme and host; parts are lowercase except user */
static int url_split(const char *url, struct url_parts *p)
{
    CURLU *u = curl_url();
    int rc = -1;
    memset(p, 0, sizeof(*p));
    if (!u)
        return -1;
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &p->scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &p->host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &p->port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_USER, &p->user, 0);
        for (char *s = p->scheme; *s; s++)
            *s = (char)tolower((unsigned char)*s);
        for (char *s = p->host; *s; s++)
            *s = (char)tolower((unsigned char)*s);
        rc = *p->host ? 0 : -1;
    }
    curl_url_cleanup(u);
    if (rc < 0)
        parts_free(p);
    return rc;
}

int rk_http_origin(const char *url, char *out, size_t n)
{
    struct url_parts p;
    int len;
    if (!url || url_split(url, &p) < 0)
        return -1;
    len = snprintf(out, n, "%s://%s:%s", p.scheme, p.host, p.port);
    parts_free(&p);
    return len < 0 || (size_t)len >= n ? -1 : 0;
}

int rk_http_same_origin(const char *a, const char *b)
{
    char oa[RK_HTTP_ORIGIN_MAX], ob[RK_HTTP_ORIGIN_MAX];
    if (rk_http_origin(a, oa, sizeof(oa)) < 0 || rk_http_origin(b, ob, sizeof(ob)) < 0)
        return 0;
    return strcmp(oa, ob) == 0;
}

int rk_http_is_loopback(const char *host)
{
    char buf[128];
    size_t n;
    struct in_addr a4;
    struct in6_addr a6;
    if (!host)
        return 0;
    n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        host++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof(buf))
        return 0;
    memcpy(buf, host, n);
    buf[n] = '\0';
    if (strcasecmp(buf, "localhost") == 0 || strcasecmp(buf, "localhost.") == 0)
        return 1;
    if (inet_pton(AF_INET, buf, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, buf, &a6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&a6))
            return 1;
        return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
    }
    return 0;
}

static int insecure_allowed(const struct rk_http_client *c, const struct url_parts *p)
{
    char hostport[300];
    snprintf(hostport, sizeof(hostport), "%s:%s", p->host, p->port);
    for (size_t i = 0; c && i < c->ninsecure; i++)
        if (strcasecmp(c->insecure_hosts[i], p->host) == 0 ||
            strcasecmp(c->insecure_hosts[i], hostport) == 0)
            return 1;
    return 0;
}

int rk_http_check_url(const struct rk_http_client *c, const char *url, struct rk_err *e)
{
    struct url_parts p;
    int rc = 0;
    if (!url || url_split(url, &p) < 0)
        return rk_err_set(e, RK_INPUT, "invalid URL '%s'", url ? url : "");
    if (strcmp(p.scheme, "https") != 0 && strcmp(p.scheme, "http") != 0) {
        rc = rk_err_set(e, RK_USAGE, "unsupported URL scheme '%s' in '%s'", p.scheme, url);
    } else if (p.user) {
        rc = rk_err_set(e, RK_USAGE, "credentials in a URL for '%s' are not supported", p.host);
    } else if (strcmp(p.scheme, "http") == 0 && !rk_http_is_loopback(p.host) &&
               !insecure_allowed(c, &p)) {
        rc = rk_err_set(e, RK_USAGE,
                        "refusing plain http to '%s': only loopback hosts and hosts allowed as "
                        "insecure may use http, use https",
                        p.host);
    }
    parts_free(&p);
    return rc;
}

char *rk_url_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = malloc(3 * n + 1), *o = out;
    if (!out)
        return NULL;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            *o++ = (char)ch;
        } else {
            *o++ = '%';
            *o++ = hex[ch >> 4];
            *o++ = hex[ch & 15];
        }
    }
    *o = '\0';
    return out;
}

/* the query part of url: [*start, *end) without '?' and fragment; 0 when there is none */
static int query_span(const char *url, const char **start, const char **end)
{
    const char *q = strchr(url, '?');
    const char *h = strchr(url, '#');
    if (!q || (h && h < q))
        return 0;
    *start = q + 1;
    *end = h ? h : url + strlen(url);
    return 1;
}

/* the value of name within [p, end), or NULL */
static const char *query_find(const char *p, const char *end, const char *name, size_t *vlen)
{
    size_t nl = strlen(name);
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if ((size_t)(stop - p) > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            *vlen = (size_t)(stop - p) - nl - 1;
            return p + nl + 1;
        }
        p = stop + 1;
    }
    return NULL;
}

int rk_url_query_int(const char *url, const char *name, long *out)
{
    const char *s, *e, *v;
    size_t vl;
    long n = 0;
    if (!query_span(url, &s, &e) || !(v = query_find(s, e, name, &vl)) || vl == 0 || vl > 18)
        return -1;
    for (size_t i = 0; i < vl; i++) {
        if (!isdigit((unsigned char)v[i]))
            return -1;
        n = n * 10 + (v[i] - '0');
    }
    *out = n;
    return 0;
}

char *rk_url_set_query(const char *url, const char *name, const char *value)
{
    const char *s, *e, *v = NULL, *frag;
    size_t vl = 0, n = strlen(url) + strlen(name) + strlen(value) + 3;
    char *out = malloc(n);
    if (!out)
        return NULL;
    if (query_span(url, &s, &e))
        v = query_find(s, e, name, &vl);
    if (v) {
        snprintf(out, n, "%.*s%s%s", (int)(v - url), url, value, v + vl);
        return out;
    }
    frag = strchr(url, '#');
    if (!frag)
        frag = url + strlen(url);
    snprintf(out, n, "%.*s%c%s=%s%s", (int)(frag - url), url, query_span(url, &s, &e) ? '&' : '?',
             name, value, frag);
    return out;
}
