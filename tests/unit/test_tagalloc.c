/* unit tests: tag templates, version schemes and their PEP 440 order, race-safe allocation
 * through a scripted in-memory backend */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsonio.h"
#include "pep440.h"
#include "tagalloc.h"

#define SHA "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
#define OTHER "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"

/* ---- templates ---- */

static void tpl_check_fields(void **state)
{
    struct rk_err e;
    unsigned f = 0;
    rk_err_clear(&e);
    assert_int_equal(rk_tpl_check("candidate-{date}.{n}", &f, &e), 0);
    assert_int_equal(f, RK_TPL_DATE | RK_TPL_N);
    assert_int_equal(rk_tpl_check("x{n:03}{run}{version}{sha7}{sha}{{}}", &f, &e), 0);
    assert_int_equal(f, RK_TPL_N | RK_TPL_RUN | RK_TPL_VERSION | RK_TPL_SHA);
    assert_int_equal(rk_tpl_check("", &f, &e), 0);
    assert_int_equal(f, 0);
    assert_int_equal(rk_tpl_check("x-{when}", &f, &e), -1);
    assert_int_equal(e.code, RK_USAGE);
    assert_non_null(strstr(e.msg, "unknown field at '{when}'"));
    rk_err_clear(&e);
    assert_int_equal(rk_tpl_check("x-{n", NULL, &e), -1);
    rk_err_clear(&e);
    assert_int_equal(rk_tpl_check("x-}", NULL, &e), -1);
    assert_non_null(strstr(e.msg, "unmatched '}'"));
    rk_err_clear(&e);
    assert_int_equal(rk_tpl_check("{n:0}", NULL, &e), -1);
    rk_err_clear(&e);
    assert_int_equal(rk_tpl_check("{n:10}", NULL, &e), -1);
}

static void presets_and_schemes(void **state)
{
    assert_string_equal(rk_tpl_preset("candidate"), "candidate-{date}.{n}");
    assert_string_equal(rk_tpl_preset("iree"), "iree-{version}");
    assert_string_equal(rk_tpl_preset("snapshot"), "snapshot-{date}.{n:02}");
    assert_string_equal(rk_tpl_preset("stable"), "v{version}");
    assert_null(rk_tpl_preset("nightly"));
    assert_null(rk_tpl_preset(NULL));
    assert_string_equal(rk_tpl_preset_scheme("stable"), "stable");
    assert_string_equal(rk_scheme_resolve("rc", 0), "rc{date}");
    assert_string_equal(rk_scheme_resolve("rc", 1), "rc{date}{n:02}");
    assert_string_equal(rk_scheme_resolve("dev", 0), ".dev{date}{n:03}");
    assert_string_equal(rk_scheme_resolve("sha", 0), ".dev0+{sha}");
    assert_string_equal(rk_scheme_resolve("stable", 1), "");
    assert_string_equal(rk_scheme_resolve("post{run}", 1), "post{run}");
}

static struct rk_tagspec spec(const char *tpl, const char *scheme, const char *base)
{
    struct rk_tagspec s;
    memset(&s, 0, sizeof(s));
    s.tpl = tpl;
    s.scheme = scheme;
    s.base = base;
    s.date = "20241119";
    s.sha = SHA;
    s.run = "77";
    return s;
}

