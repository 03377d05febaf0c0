/* console_opts.h: the options of `nmod console` (serving), parsed and checked before anything
 * starts (docs/CONSOLE.md "Running it").
 */
#ifndef NMOD_CONSOLE_OPTS_H
#define NMOD_CONSOLE_OPTS_H

#include <stddef.h>
#include <sys/socket.h>

typedef struct {
  char db_path[4096];
  char listen[128];              /* as given: "127.0.0.1:8080", "[::1]:8080" */
  struct sockaddr_storage sa;    /* parsed */
  socklen_t sa_len;
  int loopback;                  /* 127.0.0.0/8 or ::1 */
  const char *tls_cert, *tls_key;
  const char *assets;            /* NULL: next to the binary (build tree, installed tree) */
  unsigned idle_s;               /* --idle-timeout (15min) */
  unsigned session_max_s;        /* --session-max (12h) */
  unsigned login_max_account;    /* --login-max-account (5 failures) */
  unsigned login_max_address;    /* --login-max-address (20 failures) */
  unsigned login_window_s;       /* --login-window (15min) */
  unsigned max_conn;             /* --max-connections (64) */
  unsigned client_timeout_s;     /* --client-timeout (30s): a client idle this long is dropped */
  unsigned threads;              /* --threads (4) */
} console_opts;

/* Defaults for everything. */
void console_opts_defaults(console_opts *o);
/* "127.0.0.1:8080", "localhost:8080", "[::1]:8080", "0.0.0.0:8443": into o->sa, o->loopback.
 * Port 0 asks the system for a free one. 0, or -1 with a one-line message in err. */
int console_listen_parse(console_opts *o, const char *s, char *err, size_t cap);
/* A duration option ("30s", "15min", "2h") in whole seconds in [1, max_s]. 0 or -1 (err). */
int console_opt_seconds(const char *name, const char *s, unsigned max_s, unsigned *out, char *err, size_t cap);
/* A count option in [lo, hi]. 0 or -1 (err). */
int console_opt_count(const char *name, const char *s, unsigned lo, unsigned hi, unsigned *out, char *err, size_t cap);

#endif
