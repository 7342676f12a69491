/* log.c - see log.h */
#include "log.h"
#include "err.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#define LOG_LINE_MAX 4096

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *log_tool = "relkit";
static int log_level = 0;
static int log_actions = -1;
static int log_secret_oom; /* a secret could not be kept: print no more message text */
static char **log_secrets; /* owned copies, grown as needed: a secret is never dropped */
static size_t log_nsecrets, log_capsecrets;

void rk_log_init(const char *tool)
{
    log_tool = tool;
    log_actions = -1;
}

void rk_log_set_verbosity(int level)
{
    log_level = level < -1 ? -1 : level > 2 ? 2 : level;
}

int rk_log_verbosity(void)
{
    return log_level;
}

const char *rk_log_tool(void)
{
    return log_tool;
}

int rk_log_in_actions(void)
{
    if (log_actions < 0) {
        const char *v = getenv("GITHUB_ACTIONS");
        log_actions = v && strcmp(v, "true") == 0;
    }
    return log_actions;
}

/* mask "scheme://user:pass@" in place of the credentials */
static void redact_url_credentials(char *s)
{
    char *p = s;
    while ((p = strstr(p, "://")) != NULL) {
        char *start = p + 3, *q = start;
        while (*q && *q != '@' && *q != '/' && *q != ' ' && *q != '\'' && *q != '"')
            q++;
        if (*q == '@' && q > start) {
            memmove(start + 3, q, strlen(q) + 1);
            memcpy(start, "***", 3);
            p = start + 4;
        } else {
            p = start;
        }
    }
}

static int userinfo_char(char c)
{
    return c && !strchr(" \t'\"`/<>()[]{},;=|", c);
}

/* "host" or "host:port" at h, ending the token or followed by a path: a dot, a port (at
 * most 5 digits: "sha256:0123..." is a digest) or "localhost" make it a host */
static int is_host_at(const char *h)
{
    size_t n = 0;
    int dot = 0, port = 0;
    if (!isalnum((unsigned char)h[0]))
        return 0;
    for (; isalnum((unsigned char)h[n]) || h[n] == '.' || h[n] == '-'; n++)
        dot |= h[n] == '.';
    if (h[n] == ':' && isdigit((unsigned char)h[n + 1])) {
        size_t p0 = ++n;
        while (isdigit((unsigned char)h[n]))
            n++;
        port = n - p0 <= 5; /* not a digest's hex */
    }
    if (userinfo_char(h[n]))
        return 0;
    return dot || port || (n == 9 && strncmp(h, "localhost", 9) == 0);
}

/* mask "user:pass@host" without a scheme (a reference or a registry with credentials) */
static void redact_bare_userinfo(char *s)
{
    char *at = s;
    while ((at = strchr(at, '@')) != NULL) {
        char *start = at, *colon;
        while (start > s && userinfo_char(start[-1]))
            start--;
        colon = memchr(start, ':', (size_t)(at - start));
        if (colon && colon > start && colon + 1 < at && is_host_at(at + 1)) {
            memmove(start + 3, at, strlen(at) + 1);
            memcpy(start, "***", 3);
            at = start + 3;
        }
        at++;
    }
}

static void redact_secret(char *s, size_t n, const char *secret)
{
    size_t sl = strlen(secret);
    char *p = s;
    while ((p = strstr(p, secret)) != NULL) {
        size_t rest = strlen(p + sl);
        if ((size_t)(p - s) + 3 + rest + 1 > n)
            rest = n - (size_t)(p - s) - 4;
        memmove(p + 3, p + sl, rest);
        p[3 + rest] = '\0';
        memcpy(p, "***", 3);
        p += 3;
    }
}

/* the whole of in, masked (owned); NULL when out of memory. Masking comes before any
 * truncation, so a cut never leaves part of a secret. */
static char *redact_dup_locked(const char *in)
{
    size_t len = strlen(in), n = 3 * len + 4; /* a 1-byte secret triples the text */
    char *out = malloc(n);
    if (!out)
        return NULL;
    memcpy(out, in, len + 1);
    for (size_t i = 0; i < log_nsecrets; i++)
        redact_secret(out, n, log_secrets[i]);
    redact_url_credentials(out);
    redact_bare_userinfo(out);
    return out;
}

char *rk_log_redact_dup(const char *s)
{
    char *out;
    pthread_mutex_lock(&log_lock);
    out = redact_dup_locked(s ? s : "");
    pthread_mutex_unlock(&log_lock);
    return out;
}

void rk_log_redact(const char *s, char *out, size_t n)
{
    char *full = rk_log_redact_dup(s);
    if (n == 0)
        return;
    snprintf(out, n, "%s", full ? full : "***");
    free(full);
}

