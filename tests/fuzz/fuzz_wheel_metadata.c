/* fuzz_wheel_metadata.c - METADATA / WHEEL headers and Requires-Dist values: parse, rewrite */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "wheel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void requirement(const char *v)
{
    struct rk_req r;
    struct rk_err e = {0, ""};
    struct rk_buf out;
    int changed;
    if (rk_req_parse(v, &r, &e) < 0)
        return;
    if (r.name_off + r.name_len > strlen(v) || r.spec_off + r.spec_len > strlen(v))
        abort();
    rk_buf_init(&out, 1 << 20);
    (void)rk_req_set_spec(v, &r, "==1.0", &out);
    rk_buf_reset(&out);
    (void)rk_req_finalize(v, &r, &out, &changed, &e);
    rk_buf_release(&out);
}

static void rewrite(const struct rk_meta *m)
{
    struct rk_meta_edit ed[3];
    struct rk_buf out, t;
    struct rk_err e = {0, ""};
    size_t n = 0;
    long v = rk_meta_find(m, "Version", 0), tag = rk_meta_find(m, "Tag", 0);
    rk_buf_init(&out, 1 << 22);
    rk_buf_init(&t, 1 << 20);
    (void)rk_meta_format(m, v, "Version", "1.0", &t);
    if (tag >= 0 && tag < v)
        ed[n].field = (size_t)tag, ed[n++].text = "";
    if (v >= 0)
        ed[n].field = (size_t)v, ed[n++].text = rk_buf_cstr(&t);
    if (tag >= 0 && tag > v)
        ed[n].field = (size_t)tag, ed[n++].text = "";
    ed[n].field = m->n, ed[n++].text = "Build: 1\n";
    if (rk_meta_rewrite(m, ed, n, &out, &e) == 0) {
        size_t body = m->len - m->headers_end; /* the body is kept byte for byte */
        if (out.len < body || memcmp(out.data + out.len - body, m->text + m->headers_end, body))
            abort();
    }
    rk_buf_release(&out);
    rk_buf_release(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rk_meta m;
    struct rk_err e = {0, ""};
    char v[1024];
    if (rk_meta_parse(&m, (const char *)data, size, "METADATA", &e) < 0)
        return 0;
    for (size_t i = 0; i < m.n; i++) {
        if (m.f[i].end > size || m.f[i].val_off + m.f[i].val_len > m.f[i].end)
            abort();
        if (rk_meta_value(&m, i, v, sizeof(v)) == 0)
            requirement(v);
    }
    rewrite(&m);
    rk_meta_release(&m);
    return 0;
}
