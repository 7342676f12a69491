/*
 * tagrule.h - rewrite tags and repository names with a regex and a template.
 *
 * A rule is written "REGEX=TEMPLATE" (split at the last '=': tags and repository names
 * never contain one). REGEX is a POSIX extended regular expression; the first match in the
 * input is replaced by the expanded TEMPLATE, the rest of the input is kept (anchor the
 * regex with ^...$ to replace everything). Rules apply in order, each to the result of the
 * previous one; a rule that does not match leaves the name as it is.
 *
 * Template: {N} is group N (0 = the whole match, up to 9), {N:K} its first K characters,
 * {name} / {name:K} a variable (e.g. {version} from the release context), {{ and }} are
 * literal braces. A group that did not take part in the match is empty. An unknown group,
 * an unset variable or a malformed template is RK_INPUT.
 *
 * Ownership: struct rk_tagrule owns its compiled regex and template (rk_tagrule_release).
 * Variables are borrowed. Results are owned by the caller.
 */
#ifndef RELKIT_TAGRULE_H
#define RELKIT_TAGRULE_H

#include <regex.h>
#include <stddef.h>

struct rk_err;

#define RK_TAGRULE_MAX_OUT 1024 /* longest result */

struct rk_tagrule {
    regex_t re;
    int compiled;
    char *regex;    /* owned copy, for messages */
    char *tmpl;     /* owned */
    size_t ngroups; /* re.re_nsub */
};

struct rk_tagvar {
    const char *name;
    const char *value; /* NULL: unset */
};

int rk_tagrule_parse(const char *spec, struct rk_tagrule *r, struct rk_err *e);
void rk_tagrule_release(struct rk_tagrule *r);

/* Apply rules[0..n) to in; *out (owned) gets the result. *changed (may be NULL) is set when
 * at least one rule matched. */
int rk_tagrule_apply(const struct rk_tagrule *rules, size_t n, const char *in,
                     const struct rk_tagvar *vars, size_t nvars, char **out, int *changed,
                     struct rk_err *e);

/* Expand a template alone: groups come from subject and the match array m (size nm, as
 * regexec fills it). Exposed for tests and fuzzing. */
int rk_tagrule_expand(const char *tmpl, const char *subject, const regmatch_t *m, size_t nm,
                      const struct rk_tagvar *vars, size_t nvars, char **out, struct rk_err *e);

/* Check a template's syntax against a number of groups without expanding it. */
int rk_tagrule_check_template(const char *tmpl, size_t ngroups, struct rk_err *e);

#endif
