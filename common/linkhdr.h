/*
 * linkhdr.h - RFC 8288 Link header parsing: `<url>; rel="next last"; title="x, y", <...>`.
 *
 * Rules: struct rk_links owns its entries (rk_links_release). Parsing is total: malformed
 * link-values are skipped, never fatal; quoted strings (with backslash escapes) may contain
 * commas and semicolons; parameter names are case-insensitive; rel values are lowercased and
 * a link may carry several space-separated rels. At most RK_LINKS_MAX links and
 * RK_LINK_VALUE_MAX bytes of input are considered. Returns -1 only when out of memory.
 */
#ifndef RELKIT_LINKHDR_H
#define RELKIT_LINKHDR_H

#include <stddef.h>

#define RK_LINKS_MAX 64
#define RK_LINK_VALUE_MAX 65536

struct rk_link {
    char *url; /* owned, between < and >, surrounding spaces removed */
    char *rel; /* owned, lowercased, space-separated rel tokens; "" when absent */
};

struct rk_links {
    struct rk_link *v;
    size_t n;
};

int rk_links_parse(const char *value, struct rk_links *out); /* out is initialised here */
void rk_links_release(struct rk_links *l);
/* URL of the first link whose rel list contains rel (case-insensitive); borrowed or NULL. */
const char *rk_links_find(const struct rk_links *l, const char *rel);

#endif
