/* fuzz_wheel_record.c - RECORD: parse, index, look up, format, hashes */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "wheel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rk_record r, again;
    struct rk_err e = {0, ""};
    struct rk_buf out;
    size_t *idx = NULL;
    if (rk_record_parse(&r, (const char *)data, size, "RECORD", &e) < 0)
        return 0;
    rk_buf_init(&out, 1 << 26);
    if (rk_record_index(&r, &idx, "RECORD", &e) == 0) {
        for (size_t i = 0; i < r.n; i++)
            if (rk_record_lookup(&r, idx, r.lines[i].path) != (long)i)
                abort();
    }
    for (size_t i = 0; i < r.n; i++) {
        unsigned char d[64];
        const char *algo;
        size_t n;
        if (r.lines[i].raw < (const char *)data ||
            r.lines[i].raw + r.lines[i].raw_len > (const char *)data + size)
            abort();
        (void)rk_record_hash_parse(r.lines[i].hash, &algo, d, &n, &e);
        if (!strpbrk(r.lines[i].hash, ",\"\r\n") && !strpbrk(r.lines[i].size, ",\"\r\n"))
            (void)rk_record_format(&out, r.lines[i].path, r.lines[i].hash, r.lines[i].size);
    }
    /* what we format, we parse back to the same paths */
    rk_err_clear(&e);
    if (out.len && rk_record_parse(&again, out.data, out.len, "RECORD", &e) == 0) {
        for (size_t i = 0, j = 0; i < r.n && j < again.n; i++) {
            if (strpbrk(r.lines[i].hash, ",\"\r\n") || strpbrk(r.lines[i].size, ",\"\r\n"))
                continue;
            if (strcmp(r.lines[i].path, again.lines[j++].path) != 0)
                abort();
        }
        rk_record_release(&again);
    }
    free(idx);
    rk_buf_release(&out);
    rk_record_release(&r);
    return 0;
}
