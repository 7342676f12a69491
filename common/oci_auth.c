/* oci_auth.c - registry auth: ping, credentials, Basic, Bearer tokens (oci_client.h) */
#include "oci_client.h"
#include "oci_priv.h"
#include "clock.h"
#include "digest.h"
#include "jsonio.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

/* tokens kept per registry, oldest dropped first: callers that share a token among many
 * repositories (ghcr-promote: one per group of 64) stay far below it, so a batch never
 * evicts a token it still needs */
#define MAX_TOKENS 256
#define TOKEN_BODY_MAX ((size_t)1 << 20)
#define TOKEN_MIN_TTL_S 60    /* the token spec: assume 60 s when told less */
#define TOKEN_MAX_TTL_S 86400 /* a day at most, whatever expires_in says */

static int set_str(char **field, const char *v)
{
    char *c = v ? strdup(v) : NULL;
    if (v && !c)
        return -1;
    free(*field);
    *field = c;
    return 0;
}

/* learn the auth scheme from a challenge; 0 when understood */
static int adopt_challenge(struct rk_oci_reg *reg, const char *header, struct rk_err *e)
{
    struct rk_www_auth wa;
    const struct rk_www_challenge *c;
    int rc = 0;
    if (rk_www_auth_parse(header, &wa) < 0)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    if ((c = rk_www_auth_find(&wa, "bearer")) && rk_www_param(c, "realm")) {
        reg->auth = RK_OCI_AUTH_BEARER;
        if (set_str(&reg->realm, rk_www_param(c, "realm")) < 0 ||
            set_str(&reg->service, rk_www_param(c, "service")) < 0)
            rc = rk_err_set(e, RK_SYSTEM, "out of memory");
    } else if (rk_www_auth_find(&wa, "basic")) {
        reg->auth = RK_OCI_AUTH_BASIC;
    } else {
        rc = rk_err_set(e, RK_REMOTE,
                        "registry '%s' asks for an unsupported authentication: "
                        "'%.100s'",
                        reg->name, header ? header : "");
    }
    rk_www_auth_release(&wa);
    return rc;
}

int rk_oci_ping(struct rk_oci_client *oc, struct rk_oci_reg *reg, struct rk_err *e)
{
    struct rk_http_req q;
    struct rk_http_resp r;
    char url[512];
    int rc = 0;
    if (reg->ping_err.code != RK_OK)
        return rk_err_set(e, reg->ping_err.code, "%s", reg->ping_err.msg);
    if (reg->auth != RK_OCI_AUTH_UNKNOWN)
        return 0;
    snprintf(url, sizeof(url), "%s/v2/", reg->base);
    rk_http_req_init(&q, "GET", url);
    q.flags |= RK_HTTP_ANY_STATUS;
    q.max_body = 65536;
    rk_http_resp_init(&r);
    if (rk_http_do(oc->http, &q, &r, &reg->ping_err) < 0)
        rc = -1;
    else if (r.status == 200)
        reg->auth = RK_OCI_AUTH_NONE;
    else if (r.status == 401)
        rc = adopt_challenge(reg, rk_http_resp_header(&r, "WWW-Authenticate"), &reg->ping_err);
    else
        rc = rk_err_set(&reg->ping_err, RK_REMOTE, "'%s' is not a registry: GET '%s' answered %ld",
                        reg->name, url, r.status);
    rk_http_req_release(&q);
    rk_http_resp_release(&r);
    if (rc < 0)
        return rk_err_set(e, reg->ping_err.code, "%s", reg->ping_err.msg);
    rk_log_debug("registry '%s': %s", reg->name,
                 reg->auth == RK_OCI_AUTH_BEARER  ? "token auth"
                 : reg->auth == RK_OCI_AUTH_BASIC ? "basic auth"
                                                  : "no auth");
    return 0;
}

static int creds(struct rk_oci_reg *reg, struct rk_err *e)
{
    int rc;
    if (reg->cred_state != 0)
        return 0;
    rc = rk_regcred_find(reg->name, reg->env_creds ? RK_REGCRED_ENV : 0, &reg->cred, e);
    if (rc < 0)
        return rk_err_prefix(e, "credentials for '%s'", reg->name);
    reg->cred_state = rc == 0 ? 1 : 2;
    if (rc == 0)
        rk_log_verbose("registry '%s': credentials from %s", reg->name, reg->cred.source);
    return 0;
}

