/* unit tests: checks (required items, judging a commit) and checks_jobs (per-job folding) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "checks_jobs.h"
#include "err.h"
#include "jsonio.h"

static json_object *J(const char *text)
{
    json_object *o = json_tokener_parse(text);
    assert_non_null(o);
    return o;
}

static const char *reason_state(json_object *reasons, size_t i)
{
    return rk_json_str(json_object_array_get_idx(reasons, i), "state");
}

static void conclusions(void **state)
{
    assert_int_equal(rk_checks_conclusion("completed", "success", RK_SKIP_PASS), RK_V_GREEN);
    assert_int_equal(rk_checks_conclusion("completed", "skipped", RK_SKIP_PASS), RK_V_GREEN);
    assert_int_equal(rk_checks_conclusion("completed", "neutral", RK_SKIP_PASS), RK_V_GREEN);
    assert_int_equal(rk_checks_conclusion("completed", "skipped", RK_SKIP_FAIL), RK_V_FAILED);
    assert_int_equal(rk_checks_conclusion("completed", "neutral", RK_SKIP_FAIL), RK_V_FAILED);
    assert_int_equal(rk_checks_conclusion("completed", "failure", RK_SKIP_PASS), RK_V_FAILED);
    assert_int_equal(rk_checks_conclusion("completed", "cancelled", RK_SKIP_PASS), RK_V_FAILED);
    assert_int_equal(rk_checks_conclusion("completed", "timed_out", RK_SKIP_PASS), RK_V_FAILED);
    assert_int_equal(rk_checks_conclusion("completed", "action_required", RK_SKIP_PASS),
                     RK_V_FAILED);
    assert_int_equal(rk_checks_conclusion("in_progress", NULL, RK_SKIP_PASS), RK_V_PENDING);
    assert_int_equal(rk_checks_conclusion("queued", NULL, RK_SKIP_PASS), RK_V_PENDING);
    assert_int_equal(rk_checks_conclusion("completed", NULL, RK_SKIP_PASS), RK_V_PENDING);
    assert_int_equal(rk_checks_state("success"), RK_V_GREEN);
    assert_int_equal(rk_checks_state("pending"), RK_V_PENDING);
    assert_int_equal(rk_checks_state("error"), RK_V_FAILED);
    assert_int_equal(rk_checks_state("failure"), RK_V_FAILED);
    assert_int_equal(rk_checks_state(NULL), RK_V_FAILED);
}

static void skip_policy_parse(void **state)
{
    enum rk_skip_policy p = RK_SKIP_FAIL;
    assert_int_equal(rk_skip_policy_parse("pass", &p), 0);
    assert_int_equal(p, RK_SKIP_PASS);
    assert_int_equal(rk_skip_policy_parse("failure", &p), 0);
    assert_int_equal(p, RK_SKIP_FAIL);
    assert_int_equal(rk_skip_policy_parse("maybe", &p), -1);
    assert_int_equal(rk_skip_policy_parse(NULL, &p), -1);
}

static void reqs_add_dedupe_and_paths(void **state)
{
    struct rk_reqs r;
    struct rk_err e;
    json_object *j;
    rk_err_clear(&e);
    rk_reqs_init(&r);
    assert_int_equal(rk_reqs_add(&r, RK_REQ_WORKFLOW, ".github/workflows/ci.yml", &e), 0);
    assert_int_equal(rk_reqs_add(&r, RK_REQ_WORKFLOW, "ci.yml", &e), 0);
    assert_int_equal(rk_reqs_add(&r, RK_REQ_CHECK, "ci.yml", &e), 0);
    assert_int_equal(rk_reqs_add(&r, RK_REQ_CHECK_RE, "^test ", &e), 0);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.v[0].name, "ci.yml");
    assert_int_equal(rk_reqs_count(&r, RK_REQ_WORKFLOW), 1);
    assert_true(rk_reqs_need_check_runs(&r));
    assert_false(rk_reqs_need_statuses(&r));
    j = rk_reqs_json(&r);
    assert_string_equal(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN),
                        "[{\"kind\":\"workflow\",\"name\":\"ci.yml\"},{\"kind\":\"check\",\"name\":"
                        "\"ci.yml\"},{\"kind\":\"check-regex\",\"name\":\"^test \"}]");
    json_object_put(j);
    assert_int_equal(rk_reqs_add(&r, RK_REQ_CHECK_RE, "((", &e), -1);
    assert_int_equal(e.code, RK_USAGE);
    assert_non_null(strstr(e.msg, "invalid regular expression '(('"));
    rk_err_clear(&e);
    assert_int_equal(rk_reqs_add(&r, RK_REQ_STATUS, "", &e), -1);
    assert_int_equal(e.code, RK_USAGE);
    assert_int_equal(r.n, 3);
    rk_reqs_release(&r);
    assert_int_equal(r.n, 0);
}

static void reqs_from_rules_and_protection(void **state)
{
    struct rk_reqs r;
    struct rk_err e;
    json_object *rules = J("[{\"type\": \"deletion\"},"
                           " {\"type\": \"required_status_checks\", \"parameters\": "
                           "{\"required_status_checks\": [{\"context\": \"lint\"}, "
                           "{\"context\": \"build\", \"integration_id\": 1}]}},"
                           " {\"type\": \"workflows\", \"parameters\": {\"workflows\": "
                           "[{\"path\": \".github/workflows/ci.yml\"}]}}]");
    json_object *prot = J("{\"contexts\": [\"old\"], \"checks\": [{\"context\": \"build\"}, "
                          "{\"context\": \"ci/jenkins\"}]}");
    json_object *prot_old = J("{\"contexts\": [\"old\"], \"checks\": []}");
    rk_err_clear(&e);
    rk_reqs_init(&r);
    assert_int_equal(rk_reqs_from_rules(&r, rules, prot, &e), 0);
    assert_int_equal(r.n, 4); /* lint, build, ci.yml, ci/jenkins (build once) */
    assert_int_equal(r.v[0].kind, RK_REQ_CONTEXT);
    assert_string_equal(r.v[0].name, "lint");
    assert_int_equal(r.v[2].kind, RK_REQ_WORKFLOW);
    assert_string_equal(r.v[2].name, "ci.yml");
    assert_string_equal(r.v[3].name, "ci/jenkins");
    assert_int_equal(rk_reqs_from_rules(&r, NULL, prot_old, &e), 0);
    assert_string_equal(r.v[4].name, "old");
    assert_int_equal(rk_reqs_from_rules(&r, NULL, NULL, &e), 0);
    assert_int_equal(r.n, 5);
    rk_reqs_release(&r);
    json_object_put(rules);
    json_object_put(prot);
    json_object_put(prot_old);
}

