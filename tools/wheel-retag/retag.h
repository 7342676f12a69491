/*
 * retag.h - wheel-retag internals: read and check a wheel, plan its changes, write it.
 *
 * One wheel goes through retag_read (open, parse, check: RK_INPUT for a bad wheel),
 * retag_plan (new names, METADATA / WHEEL / RECORD texts), then retag_write or
 * retag_verify_only. Nothing is written before every check passed; the output is written
 * under a temporary name and renamed. struct retag_in and struct retag_plan own everything
 * they point to (retag_in_release / retag_plan_release) except the options, borrowed.
 */
#ifndef RELKIT_RETAG_H
#define RELKIT_RETAG_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "buf.h"
#include "cli.h"
#include "jsonio.h"
#include "pep440.h"
#include "digest.h"
#include "err.h"
#include "wheel.h"
#include "wheel_check.h"
#include "zip.h"

#define RETAG_PATH_MAX 4096

enum { TAG_PYTHON = 0, TAG_ABI = 1, TAG_PLATFORM = 2 };

struct tag_op {
    int kind; /* TAG_* */
    char op;  /* '=' set, '+' add, '-' remove */
    const char *tag;
};

struct retag_pin {
    char name[RK_WHEEL_FIELD];    /* a valid project name */
    char version[RK_WHEEL_FIELD]; /* normalised PEP 440 version */
};

struct retag_opts {
    const char *out_dir;
    int in_place, dry_run, verify, jobs;
    const char *set_version; /* normalised new version, or NULL */
    int final;
    const char *build; /* new build tag; "" removes it; NULL keeps it */
    const char *name;  /* new project name, or NULL */
    struct tag_op *tag_ops;
    size_t ntag_ops;
    const struct retag_pin *pins; /* --pin NAME==VERSION */
    size_t npins;
    const char **finalize; /* project names (normalised) whose pins become final; "*" all */
    size_t nfinalize;
};

struct retag_in {
    const char *path; /* borrowed */
    const char *base; /* file name, borrowed from path */
    int fd;
    struct rk_zip_dir dir;
    struct rk_zip_local *locals;      /* one per entry */
    struct rk_wheel_core w;           /* file name, .dist-info, METADATA, WHEEL: checked */
    char data_dir[RK_WHEEL_INFO_DIR]; /* "name-1.0.data" */
    long i_record;
    struct rk_buf record_text;
    struct rk_record record;
    size_t *record_index;
    size_t budget; /* bytes taken from the jobs' shared budget (retag_budget.c) */
};

enum {
    CH_NAME = 1 << 0,
    CH_VERSION = 1 << 1,
    CH_BUILD = 1 << 2,
    CH_TAGS = 1 << 3,
    CH_REQUIRES = 1 << 4,
    CH_SIGNATURES = 1 << 5,
};

struct retag_plan {
    unsigned changed; /* CH_* */
    struct rk_wheel_name fn;
    char filename[RETAG_PATH_MAX];
    char output[RETAG_PATH_MAX];
    char name[RK_WHEEL_FIELD];
    char version[RK_WHEEL_FIELD];
    char info_dir[RK_WHEEL_FIELD * 2 + 16];
    char data_dir[RK_WHEEL_FIELD * 2 + 16];
    struct rk_buf meta, wheel, record; /* new texts (when changed) */
    int meta_changed, wheel_changed;
    char **tags;
    size_t ntags;
    unsigned char sha[RK_SHA256_LEN];
    uint64_t size;
};

int retag_read(struct retag_in *in, const char *path, struct rk_err *e);
void retag_in_release(struct retag_in *in);
/* 1 for RECORD.jws / RECORD.p7s in the .dist-info directory */
int retag_is_signature(const struct retag_in *in, const char *name);

int retag_plan(struct retag_plan *p, const struct retag_in *in, const struct retag_opts *o,
               struct rk_err *e);
void retag_plan_release(struct retag_plan *p);
/* the new name of an entry (owned), or NULL when it keeps its name */
char *retag_new_name(const struct retag_in *in, const struct retag_plan *p, const char *name);

/* Write p->output (a retagged wheel, or a byte copy when nothing changed); fills sha/size. */
int retag_write(struct retag_plan *p, const struct retag_in *in, const struct retag_opts *o,
                struct rk_err *e);
/* --dry-run --verify: check every RECORD hash without writing. */
int retag_verify_only(const struct retag_in *in, struct rk_err *e);

/* The jobs (-j) share a budget for the texts they hold in memory (METADATA, WHEEL, RECORD,
 * by their recorded sizes): a job waits until its wheel's share fits, and a wheel larger than
 * the whole budget runs alone. Returns what was taken, to give back with retag_budget_put. */
#define RETAG_BUDGET ((size_t)64 << 20)
size_t retag_budget_take(size_t bytes);
void retag_budget_put(size_t bytes);

/* One wheel, start to end: the JSON result (owned) or -1. */
int retag_one(const char *path, const struct retag_opts *o, json_object **out, struct rk_err *e);
/* Many wheels, jobs in parallel; results in input order (owned array). Returns the first
 * error's exit code or 0; every error is logged. */
int retag_batch(const char **paths, size_t n, const struct retag_opts *o, json_object **results);

/* ---- the command line (main.c, options.c) ---- */
enum {
    OPT_IN_PLACE = RK_OPT_FIRST_TOOL,
    OPT_SET_VERSION,
    OPT_FINAL,
    OPT_BUILD,
    OPT_NAME,
    OPT_PIN,
    OPT_FINALIZE,
    OPT_VERIFY,
    OPT_TAG, /* OPT_TAG + kind * 3 + {0 set, 1 add, 2 remove} */
};

struct args {
    struct rk_cli cli;
    struct retag_opts o;
    char version[RK_PEP440_MAX_TEXT];
    struct tag_op tags[128];
    struct retag_pin pins[128];
    char *finalize_text[64];
    const char *finalize[256];
    size_t nfinalize_text;
};

/* one tool option (not a common one): 0, or the exit code of a usage error */
int retag_main_option(struct args *a, int c, const char *arg);
/* the context (owned) and the wheels to process (owned array of borrowed strings) */
int retag_main_inputs(struct args *a, int argc, char **argv, json_object **ctx, const char ***paths,
                      size_t *n);

#endif
