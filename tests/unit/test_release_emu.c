/* unit tests: release.h against the GitHub emulator (RELKIT_NEEDS_EMULATOR, default seed):
 * finding drafts by tag, listing, assets, the latest release, and the convergence of two
 * drafts created for one tag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "github.h"
#include "jsonio.h"
#include "release.h"

struct fix {
    struct rk_github g;
    struct rk_repo r;
    struct rk_err e;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    if (!f || !getenv("GITHUB_API_URL"))
        return -1;
    if (rk_github_init(&f->g, NULL, &f->e) < 0 ||
        rk_repo_parse("relkit-test/demo", &f->r, &f->e) < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    rk_github_release(&f->g);
    free(f);
    return 0;
}

static void find_draft(void **state)
{
    struct fix *f = *state;
    json_object *rel = NULL;
    assert_int_equal(rk_release_find(&f->g, &f->r, "v0.3.0", &rel, &f->e), 0);
    assert_non_null(rel);
    assert_true(rk_json_bool(rel, "draft", 0));
    assert_string_equal(rk_json_str(rel, "tag_name"), "v0.3.0");
    json_object_put(rel);
}

static void find_published_and_missing(void **state)
{
    struct fix *f = *state;
    json_object *rel = NULL;
    assert_int_equal(rk_release_find(&f->g, &f->r, "v0.2.0", &rel, &f->e), 0);
    assert_non_null(rel);
    assert_false(rk_json_bool(rel, "draft", 1));
    json_object_put(rel);
    rel = (json_object *)1;
    assert_int_equal(rk_release_find(&f->g, &f->r, "v9.9.9", &rel, &f->e), 0);
    assert_null(rel);
    rk_err_clear(&f->e);
    assert_int_equal(rk_release_find(&f->g, &f->r, "bad tag", &rel, &f->e), -1);
    assert_int_equal(f->e.code, RK_INPUT);
    rk_err_clear(&f->e);
}

static void list_and_assets(void **state)
{
    struct fix *f = *state;
    json_object *list = NULL, *assets = NULL, *same, *rel;
    char hex[RK_SHA256_HEX_LEN];
    int capped = -1;
    assert_int_equal(rk_release_list(&f->g, &f->r, RK_REL_PAST_CAP, &list, &capped, &f->e), 0);
    assert_int_equal(capped, 0);
    assert_true(json_object_array_length(list) >= 4);
    same = rk_release_with_tag(list, "v0.2.0");
    rel = json_object_array_get_idx(same, 0);
    assert_non_null(rel);
    assert_int_equal(rk_release_assets(&f->g, &f->r, rk_json_int(rel, "id", 0), &assets, &f->e), 0);
    assert_int_equal(json_object_array_length(assets), 2);
    assert_non_null(rk_asset_find(assets, "SHA256SUMS"));
    assert_int_equal(rk_asset_sha256(rk_asset_find(assets, "SHA256SUMS"), hex), 1);
    json_object_put(assets);
    assert_int_equal(rk_release_list(&f->g, &f->r, 0, &assets, NULL, &f->e), 0);
    json_object_put(assets);
    json_object_put(same);
    json_object_put(list);
}

static void latest_and_get(void **state)
{
    struct fix *f = *state;
    json_object *got = NULL;
    int64_t id = 0;
    assert_int_equal(rk_release_latest_id(&f->g, &f->r, &id, &f->e), 0);
    assert_true(id > 0);
    assert_int_equal(rk_release_get(&f->g, &f->r, id, &got, &f->e), 0);
    assert_non_null(got);
    assert_false(rk_json_bool(got, "prerelease", 1));
    json_object_put(got);
    got = (json_object *)1;
    assert_int_equal(rk_release_get(&f->g, &f->r, 987654321, &got, &f->e), 0);
    assert_null(got);
}

static int64_t create_draft(struct fix *f, const char *tag)
{
    json_object *body = json_object_new_object(), *rel = NULL;
    char path[256];
    int64_t id;
    snprintf(path, sizeof(path), "%s/releases", f->r.path);
    rk_json_set_str(body, "tag_name", tag);
    rk_json_set_bool(body, "draft", 1);
    assert_int_equal(rk_github_json(&f->g, "POST", path, body, 0, &rel, NULL, &f->e), 0);
    id = rk_json_int(rel, "id", 0);
    json_object_put(body);
    json_object_put(rel);
    return id;
}

static size_t count_tag(struct fix *f, const char *tag)
{
    json_object *list = NULL, *same;
    size_t n;
    assert_int_equal(rk_release_list(&f->g, &f->r, 0, &list, NULL, &f->e), 0);
    same = rk_release_with_tag(list, tag);
    n = json_object_array_length(same);
    json_object_put(same);
    json_object_put(list);
    return n;
}

static void dedupe_two_drafts(void **state)
{
    struct fix *f = *state;
    int64_t first = create_draft(f, "dup-1"), second = create_draft(f, "dup-1");
    json_object *keeper = NULL;
    assert_true(first < second);
    assert_int_equal(count_tag(f, "dup-1"), 2);
    /* the second one deletes its own and adopts the first */
    assert_int_equal(rk_release_dedupe(&f->g, &f->r, "dup-1", second, &keeper, &f->e), 0);
    assert_int_equal(rk_json_int(keeper, "id", 0), first);
    json_object_put(keeper);
    assert_int_equal(count_tag(f, "dup-1"), 1);
    /* the first creator keeps its draft and deletes the other drafts (a creator that died, a
     * POST applied although its answer was lost) */
    second = create_draft(f, "dup-1");
    assert_int_equal(count_tag(f, "dup-1"), 2);
    assert_int_equal(rk_release_dedupe(&f->g, &f->r, "dup-1", first, &keeper, &f->e), 0);
    assert_int_equal(rk_json_int(keeper, "id", 0), first);
    json_object_put(keeper);
    assert_int_equal(count_tag(f, "dup-1"), 1);
    /* a later run, with no release of its own (mine 0): nothing left to delete */
    assert_int_equal(rk_release_dedupe(&f->g, &f->r, "dup-1", 0, &keeper, &f->e), 0);
    assert_int_equal(rk_json_int(keeper, "id", 0), first);
    json_object_put(keeper);
    assert_int_equal(count_tag(f, "dup-1"), 1);
}

static int want_v02(const char *tag, void *arg)
{
    return strcmp(tag, arg) == 0;
}

static void list_some(void **state)
{
    struct fix *f = *state;
    json_object *list = NULL;
    assert_int_equal(
        rk_release_list_some(&f->g, &f->r, RK_REL_PAST_CAP, want_v02, "v0.2.0", &list, NULL, &f->e),
        0);
    assert_true(json_object_array_length(list) >= 4); /* within the cap: everything */
    json_object_put(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(find_draft),        cmocka_unit_test(find_published_and_missing),
        cmocka_unit_test(list_and_assets),   cmocka_unit_test(latest_and_get),
        cmocka_unit_test(dedupe_two_drafts), cmocka_unit_test(list_some),
    };
    /* RELKIT_NEEDS_EMULATOR */
    return cmocka_run_group_tests(tests, setup, teardown);
}
