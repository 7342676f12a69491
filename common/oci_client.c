/* oci_client.c - registries: creation, URLs, scopes, answers (oci_client.h) */
#include "oci_client.h"
#include "jsonio.h"
#include "log.h"
#include "oci.h"
#include "oci_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

int rk_oci_client_init(struct rk_oci_client *oc, struct rk_http_client *http, struct rk_err *e)
{
    memset(oc, 0, sizeof(*oc));
    oc->http = http;
    return 0;
}

static void wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static void reg_free(struct rk_oci_reg *r)
{
    free(r->name);
    free(r->base);
    free(r->realm);
    free(r->service);
    rk_regcred_release(&r->cred);
    wipe_free(r->basic);
    for (size_t i = 0; i < r->ntokens; i++) {
        free(r->tokens[i].scope);
        wipe_free(r->tokens[i].value);
    }
    free(r->tokens);
    free(r);
}

void rk_oci_client_release(struct rk_oci_client *oc)
{
    for (size_t i = 0; i < oc->nregs; i++)
        reg_free(oc->regs[i]);
    free(oc->regs);
    oc->regs = NULL;
    oc->nregs = 0;
}

static char *make_base(const struct rk_http_client *http, const char *name)
{
    const char *host = rk_oci_api_host(name);
    size_t n = strlen(host) + 16;
    char *base = malloc(n);
    if (!base)
        return NULL;
    snprintf(base, n, "http://%s/v2/", host);
    if (rk_http_check_url(http, base, NULL) == 0) /* loopback or --insecure-registry */
        snprintf(base, n, "http://%s", host);
    else
        snprintf(base, n, "https://%s", host);
    return base;
}

struct rk_oci_reg *rk_oci_client_reg(struct rk_oci_client *oc, const char *name, int env_creds,
                                     struct rk_err *e)
{
    struct rk_oci_reg *r, **v;
    for (size_t i = 0; i < oc->nregs; i++) {
        if (strcmp(oc->regs[i]->name, name) == 0) {
            oc->regs[i]->env_creds |= env_creds;
            return oc->regs[i];
        }
    }
    v = realloc(oc->regs, (oc->nregs + 1) * sizeof(*v));
    r = calloc(1, sizeof(*r));
    if (v)
        oc->regs = v;
    if (!v || !r || !(r->name = strdup(name)) || !(r->base = make_base(oc->http, name))) {
        if (r)
            reg_free(r);
        rk_err_set(e, RK_SYSTEM, "out of memory");
        return NULL;
    }
    r->env_creds = env_creds;
    oc->regs[oc->nregs++] = r;
    return r;
}

char *rk_oci_url(const struct rk_oci_reg *r, const char *repo, const char *kind, const char *ref)
{
    size_t n = strlen(r->base) + strlen(repo) + strlen(kind) + (ref ? strlen(ref) : 0) + 8;
    char *u = malloc(n);
    if (u)
        snprintf(u, n, "%s/v2/%s/%s%s%s", r->base, repo, kind, ref ? "/" : "", ref ? ref : "");
    return u;
}

