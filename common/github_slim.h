/*
 * github_slim.h - GitHub lists of github.h read with json_slim.h: only the keys of spec are
 * parsed out of each answer (200, or a 304 answered from the ETag cache, which keeps only the
 * text of those keys, under a key of its own), the rest of the text is skipped. For the
 * megabytes of a releases list when a few keys per release are needed. spec NULL: exactly as
 * github.h. Ownership and errors as github.h.
 */
#ifndef RELKIT_GITHUB_SLIM_H
#define RELKIT_GITHUB_SLIM_H

#include "github.h"
#include "json_slim.h"

/* rk_github_get_many, each answer slim */
int rk_github_get_many_slim(struct rk_github *g, const char *const *paths, size_t n,
                            int max_parallel, unsigned flags, const struct rk_json_spec *spec,
                            json_object **out, long *status, struct rk_err *e);
/* rk_github_paginate_parallel with items_key NULL (pages are arrays), each page slim */
int rk_github_paginate_slim(struct rk_github *g, const char *path, size_t max_items,
                            int max_parallel, const struct rk_json_spec *spec, json_object **out,
                            struct rk_err *e);

#endif
