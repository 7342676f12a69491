/* tagrule.c - see tagrule.h */
#include "tagrule.h"
#include "buf.h"
#include "err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NMATCH 10
#define REF_NAME_MAX 64
#define REGEX_MAX 512      /* longest regex accepted */
#define REPEAT_BUDGET 4096 /* product of the interval counts: glibc copies the subtree */

/* one "{...}" reference: a group number or a variable name, and an optional length */
struct tref {
    int group;               /* -1: a variable */
    char name[REF_NAME_MAX]; /* the variable */
    long len;                /* -1: all */
};

/* parse "{...}" starting at s ('{'), *end gets the position after '}' */
static int parse_ref(const char *s, struct tref *t, const char **end, struct rk_err *e)
{
    const char *p = s + 1, *close = strchr(p, '}');
    size_t n = 0;
    t->group = -1;
    t->len = -1;
    if (!close)
        return rk_err_set(e, RK_INPUT, "invalid template: unclosed '{'");
    while (p < close && (isalnum((unsigned char)*p) || *p == '_') && n + 1 < REF_NAME_MAX)
        t->name[n++] = *p++;
    t->name[n] = '\0';
    if (n == 0 || (p < close && *p != ':'))
        return rk_err_set(e, RK_INPUT, "invalid template reference '%.*s'", (int)(close - s + 1),
                          s);
    if (isdigit((unsigned char)t->name[0])) {
        if (n != 1)
            return rk_err_set(e, RK_INPUT, "invalid template group '{%s}': 0 to 9", t->name);
        t->group = t->name[0] - '0';
    }
    if (*p == ':') {
        char *num_end;
        p++;
        if (!isdigit((unsigned char)*p))
            return rk_err_set(e, RK_INPUT, "invalid template length in '{%s:...}'", t->name);
        t->len = strtol(p, &num_end, 10);
        if (num_end != close || t->len > RK_TAGRULE_MAX_OUT)
            return rk_err_set(e, RK_INPUT, "invalid template length in '{%s:...}'", t->name);
    }
    *end = close + 1;
    return 0;
}

static const char *var_value(const struct rk_tagvar *vars, size_t nvars, const char *name)
{
    for (size_t i = 0; i < nvars; i++)
        if (strcmp(vars[i].name, name) == 0)
            return vars[i].value;
    return NULL;
}

static int append_ref(struct rk_buf *b, const struct tref *t, const char *subject,
                      const regmatch_t *m, size_t nm, const struct rk_tagvar *vars, size_t nvars,
                      struct rk_err *e)
{
    const char *v;
    size_t n;
    if (t->group >= 0) {
        if ((size_t)t->group >= nm)
            return rk_err_set(e, RK_INPUT, "template group {%d} is not in the regex", t->group);
        if (m[t->group].rm_so < 0)
            return 0;
        v = subject + m[t->group].rm_so;
        n = (size_t)(m[t->group].rm_eo - m[t->group].rm_so);
    } else {
        if (!(v = var_value(vars, nvars, t->name)))
            return rk_err_set(e, RK_INPUT, "template variable {%s} is not set", t->name);
        n = strlen(v);
    }
    if (t->len >= 0 && (size_t)t->len < n)
        n = (size_t)t->len;
    return rk_buf_append(b, v, n) < 0 ? rk_err_set(e, RK_INPUT, "template result too long") : 0;
}

static int expand_into(struct rk_buf *b, const char *tmpl, const char *subject, const regmatch_t *m,
                       size_t nm, const struct rk_tagvar *vars, size_t nvars, struct rk_err *e)
{
    const char *p = tmpl;
    while (*p) {
        struct tref t;
        size_t lit = strcspn(p, "{}");
        if (lit && rk_buf_append(b, p, lit) < 0)
            return rk_err_set(e, RK_INPUT, "template result too long");
        p += lit;
        if (!*p)
            break;
        if (p[0] == p[1]) { /* "{{" or "}}" */
            if (rk_buf_append(b, p, 1) < 0)
                return rk_err_set(e, RK_INPUT, "template result too long");
            p += 2;
            continue;
        }
        if (*p == '}')
            return rk_err_set(e, RK_INPUT, "invalid template: unmatched '}'");
        if (parse_ref(p, &t, &p, e) < 0 || append_ref(b, &t, subject, m, nm, vars, nvars, e) < 0)
            return -1;
    }
    return 0;
}