static const char *RUNS =
    "[{\"id\": 10, \"head_sha\": \"aaa\", \"created_at\": \"2024-11-01T10:00:00Z\","
    "  \"status\": \"completed\", \"conclusion\": \"failure\", \"run_attempt\": 1},"
    " {\"id\": 11, \"head_sha\": \"aaa\", \"created_at\": \"2024-11-01T11:00:00Z\","
    "  \"status\": \"completed\", \"conclusion\": \"success\", \"run_attempt\": 2},"
    " {\"id\": 12, \"head_sha\": \"bbb\", \"created_at\": \"2024-11-01T09:00:00Z\","
    "  \"status\": \"in_progress\", \"conclusion\": null, \"run_attempt\": 1},"
    " {\"id\": 13, \"head_sha\": \"ccc\", \"created_at\": \"2024-11-01T08:00:00Z\","
    "  \"status\": \"completed\", \"conclusion\": \"success\", \"run_attempt\": 1},"
    " {\"id\": 14, \"head_sha\": \"ccc\", \"created_at\": \"2024-11-01T08:30:00Z\","
    "  \"status\": \"completed\", \"conclusion\": \"cancelled\", \"run_attempt\": 1,"
    "  \"html_url\": \"https://x/runs/14\"},"
    " {\"id\": 15, \"head_sha\": \"ddd\", \"created_at\": \"2024-11-01T07:00:00Z\","
    "  \"status\": \"completed\", \"conclusion\": \"skipped\", \"run_attempt\": 1}]";

