/* unit tests: remotezip (a wheel's METADATA through HTTP range requests) against a small
 * Python range server started here on 127.0.0.1: the tail holds everything, the central
 * directory lies before the tail, a server ignoring Range, a wrong Content-Range (bytes or total),
 * 404, no size, wheels that fail the checks every tool makes (wheel_check.h) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "fs.h"
#include "http.h"
#include "remotezip.h"
#include "zip.h"

static const char server_py[] =
    "import http.server, os, re, sys\n"
    "root = sys.argv[1]\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def log_message(self, *a): pass\n"
    "    def do_GET(self):\n"
    "        path, _, q = self.path.partition('?')\n"
    "        try: data = open(os.path.join(root, os.path.basename(path)), 'rb').read()\n"
    "        except OSError: self.send_response(404); self.send_header('Content-Length', '0'); "
    "self.end_headers(); return\n"
    "        m = re.match(r'bytes=(\\d+)-(\\d+)$', self.headers.get('Range') or '')\n"
    "        if m and q != 'norange':\n"
    "            a, b = int(m.group(1)), min(int(m.group(2)), len(data) - 1)\n"
    "            off = a + 1 if q == 'badrange' else a\n"
    "            body = data[a:b + 1]\n"
    "            self.send_response(206)\n"
    "            total = len(data) + 1 if q == 'badtotal' else len(data)\n"
    "            self.send_header('Content-Range', 'bytes %d-%d/%d' % (off, off + len(body) - 1, "
    "total))\n"
    "        else:\n"
    "            body = data; self.send_response(200)\n"
    "        self.send_header('Content-Length', str(len(body))); self.end_headers(); "
    "self.wfile.write(body)\n"
    "s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)\n"
    "open(sys.argv[2] + '.tmp', 'w').write(str(s.server_address[1])); os.rename(sys.argv[2] + "
    "'.tmp', sys.argv[2])\n"
    "s.serve_forever()\n";

static const char make_py[] =
    "import sys, zipfile\n"
    "d = sys.argv[1]\n"
    "def mk(fn, name, ver, filler, meta_first):\n"
    "    with zipfile.ZipFile(d + '/' + fn, 'w', zipfile.ZIP_DEFLATED) as z:\n"
    "        md = 'Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\nRequires-Python: >=3.9\\n' % "
    "(name, ver)\n"
    "        if meta_first: z.writestr('%s-%s.dist-info/METADATA' % (name, ver), md)\n"
    "        for i in range(filler): z.writestr('%s/%s_%05d.py' % (name, 'x' * 80, i), 'x = %d\\n' "
    "% i)\n"
    "        if not meta_first: z.writestr('%s-%s.dist-info/METADATA' % (name, ver), md)\n"
    "        z.writestr('%s-%s.dist-info/WHEEL' % (name, ver), 'Wheel-Version: 1.0\\n')\n"
    "mk('small-1.0-py3-none-any.whl', 'small', '1.0', 3, False)\n"
    "with zipfile.ZipFile(d + '/dup-1.0-py3-none-any.whl', 'w') as z:\n"
    "    z.writestr('dup-1.0.dist-info/METADATA', 'Name: dup\\nVersion: 1.0\\n')\n"
    "    z.writestr('dup-1.0.dist-info/METADATA', 'Name: dup\\nVersion: 6.6.6\\n')\n"
    "with zipfile.ZipFile(d + '/vers-1.0-py3-none-any.whl', 'w') as z:\n"
    "    z.writestr('vers-1.0.dist-info/METADATA', 'Name: vers\\nVersion: 2.0\\n')\n"
    "mk('big-2.0-py3-none-any.whl', 'big', '2.0', 3000, True)\n"
    "open(d + '/notzip-1.0-py3-none-any.whl', 'wb').write(b'PK' + b'x' * 5000)\n";

static char dir[64], base[128];
static pid_t server;

static uint64_t size_of(const char *name)
{
    char p[256];
    struct stat st;
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    assert_int_equal(stat(p, &st), 0);
    return (uint64_t)st.st_size;
}

static int setup(void **state)
{
    char portf[128], cmd[512], port[16] = "";
    FILE *f;
    snprintf(dir, sizeof(dir), "/tmp/test_remotezip.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(cmd, sizeof(cmd), "%s", dir);
    {
        pid_t p = fork();
        if (p == 0) {
            execl("/usr/bin/python3", "python3", "-c", make_py, dir, (char *)NULL);
            _exit(127);
        }
        int st;
        waitpid(p, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            return -1;
    }
    snprintf(portf, sizeof(portf), "%s/port", dir);
    if ((server = fork()) == 0) {
        execl("/usr/bin/python3", "python3", "-c", server_py, dir, portf, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100 && access(portf, F_OK) != 0; i++)
        usleep(50000);
    if (!(f = fopen(portf, "r")) || !fgets(port, sizeof(port), f))
        return -1;
    fclose(f);
    snprintf(base, sizeof(base), "http://127.0.0.1:%s", port);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    if (server > 0) {
        kill(server, SIGTERM);
        waitpid(server, NULL, 0);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* read one file; returns the item (caller releases) */
