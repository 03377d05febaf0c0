/* cm_test.c: the runner behind test/cmocka.h, and the few C library functions the
 * portable tests call, routed to the semihosting console and the host:
 *   printf & co.  the console; snprintf & co. the same formatter (the C library's
 *                 stdio would bring in the heap)
 *   getenv        reads NAME=VALUE words of QEMU's semihosting command line, so
 *                 NMOD_SEED=N replays a property test as it does on the host
 *   time, clock   the host's clock (the seed when NMOD_SEED is not given)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmocka.h"
#include "console.h"
#include "semihost.h"

/* ---- the runner ---------------------------------------------------------------------- */

static jmp_buf test_jmp;
static int in_test;

enum { END_FAIL = 1, END_SKIP = 2 };

static void end_test(int how) {
  if (in_test) longjmp(test_jmp, how);
  cm_printf("[  ERROR   ] a check failed outside a test\n");
  cm_flush();
  cm_sh_exit(2);
}

void _cm_check(int ok, const char *what, const char *file, int line) {
  if (ok) return;
  cm_printf("%s:%d: error: check failed: %s\n", file, line, what);
  end_test(END_FAIL);
}

void _cm_check_int(LargestIntegralType a, LargestIntegralType b, int want_equal, const char *ea, const char *eb,
                   const char *file, int line) {
  if ((a == b) == (want_equal != 0)) return;
  cm_printf("%s:%d: error: %s %s %s: %jd (0x%jx) %s %jd (0x%jx)\n", file, line, ea, want_equal ? "==" : "!=", eb,
            (intmax_t)a, a, want_equal ? "!=" : "==", (intmax_t)b, b);
  end_test(END_FAIL);
}

void _cm_check_range(LargestIntegralType v, LargestIntegralType lo, LargestIntegralType hi, int want_in,
                     const char *ev, const char *file, int line) {
  int in = v >= lo && v <= hi;
  if (in == (want_in != 0)) return;
  cm_printf("%s:%d: error: %s = %ju is %s [%ju, %ju]\n", file, line, ev, v, in ? "in" : "not in", lo, hi);
  end_test(END_FAIL);
}

void _cm_check_mem(const void *a, const void *b, size_t n, int want_equal, const char *ea, const char *eb,
                   const char *file, int line) {
  int eq = memcmp(a, b, n) == 0;
  if (eq == (want_equal != 0)) return;
  if (!eq) {
    const uint8_t *x = a, *y = b;
    size_t i = 0;
    while (x[i] == y[i]) i++;
    cm_printf("%s:%d: error: %s and %s differ at byte %zu of %zu: 0x%02x != 0x%02x\n", file, line, ea, eb, i, n,
              x[i], y[i]);
  } else {
    cm_printf("%s:%d: error: %s and %s are equal (%zu bytes)\n", file, line, ea, eb, n);
  }
  end_test(END_FAIL);
}

void _cm_check_str(const char *a, const char *b, int want_equal, const char *file, int line) {
  int eq = strcmp(a, b) == 0;
  if (eq == (want_equal != 0)) return;
  cm_printf("%s:%d: error: \"%s\" %s \"%s\"\n", file, line, a, want_equal ? "!=" : "==", b);
  end_test(END_FAIL);
}

void _cm_fail(const char *file, int line) {
  cm_printf("%s:%d: error: fail()\n", file, line);
  end_test(END_FAIL);
  for (;;) {
  }
}

void _cm_fail_msg(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cm_printf("%s:%d: error: ", file, line);
  cm_vprintf(fmt, ap);
  cm_putc('\n');
  va_end(ap);
  end_test(END_FAIL);
  for (;;) {
  }
}

void _cm_skip(const char *file, int line) {
  cm_printf("%s:%d: skipped\n", file, line);
  end_test(END_SKIP);
  for (;;) {
  }
}

void print_message(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cm_vprintf(fmt, ap);
  va_end(ap);
}

void print_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cm_vprintf(fmt, ap);
  va_end(ap);
}

static const char *plural(size_t n) { return n == 1 ? "" : "s"; }

/* Run one test; returns 0 (passed), END_FAIL or END_SKIP. Its own function, so that
 * nothing of the group's loop lives across the setjmp. */
static int run_one(const struct CMUnitTest *t, void *group_state) {
  void *state = t->initial_state ? t->initial_state : group_state;
  int how = setjmp(test_jmp);
  if (how == 0) {
    in_test = 1;
    if (t->setup_func && t->setup_func(&state) != 0) {
      cm_printf("[  ERROR   ] %s: setup failed\n", t->name);
      how = END_FAIL;
    } else {
      t->test_func(&state);
      if (t->teardown_func) t->teardown_func(&state);
    }
  }
  in_test = 0;
  return how;
}

