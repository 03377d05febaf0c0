/* test_golden.c: the golden outputs of every nmod command (tests/golden/README.md).
 *
 * Each tests/golden/cases/GROUP.cases is a script of nmod command lines and a few
 * directives; every command runs as a real process (a real `nmod sim` on loopback for the
 * programmer and the remote, a real SQLite file for the clinic) in a fresh temporary folder,
 * and what it printed (stdout, stderr, exit code, and the files the script asks to show) is
 * compared byte for byte with tests/golden/GROUP.txt after the normalisation below. On a
 * difference the test prints a unified diff and fails; NMOD_GOLDEN_UPDATE=1 writes the
 * files instead (then review `git diff tests/golden` and commit the change with its reason). */
#include "proc.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <regex.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <sqlite3.h>

#define MAX_ARGS 48
#define MAX_LINE 4096

static char src[512], tmpdir[256], startdir[1024];

/* ---- a growing text buffer ---------------------------------------------------------- */

typedef struct {
  char *s;
  size_t len, cap;
} sbuf_t;

static void sb_add(sbuf_t *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1) cap *= 2;
    b->s = realloc(b->s, cap);
    assert_non_null(b->s);
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void sb_puts(sbuf_t *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf_t *b, const char *fmt, ...) {
  char tmp[MAX_LINE + 256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  assert_true(n >= 0 && (size_t)n < sizeof tmp);
  sb_add(b, tmp, (size_t)n);
}

static void sb_free(sbuf_t *b) {
  free(b->s);
  memset(b, 0, sizeof *b);
}

/* Text with its last line ended: a missing newline is said, so it shows in the diff. */
static void sb_block(sbuf_t *b, const char *s, size_t n) {
  sb_add(b, s, n);
  if (n && s[n - 1] != '\n') sb_puts(b, "\n[no newline at the end]\n");
}

static int read_all(const char *path, sbuf_t *out) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  char tmp[8192];
  size_t n;
  while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) sb_add(out, tmp, n);
  fclose(f);
  if (!out->s) sb_add(out, "", 0);
  return 0;
}

static void write_all(const char *path, const char *s, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) fail_msg("cannot write %s", path);
  assert_int_equal(fwrite(s, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
}

/* ---- normalisation ------------------------------------------------------------------ */

/* Replace every match of the extended regex `re` in *b by `with` (no back references). */
static void replace_all(sbuf_t *b, const char *re, const char *with) {
  regex_t rx;
  assert_int_equal(regcomp(&rx, re, REG_EXTENDED), 0);
  sbuf_t out = {0};
  const char *p = b->s ? b->s : "";
  regmatch_t m;
  while (*p && regexec(&rx, p, 1, &m, p == b->s ? 0 : REG_NOTBOL) == 0) {
    if (m.rm_eo == m.rm_so) { /* an empty match: keep one character and go on */
      sb_add(&out, p, 1);
      p++;
      continue;
    }
    sb_add(&out, p, (size_t)m.rm_so);
    sb_puts(&out, with);
    p += m.rm_eo;
  }
  sb_puts(&out, p);
  regfree(&rx);
  sb_free(b);
  *b = out;
}

/* Replace every occurrence of the plain string `what` by `with`. */
static void replace_str(sbuf_t *b, const char *what, const char *with) {
  if (!*what || !b->s) return;
  sbuf_t out = {0};
  const char *p = b->s, *q;
  while ((q = strstr(p, what)) != NULL) {
    sb_add(&out, p, (size_t)(q - p));
    sb_puts(&out, with);
    p = q + strlen(what);
  }
  sb_puts(&out, p);
  sb_free(b);
  *b = out;
}

typedef struct {
  int device;          /* the group talks to a simulated device (a @sim directive) */
  char port[8][16];    /* the loopback ports of its sims, in order */
  int n_port;
  char today[2][16];   /* the UTC dates the group ran on (YYYY-MM-DD) */
} norm_t;

static void utc_date(char out[16]) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 16, "%Y-%m-%d", &tm);
}