static void judge_workflow_newest_run(void **state)
{
    struct rk_reqs r;
    struct rk_err e;
    json_object *runs = J(RUNS), *reasons = json_object_new_array();
    rk_err_clear(&e);
    rk_reqs_init(&r);
    rk_reqs_add(&r, RK_REQ_WORKFLOW, "ci.yml", &e);
    assert_int_equal(rk_checks_judge_workflow(&r.v[0], runs, "aaa", RK_SKIP_PASS, reasons),
                     RK_V_GREEN);
    assert_int_equal(json_object_array_length(reasons), 0);
    assert_int_equal(rk_checks_judge_workflow(&r.v[0], runs, "bbb", RK_SKIP_PASS, reasons),
                     RK_V_PENDING);
    assert_string_equal(reason_state(reasons, 0), "pending");
    /* a newer cancelled run beats an older success */
    assert_int_equal(rk_checks_judge_workflow(&r.v[0], runs, "ccc", RK_SKIP_PASS, reasons),
                     RK_V_FAILED);
    assert_string_equal(reason_state(reasons, 1), "cancelled");
    assert_string_equal(rk_json_str(json_object_array_get_idx(reasons, 1), "url"),
                        "https://x/runs/14");
    assert_int_equal(rk_json_int(json_object_array_get_idx(reasons, 1), "run_id", 0), 14);
    assert_int_equal(rk_checks_judge_workflow(&r.v[0], runs, "ddd", RK_SKIP_PASS, reasons),
                     RK_V_GREEN);
    assert_int_equal(rk_checks_judge_workflow(&r.v[0], runs, "ddd", RK_SKIP_FAIL, reasons),
                     RK_V_FAILED);
    assert_string_equal(reason_state(reasons, 2), "skipped");
    assert_int_equal(rk_checks_judge_workflow(&r.v[0], runs, "eee", RK_SKIP_PASS, reasons),
                     RK_V_MISSING);
    assert_string_equal(reason_state(reasons, 3), "missing");
    assert_int_equal(rk_checks_judge_workflow(&r.v[0], NULL, "eee", RK_SKIP_PASS, NULL),
                     RK_V_MISSING);
    json_object_put(runs);
    json_object_put(reasons);
    rk_reqs_release(&r);
}

static void newer_by_time_id_attempt(void **state)
{
    json_object *a = J("{\"id\": 1, \"t\": \"2024-11-01T10:00:00Z\"}");
    json_object *b = J("{\"id\": 2, \"t\": \"2024-11-01T10:00:00Z\"}");
    json_object *c = J("{\"id\": 2, \"t\": \"2024-11-01T10:00:00Z\", \"run_attempt\": 3}");
    json_object *d = J("{\"id\": 0, \"t\": \"2024-11-01T10:00:01Z\"}");
    assert_ptr_equal(rk_checks_newer(a, b, "t"), b);
    assert_ptr_equal(rk_checks_newer(b, c, "t"), c);
    assert_ptr_equal(rk_checks_newer(c, d, "t"), d);
    assert_ptr_equal(rk_checks_newer(NULL, a, "t"), a);
    assert_ptr_equal(rk_checks_newer(a, NULL, "t"), a);
    assert_int_equal(rk_checks_time(a, "t"), 1730455200);
    assert_int_equal(rk_checks_time(a, "nope"), -1);
    json_object_put(a);
    json_object_put(b);
    json_object_put(c);
    json_object_put(d);
}

static const char *CHECKS =
    "[{\"id\": 1, \"name\": \"build\", \"status\": \"completed\", \"conclusion\": \"cancelled\","
    "  \"started_at\": \"2024-11-01T10:00:00Z\"},"
    " {\"id\": 2, \"name\": \"build\", \"status\": \"completed\", \"conclusion\": \"success\","
    "  \"started_at\": \"2024-11-01T10:05:00Z\"},"
    " {\"id\": 3, \"name\": \"test (a)\", \"status\": \"completed\", \"conclusion\": \"success\","
    "  \"started_at\": \"2024-11-01T10:00:00Z\"},"
    " {\"id\": 4, \"name\": \"test (b)\", \"status\": \"in_progress\", \"conclusion\": null,"
    "  \"started_at\": \"2024-11-01T10:00:00Z\"},"
    " {\"id\": 5, \"name\": \"lint\", \"status\": \"completed\", \"conclusion\": \"neutral\","
    "  \"started_at\": \"2024-11-01T10:00:00Z\"}]";
