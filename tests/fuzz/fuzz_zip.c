/* fuzz_zip.c - the zip reading path: end records and central directory from a tail buffer,
 * then (from a memfd) spans, local headers, data descriptors and bounded extraction */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "zip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1, out_fd = -1;

/* what we read, the writer copies, and we read back the same entries */
static void round_trip(const struct rk_zip_dir *d, const struct rk_zip_local *lo)
{
    struct rk_zip_writer w;
    struct rk_zip_dir back;
    struct rk_err e = {0, ""};
    unsigned char sha[RK_SHA256_LEN];
    uint64_t size;
    int rc = 0;
    if (out_fd < 0)
        out_fd = memfd_create("fuzz_zip_out", 0);
    if (out_fd < 0 || ftruncate(out_fd, 0) < 0 || lseek(out_fd, 0, SEEK_SET) < 0 ||
        rk_zip_writer_init(&w, out_fd, "out.whl", &e) < 0)
        return;
    for (size_t i = 0; i < d->n && rc == 0; i++)
        rc = rk_zip_writer_copy(&w, fd, &d->entries[i], &lo[i], i % 2 ? "renamed/x" : NULL, NULL,
                                &e);
    if (rc == 0)
        rc = rk_zip_writer_finish(&w, d->comment, d->loc.comment_len, sha, &size, &e);
    rk_zip_writer_release(&w);
    if (rc < 0)
        return;
    if (rk_zip_dir_read(&back, out_fd, "out.whl", &e) < 0 || back.n != d->n)
        abort();
    for (size_t i = 0; i < d->n; i++)
        if (back.entries[i].csize != d->entries[i].csize ||
            back.entries[i].crc32 != d->entries[i].crc32)
            abort();
    rk_zip_dir_release(&back);
}

static void from_fd(void)
{
    struct rk_zip_dir d;
    struct rk_err e = {0, ""};
    struct rk_zip_local lo[64];
    size_t nlo = 0;
    if (rk_zip_dir_read(&d, fd, "f.whl", &e) < 0)
        return;
    for (size_t i = 0; i < d.n && i < 64; i++) {
        struct rk_buf out;
        rk_err_clear(&e);
        if (rk_zip_local_read(fd, &d, &d.entries[i], &lo[nlo], "f.whl", &e) == 0) {
            if (lo[nlo].end_offset > d.loc.cd_offset || lo[nlo].data_offset > lo[nlo].end_offset)
                abort();
            nlo++;
        }
        rk_buf_init(&out, 1 << 16);
        rk_err_clear(&e);
        (void)rk_zip_extract(fd, &d, &d.entries[i], &out, "f.whl", &e);
        rk_buf_release(&out);
    }
    rk_err_clear(&e);
    if (nlo == d.n && rk_zip_dir_check_spans(&d, "f.whl", &e) == 0)
        round_trip(&d, lo);
    for (size_t i = 0; i < nlo; i++)
        rk_zip_local_release(&lo[i]);
    rk_zip_dir_release(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rk_zip_dir d;
    struct rk_err e = {0, ""};
    int rc = rk_zip_dir_from_tail(&d, data, size, size, "t.whl", &e);
    if (rc == 0) {
        for (size_t i = 0; i < d.n; i++)
            if (d.entries[i].offset > d.loc.cd_offset ||
                strlen(d.entries[i].name) != d.entries[i].name_len)
                abort();
    }
    rk_zip_dir_release(&d);
    if (size > 8 && size > 2 * size / 3) {
        /* a shorter tail of a file of the same size: must ask for more or agree */
        rk_err_clear(&e);
        if (rk_zip_dir_from_tail(&d, data + size / 3, size - size / 3, size, "t.whl", &e) == 1 &&
            d.loc.need >= size)
            abort();
        rk_zip_dir_release(&d);
    }
    if (fd < 0)
        fd = memfd_create("fuzz_zip", 0);
    if (fd < 0 || ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return 0;
    from_fd();
    return 0;
}
