/*
 * regauth.h - registry authentication: WWW-Authenticate challenges and credentials.
 *
 * Challenges (RFC 7235): `Bearer realm="https://ghcr.io/token",service="ghcr.io",
 * scope="repository:a/b:pull"`, several challenges in one header, quoted strings with
 * backslash escapes, token68 (`Basic abc==`). Parsing is total: what cannot be read is
 * skipped. At most RK_WWW_MAX_CHALLENGES challenges of RK_WWW_MAX_PARAMS parameters each.
 *
 * Credentials for a registry host (exact "host[:port]", lowercase), first found wins:
 *   1. REGISTRY_USERNAME / REGISTRY_PASSWORD, only when the caller allows them for this host
 *      (ghcr-promote: the destination registry);
 *   2. GH_TOKEN, else GITHUB_TOKEN, for ghcr.io (username: GITHUB_ACTOR, else "token");
 *   3. the docker config ($DOCKER_CONFIG/config.json, else ~/.docker/config.json):
 *      credHelpers[host] (docker-credential-NAME get; then nothing else), auths[host] ("auth" =
 * base64 user:password, or "username"/"password"), then credsStore. Keys match with or without a
 * scheme and path ("https://index.docker.io/v1/" is docker.io). Every secret found is registered
 * with rk_log_secret before it is returned. Identity tokens (OAuth refresh tokens) are not
 * supported: such entries are skipped with a warning.
 *
 * Ownership: struct rk_www_auth and struct rk_regcred own their strings; rk_regcred_release
 * wipes the secret. Errors: a malformed docker config is RK_INPUT; a credential helper that
 * cannot be run or fails is RK_SYSTEM (one saying "credentials not found" means none).
 */
#ifndef RELKIT_REGAUTH_H
#define RELKIT_REGAUTH_H

#include <stddef.h>

struct rk_err;

#define RK_WWW_MAX_CHALLENGES 8
#define RK_WWW_MAX_PARAMS 16

struct rk_www_param {
    char *name; /* lowercased */
    char *value;
};

struct rk_www_challenge {
    char *scheme;  /* lowercased: "bearer", "basic" */
    char *token68; /* or NULL */
    struct rk_www_param params[RK_WWW_MAX_PARAMS];
    size_t nparams;
};

struct rk_www_auth {
    struct rk_www_challenge ch[RK_WWW_MAX_CHALLENGES];
    size_t n;
};

/* Parse one header value (NULL: no challenge). -1 only when out of memory. */
int rk_www_auth_parse(const char *value, struct rk_www_auth *out);
void rk_www_auth_release(struct rk_www_auth *a);
/* The first challenge with that scheme (case-insensitive), or NULL. */
const struct rk_www_challenge *rk_www_auth_find(const struct rk_www_auth *a, const char *scheme);
/* A parameter's value (name case-insensitive), borrowed, or NULL. */
const char *rk_www_param(const struct rk_www_challenge *c, const char *name);

struct rk_regcred {
    char *username;
    char *secret;
    char source[96]; /* where it came from, for messages: "REGISTRY_USERNAME", "docker config" */
};

enum { RK_REGCRED_ENV = 1 << 0 }; /* REGISTRY_USERNAME/PASSWORD may be used for this host */

/* 0 found, 1 none, -1 error (e set). cred is zeroed first. */
int rk_regcred_find(const char *host, unsigned flags, struct rk_regcred *cred, struct rk_err *e);
void rk_regcred_release(struct rk_regcred *cred);

/* Run docker-credential-NAME get for server; 0 found, 1 none, -1 error. NAME must be
 * [A-Za-z0-9._-]+. Exposed for tests. */
int rk_regcred_helper(const char *name, const char *server, struct rk_regcred *cred,
                      struct rk_err *e);

/* Normalise a docker config key or a host: scheme and path dropped, lowercased,
 * index.docker.io / registry-1.docker.io -> docker.io. out has n bytes. */
void rk_regcred_host_key(const char *key, char *out, size_t n);

#endif
