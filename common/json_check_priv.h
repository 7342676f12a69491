/*
 * json_check_priv.h - the strict scanner of json_check.c, shared with json_slim.c.
 *
 * rk_json_check (jsonio.h) is one call over a whole text. rk_json_slim checks and extracts in
 * the same pass: it walks the levels its spec names itself and hands every other value to
 * rk_json_scan_value, which checks it exactly as rk_json_check would at that place (same
 * grammar, same nesting bound) and leaves s->p just after it. A failure sets s->e; the
 * message may differ from rk_json_check's for the whole text (the context differs), so a
 * caller that wants rk_json_check's exact error runs it again on failure.
 */
#ifndef RELKIT_JSON_CHECK_PRIV_H
#define RELKIT_JSON_CHECK_PRIV_H

#include <stddef.h>

struct rk_err;

struct rk_json_scan {
    const unsigned char *start, *p, *end;
    const char *what;
    struct rk_err *e;
};

static inline void rk_json_scan_ws(struct rk_json_scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* s->p at a string's '"': checked, s->p just after its closing quote; *esc set to 1 when it
 * holds an escape (left as it is otherwise). 0, or -1 with s->e set. */
int rk_json_scan_string(struct rk_json_scan *s, int *esc);

/* whitespace then one value at s->p, inside depth open objects or arrays: checked, s->p just
 * after it. 0, or -1 with s->e set. */
int rk_json_scan_value(struct rk_json_scan *s, size_t depth);

#endif