/* The whole normalisation, in one place (README.md lists it):
 *  every group: the wall time `nmod simulate` took ("in 0.123 s of wall time", "wall_s");
 *  groups with a simulated device, whose serial, keys and clock come from the run:
 *   - the serial's 8 random hex digits (ETS-SNM-XXXXXXXX),
 *   - remote key ids (16 hex digits),
 *   - the device's clock: the date of the run (UTC) -> TODAY, its times of day -> HH:MM:SS,
 *   - its uptime ("up N s", "uptime_s":N),
 *   - the sim's loopback port (127.0.0.1:PORT). */
static void normalise(const norm_t *n, sbuf_t *b) {
  replace_all(b, "in [0-9]+\\.[0-9]+ s of wall time", "in WALL s of wall time");
  replace_all(b, "\"wall_s\":[0-9.e+-]+", "\"wall_s\":WALL");
  if (!n->device) return;
  replace_all(b, "(ETS|INS)-(SNM|SCS)-[0-9A-F]{8}", "SERIAL");
  replace_all(b, "[0-9a-f]{16}", "KEYID");
  for (int i = 0; i < 2; i++) replace_str(b, n->today[i], "TODAY");
  replace_all(b, "TODAY [0-9]{2}:[0-9]{2}:[0-9]{2}", "TODAY HH:MM:SS");
  replace_all(b, "TODAY [0-9]{2}:[0-9]{2}", "TODAY HH:MM");
  replace_all(b, "up [0-9]+ s", "up N s");
  replace_all(b, "\"uptime_s\":[0-9]+", "\"uptime_s\":N");
  for (int i = 0; i < n->n_port; i++) {
    char a[40];
    snprintf(a, sizeof a, "127.0.0.1:%s", n->port[i]);
    replace_str(b, a, "127.0.0.1:PORT");
  }
}

/* ---- the script --------------------------------------------------------------------- */

/* Split a command line into words: blanks separate, '...' and "..." quote (no escapes);
 * $DEV becomes the sim's address. Returns the count, or -1. */
static int split(char *line, char *words[MAX_ARGS], char store[MAX_LINE * 2], const char *dev) {
  int n = 0;
  size_t k = 0;
  char *p = line;
  while (*p) {
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) break;
    if (n == MAX_ARGS - 1) return -1;
    words[n++] = &store[k];
    while (*p && *p != ' ' && *p != '\t') {
      if (*p == '\'' || *p == '"') {
        char q = *p++;
        while (*p && *p != q) store[k++] = *p++;
        if (*p != q) return -1;
        p++;
      } else if (strncmp(p, "$DEV", 4) == 0) {
        for (const char *d = dev; *d; d++) store[k++] = *d;
        p += 4;
      } else {
        store[k++] = *p++;
      }
      if (k >= MAX_LINE * 2 - 64) return -1;
    }
    store[k++] = '\0';
  }
  words[n] = NULL;
  return n;
}

typedef struct {
  const char *group;
  norm_t norm;
  pid_t sim;
  int sim_out;
  char dev[64];
  sbuf_t out;
} run_t;

/* The sim of the group running now, for the teardown when a group fails midway. */
static run_t *live;

static void sim_stop(run_t *r) {
  if (r->sim > 0) proc_stop(r->sim, SIGTERM, 10);
  if (r->sim_out >= 0) close(r->sim_out);
  r->sim = -1;
  r->sim_out = -1;
}

/* The next line of *p (its newline cut), or NULL at the end. */
static char *next_line(char **p) {
  if (!*p || !**p) return NULL;
  char *line = *p, *nl = strchr(line, '\n');
  if (nl) {
    *nl = '\0';
    *p = nl + 1;
  } else {
    *p = line + strlen(line);
  }
  return line;
}

