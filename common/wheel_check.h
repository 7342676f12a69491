/*
 * wheel_check.h - the checks a wheel passes before a tool trusts it: wheel-retag before it
 * rewrites the wheel, index-gen before it publishes the wheel's METADATA (PEP 658). Both use
 * these functions, so a wheel one tool refuses the other refuses too.
 *
 * What is checked: the file name (PEP 427); no entry with an absolute path, a ".." component,
 * a backslash, or a name used twice (pip reads the last of two METADATA, other readers the
 * first); no two entries sharing bytes; no symlink entry pointing out of the wheel (absolute,
 * or more ".." than its depth); exactly one top-level .dist-info directory, named after the
 * file's project and version; METADATA with a valid Name and a PEP 440 Version equal to the
 * file name's; WHEEL with Wheel-Version 1.x and the Build and Tag lines of the file name.
 * RECORD is wheel-retag's own (it rewrites it).
 *
 * Errors are RK_INPUT "invalid wheel 'NAME': ..." (NAME the file name), RK_SYSTEM for I/O.
 * struct rk_wheel_core owns its texts, parsed headers and tags (rk_wheel_core_release);
 * the directory and the fd given to it are borrowed.
 */
#ifndef RELKIT_WHEEL_CHECK_H
#define RELKIT_WHEEL_CHECK_H

#include <stddef.h>

#include "buf.h"
#include "wheel.h"
#include "zip.h"

struct rk_err;

#define RK_WHEEL_META_MAX ((size_t)16 << 20) /* largest METADATA / WHEEL read */
#define RK_WHEEL_LINK_MAX 4096u              /* longest symlink target */
#define RK_WHEEL_INFO_DIR (RK_WHEEL_FIELD * 2 + 16)

/* Entry names: absolute, "..", backslash, duplicates. */
int rk_wheel_check_names(const struct rk_zip_dir *d, const char *what, struct rk_err *e);
/* One symlink entry named entry with target (len bytes): RK_INPUT when the target is empty,
 * absolute or leaves the wheel. */
int rk_wheel_check_link(const char *entry, const char *target, size_t len, const char *what,
                        struct rk_err *e);
/* Every symlink entry (unix mode 0120000) of the wheel open on fd. */
int rk_wheel_check_links(int fd, const struct rk_zip_dir *d, const char *what, struct rk_err *e);
/* Names, spans, and the one .dist-info directory matching fn (into out, n bytes). Works on a
 * directory alone (a remote wheel read with range requests). */
int rk_wheel_check_dir(const struct rk_zip_dir *d, const struct rk_wheel_name *fn, char *out,
                       size_t n, const char *what, struct rk_err *e);
/* METADATA parsed in m agrees with fn; name and version (RK_WHEEL_FIELD bytes each) get its
 * Name and Version as written. Messages are not prefixed ("METADATA has no Version"). */
int rk_wheel_check_metadata(const struct rk_meta *m, const struct rk_wheel_name *fn, char *name,
                            char *version, struct rk_err *e);
/* The same on a METADATA text, prefixed "invalid wheel 'WHAT': ". */
int rk_wheel_check_metadata_text(const char *text, size_t len, const struct rk_wheel_name *fn,
                                 const char *what, struct rk_err *e);

/* e's RK_INPUT message prefixed "invalid wheel 'WHAT': " unless it has it; returns -1. */
int rk_wheel_error(struct rk_err *e, const char *what);

struct rk_wheel_core {
    struct rk_wheel_name fn;
    const char *base;                 /* the file name, borrowed from the path */
    char info_dir[RK_WHEEL_INFO_DIR]; /* "name-1.0.dist-info" */
    long i_meta, i_wheel;             /* entries of METADATA and WHEEL */
    struct rk_buf meta_text, wheel_text;
    struct rk_meta meta, wheel;   /* parsed, borrowing the texts */
    char name[RK_WHEEL_FIELD];    /* METADATA Name */
    char version[RK_WHEEL_FIELD]; /* METADATA Version, as written */
    char **tags;                  /* expanded from the file name */
    size_t ntags;
};

void rk_wheel_core_init(struct rk_wheel_core *w);
void rk_wheel_core_release(struct rk_wheel_core *w);
/* Every check above on the wheel at path, open on fd, whose directory is d. */
int rk_wheel_core_check(struct rk_wheel_core *w, int fd, const struct rk_zip_dir *d,
                        const char *path, struct rk_err *e);

#endif
