/* console_http_test.c: a real `nmod console` on loopback: what it refuses to start with, the
 * API's conventions (one error shape, 404/405/415/400), bodies over their limit (413, by
 * Content-Length and chunked), a client that disconnects mid-request, a slow client, the bound
 * on connections, the front end's files and the security headers, TLS with a certificate made
 * here, and a clean stop. */
#define _GNU_SOURCE
#include "console_testutil.h"

#include <strings.h>

static void expect_refusal(const char *want, const char *const *args) {
  char *argv[24] = {(char *)proc_nmod(), "console", "--db", ct_db};
  int n = 4;
  for (int i = 0; args[i]; i++) argv[n++] = (char *)args[i];
  argv[n] = NULL;
  proc_result_t r;
  assert_int_equal(proc_run(argv, 30, &r), 0);
  if (r.code != 2 || !strstr(r.err, want)) fail_msg("expected exit 2 and '%s', got %d: %s", want, r.code, r.err);
  assert_int_equal(proc_lines(r.err), 1);
  proc_free(&r);
}

#define REFUSED(want, ...) expect_refusal(want, (const char *const[]){__VA_ARGS__, NULL})

static void test_refusals(void **st) {
  (void)st;
  REFUSED("is not a loopback address: serving beyond this machine needs TLS", "--listen", "0.0.0.0:8080");
  REFUSED("is not a loopback address", "--listen", "[::]:8080");
  REFUSED("TLS needs both --tls-cert FILE and --tls-key FILE", "--tls-cert", "/nonexistent.pem");
  REFUSED("expected ADDRESS:PORT", "--listen", "example.org:80");
  REFUSED("the port must be a number", "--listen", "127.0.0.1:99999");
  REFUSED("--idle-timeout 5x: expected a whole number of seconds", "--idle-timeout", "5x");
  REFUSED("--threads 0: expected a whole number from 1 to 64", "--threads", "0");
  REFUSED("unknown option --colour", "--colour", "red");
  /* A TLS key others can read is refused (the key is made here, so the mode is ours to set). */
  char key[400], cert[400];
  snprintf(key, sizeof key, "%s/key.pem", ct_dir);
  snprintf(cert, sizeof cert, "%s/cert.pem", ct_dir);
  FILE *f = fopen(key, "w");
  fputs("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n", f);
  fclose(f);
  f = fopen(cert, "w");
  fputs("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", f);
  fclose(f);
  chmod(key, 0644);
  REFUSED("is readable by others (mode 0644): chmod 600 it", "--tls-cert", cert, "--tls-key", key);
  /* Nothing was created by a refused start. */
  struct stat sb;
  assert_int_not_equal(stat(ct_db, &sb), 0);
}

