/* err.c - see err.h */
#include "err.h"
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

void rk_err_clear(struct rk_err *e)
{
    if (!e)
        return;
    e->code = RK_OK;
    e->msg[0] = '\0';
}

/* the message is masked whole (log.h) before it is cut to RK_ERR_MAX: a cut never leaves
 * part of a registered secret */
static void store_masked(struct rk_err *e, const char *msg, const char *suffix)
{
    char *full = NULL;
    size_t n = strlen(msg) + (suffix ? strlen(suffix) + 2 : 0) + 1;
    char *joined = malloc(n);
    if (joined) {
        snprintf(joined, n, "%s%s%s", msg, suffix ? ": " : "", suffix ? suffix : "");
        full = rk_log_redact_dup(joined);
        OPENSSL_cleanse(joined, n);
        free(joined);
    }
    if (full)
        rk_log_shorten(full, sizeof(e->msg)); /* long quoted values, not the reason */
    snprintf(e->msg, sizeof(e->msg), "%s", full ? full : "(message withheld: out of memory)");
    free(full);
}

static int __attribute__((format(printf, 4, 0)))
err_vset(struct rk_err *e, int code, const char *suffix, const char *fmt, va_list ap)
{
    va_list ap2;
    char *raw;
    int n;
    if (!e || e->code != RK_OK)
        return -1;
    e->code = code;
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || !(raw = malloc((size_t)n + 1))) {
        snprintf(e->msg, sizeof(e->msg), "(message withheld: out of memory)");
        return -1;
    }
    vsnprintf(raw, (size_t)n + 1, fmt, ap);
    store_masked(e, raw, suffix);
    OPENSSL_cleanse(raw, (size_t)n);
    free(raw);
    return -1;
}

int rk_err_set(struct rk_err *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, code, NULL, fmt, ap);
    va_end(ap);
    return -1;
}

int rk_err_errno(struct rk_err *e, int code, const char *fmt, ...)
{
    const char *why = strerror(errno);
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, code, why, fmt, ap);
    va_end(ap);
    return -1;
}

int rk_err_prefix(struct rk_err *e, const char *fmt, ...)
{
    char old[RK_ERR_MAX], *prefix;
    va_list ap;
    if (!e)
        return -1;
    va_start(ap, fmt);
    prefix = rk_log_vredact_dup(fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof(old));
    store_masked(e, prefix ? prefix : "***", old);
    free(prefix);
    return -1;
}

const char *rk_exit_name(int code)
{
    switch (code) {
    case RK_OK: return "ok";
    case RK_NEGATIVE: return "negative answer";
    case RK_USAGE: return "usage error";
    case RK_INPUT: return "invalid input";
    case RK_REMOTE: return "remote refused";
    case RK_TRANSIENT: return "transient remote failure";
    case RK_SYSTEM: return "local system failure";
    default: return "unknown";
    }
}