/* "Basic base64(user:secret)" of the registry's credentials, owned */
static char *basic_value(const struct rk_regcred *c)
{
    size_t n = strlen(c->username) + strlen(c->secret) + 2, m = 4 * ((n + 2) / 3) + 8;
    char *plain = malloc(n), *out = malloc(m);
    if (plain && out) {
        snprintf(plain, n, "%s:%s", c->username, c->secret);
        memcpy(out, "Basic ", 6);
        rk_b64_std((const unsigned char *)plain, n - 1, out + 6);
        OPENSSL_cleanse(plain, n);
    } else {
        free(out);
        out = NULL;
    }
    free(plain);
    return out;
}

/* the token request URL: realm?service=S&scope=A&scope=B (owned) */
static char *token_url(const struct rk_oci_reg *reg, const char *scope)
{
    struct rk_buf b;
    char *esc = NULL, *dup = strdup(scope ? scope : ""), *save = NULL;
    int sep = strchr(reg->realm, '?') != NULL, bad = !dup;
    rk_buf_init(&b, 0);
    bad |= rk_buf_puts(&b, reg->realm) < 0;
    if (reg->service && (esc = rk_url_escape(reg->service)))
        bad |= rk_buf_printf(&b, "%cservice=%s", sep++ ? '&' : '?', esc) < 0;
    free(esc);
    for (char *t = dup ? strtok_r(dup, " ", &save) : NULL; t; t = strtok_r(NULL, " ", &save)) {
        if (!(esc = rk_url_escape(t)) ||
            rk_buf_printf(&b, "%cscope=%s", sep++ ? '&' : '?', esc) < 0)
            bad = 1;
        free(esc);
    }
    free(dup);
    if (bad) {
        rk_buf_release(&b);
        return NULL;
    }
    return rk_buf_detach(&b, NULL);
}

static void token_drop(struct rk_oci_reg *reg, size_t i)
{
    free(reg->tokens[i].scope);
    OPENSSL_cleanse(reg->tokens[i].value, strlen(reg->tokens[i].value));
    free(reg->tokens[i].value);
    memmove(reg->tokens + i, reg->tokens + i + 1, (reg->ntokens - i - 1) * sizeof(*reg->tokens));
    reg->ntokens--;
}

