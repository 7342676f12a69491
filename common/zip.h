/*
 * zip.h - a small, defensive zip reader and a raw-copying zip writer (for wheels).
 *
 * Reading works in two steps so that it runs on a local file and on a remote one alike:
 * rk_zip_locate() finds the central directory from the last bytes of a file (a tail buffer:
 * the last tail_len bytes of a file of file_size bytes), and rk_zip_dir_parse() parses the
 * central directory from a buffer. rk_zip_dir_read() does both on a local fd. Every offset,
 * length and count is checked against the file size before use; anything inconsistent is
 * RK_INPUT "invalid wheel 'WHAT': ...". ZIP64 archives (and entries) are read and written.
 *
 * Entries are never decompressed to be copied: the writer copies an entry's local header,
 * compressed bytes and data descriptor as they are (rewriting the header only when the name
 * changes) and keeps method, times, flags and attributes; only entries added with
 * rk_zip_writer_add() are compressed (raw deflate), deterministically.
 *
 * Ownership: struct rk_zip_dir owns its entries and their strings (rk_zip_dir_release).
 * struct rk_zip_writer borrows its fd and owns its buffers. Memory is bounded: the central
 * directory is capped at RK_ZIP_CD_MAX bytes, copies stream through one RK_ZIP_IOBUF buffer.
 */
#ifndef RELKIT_ZIP_H
#define RELKIT_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "digest.h"

struct rk_err;

#define RK_ZIP_CD_MAX ((uint64_t)64 << 20)   /* largest central directory read */
#define RK_ZIP_MAX_ENTRIES 1000000u          /* most entries accepted */
#define RK_ZIP_TAIL_MIN (65535u + 22u + 20u) /* a tail this long always holds the EOCD */
#define RK_ZIP_IOBUF ((size_t)1 << 20)       /* streaming buffer */
#define RK_ZIP_STORED 0
#define RK_ZIP_DEFLATED 8
#define RK_ZIP_FLAG_ENCRYPTED 0x0001u
#define RK_ZIP_FLAG_DESCRIPTOR 0x0008u
#define RK_ZIP_FLAG_UTF8 0x0800u

/* Where the central directory is (from the end records). */
struct rk_zip_loc {
    uint64_t file_size;
    uint64_t cd_offset;
    uint64_t cd_size;
    uint64_t nentries;
    uint64_t end_offset; /* first byte of the end records (ZIP64 end record or EOCD) */
    uint64_t need;       /* rk_zip_locate returned 1: the tail must start at or before this */
    int zip64;
    uint16_t comment_len;    /* archive comment */
    uint64_t comment_offset; /* in the file */
};

struct rk_zip_entry {
    const char *name; /* NUL-terminated, owned by the dir; name_len bytes, no NUL inside */
    const unsigned char *extra;   /* central extra field (owned by the dir) */
    const unsigned char *comment; /* entry comment (owned by the dir) */
    uint16_t name_len, extra_len, comment_len;
    uint16_t version_made, version_needed, flags, method, mtime, mdate, internal_attr;
    uint32_t crc32, external_attr;
    uint64_t csize, usize, offset; /* ZIP64 values resolved */
};

struct rk_zip_dir {
    struct rk_zip_entry *entries;
    size_t n;
    struct rk_zip_loc loc;
    unsigned char *comment; /* archive comment, owned (comment_len bytes) */
    unsigned char *arena;   /* names, extras and comments */
};

/* Find the end records in tail (the last tail_len bytes of the file). Returns 0 with loc
 * filled, 1 when the ZIP64 end record lies before the tail (loc->need says where the tail
 * must start), or -1 (RK_INPUT). what names the file in messages. */
int rk_zip_locate(const void *tail, size_t tail_len, uint64_t file_size, struct rk_zip_loc *loc,
                  const char *what, struct rk_err *e);
/* Parse the central directory: cd holds loc->cd_size bytes read at loc->cd_offset. */
int rk_zip_dir_parse(struct rk_zip_dir *d, const void *cd, size_t cd_len,
                     const struct rk_zip_loc *loc, const char *what, struct rk_err *e);
/* locate + parse from a tail alone; 1 (loc in d->loc, need set) when the tail is too short,
 * also when the central directory starts before the tail. */
int rk_zip_dir_from_tail(struct rk_zip_dir *d, const void *tail, size_t tail_len,
                         uint64_t file_size, const char *what, struct rk_err *e);
/* Read the directory of a local file. */
int rk_zip_dir_read(struct rk_zip_dir *d, int fd, const char *what, struct rk_err *e);
void rk_zip_dir_init(struct rk_zip_dir *d);
void rk_zip_dir_release(struct rk_zip_dir *d);
/* Index of the entry named name, or -1 (linear). */
long rk_zip_dir_find(const struct rk_zip_dir *d, const char *name);
/* 1 when the entry is a directory ("x/") */
int rk_zip_entry_is_dir(const struct rk_zip_entry *ze);

