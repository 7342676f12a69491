/* retag_write.c - the new RECORD, verification while streaming, writing the output */
#include "retag.h"
#include "fs.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>

int retag_plan_record(struct retag_plan *p, const struct retag_in *in, struct rk_err *e);

static int is_entry(const struct retag_in *in, long idx, const char *path)
{
    return idx >= 0 && strcmp(in->dir.entries[idx].name, path) == 0;
}

static int record_line(struct retag_plan *p, const struct retag_in *in,
                       const struct rk_record_line *l, const char *np, struct rk_err *e)
{
    char h[128], sz[32];
    const struct rk_buf *text = NULL;
    if (is_entry(in, in->i_record, l->path))
        return rk_record_format(&p->record, np, "", "");
    if (retag_is_signature(in, l->path) && (p->changed & CH_SIGNATURES))
        return 0;
    if (is_entry(in, in->w.i_meta, l->path) && p->meta_changed)
        text = &p->meta;
    else if (is_entry(in, in->w.i_wheel, l->path) && p->wheel_changed)
        text = &p->wheel;
    if (text) {
        if (rk_record_hash(text->data ? text->data : "", text->len, h, sizeof(h), e) < 0)
            return -1;
        snprintf(sz, sizeof(sz), "%zu", text->len);
        return rk_record_format(&p->record, np, h, sz);
    }
    if (np != l->path)
        return rk_record_format(&p->record, np, l->hash, l->size);
    if (rk_buf_append(&p->record, l->raw, l->raw_len) < 0)
        return -1;
    if (l->raw_len && l->raw[l->raw_len - 1] != '\n')
        return rk_buf_puts(&p->record, "\n");
    return 0;
}

int retag_plan_record(struct retag_plan *p, const struct retag_in *in, struct rk_err *e)
{
    for (size_t i = 0; i < in->record.n; i++) {
        const struct rk_record_line *l = &in->record.lines[i];
        char *nn = retag_new_name(in, p, l->path);
        int rc = record_line(p, in, l, nn ? nn : l->path, e);
        free(nn);
        if (rc < 0)
            return e->code
                       ? -1
                       : rk_err_set(e, errno == EFBIG ? RK_INPUT : RK_SYSTEM, "RECORD too large");
    }
    return 0;
}

/* ---- verifying RECORD hashes while the bytes stream by ---- */

struct verifier {
    EVP_MD_CTX *ctx;
    unsigned char want[64];
    size_t wlen;
    const struct rk_record_line *line;
    struct rk_zip_inflate z;
    int active;
};

static int verify_sink(void *arg, const void *p, size_t n, struct rk_err *e)
{
    struct verifier *v = arg;
    (void)e;
    EVP_DigestUpdate(v->ctx, p, n);
    return 0;
}

static void verifier_release(struct verifier *v)
{
    if (v->active)
        rk_zip_inflate_release(&v->z);
    EVP_MD_CTX_free(v->ctx);
    memset(v, 0, sizeof(*v));
}

/* v->active stays 0 for entries without a hash to check (directories, RECORD, signatures) */
static int verify_begin(const struct retag_in *in, size_t i, struct verifier *v, struct rk_err *e)
{
    const struct rk_zip_entry *ze = &in->dir.entries[i];
    const char *algo;
    long l;
    memset(v, 0, sizeof(*v));
    if (rk_zip_entry_is_dir(ze) || (long)i == in->i_record || retag_is_signature(in, ze->name))
        return 0;
    l = rk_record_lookup(&in->record, in->record_index, ze->name);
    v->line = &in->record.lines[l];
    if (!v->line->hash[0])
        return rk_err_set(e, RK_INPUT, "invalid wheel '%s': '%s' has no hash in RECORD", in->base,
                          ze->name);
    if (rk_record_hash_parse(v->line->hash, &algo, v->want, &v->wlen, e) < 0)
        return rk_err_prefix(e, "invalid wheel '%s': RECORD", in->base);
    v->ctx = EVP_MD_CTX_new();
    if (!v->ctx || EVP_DigestInit_ex(v->ctx, EVP_get_digestbyname(algo), NULL) != 1) {
        verifier_release(v);
        return rk_err_set(e, RK_SYSTEM, "unable to start %s", algo);
    }
    if (rk_zip_inflate_begin(&v->z, ze, verify_sink, v, in->base, e) < 0) {
        verifier_release(v);
        return -1;
    }
    v->active = 1;
    return 0;
}

