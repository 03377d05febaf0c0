/* clinic_dbcheck.c: is the database file sound before nmod reads or writes it?
 *
 * Three levels, by cost (docs/CLINIC.md "A damaged database"):
 *   - every open: the file header (magic, page size, the file holds every page the header
 *     counts), whether the last session closed cleanly (no hot rollback journal, no WAL that
 *     no live connection owns), and the schema, compared with what the migrations build;
 *   - every open for a command that writes: PRAGMA quick_check of each small table, and for
 *     the tables that grow with patients x days (diary, path_step, patient) a probe of the
 *     first and last entry of the table and each index, which reads and checks every page on
 *     the two outer paths of each b-tree;
 *   - when the last session did not close cleanly, and on `clinic check-db`: PRAGMA
 *     quick_check of the whole file (seconds on a large file), foreign keys, and the
 *     registered consistency checks (clinic_db_checks[]).
 * A damaged file gets one line naming the file and what is wrong, exit 1, and no write.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_err.h"
#include "clinic_state.h"
#include "clinic_store.h"
#include "clinic_util.h"
#include "clinic_visit.h"
#include "hu_date.h"
#include "json.h"

/* ---- the file, before SQLite opens it ------------------------------------------------ */

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* 1 when another process holds a lock that conflicts with a write lock on bytes
 * [off, off+len) of path (SQLite's unix locking uses POSIX advisory locks). */
static int locked_by_other(const char *path, off_t off, off_t len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = off;
  fl.l_len = len;
  int busy = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
  close(fd);
  return busy;
}

static off_t file_size(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? sb.st_size : -1;
}

/* SQLite's unix VFS: a connection in WAL mode holds a shared lock on byte 128 of the -shm file
 * (the "DMS" slot after the 8 WAL locks at 120) while it is open; a rollback-journal writer
 * holds the RESERVED byte at 0x40000001 of the database file. */
#define SHM_DMS_BYTE 128
#define DB_RESERVED_BYTE 0x40000001

int clinic_db_precheck(const char *path, clinic_open_notes *notes, clinic_err *e) {
  notes->unclean = 0;
  notes->why[0] = '\0';
  off_t size = file_size(path);
  if (size <= 0) return CLINIC_E_OK; /* new or empty: SQLite creates it */
  struct stat sb;
  if (stat(path, &sb) == 0 && (sb.st_mode & 077))
    clinic_open_note(notes, "warning: database %s holds patient data and is readable by others (mode %04o): chmod 600 it", path,
                     (unsigned)(sb.st_mode & 07777));
  char side[4200];
  snprintf(side, sizeof side, "%s-journal", path);
  off_t jsize = file_size(side);
  int hot_journal = jsize > 0 && !locked_by_other(path, DB_RESERVED_BYTE, 1);
  snprintf(side, sizeof side, "%s-wal", path);
  off_t wsize = file_size(side);
  snprintf(side, sizeof side, "%s-shm", path);
  int wal_left = wsize > 0 && !locked_by_other(side, SHM_DMS_BYTE, 1);
  int live_wal = wsize > 0 && !wal_left;
  if (hot_journal || wal_left) {
    notes->unclean = 1;
    snprintf(notes->why, sizeof notes->why, "%s", hot_journal ? "a rollback journal" : "a write-ahead log");
  }
  FILE *f = fopen(path, "rb");
  if (!f) return clinic_err_set(e, CLINIC_E_IO, "cannot read database %s: %s", path, strerror(errno));
  unsigned char h[100];
  size_t n = fread(h, 1, sizeof h, f);
  fclose(f);
  if (n < sizeof h || memcmp(h, "SQLite format 3", 16) != 0)
    return clinic_err_set(e, CLINIC_E_IO, "database %s is damaged or not an SQLite file: its header is not an SQLite header; not opened",
                       path);
  uint32_t page = (uint32_t)h[16] << 8 | h[17];
  if (page == 1) page = 65536;
  if (page < 512 || (page & (page - 1)) != 0)
    return clinic_err_set(e, CLINIC_E_IO, "database %s is damaged: its header gives page size %u; not opened", path, page);
  /* Recovery (hot journal, WAL) may still change the size; only a clean file must match. */
  if (notes->unclean || live_wal) return CLINIC_E_OK;
  if (size % page != 0)
    return clinic_err_set(e, CLINIC_E_IO, "database %s is damaged: %lld bytes is not a whole number of %u-byte pages (truncated?); not opened",
                       path, (long long)size, page);
  uint32_t counted = be32(h + 28);
  /* The header's page count is valid when its version-valid-for number matches the change
   * counter (SQLite file format, section 1.3.7). */
  if (be32(h + 92) == be32(h + 24) && (off_t)counted * page > size)
    return clinic_err_set(e, CLINIC_E_IO, "database %s is damaged: its header counts %u pages but the file holds %lld (truncated?); not opened",
                          path, counted, (long long)(size / page));
  return CLINIC_E_OK;
}

/* ---- the mark of a damaged file ------------------------------------------------------ */

/* SQLite rolls a hot journal back on the first read and deletes it, so the evidence that a
 * session died mid-write is gone by the next open. When the full check then finds damage,
 * PATH.damaged records it, and every later open refuses the file until check-db passes. */
static void mark_path(const char *db, char *out, size_t cap) { snprintf(out, cap, "%s.damaged", db); }

int clinic_db_marked(const char *path, clinic_err *e) {
  char m[4200];
  mark_path(path, m, sizeof m);
  if (access(m, F_OK) != 0) return CLINIC_E_OK;
  return clinic_err_set(e, CLINIC_E_IO, "database %s was found damaged by an earlier check (%s): restore it from a backup, then run nmod clinic check-db",
                     path, m);
}

int clinic_db_mark(const char *path, int damaged, clinic_err *e) {
  char m[4200];
  mark_path(path, m, sizeof m);
  if (!damaged) {
    if (unlink(m) == 0 || errno == ENOENT) return CLINIC_E_OK;
    return clinic_err_set(e, CLINIC_E_IO, "cannot remove %s: %s (the database checked ok: remove it by hand)", m, strerror(errno));
  }
  FILE *f = fopen(m, "w");
  int bad = !f;
  if (f) {
    fputs("nmod clinic: this database failed PRAGMA quick_check; see docs/CLINIC.md (A damaged database)\n", f);
    bad = ferror(f);
    bad |= fclose(f) != 0;
  }
  if (bad)
    return clinic_err_set(e, CLINIC_E_IO, "cannot write %s: %s (the database is damaged: restore it from a backup)", m,
                          strerror(errno));
  return CLINIC_E_OK;
}

/* ---- the schema ---------------------------------------------------------------------- */

#define SCHEMA_SQL "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master ORDER BY name"

int clinic_db_schema_diff(sqlite3 *db, int version, char *msg, size_t cap) {
  sqlite3 *ref = NULL;
  int rc = CL_OK;
  snprintf(msg, cap, "ok (version %d)", version);
  if (sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL) != SQLITE_OK) {
    sqlite3_close(ref);
    snprintf(msg, cap, "out of memory");
    return CL_IO;
  }
  clinic_err me;
  clinic_err_clear(&me);
  if (clinic_store_migrate(ref, version, &me) != CLINIC_E_OK) {
    sqlite3_close(ref);
    snprintf(msg, cap, "cannot build schema version %d (%s)", version, me.msg);
    return CL_IO;
  }
  sqlite3_stmt *a = NULL, *b = NULL;
  if (sqlite3_prepare_v2(db, SCHEMA_SQL, -1, &a, NULL) != SQLITE_OK || sqlite3_prepare_v2(ref, SCHEMA_SQL, -1, &b, NULL) != SQLITE_OK) {
    snprintf(msg, cap, "cannot read the schema (%s)", sqlite3_errmsg(db));
    rc = CL_IO;
  }
  while (!rc) {
    int ra = sqlite3_step(a), rb = sqlite3_step(b);
    if (ra == SQLITE_DONE && rb == SQLITE_DONE) break;
    rc = CL_IO;
    if (ra != SQLITE_ROW && ra != SQLITE_DONE) {
      snprintf(msg, cap, "its schema cannot be read (%s)", sqlite3_errmsg(db));
      break;
    }
    if (rb != SQLITE_ROW && rb != SQLITE_DONE) {
      snprintf(msg, cap, "the reference schema cannot be built (%s)", sqlite3_errmsg(ref));
      break;
    }
    const char *na = ra == SQLITE_ROW ? (const char *)sqlite3_column_text(a, 1) : NULL;
    const char *nb = rb == SQLITE_ROW ? (const char *)sqlite3_column_text(b, 1) : NULL;
    if (!na || (nb && strcmp(na, nb) > 0)) {
      snprintf(msg, cap, "%s %s of schema version %d is missing", (const char *)sqlite3_column_text(b, 0), nb, version);
      break;
    }
    if (!nb || strcmp(na, nb) < 0) {
      snprintf(msg, cap, "%s %s is not part of schema version %d (changed by another program?)", (const char *)sqlite3_column_text(a, 0),
               na, version);
      break;
    }
    rc = CL_OK;
    for (int i = 0; i < 4 && !rc; i++)
      if (strcmp((const char *)sqlite3_column_text(a, i), (const char *)sqlite3_column_text(b, i)) != 0) {
        snprintf(msg, cap, "%s %s differs from schema version %d (changed by another program?)", (const char *)sqlite3_column_text(b, 0),
                 nb, version);
        rc = CL_IO;
      }
  }
  sqlite3_finalize(a);
  sqlite3_finalize(b);
  sqlite3_close(ref);
  return rc;
}

