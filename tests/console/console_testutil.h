/* console_testutil.h: a real `nmod console` process on a free loopback port with a real
 * SQLite file, and a small HTTP/1.1 client over a socket (one request per connection),
 * bounded by timeouts. Header-only; each test file includes it once. */
#ifndef NMOD_CONSOLE_TESTUTIL_H
#define NMOD_CONSOLE_TESTUTIL_H

#include "proc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <cmocka.h>

static char ct_dir[256], ct_db[320], ct_log[320];
static pid_t con_pid = -1;
static int con_out = -1;
static int con_port;

/* ---- processes ----------------------------------------------------------------------- */

/* `nmod console ARGS...` (NULL-terminated) with the test's database; returns its result. */
static int console_cli(proc_result_t *r, const char *stdin_text, ...) {
  char *argv[32] = {(char *)proc_nmod(), "console"};
  int n = 2;
  va_list ap;
  va_start(ap, stdin_text);
  const char *a;
  while ((a = va_arg(ap, const char *)) && n < 28) argv[n++] = (char *)a;
  va_end(ap);
  argv[n++] = "--db";
  argv[n++] = ct_db;
  argv[n] = NULL;
  if (!stdin_text) return proc_run(argv, 60, r) == 0 ? r->code : -1;
  /* stdin from a file holding stdin_text */
  char in[400];
  snprintf(in, sizeof in, "%s/stdin.txt", ct_dir);
  FILE *f = fopen(in, "w");
  assert_non_null(f);
  fputs(stdin_text, f);
  fclose(f);
  char cmd[4096] = "";
  for (int i = 0; i < n; i++) {
    strcat(cmd, "'");
    strcat(cmd, argv[i]);
    strcat(cmd, "' ");
  }
  char *sh[] = {"/bin/sh", "-c", cmd, NULL};
  char full[4600];
  snprintf(full, sizeof full, "exec %s < '%s'", cmd, in);
  sh[2] = full;
  return proc_run(sh, 60, r) == 0 ? r->code : -1;
}

/* Add an account with a password through --password-stdin. */
__attribute__((unused)) static void add_user(const char *name, const char *role, const char *pw) {
  proc_result_t r;
  char line[200];
  snprintf(line, sizeof line, "%s\n", pw);
  int rc = console_cli(&r, line, "user", "add", name, "--role", role, "--password-stdin", NULL);
  if (rc != 0) fail_msg("user add %s: %s", name, r.err);
  proc_free(&r);
}

/* Start the console with up to 16 extra arguments (NULL-terminated); stderr to ct_log. */
static void console_start_argv(const char *const *extra) {
  char *argv[40] = {(char *)proc_nmod(), "console", "--db", ct_db, "--listen", "127.0.0.1:0"};
  int n = 6;
  for (int i = 0; extra && extra[i] && n < 36; i++) argv[n++] = (char *)extra[i];
  argv[n] = NULL;
  con_pid = proc_spawn(argv, &con_out, ct_log);
  assert_true(con_pid > 0);
  char line[256];
  if (proc_read_line(con_out, line, sizeof line, 30) != 0) fail_msg("nmod console did not start (see %s)", ct_log);
  const char *colon = strrchr(line, ':');
  assert_non_null(strstr(line, "listening on "));
  con_port = atoi(colon + 1);
  assert_true(con_port > 0);
}

#define console_start(...) console_start_argv((const char *const[]){__VA_ARGS__, NULL})

/* Stop it with SIGTERM: it must exit 0 (with the sanitizers, also without a leak). */
static void console_stop(void) {
  if (con_pid <= 0) return;
  int st = proc_stop(con_pid, SIGTERM, 20);
  con_pid = -1;
  close(con_out);
  con_out = -1;
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) fail_msg("nmod console did not stop cleanly (status %d; see %s)", st, ct_log);
}

__attribute__((unused)) static int log_has(const char *needle) {
  FILE *f = fopen(ct_log, "r");
  if (!f) return 0;
  static char buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return strstr(buf, needle) != NULL;
}

/* ---- HTTP ---------------------------------------------------------------------------- */

typedef struct {
  int status;
  char head[8192]; /* status line and headers */
  char body[65536];
  size_t body_len;
} http_resp;

static int tcp_connect(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true(fd >= 0);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)con_port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  return fd;
}

static void send_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return; /* the server may close first (413) */
    p += w;
    n -= (size_t)w;
  }
}

/* Read until the server closes or timeout_s passes: bytes read, or -1 on the timeout. */
static long read_all(int fd, char *buf, size_t cap, double timeout_s) {
  size_t n = 0;
  double deadline = proc_now() + timeout_s;
  for (;;) {
    int ms = (int)((deadline - proc_now()) * 1000);
    if (ms <= 0) return -1;
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0) continue;
    ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
    if (r <= 0) break;
    n += (size_t)r;
    if (n + 1 >= cap) break;
  }
  buf[n] = '\0';
  return (long)n;
}