/* workflow command data: %, CR and LF escaped */
static void actions_escape(const char *in, char *out, size_t n)
{
    size_t j = 0;
    for (; *in && j + 4 < n; in++) {
        const char *rep = *in == '%' ? "%25" : *in == '\r' ? "%0D" : *in == '\n' ? "%0A" : NULL;
        if (rep) {
            memcpy(out + j, rep, 3);
            j += 3;
        } else {
            out[j++] = *in;
        }
    }
    out[j] = '\0';
}

char *rk_log_vredact_dup(const char *fmt, va_list ap)
{
    va_list ap2;
    char *raw, *out;
    int n;
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || !(raw = malloc((size_t)n + 1)))
        return NULL;
    vsnprintf(raw, (size_t)n + 1, fmt, ap);
    out = rk_log_redact_dup(raw);
    OPENSSL_cleanse(raw, (size_t)n);
    free(raw);
    return out;
}

/* back from s + n to the start of a UTF-8 character (n <= strlen(s)) */
static size_t utf8_floor(const char *s, size_t n)
{
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

void rk_log_shorten(char *s, size_t max)
{
    size_t len = strlen(s), head;
    char *q = s, *end;
    if (max < 16)
        return;
    /* quoted values first: 'a very long value' -> 'a very lo...' */
    while (len >= max && (q = strchr(q, '\'')) != NULL && (end = strchr(q + 1, '\'')) != NULL) {
        size_t inner = (size_t)(end - q - 1);
        if (inner > RK_LOG_QUOTE_MAX + 3) {
            size_t keep = utf8_floor(q + 1, RK_LOG_QUOTE_MAX);
            memcpy(q + 1 + keep, "...", 3);
            memmove(q + 4 + keep, end, strlen(end) + 1);
            len -= inner - keep - 3;
            end = q + 4 + keep;
        }
        q = end + 1;
    }
    if (len < max)
        return;
    /* then the middle of the line: its start and its end (the reason) stay */
    head = utf8_floor(s, max / 2 - 3);
    {
        size_t tail = max - 1 - head - 5, from = len - tail;
        while (from < len && ((unsigned char)s[from] & 0xC0) == 0x80)
            from++;
        memcpy(s + head, " ... ", 5);
        memmove(s + head + 5, s + from, len - from + 1);
    }
}

static int shown_as_hex(unsigned char c)
{
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

/* s with CR and LF as spaces and other control characters (C0 but tab, DEL) as \xNN, cut
 * to n bytes (terminator included) by rk_log_shorten; never a raw control byte on a line */
static void flatten(const char *s, char *line, size_t n)
{
    size_t len = 0, j = 0;
    char *esc;
    for (const char *p = s; *p; p++)
        len += shown_as_hex((unsigned char)*p) ? 4 : 1;
    if (!(esc = malloc(len + 1))) {
        snprintf(line, n, "(message withheld: out of memory)");
        return;
    }
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n' || c == '\r')
            esc[j++] = ' ';
        else if (shown_as_hex(c))
            j += (size_t)snprintf(esc + j, 5, "\\x%02x", c);
        else
            esc[j++] = (char)c;
    }
    esc[j] = '\0';
    rk_log_shorten(esc, n);
    snprintf(line, n, "%s", esc);
    free(esc);
}

/* the message is formatted whole and masked before the line is cut to LOG_LINE_MAX */
static void __attribute__((format(printf, 4, 0)))
log_emit(int min_level, const char *level, const char *command, const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX], *full;
    if (log_level < min_level)
        return;
    full = rk_log_vredact_dup(fmt, ap);
    flatten(full ? full : "(message withheld: out of memory)", line, sizeof(line));
    free(full);
    pthread_mutex_lock(&log_lock);
    if (log_secret_oom)
        snprintf(line, sizeof(line), "(message withheld: out of memory while masking secrets)");
    fprintf(stderr, "%s: %s%s%s\n", log_tool, level ? level : "", level ? ": " : "", line);
    if (command && rk_log_in_actions()) {
        char esc[LOG_LINE_MAX];
        actions_escape(line, esc, sizeof(esc));
        fprintf(stderr, "::%s::%s: %s\n", command, log_tool, esc);
    }
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}

#define LOG_FN(name, min, level, command)                                                         \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        log_emit(min, level, command, fmt, ap);                                                    \
        va_end(ap);                                                                                \
    }

LOG_FN(rk_log_error, -1, "error", "error")
LOG_FN(rk_log_warn, 0, "warning", "warning")
LOG_FN(rk_log_info, 0, NULL, NULL)
LOG_FN(rk_log_verbose, 1, NULL, NULL)
LOG_FN(rk_log_debug, 2, "debug", NULL)

