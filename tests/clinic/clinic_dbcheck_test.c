/* clinic_dbcheck_test.c: patient data is born 0600, and a damaged database is noticed.
 *
 * Real SQLite files made by `nmod clinic`, then damaged the ways files get damaged: cut
 * short, pages overwritten with garbage, the header overwritten, left behind by a process
 * that died mid-write (a write-ahead log, a hot rollback journal). For each, a command that
 * reads and one that writes: exit 1, one line on stderr naming the file and the damage, and
 * the database file byte for byte as it was. Prints seed=N (the garbage); NMOD_SEED replays. */
#include "clinic_testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include "clinic_audit.h"
#include <sys/stat.h>

static uint64_t seed;
static char db[400], pristine[400];


static unsigned char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)len + 1);
  *n = fread(b, 1, (size_t)len, f);
  fclose(f);
  return b;
}

static void copy_file(const char *from, const char *to) {
  size_t n;
  unsigned char *b = slurp(from, &n);
  FILE *f = fopen(to, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(b, 1, n, f), n);
  fclose(f);
  free(b);
}

/* A database of three patients with a diary, visits, scores; closed cleanly by nmod. */
static void make_pristine(void) {
  snprintf(db, sizeof db, "%s/clinic.db", ct_dir);
  snprintf(pristine, sizeof pristine, "%s/pristine.db", ct_dir);
  CT_EXPECT(0, "patient add P1 --therapy scs --name 'A' --birth 1970-01-01");
  CT_EXPECT(0, "patient add P2 --therapy snm --name 'B' --birth 1971-01-01");
  CT_EXPECT(0, "patient add P3 --therapy scs --name 'C' --birth 1972-01-01");
  /* A diary starts at the referral (docs/CLINIC.md). */
  CT_EXPECT(0, "path step P1 referral --date 2021-12-01");
  CT_EXPECT(0, "path step P2 referral --date 2021-12-01");
  static char csv[80000];
  snprintf(csv, sizeof csv, "patient,date,nrs,incontinence\n");
  for (int y = 2022; y <= 2024; y++)
    for (int m = 1; m <= 12; m++)
      for (int d = 1; d <= 28; d++)
        for (int p = 1; p <= 2; p++)
          snprintf(csv + strlen(csv), sizeof csv - strlen(csv), "P%d,%d-%02d-%02d,%s\n", p, y, m, d, p == 1 ? "5," : ",2");
  CT_EXPECT(0, "diary import '%s'", ct_file("d.csv", csv));
  CT_EXPECT(0, "visit add P1 --kind control --date 2025-06-01 --note 'all well'");
  CT_EXPECT(0, "score add P2 wexner --date 2025-01-10 solid=1 liquid=1 gas=1 pad=1 lifestyle=1");
  copy_file(db, pristine);
}