static void parse_resp(const char *raw, size_t n, http_resp *r) {
  memset(r, 0, sizeof *r);
  const char *end = strstr(raw, "\r\n\r\n");
  if (!end) return;
  size_t hl = (size_t)(end - raw);
  if (hl >= sizeof r->head) hl = sizeof r->head - 1;
  memcpy(r->head, raw, hl);
  r->head[hl] = '\0';
  sscanf(raw, "HTTP/1.%*d %d", &r->status);
  size_t bl = n - (size_t)(end + 4 - raw);
  if (bl >= sizeof r->body) bl = sizeof r->body - 1;
  memcpy(r->body, end + 4, bl);
  r->body[bl] = '\0';
  r->body_len = bl;
}

/* One request: method, path, extra header lines ("Name: v\r\n"...; may be NULL), a JSON body
 * (NULL: none). Returns the status. */
static int http(http_resp *r, const char *method, const char *path, const char *headers, const char *body) {
  int fd = tcp_connect();
  char req[8192];
  int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s", method, path, con_port,
                   headers ? headers : "");
  if (body)
    n += snprintf(req + n, sizeof req - (size_t)n, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", strlen(body));
  else
    n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
  assert_true(n > 0 && (size_t)n < sizeof req);
  send_all(fd, req, (size_t)n);
  if (body) send_all(fd, body, strlen(body));
  static char raw[1 << 17];
  long got = read_all(fd, raw, sizeof raw, 30);
  close(fd);
  assert_true(got > 0);
  parse_resp(raw, (size_t)got, r);
  return r->status;
}

/* The value of header name in r (case-insensitive), into out; NULL when absent. */
static const char *header(const http_resp *r, const char *name, char *out, size_t cap) {
  size_t nl = strlen(name);
  for (const char *p = r->head; (p = strchr(p, '\n')); ) {
    p++;
    if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
      p += nl + 1;
      while (*p == ' ') p++;
      size_t k = strcspn(p, "\r\n");
      if (k >= cap) k = cap - 1;
      memcpy(out, p, k);
      out[k] = '\0';
      return out;
    }
  }
  return NULL;
}

/* A session: its cookie header line and its CSRF token. */
typedef struct {
  char cookie[400];
  char csrf[64];
} session_t;

/* Sign in; returns the status; on 200 fills s. */
__attribute__((unused)) static int login(session_t *s, const char *name, const char *pw, http_resp *r) {
  char body[400];
  snprintf(body, sizeof body, "{\"name\":\"%s\",\"password\":\"%s\"}", name, pw);
  int st = http(r, "POST", "/api/v1/session", NULL, body);
  if (st != 200) return st;
  char v[300];
  assert_non_null(header(r, "Set-Cookie", v, sizeof v));
  size_t k = strcspn(v, ";");
  v[k] = '\0';
  snprintf(s->cookie, sizeof s->cookie, "Cookie: %s\r\n", v);
  const char *c = strstr(r->body, "\"csrf\":\"");
  assert_non_null(c);
  c += 8;
  size_t cl = strcspn(c, "\"");
  assert_true(cl < sizeof s->csrf);
  memcpy(s->csrf, c, cl);
  s->csrf[cl] = '\0';
  return st;
}

/* Headers of a signed-in change: the cookie and the CSRF token. */
__attribute__((unused)) static const char *with_csrf(const session_t *s, char *out, size_t cap) {
  snprintf(out, cap, "%sX-CSRF-Token: %s\r\n", s->cookie, s->csrf);
  return out;
}

/* One value from the test database (read-only connection). */
__attribute__((unused)) static long long db_int(const char *sql) {
  sqlite3 *h;
  assert_int_equal(sqlite3_open_v2(ct_db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  long long v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

/* A TLS key (0600) and a self-signed certificate for 127.0.0.1, made here by openssl, into
 * key[400] and cert[400] under the test's folder. */
__attribute__((unused)) static void make_cert(char *key, char *cert) {
  char cmd[2000];
  snprintf(key, 400, "%s/tls-key.pem", ct_dir);
  snprintf(cert, 400, "%s/tls-cert.pem", ct_dir);
  snprintf(cmd, sizeof cmd,
           "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 "
           "-addext subjectAltName=IP:127.0.0.1 -keyout '%s' -out '%s' 2>/dev/null && chmod 600 '%s'",
           key, cert, key);
  assert_int_equal(system(cmd), 0);
}

/* ---- setup --------------------------------------------------------------------------- */

static int ct_setup(void **st) {
  (void)st;
  snprintf(ct_dir, sizeof ct_dir, "%s/nmod-console-test.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  assert_non_null(mkdtemp(ct_dir));
  snprintf(ct_db, sizeof ct_db, "%s/clinic.db", ct_dir);
  snprintf(ct_log, sizeof ct_log, "%s/console.log", ct_dir);
  return 0;
}

static int ct_teardown(void **st) {
  (void)st;
  if (con_pid > 0) {
    proc_stop(con_pid, SIGKILL, 5);
    con_pid = -1;
  }
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", ct_dir);
  if (system(cmd) != 0) return -1;
  return 0;
}

#endif