int _cm_run_group(const char *name, const struct CMUnitTest tests[], size_t n, CMFixtureFunction setup,
                  CMFixtureFunction teardown) {
  void *group_state = NULL;
  size_t failed = 0, skipped = 0;
  static uint8_t failed_idx[256];
  cm_printf("[==========] %s: Running %zu test%s.\n", name, n, plural(n));
  if (setup && setup(&group_state) != 0) {
    cm_printf("[  ERROR   ] %s: group setup failed\n", name);
    cm_flush();
    return (int)n;
  }
  for (size_t i = 0; i < n; i++) {
    cm_printf("[ RUN      ] %s\n", tests[i].name);
    cm_flush();
    int how = run_one(&tests[i], group_state);
    if (how == END_SKIP) {
      skipped++;
      cm_printf("[  SKIPPED ] %s\n", tests[i].name);
    } else if (how) {
      if (failed < sizeof failed_idx) failed_idx[failed] = (uint8_t)i;
      failed++;
      cm_printf("[  FAILED  ] %s\n", tests[i].name);
    } else {
      cm_printf("[       OK ] %s\n", tests[i].name);
    }
  }
  if (teardown) teardown(&group_state);
  cm_printf("[==========] %s: %zu test%s ran.\n", name, n, plural(n));
  cm_printf("[  PASSED  ] %zu test%s.\n", n - failed - skipped, plural(n - failed - skipped));
  if (skipped) cm_printf("[  SKIPPED ] %zu test%s.\n", skipped, plural(skipped));
  if (failed) {
    cm_printf("[  FAILED  ] %zu test%s, listed below:\n", failed, plural(failed));
    for (size_t i = 0; i < failed && i < sizeof failed_idx; i++) {
      cm_printf("[  FAILED  ] %s\n", tests[failed_idx[i]].name);
    }
  }
  cm_flush();
  return (int)failed;
}

/* ---- the C library, as far as the tests use it ---------------------------------------- */

int vprintf(const char *fmt, va_list ap) { return cm_vprintf(fmt, ap); }

int printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = cm_vprintf(fmt, ap);
  va_end(ap);
  return n;
}

int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap) { return cm_vsnprintf(buf, cap, fmt, ap); }

int snprintf(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = cm_vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
  return n;
}

int vsprintf(char *buf, const char *fmt, va_list ap) { return cm_vsnprintf(buf, SIZE_MAX, fmt, ap); }

int sprintf(char *buf, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = cm_vsnprintf(buf, SIZE_MAX, fmt, ap);
  va_end(ap);
  return n;
}

/* stdout and stderr both go to the console. */
int vfprintf(FILE *f, const char *fmt, va_list ap) {
  (void)f;
  return cm_vprintf(fmt, ap);
}

int fprintf(FILE *f, const char *fmt, ...) {
  (void)f;
  va_list ap;
  va_start(ap, fmt);
  int n = cm_vprintf(fmt, ap);
  va_end(ap);
  return n;
}

int puts(const char *s) {
  cm_puts(s);
  cm_putc('\n');
  return 1;
}

int putchar(int c) {
  cm_putc((char)c);
  return (unsigned char)c;
}

int fputs(const char *s, FILE *f) {
  (void)f;
  cm_puts(s);
  return 1;
}

int fputc(int c, FILE *f) {
  (void)f;
  cm_putc((char)c);
  return (unsigned char)c;
}

size_t fwrite(const void *p, size_t size, size_t n, FILE *f) {
  (void)f;
  const char *s = p;
  for (size_t i = 0; i < size * n; i++) cm_putc(s[i]);
  return n;
}

int fflush(FILE *f) {
  (void)f;
  cm_flush();
  return 0;
}

static char cmdline[256];
static int cmdline_read;

char *getenv(const char *name) {
  if (!cmdline_read) {
    cmdline_read = 1;
    if (cm_sh_cmdline(cmdline, sizeof cmdline) < 0) cmdline[0] = '\0';
  }
  size_t len = strlen(name);
  char *p = cmdline;
  while (*p) {
    while (*p == ' ') p++;
    char *word = p;
    while (*p && *p != ' ') p++;
    if ((size_t)(p - word) > len && strncmp(word, name, len) == 0 && word[len] == '=') {
      static char value[64];
      size_t n = (size_t)(p - word) - len - 1;
      if (n >= sizeof value) n = sizeof value - 1;
      memcpy(value, word + len + 1, n);
      value[n] = '\0';
      return value;
    }
  }
  return NULL;
}

time_t time(time_t *t) {
  time_t now = (time_t)cm_sh_time();
  if (t) *t = now;
  return now;
}

clock_t clock(void) { return (clock_t)cm_sh_clock(); }
