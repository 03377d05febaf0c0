/* e2e.h: helpers for end-to-end tests: a real `nmod sim` process on a free loopback port,
 * the real programmer and remote as processes, JSON from their output. Header-only; each
 * test file includes it once. */
#ifndef NMOD_E2E_H
#define NMOD_E2E_H

#include "proc.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "json.h"
#include "testutil.h"

static char tmpdir[256], src[512], state[300], addr[64], clin[400], remote_key[400];
static pid_t sim_pid = -1;
static int sim_out = -1;
static uint64_t seed;

/* ---- the simulated device ------------------------------------------------------------ */

/* Start nmod sim on state folder dir: a new device of `kind` (ets|ins), `therapy` (scs|snm)
 * on `lead` unless the folder holds one, `scale` virtual seconds per second, with up to
 * eight extra arguments (NULL-terminated). Its stderr goes to tmpdir/sim.log. */
static void sim_start_as(const char *dir, const char *kind, const char *therapy, const char *lead, const char *scale,
                         const char *const *extra) {
  char errlog[400];
  snprintf(errlog, sizeof errlog, "%s/sim.log", tmpdir);
  char *argv[24] = {(char *)proc_nmod(), "sim", "--kind", (char *)kind, "--therapy", (char *)therapy, "--lead", (char *)lead,
                    "--state", (char *)dir, "--listen", "127.0.0.1:0", "--time-scale", (char *)scale, NULL};
  int n = 14;
  for (int i = 0; extra && extra[i] && n < 22; i++) argv[n++] = (char *)extra[i];
  argv[n] = NULL;
  sim_pid = proc_spawn(argv, &sim_out, errlog);
  assert_true(sim_pid > 0);
  char line[256];
  if (proc_read_line(sim_out, line, sizeof line, 20) != 0) fail_msg("nmod sim did not start (see %s)", errlog);
  const char *at = strstr(line, "listening on ");
  assert_non_null(at);
  snprintf(addr, sizeof addr, "%s", at + strlen("listening on "));
  snprintf(clin, sizeof clin, "%s/clinician.key", dir);
}

/* Start nmod sim on state folder dir (a new ETS SNM device on snm-tined-4 unless the
 * folder holds one), time scale 60, with up to eight extra arguments (NULL-terminated). */
static void sim_start_argv(const char *dir, const char *const *extra) {
  sim_start_as(dir, "ets", "snm", "snm-tined-4", "60", extra);
}

/* The process id the state folder names (STATE/lock), checked to be the sim's. */
__attribute__((unused)) static pid_t sim_lock_pid(void) {
  char lock[400];
  snprintf(lock, sizeof lock, "%s/lock", state);
  FILE *f = fopen(lock, "r");
  assert_non_null(f);
  long pid = 0;
  assert_int_equal(fscanf(f, "%ld", &pid), 1);
  fclose(f);
  assert_int_equal(pid, (long)sim_pid);
  return (pid_t)pid;
}

/* ---- the sim's stderr (tmpdir/sim.log) ------------------------------------------------ */

__attribute__((unused)) static long log_size(void) {
  char log[400];
  struct stat st;
  snprintf(log, sizeof log, "%s/sim.log", tmpdir);
  return stat(log, &st) == 0 ? (long)st.st_size : 0;
}

/* 1 when the sim's log holds needle after byte offset from. */
static int log_has(long from, const char *needle) {
  char log[400];
  snprintf(log, sizeof log, "%s/sim.log", tmpdir);
  FILE *f = fopen(log, "r");
  if (!f) return 0;
  static char text[1 << 20];
  size_t n = 0;
  if (fseek(f, from, SEEK_SET) == 0) n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = '\0';
  return strstr(text, needle) != NULL;
}

/* Wait (bounded) until the sim's log holds needle after offset from. */
__attribute__((unused)) static void wait_log(long from, const char *needle) {
  for (int i = 0; i < 2000 && !log_has(from, needle); i++) {
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
  }
  if (!log_has(from, needle)) fail_msg("nmod sim never logged \"%s\"", needle);
}