int clinic_db_schema_check(sqlite3 *db, int version, clinic_err *e) {
  char msg[300];
  if (clinic_db_schema_diff(db, version, msg, sizeof msg) == CL_OK) return CLINIC_E_OK;
  return clinic_err_set(e, CLINIC_E_IO, "database %s is damaged: %s; not changed", sqlite3_db_filename(db, "main"), msg);
}

/* ---- b-tree checks ------------------------------------------------------------------- */

/* Run a check pragma; the first problem (or "ok") into msg. Returns 0 ok, 1 problems found
 * (*problems counted), -1 the check itself failed (SQLite message in msg). */
static int run_check(sqlite3 *db, const char *sql, clinic_buf *all, char *msg, size_t cap, int *problems) {
  sqlite3_stmt *st = NULL;
  *problems = 0;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    snprintf(msg, cap, "%s", sqlite3_errmsg(db));
    return -1;
  }
  int rc;
  snprintf(msg, cap, "ok");
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *line = (const char *)sqlite3_column_text(st, 0);
    if (!line || strcmp(line, "ok") == 0) continue;
    if (++*problems == 1) snprintf(msg, cap, "%s", line);
    if (all) clinic_buf_printf(all, "  %s\n", line);
  }
  if (rc != SQLITE_DONE) {
    snprintf(msg, cap, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return -1;
  }
  sqlite3_finalize(st);
  return *problems ? 1 : 0;
}