int rk_tagrule_expand(const char *tmpl, const char *subject, const regmatch_t *m, size_t nm,
                      const struct rk_tagvar *vars, size_t nvars, char **out, struct rk_err *e)
{
    struct rk_buf b;
    rk_buf_init(&b, RK_TAGRULE_MAX_OUT);
    *out = NULL;
    if (expand_into(&b, tmpl, subject, m, nm, vars, nvars, e) < 0) {
        rk_buf_release(&b);
        return -1;
    }
    if (b.len == 0 && rk_buf_puts(&b, "") < 0) {
        rk_buf_release(&b);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    *out = rk_buf_detach(&b, NULL);
    return 0;
}

int rk_tagrule_check_template(const char *tmpl, size_t ngroups, struct rk_err *e)
{
    const char *p = tmpl;
    while (*p) {
        struct tref t;
        p += strcspn(p, "{}");
        if (!*p)
            break;
        if (p[0] == p[1]) {
            p += 2;
            continue;
        }
        if (*p == '}')
            return rk_err_set(e, RK_INPUT, "invalid template: unmatched '}'");
        if (parse_ref(p, &t, &p, e) < 0)
            return -1;
        if (t.group > (int)ngroups)
            return rk_err_set(e, RK_INPUT, "template group {%d}: the regex has %zu group%s",
                              t.group, ngroups, ngroups == 1 ? "" : "s");
    }
    return 0;
}

/* an interval "{n}", "{n,}", "{n,m}" at p ('{'): its largest count, *end after '}';
 * -1 when p does not start one */
static long interval(const char *p, const char **end)
{
    char *e;
    long a = strtol(p + 1, &e, 10), b = a;
    if (e == p + 1)
        return -1;
    if (*e == ',') {
        const char *f = e + 1;
        b = isdigit((unsigned char)*f) ? strtol(f, &e, 10) : a;
        if (!isdigit((unsigned char)*f))
            e = (char *)f;
    }
    if (*e != '}')
        return -1;
    *end = e + 1;
    return a > b ? a : b;
}

/* refuse what makes glibc's regcomp explode: stacked quantifiers ("a++++"), and intervals
 * whose counts multiply past a budget ("(a{100}){100}") */
static int regex_sane(const char *re, struct rk_err *e)
{
    long budget = 1;
    int prev_quant = 0;
    if (strlen(re) > REGEX_MAX)
        return rk_err_set(e, RK_INPUT, "invalid regex: longer than %d characters", REGEX_MAX);
    for (const char *p = re; *p;) {
        const char *end = p + 1;
        long n = *p == '{' ? interval(p, &end) : -1;
        int quant = n >= 0 || ((*p == '*' || *p == '+' || *p == '?') && p != re);
        if (*p == '\\' && p[1])
            end = p + 2;
        else if (*p == '[')
            end = p + 1 + strcspn(p + 1 + (p[1] == ']'), "]") + (p[1] == ']') + 1;
        if (quant && prev_quant)
            return rk_err_set(e, RK_INPUT, "invalid regex '%.200s': stacked repetitions", re);
        if (n > 0 && (budget *= n) > REPEAT_BUDGET)
            return rk_err_set(e, RK_INPUT,
                              "invalid regex '%.200s': repetition counts too "
                              "large",
                              re);
        prev_quant = quant;
        p = end > p + strlen(p) ? p + strlen(p) : end;
    }
    return 0;
}

void rk_tagrule_release(struct rk_tagrule *r)
{
    if (r->compiled)
        regfree(&r->re);
    free(r->regex);
    free(r->tmpl);
    memset(r, 0, sizeof(*r));
}

int rk_tagrule_parse(const char *spec, struct rk_tagrule *r, struct rk_err *e)
{
    const char *eq = spec ? strrchr(spec, '=') : NULL;
    char msg[256];
    int rc;
    memset(r, 0, sizeof(*r));
    if (!eq || eq == spec)
        return rk_err_set(e, RK_INPUT, "invalid rule '%.200s': expected REGEX=TEMPLATE",
                          spec ? spec : "");
    r->regex = strndup(spec, (size_t)(eq - spec));
    r->tmpl = strdup(eq + 1);
    if (!r->regex || !r->tmpl) {
        rk_tagrule_release(r);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    if (regex_sane(r->regex, e) < 0) {
        rk_tagrule_release(r);
        return -1;
    }
    if ((rc = regcomp(&r->re, r->regex, REG_EXTENDED)) != 0) {
        regerror(rc, &r->re, msg, sizeof(msg));
        rk_err_set(e, RK_INPUT, "invalid regex '%.200s': %s", r->regex, msg);
        rk_tagrule_release(r);
        return -1;
    }
    r->compiled = 1;
    r->ngroups = r->re.re_nsub;
    if (rk_tagrule_check_template(r->tmpl, r->ngroups, e) < 0) {
        rk_err_prefix(e, "rule '%.200s'", spec);
        rk_tagrule_release(r);
        return -1;
    }
    return 0;
}

/* one rule on cur: a new string in *next, or NULL when it did not match */
static int apply_one(const struct rk_tagrule *r, const char *cur, const struct rk_tagvar *vars,
                     size_t nvars, char **next, struct rk_err *e)
{
    regmatch_t m[NMATCH];
    size_t nm = r->ngroups + 1 < NMATCH ? r->ngroups + 1 : NMATCH;
    char *mid = NULL;
    struct rk_buf b;
    *next = NULL;
    if (regexec(&r->re, cur, nm, m, 0) != 0)
        return 0;
    if (rk_tagrule_expand(r->tmpl, cur, m, nm, vars, nvars, &mid, e) < 0)
        return rk_err_prefix(e, "rule '%s=%s'", r->regex, r->tmpl);
    rk_buf_init(&b, RK_TAGRULE_MAX_OUT);
    if (rk_buf_append(&b, cur, (size_t)m[0].rm_so) < 0 || rk_buf_puts(&b, mid) < 0 ||
        rk_buf_puts(&b, cur + m[0].rm_eo) < 0) {
        free(mid);
        rk_buf_release(&b);
        return rk_err_set(e, RK_INPUT, "rule '%s=%s': result too long", r->regex, r->tmpl);
    }
    free(mid);
    if (b.len == 0)
        rk_buf_puts(&b, "");
    *next = rk_buf_detach(&b, NULL);
    return *next ? 0 : rk_err_set(e, RK_SYSTEM, "out of memory");
}

int rk_tagrule_apply(const struct rk_tagrule *rules, size_t n, const char *in,
                     const struct rk_tagvar *vars, size_t nvars, char **out, int *changed,
                     struct rk_err *e)
{
    char *cur = strdup(in ? in : "");
    if (changed)
        *changed = 0;
    *out = NULL;
    if (!cur)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char *next;
        if (apply_one(&rules[i], cur, vars, nvars, &next, e) < 0) {
            free(cur);
            return -1;
        }
        if (next) {
            free(cur);
            cur = next;
            if (changed)
                *changed = 1;
        }
    }
    *out = cur;
    return 0;
}
