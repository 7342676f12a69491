/* remotezip.c - one zip member through HTTP range requests (see remotezip.h) */
#include "remotezip.h"
#include "http.h"
#include "log.h"
#include "wheel.h"
#include "wheel_check.h"
#include "zip.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LOCAL_LEN 30u
#define SIG_LOCAL 0x04034b50u

struct rz_state {
    struct rk_buf win; /* bytes [win_off, win_off + win.len) of the file */
    uint64_t win_off;
    struct rk_zip_dir dir;
    int have_dir;
    long entry;
    struct rk_wheel_name fn; /* the wheel's file name (member NULL) */
    uint64_t from, to;       /* pending request [from, to) */
    int prepend;             /* the pending bytes go before the window */
    int rounds;
};

void rk_remotezip_item_init(struct rk_remotezip_item *it, const char *url, uint64_t size,
                            const char *what)
{
    memset(it, 0, sizeof(*it));
    it->url = url;
    it->size = size;
    it->what = what;
    rk_buf_init(&it->data, RK_REMOTEZIP_MEMBER_MAX);
    rk_err_clear(&it->err);
}

static void state_free(struct rk_remotezip_item *it)
{
    struct rz_state *st = it->state;
    if (!st)
        return;
    rk_buf_release(&st->win);
    rk_zip_dir_release(&st->dir);
    free(st);
    it->state = NULL;
}

void rk_remotezip_item_release(struct rk_remotezip_item *it)
{
    state_free(it);
    rk_buf_release(&it->data);
}

static int sink_buf(void *arg, const void *p, size_t n, struct rk_err *e)
{
    if (rk_buf_append(arg, p, n) < 0)
        return rk_err_set(e, RK_INPUT, "member larger than %zu bytes", RK_REMOTEZIP_MEMBER_MAX);
    return 0;
}

static int inflate_member(struct rk_remotezip_item *it, const struct rk_zip_entry *ze,
                          const unsigned char *p)
{
    struct rk_zip_inflate z;
    if (rk_zip_inflate_begin(&z, ze, sink_buf, &it->data, it->what, &it->err) < 0)
        return -1;
    if (rk_zip_inflate_feed(&z, p, (size_t)ze->csize, &it->err) < 0) {
        rk_zip_inflate_release(&z);
        return -1;
    }
    return rk_zip_inflate_end(&z, &it->err);
}

static int in_window(const struct rz_state *st, uint64_t a, uint64_t b)
{
    return a >= st->win_off && b <= st->win_off + st->win.len && a <= b;
}

static int want(struct rz_state *st, uint64_t from, uint64_t to, int prepend)
{
    st->from = from;
    st->to = to;
    st->prepend = prepend;
    return 1;
}

/* the member to read: it->member, or the METADATA of a wheel that passes the checks every
 * tool makes on its directory (common/wheel_check.h); -1 with it->err set */
static int find_member(struct rk_remotezip_item *it, struct rz_state *st)
{
    char info[RK_WHEEL_INFO_DIR], name[RK_WHEEL_INFO_DIR + 16];
    if (it->member) {
        st->entry = rk_zip_dir_find(&st->dir, it->member);
        if (st->entry < 0)
            return rk_err_set(&it->err, RK_INPUT, "invalid wheel '%s': no %s", it->what,
                              it->member);
        return 0;
    }
    if (rk_wheel_name_parse(it->what, &st->fn, &it->err) < 0 ||
        rk_wheel_check_dir(&st->dir, &st->fn, info, sizeof(info), it->what, &it->err) < 0)
        return -1;
    snprintf(name, sizeof(name), "%s/METADATA", info);
    if ((st->entry = rk_zip_dir_find(&st->dir, name)) < 0)
        return rk_err_set(&it->err, RK_INPUT, "invalid wheel '%s': '%s' is missing", it->what,
                          name);
    return 0;
}

/* 0 finished (it->ok says how), 1 needs bytes [st->from, st->to) */
static int parse_dir(struct rk_remotezip_item *it, struct rz_state *st)
{
    int rc =
        rk_zip_dir_from_tail(&st->dir, st->win.data, st->win.len, it->size, it->what, &it->err);
    if (rc < 0)
        return 0;
    if (rc == 1) {
        if (st->dir.loc.need >= st->win_off)
            return rk_err_set(&it->err, RK_INPUT, "invalid wheel '%s': end records out of range",
                              it->what) +
                   1;
        return want(st, st->dir.loc.need, st->win_off, 1);
    }
    st->have_dir = 1;
    return find_member(it, st) < 0 ? 0 : -1; /* -1: go on */
}

static int read_member(struct rk_remotezip_item *it, struct rz_state *st)
{
    const struct rk_zip_entry *ze = &st->dir.entries[st->entry];
    uint64_t a = ze->offset, guess;
    if (ze->usize > RK_REMOTEZIP_MEMBER_MAX || ze->csize > RK_REMOTEZIP_MEMBER_MAX)
        return rk_err_set(&it->err, RK_INPUT, "invalid wheel '%s': member too large", it->what) + 1;
    if (in_window(st, a, a + LOCAL_LEN)) {
        const unsigned char *p = (const unsigned char *)st->win.data + (a - st->win_off);
        uint64_t data = a + LOCAL_LEN + rk_le16(p + 26) + rk_le16(p + 28);
        if (rk_le32(p) != SIG_LOCAL)
            return rk_err_set(&it->err, RK_INPUT, "invalid wheel '%s': bad local header",
                              it->what) +
                   1;
        if (in_window(st, data, data + ze->csize)) {
            const unsigned char *d = (const unsigned char *)st->win.data + (data - st->win_off);
            it->ok =
                inflate_member(it, ze, d) == 0 &&
                (it->member || rk_wheel_check_metadata_text(rk_buf_cstr(&it->data), it->data.len,
                                                            &st->fn, it->what, &it->err) == 0);
            return 0;
        }
    }
    guess = a + LOCAL_LEN + ze->name_len + ze->extra_len + ze->csize + 1024;
    return want(st, a, guess < it->size ? guess : it->size, 0);
}