static void test_api_conventions(void **st) {
  (void)st;
  console_start("--threads", "2");
  http_resp r;
  char v[512];
  assert_int_equal(http(&r, "GET", "/api/v1/health", NULL, NULL), 200);
  assert_non_null(strstr(r.body, "\"status\":\"ok\""));
  assert_non_null(strstr(r.body, "\"schema_version\":7"));
  /* Every response carries the security headers. */
  assert_string_equal(header(&r, "X-Content-Type-Options", v, sizeof v), "nosniff");
  assert_string_equal(header(&r, "Referrer-Policy", v, sizeof v), "no-referrer");
  assert_non_null(header(&r, "Content-Security-Policy", v, sizeof v));
  assert_non_null(strstr(v, "script-src 'self'"));
  assert_null(strstr(v, "unsafe-inline"));
  assert_string_equal(header(&r, "Cache-Control", v, sizeof v), "no-store");
  /* The one error shape, with a status that says what kind. */
  assert_int_equal(http(&r, "GET", "/api/v1/nothing", NULL, NULL), 404);
  assert_non_null(strstr(r.body, "{\"error\":{\"code\":\"not_found\",\"message\":\"no API endpoint GET /api/v1/nothing"));
  assert_int_equal(http(&r, "DELETE", "/api/v1/health", NULL, NULL), 405);
  assert_non_null(strstr(r.body, "\"code\":\"method_not_allowed\""));
  assert_string_equal(header(&r, "Allow", v, sizeof v), "GET");
  assert_int_equal(http(&r, "POST", "/api/v1/session", NULL, "{\"name\":"), 400);
  assert_non_null(strstr(r.body, "\"code\":\"bad_json\",\"message\":\"the body is not valid JSON: line 1"));
  assert_int_equal(http(&r, "POST", "/api/v1/session", NULL, "[1]"), 400);
  assert_non_null(strstr(r.body, "must be a JSON object"));
  assert_int_equal(http(&r, "POST", "/api/v1/session", NULL, "{\"name\":\"a\"}"), 400);
  assert_non_null(strstr(r.body, "the body has no \\\"password\\\""));
  /* A body that is not JSON */
  int fd = tcp_connect();
  const char *form = "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nname=me";
  send_all(fd, form, strlen(form));
  static char raw[1 << 16];
  long got = read_all(fd, raw, sizeof raw, 20);
  close(fd);
  parse_resp(raw, (size_t)got, &r);
  assert_int_equal(r.status, 415);
  /* An API path that needs a session, without one. */
  assert_int_equal(http(&r, "GET", "/api/v1/users", NULL, NULL), 401);
  assert_non_null(strstr(r.body, "\"code\":\"unauthenticated\""));
  /* The front end's files; a path of the app gets index.html; a missing file a 404 page with
   * its path escaped. */
  assert_int_equal(http(&r, "GET", "/", NULL, NULL), 200);
  assert_non_null(strstr(header(&r, "Content-Type", v, sizeof v), "text/html"));
  assert_non_null(strstr(r.body, "<script type=\"module\" src=\"/app.js\">"));
  assert_int_equal(http(&r, "GET", "/patients", NULL, NULL), 200);
  assert_non_null(strstr(r.body, "nmod console"));
  assert_int_equal(http(&r, "GET", "/app.js", NULL, NULL), 200);
  assert_non_null(strstr(header(&r, "Content-Type", v, sizeof v), "text/javascript"));
  assert_int_equal(http(&r, "GET", "/%3Cscript%3Ealert(1)%3C/script%3E.js", NULL, NULL), 404);
  assert_non_null(strstr(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;.js"));
  assert_null(strstr(r.body, "<script>"));
  assert_int_equal(http(&r, "GET", "/../../etc/passwd", NULL, NULL), 404);
  assert_null(strstr(r.body, "root:"));
  assert_int_equal(http(&r, "GET", "/.hidden.js", NULL, NULL), 404);
  assert_int_equal(http(&r, "POST", "/index.html", NULL, "{}"), 405);
  console_stop();
}

/* A body over the endpoint's limit: 413 with a clear message; a chunked one 411; the server
 * fine after. */
static void test_body_limits(void **st) {
  (void)st;
  console_start("--threads", "2");
  static char big[200000];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  http_resp r;
  /* By Content-Length: refused before the body is read. */
  assert_int_equal(http(&r, "POST", "/api/v1/session", NULL, big), 413);
  assert_non_null(strstr(r.body, "\"code\":\"too_large\",\"message\":\"the request body is 199999 bytes, more than the 4096 this endpoint takes\""));
  /* Chunked, with no length up front: refused at once (411), before any of the body is read. */
  int fd = tcp_connect();
  const char *head = "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  send_all(fd, head, strlen(head));
  static char raw[1 << 16];
  long got = read_all(fd, raw, sizeof raw, 20);
  close(fd);
  assert_true(got > 0);
  parse_resp(raw, (size_t)got, &r);
  assert_int_equal(r.status, 411);
  assert_non_null(strstr(r.body, "\"code\":\"length_required\",\"message\":\"send the body with a Content-Length, not chunked\""));
  /* A body of exactly the limit is read, and judged (it names nobody). */
  static char near[4097];
  memset(near, ' ', 4096);
  near[0] = '{';
  near[4095] = '}';
  assert_int_equal(http(&r, "POST", "/api/v1/session", NULL, near), 400);
  assert_non_null(strstr(r.body, "the body has no \\\"name\\\""));
  assert_int_equal(http(&r, "GET", "/api/v1/health", NULL, NULL), 200);
  console_stop();
}

/* A client that goes away mid-request, one that sends slowly, and more connections than the
 * bound: the server drops them and goes on serving the others. */
static void test_bad_clients(void **st) {
  (void)st;
  console_start("--client-timeout", "1s", "--max-connections", "3", "--threads", "1");
  http_resp r;
  /* Disconnect in the middle of a body, twenty times. */
  for (int i = 0; i < 20; i++) {
    int fd = tcp_connect();
    const char *req = "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":";
    send_all(fd, req, strlen(req));
    close(fd);
  }
  /* And in the middle of the headers. */
  int fd = tcp_connect();
  send_all(fd, "GET /api/v1/hea", 15);
  close(fd);
  assert_int_equal(http(&r, "GET", "/api/v1/health", NULL, NULL), 200);
  /* A slow client: half a request, then silence; cut off after the client timeout. */
  fd = tcp_connect();
  send_all(fd, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n", 39);
  double t0 = proc_now();
  char buf[256];
  long got = read_all(fd, buf, sizeof buf, 10);
  close(fd);
  assert_true(got >= 0); /* closed by the server, not by our 10 s */
  assert_true(proc_now() - t0 < 9);
  /* The bound: three idle connections take every place; a fourth is closed at once. */
  int held[3];
  for (int i = 0; i < 3; i++) {
    held[i] = tcp_connect();
    send_all(held[i], "GET", 3);
  }
  struct timespec pause = {0, 200000000};
  nanosleep(&pause, NULL);
  int extra = tcp_connect();
  send_all(extra, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 58);
  got = read_all(extra, buf, sizeof buf, 5);
  close(extra);
  assert_int_equal(got, 0); /* no answer: closed */
  for (int i = 0; i < 3; i++) close(held[i]);
  nanosleep(&pause, NULL);
  assert_int_equal(http(&r, "GET", "/api/v1/health", NULL, NULL), 200);
  console_stop(); /* exit 0: every dropped request freed (the sanitizers check) */
}

/* TLS with a certificate made here (openssl), checked by curl against that certificate. */
static void test_tls(void **st) {
  (void)st;
  char key[400], cert[400];
  make_cert(key, cert);
  add_user("tlsadmin", "admin", "tls-password-1");
  console_start("--tls-cert", cert, "--tls-key", key, "--threads", "2");
  char url[200], out[400];
  snprintf(url, sizeof url, "https://127.0.0.1:%d/api/v1/health", con_port);
  snprintf(out, sizeof out, "%s/curl.txt", ct_dir);
  char *health[] = {"/usr/bin/curl", "-sS", "-i", "--cacert", cert, url, NULL};
  proc_result_t r;
  assert_int_equal(proc_run(health, 30, &r), 0);
  if (r.code != 0) fail_msg("curl over TLS failed: %s", r.err);
  assert_non_null(strstr(r.out, "HTTP/1.1 200"));
  assert_non_null(strstr(r.out, "\"status\":\"ok\""));
  assert_non_null(strcasestr(r.out, "Strict-Transport-Security: max-age=31536000"));
  proc_free(&r);
  /* Signing in over TLS: the cookie is __Host- prefixed and Secure. */
  snprintf(url, sizeof url, "https://127.0.0.1:%d/api/v1/session", con_port);
  char *signin[] = {"/usr/bin/curl", "-sS", "-i", "--cacert", cert, "-H", "Content-Type: application/json", "--data",
                    "{\"name\":\"tlsadmin\",\"password\":\"tls-password-1\"}", url, NULL};
  assert_int_equal(proc_run(signin, 30, &r), 0);
  assert_int_equal(r.code, 0);
  assert_non_null(strstr(r.out, "Set-Cookie: __Host-nmod_session="));
  assert_non_null(strstr(r.out, "; Path=/; HttpOnly; SameSite=Strict; Secure"));
  proc_free(&r);
  /* Without the certificate to trust, curl refuses the server; plain HTTP gets no answer. */
  char *untrusted[] = {"/usr/bin/curl", "-sS", url, NULL};
  assert_int_equal(proc_run(untrusted, 30, &r), 0);
  assert_int_not_equal(r.code, 0);
  proc_free(&r);
  http_resp h;
  int fd = tcp_connect();
  send_all(fd, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 58);
  static char raw[4096];
  long got = read_all(fd, raw, sizeof raw, 10);
  close(fd);
  parse_resp(raw, got > 0 ? (size_t)got : 0, &h);
  assert_int_not_equal(h.status, 200);
  console_stop();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_refusals, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_api_conventions, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_body_limits, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_bad_clients, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_tls, ct_setup, ct_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