static int verify_end(const struct retag_in *in, struct verifier *v, struct rk_err *e)
{
    unsigned char got[EVP_MAX_MD_SIZE];
    unsigned int glen = 0;
    const char *name;
    char sz[32];
    if (!v->active)
        return 0;
    v->active = 0;
    name = v->z.ze->name;
    snprintf(sz, sizeof(sz), "%llu", (unsigned long long)v->z.ze->usize);
    if (rk_zip_inflate_end(&v->z, e) < 0) {
        verifier_release(v);
        return -1;
    }
    EVP_DigestFinal_ex(v->ctx, got, &glen);
    if (glen != v->wlen || memcmp(got, v->want, glen) != 0) {
        verifier_release(v);
        return rk_err_set(e, RK_INPUT, "invalid wheel '%s': '%s' does not match its RECORD hash",
                          in->base, name);
    }
    if (v->line->size[0] && strcmp(v->line->size, sz) != 0) {
        verifier_release(v);
        return rk_err_set(e, RK_INPUT, "invalid wheel '%s': '%s' does not match its RECORD size",
                          in->base, name);
    }
    verifier_release(v);
    return 0;
}

static int verify_entry(const struct retag_in *in, size_t i, unsigned char *buf, struct rk_err *e)
{
    struct verifier v;
    const struct rk_zip_local *lo = &in->locals[i];
    uint64_t pos = lo->data_offset, left = in->dir.entries[i].csize;
    if (verify_begin(in, i, &v, e) < 0)
        return -1;
    while (v.active && left > 0) {
        size_t k = left > RK_ZIP_IOBUF ? RK_ZIP_IOBUF : (size_t)left;
        if (rk_pread_all(in->fd, buf, k, pos, in->base, e) < 0 ||
            rk_zip_inflate_feed(&v.z, buf, k, e) < 0) {
            verifier_release(&v);
            return -1;
        }
        pos += k, left -= k;
    }
    return verify_end(in, &v, e);
}

int retag_verify_only(const struct retag_in *in, struct rk_err *e)
{
    unsigned char *buf = malloc(RK_ZIP_IOBUF);
    int rc = 0;
    if (!buf)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    for (size_t i = 0; i < in->dir.n && rc == 0; i++)
        rc = verify_entry(in, i, buf, e);
    free(buf);
    return rc;
}

/* ---- writing ---- */