int rk_log_report(const struct rk_err *e)
{
    if (!e || e->code == RK_OK)
        return RK_OK;
    rk_log_error("%s", e->msg[0] ? e->msg : rk_exit_name(e->code));
    return e->code;
}

/* Keep a copy; on allocation failure the caller is told, and the secret is still never
 * printed by this process because every log line is then refused (see log_emit). */
static int secrets_add(const char *secret)
{
    char *copy;
    if (log_nsecrets == log_capsecrets) {
        size_t ncap = log_capsecrets ? 2 * log_capsecrets : 16;
        char **p = realloc(log_secrets, ncap * sizeof(*p));
        if (!p)
            return -1;
        log_secrets = p;
        log_capsecrets = ncap;
    }
    if (!(copy = strdup(secret)))
        return -1;
    log_secrets[log_nsecrets++] = copy;
    return 0;
}

void rk_log_secret(const char *secret)
{
    if (!secret || !*secret)
        return;
    pthread_mutex_lock(&log_lock);
    for (size_t i = 0; i < log_nsecrets; i++) {
        if (strcmp(log_secrets[i], secret) == 0) {
            pthread_mutex_unlock(&log_lock);
            return;
        }
    }
    if (secrets_add(secret) < 0)
        log_secret_oom = 1;
    if (rk_log_in_actions() && !strchr(secret, '\n')) {
        fprintf(stderr, "::add-mask::%s\n", secret);
        fflush(stderr);
    }
    pthread_mutex_unlock(&log_lock);
}

void rk_log_forget_secrets(void)
{
    pthread_mutex_lock(&log_lock);
    for (size_t i = 0; i < log_nsecrets; i++) {
        OPENSSL_cleanse(log_secrets[i], strlen(log_secrets[i]));
        free(log_secrets[i]);
    }
    free(log_secrets);
    log_secrets = NULL;
    log_nsecrets = log_capsecrets = 0;
    pthread_mutex_unlock(&log_lock);
}

void rk_log_group(const char *title)
{
    if (rk_log_in_actions()) {
        pthread_mutex_lock(&log_lock);
        fprintf(stderr, "::group::%s\n", title);
        fflush(stderr);
        pthread_mutex_unlock(&log_lock);
    } else {
        rk_log_verbose("%s", title);
    }
}

void rk_log_endgroup(void)
{
    if (rk_log_in_actions()) {
        pthread_mutex_lock(&log_lock);
        fprintf(stderr, "::endgroup::\n");
        fflush(stderr);
        pthread_mutex_unlock(&log_lock);
    }
}

static int append_to_env_file(const char *var, const char *text, struct rk_err *e)
{
    const char *path = getenv(var);
    FILE *f;
    if (!path || !*path)
        return 0;
    f = fopen(path, "a");
    if (!f)
        return rk_err_errno(e, RK_SYSTEM, "unable to open '%s' (%s)", path, var);
    if (fputs(text, f) == EOF) {
        fclose(f);
        return rk_err_errno(e, RK_SYSTEM, "unable to write '%s' (%s)", path, var);
    }
    if (fclose(f) != 0)
        return rk_err_errno(e, RK_SYSTEM, "unable to write '%s' (%s)", path, var);
    return 0;
}

int rk_gh_output(const char *key, const char *value, struct rk_err *e)
{
    unsigned char rnd[12];
    char delim[64], *text;
    size_t n;
    int rc;
    if (!getenv("GITHUB_OUTPUT") || !*getenv("GITHUB_OUTPUT"))
        return 0;
    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
        return rk_err_set(e, RK_SYSTEM, "unable to make a GITHUB_OUTPUT delimiter");
    n = (size_t)snprintf(delim, sizeof(delim), "ghadelimiter_");
    for (size_t i = 0; i < sizeof(rnd); i++)
        n += (size_t)snprintf(delim + n, sizeof(delim) - n, "%02x", rnd[i]);
    if (strstr(value, delim))
        return rk_err_set(e, RK_SYSTEM, "output '%s' contains its delimiter", key);
    n = strlen(key) + strlen(value) + 2 * strlen(delim) + 8;
    text = malloc(n);
    if (!text)
        return rk_err_errno(e, RK_SYSTEM, "unable to write output '%s'", key);
    snprintf(text, n, "%s<<%s\n%s\n%s\n", key, delim, value, delim);
    rc = append_to_env_file("GITHUB_OUTPUT", text, e);
    free(text);
    return rc;
}

int rk_step_summary(const char *markdown, struct rk_err *e)
{
    return append_to_env_file("GITHUB_STEP_SUMMARY", markdown, e);
}