char *rk_oci_resolve(const char *base_url, const char *location)
{
    CURLU *u;
    char *s = NULL, *out = NULL;
    if (!location || !*location)
        return NULL;
    if (!(u = curl_url()))
        return NULL;
    if (curl_url_set(u, CURLUPART_URL, base_url, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
        out = strdup(s);
    curl_free(s);
    curl_url_cleanup(u);
    return out;
}

/* ---- scopes ---- */

void rk_oci_scope_init(struct rk_oci_scope *s)
{
    memset(s, 0, sizeof(*s));
}

void rk_oci_scope_release(struct rk_oci_scope *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->repos[i]);
    free(s->repos);
    free(s->actions);
    memset(s, 0, sizeof(*s));
}

int rk_oci_scope_add(struct rk_oci_scope *s, const char *repo, unsigned actions)
{
    size_t at = 0;
    char **r;
    unsigned *a;
    while (at < s->n && strcmp(s->repos[at], repo) < 0)
        at++;
    if (at < s->n && strcmp(s->repos[at], repo) == 0) {
        s->actions[at] |= actions;
        return 0;
    }
    r = realloc(s->repos, (s->n + 1) * sizeof(*r));
    if (r)
        s->repos = r;
    a = realloc(s->actions, (s->n + 1) * sizeof(*a));
    if (a)
        s->actions = a;
    if (!r || !a)
        return -1;
    memmove(r + at + 1, r + at, (s->n - at) * sizeof(*r));
    memmove(a + at + 1, a + at, (s->n - at) * sizeof(*a));
    if (!(r[at] = strdup(repo))) {
        memmove(r + at, r + at + 1, (s->n - at) * sizeof(*r));
        memmove(a + at, a + at + 1, (s->n - at) * sizeof(*a));
        return -1;
    }
    a[at] = actions;
    s->n++;
    return 0;
}

char *rk_oci_scope_string(const struct rk_oci_scope *s)
{
    struct rk_buf b;
    rk_buf_init(&b, 0);
    if (rk_buf_puts(&b, "") < 0)
        return NULL;
    for (size_t i = 0; i < s->n; i++) {
        unsigned a = s->actions[i];
        if (rk_buf_printf(&b, "%srepository:%s:%s", i ? " " : "", s->repos[i],
                          a == (RK_OCI_PULL | RK_OCI_PUSH) ? "pull,push"
                          : a == RK_OCI_PUSH               ? "push"
                                                           : "pull") < 0) {
            rk_buf_release(&b);
            return NULL;
        }
    }
    return rk_buf_detach(&b, NULL);
}

/* ---- answers ---- */

/* the first error's code and message; the message masked whole (log.h) before it is cut to
 * mn, so a cut never leaves part of a secret */
static void first_error(const struct rk_http_resp *resp, char *code, size_t cn, char *msg,
                        size_t mn)
{
    json_object *doc = NULL, *errs, *e0;
    code[0] = msg[0] = '\0';
    if (resp->body.len == 0 || rk_json_parse(resp->body.data, resp->body.len, "", &doc, NULL) < 0)
        return;
    if ((errs = rk_json_array(doc, "errors")) && json_object_array_length(errs) > 0 &&
        (e0 = json_object_array_get_idx(errs, 0))) {
        rk_log_redact(rk_json_str(e0, "code") ? rk_json_str(e0, "code") : "", code, cn);
        rk_log_redact(rk_json_str(e0, "message") ? rk_json_str(e0, "message") : "", msg, mn);
    }
    json_object_put(doc);
}

void rk_oci_error_code(const struct rk_http_resp *resp, char *out, size_t n)
{
    char msg[8];
    first_error(resp, out, n, msg, sizeof(msg));
}

static const char *hint_401(const struct rk_oci_reg *reg, char *buf, size_t n)
{
    if (reg->cred_state == 2 || reg->auth == RK_OCI_AUTH_NONE)
        snprintf(buf, n,
                 " (no credentials for '%s': docker config, REGISTRY_USERNAME/"
                 "REGISTRY_PASSWORD, GH_TOKEN for ghcr.io)",
                 reg->name);
    else if (reg->auth == RK_OCI_AUTH_BASIC)
        snprintf(buf, n, " (the registry refused the credentials from %s)", reg->cred.source);
    else
        snprintf(buf, n, " (the credentials from %s lack access)", reg->cred.source);
    return buf;
}

int rk_oci_check(const struct rk_oci_reg *reg, const struct rk_http_resp *resp, long want,
                 long want2, const char *what, struct rk_err *e)
{
    char code[64], msg[300], hint[200] = "";
    if (resp->err.code != RK_OK)
        return rk_err_set(e, resp->err.code, "%s", resp->err.msg);
    if (resp->status == want || (want2 && resp->status == want2))
        return 0;
    first_error(resp, code, sizeof(code), msg, sizeof(msg));
    if (resp->status == 401)
        hint_401(reg, hint, sizeof(hint));
    return rk_err_set(e, resp->status >= 500 ? RK_TRANSIENT : RK_REMOTE, "%s: %ld %s%s%s%s%s%s",
                      what, resp->status, rk_http_reason(resp->status), *code ? ": " : "", code,
                      *msg ? ": " : "", msg, hint);
}

/* ---- copies for worker threads (oci_priv.h) ---- */

static int dup_field(char **dst, const char *src)
{
    return !src || (*dst = strdup(src)) ? 0 : -1;
}

static int clone_tokens(struct rk_oci_reg *d, const struct rk_oci_reg *s)
{
    if (s->ntokens == 0)
        return 0;
    if (!(d->tokens = calloc(s->ntokens, sizeof(*d->tokens))))
        return -1;
    for (size_t i = 0; i < s->ntokens; i++, d->ntokens++) {
        d->tokens[i] = s->tokens[i];
        d->tokens[i].scope = d->tokens[i].value = NULL;
        if (dup_field(&d->tokens[i].scope, s->tokens[i].scope) < 0 ||
            dup_field(&d->tokens[i].value, s->tokens[i].value) < 0) {
            free(d->tokens[i].scope);
            return -1;
        }
    }
    return 0;
}

static struct rk_oci_reg *clone_reg(const struct rk_oci_reg *s)
{
    struct rk_oci_reg *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->env_creds = s->env_creds;
    d->auth = s->auth;
    d->cred_state = s->cred_state;
    d->ping_err = s->ping_err;
    snprintf(d->cred.source, sizeof(d->cred.source), "%s", s->cred.source);
    if (dup_field(&d->name, s->name) < 0 || dup_field(&d->base, s->base) < 0 ||
        dup_field(&d->realm, s->realm) < 0 || dup_field(&d->service, s->service) < 0 ||
        dup_field(&d->cred.username, s->cred.username) < 0 ||
        dup_field(&d->cred.secret, s->cred.secret) < 0 || dup_field(&d->basic, s->basic) < 0 ||
        clone_tokens(d, s) < 0) {
        reg_free(d);
        return NULL;
    }
    return d;
}

int rk_oci_client_clone(struct rk_oci_client *dst, const struct rk_oci_client *src,
                        struct rk_http_client *http, struct rk_err *e)
{
    rk_oci_client_init(dst, http, e);
    if (src->nregs && !(dst->regs = calloc(src->nregs, sizeof(*dst->regs))))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    for (size_t i = 0; i < src->nregs; i++, dst->nregs++) {
        if (!(dst->regs[i] = clone_reg(src->regs[i]))) {
            rk_oci_client_release(dst);
            return rk_err_set(e, RK_SYSTEM, "out of memory");
        }
    }
    return 0;
}

struct rk_oci_reg *rk_oci_client_twin(const struct rk_oci_client *clone,
                                      const struct rk_oci_client *orig,
                                      const struct rk_oci_reg *reg)
{
    for (size_t i = 0; i < orig->nregs && i < clone->nregs; i++)
        if (orig->regs[i] == reg)
            return clone->regs[i];
    return NULL;
}