static void read_one(struct rk_remotezip_item *it, const char *name, const char *query,
                     uint64_t size, char *url, size_t n)
{
    struct rk_http_client c;
    struct rk_err e;
    rk_err_clear(&e);
    snprintf(url, n, "%s/%s%s", base, name, query);
    rk_remotezip_item_init(it, url, size, name);
    assert_int_equal(rk_http_client_init(&c, NULL, &e), 0);
    assert_int_equal(rk_remotezip_read(&c, it, 1, 4, &e), 0);
    rk_http_client_release(&c);
}

static void small_wheel_in_one_request(void **state)
{
    struct rk_remotezip_item it;
    char url[256];
    read_one(&it, "small-1.0-py3-none-any.whl", "", size_of("small-1.0-py3-none-any.whl"), url,
             sizeof(url));
    assert_int_equal(it.ok, 1);
    assert_int_equal(it.requests, 1);
    assert_non_null(strstr(rk_buf_cstr(&it.data), "Requires-Python: >=3.9\n"));
    assert_non_null(strstr(rk_buf_cstr(&it.data), "Name: small\n"));
    rk_remotezip_item_release(&it);
}

static void big_directory_before_the_tail(void **state)
{
    struct rk_remotezip_item it;
    char url[256];
    uint64_t size = size_of("big-2.0-py3-none-any.whl");
    assert_true(size > 2 * RK_REMOTEZIP_TAIL);
    read_one(&it, "big-2.0-py3-none-any.whl", "", size, url, sizeof(url));
    assert_int_equal(it.ok, 1);
    assert_int_equal(it.requests, 3); /* tail, rest of the directory, the member */
    assert_non_null(strstr(rk_buf_cstr(&it.data), "Version: 2.0\n"));
    rk_remotezip_item_release(&it);
}

static void server_ignoring_range_gives_the_whole_file(void **state)
{
    struct rk_remotezip_item it;
    char url[256];
    read_one(&it, "small-1.0-py3-none-any.whl", "?norange", size_of("small-1.0-py3-none-any.whl"),
             url, sizeof(url));
    assert_int_equal(it.ok, 1);
    assert_non_null(strstr(rk_buf_cstr(&it.data), "Name: small\n"));
    rk_remotezip_item_release(&it);
}

static void wrong_content_range_fails_the_item(void **state)
{
    struct rk_remotezip_item it;
    char url[256];
    read_one(&it, "big-2.0-py3-none-any.whl", "?badrange", size_of("big-2.0-py3-none-any.whl"), url,
             sizeof(url));
    assert_int_equal(it.ok, 0);
    assert_int_equal(it.err.code, RK_REMOTE);
    assert_non_null(strstr(it.err.msg, "range request answered 206"));
    rk_remotezip_item_release(&it);
}

