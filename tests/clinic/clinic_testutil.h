/* clinic_testutil.h: helpers for the clinic tests: a temporary folder, running
 * `$NMOD clinic ...` as a process with stdout and stderr captured, seeds, fixtures and JSON
 * checks of the output. Header-only. */
#ifndef NMOD_CLINIC_TESTUTIL_H
#define NMOD_CLINIC_TESTUTIL_H

#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json.h"

static char ct_dir[256];
static char ct_out[1 << 20], ct_err[1 << 16];

static inline uint64_t ct_seed(const char *test) {
  const char *env = getenv("NMOD_SEED");
  uint64_t s = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL) ^ (uint64_t)getpid();
  printf("%s: seed=%llu (replay with NMOD_SEED=%llu)\n", test, (unsigned long long)s, (unsigned long long)s);
  fflush(stdout);
  return s;
}

static inline uint64_t ct_rand(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static inline void ct_mkdir(void) {
  snprintf(ct_dir, sizeof ct_dir, "/tmp/nmod-clinic-XXXXXX");
  if (!mkdtemp(ct_dir)) {
    perror("mkdtemp");
    exit(1);
  }
}

static inline void ct_rmdir(void) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", ct_dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", ct_dir);
}

static inline void ct_slurp(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  size_t n = 0;
  if (f) {
    n = fread(buf, 1, cap - 1, f);
    fclose(f);
  }
  buf[n] = '\0';
}

/* Write text to a file in the temp folder; returns its path (static buffer per call slot). */
static inline const char *ct_file(const char *name, const char *text) {
  static char paths[8][320];
  static int slot;
  char *p = paths[slot++ % 8];
  snprintf(p, 320, "%s/%s", ct_dir, name);
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return p;
}

/* Run `$NMOD clinic --db DIR/clinic.db ARGS` with NMOD_TODAY=2025-06-30; returns the exit code
 * and leaves stdout in ct_out, stderr in ct_err. */
static inline int ct_run(const char *fmt, ...) {
  char args[4096], cmd[8192], o[320], e[320];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  const char *nmod = getenv("NMOD");
  if (!nmod) nmod = "build/nmod";
  snprintf(o, sizeof o, "%s/.out", ct_dir);
  snprintf(e, sizeof e, "%s/.err", ct_dir);
  snprintf(cmd, sizeof cmd, "cd '%s' && NMOD_TODAY=${CT_TODAY:-2025-06-30} '%s' clinic --db '%s/clinic.db' %s >'%s' 2>'%s'", ct_dir,
           nmod, ct_dir, args, o, e);
  int st = system(cmd);
  ct_slurp(o, ct_out, sizeof ct_out);
  ct_slurp(e, ct_err, sizeof ct_err);
  if (st == -1 || !WIFEXITED(st)) return -1;
  return WEXITSTATUS(st);
}

/* Assert an exit code, printing the output when it differs. */
#define CT_EXPECT(code, ...)                                                                  \
  do {                                                                                        \
    int ct_rc_ = ct_run(__VA_ARGS__);                                                         \
    if (ct_rc_ != (code))                                                                     \
      fprintf(stderr, "command: " __VA_ARGS__), fprintf(stderr, "\nexit %d, expected %d\nstdout: %s\nstderr: %s\n", ct_rc_, \
                                                        (code), ct_out, ct_err);              \
    assert_int_equal(ct_rc_, (code));                                                         \
  } while (0)

/* Fixtures: a fresh temporary folder, "today" 2025-06-30 and no fixed clock. */
static inline int ct_setup(void **st) {
  (void)st;
  ct_mkdir();
  setenv("CT_TODAY", "2025-06-30", 1);
  unsetenv("NMOD_NOW");
  return 0;
}
static inline int ct_teardown(void **st) {
  (void)st;
  ct_rmdir();
  return 0;
}

/* stdout of the last command as JSON (js_free it). */
static inline js_val *out_json(void) {
  char err[200];
  js_val *v = js_parse(ct_out, strlen(ct_out), err, sizeof err);
  if (!v) fprintf(stderr, "not JSON (%s):\n%s\n", err, ct_out);
  assert_non_null(v);
  return v;
}

/* A number member in 1/100 units, a string member, a boolean member. */
static inline void json_num_is(const js_val *root, const char *key, int64_t want_c) {
  const js_val *v = js_get(root, key);
  if (!v) fprintf(stderr, "no key %s\n", key);
  assert_non_null(v);
  int64_t got;
  assert_int_equal(js_num_fixed(v, 2, &got), 0);
  if (got != want_c) fprintf(stderr, "%s = %s, expected %lld/100\n", key, v->str, (long long)want_c);
  assert_int_equal(got, want_c);
}

static inline void json_str_is(const js_val *root, const char *key, const char *want) {
  const js_val *v = js_get(root, key);
  if (!v || v->type != JS_STR) fprintf(stderr, "key %s is not a string\n", key);
  assert_non_null(v);
  assert_int_equal(v->type, JS_STR);
  if (strcmp(v->str, want) != 0) fprintf(stderr, "%s = %s, expected %s\n", key, v->str, want);
  assert_string_equal(v->str, want);
}

static inline void json_bool_is(const js_val *root, const char *key, int want) {
  const js_val *v = js_get(root, key);
  assert_non_null(v);
  assert_int_equal(v->type, JS_BOOL);
  assert_int_equal(v->boolean, want);
}

#define CT_HAS(buf, text)                                                                     \
  do {                                                                                        \
    if (!strstr((buf), (text))) fprintf(stderr, "missing \"%s\" in:\n%s\n", (text), (buf));  \
    assert_non_null(strstr((buf), (text)));                                                   \
  } while (0)

#endif