static int step(struct rk_remotezip_item *it, struct rz_state *st)
{
    int rc;
    if (it->size == 0)
        return rk_err_set(&it->err, RK_INPUT, "'%s': size unknown", it->what) + 1;
    if (st->rounds++ >= RK_REMOTEZIP_ROUNDS)
        return rk_err_set(&it->err, RK_INPUT, "'%s': too many range requests", it->what) + 1;
    if (st->win.len == 0 && !st->have_dir) {
        uint64_t t = it->size < RK_REMOTEZIP_TAIL ? it->size : RK_REMOTEZIP_TAIL;
        return want(st, it->size - t, it->size, 0);
    }
    if (!st->have_dir && (rc = parse_dir(it, st)) >= 0)
        return rc;
    return read_member(it, st);
}

/* "bytes A-B/T" (or with an unknown total, "*"): exactly the bytes asked for, of a file of the size
 * expected, and a body of that length */
static int content_range_ok(const struct rk_http_resp *r, uint64_t from, uint64_t to, uint64_t size)
{
    const char *cr = rk_http_resp_header(r, "Content-Range");
    unsigned long long a, b, t;
    char star[2];
    int n;
    if (!cr)
        return 0;
    n = sscanf(cr, "bytes %llu-%llu/%llu", &a, &b, &t);
    if (n != 3 && !(n == 2 && sscanf(cr, "bytes %*u-%*u/%1[*]", star) == 1))
        return 0;
    if (n == 3 && t != size)
        return 0;
    return a == from && b + 1 == to && r->body.len == to - from;
}

static int take_response(struct rk_remotezip_item *it, struct rz_state *st, struct rk_http_resp *r)
{
    struct rk_buf nw;
    it->requests += (unsigned)r->attempts;
    if (r->err.code != RK_OK) {
        it->err = r->err;
        return -1;
    }
    if (r->status == 200 && r->body.len == it->size) { /* Range ignored: the whole file */
        rk_buf_release(&st->win);
        st->win = r->body;
        rk_buf_init(&r->body, 0);
        st->win_off = 0;
        return 0;
    }
    if (r->status != 206 || !content_range_ok(r, st->from, st->to, it->size))
        return rk_err_set(&it->err, RK_REMOTE, "'%s': range request answered %ld", it->what,
                          r->status);
    rk_buf_init(&nw, RK_REMOTEZIP_MEMBER_MAX + RK_ZIP_CD_MAX);
    if (rk_buf_append(&nw, r->body.data, r->body.len) < 0 ||
        (st->prepend && rk_buf_append(&nw, st->win.data, st->win.len) < 0)) {
        rk_buf_release(&nw);
        return rk_err_set(&it->err, RK_INPUT, "'%s': central directory too large", it->what);
    }
    rk_buf_release(&st->win);
    st->win = nw;
    st->win_off = st->from;
    return 0;
}

static int run_round(struct rk_http_client *c, struct rk_remotezip_item **pend, size_t n,
                     int max_parallel, struct rk_err *e)
{
    struct rk_http_req *reqs = calloc(n, sizeof(*reqs));
    struct rk_http_resp *resps = calloc(n, sizeof(*resps));
    struct rk_err ignored;
    if (!reqs || !resps) {
        free(reqs);
        free(resps);
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        struct rz_state *st = pend[i]->state;
        rk_http_req_init(&reqs[i], "GET", pend[i]->url);
        rk_http_req_range(&reqs[i], (int64_t)st->from, (int64_t)st->to - 1);
        reqs[i].max_body = RK_REMOTEZIP_MEMBER_MAX + RK_ZIP_CD_MAX;
        rk_http_resp_init(&resps[i]);
    }
    rk_err_clear(&ignored);
    rk_http_run(c, reqs, resps, n, max_parallel, &ignored);
    for (size_t i = 0; i < n; i++) {
        if (take_response(pend[i], pend[i]->state, &resps[i]) < 0)
            state_free(pend[i]);
        rk_http_req_release(&reqs[i]);
        rk_http_resp_release(&resps[i]);
    }
    free(reqs);
    free(resps);
    return 0;
}

/* advance every live item; collect those needing a request */
static size_t collect(struct rk_remotezip_item *items, size_t n, struct rk_remotezip_item **pend)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        struct rk_remotezip_item *it = &items[i];
        if (!it->state)
            continue;
        if (step(it, it->state) == 1)
            pend[m++] = it;
        else
            state_free(it);
    }
    return m;
}

int rk_remotezip_read(struct rk_http_client *c, struct rk_remotezip_item *items, size_t n,
                      int max_parallel, struct rk_err *e)
{
    struct rk_remotezip_item **pend = calloc(n ? n : 1, sizeof(*pend));
    size_t m;
    int rc = 0;
    if (!pend)
        return rk_err_set(e, RK_SYSTEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        struct rz_state *st = calloc(1, sizeof(*st));
        if (!st) {
            rc = rk_err_set(e, RK_SYSTEM, "out of memory");
            break;
        }
        rk_buf_init(&st->win, RK_REMOTEZIP_MEMBER_MAX + RK_ZIP_CD_MAX);
        rk_zip_dir_init(&st->dir);
        items[i].state = st;
    }
    while (rc == 0 && (m = collect(items, n, pend)) > 0)
        rc = run_round(c, pend, m, max_parallel, e);
    for (size_t i = 0; i < n; i++)
        state_free(&items[i]);
    free(pend);
    return rc;
}