static void content_range_with_another_total_fails_the_item(void **state)
{
    struct rk_remotezip_item it;
    char url[256];
    read_one(&it, "small-1.0-py3-none-any.whl", "?badtotal", size_of("small-1.0-py3-none-any.whl"),
             url, sizeof(url));
    assert_int_equal(it.ok, 0);
    assert_int_equal(it.err.code, RK_REMOTE);
    assert_non_null(strstr(it.err.msg, "range request answered 206"));
    rk_remotezip_item_release(&it);
}

static void wheel_failing_the_checks_is_invalid_input(void **state)
{
    struct rk_remotezip_item it;
    char url[256];
    read_one(&it, "dup-1.0-py3-none-any.whl", "", size_of("dup-1.0-py3-none-any.whl"), url,
             sizeof(url));
    assert_int_equal(it.ok, 0);
    assert_int_equal(it.err.code, RK_INPUT);
    assert_non_null(strstr(it.err.msg, "invalid wheel 'dup-1.0-py3-none-any.whl': duplicate "
                                       "entry 'dup-1.0.dist-info/METADATA'"));
    rk_remotezip_item_release(&it);
    read_one(&it, "vers-1.0-py3-none-any.whl", "", size_of("vers-1.0-py3-none-any.whl"), url,
             sizeof(url));
    assert_int_equal(it.ok, 0);
    assert_int_equal(it.err.code, RK_INPUT);
    assert_non_null(strstr(it.err.msg, "invalid wheel 'vers-1.0-py3-none-any.whl': METADATA "
                                       "Version '2.0' does not match the file name '1.0'"));
    rk_remotezip_item_release(&it);
}

static void not_a_zip_is_invalid_input(void **state)
{
    struct rk_remotezip_item it;
    char url[256];
    read_one(&it, "notzip-1.0-py3-none-any.whl", "", size_of("notzip-1.0-py3-none-any.whl"), url,
             sizeof(url));
    assert_int_equal(it.ok, 0);
    assert_int_equal(it.err.code, RK_INPUT);
    assert_non_null(strstr(it.err.msg, "notzip-1.0-py3-none-any.whl"));
    rk_remotezip_item_release(&it);
}

static void missing_file_and_unknown_size(void **state)
{
    struct rk_remotezip_item it;
    char url[256];
    read_one(&it, "gone-1.0-py3-none-any.whl", "", 1000, url, sizeof(url));
    assert_int_equal(it.ok, 0);
    assert_int_equal(it.err.code, RK_REMOTE);
    rk_remotezip_item_release(&it);
    read_one(&it, "small-1.0-py3-none-any.whl", "", 0, url, sizeof(url));
    assert_int_equal(it.ok, 0);
    assert_non_null(strstr(it.err.msg, "size unknown"));
    rk_remotezip_item_release(&it);
}

static void many_items_in_parallel(void **state)
{
    struct rk_remotezip_item it[6];
    struct rk_http_client c;
    struct rk_err e;
    char urls[6][256];
    const char *names[2] = {"small-1.0-py3-none-any.whl", "big-2.0-py3-none-any.whl"};
    rk_err_clear(&e);
    for (int i = 0; i < 6; i++) {
        snprintf(urls[i], sizeof(urls[i]), "%s/%s", base, names[i % 2]);
        rk_remotezip_item_init(&it[i], urls[i], size_of(names[i % 2]), names[i % 2]);
    }
    assert_int_equal(rk_http_client_init(&c, NULL, &e), 0);
    assert_int_equal(rk_remotezip_read(&c, it, 6, 3, &e), 0);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(it[i].ok, 1);
        rk_remotezip_item_release(&it[i]);
    }
    rk_http_client_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_wheel_in_one_request),
        cmocka_unit_test(big_directory_before_the_tail),
        cmocka_unit_test(server_ignoring_range_gives_the_whole_file),
        cmocka_unit_test(wrong_content_range_fails_the_item),
        cmocka_unit_test(content_range_with_another_total_fails_the_item),
        cmocka_unit_test(wheel_failing_the_checks_is_invalid_input),
        cmocka_unit_test(not_a_zip_is_invalid_input),
        cmocka_unit_test(missing_file_and_unknown_size),
        cmocka_unit_test(many_items_in_parallel),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
