/* github_page.c - pagination of github.h: Link rel="next", and pages 2..N in parallel */
#include "github_priv.h"
#include "github_slim.h"
#include "jsonio.h"
#include "linkhdr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAGES 100000
#define PARALLEL_BATCH 100 /* pages fetched per parallel round */

/* append the items of page to arr, up to max; -1 when the page is not a list */
static int append_items(struct rk_github *g, const char *url, json_object *page,
                        const char *items_key, json_object *arr, size_t max, size_t *added,
                        struct rk_err *e)
{
    json_object *items = page;
    size_t n;
    if (items_key)
        items = rk_json_array(page, items_key);
    if (!items || !json_object_is_type(items, json_type_array))
        return rk_err_set(e, RK_REMOTE, "GET %s: expected a list%s%s%s", rk_gh_shown(g, url),
                          items_key ? " in '" : "", items_key ? items_key : "",
                          items_key ? "'" : "");
    n = json_object_array_length(items);
    *added = n;
    for (size_t i = 0; i < n && json_object_array_length(arr) < max; i++)
        json_object_array_add(arr, json_object_get(json_object_array_get_idx(items, i)));
    return 0;
}

/* rel (e.g. "next") of a Link header, checked to stay on the API origin; owned or NULL */
static int link_url(struct rk_github *g, const char *link, const char *rel, const char *from,
                    char **out, struct rk_err *e)
{
    struct rk_links links;
    const char *u;
    *out = NULL;
    if (!link)
        return 0;
    if (rk_links_parse(link, &links) < 0)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    u = rk_links_find(&links, rel);
    if (u && !rk_http_same_origin(u, g->api_url)) {
        rk_err_set(e, RK_REMOTE, "GET %s: the Link header points to another host: '%s'",
                   rk_gh_shown(g, from), u);
    } else if (u && !(*out = strdup(u))) {
        rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    rk_links_release(&links);
    return e && e->code != RK_OK ? -1 : 0;
}

/* GET one page into arr (parsed with spec, json_slim.h, or whole when NULL); *link gets the
 * Link header (owned or NULL) */
static int fetch_page(struct rk_github *g, const char *url, const char *items_key, json_object *arr,
                      size_t max, const struct rk_json_spec *spec, size_t *added, char **link,
                      struct rk_err *e)
{
    struct rk_http_req req;
    struct rk_http_resp resp;
    json_object *page = NULL;
    int rc;
    rk_gh_prepare_slim(g, &req, "GET", url, NULL, NULL, 0, spec);
    rk_http_resp_init(&resp);
    rk_http_do(&g->http, &req, &resp, NULL);
    rc = rk_gh_result_slim(g, &req, &resp, 0, spec, &page, NULL, link, e);
    rk_http_resp_release(&resp);
    rk_http_resp_init(&resp);
    if (rc == 0)
        rc = append_items(g, url, page, items_key, arr, max, added, e);
    json_object_put(page);
    rk_http_resp_release(&resp);
    rk_http_req_release(&req);
    return rc;
}

/* a rel="next" already read (seen: set of URLs, borrowed): a server that loops would be
 * followed up to the item cap, its pages repeated */
static int next_loops(struct rk_github *g, json_object *seen, const char *from, const char *next,
                      struct rk_err *e)
{
    if (!next)
        return 0;
    if (json_object_object_get_ex(seen, next, NULL))
        return rk_err_set(e, RK_REMOTE, "GET %s: the Link header loops ('%s')",
                          rk_gh_shown(g, from), rk_gh_shown(g, next));
    json_object_object_add(seen, next, NULL);
    return 0;
}

/* follow rel="next" from url (owned, consumed) while arr holds fewer than max items; seen:
 * the URLs read before (borrowed, NULL: none) */
static int follow_next(struct rk_github *g, char *url, const char *items_key, json_object *arr,
                       size_t max, const struct rk_json_spec *spec, json_object *seen,
                       struct rk_err *e)
{
    json_object *mine = json_object_new_object();
    int rc = 0;
    if (!seen)
        seen = mine;
    json_object_object_add(seen, url, NULL);
    for (int pages = 0; url && pages < MAX_PAGES && json_object_array_length(arr) < max; pages++) {
        char *link = NULL, *next = NULL;
        size_t added;
        rc = fetch_page(g, url, items_key, arr, max, spec, &added, &link, e);
        if (rc == 0)
            rc = link_url(g, link, "next", url, &next, e);
        if (rc == 0 && added > 0)
            rc = next_loops(g, seen, url, next, e);
        free(link);
        free(url);
        if (rc < 0 || added == 0) {
            free(next);
            next = NULL;
        }
        url = next;
    }
    free(url);
    json_object_put(mine);
    return rc;
}

static char *start_url(struct rk_github *g, const char *path, json_object **out, size_t *max_items,
                       struct rk_err *e)
{
    char *url = rk_github_url(g, path);
    *out = json_object_new_array();
    if (!*max_items)
        *max_items = RK_GITHUB_MAX_ITEMS_DEFAULT;
    if (!url || !*out) {
        json_object_put(*out);
        *out = NULL;
        free(url);
        rk_err_set(e, RK_SYSTEM, "out of memory");
        return NULL;
    }
    return url;
}

int rk_github_paginate(struct rk_github *g, const char *path, const char *items_key,
                       size_t max_items, json_object **out, struct rk_err *e)
{
    char *url = start_url(g, path, out, &max_items, e);
    if (!url)
        return -1;
    if (follow_next(g, url, items_key, *out, max_items, NULL, NULL, e) < 0) {
        json_object_put(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

static void free_urls(char **urls, json_object **pages, size_t n)
{
    for (size_t i = 0; urls && i < n; i++)
        free(urls[i]);
    for (size_t i = 0; pages && i < n; i++)
        json_object_put(pages[i]);
    free(urls);
    free(pages);
}

/* pages [from, to] of the list whose last page is template, concurrently, in order */
static int fetch_batch(struct rk_github *g, const char *template, long from, long to,
                       const char *items_key, json_object *arr, size_t max, int max_parallel,
                       const struct rk_json_spec *spec, struct rk_err *e)
{
    size_t n = (size_t)(to - from + 1), added;
    char **urls = calloc(n, sizeof(*urls));
    json_object **pages = calloc(n, sizeof(*pages));
    int rc = 0;
    for (size_t i = 0; urls && pages && i < n && rc == 0; i++) {
        char num[32];
        snprintf(num, sizeof(num), "%ld", from + (long)i);
        if (!(urls[i] = rk_url_set_query(template, "page", num)))
            rc = -1;
    }
    if (!urls || !pages || rc < 0) {
        free_urls(urls, pages, n);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    rc = rk_github_get_many_slim(g, (const char *const *)urls, n, max_parallel, 0, spec, pages,
                                 NULL, e);
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = append_items(g, urls[i], pages[i], items_key, arr, max, &added, e);
        json_object_put(pages[i]); /* each page freed once its items are taken */
        pages[i] = NULL;
    }
    free_urls(urls, pages, n);
    return rc;
}

static int fetch_range(struct rk_github *g, const char *template, long from, long to,
                       const char *items_key, json_object *arr, size_t max, int max_parallel,
                       const struct rk_json_spec *spec, struct rk_err *e)
{
    for (long p = from; p <= to && json_object_array_length(arr) < max; p += PARALLEL_BATCH) {
        long hi = p + PARALLEL_BATCH - 1 < to ? p + PARALLEL_BATCH - 1 : to;
        if (fetch_batch(g, template, p, hi, items_key, arr, max, max_parallel, spec, e) < 0)
            return -1;
    }
    return 0;
}

/* after the first page: the last page to fetch, bounded by what max still needs */
static long pages_to(long first, long last, size_t have, size_t per_page, size_t max)
{
    size_t need;
    if (have >= max || per_page == 0)
        return first;
    need = (max - have + per_page - 1) / per_page;
    if (need > MAX_PAGES)
        need = MAX_PAGES;
    return last - first > (long)need ? first + (long)need : last;
}

static int paginate_parallel(struct rk_github *g, const char *path, const char *items_key,
                             size_t max_items, int max_parallel, const struct rk_json_spec *spec,
                             json_object **out, struct rk_err *e)
{
    char *url = start_url(g, path, out, &max_items, e), *link = NULL, *last = NULL;
    char *next = NULL;
    long first = 1, last_page = 0;
    size_t added = 0;
    int rc;
    if (!url)
        return -1;
    rc = fetch_page(g, url, items_key, *out, max_items, spec, &added, &link, e);
    if (rc == 0)
        rc = link_url(g, link, "last", url, &last, e);
    if (rc == 0)
        rc = link_url(g, link, "next", url, &next, e);
    rk_url_query_int(url, "page", &first);
    if (rc == 0 && added > 0 && last && rk_url_query_int(last, "page", &last_page) == 0 &&
        last_page > first) {
        last_page = pages_to(first, last_page, json_object_array_length(*out), added, max_items);
        rc = fetch_range(g, last, first + 1, last_page, items_key, *out, max_items, max_parallel,
                         spec, e);
    } else if (rc == 0 && added > 0 && next) {
        json_object *seen = json_object_new_object();
        json_object_object_add(seen, url, NULL);
        rc = next_loops(g, seen, url, next, e);
        if (rc == 0)
            rc = follow_next(g, next, items_key, *out, max_items, spec, seen, e);
        else
            free(next);
        next = NULL;
        json_object_put(seen);
    }
    free(url);
    free(link);
    free(last);
    free(next);
    if (rc < 0) {
        json_object_put(*out);
        *out = NULL;
    }
    return rc;
}

int rk_github_paginate_parallel(struct rk_github *g, const char *path, const char *items_key,
                                size_t max_items, int max_parallel, json_object **out,
                                struct rk_err *e)
{
    return paginate_parallel(g, path, items_key, max_items, max_parallel, NULL, out, e);
}

int rk_github_paginate_slim(struct rk_github *g, const char *path, size_t max_items,
                            int max_parallel, const struct rk_json_spec *spec, json_object **out,
                            struct rk_err *e)
{
    return paginate_parallel(g, path, NULL, max_items, max_parallel, spec, out, e);
}
