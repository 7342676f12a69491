/* unit tests: TLS is always verified, and SSL_CERT_FILE / CURL_CA_BUNDLE select the CA bundle.
 * Starts a small HTTPS server (python3 + a self-signed certificate made by openssl) on
 * 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "http.h"

static const char server_py[] =
    "import http.server, os, ssl, subprocess, sys, threading\n"
    "d = sys.argv[1]\n"
    "crt, key = os.path.join(d, 'ca.pem'), os.path.join(d, 'key.pem')\n"
    "subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',\n"
    "                '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',\n"
    "                '-keyout', key, '-out', crt], check=True, capture_output=True)\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    protocol_version = 'HTTP/1.1'\n"
    "    def do_GET(self):\n"
    "        body = b'hello over tls'\n"
    "        self.send_response(200)\n"
    "        self.send_header('Content-Length', str(len(body)))\n"
    "        self.end_headers()\n"
    "        self.wfile.write(body)\n"
    "    def log_message(self, *a):\n"
    "        pass\n"
    "srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)\n"
    "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    "ctx.load_cert_chain(crt, key)\n"
    "srv.socket = ctx.wrap_socket(srv.socket, server_side=True)\n"
    "with open(os.path.join(d, 'port.tmp'), 'w') as f:\n"
    "    f.write(str(srv.server_address[1]))\n"
    "os.rename(os.path.join(d, 'port.tmp'), os.path.join(d, 'port'))\n"
    "threading.Thread(target=srv.serve_forever, daemon=True).start()\n"
    "sys.stdin.read()\n";

static char dir[] = "/tmp/relkit-tls-XXXXXX";
static char url[128], ca[256];
static pid_t server = -1;
static int server_stdin = -1;

static int start_server(void **state)
{
    const char *py = getenv("RELKIT_PYTHON");
    char portfile[300];
    int fds[2];
    FILE *f = NULL;
    int port = 0;
    if (!py || !*py)
        py = "/usr/bin/python3";
    if (!mkdtemp(dir) || pipe(fds) < 0)
        return -1;
    server = fork();
    if (server == 0) {
        dup2(fds[0], 0);
        close(fds[1]);
        execl(py, py, "-c", server_py, dir, (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    server_stdin = fds[1];
    snprintf(portfile, sizeof(portfile), "%s/port", dir);
    for (int i = 0; i < 200 && !(f = fopen(portfile, "r")); i++)
        usleep(50000);
    if (!f || fscanf(f, "%d", &port) != 1)
        return -1;
    fclose(f);
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/x", port);
    snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
    return 0;
}

static int stop_server(void **state)
{
    char cmd[300];
    if (server_stdin >= 0)
        close(server_stdin); /* the server exits at the end of its stdin */
    if (server > 0)
        waitpid(server, NULL, 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* GET url with a client made under the current environment */
static int get(struct rk_http_resp *resp, struct rk_err *e)
{
    struct rk_http_client c;
    struct rk_http_req req;
    int rc;
    assert_int_equal(rk_http_client_init(&c, NULL, e), 0);
    rk_http_req_init(&req, "GET", url);
    rc = rk_http_do(&c, &req, resp, e);
    rk_http_req_release(&req);
    rk_http_client_release(&c);
    return rc;
}

static void unknown_ca_is_refused(void **state)
{
    struct rk_http_resp resp;
    struct rk_err e;
    rk_err_clear(&e);
    unsetenv("SSL_CERT_FILE");
    unsetenv("CURL_CA_BUNDLE");
    assert_int_equal(get(&resp, &e), -1);
    assert_int_equal(e.code, RK_REMOTE);
    assert_non_null(strstr(e.msg, "TLS verification failed"));
    assert_int_equal(resp.attempts, 1); /* not retried */
    rk_http_resp_release(&resp);
}

static void ssl_cert_file_is_honoured(void **state)
{
    struct rk_http_resp resp;
    struct rk_err e;
    rk_err_clear(&e);
    setenv("SSL_CERT_FILE", ca, 1);
    assert_int_equal(get(&resp, &e), 0);
    assert_int_equal(resp.status, 200);
    assert_string_equal(rk_buf_cstr(&resp.body), "hello over tls");
    rk_http_resp_release(&resp);
    unsetenv("SSL_CERT_FILE");
}

static void curl_ca_bundle_is_honoured(void **state)
{
    struct rk_http_resp resp;
    struct rk_err e;
    rk_err_clear(&e);
    setenv("CURL_CA_BUNDLE", ca, 1);
    assert_int_equal(get(&resp, &e), 0);
    assert_int_equal(resp.status, 200);
    rk_http_resp_release(&resp);
    unsetenv("CURL_CA_BUNDLE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unknown_ca_is_refused),
        cmocka_unit_test(ssl_cert_file_is_honoured),
        cmocka_unit_test(curl_ca_bundle_is_honoured),
    };
    signal(SIGPIPE, SIG_IGN);
    setenv("RELKIT_HTTP_BACKOFF_MS", "10", 1);
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
