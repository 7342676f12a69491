/* test_zip.c - end records, central directory, local headers, writer round trips */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "digest.h"
#include "err.h"
#include "zip.h"

/* a one-entry stored zip "a.txt" = "hello", optionally ZIP64 end records; returns its size */
static size_t make_zip(unsigned char *b, int zip64, const char *comment)
{
    size_t o = 0, cd, cl = strlen(comment);
    uint32_t crc = (uint32_t)crc32(0, (const Bytef *)"hello", 5);
    rk_put32(b, 0x04034b50), rk_put16(b + 4, 20), rk_put16(b + 6, 0), rk_put16(b + 8, 0);
    rk_put32(b + 10, 0), rk_put32(b + 14, crc), rk_put32(b + 18, 5), rk_put32(b + 22, 5);
    rk_put16(b + 26, 5), rk_put16(b + 28, 0);
    memcpy(b + 30, "a.txthello", 10);
    o = cd = 40;
    memset(b + o, 0, 46);
    rk_put32(b + o, 0x02014b50), rk_put16(b + o + 4, 0x031e), rk_put16(b + o + 6, 20);
    rk_put32(b + o + 16, crc), rk_put32(b + o + 20, 5), rk_put32(b + o + 24, 5);
    rk_put16(b + o + 28, 5), rk_put32(b + o + 38, 0100644u << 16);
    memcpy(b + o + 46, "a.txt", 5);
    o += 51;
    if (zip64) {
        memset(b + o, 0, 76);
        rk_put32(b + o, 0x06064b50), rk_put64(b + o + 4, 44), rk_put64(b + o + 24, 1);
        rk_put64(b + o + 32, 1), rk_put64(b + o + 40, 51), rk_put64(b + o + 48, cd);
        rk_put32(b + o + 56, 0x07064b50), rk_put64(b + o + 64, o), rk_put32(b + o + 72, 1);
        o += 76;
    }
    memset(b + o, 0, 22);
    rk_put32(b + o, 0x06054b50);
    rk_put16(b + o + 8, zip64 ? 0xFFFF : 1), rk_put16(b + o + 10, zip64 ? 0xFFFF : 1);
    rk_put32(b + o + 12, zip64 ? 0xFFFFFFFFu : 51), rk_put32(b + o + 16, zip64 ? 0xFFFFFFFFu : 40);
    rk_put16(b + o + 20, (uint16_t)cl);
    memcpy(b + o + 22, comment, cl);
    return o + 22 + cl;
}

static void test_locate(void **state)
{
    unsigned char b[512];
    struct rk_zip_dir d;
    struct rk_err e = {0, ""};
    size_t n = make_zip(b, 0, "a comment");
    (void)state;
    assert_int_equal(rk_zip_dir_from_tail(&d, b, n, n, "t.whl", &e), 0);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.entries[0].name, "a.txt");
    assert_int_equal(d.entries[0].usize, 5);
    assert_int_equal(d.entries[0].external_attr, 0100644u << 16);
    assert_int_equal(d.loc.comment_len, 9);
    assert_memory_equal(d.comment, "a comment", 9);
    assert_int_equal(rk_zip_dir_find(&d, "a.txt"), 0);
    assert_int_equal(rk_zip_dir_find(&d, "b"), -1);
    rk_zip_dir_release(&d);
    /* the tail holds the end record but not the central directory: ask for more */
    assert_int_equal(rk_zip_dir_from_tail(&d, b + 60, n - 60, n, "t.whl", &e), 1);
    assert_int_equal(d.loc.need, 40);
    rk_zip_dir_release(&d);
}

static void test_locate_zip64(void **state)
{
    unsigned char b[512];
    struct rk_zip_dir d;
    struct rk_zip_loc loc;
    struct rk_err e = {0, ""};
    size_t n = make_zip(b, 1, "");
    (void)state;
    assert_int_equal(rk_zip_dir_from_tail(&d, b, n, n, "t.whl", &e), 0);
    assert_true(d.loc.zip64);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.loc.cd_offset, 40);
    rk_zip_dir_release(&d);
    /* only the EOCD and locator in the tail: the ZIP64 end record is needed */
    assert_int_equal(rk_zip_locate(b + n - 42, 42, n, &loc, "t.whl", &e), 1);
    assert_int_equal(loc.need, 91);
}

