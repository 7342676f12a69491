/*
 * versionfile.h - version files: read, combine by PEP 440 maximum, bump, write back, and the
 * version_local.json-style files a build reads.
 *
 * Formats, told apart by content: a JSON object (IREE's version.json, OpenXLA's
 * version_info.json) holding the version under "package-version", else "version", else the
 * key given as "PATH#KEY"; or plain text (tt's VERSION): the first line that is neither empty
 * nor a '#' comment. A spec is "[COMPONENT=]PATH[#KEY]"; without COMPONENT the name is the
 * parent directory of a file called version.json, version_info.json, version.txt or VERSION
 * (compiler/version.json -> "compiler"), else the file name without its extension.
 *
 * Versions are parsed as PEP 440 and compared as numbers ("3.10.0" > "3.9.0"). The base of a
 * version is its release part ("3.1.0.dev" -> "3.1.0"). Bumping (major, minor, patch) edits
 * the release part in the file's own text and keeps the rest ("3.1.0.dev" -> "3.2.0.dev").
 * Writes are atomic (temporary file + rename); JSON files keep their other keys.
 *
 * Ownership: struct rk_vfiles owns its entries (rk_vfiles_release). Errors: RK_USAGE for a bad
 * spec, RK_INPUT for an unreadable version or file content, RK_SYSTEM for I/O.
 */
#ifndef RELKIT_VERSIONFILE_H
#define RELKIT_VERSIONFILE_H

#include <stddef.h>

#include "pep440.h"

struct rk_err;

#define RK_VFILE_MAX_SIZE ((size_t)1 << 20)

struct rk_vfile {
    char *component; /* owned */
    char *path;      /* owned */
    char *key;       /* owned: the JSON key holding the version; NULL for plain text */
    char *raw;       /* owned: the version text as found in the file */
    struct rk_pep440 v;
};

struct rk_vfiles {
    struct rk_vfile *v;
    size_t n;
};

void rk_vfiles_init(struct rk_vfiles *f);
void rk_vfiles_release(struct rk_vfiles *f);
/* Parse a spec and read the file. Two files may not share a component name. */
int rk_vfiles_add(struct rk_vfiles *f, const char *spec, struct rk_err *e);
/* Index of the greatest version (PEP 440), -1 when there are no files. */
int rk_vfiles_max(const struct rk_vfiles *f);

/* "3.1.0.dev" -> "3.1.0" (the release part, with the epoch when there is one). */
int rk_version_base(const struct rk_pep440 *v, char *out, size_t n);
/* part: "major", "minor" or "patch" (RK_USAGE otherwise): X+1.0.0, X.Y+1.0, X.Y.Z+1. */
int rk_version_increment(struct rk_pep440 *v, const char *part, struct rk_err *e);
/* The text with its release part replaced by v's release ("3.1.0.dev", 3.2.0 -> "3.2.0.dev"). */
int rk_version_retext(const char *raw, const struct rk_pep440 *v, char *out, size_t n,
                      struct rk_err *e);

/* Write text as the file's version (same format, other JSON keys kept). */
int rk_vfile_write(const struct rk_vfile *f, const char *text, struct rk_err *e);
/* Write {"package-version": version, rev_key: sha} to path (rev_key or sha NULL: omitted). */
int rk_version_local_write(const char *path, const char *version, const char *rev_key,
                           const char *sha, struct rk_err *e);
/* Where the version_local.json of a version file goes: its directory + "version_local.json"
 * (owned). */
char *rk_version_local_path(const struct rk_vfile *f);

#endif