static const char *STATUSES =
    "[{\"id\": 7, \"context\": \"ci/jenkins\", \"state\": \"failure\","
    "  \"updated_at\": \"2024-11-01T10:00:00Z\"},"
    " {\"id\": 8, \"context\": \"ci/jenkins\", \"state\": \"success\","
    "  \"updated_at\": \"2024-11-01T10:10:00Z\", \"target_url\": \"https://ci/8\"},"
    " {\"id\": 9, \"context\": \"build\", \"state\": \"failure\","
    "  \"updated_at\": \"2024-11-01T10:10:00Z\"}]";

static enum rk_verdict judge(enum rk_req_kind kind, const char *name, enum rk_skip_policy p,
                             json_object *reasons)
{
    struct rk_reqs r;
    struct rk_err e;
    json_object *crs = J(CHECKS), *sts = J(STATUSES);
    enum rk_verdict v;
    rk_err_clear(&e);
    rk_reqs_init(&r);
    assert_int_equal(rk_reqs_add(&r, kind, name, &e), 0);
    v = rk_checks_judge_item(&r.v[0], crs, sts, p, reasons);
    rk_reqs_release(&r);
    json_object_put(crs);
    json_object_put(sts);
    return v;
}

static void judge_items(void **state)
{
    json_object *reasons = json_object_new_array();
    assert_int_equal(judge(RK_REQ_CHECK, "build", RK_SKIP_PASS, reasons), RK_V_GREEN);
    assert_int_equal(judge(RK_REQ_CHECK, "lint", RK_SKIP_PASS, reasons), RK_V_GREEN);
    assert_int_equal(judge(RK_REQ_CHECK, "lint", RK_SKIP_FAIL, reasons), RK_V_FAILED);
    assert_string_equal(reason_state(reasons, 0), "neutral");
    assert_int_equal(judge(RK_REQ_CHECK, "nope", RK_SKIP_PASS, reasons), RK_V_MISSING);
    assert_int_equal(judge(RK_REQ_STATUS, "ci/jenkins", RK_SKIP_PASS, reasons), RK_V_GREEN);
    assert_int_equal(judge(RK_REQ_STATUS, "build", RK_SKIP_PASS, reasons), RK_V_FAILED);
    /* a context is a check run first: "build" check run success beats the failed status */
    assert_int_equal(judge(RK_REQ_CONTEXT, "build", RK_SKIP_PASS, reasons), RK_V_GREEN);
    assert_int_equal(judge(RK_REQ_CONTEXT, "ci/jenkins", RK_SKIP_PASS, reasons), RK_V_GREEN);
    assert_int_equal(judge(RK_REQ_CONTEXT, "nope", RK_SKIP_PASS, reasons), RK_V_MISSING);
    assert_int_equal(json_object_array_length(reasons), 4);
    json_object_put(reasons);
}

static void judge_regex(void **state)
{
    json_object *reasons = json_object_new_array(), *r0;
    assert_int_equal(judge(RK_REQ_CHECK_RE, "^test \\(", RK_SKIP_PASS, reasons), RK_V_PENDING);
    assert_int_equal(json_object_array_length(reasons), 1);
    r0 = json_object_array_get_idx(reasons, 0);
    assert_string_equal(rk_json_str(r0, "name"), "test (b)");
    assert_string_equal(rk_json_str(r0, "kind"), "check-regex");
    assert_int_equal(judge(RK_REQ_CHECK_RE, "^(build|lint)$", RK_SKIP_PASS, reasons), RK_V_GREEN);
    assert_int_equal(judge(RK_REQ_CHECK_RE, "^(build|lint)$", RK_SKIP_FAIL, reasons), RK_V_FAILED);
    assert_int_equal(judge(RK_REQ_CHECK_RE, "^zzz", RK_SKIP_PASS, reasons), RK_V_MISSING);
    json_object_put(reasons);
}