static int token_store(struct rk_oci_reg *reg, const char *scope, const char *tok, int64_t ttl_s,
                       struct rk_err *e)
{
    struct rk_oci_token *t, *v;
    size_t n = strlen(tok) + 8;
    if (reg->ntokens == MAX_TOKENS)
        token_drop(reg, 0); /* the oldest */
    if (!(v = realloc(reg->tokens, (reg->ntokens + 1) * sizeof(*v))))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    reg->tokens = v;
    t = &v[reg->ntokens];
    memset(t, 0, sizeof(*t));
    if (!(t->scope = strdup(scope ? scope : "")) || !(t->value = malloc(n))) {
        free(t->scope);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    snprintf(t->value, n, "Bearer %s", tok);
    rk_log_secret(tok);
    t->got_ms = rk_mono_ms();
    if (ttl_s < TOKEN_MIN_TTL_S)
        ttl_s = TOKEN_MIN_TTL_S;
    if (ttl_s > TOKEN_MAX_TTL_S) /* any lifetime the server claims; never an overflow */
        ttl_s = TOKEN_MAX_TTL_S;
    /* renewed after 80% of its lifetime: never close to expiry when a transfer starts */
    t->expires_ms = t->got_ms + ttl_s * 800;
    reg->ntokens++;
    return 0;
}

/* the token in a 200 answer of the token endpoint */
static int token_parse(struct rk_oci_reg *reg, const char *scope, const struct rk_http_resp *r,
                       struct rk_err *e)
{
    json_object *doc = NULL;
    const char *tok;
    int rc;
    if (rk_json_parse(r->body.data, r->body.len, "token response", &doc, e) < 0)
        return rk_err_prefix(e, "token endpoint of '%s'", reg->name);
    tok = rk_json_str(doc, "token");
    if (!tok || !*tok)
        tok = rk_json_str(doc, "access_token");
    if (!tok || !*tok || strpbrk(tok, "\r\n "))
        rc = rk_err_set(e, RK_REMOTE, "token endpoint of '%s' answered without a token", reg->name);
    else
        rc = token_store(reg, scope, tok, rk_json_int(doc, "expires_in", 60), e);
    if (tok)
        OPENSSL_cleanse((char *)tok, strlen(tok));
    json_object_put(doc);
    return rc;
}

/* the token request for scope, Basic credentials bound to the realm's origin */
static int token_req(struct rk_oci_reg *reg, const char *scope, struct rk_http_req *q,
                     struct rk_err *e)
{
    char *url = token_url(reg, scope), *basic;
    if (!url)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    rk_http_req_init(q, "GET", url);
    q->flags |= RK_HTTP_ANY_STATUS;
    q->max_body = TOKEN_BODY_MAX;
    if (reg->cred_state == 1 && (basic = basic_value(&reg->cred))) {
        rk_http_req_auth(q, basic, url);
        OPENSSL_cleanse(basic, strlen(basic));
        free(basic);
    }
    free(url);
    rk_log_debug("registry '%s': token for '%s'", reg->name, scope ? scope : "");
    return 0;
}

static int token_answer(struct rk_oci_reg *reg, const char *scope, const struct rk_http_resp *r,
                        struct rk_err *e)
{
    if (r->err.code != RK_OK) {
        /* the realm (and any redirect) comes from the registry: a URL refused by policy is
         * the remote's fault, not a usage error */
        rk_err_set(e, r->err.code == RK_USAGE ? RK_REMOTE : r->err.code, "%s", r->err.msg);
        return rk_err_prefix(e, "token endpoint of '%s'", reg->name);
    }
    if ((r->status == 401 || r->status == 403) && reg->cred_state == 1)
        return rk_err_set(e, RK_REMOTE, "registry '%s' refused the credentials from %s: %ld %s",
                          reg->name, reg->cred.source, r->status, rk_http_reason(r->status));
    if (r->status == 401 || r->status == 403)
        return rk_err_set(e, RK_REMOTE, "registry '%s' refused anonymous access: %ld %s", reg->name,
                          r->status, rk_http_reason(r->status));
    if (r->status != 200)
        return rk_err_set(e, RK_REMOTE, "token endpoint of '%s' answered %ld %s", reg->name,
                          r->status, rk_http_reason(r->status));
    return token_parse(reg, scope, r, e);
}

static int token_fetch(struct rk_oci_client *oc, struct rk_oci_reg *reg, const char *scope,
                       struct rk_err *e)
{
    struct rk_http_req q;
    struct rk_http_resp r;
    struct rk_err ignored;
    int rc;
    if (token_req(reg, scope, &q, e) < 0)
        return -1;
    rk_http_resp_init(&r);
    oc->token_requests++;
    rk_err_clear(&ignored);
    rk_http_do(oc->http, &q, &r, &ignored); /* the response carries the error */
    rc = token_answer(reg, scope, &r, e);
    rk_http_req_release(&q);
    rk_http_resp_release(&r);
    return rc;
}

static const struct rk_oci_token *token_cached(struct rk_oci_reg *reg, const char *scope)
{
    int64_t now = rk_mono_ms();
    for (size_t i = 0; i < reg->ntokens; i++) {
        if (strcmp(reg->tokens[i].scope, scope ? scope : "") != 0)
            continue;
        if (now < reg->tokens[i].expires_ms)
            return &reg->tokens[i];
        token_drop(reg, i);
        return NULL;
    }
    return NULL;
}

const char *rk_oci_token_for(struct rk_oci_client *oc, struct rk_oci_reg *reg, const char *scope,
                             struct rk_err *e)
{
    const struct rk_oci_token *t = token_cached(reg, scope);
    if (t)
        return t->value;
    if (creds(reg, e) < 0 || token_fetch(oc, reg, scope, e) < 0)
        return NULL;
    return reg->tokens[reg->ntokens - 1].value;
}

int64_t rk_oci_token_age_mark(struct rk_oci_reg *reg, const char *scope)
{
    for (size_t i = 0; i < reg->ntokens; i++)
        if (strcmp(reg->tokens[i].scope, scope ? scope : "") == 0)
            return reg->tokens[i].got_ms;
    return 0;
}

void rk_oci_token_forget(struct rk_oci_reg *reg, const char *scope)
{
    for (size_t i = 0; i < reg->ntokens; i++)
        if (strcmp(reg->tokens[i].scope, scope ? scope : "") == 0) {
            token_drop(reg, i);
            return;
        }
}

int rk_oci_adopt(struct rk_oci_reg *reg, const char *challenge, struct rk_err *e)
{
    return adopt_challenge(reg, challenge, e);
}

const char *rk_oci_auth_value(struct rk_oci_client *oc, struct rk_oci_reg *reg, const char *scope,
                              struct rk_err *e)
{
    if (rk_oci_ping(oc, reg, e) < 0)
        return NULL;
    switch (reg->auth) {
    case RK_OCI_AUTH_BEARER:
        return rk_oci_token_for(oc, reg, scope, e);
    case RK_OCI_AUTH_BASIC:
        if (creds(reg, e) < 0)
            return NULL;
        if (reg->cred_state != 1) {
            rk_err_set(e, RK_REMOTE,
                       "registry '%s' requires credentials: none found (docker "
                       "config, REGISTRY_USERNAME/REGISTRY_PASSWORD)",
                       reg->name);
            return NULL;
        }
        if (!reg->basic && !(reg->basic = basic_value(&reg->cred))) {
            rk_err_set(e, RK_SYSTEM, "out of memory");
            return NULL;
        }
        return reg->basic;
    default:
        return "";
    }
}

/* ---- tokens for a whole batch at once ---- */

struct want {
    struct rk_oci_reg *reg;
    const char *scope;
};

/* the distinct (registry, scope) pairs of a batch that need a new token */
static size_t wanted(struct rk_oci_client *oc, struct rk_oci_reg **regs, const char **scopes,
                     size_t n, struct want *w)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        struct rk_err ignored;
        int dup = 0;
        rk_err_clear(&ignored);
        if (rk_oci_ping(oc, regs[i], &ignored) < 0 || regs[i]->auth != RK_OCI_AUTH_BEARER ||
            creds(regs[i], &ignored) < 0 || token_cached(regs[i], scopes[i]))
            continue;
        for (size_t j = 0; j < k && !dup; j++)
            dup = w[j].reg == regs[i] &&
                  !strcmp(w[j].scope ? w[j].scope : "", scopes[i] ? scopes[i] : "");
        if (!dup)
            w[k++] = (struct want){regs[i], scopes[i]};
    }
    return k;
}

int rk_oci_prefetch_tokens(struct rk_oci_client *oc, struct rk_oci_reg **regs, const char **scopes,
                           size_t n, int jobs)
{
    struct want *w = calloc(n ? n : 1, sizeof(*w));
    struct rk_http_req *q = NULL;
    struct rk_http_resp *r = NULL;
    struct rk_err ignored;
    size_t k;
    if (!w)
        return -1;
    k = wanted(oc, regs, scopes, n, w);
    if (k > 1 && (q = calloc(k, sizeof(*q))) && (r = calloc(k, sizeof(*r)))) {
        size_t m = 0;
        rk_err_clear(&ignored);
        for (; m < k && token_req(w[m].reg, w[m].scope, &q[m], &ignored) == 0; m++)
            rk_http_resp_init(&r[m]);
        oc->token_requests += m;
        rk_http_run(oc->http, q, r, m, jobs, &ignored);
        for (size_t i = 0; i < m; i++) {
            rk_err_clear(&ignored);
            token_answer(w[i].reg, w[i].scope, &r[i], &ignored); /* failures: asked again */
            rk_http_req_release(&q[i]);
            rk_http_resp_release(&r[i]);
        }
    }
    free(q);
    free(r);
    free(w);
    return 0;
}