/* Where an entry's bytes are: read from its local header. */
struct rk_zip_local {
    uint64_t header_offset; /* = entry offset */
    uint64_t data_offset;   /* first compressed byte */
    uint64_t end_offset;    /* after the data descriptor, if any */
    uint16_t extra_len;
    unsigned char *extra; /* local extra field, owned (rk_zip_local_release) */
};

int rk_zip_local_read(int fd, const struct rk_zip_dir *d, const struct rk_zip_entry *ze,
                      struct rk_zip_local *lo, const char *what, struct rk_err *e);
void rk_zip_local_release(struct rk_zip_local *lo);
/* Every entry's span lies before the central directory and no two overlap (sorts a copy of
 * the offsets). Local headers are not read. */
int rk_zip_dir_check_spans(const struct rk_zip_dir *d, const char *what, struct rk_err *e);

/* Streaming decompression of one entry: feed compressed bytes, get uncompressed bytes in
 * sink. CRC-32 and size are checked against the entry at rk_zip_inflate_end. Stored and
 * deflated entries are supported; other methods are RK_INPUT. */
typedef int (*rk_zip_sink)(void *arg, const void *p, size_t n, struct rk_err *e);
struct rk_zip_inflate {
    const struct rk_zip_entry *ze;
    const char *what;
    rk_zip_sink sink;
    void *arg;
    void *z; /* z_stream */
    unsigned char *out;
    uint64_t seen;
    uint32_t crc;
    int done;
};
int rk_zip_inflate_begin(struct rk_zip_inflate *z, const struct rk_zip_entry *ze, rk_zip_sink sink,
                         void *arg, const char *what, struct rk_err *e);
int rk_zip_inflate_feed(struct rk_zip_inflate *z, const void *p, size_t n, struct rk_err *e);
int rk_zip_inflate_end(struct rk_zip_inflate *z, struct rk_err *e); /* checks and releases */
void rk_zip_inflate_release(struct rk_zip_inflate *z);
/* Whole entry into out (out's cap applies: RK_INPUT beyond it). */
int rk_zip_extract(int fd, const struct rk_zip_dir *d, const struct rk_zip_entry *ze,
                   struct rk_buf *out, const char *what, struct rk_err *e);

/* The writer: everything written is hashed (sha256) and counted. Entries copied without a
 * tap move from file to file in the kernel (copy_file_range); a second thread hashes the
 * output behind the writer, reading it back from the page cache, so copying and hashing
 * overlap. fd must be open for reading and writing. */
struct rk_zip_hasher; /* private */
struct rk_zip_writer {
    int fd;
    const char *what;
    uint64_t off;
    uint64_t published; /* handed to the hasher */
    uint64_t flushed;   /* handed to writeback */
    int pend_fd;        /* unchanged entries waiting to be copied as one range */
    uint64_t pend_from, pend_to;
    uint64_t n;
    struct rk_buf cd;
    unsigned char *io;
    struct rk_zip_hasher *hasher;
};
int rk_zip_writer_init(struct rk_zip_writer *w, int fd, const char *what, struct rk_err *e);
/* Copy an entry of src_fd as it is; new_name NULL keeps the name. When tap is set, every
 * compressed chunk is also passed to it (to verify while streaming). */
int rk_zip_writer_copy(struct rk_zip_writer *w, int src_fd, const struct rk_zip_entry *ze,
                       const struct rk_zip_local *lo, const char *new_name,
                       struct rk_zip_inflate *tap, struct rk_err *e);
/* Add new content under name, with times, attributes and extra fields taken from tmpl (and
 * its local header lo): deflated when tmpl is deflated, stored when it is stored. */
int rk_zip_writer_add(struct rk_zip_writer *w, const char *name, const void *data, size_t len,
                      const struct rk_zip_entry *tmpl, const struct rk_zip_local *lo,
                      struct rk_err *e);
/* Write the central directory and end records; returns the sha256 and size written. */
int rk_zip_writer_finish(struct rk_zip_writer *w, const void *comment, uint16_t comment_len,
                         unsigned char sha[RK_SHA256_LEN], uint64_t *size, struct rk_err *e);
void rk_zip_writer_release(struct rk_zip_writer *w);

/* Little-endian helpers (shared by the zip sources). */
uint16_t rk_le16(const unsigned char *p);
uint32_t rk_le32(const unsigned char *p);
uint64_t rk_le64(const unsigned char *p);
void rk_put16(unsigned char *p, uint16_t v);
void rk_put32(unsigned char *p, uint32_t v);
void rk_put64(unsigned char *p, uint64_t v);
/* RK_INPUT "invalid wheel 'what': FMT..."; returns -1 */
int rk_wheel_invalid(struct rk_err *e, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Full pread; short reads are RK_INPUT "truncated", errors RK_SYSTEM. */
int rk_pread_all(int fd, void *p, size_t n, uint64_t off, const char *what, struct rk_err *e);

#endif
