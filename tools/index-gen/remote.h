/* remote.h - index-gen's remote files while their facts are gathered (private) */
#ifndef INDEX_GEN_REMOTE_H
#define INDEX_GEN_REMOTE_H

#include "index_gen.h"

struct ig_rfile {
    struct ig_asset *a; /* borrowed from the run */
    struct ig_asset *m; /* the "<wheel>.metadata" asset, or NULL */
    int kind;
    char *project, *version; /* in the run's arena (ig_assets_keep) */
    char sha[65];            /* "" unknown */
    char msha[65];           /* sha256 of the metadata text */
    char *rp;                /* owned Requires-Python */
    int meta_known;          /* rp (and msha) are settled */
    struct rk_buf text;      /* the metadata text when read here */
    int have_text;
    int stream;  /* download the whole file */
    int learned; /* something new for the cache */
};

struct ig_rfiles {
    struct ig_rfile *v;
    size_t n;
};

void ig_rfiles_release(struct ig_rfiles *fs);
json_object *ig_cache_get(struct ig_run *r, const struct ig_asset *a);
json_object *ig_cache_edit(struct ig_run *r, const struct ig_asset *a);

/* each returns -1 only on local failures; remote failures leave facts unknown */
int ig_fetch_metadata_assets(struct ig_run *r, struct ig_rfiles *fs, struct rk_err *e);
int ig_fetch_ranges(struct ig_run *r, struct ig_rfiles *fs, struct rk_err *e);
int ig_fetch_whole(struct ig_run *r, struct ig_rfiles *fs, struct rk_err *e);
/* cache updates, upload files, index entries */
int ig_remote_finish(struct ig_run *r, struct ig_rfiles *fs, struct rk_err *e);

#endif