static int byte_copy(struct retag_plan *p, const struct retag_in *in, struct rk_err *e)
{
    struct rk_atomic a;
    struct rk_sha256 s;
    unsigned char *buf;
    uint64_t off = 0;
    ssize_t r = 1;
    if (rk_atomic_open(&a, p->output, 0644, e) < 0)
        return -1;
    buf = malloc(RK_ZIP_IOBUF);
    if (!buf || rk_sha256_init(&s, e) < 0) {
        free(buf);
        rk_atomic_abort(&a);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    while (r > 0) {
        r = pread(in->fd, buf, RK_ZIP_IOBUF, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rk_err_errno(e, RK_SYSTEM, "unable to read '%s'", in->path);
        else if (r > 0 && rk_write_all(a.fd, buf, (size_t)r, p->output, e) == 0)
            rk_sha256_update(&s, buf, (size_t)r), off += (uint64_t)r;
        else if (r > 0)
            r = -1;
    }
    free(buf);
    rk_sha256_final(&s, p->sha);
    p->size = off;
    if (r < 0) {
        rk_atomic_abort(&a);
        return -1;
    }
    return rk_atomic_commit(&a, e);
}

static int add_text(struct rk_zip_writer *w, const struct retag_in *in, size_t i, const char *name,
                    const struct rk_buf *t, struct rk_err *e)
{
    return rk_zip_writer_add(w, name, t->data ? t->data : "", t->len, &in->dir.entries[i],
                             &in->locals[i], e);
}

static int copy_entry(struct rk_zip_writer *w, const struct retag_in *in, size_t i, const char *nn,
                      const struct retag_opts *o, struct rk_err *e)
{
    struct verifier v;
    memset(&v, 0, sizeof(v));
    if (o->verify && verify_begin(in, i, &v, e) < 0)
        return -1;
    if (rk_zip_writer_copy(w, in->fd, &in->dir.entries[i], &in->locals[i], nn,
                           v.active ? &v.z : NULL, e) < 0) {
        verifier_release(&v);
        return -1;
    }
    return verify_end(in, &v, e);
}

static int write_entry(struct rk_zip_writer *w, struct retag_plan *p, const struct retag_in *in,
                       size_t i, const struct retag_opts *o, struct rk_err *e)
{
    const struct rk_zip_entry *ze = &in->dir.entries[i];
    const struct rk_buf *text = NULL;
    char *nn;
    int rc = 0;
    if ((p->changed & CH_SIGNATURES) && retag_is_signature(in, ze->name)) {
        rk_log_warn("dropping the stale signature '%s' of '%s'", ze->name, in->base);
        return 0;
    }
    if ((long)i == in->w.i_meta && p->meta_changed)
        text = &p->meta;
    else if ((long)i == in->w.i_wheel && p->wheel_changed)
        text = &p->wheel;
    nn = retag_new_name(in, p, ze->name);
    if ((long)i == in->i_record)
        rc = add_text(w, in, i, nn ? nn : ze->name, &p->record, e);
    else if (text) {
        if (o->verify)
            rc = verify_entry(in, i, w->io, e);
        if (rc == 0)
            rc = add_text(w, in, i, nn ? nn : ze->name, text, e);
    } else {
        rc = copy_entry(w, in, i, nn, o, e);
    }
    free(nn);
    return rc;
}

static int write_zip(struct retag_plan *p, const struct retag_in *in, const struct retag_opts *o,
                     struct rk_err *e)
{
    struct rk_atomic a;
    struct rk_zip_writer w;
    int rc = 0;
    if (rk_atomic_open(&a, p->output, 0644, e) < 0)
        return -1;
    if (rk_zip_writer_init(&w, a.fd, p->output, e) < 0) {
        rk_atomic_abort(&a);
        return -1;
    }
    for (size_t i = 0; i < in->dir.n && rc == 0; i++)
        rc = write_entry(&w, p, in, i, o, e);
    if (rc == 0)
        rc =
            rk_zip_writer_finish(&w, in->dir.comment, in->dir.loc.comment_len, p->sha, &p->size, e);
    rk_zip_writer_release(&w);
    if (rc < 0) {
        rk_atomic_abort(&a);
        return -1;
    }
    return rk_atomic_commit(&a, e);
}

int retag_write(struct retag_plan *p, const struct retag_in *in, const struct retag_opts *o,
                struct rk_err *e)
{
    if (!p->changed) {
        if (o->verify && retag_verify_only(in, e) < 0)
            return -1;
        if (strcmp(p->output, in->path) == 0)
            return rk_sha256_file(in->path, p->sha, &p->size, e);
        return byte_copy(p, in, e);
    }
    if (write_zip(p, in, o, e) < 0)
        return -1;
    if (o->in_place && strcmp(p->output, in->path) != 0 && unlink(in->path) < 0)
        return rk_err_errno(e, RK_SYSTEM, "unable to remove '%s'", in->path);
    return 0;
}