/* @sim ARGS: a simulated stimulator (nmod sim ARGS --listen 127.0.0.1:0 --quiet). */
static void sim_start(run_t *r, char **words, int n) {
  sim_stop(r);
  char *argv[MAX_ARGS + 8];
  int k = 0;
  argv[k++] = (char *)proc_nmod();
  argv[k++] = "sim";
  for (int i = 1; i < n; i++) argv[k++] = words[i];
  argv[k++] = "--listen";
  argv[k++] = "127.0.0.1:0";
  argv[k++] = "--quiet";
  argv[k] = NULL;
  r->sim = proc_spawn(argv, &r->sim_out, "sim.log");
  assert_true(r->sim > 0);
  char line[256];
  if (proc_read_line(r->sim_out, line, sizeof line, 30) != 0) fail_msg("%s: nmod sim did not start (see sim.log)", r->group);
  const char *at = strstr(line, "listening on 127.0.0.1:");
  if (!at) fail_msg("%s: nmod sim said '%s'", r->group, line);
  snprintf(r->dev, sizeof r->dev, "%s", at + strlen("listening on "));
  if (r->norm.n_port == 8) fail_msg("%s: more than 8 sims", r->group);
  snprintf(r->norm.port[r->norm.n_port++], sizeof r->norm.port[0], "%s", strchr(r->dev, ':') + 1);
  r->norm.device = 1;
}

/* @export-key DB HEX: fix the clinic database's export id key (setting export_id_key,
 * docs/CLINIC.md), so FHIR and calendar ids are the same on every run. */
static void actor_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  sqlite3_result_text(ctx, "golden test", -1, SQLITE_STATIC);
}