static void sim_stop(int sig) {
  if (sim_pid > 0) proc_stop(sim_pid, sig, 10);
  if (sim_out >= 0) close(sim_out);
  sim_pid = -1;
  sim_out = -1;
}

/* ---- running the tools -------------------------------------------------------------- */

static int runv(proc_result_t *r, ...) {
  char *argv[20] = {(char *)proc_nmod()};
  int n = 1;
  va_list ap;
  va_start(ap, r);
  for (char *a; n < 19 && (a = va_arg(ap, char *)) != NULL;) argv[n++] = a;
  va_end(ap);
  argv[n] = NULL;
  assert_int_equal(proc_run(argv, 60, r), 0);
  assert_false(r->signaled);
  return r->code;
}
#define RUN(r, ...) runv(r, __VA_ARGS__, (char *)NULL)
#define PROG(r, ...) RUN(r, "programmer", "--device", addr, "--key", clin, __VA_ARGS__)
#define REMOTE(r, key, ...) RUN(r, "remote", "--device", addr, "--key", key, __VA_ARGS__)

static js_val *json_of(const proc_result_t *r) {
  char err[256];
  js_val *v = js_parse(r->out, r->out_len, err, sizeof err);
  if (!v) fail_msg("not JSON (%s): %s / %s", err, r->out, r->err);
  return v;
}

/* A JSON number's value (the test fails on anything else). */
__attribute__((unused)) static double num(const js_val *v) {
  assert_non_null(v);
  assert_int_equal(v->type, JS_NUM);
  return strtod(v->str, NULL);
}

static const char *example(const char *name) {
  static char buf[600];
  snprintf(buf, sizeof buf, "%s/examples/%s", src, name);
  return buf;
}

/* The running program's amplitude as the remote sees it, in uA. */
__attribute__((unused)) static long amp_ua(const char *key) {
  proc_result_t r;
  assert_int_equal(REMOTE(&r, key, "status", "--json"), 0);
  js_val *v = json_of(&r);
  const js_val *p = js_get(v, "programs");
  assert_true(p && p->n >= 1);
  int64_t ua;
  assert_int_equal(js_num_fixed(js_get(&p->items[0], "amplitude_ma"), 3, &ua), 0);
  js_free(v);
  proc_free(&r);
  return (long)ua;
}

/* Program the SNM default, turn therapy on, pair a remote. */
__attribute__((unused)) static void program_and_pair(void) {
  proc_result_t r;
  if (PROG(&r, "program", example("snm-default.json")) != 0) fail_msg("program: %s", r.err);
  proc_free(&r);
  assert_int_equal(PROG(&r, "therapy", "on"), 0);
  proc_free(&r);
  snprintf(remote_key, sizeof remote_key, "%s/remote-%d.key", tmpdir, (int)(tu_rand(&seed) % 100000));
  if (PROG(&r, "pair-remote", "--out", remote_key) != 0) fail_msg("pair: %s", r.err);
  proc_free(&r);
}


__attribute__((unused)) static void sim_start(const char *dir, const char *extra1, const char *extra2) {
  const char *extra[3] = {extra1, extra1 ? extra2 : NULL, NULL};
  sim_start_argv(dir, extra);
}

/* A new device in tmpdir/name (the state folder in `state`), programmed with the SNM
 * default, therapy on, a remote paired (remote_key). */
__attribute__((unused)) static void sim_start_paired(const char *name) {
  snprintf(state, sizeof state, "%s/%s", tmpdir, name);
  sim_start(state, NULL, NULL);
  program_and_pair();
}

static int e2e_setup(void **state_) {
  (void)state_;
  const char *s = getenv("NMOD_SRC");
  snprintf(src, sizeof src, "%s", s ? s : ".");
  snprintf(tmpdir, sizeof tmpdir, "/tmp/nmod-e2e-XXXXXX");
  seed = tu_seed("e2e");
  signal(SIGPIPE, SIG_IGN);
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int e2e_teardown(void **state_) {
  (void)state_;
  sim_stop(SIGKILL);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

#endif
