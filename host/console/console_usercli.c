/* console_usercli.c: `nmod console user add|list|disable|enable`. The password comes from the
 * terminal without echo (twice), or from standard input with --password-stdin, never from the
 * command line (where other users see it in the process list). */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "console_cli.h"
#include "console_user.h"

/* One line from fd into buf (without the newline); -1 when longer than the buffer. */
static long read_line(int fd, char *buf, size_t cap, int to_eof) {
  size_t n = 0;
  for (;;) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r <= 0) break;
    if (c == '\n' && !to_eof) break;
    if (n + 1 >= cap) return -1;
    buf[n++] = c;
  }
  /* --password-stdin: one trailing newline (or CRLF) is the end of the line, not the password */
  if (to_eof && n && buf[n - 1] == '\n') n--;
  if (n && buf[n - 1] == '\r') n--;
  buf[n] = '\0';
  return (long)n;
}

static long ask(int tty, const char *prompt, char *buf, size_t cap) {
  struct termios old, quiet;
  if (tcgetattr(tty, &old) != 0) return -2;
  quiet = old;
  quiet.c_lflag &= (tcflag_t)~ECHO;
  quiet.c_lflag |= ECHONL;
  if (write(tty, prompt, strlen(prompt)) < 0 || tcsetattr(tty, TCSAFLUSH, &quiet) != 0) return -2;
  long n = read_line(tty, buf, cap, 0);
  tcsetattr(tty, TCSAFLUSH, &old);
  return n;
}

/* The new password into pw[cap]: its length, or -1 (printed). */
static long cmd_user_password(int from_stdin, const char *name, char *pw, size_t cap) {
  long n;
  if (from_stdin) {
    n = read_line(0, pw, cap, 1);
  } else {
    int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (tty < 0) {
      fprintf(stderr, "nmod console: no terminal to read the password from: pipe it in with --password-stdin\n");
      return -1;
    }
    char prompt[120], again[CONSOLE_PW_MAX + 2];
    snprintf(prompt, sizeof prompt, "Password for %s: ", name);
    n = ask(tty, prompt, pw, cap);
    long m = n >= 0 ? ask(tty, "The same again: ", again, sizeof again) : n;
    close(tty);
    int same = n >= 0 && m == n && sodium_memcmp(pw, again, (size_t)n) == 0;
    sodium_memzero(again, sizeof again);
    if (n == -2 || m == -2) {
      fprintf(stderr, "nmod console: cannot turn off the terminal's echo: use --password-stdin\n");
      return -1;
    }
    if (n >= 0 && !same) {
      fprintf(stderr, "nmod console: the two passwords differ; nothing was changed\n");
      return -1;
    }
  }
  if (n < 0) {
    fprintf(stderr, "nmod console: the password is longer than %d bytes\n", CONSOLE_PW_MAX);
    return -1;
  }
  char err[200];
  if (console_pw_ok(pw, (size_t)n, err, sizeof err) != 0) {
    fprintf(stderr, "nmod console: %s\n", err);
    return -1;
  }
  return n;
}

static int cmd_user_db(const char *path, sqlite3 **db) {
  umask(077); /* patient data: a new database and its -wal and -shm are the owner's alone */
  clinic_open_notes notes;
  clinic_err e = {0};
  clinic_store_open(path, CLINIC_OPEN_WRITE, db, &notes, &e);
  clinic_open_notes_print(stderr, &notes);
  return clinic_report(&e);
}

