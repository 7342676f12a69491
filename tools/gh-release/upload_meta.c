/* upload_meta.c - gh-release upload --metadata after index-gen: the PEP 658 .metadata files
 * index-gen wrote for wheels already on GitHub ("index": {"metadata_uploads": [{repo, tag,
 * files: [{path, name, size, sha256}]}]}), each group uploaded to the release of its tag (and
 * repository), idempotently like any upload. */
#include "ghr.h"
#include "jsonio.h"
#include "log.h"

#include <string.h>

json_object *ghr_metadata_groups(struct ghr *g)
{
    json_object *groups = rk_json_array(rk_json_obj(g->ctx, "index"), "metadata_uploads");
    if (g->opts.args.n || !g->opts.metadata || !groups)
        return NULL;
    return groups;
}

static int one_group(struct ghr *g, json_object *grp, size_t i, json_object *out, struct rk_err *e)
{
    const char *repo = rk_json_str(grp, "repo"), *tag = rk_json_str(grp, "tag");
    json_object *arr = rk_json_array(grp, "files"), *rel = NULL;
    struct ghr_files files;
    int rc = 0;
    if (!tag)
        tag = ghr_tag(g, (size_t)-1);
    if (!tag || !arr)
        return rk_err_set(e, RK_INPUT, "index.metadata_uploads[%zu] has no tag or files", i);
    if (repo && rk_repo_parse(repo, &g->repo, e) < 0)
        return -1;
    ghr_files_init(&files);
    if (ghr_files_add_json(&files, arr, "index.metadata_uploads[].files", "text/plain", e) < 0 ||
        ghr_files_check_names(&files, e) < 0 || ghr_need_release(g, tag, &rel, e) < 0)
        rc = -1;
    if (rc == 0 && files.n)
        rc = ghr_upload_release(g, rel, &files, out, e);
    json_object_put(rel);
    ghr_files_release(&files);
    return rc;
}

int ghr_upload_metadata(struct ghr *g, json_object *groups, struct rk_err *e)
{
    struct rk_repo home = g->repo;
    json_object *out = json_object_new_array();
    size_t n = json_object_array_length(groups);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = one_group(g, json_object_array_get_idx(groups, i), i, out, e);
        g->repo = home;
    }
    rk_log_info("%zu .metadata file%s from index-gen", json_object_array_length(out),
                json_object_array_length(out) == 1 ? "" : "s");
    ghr_upload_output(g, out);
    return rc;
}