/* Tables that grow with patients x days or steps: at 100k patients quick_check of these costs
 * 0.13 s (patient, path_step) to 10 s (diary). They get an end probe instead (eval_cache: the
 * evaluation sums, one row per patient, when the schema has them; audit: a row per change). */
static const char *const big_tables[] = {"diary", "path_step", "patient", "eval_cache", "patient_state", "audit", NULL};

/* Step a query to its end; 0, or -1 with SQLite's message (damage is found on the way). */
static int probe_sql(sqlite3 *db, const char *sql, char *msg, size_t cap) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) rc = SQLITE_OK;
  sqlite3_finalize(st);
  if (rc == SQLITE_DONE) return 0;
  snprintf(msg, cap, "%s", sqlite3_errmsg(db));
  return -1;
}

/* The first and the last entry of table t and of each of its indexes: every page on the two
 * outer paths of each b-tree (root, interior, first and last leaf) is read and checked by
 * SQLite; a few pages per b-tree whatever its size. */
static int probe_table(sqlite3 *db, const char *t, char *msg, size_t cap) {
  char sql[512], order[256] = "", q[160];
  snprintf(q, sizeof q, "SELECT name, pk FROM pragma_table_info('%s') WHERE pk > 0 ORDER BY pk", t);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
    sqlite3_finalize(st);
    snprintf(msg, cap, "%s", sqlite3_errmsg(db));
    return -1;
  }
  while (sqlite3_step(st) == SQLITE_ROW) {
    size_t n = strlen(order);
    snprintf(order + n, sizeof order - n, "%s\"%s\" DESC", n ? ", " : "", (const char *)sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  if (!order[0]) snprintf(order, sizeof order, "rowid DESC");
  snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" LIMIT 1; ", t);
  if (probe_sql(db, sql, msg, cap)) return -1;
  snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY %s LIMIT 1", t, order);
  if (probe_sql(db, sql, msg, cap)) return -1;
  snprintf(q, sizeof q,
           "SELECT il.name, (SELECT name FROM pragma_index_info(il.name) WHERE seqno = 0) FROM pragma_index_list('%s') il", t);
  if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
    sqlite3_finalize(st);
    snprintf(msg, cap, "%s", sqlite3_errmsg(db));
    return -1;
  }
  int rc = 0;
  while (!rc && sqlite3_step(st) == SQLITE_ROW) {
    const char *idx = (const char *)sqlite3_column_text(st, 0), *col = (const char *)sqlite3_column_text(st, 1);
    if (!idx || !col) continue;
    for (int dir = 0; dir < 2 && !rc; dir++) {
      snprintf(sql, sizeof sql, "SELECT \"%s\" FROM \"%s\" INDEXED BY \"%s\" ORDER BY \"%s\" %s LIMIT 1", col, t, idx, col,
               dir ? "DESC" : "ASC");
      rc = probe_sql(db, sql, msg, cap);
    }
  }
  sqlite3_finalize(st);
  return rc;
}

