/* http_retry.c - retry policy of http.h: backoff, Retry-After, rate limits, reasons */
#include "http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int parse_uint(const char *s, long long *out)
{
    long long n = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!isdigit((unsigned char)*s))
        return -1;
    for (; isdigit((unsigned char)*s); s++) {
        if (n > 100000000000LL)
            return -1;
        n = n * 10 + (*s - '0');
    }
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s)
        return -1;
    *out = n;
    return 0;
}

static int month_index(const char *m)
{
    static const char *names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; i++)
        if (strncasecmp(m, names[i], 3) == 0)
            return i;
    return -1;
}

/* days since the epoch of a proleptic Gregorian date (Howard Hinnant's algorithm) */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

/* IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT"; -1 if malformed */
static int parse_http_date(const char *s, long long *epoch)
{
    char wday[4], mon[4], zone[4];
    int d, y, hh, mm, ss, n = 0, mi;
    if (sscanf(s, " %3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3s%n", wday, &d, mon, &y, &hh, &mm,
               &ss, zone, &n) != 8 ||
        n == 0)
        return -1;
    while (s[n] == ' ' || s[n] == '\t')
        n++;
    mi = month_index(mon);
    if (s[n] || strcmp(zone, "GMT") != 0 || mi < 0 || d < 1 || d > 31 || hh > 23 || mm > 59 ||
        ss > 60 || y < 1970)
        return -1;
    *epoch = days_from_civil(y, (unsigned)mi + 1, (unsigned)d) * 86400 + hh * 3600 + mm * 60 + ss;
    return 0;
}

long rk_http_retry_after_ms(const char *value, time_t now)
{
    long long v;
    if (!value)
        return -1;
    if (parse_uint(value, &v) == 0)
        return v > 86400LL * 365 ? 86400L * 365 * 1000 : (long)(v * 1000);
    if (parse_http_date(value, &v) == 0) {
        long long d = v - (long long)now;
        if (d <= 0)
            return 0;
        return d > 86400LL * 365 ? 86400L * 365 * 1000 : (long)(d * 1000);
    }
    return -1;
}

long rk_http_backoff_ms(const struct rk_http_opts *o, int attempt, uint32_t rnd)
{
    long cap = o->backoff_base_ms;
    if (cap <= 0)
        return 0;
    for (int i = 1; i < attempt && cap < o->backoff_max_ms; i++)
        cap *= 2;
    if (cap > o->backoff_max_ms)
        cap = o->backoff_max_ms;
    return (long)(rnd % ((uint32_t)cap + 1));
}

/* the server-requested wait in ms, or -1 when the response does not ask for one */
static long server_wait_ms(long status, const char *retry_after, const char *rl_remaining,
                           const char *rl_reset, const char *body, time_t now)
{
    long long rem, reset;
    long ra = rk_http_retry_after_ms(retry_after, now);
    if (ra >= 0)
        return ra;
    if (rl_remaining && rl_reset && parse_uint(rl_remaining, &rem) == 0 && rem == 0 &&
        parse_uint(rl_reset, &reset) == 0) {
        long long d = reset - (long long)now;
        if (d > 86400LL * 365)
            d = 86400LL * 365;
        /* the reset second is inclusive: wait until it has passed */
        return d < 0 ? 500 : (long)(d * 1000 + 500);
    }
    if (status == 403 && body && strstr(body, "secondary rate limit"))
        return 60000; /* GitHub: wait at least a minute */
    return -1;
}

enum rk_http_verdict rk_http_classify(const struct rk_http_opts *o, int attempt, long status,
                                      const char *retry_after, const char *rl_remaining,
                                      const char *rl_reset, const char *body, time_t now,
                                      uint32_t rnd, long *delay_ms)
{
    long wait;
    *delay_ms = 0;
    if (status != 403 && status != 429 && (status < 500 || status == 501 || status > 599))
        return RK_HTTP_DONE;
    wait = server_wait_ms(status, retry_after, rl_remaining, rl_reset, body, now);
    if (wait < 0) {
        if (status == 403)
            return RK_HTTP_DONE; /* a plain 403: permission denied */
        wait = rk_http_backoff_ms(o, attempt, rnd);
    }
    *delay_ms = wait;
    return wait > o->max_wait_ms ? RK_HTTP_GIVE_UP : RK_HTTP_RETRY;
}

const char *rk_http_reason(long status)
{
    static const struct {
        long code;
        const char *text;
    } reasons[] = {
        {200, "OK"},
        {201, "Created"},
        {202, "Accepted"},
        {204, "No Content"},
        {206, "Partial Content"},
        {301, "Moved Permanently"},
        {302, "Found"},
        {303, "See Other"},
        {304, "Not Modified"},
        {307, "Temporary Redirect"},
        {308, "Permanent Redirect"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {406, "Not Acceptable"},
        {408, "Request Timeout"},
        {409, "Conflict"},
        {410, "Gone"},
        {411, "Length Required"},
        {412, "Precondition Failed"},
        {413, "Content Too Large"},
        {415, "Unsupported Media Type"},
        {416, "Range Not Satisfiable"},
        {422, "Unprocessable Entity"},
        {429, "Too Many Requests"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
    };
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].code == status)
            return reasons[i].text;
    return "";
}