static void expect_bad(unsigned char *b, size_t n, const char *why)
{
    struct rk_zip_dir d;
    struct rk_err e = {0, ""};
    assert_int_equal(rk_zip_dir_from_tail(&d, b, n, n, "t.whl", &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    if (!strstr(e.msg, why))
        fail_msg("'%s' lacks '%s'", e.msg, why);
}

static void test_bad_dirs(void **state)
{
    unsigned char b[512];
    size_t n;
    (void)state;
    n = make_zip(b, 0, "");
    expect_bad(b, 10, "not a zip file");
    b[n - 2] = 1; /* comment length past the end */
    expect_bad(b, n, "not a zip file");
    n = make_zip(b, 0, "");
    rk_put32(b + n - 6, 400); /* cd offset */
    expect_bad(b, n, "central directory out of bounds");
    n = make_zip(b, 0, "");
    rk_put16(b + n - 12, 9), rk_put16(b + n - 14, 9); /* entries */
    expect_bad(b, n, "does not fit");
    n = make_zip(b, 0, "");
    rk_put16(b + 40 + 28, 60); /* name length overruns */
    expect_bad(b, n, "overruns");
    n = make_zip(b, 0, "");
    b[40 + 46] = 0; /* NUL in the name */
    expect_bad(b, n, "NUL");
    n = make_zip(b, 0, "");
    rk_put32(b + 40 + 42, 30); /* local header offset too far */
    expect_bad(b, n, "outside the archive");
    n = make_zip(b, 0, "");
    rk_put32(b + 40 + 24, 6); /* stored with different sizes */
    expect_bad(b, n, "different sizes");
    n = make_zip(b, 0, "");
    rk_put32(b + 40 + 20, 0xFFFFFFFFu); /* needs a ZIP64 extra that is not there */
    expect_bad(b, n, "ZIP64 extra");
    n = make_zip(b, 0, "");
    rk_put16(b + 40 + 8, 1); /* encrypted */
    expect_bad(b, n, "encrypted");
    n = make_zip(b, 1, "");
    rk_put32(b + 91, 0); /* ZIP64 end record signature */
    expect_bad(b, n, "ZIP64 end record not found");
}

static int temp_fd(char *path)
{
    strcpy(path, "/tmp/test_zip.XXXXXX");
    return mkstemp(path);
}

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(p, 1, n, f) == n;
    if (f)
        fclose(f);
    return ok ? 0 : -1;
}

static void test_local_and_extract(void **state)
{
    unsigned char b[512];
    char path[64];
    struct rk_zip_dir d;
    struct rk_zip_local lo;
    struct rk_buf out;
    struct rk_err e = {0, ""};
    size_t n = make_zip(b, 0, "");
    int fd = temp_fd(path);
    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b, n), (ssize_t)n);
    assert_int_equal(rk_zip_dir_read(&d, fd, "t.whl", &e), 0);
    assert_int_equal(rk_zip_local_read(fd, &d, &d.entries[0], &lo, "t.whl", &e), 0);
    assert_int_equal(lo.data_offset, 35);
    assert_int_equal(lo.end_offset, 40);
    rk_zip_local_release(&lo);
    rk_buf_init(&out, 0);
    assert_int_equal(rk_zip_extract(fd, &d, &d.entries[0], &out, "t.whl", &e), 0);
    assert_string_equal(rk_buf_cstr(&out), "hello");
    rk_buf_release(&out);
    /* a bad CRC is found when extracting */
    d.entries[0].crc32 ^= 1;
    rk_buf_init(&out, 0);
    assert_int_equal(rk_zip_extract(fd, &d, &d.entries[0], &out, "t.whl", &e), -1);
    rk_buf_release(&out);
    rk_zip_dir_release(&d);
    /* the local name differs from the central one */
    b[30] = 'b';
    assert_int_equal(write_file(path, b, n), 0);
    rk_err_clear(&e);
    assert_int_equal(rk_zip_dir_read(&d, fd, "t.whl", &e), 0);
    assert_int_equal(rk_zip_local_read(fd, &d, &d.entries[0], &lo, "t.whl", &e), -1);
    assert_non_null(strstr(e.msg, "differs"));
    rk_zip_dir_release(&d);
    close(fd);
    unlink(path);
}

static void add_entry(struct rk_zip_writer *w, const char *name, const char *text, int method)
{
    struct rk_zip_entry t;
    struct rk_err e = {0, ""};
    memset(&t, 0, sizeof(t));
    t.method = (uint16_t)method, t.version_made = 0x031e, t.version_needed = 20;
    t.mtime = 0x6000, t.mdate = 0x5973, t.external_attr = 0100755u << 16;
    assert_int_equal(rk_zip_writer_add(w, name, text, strlen(text), &t, NULL, &e), 0);
}