int clinic_db_quick_tables(sqlite3 *db, clinic_err *e) {
  const char *file = sqlite3_db_filename(db, "main");
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", e);
  if (!st) return CLINIC_E_IO;
  int rc = CLINIC_E_OK, r;
  while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    int big = 0;
    for (int i = 0; big_tables[i]; i++) big |= strcmp(t, big_tables[i]) == 0;
    char sql[160], msg[300];
    int problems, bad;
    if (big) {
      bad = probe_table(db, t, msg, sizeof msg);
    } else {
      snprintf(sql, sizeof sql, "PRAGMA quick_check(\"%s\")", t);
      bad = run_check(db, sql, NULL, msg, sizeof msg, &problems);
    }
    if (bad) rc = clinic_err_set(e, CLINIC_E_IO, "database %s is damaged (table %s: %s); not changed: see nmod clinic check-db", file, t, msg);
  }
  if (!rc && r != SQLITE_DONE)
    rc = clinic_err_set(e, CLINIC_E_IO, "database %s is damaged (%s); not changed: see nmod clinic check-db", file, sqlite3_errmsg(db));
  sqlite3_finalize(st);
  return rc;
}

int clinic_db_quick_all(sqlite3 *db, clinic_open_notes *notes, clinic_err *e) {
  char msg[300];
  int problems;
  const char *file = sqlite3_db_filename(db, "main");
  int r = run_check(db, "PRAGMA quick_check", NULL, msg, sizeof msg, &problems);
  if (r != 0)
    return clinic_err_set(e, CLINIC_E_IO,
                          "database %s was not closed cleanly (%s was left behind) and is damaged (PRAGMA quick_check: %s); "
                          "not changed: restore it from a backup",
                          file, notes->why, msg);
  clinic_open_note(notes, "database %s was not closed cleanly (%s was left behind): checked, ok", file, notes->why);
  return CLINIC_E_OK;
}

/* ---- consistency checks beyond SQLite's: other modules add theirs here --------------- */

/* Every stored read-out must still decode with the read-out codec. */
static int check_readouts(sqlite3 *db, char *msg, size_t cap) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT id, doc FROM interrogation ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
    sqlite3_finalize(st);
    snprintf(msg, cap, "%s", sqlite3_errmsg(db));
    return -1;
  }
  int rc, bad = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (clinic_readout_stored_ok((const char *)sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1)) != 0 &&
        bad++ == 0)
      snprintf(msg, cap, "read-out %lld no longer decodes", (long long)sqlite3_column_int64(st, 0));
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    snprintf(msg, cap, "%s", sqlite3_errmsg(db));
    return -1;
  }
  return bad ? 1 : 0;
}

/* The patient list's state (migration 6) against a recomputation as of today. */
static int check_patient_state(sqlite3 *db, char *msg, size_t cap) { return clinic_state_verify(db, hu_today(), msg, cap); }