static void jobs_key(void **state)
{
    regex_t re;
    char key[16];
    assert_int_equal(regcomp(&re, "^test \\((.*)\\)$", REG_EXTENDED), 0);
    assert_int_equal(rk_jobs_key(&re, "test (llama-3-8b)", key, sizeof(key)), 1);
    assert_string_equal(key, "llama-3-8b");
    assert_int_equal(rk_jobs_key(&re, "setup", key, sizeof(key)), 0);
    assert_int_equal(rk_jobs_key(&re, NULL, key, sizeof(key)), 0);
    assert_int_equal(rk_jobs_key(&re, "test (a-very-long-model-name)", key, sizeof(key)), 1);
    assert_string_equal(key, "a-very-long-mod");
    regfree(&re);
    assert_int_equal(regcomp(&re, "model-[0-9]", REG_EXTENDED), 0);
    assert_int_equal(rk_jobs_key(&re, "test (model-7, n300)", key, sizeof(key)), 1);
    assert_string_equal(key, "model-7");
    regfree(&re);
}

static void jobs_fold_newest_first(void **state)
{
    struct rk_jobs_result r;
    regex_t re;
    json_object *run2 = J("{\"id\": 2, \"run_number\": 12, \"head_sha\": \"b\"}");
    json_object *run1 = J("{\"id\": 1, \"run_number\": 11, \"head_sha\": \"a\"}");
    json_object *jobs2 = J("[{\"id\": 21, \"name\": \"t (x, n1)\", \"status\": \"completed\","
                           "\"conclusion\": \"success\"}, {\"id\": 22, \"name\": \"t (x, n2)\","
                           "\"status\": \"completed\", \"conclusion\": \"failure\"},"
                           "{\"id\": 23, \"name\": \"t (y, n1)\", \"status\": \"completed\","
                           "\"conclusion\": \"success\"}, {\"id\": 24, \"name\": \"setup\"}]");
    json_object *jobs1 = J("[{\"id\": 11, \"name\": \"t (x, n1)\", \"status\": \"completed\","
                           "\"conclusion\": \"success\"}, {\"id\": 12, \"name\": \"t (x, n2)\","
                           "\"status\": \"completed\", \"conclusion\": \"success\"}]");
    json_object *x, *y;
    rk_jobs_result_init(&r);
    assert_int_equal(regcomp(&re, "^t \\(([a-z]+),", REG_EXTENDED), 0);
    rk_jobs_fold(&r, &re, RK_SKIP_PASS, run2, jobs2);
    rk_jobs_fold(&r, &re, RK_SKIP_PASS, run1, jobs1);
    assert_int_equal(r.jobs_matched, 5);
    x = rk_json_obj(r.keys, "x");
    y = rk_json_obj(r.keys, "y");
    /* x in run 12: two jobs, one failed -> the failed one represents it; last good is run 11 */
    assert_int_equal(rk_json_int(rk_json_obj(x, "latest"), "job_id", 0), 22);
    assert_int_equal(rk_json_int(rk_json_obj(x, "latest"), "jobs", 0), 2);
    assert_int_equal(rk_json_int(rk_json_obj(x, "last_good"), "run_number", 0), 11);
    assert_int_equal(rk_json_int(rk_json_obj(x, "last_good"), "job_id", 0), 11);
    assert_int_equal(rk_json_int(rk_json_obj(y, "last_good"), "run_number", 0), 12);
    assert_null(rk_json_obj(r.keys, "setup"));
    rk_jobs_result_release(&r);
    regfree(&re);
    json_object_put(run1);
    json_object_put(run2);
    json_object_put(jobs1);
    json_object_put(jobs2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conclusions),
        cmocka_unit_test(skip_policy_parse),
        cmocka_unit_test(reqs_add_dedupe_and_paths),
        cmocka_unit_test(reqs_from_rules_and_protection),
        cmocka_unit_test(judge_workflow_newest_run),
        cmocka_unit_test(newer_by_time_id_attempt),
        cmocka_unit_test(judge_items),
        cmocka_unit_test(judge_regex),
        cmocka_unit_test(jobs_key),
        cmocka_unit_test(jobs_fold_newest_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