/* One integer from a query on the database file (read-only). */
static int query_int(const char *path, const char *sql) {
  sqlite3 *h;
  assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

/* Page numbers of the database: the root of table t (leaf < 0), or its n-th leaf (dbstat). */
static int page_of(const char *path, const char *t, int leaf) {
  char sql[200];
  if (leaf < 0)
    snprintf(sql, sizeof sql, "SELECT rootpage FROM sqlite_master WHERE name = '%s'", t);
  else
    snprintf(sql, sizeof sql, "SELECT pageno FROM dbstat WHERE name = '%s' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET %d",
             t, leaf);
  return query_int(path, sql);
}

static int leaf_count(const char *path, const char *t) {
  char sql[200];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM dbstat WHERE name = '%s' AND pagetype = 'leaf'", t);
  return query_int(path, sql);
}

static void garbage(const char *path, int page) {
  FILE *f = fopen(path, "r+b");
  assert_non_null(f);
  assert_int_equal(fseek(f, (long)(page - 1) * 4096, SEEK_SET), 0);
  for (int i = 0; i < 4096; i++) fputc((int)(ct_rand(&seed) & 0xFF), f);
  fclose(f);
}

static void poke(const char *path, long at, const void *bytes, size_t n) {
  FILE *f = fopen(path, "r+b");
  assert_non_null(f);
  assert_int_equal(fseek(f, at, SEEK_SET), 0);
  assert_int_equal(fwrite(bytes, 1, n, f), n);
  fclose(f);
}

static void cut(const char *path, off_t size) { assert_int_equal(truncate(path, size), 0); }

static off_t size_of(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 ? sb.st_size : -1;
}

static int lines(const char *s) {
  int n = 0;
  for (; *s; s++) n += *s == '\n';
  return n;
}

/* Run a command on the damaged file: exit 1, one line naming the file and `what`, and the
 * database file unchanged. */
static void refused(const char *what, const char *cmd) {
  size_t n0, n1;
  unsigned char *before = slurp(db, &n0);
  int rc = ct_run("%s", cmd);
  unsigned char *after = slurp(db, &n1);
  if (rc != 1 || !strstr(ct_err, what) || lines(ct_err) != 1 || !strstr(ct_err, db))
    fail_msg("%s: exit %d, stderr: %s(expected exit 1 and one line with \"%s\")", cmd, rc, ct_err, what);
  assert_int_equal(n0, n1);
  assert_memory_equal(before, after, n0);
  free(before);
  free(after);
}

static const char *const read_cmd = "patient list", *write_cmd = "patient add NEW --therapy scs --name 'N' --birth 1980-01-01";

static void test_damaged_files(void **st) {
  (void)st;
  seed = ct_seed("damaged database");
  make_pristine();
  off_t size = size_of(pristine);
  assert_true(size >= 20 * 4096);

  /* Cut short: the header counts pages the file does not hold; or half a page is missing. */
  copy_file(pristine, db);
  cut(db, (size / 4096 / 2) * 4096);
  refused("truncated?", read_cmd);
  refused("truncated?", write_cmd);
  copy_file(pristine, db);
  cut(db, size - 100);
  refused("not a whole number", read_cmd);
  refused("not a whole number", write_cmd);

  /* The header overwritten: the magic, the page size. */
  copy_file(pristine, db);
  poke(db, 0, "SQLite format 2", 15);
  refused("not an SQLite header", read_cmd);
  refused("not an SQLite header", write_cmd);
  copy_file(pristine, db);
  poke(db, 16, "\x03\x00", 2);
  refused("page size 768", read_cmd);
  refused("page size 768", write_cmd);

  /* Garbage over the root page of the visits: a read of visits finds it, and so does a write
   * that does not touch visits (the cheap check on every write-open). */
  copy_file(pristine, db);
  garbage(db, page_of(pristine, "visit", -1));
  refused("damaged", "visit list P1");
  refused("damaged", "medication add P3 Xarelto");
  /* Garbage over the root of the diary: reading it, and writing a new day. */
  copy_file(pristine, db);
  garbage(db, page_of(pristine, "diary", -1));
  refused("is damaged (", "diary list P1");
  refused("damaged", "diary add P3 --date 2025-06-01 --nrs 3");
  /* Garbage over the schema (page 1 after the header). */
  copy_file(pristine, db);
  {
    unsigned char junk[3000];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (unsigned char)ct_rand(&seed);
    poke(db, 100, junk, sizeof junk);
  }
  refused("nmod clinic", read_cmd);
  refused("nmod clinic", write_cmd);

  /* Garbage in a diary page in the middle, which neither command touches: the cheap checks
   * do not read it; check-db does, and says so. */
  int leaves = leaf_count(pristine, "diary");
  assert_true(leaves >= 4);
  copy_file(pristine, db);
  garbage(db, page_of(pristine, "diary", leaves / 2));
  refused("damaged", "check-db");
  CT_HAS(ct_out, "quick_check");
  CT_EXPECT(1, "check-db --full --json");
  CT_HAS(ct_out, "\"ok\":false");

  /* The intact file passes check-db. */
  copy_file(pristine, db);
  CT_EXPECT(0, "check-db");
  CT_HAS(ct_out, "quick_check      ok");
}

static void side_files_gone(void);

/* Run sql on the database file as another program would (with an actor for the audited
 * tables), behind nmod's back. */
static void exec_sql(const char *sql) {
  sqlite3 *h;
  assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
  assert_int_equal(clinic_audit_attach_os(h), 0);
  char *err = NULL;
  if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK) fail_msg("%s: %s", sql, err);
  assert_int_equal(sqlite3_close(h), SQLITE_OK);
}

