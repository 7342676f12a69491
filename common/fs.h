/*
 * fs.h - files: atomic writes, bounded reads, directories.
 *
 * Rules: a file is written under a temporary name in its final directory
 * (".NAME.tmp-XXXXXX"), fsync'd, and renamed into place; the directory is fsync'd after the
 * rename. An aborted or failed write leaves nothing behind. struct rk_atomic owns its fd and
 * paths: every opened one ends with exactly one rk_atomic_commit or rk_atomic_abort.
 * Errors are RK_SYSTEM with the path quoted.
 */
#ifndef RELKIT_FS_H
#define RELKIT_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct rk_err;
struct rk_buf;

struct rk_atomic {
    int fd;
    char *tmp_path;
    char *final_path;
    mode_t mode;
};

int rk_atomic_open(struct rk_atomic *a, const char *path, mode_t mode, struct rk_err *e);
int rk_atomic_commit(struct rk_atomic *a, struct rk_err *e);
void rk_atomic_abort(struct rk_atomic *a); /* safe on a committed/aborted/zeroed struct */

int rk_write_all(int fd, const void *p, size_t n, const char *what, struct rk_err *e);
int rk_write_file_atomic(const char *path, const void *p, size_t n, mode_t mode,
                         struct rk_err *e);
/* Read a whole file into out (which must be initialised; its cap applies: RK_INPUT when the
 * file is larger, RK_SYSTEM on I/O errors). */
int rk_read_file(const char *path, struct rk_buf *out, struct rk_err *e);
/* Read all of fd (bounded by out's cap). */
int rk_read_fd(int fd, const char *what, struct rk_buf *out, struct rk_err *e);
int rk_mkdir_p(const char *path, mode_t mode, struct rk_err *e);
/* Last path component (borrowed pointer into path). */
const char *rk_basename(const char *path);
/* "dir/name" (owned) or NULL on ENOMEM. */
char *rk_path_join(const char *dir, const char *name);
/* Remove the temporary files rk_atomic_open leaves when the process dies before commit or
 * abort (".NAME.tmp-XXXXXX", regular files) from dir and its subdirectories (depth levels
 * below it; symbolic links not followed). Meant for a tool that owns dir at start: a
 * concurrent writer's temporary file would go too. A missing dir is fine. Returns the number
 * removed, -1 with e set when dir cannot be read. */
int rk_remove_stale_temps(const char *dir, int depth, struct rk_err *e);

#endif