static int cmd_user_add(clinic_args *a) {
  if (a->npos != 3) {
    fprintf(stderr, "nmod console: usage: nmod console user add NAME --role admin|clinician|nurse|viewer [--password-stdin]\n");
    return CL_USAGE;
  }
  const char *name = a->pos[2], *role_s = clinic_opt_get(a, "role");
  int from_stdin = clinic_opt_flag(a, "password-stdin");
  console_role role;
  if (!role_s || console_role_parse(role_s, &role) != 0) {
    fprintf(stderr, "nmod console: user add needs --role admin, clinician, nurse or viewer\n");
    return CL_USAGE;
  }
  if (!console_user_name_ok(name)) {
    fprintf(stderr, "nmod console: account name '%.64s' is not 1 to 63 of A-Z a-z 0-9 . _ - starting with a letter or digit\n",
            name);
    return CL_USAGE;
  }
  char path[4096];
  int rc = console_db_path(a, path, sizeof path);
  if (rc || (rc = console_args_done(a, "user add")) != CL_OK) return rc;
  if (sodium_init() < 0) return CL_IO;
  char pw[CONSOLE_PW_MAX + 2], hash[CONSOLE_HASH_MAX];
  long n = cmd_user_password(from_stdin, name, pw, sizeof pw);
  rc = n < 0 ? CL_USAGE : console_pw_hash(pw, (size_t)n, hash) == 0 ? CL_OK : CL_IO;
  sodium_memzero(pw, sizeof pw);
  if (rc == CL_IO) fprintf(stderr, "nmod console: out of memory hashing the password\n");
  if (rc) return rc;
  sqlite3 *db = NULL;
  if ((rc = cmd_user_db(path, &db)) != CL_OK) return rc;
  char err[300];
  rc = console_user_add(db, name, role, hash, err, sizeof err);
  sqlite3_close(db);
  if (rc) {
    fprintf(stderr, "nmod console: %s\n", err);
    return rc;
  }
  printf("added %s (%s)\n", name, role_s);
  return CL_OK;
}

static int user_print(void *ctx, const console_user *u) {
  js_w *w = ctx;
  if (w)
    console_user_json(w, u);
  else
    printf("%-24s %-10s %-9s %s\n", u->name, console_role_name(u->role), u->disabled ? "disabled" : "active", u->created_at);
  return 0;
}

static int cmd_user_list(clinic_args *a) {
  int json = clinic_opt_flag(a, "json");
  char path[4096];
  int rc = console_db_path(a, path, sizeof path);
  if (rc || (rc = console_args_done(a, "user list")) != CL_OK) return rc;
  sqlite3 *db = NULL;
  if ((rc = cmd_user_db(path, &db)) != CL_OK) return rc;
  char err[300];
  js_w w;
  if (json) {
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "users");
    jw_arr(&w);
  } else {
    printf("%-24s %-10s %-9s %s\n", "name", "role", "state", "created (UTC)");
  }
  rc = console_user_each(db, user_print, json ? &w : NULL, err, sizeof err);
  sqlite3_close(db);
  if (json) {
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_end(&w);
  }
  if (rc) fprintf(stderr, "nmod console: %s\n", err);
  return rc;
}

static int cmd_user_state(clinic_args *a, int disabled) {
  if (a->npos != 3) {
    fprintf(stderr, "nmod console: usage: nmod console user %s NAME\n", disabled ? "disable" : "enable");
    return CL_USAGE;
  }
  char path[4096];
  int rc = console_db_path(a, path, sizeof path);
  if (rc || (rc = console_args_done(a, disabled ? "user disable" : "user enable")) != CL_OK) return rc;
  sqlite3 *db = NULL;
  if ((rc = cmd_user_db(path, &db)) != CL_OK) return rc;
  char err[300];
  int64_t id;
  rc = console_user_set_disabled(db, a->pos[2], disabled, &id, err, sizeof err);
  sqlite3_close(db);
  if (rc) {
    fprintf(stderr, "nmod console: %s\n", err);
    return rc;
  }
  /* A console that is running ends the account's sessions at its next request. */
  printf("%s %s\n", disabled ? "disabled" : "enabled", a->pos[2]);
  return CL_OK;
}

int cmd_console_user(clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : "";
  if (strcmp(sub, "add") == 0) return cmd_user_add(a);
  if (strcmp(sub, "list") == 0) return cmd_user_list(a);
  if (strcmp(sub, "disable") == 0) return cmd_user_state(a, 1);
  if (strcmp(sub, "enable") == 0) return cmd_user_state(a, 0);
  fprintf(stderr, "nmod console: user needs add, list, disable or enable (see nmod console --help)\n");
  return CL_USAGE;
}