static void tags_versions_prefixes(void **state)
{
    struct rk_err e;
    char out[RK_TAG_MAX];
    struct rk_tagspec s = spec("candidate-{date}.{n}", "rc{date}{n:02}", "3.1.0");
    rk_err_clear(&e);
    assert_int_equal(rk_tagspec_tag(&s, 4, out, sizeof(out), &e), 0);
    assert_string_equal(out, "candidate-20241119.4");
    assert_int_equal(rk_tagspec_version(&s, 4, out, sizeof(out), &e), 0);
    assert_string_equal(out, "3.1.0rc2024111904");
    assert_int_equal(rk_tagspec_prefix(&s, out, sizeof(out), &e), 0);
    assert_string_equal(out, "candidate-20241119.");
    assert_true(rk_tagspec_uses_n(&s));

    s = spec("iree-{version}", "rc{date}{n:02}", "3.1.0");
    assert_true(rk_tagspec_uses_n(&s));
    assert_int_equal(rk_tagspec_prefix(&s, out, sizeof(out), &e), 0);
    assert_string_equal(out, "iree-3.1.0rc20241119");
    assert_int_equal(rk_tagspec_tag(&s, 2, out, sizeof(out), &e), 0);
    assert_string_equal(out, "iree-3.1.0rc2024111902");

    s = spec("iree-{version}", "rc{date}", "3.1.0");
    assert_false(rk_tagspec_uses_n(&s));
    assert_int_equal(rk_tagspec_prefix(&s, out, sizeof(out), &e), 0);
    assert_string_equal(out, "iree-3.1.0rc20241119");

    s = spec("nightly-{sha7}-{run}", NULL, NULL);
    assert_int_equal(rk_tagspec_tag(&s, -1, out, sizeof(out), &e), 0);
    assert_string_equal(out, "nightly-b2b2b2b-77");
    s = spec("{{literal}}-{n}", NULL, NULL);
    assert_int_equal(rk_tagspec_tag(&s, 1, out, sizeof(out), &e), 0);
    assert_string_equal(out, "{literal}-1");
}

