/* fuzz_wheel_filename.c - wheel file names: parse, format, re-parse, expand tags */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "wheel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), out[2048], norm[RK_WHEEL_FIELD];
    struct rk_wheel_name w, again;
    struct rk_err e = {0, ""};
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    rk_pep503_normalize(s, norm, sizeof(norm));
    rk_wheel_escape_name(s, norm, sizeof(norm));
    (void)rk_wheel_valid_name(s);
    if (rk_wheel_name_parse(s, &w, &e) == 0) {
        char **tags;
        size_t n;
        if (rk_wheel_name_format(&w, out, sizeof(out)) != 0)
            abort();
        rk_err_clear(&e);
        if (rk_wheel_name_parse(out, &again, &e) != 0 || memcmp(&w, &again, sizeof(w)) != 0)
            abort(); /* format and parse must round-trip */
        if (rk_wheel_tags_expand(w.python, w.abi, w.platform, &tags, &n, &e) == 0)
            rk_wheel_tags_free(tags, n);
        (void)rk_tagset_add(w.platform, sizeof(w.platform), "manylinux_2_28_x86_64");
        (void)rk_tagset_remove(w.platform, "any");
    }
    free(s);
    return 0;
}
