/* console_server.c: one running console: check the options, open the database, listen, serve
 * until SIGINT or SIGTERM, then stop cleanly (every request finished or dropped, the database
 * closed, secrets wiped). */
#define _POSIX_C_SOURCE 200809L
#include "console_server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console_httpd.h"
#include "console_srv.h"
#include "nmod_exit.h"

static void vlog(const char *fmt, va_list ap) {
  char line[600];
  vsnprintf(line, sizeof line, fmt, ap);
  fprintf(stderr, "nmod console: %s\n", line);
}

void console_log(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(fmt, ap);
  va_end(ap);
}

/* Log and return code. */
static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(fmt, ap);
  va_end(ap);
  return code;
}

/* A PEM file of at most 64 KiB into a heap string. A key (secret) must be the owner's alone. */
static char *read_pem(const char *path, int secret, char *err, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat sb;
  if (fd < 0 || fstat(fd, &sb) != 0) {
    snprintf(err, cap, "cannot read %s: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    return NULL;
  }
  if (!S_ISREG(sb.st_mode) || sb.st_size <= 0 || sb.st_size > 65536) {
    snprintf(err, cap, "%s is not a PEM file of at most 64 KiB", path);
    close(fd);
    return NULL;
  }
  if (secret && (sb.st_mode & 077)) {
    snprintf(err, cap, "the TLS key %s is readable by others (mode %04o): chmod 600 it", path, (unsigned)(sb.st_mode & 07777));
    close(fd);
    return NULL;
  }
  size_t n = (size_t)sb.st_size, got = 0;
  char *buf = malloc(n + 1);
  while (buf && got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  if (!buf || got != n) {
    free(buf);
    snprintf(err, cap, "cannot read %s", path);
    return NULL;
  }
  buf[n] = '\0';
  if (!strstr(buf, "-----BEGIN ")) {
    if (secret) sodium_memzero(buf, n);
    free(buf);
    snprintf(err, cap, "%s is not PEM (no -----BEGIN line)", path);
    return NULL;
  }
  return buf;
}

static void free_pem(char *p) {
  if (!p) return;
  sodium_memzero(p, strlen(p));
  free(p);
}

static int has_index(const char *dir) {
  char p[4200];
  snprintf(p, sizeof p, "%s/index.html", dir);
  return access(p, R_OK) == 0;
}

/* --assets, else beside the binary: DIR/web (the build tree), DIR/../share/nmod/web (installed). */
static int find_assets(const console_opts *o, char *out, size_t cap) {
  if (o->assets) {
    snprintf(out, cap, "%s", o->assets);
    return has_index(out) ? 0 : -1;
  }
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return -1;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (!slash) return -1;
  *slash = '\0';
  /* A path that does not fit is not where the assets are. */
  int w = snprintf(out, cap, "%s/web", exe);
  if (w > 0 && (size_t)w < cap && has_index(out)) return 0;
  w = snprintf(out, cap, "%s/../share/nmod/web", exe);
  if (w > 0 && (size_t)w < cap && has_index(out)) return 0;
  w = snprintf(out, cap, "%s/web or %s/../share/nmod/web", exe, exe);
  if (w < 0 || (size_t)w >= cap) out[cap > 0 ? cap - 1 : 0] = '\0'; /* the message, cut */
  return -1;
}

int console_serve(const console_opts *o) {
  umask(077); /* the database, its -wal and -shm: the owner's alone */
  signal(SIGPIPE, SIG_IGN);
  if (sodium_init() < 0) return fail(NMOD_EXIT_IO, "libsodium failed to start");
  if (!!o->tls_cert != !!o->tls_key) return fail(NMOD_EXIT_USAGE, "TLS needs both --tls-cert FILE and --tls-key FILE");
  if (!o->loopback && !o->tls_cert)
    return fail(NMOD_EXIT_USAGE,
                "--listen %s is not a loopback address: serving beyond this machine needs TLS "
                "(--tls-cert FILE --tls-key FILE)",
                o->listen);
  console_srv *srv = calloc(1, sizeof *srv);
  if (!srv) return fail(NMOD_EXIT_IO, "out of memory");
  srv->opts = *o;
  srv->tls = o->tls_cert != NULL;
  char err[600];
  char *cert = NULL, *key = NULL;
  int rc = NMOD_EXIT_OK;
  if (srv->tls && (!(cert = read_pem(o->tls_cert, 0, err, sizeof err)) || !(key = read_pem(o->tls_key, 1, err, sizeof err)))) {
    rc = fail(NMOD_EXIT_USAGE, "%s", err);
    goto out_pem;
  }
  if (find_assets(o, srv->assets, sizeof srv->assets) != 0) {
    rc = fail(NMOD_EXIT_IO, "no front end (index.html) in %s: build it with make, or pass --assets DIR", srv->assets);
    goto out_pem;
  }
  clinic_open_notes notes;
  clinic_err e = {0};
  int orc = console_db_open(&srv->db, o->db_path, &notes, &e);
  for (int i = 0; i < notes.n; i++) console_log("%s", notes.line[i]);
  if (orc != CLINIC_E_OK) {
    rc = fail(clinic_exit_code(orc), "%s", e.msg);
    goto out_pem;
  }
  console_sessions_init(&srv->sessions, o->idle_s, o->session_max_s);
  console_sessions_init(&srv->diary, o->idle_s, o->session_max_s);
  pthread_mutex_init(&srv->hash_mu, NULL);
  if (console_limit_init(&srv->by_account, o->login_max_account, o->login_window_s) != 0 ||
      console_limit_init(&srv->by_address, o->login_max_address, o->login_window_s) != 0) {
    rc = fail(NMOD_EXIT_IO, "out of memory");
    goto out;
  }
  /* The server's threads inherit this mask: only this thread takes the stop signals. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  unsigned port = 0;
  void *d = console_httpd_start(srv, cert, key, &port, err, sizeof err);
  if (!d) {
    rc = fail(NMOD_EXIT_IO, "%s", err);
    goto out;
  }
  char host[128];
  snprintf(host, sizeof host, "%s", o->listen);
  char *colon = strrchr(host, ':');
  if (colon) *colon = '\0';
  if (strncmp(host, "localhost", 9) == 0) snprintf(host, sizeof host, "127.0.0.1");
  printf("nmod console: listening on %s://%s:%u\n", srv->tls ? "https" : "http", host, port);
  fflush(stdout);
  console_log("database %s, front end %s, sign-ins: %u failures per account and %u per address in %u s, idle timeout %u s",
              o->db_path, srv->assets, o->login_max_account, o->login_max_address, o->login_window_s, o->idle_s);
  int sig = 0;
  while (sigwait(&stop, &sig) != 0) {
  }
  console_log("stopping (signal %d)", sig);
  console_httpd_stop(d);
out:
  console_limit_free(&srv->by_account);
  console_limit_free(&srv->by_address);
  pthread_mutex_destroy(&srv->hash_mu);
  console_sessions_free(&srv->sessions);
  console_sessions_free(&srv->diary);
  console_db_close(&srv->db);
out_pem:
  free_pem(cert);
  free_pem(key);
  sodium_memzero(srv, sizeof *srv);
  free(srv);
  return rc;
}
