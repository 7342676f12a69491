/*
 * err.h - errors and exit codes.
 *
 * Rules: library functions return 0 on success and -1 on failure, filling a caller-owned
 * struct rk_err with an exit code (enum rk_exit) and one lowercase line without a final
 * period, the subject quoted: "unable to open 'x.whl': No such file or directory".
 * Only a tool's main() turns an error into a message and an exit code. The first error set
 * wins unless rk_err_clear() is called; later calls keep the original line. Messages are
 * masked like log lines (log.h: registered secrets, URL credentials) whole, before they are
 * cut to RK_ERR_MAX, so a stored message never holds a secret or part of one. A message too
 * long for RK_ERR_MAX is shortened by rk_log_shorten (long quoted values first), so its
 * reason stays visible.
 */
#ifndef RELKIT_ERR_H
#define RELKIT_ERR_H

#include <stddef.h>

enum rk_exit {
    RK_OK = 0,        /* success */
    RK_NEGATIVE = 1,  /* a negative answer: no green commit, verification mismatch */
    RK_USAGE = 2,     /* bad command line */
    RK_INPUT = 3,     /* invalid input: JSON, wheel, version, tag */
    RK_REMOTE = 4,    /* remote refused: 4xx, auth, not found, conflict */
    RK_TRANSIENT = 5, /* transient remote failure after retries: network, 5xx, 429 */
    RK_SYSTEM = 6,    /* local system failure: I/O, disk full, stdout */
};

#define RK_ERR_MAX 1024

struct rk_err {
    int code;            /* enum rk_exit; RK_OK when no error is set */
    char msg[RK_ERR_MAX]; /* one line, no trailing newline */
};

void rk_err_clear(struct rk_err *e);

/* Set code and message (printf format); returns -1 so callers can `return rk_err_set(...)`.
 * e may be NULL. A message already set is kept (the first cause wins). */
int rk_err_set(struct rk_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like rk_err_set, appending ": strerror(errno)" (errno read on entry). */
int rk_err_errno(struct rk_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an already-set message: "context: old message". Returns -1. */
int rk_err_prefix(struct rk_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Short name of an exit code, e.g. "remote refused". */
const char *rk_exit_name(int code);

#endif
