/* err.c - see err.h */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void rk_err_clear(struct rk_err *e)
{
    if (!e)
        return;
    e->code = RK_OK;
    e->msg[0] = '\0';
}

static int __attribute__((format(printf, 4, 0)))
err_vset(struct rk_err *e, int code, const char *suffix, const char *fmt, va_list ap)
{
    if (!e || e->code != RK_OK)
        return -1;
    e->code = code;
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    if (suffix) {
        size_t n = strlen(e->msg);
        snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", suffix);
    }
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

/* out = a + ": " + b, cut to size (a truncated message beats none) */
static void join_truncated(char *out, size_t n, const char *a, const char *b)
{
    size_t al = strnlen(a, n - 1), bl;
    memcpy(out, a, al);
    if (al + 2 < n) {
        memcpy(out + al, ": ", 2);
        al += 2;
    }
    bl = strnlen(b, n - 1 - al);
    memcpy(out + al, b, bl);
    out[al + bl] = '\0';
}

int rk_err_prefix(struct rk_err *e, const char *fmt, ...)
{
    char prefix[RK_ERR_MAX], old[RK_ERR_MAX];
    va_list ap;
    if (!e)
        return -1;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof(old));
    join_truncated(e->msg, sizeof(e->msg), prefix, old);
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
