/* regauth_cred.c - registry credentials from the environment and the docker config */
#include "regauth.h"
#include "buf.h"
#include "err.h"
#include "fs.h"
#include "jsonio.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define CONFIG_MAX ((size_t)4 << 20)

static void wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void rk_regcred_release(struct rk_regcred *c)
{
    free(c->username);
    wipe_free(c->secret);
    memset(c, 0, sizeof(*c));
}

void rk_regcred_host_key(const char *key, char *out, size_t n)
{
    const char *p = key, *end;
    size_t len;
    if (strncasecmp(p, "https://", 8) == 0)
        p += 8;
    else if (strncasecmp(p, "http://", 7) == 0)
        p += 7;
    end = p + strcspn(p, "/");
    len = (size_t)(end - p) < n - 1 ? (size_t)(end - p) : n - 1;
    for (size_t i = 0; i < len; i++)
        out[i] = (char)tolower((unsigned char)p[i]);
    out[len] = '\0';
    if (!strcmp(out, "index.docker.io") || !strcmp(out, "registry-1.docker.io"))
        snprintf(out, n, "docker.io");
}

/* take copies of user and secret; the secret is registered */
static int cred_set(struct rk_regcred *c, const char *user, const char *secret, const char *source,
                    struct rk_err *e)
{
    c->username = strdup(user);
    c->secret = strdup(secret);
    if (!c->username || !c->secret) {
        rk_regcred_release(c);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    snprintf(c->source, sizeof(c->source), "%s", source);
    rk_log_secret(secret);
    return 0;
}

/* the docker config (owned), or NULL (no file: *none = 1) */
static int config_load(json_object **out, char *path, size_t pathn, struct rk_err *e)
{
    const char *dir = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
    struct rk_buf b;
    struct stat st;
    int rc;
    *out = NULL;
    if (dir && *dir)
        snprintf(path, pathn, "%s/config.json", dir);
    else if (home && *home)
        snprintf(path, pathn, "%s/.docker/config.json", home);
    else
        return 1;
    if (stat(path, &st) < 0 && errno == ENOENT)
        return 1;
    rk_buf_init(&b, CONFIG_MAX);
    rc = rk_read_file(path, &b, e);
    if (rc == 0)
        rc = rk_json_parse(b.data, b.len, path, out, e);
    OPENSSL_cleanse(b.data ? b.data : "", b.data ? b.len : 0);
    rk_buf_release(&b);
    if (rc == 0 && !json_object_is_type(*out, json_type_object)) {
        json_object_put(*out);
        *out = NULL;
        return rk_err_set(e, RK_INPUT, "invalid docker config '%s': not an object", path);
    }
    return rc;
}

/* the value of the first key of obj (an object) that normalises to host */
static json_object *find_host(json_object *obj, const char *host, const char **key)
{
    char k[300];
    if (!obj)
        return NULL;
    json_object_object_foreach(obj, name, val)
    {
        rk_regcred_host_key(name, k, sizeof(k));
        if (strcmp(k, host) == 0) {
            *key = name;
            return val;
        }
    }
    return NULL;
}

/* "auth": base64 of "user:password" */
static int auth_entry(json_object *ent, const char *host, struct rk_regcred *c, struct rk_err *e)
{
    const char *auth = rk_json_str(ent, "auth"), *user = rk_json_str(ent, "username");
    const char *pass = rk_json_str(ent, "password");
    unsigned char *raw;
    char *colon;
    int n, rc;
    if (user && pass && *user)
        return cred_set(c, user, pass, "docker config", e);
    if (!auth || !*auth) {
        if (rk_json_str(ent, "identitytoken"))
            rk_log_warn("docker config: identity tokens are not supported (for '%s')", host);
        return 1;
    }
    if (!(raw = calloc(1, strlen(auth) + 4)))
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    n = EVP_DecodeBlock(raw, (const unsigned char *)auth, (int)strlen(auth));
    while (n > 0 && raw[n - 1] == '\0') /* padding decodes to NUL bytes */
        n--;
    if (n <= 0 || !(colon = memchr(raw, ':', (size_t)n)) || colon == (char *)raw) {
        OPENSSL_cleanse(raw, strlen(auth) + 4);
        free(raw);
        return rk_err_set(e, RK_INPUT, "docker config: invalid \"auth\" for '%s'", host);
    }
    *colon = '\0';
    raw[n] = '\0';
    rc = cred_set(c, (char *)raw, colon + 1, "docker config", e);
    OPENSSL_cleanse(raw, strlen(auth) + 4);
    free(raw);
    return rc;
}

static int from_config(const char *host, struct rk_regcred *c, struct rk_err *e)
{
    char path[4096];
    const char *key = NULL, *helper;
    json_object *cfg = NULL, *ent;
    int rc = config_load(&cfg, path, sizeof(path), e);
    if (rc != 0)
        return rc;
    rc = 1;
    if ((ent = find_host(rk_json_obj(cfg, "credHelpers"), host, &key)) &&
        (helper = json_object_get_string(ent)) && *helper) {
        /* as docker does: a registry with its own helper asks only that helper */
        rc = rk_regcred_helper(helper, key, c, e);
        json_object_put(cfg);
        return rc;
    }
    if ((ent = find_host(rk_json_obj(cfg, "auths"), host, &key)))
        rc = auth_entry(ent, host, c, e);
    if (rc == 1 && (helper = rk_json_str(cfg, "credsStore")) && *helper)
        rc = rk_regcred_helper(
            helper, strcmp(host, "docker.io") ? host : "https://index.docker.io/v1/", c, e);
    json_object_put(cfg);
    return rc;
}

int rk_regcred_find(const char *host, unsigned flags, struct rk_regcred *c, struct rk_err *e)
{
    const char *user = getenv("REGISTRY_USERNAME"), *pass = getenv("REGISTRY_PASSWORD");
    const char *gh = getenv("GH_TOKEN"), *actor = getenv("GITHUB_ACTOR");
    char key[300];
    memset(c, 0, sizeof(*c));
    rk_regcred_host_key(host, key, sizeof(key));
    if ((flags & RK_REGCRED_ENV) && user && *user && pass && *pass)
        return cred_set(c, user, pass, "REGISTRY_USERNAME", e);
    if (!gh || !*gh)
        gh = getenv("GITHUB_TOKEN");
    if (strcmp(key, "ghcr.io") == 0 && gh && *gh)
        return cred_set(c, actor && *actor ? actor : "token", gh,
                        getenv("GH_TOKEN") && *getenv("GH_TOKEN") ? "GH_TOKEN" : "GITHUB_TOKEN", e);
    return from_config(key, c, e);
}
