/*
 * fuzz_imageref - libFuzzer harness for image references and manifests (oci.h).
 *
 * Input: a reference on the first line; the rest is a manifest document. Invariants (abort
 * on violation): an accepted reference has valid parts and formats to a string that parses
 * back to the same parts; a parsed manifest's descriptors all have valid digests and sizes
 * >= 0, and an index filtered to its own platforms still parses; nothing crashes, leaks or
 * reads out of bounds (ASan/UBSan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static void check_ref(const char *s)
{
    struct rk_oci_ref r, back;
    struct rk_err e;
    char *text;
    rk_err_clear(&e);
    if (rk_oci_ref_parse(s, &r, &e) < 0) {
        if (e.code != RK_INPUT && e.code != RK_SYSTEM)
            abort();
        return;
    }
    if (!rk_oci_valid_registry(r.registry) || !rk_oci_valid_repo(r.repo) ||
        (r.tag && !rk_oci_valid_tag(r.tag)) || (r.digest && !rk_oci_valid_digest(r.digest)))
        abort();
    if (!(text = rk_oci_ref_format(&r)))
        abort();
    if (rk_oci_ref_parse(text, &back, &e) < 0 || !same(r.registry, back.registry) ||
        !same(r.repo, back.repo) || !same(r.tag, back.tag) || !same(r.digest, back.digest))
        abort();
    free(text);
    rk_oci_ref_release(&back);
    rk_oci_ref_release(&r);
}

static void check_manifest(const char *p, size_t n)
{
    struct rk_oci_manifest m;
    struct rk_err e;
    const char *pats[2] = {"linux/amd64", "linux/arm64"};
    rk_err_clear(&e);
    if (rk_oci_manifest_parse(p, n, NULL, &m, &e) < 0)
        return;
    for (size_t i = 0; i < m.n; i++)
        if (!rk_oci_valid_digest(m.desc[i].digest) || m.desc[i].size < 0 || !m.desc[i].media_type)
            abort();
    if (m.kind == RK_OCI_INDEX) {
        struct rk_buf out;
        struct rk_oci_manifest f;
        size_t kept;
        rk_buf_init(&out, 0);
        if (rk_oci_index_filter(p, n, pats, 2, &out, &kept, &e) == 0) {
            if (kept > m.n || rk_oci_manifest_parse(out.data, out.len, NULL, &f, &e) < 0)
                abort();
            rk_oci_manifest_release(&f);
        }
        rk_buf_release(&out);
    }
    rk_oci_manifest_release(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), *nl;
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    nl = strchr(s, '\n');
    if (nl)
        *nl = '\0';
    check_ref(s);
    if (nl)
        check_manifest(nl + 1, size - (size_t)(nl + 1 - s));
    free(s);
    return 0;
}
