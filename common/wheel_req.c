/* wheel_req.c - Requires-Dist values (PEP 508): find and rewrite specifiers (see wheel.h) */
#include "wheel.h"
#include "buf.h"
#include "err.h"
#include "pep440.h"

#include <string.h>

static int is_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static size_t skip_ws(const char *s, size_t i)
{
    while (s[i] == ' ' || s[i] == '\t')
        i++;
    return i;
}

static int req_fail(const char *value, const char *why, struct rk_err *e)
{
    return rk_err_set(e, RK_INPUT, "invalid requirement '%s': %s", value, why);
}

static size_t spec_end(const char *s, size_t i)
{
    size_t end = i;
    while (s[i] && s[i] != ';') {
        if (s[i] != ' ' && s[i] != '\t')
            end = i + 1;
        i++;
    }
    return end;
}

int rk_req_parse(const char *s, struct rk_req *r, struct rk_err *e)
{
    size_t i = skip_ws(s, 0), j;
    memset(r, 0, sizeof(*r));
    r->name_off = i;
    if (!is_alnum((unsigned char)s[i]))
        return req_fail(s, "it does not start with a project name", e);
    while (is_alnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.')
        i++;
    r->name_len = i - r->name_off;
    j = skip_ws(s, i);
    if (s[j] == '[') {
        const char *close = strchr(s + j, ']');
        if (!close)
            return req_fail(s, "unclosed '['", e);
        i = (size_t)(close - s) + 1;
        j = skip_ws(s, i);
    }
    r->spec_off = i;
    if (s[j] == '@') {
        r->url = 1;
        return 0;
    }
    if (s[j] == '(') {
        const char *close = strchr(s + j, ')');
        if (!close)
            return req_fail(s, "unclosed '('", e);
        r->parens = 1;
        r->spec_off = skip_ws(s, j + 1);
        r->spec_len = spec_end(s, r->spec_off) - r->spec_off;
        if (r->spec_off + r->spec_len > (size_t)(close - s))
            r->spec_len = (size_t)(close - s) - r->spec_off;
        while (r->spec_len && (s[r->spec_off + r->spec_len - 1] == ' '))
            r->spec_len--;
    } else if (strchr("<>=!~", s[j]) && s[j]) {
        r->spec_off = j;
        r->spec_len = spec_end(s, j) - j;
    } else if (s[j] && s[j] != ';') {
        return req_fail(s, "unexpected text after the name", e);
    }
    return 0;
}

static int pin_fail(const char *why, struct rk_err *e)
{
    return rk_err_set(e, RK_INPUT, "%s", why);
}

/* s[a, b) without the blanks at both ends into out (n bytes); -1 if empty or too long */
static int trimmed(const char *s, size_t a, size_t b, char *out, size_t n)
{
    a = skip_ws(s, a);
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
        b--;
    if (b == a || b - a >= n)
        return -1;
    memcpy(out, s + a, b - a);
    out[b - a] = '\0';
    return 0;
}

int rk_req_parse_pin(const char *s, char *name, char *version, struct rk_err *e)
{
    const char *eq = strstr(s, "==");
    char ver[RK_PEP440_MAX_TEXT];
    struct rk_err ignored = {0, ""};
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return pin_fail("it holds a control character", e);
    if (strchr(s, ';'))
        return pin_fail("environment markers are not supported (each Requires-Dist keeps its own)",
                        e);
    if (!eq)
        return pin_fail("no '=='", e);
    if (eq[2] == '=')
        return pin_fail("'===' is not supported", e);
    if (trimmed(s, 0, (size_t)(eq - s), name, RK_WHEEL_FIELD) < 0 || !rk_wheel_valid_name(name))
        return pin_fail("not a project name before '=='", e);
    if (trimmed(s, (size_t)(eq - s) + 2, strlen(s), ver, sizeof(ver)) < 0)
        return pin_fail("no version after '=='", e);
    if (rk_pep440_normalize(ver, version, RK_WHEEL_FIELD, &ignored) < 0)
        return rk_err_set(e, RK_INPUT, "'%s' is not a PEP 440 version", ver);
    return 0;
}

int rk_req_set_spec(const char *value, const struct rk_req *r, const char *spec, struct rk_buf *out)
{
    if (rk_buf_append(out, value, r->spec_off) < 0 || rk_buf_puts(out, spec) < 0 ||
        rk_buf_puts(out, value + r->spec_off + r->spec_len) < 0)
        return -1;
    return 0;
}

static size_t op_len(const char *p)
{
    static const char *const ops[] = {"===", "==", "~=", "!=", "<=", ">=", "<", ">", NULL};
    for (size_t i = 0; ops[i]; i++)
        if (strncmp(p, ops[i], strlen(ops[i])) == 0)
            return strlen(ops[i]);
    return 0;
}

/* one clause at s[i..end): copies it to out, finalising an "==" pin */
static int finalize_clause(const char *s, size_t i, size_t end, struct rk_buf *out, int *changed,
                           struct rk_err *e)
{
    size_t o = skip_ws(s, i), ol = op_len(s + o), v = skip_ws(s, o + ol), ve = v;
    char ver[RK_PEP440_MAX_TEXT], fin[RK_PEP440_MAX_TEXT];
    struct rk_pep440 p;
    while (ve < end && s[ve] != ' ' && s[ve] != '\t')
        ve++;
    if (ol != 2 || s[o] != '=' || ve - v >= sizeof(ver) || ve == v ||
        (ve - v >= 2 && s[ve - 1] == '*'))
        return rk_buf_append(out, s + i, end - i) < 0 ? rk_err_set(e, RK_SYSTEM, "out of memory")
                                                      : 0;
    memcpy(ver, s + v, ve - v);
    ver[ve - v] = '\0';
    if (rk_pep440_parse(ver, &p, e) < 0)
        return -1;
    if (rk_pep440_is_prerelease(&p) || p.local[0]) {
        rk_pep440_make_final(&p);
        if (rk_pep440_format(&p, fin, sizeof(fin)) < 0)
            return rk_err_set(e, RK_INPUT, "version '%s' too long", ver);
        *changed = 1;
    } else {
        memcpy(fin, ver, sizeof(fin));
    }
    if (rk_buf_append(out, s + i, v - i) < 0 || rk_buf_puts(out, fin) < 0 ||
        rk_buf_append(out, s + ve, end - ve) < 0)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    return 0;
}

int rk_req_finalize(const char *value, const struct rk_req *r, struct rk_buf *out, int *changed,
                    struct rk_err *e)
{
    size_t i = r->spec_off, end = r->spec_off + r->spec_len;
    *changed = 0;
    if (rk_buf_append(out, value, r->spec_off) < 0)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    while (i < end) {
        const char *comma = memchr(value + i, ',', end - i);
        size_t ce = comma ? (size_t)(comma - value) : end;
        if (finalize_clause(value, i, ce, out, changed, e) < 0)
            return -1;
        if (comma && rk_buf_puts(out, ",") < 0)
            return rk_err_set(e, RK_SYSTEM, "out of memory");
        i = comma ? ce + 1 : end;
    }
    if (rk_buf_puts(out, value + end) < 0)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    return 0;
}