/* check-db on a file whose patient_state (the patient list's state, kept on every write since
 * migration 6) was changed behind nmod's back: every patient is recomputed, and a row that
 * disagrees is one line naming the patient, the column and both values; exit 1, and the
 * database file as it was. */
static void test_patient_state(void **st) {
  (void)st;
  make_pristine();
  CT_EXPECT(0, "check-db");
  CT_HAS(ct_out, "patient-state    ok (3 patients)");
  static const struct {
    const char *sql, *want;
  } damage[] = {
      {"UPDATE patient_state SET next_step = 'implant' WHERE pid = (SELECT pid FROM patient WHERE code = 'P1')",
       "1 of 3 patients disagree with a recomputation; first: patient P1: next_step is 'implant' in the table, 'team-review' recomputed"},
      {"DELETE FROM patient_state WHERE pid = (SELECT pid FROM patient WHERE code = 'P3')",
       "1 of 3 patients disagree with a recomputation; first: patient P3: has no row"},
      {"UPDATE patient_state SET overdue_from = 19000, status = 'closed' WHERE pid IN (SELECT pid FROM patient WHERE code IN ('P2', 'P3'))",
       "2 of 3 patients disagree with a recomputation; first: patient P2: status is 'closed' in the table, 'open' recomputed"},
      {"UPDATE patient_state SET control_due = 20000 WHERE pid = (SELECT pid FROM patient WHERE code = 'P2')",
       "first: patient P2: control_due is 2024-10-04 in the table, none recomputed"},
  };
  for (size_t i = 0; i < sizeof damage / sizeof damage[0]; i++) {
    side_files_gone();
    copy_file(pristine, db);
    exec_sql(damage[i].sql);
    size_t n0, n1;
    unsigned char *before = slurp(db, &n0);
    CT_EXPECT(1, "check-db");
    CT_HAS(ct_out, damage[i].want);
    CT_HAS(ct_out, "quick_check      ok");
    CT_HAS(ct_err, "is damaged");
    assert_int_equal(lines(ct_err), 1);
    CT_EXPECT(1, "check-db --json");
    CT_HAS(ct_out, "\"ok\":false");
    CT_HAS(ct_out, damage[i].want);
    unsigned char *after = slurp(db, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    free(before);
    free(after);
  }
  /* The intact file passes again. */
  side_files_gone();
  copy_file(pristine, db);
  CT_EXPECT(0, "check-db");
  CT_HAS(ct_out, "patient-state    ok (3 patients)");
}

/* A child process writes to the database and dies without closing it. `rollback`: in
 * rollback-journal mode, mid-transaction with pages spilled into the file (a hot journal);
 * else in WAL mode after a commit (a write-ahead log that no connection owns). */
static void die_mid_write(int rollback) {
  fflush(stdout);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    sqlite3 *h;
    if (sqlite3_open(db, &h) != SQLITE_OK || clinic_audit_attach_os(h) != 0) _exit(2);
    char *err = NULL;
    const char *sql = rollback ? "PRAGMA journal_mode=DELETE; PRAGMA cache_size=2; BEGIN IMMEDIATE;"
                               : "PRAGMA journal_mode=WAL; BEGIN IMMEDIATE;";
    if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK) _exit(3);
    for (int i = 0; i < 400; i++) {
      char ins[300];
      snprintf(ins, sizeof ins,
               "INSERT INTO medication(pid, name) VALUES (1, 'medicine %d with a name long enough to fill the pages "
               "of the table quickly, over and over and over again')",
               i);
      if (sqlite3_exec(h, ins, NULL, NULL, &err) != SQLITE_OK) _exit(4);
    }
    if (!rollback && sqlite3_exec(h, "COMMIT", NULL, NULL, &err) != SQLITE_OK) _exit(5);
    _exit(0); /* no ROLLBACK, no close: as if killed */
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

static long long medications(void) { return query_int(db, "SELECT count(*) FROM medication"); }

static void side_files_gone(void) {
  char p[420];
  snprintf(p, sizeof p, "%s.damaged", db);
  unlink(p);
  snprintf(p, sizeof p, "%s-journal", db);
  unlink(p);
  snprintf(p, sizeof p, "%s-wal", db);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", db);
  unlink(p);
}

static void test_unclean_close(void **st) {
  (void)st;
  seed = ct_seed("unclean close");
  make_pristine();
  char side[420];
  int leaves = leaf_count(pristine, "diary");

  /* A WAL left behind with a committed transaction: nmod notices, runs the full check, and
   * SQLite's recovery keeps what was committed. */
  copy_file(pristine, db);
  side_files_gone();
  die_mid_write(0);
  snprintf(side, sizeof side, "%s-wal", db);
  assert_true(size_of(side) > 0);
  CT_EXPECT(0, "%s", read_cmd);
  CT_HAS(ct_err, "was not closed cleanly (a write-ahead log was left behind): checked, ok");
  assert_int_equal(medications(), 400);
  /* The same, with a damaged diary page that no command reads: the full check finds it, for
   * a read and for a write. */
  copy_file(pristine, db);
  side_files_gone();
  die_mid_write(0);
  garbage(db, page_of(pristine, "diary", leaves / 2));
  refused("PRAGMA quick_check", read_cmd);
  refused("found damaged by an earlier check", write_cmd);
  side_files_gone();
  die_mid_write(0);
  garbage(db, page_of(pristine, "diary", leaves / 2));
  refused("PRAGMA quick_check", write_cmd);
  side_files_gone();

  /* A hot rollback journal: SQLite rolls the half-written transaction back, nmod checks. */
  copy_file(pristine, db);
  die_mid_write(1);
  snprintf(side, sizeof side, "%s-journal", db);
  assert_true(size_of(side) > 0);
  CT_EXPECT(0, "%s", write_cmd);
  CT_HAS(ct_err, "a rollback journal was left behind");
  assert_int_equal(medications(), 0);
  /* ...and with damage the rollback does not repair. */
  side_files_gone();
  copy_file(pristine, db);
  die_mid_write(1);
  garbage(db, page_of(pristine, "diary", leaves / 2));
  CT_EXPECT(1, "%s", read_cmd);
  CT_HAS(ct_err, "PRAGMA quick_check");
  side_files_gone();
  copy_file(pristine, db);
  die_mid_write(1);
  garbage(db, page_of(pristine, "diary", leaves / 2));
  CT_EXPECT(1, "%s", write_cmd);
  CT_HAS(ct_err, "PRAGMA quick_check");
  /* The rollback removed the journal, but the finding stays until check-db passes. */
  CT_EXPECT(1, "patient show NEW");
  CT_HAS(ct_err, "found damaged by an earlier check");
  CT_EXPECT(1, "check-db");
  copy_file(pristine, db);
  CT_EXPECT(1, "patient list");
  CT_EXPECT(0, "check-db"); /* a restored file: check-db clears the mark */
  CT_EXPECT(0, "patient list");
}

static int mode_of(const char *path) {
  struct stat sb;
  assert_int_equal(stat(path, &sb), 0);
  return (int)(sb.st_mode & 0777);
}

/* Every file nmod creates is 0600 (this test runs with the usual umask 022), folders 0700. */
static void test_file_modes(void **st) {
  (void)st;
  umask(022);
  char p[600], d[300];
  snprintf(d, sizeof d, "%s/elsewhere", ct_dir);
  assert_int_equal(mkdir(d, 0755), 0);
  snprintf(p, sizeof p, "%s/own.db", d);
  CT_EXPECT(0, "--db '%s' patient add M1 --therapy snm --name 'M' --birth 1960-01-01", p);
  assert_int_equal(mode_of(p), 0600);
  CT_EXPECT(0, "--db '%s' path step M1 referral --date 1989-12-01", p); /* a diary starts at the referral */
  /* -wal and -shm: look while an import runs. */
  char csv[400];
  snprintf(csv, sizeof csv, "%s/big.csv", ct_dir);
  FILE *f = fopen(csv, "w");
  assert_non_null(f);
  fputs("date,incontinence\n", f);
  for (int y = 1990; y < 2025; y++)
    for (int m = 1; m <= 12; m++)
      for (int dd = 1; dd <= 28; dd++) fprintf(f, "%04d-%02d-%02d,1\n", y, m, dd);
  fclose(f);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    FILE *n = freopen("/dev/null", "w", stdout);
    (void)n;
    setenv("NMOD_TODAY", "2025-06-30", 1);
    execl(getenv("NMOD"), "nmod", "clinic", "--db", p, "diary", "import", "M1", csv, (char *)NULL);
    _exit(127);
  }
  char wal[620], shm[620];
  snprintf(wal, sizeof wal, "%s-wal", p);
  snprintf(shm, sizeof shm, "%s-shm", p);
  int seen = 0;
  for (int i = 0; i < 4000 && !seen; i++) {
    seen = access(wal, F_OK) == 0 && access(shm, F_OK) == 0;
    if (!seen) {
      struct timespec ts = {0, 1000000};
      nanosleep(&ts, NULL);
    }
  }
  assert_true(seen);
  struct stat sw, ss;
  int got_w = stat(wal, &sw) == 0, got_s = stat(shm, &ss) == 0;
  int status;
  waitpid(pid, &status, 0);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  assert_true(got_w && got_s);
  assert_int_equal(sw.st_mode & 0777, 0600);
  assert_int_equal(ss.st_mode & 0777, 0600);
  /* Reports, exports and calendars: new, and over an existing world-readable file. */
  snprintf(p, sizeof p, "%s/r.html", d);
  CT_EXPECT(0, "--db '%s/own.db' report M1 --out '%s'", d, p);
  assert_int_equal(mode_of(p), 0600);
  assert_int_equal(chmod(p, 0644), 0);
  CT_EXPECT(0, "--db '%s/own.db' report M1 --out '%s'", d, p);
  assert_int_equal(mode_of(p), 0600);
  snprintf(p, sizeof p, "%s/f.json", d);
  CT_EXPECT(0, "--db '%s/own.db' export M1 --fhir --out '%s'", d, p);
  assert_int_equal(mode_of(p), 0600);
  snprintf(p, sizeof p, "%s/d.csv", d);
  f = fopen(p, "w");
  fclose(f);
  assert_int_equal(chmod(p, 0666), 0);
  CT_EXPECT(0, "--db '%s/own.db' export M1 --csv --out '%s'", d, p);
  assert_int_equal(mode_of(p), 0600);
  /* (the referral was recorded above, before the diary) */
  CT_EXPECT(0, "--db '%s/own.db' path step M1 scores --date 2025-01-13", d);
  CT_EXPECT(0, "--db '%s/own.db' path step M1 stage1 --date 2025-02-04", d);
  snprintf(p, sizeof p, "%s/p.ics", d);
  CT_EXPECT(0, "--db '%s/own.db' plan M1 --ics '%s'", d, p);
  assert_int_equal(mode_of(p), 0600);
  /* A failed write leaves no file and no temporary file behind. */
  CT_EXPECT(1, "--db '%s/own.db' report M1 --out '%s/no/such/dir/r.html'", d, d);
  /* The default folder is created 0700. */
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "cd '%s' && env -u NMOD_CLINIC_DB XDG_DATA_HOME='%s/xdg' '%s' clinic init >/dev/null", ct_dir, ct_dir,
           getenv("NMOD"));
  assert_int_equal(system(cmd), 0);
  snprintf(p, sizeof p, "%s/xdg/nmod", ct_dir);
  assert_int_equal(mode_of(p), 0700);
  snprintf(p, sizeof p, "%s/xdg/nmod/clinic.db", ct_dir);
  assert_int_equal(mode_of(p), 0600);
  /* Nothing but the files named above in the folder (no temporary leftovers). */
  snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 5", d);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_damaged_files, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_patient_state, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_unclean_close, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_file_modes, ct_setup, ct_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
