/* host_prints_fixture.c: input of `host_prints.py --self-test` (not compiled). The functions
 * marked EXPECT, then = and the name, must be reported; the others must not. */
#include <stdio.h>
#include <stdlib.h>

typedef struct { int n; } lib_result;

/* A library call that computes and returns: fine. */
int lib_sum_pure(const int *v, int n) {
  int s = 0;
  for (int i = 0; i < n; i++) s += v[i];
  return s;
}

/* A library call that prints its own error: EXPECT=lib_load */
int lib_load(const char *path, lib_result *r) {
  if (!path) {
    fprintf(stderr, "no file\n");
    return 1;
  }
  r->n = 1;
  return 0;
}

/* A helper that exits, and a library call that reaches it: EXPECT=die_oom EXPECT=lib_grow */
static void die_oom(void) { abort(); }
int lib_grow(lib_result *r) {
  if (r->n > 100) die_oom();
  r->n *= 2;
  return 0;
}

/* Writing to a caller-given stream is not printing: fine, whatever the name. */
void lib_dump(FILE *f, const lib_result *r) { fprintf(f, "%d\n", r->n); }

/* A renderer: prints a result it is given. */
void result_text(const lib_result *r) { printf("n = %d\n", r->n); }

/* A library call that renders for itself: EXPECT=lib_show */
int lib_show(const char *path) {
  lib_result r;
  if (lib_load(path, &r)) return 1;
  result_text(&r);
  return 0;
}

/* A string "printf(" or a comment puts(x) is no call. */
const char *lib_name(void) { return "printf(\"x\")"; }

/* The error renderer is an exception, but its callers print: EXPECT=lib_save */
int clinic_report(const char *msg) {
  fprintf(stderr, "nmod clinic: %s\n", msg);
  return 1;
}
int lib_save(const char *path) { return path ? 0 : clinic_report("no file"); }

/* The console's log is a channel of its own: its callers do not print. */
void console_log(const char *line) { fprintf(stderr, "nmod console: %s\n", line); }
int lib_login(const char *user) {
  console_log(user);
  return 0;
}

/* A command entry parses, calls and renders: fine. */
int cmd_fixture(int argc, char **argv) {
  lib_result r;
  if (argc < 2 || lib_load(argv[1], &r)) {
    fputs("usage: fixture FILE\n", stderr);
    return 2;
  }
  result_text(&r);
  return 0;
}

int main(int argc, char **argv) { return cmd_fixture(argc, argv); }
