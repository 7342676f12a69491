/* libFuzzer harness: Link header parsing (linkhdr.h) must never crash, leak or overread */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linkhdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rk_links l;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (rk_links_parse(s, &l) == 0) {
        for (size_t i = 0; i < l.n; i++) {
            if (!l.v[i].url || !l.v[i].rel)
                abort();
            if (strlen(l.v[i].url) > size || strlen(l.v[i].rel) > size)
                abort();
        }
        if (l.n > RK_LINKS_MAX)
            abort();
        (void)rk_links_find(&l, "next");
        (void)rk_links_find(&l, "last");
        rk_links_release(&l);
    }
    free(s);
    return 0;
}