const clinic_db_check clinic_db_checks[] = {
    {"read-outs", check_readouts},
    {"patient-state", check_patient_state},
    {NULL, NULL},
};

int clinic_store_check(sqlite3 *db, int full, clinic_dbcheck_result *r) {
  memset(r, 0, sizeof *r);
  int problems, n = 0;
  clinic_dbcheck_row *row = &r->rows[n++];
  row->name = "schema";
  int version;
  clinic_err ve = {0};
  if (clinic_store_version(db, &version, &ve) != CLINIC_E_OK) {
    snprintf(row->msg, sizeof row->msg, "%s", ve.msg);
    row->result = -1;
  } else {
    row->result = clinic_db_schema_diff(db, version, row->msg, sizeof row->msg) == CL_OK ? 0 : 1;
  }
  row = &r->rows[n++];
  row->name = full ? "integrity_check" : "quick_check";
  row->result = run_check(db, full ? "PRAGMA integrity_check" : "PRAGMA quick_check", &r->problems, row->msg, sizeof row->msg, &problems);
  row = &r->rows[n++];
  row->name = "foreign_keys";
  row->result = run_check(db, "PRAGMA foreign_key_check", NULL, row->msg, sizeof row->msg, &problems);
  if (row->result == 0)
    snprintf(row->msg, sizeof row->msg, "ok");
  else if (row->result > 0)
    snprintf(row->msg, sizeof row->msg, "%d row(s) point at rows that do not exist", problems);
  for (int i = 0; clinic_db_checks[i].name && n < CLINIC_DBCHECK_MAX; i++) {
    row = &r->rows[n++];
    row->name = clinic_db_checks[i].name;
    snprintf(row->msg, sizeof row->msg, "ok");
    row->result = clinic_db_checks[i].fn(db, row->msg, sizeof row->msg);
  }
  r->n = n;
  r->ok = 1;
  for (int i = 0; i < n; i++) r->ok &= r->rows[i].result == 0;
  return r->ok;
}

void clinic_store_check_free(clinic_dbcheck_result *r) { clinic_buf_free(&r->problems); }

/* The renderers of check-db: the checks as a table (the problems of the SQLite check first),
 * or {"db": FILE, "ok": BOOL, "checks": {NAME: MESSAGE, ...}}. */
static void checkdb_text(FILE *f, const clinic_dbcheck_result *r) {
  if (r->problems.len) fputs(r->problems.s, f);
  for (int i = 0; i < r->n; i++) fprintf(f, "%-16s %s\n", r->rows[i].name, r->rows[i].msg);
}

static void checkdb_json(FILE *f, const char *db_path, const clinic_dbcheck_result *r) {
  js_w w;
  jw_init(&w, f);
  jw_obj(&w);
  jw_kv_str(&w, "db", db_path);
  jw_kv_bool(&w, "ok", r->ok);
  jw_kv_obj(&w, "checks");
  for (int i = 0; i < r->n; i++) jw_kv_str(&w, r->rows[i].name, r->rows[i].msg);
  jw_obj_end(&w);
  jw_obj_end(&w);
  jw_end(&w);
}

int clinic_cmd_checkdb(clinic_ctx *c, clinic_args *a) {
  int full = clinic_opt_flag(a, "full");
  int rc = clinic_args_done(a, "check-db");
  if (rc) return rc;
  if (a->npos != 1) return clinic_fail(CL_USAGE, "usage: nmod clinic check-db [--full]");
  clinic_dbcheck_result r;
  int ok = clinic_store_check(c->db, full, &r);
  if (c->json)
    checkdb_json(clinic_stdout(), c->db_path, &r);
  else
    checkdb_text(clinic_stdout(), &r);
  clinic_store_check_free(&r);
  clinic_err e = {0};
  if (!ok) {
    clinic_err_set(&e, CLINIC_E_IO, "database %s is damaged: restore it from a backup (it was not changed)", c->db_path);
    clinic_db_mark(c->db_path, 1, NULL); /* the damage is the error to report; a missing mark adds nothing to it */
    return clinic_report(&e);
  }
  if (clinic_db_mark(c->db_path, 0, &e) != CLINIC_E_OK) return clinic_report(&e);
  if (!c->json) fprintf(clinic_stdout(), "database %s: ok\n", c->db_path);
  return CL_OK;
}