static void export_key(run_t *r, const char *db, const char *hex) {
  sqlite3 *h;
  assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
  /* The audit triggers (docs/CLINIC.md) name who changed a row; this write is the test's. */
  assert_int_equal(sqlite3_create_function_v2(h, "nmod_actor", 0, SQLITE_UTF8, NULL, actor_fn, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(h, "UPDATE setting SET value = ? WHERE key = 'export_id_key'", -1, &st, NULL), SQLITE_OK);
  sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  if (sqlite3_changes(h) != 1) fail_msg("%s: %s has no export_id_key setting", r->group, db);
  assert_int_equal(sqlite3_close(h), SQLITE_OK);
}

static void run_nmod(run_t *r, const char *line, char **words, int n) {
  char *argv[MAX_ARGS + 1];
  argv[0] = (char *)proc_nmod();
  for (int i = 1; i < n; i++) argv[i] = words[i];
  argv[n] = NULL;
  proc_result_t pr;
  if (proc_run(argv, 120, &pr) != 0) fail_msg("%s: '%s' did not finish", r->group, line);
  if (pr.signaled) fail_msg("%s: '%s' crashed (signal %d): %s", r->group, line, pr.code - 128, pr.err);
  sb_printf(&r->out, "$ %s\n", line);
  sb_block(&r->out, pr.out, pr.out_len);
  if (pr.err_len) {
    sb_puts(&r->out, "[stderr]\n");
    sb_block(&r->out, pr.err, pr.err_len);
  }
  sb_printf(&r->out, "[exit %d]\n\n", pr.code);
  proc_free(&pr);
}

/* One pass over the script; the recorded text in r->out. */
static void run_script(run_t *r, const char *script) {
  sbuf_t text = {0};
  if (read_all(script, &text) != 0) fail_msg("cannot read %s", script);
  char *cur = text.s;
  int lineno = 0;
  for (char *line; (line = next_line(&cur)) != NULL;) {
    lineno++;
    if (line[0] == '#' || line[0] == '\0') continue;
    /* @write FILE: the lines up to @end go into FILE (an input of the next commands). */
    if (strncmp(line, "@write ", 7) == 0) {
      sbuf_t body = {0};
      char *l;
      while ((l = next_line(&cur)) != NULL && strcmp(l, "@end") != 0) {
        lineno++;
        sb_puts(&body, l);
        sb_puts(&body, "\n");
      }
      if (!l) fail_msg("%s: @write %s has no @end", script, line + 7);
      write_all(line + 7, body.s ? body.s : "", body.len);
      sb_free(&body);
      continue;
    }
    char store[MAX_LINE * 2], *words[MAX_ARGS];
    int n = split(line, words, store, r->dev);
    if (n <= 0) fail_msg("%s:%d: cannot read '%s'", script, lineno, line);
    if (strcmp(words[0], "nmod") == 0) {
      run_nmod(r, line, words, n);
    } else if (strcmp(words[0], "@sim") == 0) {
      sim_start(r, words, n);
    } else if (strcmp(words[0], "@stop") == 0) {
      sim_stop(r);
    } else if (strcmp(words[0], "@show") == 0 && n == 2) {
      sbuf_t f = {0};
      sb_printf(&r->out, "[file %s]\n", words[1]);
      if (read_all(words[1], &f) != 0) sb_puts(&r->out, "(no such file)\n");
      else sb_block(&r->out, f.s, f.len);
      sb_puts(&r->out, "\n");
      sb_free(&f);
    } else if (strcmp(words[0], "@env") == 0 && n == 2) {
      char *eq = strchr(words[1], '=');
      if (!eq) fail_msg("%s:%d: @env NAME=VALUE", script, lineno);
      *eq = '\0';
      if (eq[1]) setenv(words[1], eq + 1, 1);
      else unsetenv(words[1]);
    } else if (strcmp(words[0], "@export-key") == 0 && n == 3) {
      export_key(r, words[1], words[2]);
    } else {
      fail_msg("%s:%d: unknown line '%s'", script, lineno, line);
    }
  }
  sim_stop(r);
  sb_free(&text);
}

/* A fresh folder for the group, with examples/ and tests/ of the source tree. */
static void fresh_dir(const char *group, char *dir, size_t cap) {
  snprintf(dir, cap, "%s/%s", tmpdir, group);
  assert_int_equal(mkdir(dir, 0700), 0);
  assert_int_equal(chdir(dir), 0);
  char target[700];
  snprintf(target, sizeof target, "%s/examples", src);
  assert_int_equal(symlink(target, "examples"), 0);
  snprintf(target, sizeof target, "%s/tests", src);
  assert_int_equal(symlink(target, "tests"), 0);
}

/* The environment every group starts from: no clinic settings from the machine. */
static void clean_env(void) {
  unsetenv("NMOD_TODAY");
  unsetenv("NMOD_NOW");
  unsetenv("XDG_DATA_HOME");
  setenv("NMOD_CLINIC_DB", "clinic.db", 1);
  setenv("TZ", "UTC", 1);
}

static void golden(const char *group) {
  char script[700], want_path[700], dir[400];
  snprintf(script, sizeof script, "%s/tests/golden/cases/%s.cases", src, group);
  snprintf(want_path, sizeof want_path, "%s/tests/golden/%s.txt", src, group);
  static run_t r; /* static: the teardown may stop its sim after a failure */
  /* A group with a device reads the device's clock: a run across midnight (UTC) would see
   * the device close a day; such a run is repeated once, wholly on the new day. */
  for (int attempt = 0;; attempt++) {
    memset(&r, 0, sizeof r);
    r.group = group;
    r.sim = -1;
    r.sim_out = -1;
    live = &r;
    clean_env();
    char name[64];
    snprintf(name, sizeof name, "%s-%d", group, attempt);
    fresh_dir(name, dir, sizeof dir);
    utc_date(r.norm.today[0]);
    run_script(&r, script);
    live = NULL;
    utc_date(r.norm.today[1]);
    assert_int_equal(chdir(startdir), 0);
    if (!r.norm.device || strcmp(r.norm.today[0], r.norm.today[1]) == 0 || attempt == 1) break;
    printf("%s: the run crossed midnight (UTC): once more\n", group);
    sb_free(&r.out);
  }
  normalise(&r.norm, &r.out);
  const char *upd = getenv("NMOD_GOLDEN_UPDATE");
  if (upd && strcmp(upd, "1") == 0) {
    write_all(want_path, r.out.s, r.out.len);
    printf("%s: wrote %s\n", group, want_path);
    sb_free(&r.out);
    return;
  }
  sbuf_t want = {0};
  int have = read_all(want_path, &want) == 0;
  if (have && want.len == r.out.len && memcmp(want.s, r.out.s, want.len) == 0) {
    sb_free(&want);
    sb_free(&r.out);
    return;
  }
  /* The output as it is now, beside the test, and the difference. */
  char actual[1200];
  snprintf(actual, sizeof actual, "%s/%s.actual", startdir, group);
  write_all(actual, r.out.s, r.out.len);
  if (have) {
    char *argv[] = {"/usr/bin/diff", "-u", want_path, actual, NULL};
    proc_result_t pr;
    assert_int_equal(proc_run(argv, 60, &pr), 0);
    printf("%s", pr.out);
    proc_free(&pr);
  }
  printf("%s: the output differs from %s (now in %s).\n"
         "If the change is intended: NMOD_GOLDEN_UPDATE=1 ctest -R t_golden (in the build folder), review\n"
         "'git diff tests/golden' and commit it with the change that made it, saying why (docs/CONTRIBUTING.md).\n",
         group, want_path, actual);
  sb_free(&want);
  sb_free(&r.out);
  fail_msg("%s: golden output differs", group);
}

static void test_cli(void **s) { (void)s; golden("cli"); }
static void test_check(void **s) { (void)s; golden("check"); }
static void test_simulate(void **s) { (void)s; golden("simulate"); }
static void test_plot(void **s) { (void)s; golden("plot"); }
static void test_longevity(void **s) { (void)s; golden("longevity"); }
static void test_programmer(void **s) { (void)s; golden("programmer"); }
static void test_remote(void **s) { (void)s; golden("remote"); }
static void test_clinic(void **s) { (void)s; golden("clinic"); }

static int setup(void **s) {
  (void)s;
  const char *e = getenv("NMOD_SRC");
  snprintf(src, sizeof src, "%s", e ? e : ".");
  if (!getcwd(startdir, sizeof startdir)) return -1;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/nmod-golden-XXXXXX");
  signal(SIGPIPE, SIG_IGN);
  return mkdtemp(tmpdir) ? 0 : -1;
}

/* After each group: a sim a failed group left running is stopped. */
static int group_teardown(void **s) {
  (void)s;
  if (live) sim_stop(live);
  live = NULL;
  if (chdir(startdir) != 0) return -1;
  return 0;
}

static int teardown(void **s) {
  (void)s;
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_cli, group_teardown),        cmocka_unit_test_teardown(test_check, group_teardown),      cmocka_unit_test_teardown(test_simulate, group_teardown),
      cmocka_unit_test_teardown(test_plot, group_teardown),       cmocka_unit_test_teardown(test_longevity, group_teardown),  cmocka_unit_test_teardown(test_programmer, group_teardown),
      cmocka_unit_test_teardown(test_remote, group_teardown),     cmocka_unit_test_teardown(test_clinic, group_teardown),
  };
  /* NMOD_GOLDEN_GROUP=clinic: run that group only (cmocka runs and counts no other). */
  const char *only = getenv("NMOD_GOLDEN_GROUP");
  static char filter[64];
  if (only && *only) {
    snprintf(filter, sizeof filter, "test_%s", only);
    cmocka_set_test_filter(filter);
  }
  return cmocka_run_group_tests(tests, setup, teardown);
}
