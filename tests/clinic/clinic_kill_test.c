/* clinic_kill_test.c: a database killed mid-import. `$NMOD clinic diary import` runs in a
 * child process on a large multi-patient file and is killed with SIGKILL at several points
 * of its run; each time the database must open, pass PRAGMA integrity_check, hold either
 * none or all of the file's rows with evaluation sums that agree with them, and accept the
 * same import again afterwards. */
#include "clinic_testutil.h"

#include <signal.h>
#include <sqlite3.h>

#include "clinic_int.h"

#define PATIENTS 600
#define DAYS 365

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_files(void) {
  char p[400];
  snprintf(p, sizeof p, "%s/patients.csv", ct_dir);
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  fputs("id,therapy,name,birth_date\n", f);
  for (int i = 0; i < PATIENTS; i++) fprintf(f, "K%05d,%s,Patient %d,1960-01-01\n", i, i % 2 ? "snm" : "scs", i);
  fclose(f);
  /* A diary starts with the referral; half the patients also have their trial recorded, so
   * the import adds to baseline and trial sums. */
  snprintf(p, sizeof p, "%s/steps.csv", ct_dir);
  f = fopen(p, "wb");
  assert_non_null(f);
  fputs("patient,step,date\n", f);
  for (int i = 0; i < PATIENTS; i++) {
    fprintf(f, "K%05d,referral,2023-12-01\n", i);
    if (i % 4 == 1) fprintf(f, "K%05d,scores,2023-12-02\nK%05d,trial,2024-06-01\n", i, i);
  }
  fclose(f);
  snprintf(p, sizeof p, "%s/diary.csv", ct_dir);
  f = fopen(p, "wb");
  assert_non_null(f);
  fputs("patient,date,nrs,incontinence,urgency,pads\n", f);
  for (int i = 0; i < PATIENTS; i++)
    for (int d = 0; d < DAYS; d++) {
      int y = 2024, m = 1, dd = 1 + d; /* 2024 is a leap year: 366 days, we use 365 */
      static const int dim[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      while (dd > dim[m - 1]) dd -= dim[m - 1], m++;
      if (i % 2)
        fprintf(f, "K%05d,%04d-%02d-%02d,,%d,%d,%d\n", i, y, m, dd, (i + d) % 5, (i * d) % 3, d % 4);
      else
        fprintf(f, "K%05d,%04d-%02d-%02d,%d,,,\n", i, y, m, dd, (i + d) % 11);
    }
  fclose(f);
}

static pid_t spawn_import(const char *db) {
  char file[400];
  snprintf(file, sizeof file, "%s/diary.csv", ct_dir);
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    FILE *n = freopen("/dev/null", "w", stdout);
    (void)n;
    n = freopen("/dev/null", "w", stderr);
    (void)n;
    setenv("NMOD_TODAY", "2025-06-30", 1);
    execl(getenv("NMOD"), "nmod", "clinic", "--db", db, "diary", "import", file, (char *)NULL);
    _exit(127);
  }
  return pid;
}

static long long count_rows(const char *db, int *integrity_ok) {
  sqlite3 *h;
  assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  *integrity_ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
  sqlite3_finalize(st);
  assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM diary", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  long long n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  /* The cached evaluation sums agree with the rows that are there, whatever the kill left. */
  clinic_sums_check chk;
  clinic_err err = {0};
  assert_int_equal(clinic_sums_verify(h, &chk, &err), CLINIC_E_OK);
  assert_int_equal(chk.checked, PATIENTS);
  assert_int_equal(chk.mismatched, 0);
  sqlite3_close(h);
  return n;
}

static void fresh_db(const char *db) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "rm -f '%s' '%s-wal' '%s-shm' && NMOD_TODAY=2025-06-30 '%s' clinic --db '%s' patient import '%s/patients.csv' >/dev/null"
           " && NMOD_TODAY=2025-06-30 '%s' clinic --db '%s' path import '%s/steps.csv' >/dev/null",
           db, db, db, getenv("NMOD"), db, ct_dir, getenv("NMOD"), db, ct_dir);
  assert_int_equal(system(cmd), 0);
}

static void test_kill_mid_import(void **st) {
  (void)st;
  ct_mkdir();
  write_files();
  char db[400];
  snprintf(db, sizeof db, "%s/k.db", ct_dir);
  const long long all = (long long)PATIENTS * DAYS;
  /* A full run first: how long an import takes here. */
  fresh_db(db);
  double t0 = now_s();
  pid_t pid = spawn_import(db);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  double full = now_s() - t0;
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  int ok;
  assert_int_equal(count_rows(db, &ok), all);
  assert_true(ok);
  printf("full import of %lld rows: %.2f s\n", all, full);
  static const double points[] = {0.1, 0.3, 0.5, 0.75};
  int killed_mid = 0;
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
    fresh_db(db);
    pid = spawn_import(db);
    double at = full * points[i];
    struct timespec ts = {(time_t)at, (long)((at - (double)(time_t)at) * 1e9)};
    nanosleep(&ts, NULL);
    int running = waitpid(pid, &status, WNOHANG) == 0;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    long long n = count_rows(db, &ok);
    printf("killed at %.2f s (%s): %lld rows after reopening, integrity %s\n", at, running ? "running" : "already done", n,
           ok ? "ok" : "BROKEN");
    assert_true(ok);
    assert_true(n == 0 || n == all);
    /* Killed while running: nothing of the file, or (when the kill landed between the
     * commit and the exit) all of it; never a part. */
    if (running && n == 0) killed_mid++;
    /* The database is usable: the same import succeeds now. */
    pid = spawn_import(db);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (n == 0) {
      assert_int_equal(WEXITSTATUS(status), 0);
    } else {
      assert_int_equal(WEXITSTATUS(status), 3); /* duplicates */
    }
    assert_int_equal(count_rows(db, &ok), all);
    assert_true(ok);
  }
  /* Timing on a busy machine varies: at least one kill must land before the commit. */
  assert_true(killed_mid >= 1);
  ct_rmdir();
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_kill_mid_import)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