/* write a zip with the writer, read it back, copy it with renames, read that back */
static void test_writer_round_trip(void **state)
{
    char p1[64], p2[64];
    int f1 = temp_fd(p1), f2 = temp_fd(p2);
    struct rk_zip_writer w;
    struct rk_zip_dir d;
    struct rk_err e = {0, ""};
    unsigned char sha[RK_SHA256_LEN], sha2[RK_SHA256_LEN];
    uint64_t size;
    struct rk_buf out;
    (void)state;
    assert_int_equal(rk_zip_writer_init(&w, f1, p1, &e), 0);
    add_entry(&w, "x/one.txt", "one one one one one one one one", RK_ZIP_DEFLATED);
    add_entry(&w, "x/two.txt", "two", RK_ZIP_STORED);
    assert_int_equal(rk_zip_writer_finish(&w, "c", 1, sha, &size, &e), 0);
    rk_zip_writer_release(&w);
    assert_int_equal(rk_sha256_file(p1, sha2, NULL, &e), 0);
    assert_memory_equal(sha, sha2, RK_SHA256_LEN);
    assert_int_equal(rk_zip_dir_read(&d, f1, p1, &e), 0);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.entries[0].method, RK_ZIP_DEFLATED);
    assert_int_equal(d.entries[1].external_attr, 0100755u << 16);
    assert_int_equal(rk_zip_dir_check_spans(&d, p1, &e), 0);
    assert_int_equal(rk_zip_writer_init(&w, f2, p2, &e), 0);
    for (size_t i = 0; i < d.n; i++) {
        struct rk_zip_local lo;
        assert_int_equal(rk_zip_local_read(f1, &d, &d.entries[i], &lo, p1, &e), 0);
        assert_int_equal(
            rk_zip_writer_copy(&w, f1, &d.entries[i], &lo, i ? "y/two.txt" : NULL, NULL, &e), 0);
        rk_zip_local_release(&lo);
    }
    assert_int_equal(rk_zip_writer_finish(&w, NULL, 0, sha, &size, &e), 0);
    rk_zip_writer_release(&w);
    rk_zip_dir_release(&d);
    assert_int_equal(rk_zip_dir_read(&d, f2, p2, &e), 0);
    assert_string_equal(d.entries[1].name, "y/two.txt");
    assert_int_equal(d.entries[1].mtime, 0x6000);
    rk_buf_init(&out, 0);
    assert_int_equal(rk_zip_extract(f2, &d, &d.entries[0], &out, p2, &e), 0);
    assert_string_equal(rk_buf_cstr(&out), "one one one one one one one one");
    rk_buf_release(&out);
    rk_zip_dir_release(&d);
    close(f1), close(f2);
    unlink(p1), unlink(p2);
}

static int count_sink(void *arg, const void *p, size_t n, struct rk_err *e)
{
    (void)p, (void)e;
    *(size_t *)arg += n;
    return 0;
}

static void test_inflate_limits(void **state)
{
    struct rk_zip_entry ze;
    struct rk_zip_inflate z;
    struct rk_err e = {0, ""};
    unsigned char packed[256], plain[1000];
    uLongf plen = sizeof(packed);
    size_t got = 0;
    (void)state;
    memset(plain, 'a', sizeof(plain));
    memset(&ze, 0, sizeof(ze));
    ze.name = "bomb", ze.method = RK_ZIP_DEFLATED, ze.usize = 10;
    /* zlib framing: skip the 2-byte header to get raw deflate */
    assert_int_equal(compress2(packed, &plen, plain, sizeof(plain), 9), Z_OK);
    assert_int_equal(rk_zip_inflate_begin(&z, &ze, count_sink, &got, "t.whl", &e), 0);
    assert_int_equal(rk_zip_inflate_feed(&z, packed + 2, plen - 6, &e), -1);
    assert_non_null(strstr(e.msg, "larger than its recorded size"));
    rk_zip_inflate_release(&z);
    rk_err_clear(&e);
    ze.method = 12;
    assert_int_equal(rk_zip_inflate_begin(&z, &ze, count_sink, &got, "t.whl", &e), -1);
    assert_non_null(strstr(e.msg, "unsupported compression method"));
    rk_err_clear(&e);
    ze.method = RK_ZIP_DEFLATED, ze.usize = 1000;
    assert_int_equal(rk_zip_inflate_begin(&z, &ze, count_sink, &got, "t.whl", &e), 0);
    assert_int_equal(rk_zip_inflate_feed(&z, "\xff\xff\xff", 3, &e), -1);
    rk_zip_inflate_release(&z);
}

