/* github_tags.c - the tags of a repository from git/matching-refs (see github.h) */
#include "github.h"
#include "jsonio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rk_github_list_tags(struct rk_github *g, const char *repo_path, const char *prefix,
                        json_object **tags, struct rk_err *e)
{
    char *esc = prefix ? rk_url_escape(prefix) : NULL, *path;
    size_t n = strlen(repo_path) + (esc ? strlen(esc) : 0) + 64;
    json_object *refs = NULL;
    *tags = NULL;
    if ((prefix && !esc) || !(path = malloc(n))) {
        free(esc);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    /* the whole ref is one path parameter, "tags%2FPREFIX", as octokit sends it */
    snprintf(path, n, "%s/git/matching-refs/tags%s%s?per_page=100", repo_path, esc ? "%2F" : "",
             esc ? esc : "");
    free(esc);
    if (rk_github_paginate(g, path, NULL, 0, &refs, e) < 0) {
        free(path);
        return -1;
    }
    free(path);
    *tags = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(refs); i++) {
        json_object *ref = json_object_array_get_idx(refs, i), *obj = rk_json_obj(ref, "object");
        const char *name = rk_json_str(ref, "ref"), *type = rk_json_str(obj, "type");
        const char *sha = rk_json_str(obj, "sha");
        json_object *t;
        if (!name || strncmp(name, "refs/tags/", 10) != 0)
            continue;
        t = json_object_new_object();
        rk_json_set_str(t, "name", name + 10);
        if (type && sha) {
            rk_json_set_str(t, "type", type);
            rk_json_set_str(t, "sha", sha);
        }
        json_object_array_add(*tags, t);
    }
    json_object_put(refs);
    return 0;
}