static void tag_errors(void **state)
{
    struct rk_err e;
    char out[RK_TAG_MAX], tiny[8];
    struct rk_tagspec s = spec("bad tag {n}", NULL, NULL);
    rk_err_clear(&e);
    assert_int_equal(rk_tagspec_tag(&s, 1, out, sizeof(out), &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    rk_err_clear(&e);
    s = spec("v{version}", NULL, NULL);
    assert_int_equal(rk_tagspec_tag(&s, 1, out, sizeof(out), &e), -1);
    assert_int_equal(e.code, RK_USAGE);
    rk_err_clear(&e);
    s = spec("x-{date}", ".dev{date}{n:03}", "1.0");
    assert_int_equal(rk_tagspec_version(&s, -1, out, sizeof(out), &e), -1);
    assert_non_null(strstr(e.msg, "uses {n}, which is not allocated here"));
    rk_err_clear(&e);
    s = spec("x-{n}", "rc{date}{n:02}", "1.0");
    assert_int_equal(rk_tagspec_version(&s, 100, out, sizeof(out), &e), -1);
    assert_non_null(strstr(e.msg, "counter 100 does not fit {n:02}"));
    rk_err_clear(&e);
    s = spec("x-{n}", "{version}", "1.0");
    assert_int_equal(rk_tagspec_version(&s, 1, out, sizeof(out), &e), -1);
    assert_non_null(strstr(e.msg, "may not use {version}"));
    rk_err_clear(&e);
    s = spec("x-{n}", "-garbage{date}", "1.0");
    assert_int_equal(rk_tagspec_version(&s, 1, out, sizeof(out), &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    rk_err_clear(&e);
    s = spec("candidate-{date}.{n}", NULL, NULL);
    assert_int_equal(rk_tagspec_tag(&s, 1, tiny, sizeof(tiny), &e), -1);
    assert_int_equal(e.code, RK_INPUT);
    rk_err_clear(&e);
    s = spec("{run}", NULL, NULL);
    s.run = NULL;
    assert_int_equal(rk_tagspec_tag(&s, 1, out, sizeof(out), &e), -1);
    assert_non_null(strstr(e.msg, "GITHUB_RUN_NUMBER"));
}

static void match_names(void **state)
{
    struct rk_tagspec s = spec("snapshot-{date}.{n:02}", NULL, NULL);
    assert_int_equal(rk_tagspec_match(&s, "snapshot-20241119.07"), 7);
    assert_int_equal(rk_tagspec_match(&s, "snapshot-20241119.123"), 123);
    assert_int_equal(rk_tagspec_match(&s, "snapshot-20241119.7"), -1);   /* not zero-padded */
    assert_int_equal(rk_tagspec_match(&s, "snapshot-20241119.007"), -1); /* over-padded */
    assert_int_equal(rk_tagspec_match(&s, "snapshot-20241119.07x"), -1);
    assert_int_equal(rk_tagspec_match(&s, "snapshot-20241118.07"), -1);
    assert_int_equal(rk_tagspec_match(&s, "snapshot-20241119."), -1);
    assert_int_equal(rk_tagspec_match(&s, NULL), -1);
    s = spec("iree-{version}", "rc{date}{n:02}", "3.1.0");
    assert_int_equal(rk_tagspec_match(&s, "iree-3.1.0rc2024111903"), 3);
    assert_int_equal(rk_tagspec_match(&s, "iree-3.1.0rc20241119"), -1);
    s = spec("iree-{version}", "rc{date}", "3.1.0");
    assert_int_equal(rk_tagspec_match(&s, "iree-3.1.0rc20241119"), 0);
    assert_int_equal(rk_tagspec_match(&s, "iree-3.1.0rc20241120"), -1);
}

/* ---- PEP 440 order of every scheme ---- */

static void version_of(const char *scheme, const char *date, int64_t n, struct rk_pep440 *v)
{
    struct rk_tagspec s = spec("t-{n}", scheme, "3.1.0");
    char out[RK_TAG_MAX];
    struct rk_err e;
    rk_err_clear(&e);
    s.date = date;
    assert_int_equal(rk_tagspec_version(&s, n, out, sizeof(out), &e), 0);
    assert_int_equal(rk_pep440_parse(out, v, &e), 0);
}

static void scheme_order(const char *scheme)
{
    struct rk_pep440 a, b, c, fin, prev;
    struct rk_err e;
    rk_err_clear(&e);
    assert_int_equal(rk_pep440_parse("3.1.0", &fin, &e), 0);
    version_of(scheme, "20241119", 1, &a);
    version_of(scheme, "20241119", 2, &b);
    version_of(scheme, "20241120", 1, &c);
    assert_true(rk_pep440_cmp(&a, &b) < 0);   /* later candidate of the day above */
    assert_true(rk_pep440_cmp(&b, &c) < 0);   /* next day above the whole previous day */
    assert_true(rk_pep440_cmp(&c, &fin) < 0); /* every candidate below the final */
    version_of(scheme, "20241231", 99, &prev);
    version_of(scheme, "20250101", 1, &a);
    assert_true(rk_pep440_cmp(&prev, &a) < 0);
}

static void pep440_order_of_schemes(void **state)
{
    struct rk_pep440 a, b, fin;
    struct rk_err e;
    rk_err_clear(&e);
    scheme_order(rk_scheme_resolve("rc", 1));
    scheme_order(rk_scheme_resolve("dev", 0));
    /* rc{date} without a counter: days ordered, below the final */
    version_of("rc{date}", "20241119", -1, &a);
    version_of("rc{date}", "20241120", -1, &b);
    assert_int_equal(rk_pep440_parse("3.1.0", &fin, &e), 0);
    assert_true(rk_pep440_cmp(&a, &b) < 0 && rk_pep440_cmp(&b, &fin) < 0);
    /* rc above dev of the same release; .dev0+sha below the final */
    version_of(".dev{date}{n:03}", "20241119", 1, &a);
    version_of("rc{date}{n:02}", "20241101", 1, &b);
    assert_true(rk_pep440_cmp(&a, &b) < 0);
    version_of(".dev0+{sha}", "20241119", -1, &a);
    assert_true(rk_pep440_cmp(&a, &fin) < 0);
    assert_string_equal(a.local, SHA);
    /* stable: the final itself */
    version_of("", "20241119", -1, &a);
    assert_int_equal(rk_pep440_cmp(&a, &fin), 0);
}

/* ---- allocation through a scripted backend ---- */

struct fake {
    json_object *tags; /* {name: sha} */
    int creates;
    int fail_next;        /* transient failures before applying */
    int fail_after_write; /* transient failures after applying */
    const char *race_sha; /* before our create, another run creates the same name at this sha */
    int races;
};

static int f_list(void *ctx, const char *prefix, json_object **out, struct rk_err *e)
{
    struct fake *f = ctx;
    *out = json_object_new_array();
    json_object_object_foreach(f->tags, name, val)
    {
        json_object *o;
        if (strncmp(name, prefix, strlen(prefix)) != 0)
            continue;
        o = json_object_new_object();
        rk_json_set_str(o, "name", name);
        /* "annotated" tags (value starting with "tag:") need a resolve */
        rk_json_set_str(o, "sha",
                        strncmp(json_object_get_string(val), "tag:", 4) == 0
                            ? NULL
                            : json_object_get_string(val));
        json_object_array_add(*out, o);
    }
    return 0;
}

static int f_create(void *ctx, const char *name, const char *sha, const char *msg, struct rk_err *e)
{
    struct fake *f = ctx;
    f->creates++;
    if (f->fail_next > 0) {
        f->fail_next--;
        return rk_err_set(e, RK_TRANSIENT, "POST: 502 Bad Gateway");
    }
    if (f->races > 0 && f->race_sha && !json_object_object_get_ex(f->tags, name, NULL)) {
        f->races--;
        rk_json_set_str(f->tags, name, f->race_sha);
    }
    if (json_object_object_get_ex(f->tags, name, NULL))
        return RK_TAG_EXISTS;
    rk_json_set_str(f->tags, name, sha);
    if (f->fail_after_write > 0) {
        f->fail_after_write--;
        return rk_err_set(e, RK_TRANSIENT, "POST: connection reset");
    }
    return RK_TAG_CREATED;
}

static int f_resolve(void *ctx, const char *name, char *out, struct rk_err *e)
{
    struct fake *f = ctx;
    const char *v = rk_json_str(f->tags, name);
    if (v && strncmp(v, "tag:", 4) == 0)
        v += 4;
    snprintf(out, RK_TAG_SHA_MAX, "%s", v ? v : "");
    return 0;
}

static void fake_init(struct fake *f, struct rk_tag_backend *b, const char *tags_json)
{
    memset(f, 0, sizeof(*f));
    f->tags = json_tokener_parse(tags_json);
    assert_non_null(f->tags);
    b->ctx = f;
    b->list = f_list;
    b->create = f_create;
    b->resolve = f_resolve;
    b->owned = NULL;
}

static struct rk_tag_opts opts(int reuse, int dry_run)
{
    struct rk_tag_opts o;
    memset(&o, 0, sizeof(o));
    o.sha = SHA;
    o.reuse = reuse;
    o.dry_run = dry_run;
    o.create_retries = 3;
    o.retry_delay_ms = 0;
    return o;
}

static void alloc_next_free(void **state)
{
    struct fake f;
    struct rk_tag_backend b;
    struct rk_tag_result r;
    struct rk_tag_opts o = opts(0, 0);
    struct rk_tagspec s = spec("candidate-{date}.{n}", "rc{date}{n:02}", "3.1.0");
    struct rk_err e;
    rk_err_clear(&e);
    fake_init(&f, &b,
              "{\"candidate-20241119.1\": \"" OTHER "\", \"candidate-20241119.3\": \"x\","
              " \"candidate-20241119.x\": \"y\", \"candidate-20241118.9\": \"z\"}");
    assert_int_equal(rk_tag_allocate(&s, &b, &o, &r, &e), 0);
    assert_string_equal(r.tag, "candidate-20241119.4");
    assert_string_equal(r.version, "3.1.0rc2024111904");
    assert_int_equal(r.n, 4);
    assert_true(r.created);
    assert_int_equal(r.attempts, 1);
    assert_string_equal(rk_json_str(f.tags, "candidate-20241119.4"), SHA);
    json_object_put(f.tags);
}

static void alloc_races_take_the_next(void **state)
{
    struct fake f;
    struct rk_tag_backend b;
    struct rk_tag_result r;
    struct rk_tag_opts o = opts(0, 0);
    struct rk_tagspec s = spec("candidate-{date}.{n}", NULL, NULL);
    struct rk_err e;
    rk_err_clear(&e);
    fake_init(&f, &b, "{}");
    f.race_sha = OTHER;
    f.races = 3; /* three other runs win .1 .2 .3 just before us */
    assert_int_equal(rk_tag_allocate(&s, &b, &o, &r, &e), 0);
    assert_string_equal(r.tag, "candidate-20241119.4");
    assert_int_equal(r.attempts, 4);
    assert_false(r.own_retry);
    json_object_put(f.tags);
}

static void alloc_fault_after_write_is_ours(void **state)
{
    struct fake f;
    struct rk_tag_backend b;
    struct rk_tag_result r;
    struct rk_tag_opts o = opts(0, 0);
    struct rk_tagspec s = spec("candidate-{date}.{n}", NULL, NULL);
    struct rk_err e;
    rk_err_clear(&e);
    fake_init(&f, &b, "{}");
    f.fail_after_write = 1;
    assert_int_equal(rk_tag_allocate(&s, &b, &o, &r, &e), 0);
    assert_string_equal(r.tag, "candidate-20241119.1");
    assert_true(r.created);
    assert_true(r.own_retry);
    assert_int_equal(r.attempts, 2);
    assert_int_equal(json_object_object_length(f.tags), 1);
    json_object_put(f.tags);
}

static void alloc_retry_finds_another_sha(void **state)
{
    struct fake f;
    struct rk_tag_backend b;
    struct rk_tag_result r;
    struct rk_tag_opts o = opts(0, 0);
    struct rk_tagspec s = spec("candidate-{date}.{n}", NULL, NULL);
    struct rk_err e;
    rk_err_clear(&e);
    fake_init(&f, &b, "{}");
    f.fail_next = 1; /* our first create fails before writing ... */
    f.race_sha = OTHER;
    f.races = 1; /* ... and another run takes .1 meanwhile */
    assert_int_equal(rk_tag_allocate(&s, &b, &o, &r, &e), 0);
    assert_string_equal(r.tag, "candidate-20241119.2");
    assert_false(r.own_retry);
    assert_string_equal(rk_json_str(f.tags, "candidate-20241119.1"), OTHER);
    json_object_put(f.tags);
}

static void alloc_transient_gives_up(void **state)
{
    struct fake f;
    struct rk_tag_backend b;
    struct rk_tag_result r;
    struct rk_tag_opts o = opts(0, 0);
    struct rk_tagspec s = spec("candidate-{date}.{n}", NULL, NULL);
    struct rk_err e;
    rk_err_clear(&e);
    fake_init(&f, &b, "{}");
    f.fail_next = 100;
    assert_int_equal(rk_tag_allocate(&s, &b, &o, &r, &e), -1);
    assert_int_equal(e.code, RK_TRANSIENT);
    assert_int_equal(f.creates, 4); /* 1 + 3 retries */
    json_object_put(f.tags);
}

static void alloc_reuse_and_dry_run(void **state)
{
    struct fake f;
    struct rk_tag_backend b;
    struct rk_tag_result r;
    struct rk_tag_opts o = opts(1, 0);
    struct rk_tagspec s = spec("candidate-{date}.{n}", NULL, NULL);
    struct rk_err e;
    rk_err_clear(&e);
    fake_init(&f, &b,
              "{\"candidate-20241119.1\": \"" SHA "\", \"candidate-20241119.2\": \"tag:" SHA
              "\", \"candidate-20241119.3\": \"" OTHER "\"}");
    assert_int_equal(rk_tag_allocate(&s, &b, &o, &r, &e), 0);
    assert_string_equal(r.tag, "candidate-20241119.2"); /* the highest at our sha, peeled */
    assert_true(r.reused);
    assert_false(r.created);
    assert_int_equal(f.creates, 0);
    o = opts(0, 1);
    assert_int_equal(rk_tag_allocate(&s, &b, &o, &r, &e), 0);
    assert_string_equal(r.tag, "candidate-20241119.4");
    assert_false(r.created);
    assert_int_equal(f.creates, 0);
    json_object_put(f.tags);
}

static void alloc_fixed_template(void **state)
{
    struct fake f;
    struct rk_tag_backend b;
    struct rk_tag_result r;
    struct rk_tag_opts o = opts(0, 0);
    struct rk_tagspec s = spec("iree-{version}", "rc{date}", "3.1.0");
    struct rk_err e;
    rk_err_clear(&e);
    fake_init(&f, &b, "{}");
    assert_int_equal(rk_tag_allocate(&s, &b, &o, &r, &e), 0);
    assert_string_equal(r.tag, "iree-3.1.0rc20241119");
    assert_int_equal(r.n, -1);
    assert_true(r.created);
    /* second run of the day: collision, exit 4 */
    assert_int_equal(rk_tag_allocate(&s, &b, &o, &r, &e), -1);
    assert_int_equal(e.code, RK_REMOTE);
    assert_non_null(strstr(e.msg, "tag 'iree-3.1.0rc20241119' already exists"));
    rk_err_clear(&e);
    o = opts(1, 0);
    assert_int_equal(rk_tag_allocate(&s, &b, &o, &r, &e), 0);
    assert_true(r.reused);
    /* a fixed tag written by our own faulted attempt */
    s = spec("nightly-{run}", NULL, NULL);
    o = opts(0, 0);
    f.fail_after_write = 1;
    assert_int_equal(rk_tag_allocate(&s, &b, &o, &r, &e), 0);
    assert_true(r.created && r.own_retry);
    json_object_put(f.tags);
}

static void alloc_gives_up_after_max_attempts(void **state)
{
    struct fake f;
    struct rk_tag_backend b;
    struct rk_tag_result r;
    struct rk_tag_opts o = opts(0, 0);
    struct rk_tagspec s = spec("c-{n}", NULL, NULL);
    struct rk_err e;
    rk_err_clear(&e);
    fake_init(&f, &b, "{}");
    f.race_sha = OTHER;
    f.races = 1000;
    o.max_attempts = 5;
    assert_int_equal(rk_tag_allocate(&s, &b, &o, &r, &e), -1);
    assert_int_equal(e.code, RK_REMOTE);
    assert_non_null(strstr(e.msg, "no free tag after 5 attempts"));
    json_object_put(f.tags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tpl_check_fields),
        cmocka_unit_test(presets_and_schemes),
        cmocka_unit_test(tags_versions_prefixes),
        cmocka_unit_test(tag_errors),
        cmocka_unit_test(match_names),
        cmocka_unit_test(pep440_order_of_schemes),
        cmocka_unit_test(alloc_next_free),
        cmocka_unit_test(alloc_races_take_the_next),
        cmocka_unit_test(alloc_fault_after_write_is_ours),
        cmocka_unit_test(alloc_retry_finds_another_sha),
        cmocka_unit_test(alloc_transient_gives_up),
        cmocka_unit_test(alloc_reuse_and_dry_run),
        cmocka_unit_test(alloc_fixed_template),
        cmocka_unit_test(alloc_gives_up_after_max_attempts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