/* a sparse file past 4 GiB: a 4.5 GiB stored member (a hole), then "x.txt" beyond 4 GiB */
static void test_zip64_offsets(void **state)
{
    const uint64_t big = (uint64_t)9 << 29;
    char path[64];
    unsigned char h[256];
    struct rk_zip_dir d;
    struct rk_buf out;
    struct rk_err e = {0, ""};
    uint64_t off_b = 30 + 7 + 20 + big, cd, z64;
    uint32_t crc = (uint32_t)crc32(0, (const Bytef *)"hello", 5);
    int fd = temp_fd(path);
    (void)state;
    memset(h, 0, sizeof(h));
    rk_put32(h, 0x04034b50), rk_put16(h + 4, 45), rk_put32(h + 18, 0xFFFFFFFFu);
    rk_put32(h + 22, 0xFFFFFFFFu), rk_put16(h + 26, 7), rk_put16(h + 28, 20);
    memcpy(h + 30, "big.bin", 7);
    rk_put16(h + 37, 1), rk_put16(h + 39, 16), rk_put64(h + 41, big), rk_put64(h + 49, big);
    assert_int_equal(pwrite(fd, h, 57, 0), 57);
    memset(h, 0, sizeof(h));
    rk_put32(h, 0x04034b50), rk_put16(h + 4, 20), rk_put32(h + 14, crc), rk_put32(h + 18, 5);
    rk_put32(h + 22, 5), rk_put16(h + 26, 5);
    memcpy(h + 30, "x.txthello", 10);
    assert_int_equal(pwrite(fd, h, 40, (off_t)off_b), 40);
    cd = off_b + 40;
    memset(h, 0, sizeof(h)); /* central: big.bin (sizes in ZIP64), x.txt (offset in ZIP64) */
    rk_put32(h, 0x02014b50), rk_put16(h + 6, 45), rk_put32(h + 20, 0xFFFFFFFFu);
    rk_put32(h + 24, 0xFFFFFFFFu), rk_put16(h + 28, 7), rk_put16(h + 30, 20);
    memcpy(h + 46, "big.bin", 7);
    rk_put16(h + 53, 1), rk_put16(h + 55, 16), rk_put64(h + 57, big), rk_put64(h + 65, big);
    rk_put32(h + 73, 0x02014b50), rk_put16(h + 79, 45), rk_put32(h + 89, crc);
    rk_put32(h + 93, 5), rk_put32(h + 97, 5), rk_put16(h + 101, 5), rk_put16(h + 103, 12);
    rk_put32(h + 115, 0xFFFFFFFFu);
    memcpy(h + 119, "x.txt", 5);
    rk_put16(h + 124, 1), rk_put16(h + 126, 8), rk_put64(h + 128, off_b);
    z64 = cd + 136;
    rk_put32(h + 136, 0x06064b50), rk_put64(h + 140, 44), rk_put64(h + 160, 2);
    rk_put64(h + 168, 2), rk_put64(h + 176, 136), rk_put64(h + 184, cd);
    rk_put32(h + 192, 0x07064b50), rk_put64(h + 200, z64), rk_put32(h + 208, 1);
    rk_put32(h + 212, 0x06054b50), rk_put16(h + 220, 2), rk_put16(h + 222, 2);
    rk_put32(h + 224, 136), rk_put32(h + 228, 0xFFFFFFFFu);
    assert_int_equal(pwrite(fd, h, 234, (off_t)cd), 234);
    assert_int_equal(rk_zip_dir_read(&d, fd, "big.whl", &e), 0);
    assert_true(d.loc.zip64);
    assert_int_equal(d.n, 2);
    assert_true(d.entries[0].usize == big);
    assert_true(d.entries[1].offset == off_b);
    assert_int_equal(rk_zip_dir_check_spans(&d, "big.whl", &e), 0);
    rk_buf_init(&out, 0);
    assert_int_equal(rk_zip_extract(fd, &d, &d.entries[1], &out, "big.whl", &e), 0);
    assert_string_equal(rk_buf_cstr(&out), "hello");
    rk_buf_release(&out);
    rk_zip_dir_release(&d);
    close(fd);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_locate),
        cmocka_unit_test(test_locate_zip64),
        cmocka_unit_test(test_bad_dirs),
        cmocka_unit_test(test_local_and_extract),
        cmocka_unit_test(test_writer_round_trip),
        cmocka_unit_test(test_inflate_limits),
        cmocka_unit_test(test_zip64_offsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
