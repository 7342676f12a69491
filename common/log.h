/*
 * log.h - diagnostics on stderr, GitHub Actions workflow commands and files.
 *
 * Rules: stdout is never written here. Every line is "tool: level: message" on stderr.
 * Control characters of a message never reach the terminal: CR and LF become spaces, the
 * other C0 characters (but tab) and DEL are written as \xNN; a line too long is shortened
 * (rk_log_shorten) so that its end stays visible.
 * Registered secrets (rk_log_secret), credentials embedded in URLs ("://user:pass@") and
 * bare "user:pass@host" (a reference or registry with credentials) are replaced by "***" in
 * every line, at every verbosity. Text is always masked whole, before any truncation, so a
 * cut never leaves part of a secret. When GITHUB_ACTIONS=true, errors and
 * warnings are also emitted as ::error:: / ::warning:: commands, groups as ::group::, and
 * secrets as ::add-mask::. All functions are thread-safe. Verbosity: -1 quiet (errors only),
 * 0 normal, 1 verbose (-v), 2 debug (-vv).
 */
#ifndef RELKIT_LOG_H
#define RELKIT_LOG_H

#include <stdarg.h>
#include <stddef.h>

struct rk_err;

void rk_log_init(const char *tool); /* tool name is borrowed, must outlive the program */
void rk_log_set_verbosity(int level);
int rk_log_verbosity(void);
int rk_log_in_actions(void); /* GITHUB_ACTIONS=true */
const char *rk_log_tool(void);

void rk_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rk_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rk_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));    /* normal */
void rk_log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* -v */
void rk_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* -vv */

/* Print an error set by a library call ("tool: error: msg") and return its exit code. */
int rk_log_report(const struct rk_err *e);

/* Register a secret (copied) so it never appears in a log line; emits ::add-mask:: in
 * Actions. Empty or NULL strings are ignored. Any number of secrets is kept. */
void rk_log_secret(const char *secret);
/* Forget all secrets and wipe the copies (at exit). */
void rk_log_forget_secrets(void);

/* Write s into out (size n, always terminated) with secrets and URL credentials masked;
 * s is masked whole, then cut to n. */
void rk_log_redact(const char *s, char *out, size_t n);
/* s masked like a log line, whole (owned, free()); NULL when out of memory. Use it for every
 * text that leaves the process other than through the log: JSON, GITHUB_OUTPUT, summaries. */
char *rk_log_redact_dup(const char *s);
/* printf-format, then rk_log_redact_dup (owned); NULL when out of memory. */
char *rk_log_vredact_dup(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Shorten s in place to fewer than max bytes when it is longer: each quoted value ('...')
 * longer than RK_LOG_QUOTE_MAX bytes keeps its first RK_LOG_QUOTE_MAX bytes and "...", then,
 * if still too long, the middle is cut (" ... "), so a message's reason (at its end) stays
 * visible. UTF-8 characters are not split. Error messages (err.h) and log lines use it. */
#define RK_LOG_QUOTE_MAX 60
void rk_log_shorten(char *s, size_t max);

/* ::group:: in Actions; a verbose line elsewhere. */
void rk_log_group(const char *title);
void rk_log_endgroup(void);

/* Append "key<<delim\nvalue\ndelim\n" to $GITHUB_OUTPUT; no-op (0) when it is unset. */
int rk_gh_output(const char *key, const char *value, struct rk_err *e);
/* Append markdown to $GITHUB_STEP_SUMMARY; no-op (0) when it is unset. */
int rk_step_summary(const char *markdown, struct rk_err *e);

#endif
