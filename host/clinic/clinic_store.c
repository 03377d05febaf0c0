/* clinic_store.c: the store (clinic_store.h): the SQLite file, where it lives, how it is opened
 * (WAL, foreign keys, full sync), the versioned schema with its migrations, the SQL helpers and
 * the few statements whose form is SQLite's own (the list in clinic_store.h).
 *
 * The schema version is PRAGMA user_version; migration N takes a file from version N-1 to N
 * inside one transaction, so a kill in the middle leaves the old version intact. A file of a
 * newer version than this program knows is refused rather than guessed at.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clinic_audit.h"
#include "clinic_audit_sql.h"
#include "clinic_link_sql.h"
#include "clinic_err.h"
#include "clinic_store.h"
#include "clinic_sums.h"
#include "json.h"

/* 'NMOD' in ASCII: marks the file as ours (PRAGMA application_id). */
#define CLINIC_APP_ID 0x4e4d4f44

static const char *const migrations[CLINIC_SCHEMA_VERSION] = {
    /* 1: the tables. Dates are ISO text; patients have an internal integer key (pid) and the
     * clinic's own code. Diary rows remember which import (and line) brought them. */
    "CREATE TABLE patient("
    "  pid INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  therapy TEXT NOT NULL CHECK(therapy IN ('scs','snm')),"
    "  name TEXT NOT NULL,"
    "  birth_date TEXT NOT NULL,"
    "  created_at TEXT NOT NULL);"
    "CREATE TABLE path_step("
    "  pid INTEGER NOT NULL REFERENCES patient(pid) ON DELETE CASCADE,"
    "  step TEXT NOT NULL,"
    "  date TEXT NOT NULL,"
    "  planned INTEGER NOT NULL DEFAULT 0 CHECK(planned IN (0,1)),"
    "  outcome TEXT,"
    "  note TEXT,"
    "  PRIMARY KEY(pid, step)) WITHOUT ROWID;"
    "CREATE TABLE diary_import("
    "  id INTEGER PRIMARY KEY,"
    "  file TEXT NOT NULL,"
    "  rows INTEGER NOT NULL,"
    "  at TEXT NOT NULL);"
    "CREATE TABLE diary("
    "  pid INTEGER NOT NULL REFERENCES patient(pid) ON DELETE CASCADE,"
    "  date TEXT NOT NULL,"
    "  nrs INTEGER CHECK(nrs BETWEEN 0 AND 10),"
    "  nrs_morning INTEGER CHECK(nrs_morning BETWEEN 0 AND 10),"
    "  nrs_evening INTEGER CHECK(nrs_evening BETWEEN 0 AND 10),"
    "  incontinence INTEGER CHECK(incontinence >= 0),"
    "  urgency INTEGER CHECK(urgency >= 0),"
    "  pads INTEGER CHECK(pads >= 0),"
    "  import_id INTEGER REFERENCES diary_import(id),"
    "  line INTEGER,"
    "  PRIMARY KEY(pid, date)) WITHOUT ROWID;"
    "CREATE TABLE score("
    "  id INTEGER PRIMARY KEY,"
    "  pid INTEGER NOT NULL REFERENCES patient(pid) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL CHECK(kind IN ('wexner','vaizey','nrs')),"
    "  date TEXT NOT NULL,"
    "  total INTEGER NOT NULL,"
    "  items TEXT NOT NULL,"
    "  UNIQUE(pid, kind, date));"
    "CREATE TABLE vaccination("
    "  id INTEGER PRIMARY KEY,"
    "  pid INTEGER NOT NULL REFERENCES patient(pid) ON DELETE CASCADE,"
    "  date TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK(kind IN ('flu','other')),"
    "  name TEXT);"
    "CREATE TABLE medication("
    "  id INTEGER PRIMARY KEY,"
    "  pid INTEGER NOT NULL REFERENCES patient(pid) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  UNIQUE(pid, name));"
    "CREATE TABLE visit("
    "  id INTEGER PRIMARY KEY,"
    "  pid INTEGER NOT NULL REFERENCES patient(pid) ON DELETE CASCADE,"
    "  date TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  note TEXT);"
    "CREATE TABLE interrogation("
    "  id INTEGER PRIMARY KEY,"
    "  visit_id INTEGER NOT NULL REFERENCES visit(id) ON DELETE CASCADE,"
    "  serial TEXT NOT NULL,"
    "  kind TEXT, therapy TEXT, firmware TEXT, mode TEXT,"
    "  battery_pct INTEGER, battery_mv INTEGER, battery_state TEXT,"
    "  programs INTEGER, max_amplitude_ua INTEGER,"
    "  impedances INTEGER, impedance_alerts INTEGER,"
    "  doc TEXT NOT NULL);"
    "CREATE TABLE setting(key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    /* 2: lookups by patient and date, and the defaults of the evaluation rule. */
    "CREATE INDEX score_pid ON score(pid, date);"
    "CREATE INDEX vaccination_pid ON vaccination(pid, date);"
    "CREATE INDEX visit_pid ON visit(pid, date);"
    "CREATE INDEX interrogation_visit ON interrogation(visit_id);"
    "CREATE INDEX diary_import_id ON diary(import_id);"
    "INSERT OR IGNORE INTO setting(key, value) VALUES ('success_threshold_pct', '50');"
    "INSERT OR IGNORE INTO setting(key, value) VALUES ('min_diary_days', '7');",
    /* 3: overrides with their reason, earlier treatments, lead-placement responses, the
     * window settings, and the cache of evaluation sums (one row per patient, created with
     * the patient; filled for existing patients right after this migration). Overrides
     * stored in the note before ("override: REASON") move to their own column. */
    "ALTER TABLE path_step ADD COLUMN override TEXT;"
    "ALTER TABLE path_step ADD COLUMN override_rule TEXT;"
    "UPDATE path_step SET override = substr(note, 11), override_rule = 'recorded before schema version 3', "
    "  note = NULL WHERE note LIKE 'override: %';"
    "CREATE TABLE earlier_treatment("
    "  id INTEGER PRIMARY KEY,"
    "  pid INTEGER NOT NULL REFERENCES patient(pid) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL CHECK(kind IN ('medication','irrigation','operation','other')),"
    "  detail TEXT);"
    "CREATE INDEX earlier_treatment_pid ON earlier_treatment(pid);"
    "CREATE TABLE lead_response("
    "  id INTEGER PRIMARY KEY,"
    "  pid INTEGER NOT NULL REFERENCES patient(pid) ON DELETE CASCADE,"
    "  date TEXT NOT NULL,"
    "  contact INTEGER NOT NULL CHECK(contact >= 0),"
    "  response TEXT NOT NULL CHECK(response IN ('bellows','toe','both','none')),"
    "  threshold_ua INTEGER CHECK(threshold_ua > 0),"
    "  note TEXT,"
    "  UNIQUE(pid, date, contact));"
    "CREATE TABLE eval_cache("
    "  pid INTEGER PRIMARY KEY REFERENCES patient(pid) ON DELETE CASCADE,"
    "  referral INTEGER, base_from INTEGER, base_to INTEGER, trial_day INTEGER, trial_to INTEGER,"
    "  closed_to INTEGER, limit_to INTEGER,"
    "  extended INTEGER NOT NULL DEFAULT 0, over_limit INTEGER NOT NULL DEFAULT 0, ext_reason TEXT,"
    "  b_sum INTEGER NOT NULL DEFAULT 0, b_days INTEGER NOT NULL DEFAULT 0,"
    "  b_sum2 INTEGER NOT NULL DEFAULT 0, b_days2 INTEGER NOT NULL DEFAULT 0,"
    "  b_sum3 INTEGER NOT NULL DEFAULT 0, b_days3 INTEGER NOT NULL DEFAULT 0,"
    "  t_sum INTEGER NOT NULL DEFAULT 0, t_days INTEGER NOT NULL DEFAULT 0,"
    "  t_sum2 INTEGER NOT NULL DEFAULT 0, t_days2 INTEGER NOT NULL DEFAULT 0,"
    "  t_sum3 INTEGER NOT NULL DEFAULT 0, t_days3 INTEGER NOT NULL DEFAULT 0,"
    "  sb0_date INTEGER, sb0 INTEGER, sb1_date INTEGER, sb1 INTEGER, sb2_date INTEGER, sb2 INTEGER,"
    "  sa0_date INTEGER, sa0 INTEGER, sa1_date INTEGER, sa1 INTEGER, sa2_date INTEGER, sa2 INTEGER);"
    "CREATE TRIGGER patient_eval_cache AFTER INSERT ON patient BEGIN"
    "  INSERT INTO eval_cache(pid) VALUES (new.pid); END;"
    "INSERT INTO eval_cache(pid) SELECT pid FROM patient;"
    "INSERT OR IGNORE INTO setting(key, value) VALUES ('baseline_max_days', '28');"
    "INSERT OR IGNORE INTO setting(key, value) VALUES ('scs_trial_days', '14');"
    "INSERT OR IGNORE INTO setting(key, value) VALUES ('snm_trial_days', '28');"
    "INSERT OR IGNORE INTO setting(key, value) VALUES ('trial_tolerance_days', '3');",
    /* 4: read-outs as the programmer writes them (one codec, host/readout): the battery in per
     * mille (86.8 % is 868; older rows were whole percent), the cell and lead, the device's
     * lead alerts and test-stimulation thresholds as rows; `format` names the codec a stored
     * document decodes with (NULL: an older import, kept as it came). The institution named
     * on reports, and the key of the opaque export ids (FHIR, ICS UIDs). */
    "ALTER TABLE interrogation RENAME COLUMN battery_pct TO battery_pm;"
    "UPDATE interrogation SET battery_pm = battery_pm * 10;"
    "ALTER TABLE interrogation ADD COLUMN format TEXT;"
    "ALTER TABLE interrogation ADD COLUMN cell TEXT;"
    "ALTER TABLE interrogation ADD COLUMN lead TEXT;"
    "CREATE TABLE lead_alert("
    "  interrogation_id INTEGER NOT NULL REFERENCES interrogation(id) ON DELETE CASCADE,"
    "  contact TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK(state IN ('open','short')),"
    "  PRIMARY KEY(interrogation_id, contact, state)) WITHOUT ROWID;"
    "CREATE TABLE test_threshold("
    "  interrogation_id INTEGER NOT NULL REFERENCES interrogation(id) ON DELETE CASCADE,"
    "  contact TEXT NOT NULL,"
    "  threshold_ua INTEGER NOT NULL CHECK(threshold_ua > 0),"
    "  PRIMARY KEY(interrogation_id, contact)) WITHOUT ROWID;"
    "INSERT OR IGNORE INTO setting(key, value) VALUES ('institution', '');"
    "INSERT OR IGNORE INTO setting(key, value) VALUES ('export_id_key', lower(hex(randomblob(32))));",
    /* 5: the audit trail of every change (who, when, before and after) and the console's
     * accounts: clinic_audit_sql.h. */
    CLINIC_MIGRATION_AUDIT,
    /* 6: the patient list's state per patient (clinic_state.c), derived like eval_cache and
     * not audited; made with the patient, filled for existing patients right after this
     * migration. Days are day numbers (NULL: none). */
    "CREATE TABLE patient_state("
    "  pid INTEGER PRIMARY KEY REFERENCES patient(pid) ON DELETE CASCADE,"
    "  status TEXT NOT NULL DEFAULT 'open', last_step TEXT, last_date INTEGER,"
    "  next_step TEXT DEFAULT 'referral', next_alt TEXT,"
    "  phase TEXT NOT NULL DEFAULT 'before-trial', phase_until INTEGER, phase_next TEXT,"
    "  overdue_from INTEGER, awaiting_from INTEGER, control_due INTEGER);"
    "CREATE TRIGGER patient_patient_state AFTER INSERT ON patient BEGIN"
    "  INSERT INTO patient_state(pid) VALUES (new.pid); END;"
    "INSERT INTO patient_state(pid) SELECT pid FROM patient;",
    /* 7: the patients' diary links, only their tokens' hashes, audited: clinic_link_sql.h. */
    CLINIC_MIGRATION_LINK,
};

static int mkdir_p(char *path) {
  /* Create every folder of path (which names a folder). */
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
      *p = '/';
      return -1;
    }
    *p = '/';
  }
  if (mkdir(path, 0700) != 0 && errno != EEXIST) return -1;
  return 0;
}

int clinic_store_default_path(char *out, size_t cap, clinic_err *e) {
  const char *env = getenv("NMOD_CLINIC_DB");
  if (env && *env) {
    if (strlen(env) >= cap) return clinic_err_set(e, CLINIC_E_INPUT, "NMOD_CLINIC_DB is too long");
    strcpy(out, env);
    return CLINIC_E_OK;
  }
  char dir[4096];
  const char *xdg = getenv("XDG_DATA_HOME");
  const char *home = getenv("HOME");
  int n;
  if (xdg && xdg[0] == '/')
    n = snprintf(dir, sizeof dir, "%s/nmod", xdg);
  else if (home && *home)
    n = snprintf(dir, sizeof dir, "%s/.local/share/nmod", home);
  else
    return clinic_err_set(e, CLINIC_E_INPUT, "no HOME or XDG_DATA_HOME to put the database in; pass --db FILE");
  if (n < 0 || (size_t)n >= sizeof dir) return clinic_err_set(e, CLINIC_E_INPUT, "data folder path too long; pass --db FILE");
  if (mkdir_p(dir) != 0)
    return clinic_err_set(e, CLINIC_E_IO, "cannot create the data folder %s: %s; pass --db FILE", dir, strerror(errno));
  n = snprintf(out, cap, "%s/clinic.db", dir);
  if (n < 0 || (size_t)n >= cap) return clinic_err_set(e, CLINIC_E_INPUT, "database path too long; pass --db FILE");
  return CLINIC_E_OK;
}

int clinic_sql_exec(sqlite3 *db, const char *sql, clinic_err *e) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
    clinic_err_set(e, CLINIC_E_IO, "database %s: %s", sqlite3_db_filename(db, "main"), err ? err : sqlite3_errmsg(db));
    sqlite3_free(err);
    return CLINIC_E_IO;
  }
  return CLINIC_E_OK;
}

int clinic_sql_begin(sqlite3 *db, clinic_err *e) { return clinic_sql_exec(db, "BEGIN IMMEDIATE", e); }
int clinic_sql_commit(sqlite3 *db, clinic_err *e) { return clinic_sql_exec(db, "COMMIT", e); }
void clinic_rollback(sqlite3 *db) {
  if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3_stmt *clinic_sql_prep(sqlite3 *db, const char *sql, clinic_err *e) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    clinic_err_db(e, db, "preparing a query");
    return NULL;
  }
  return st;
}

int clinic_sql_end(sqlite3 *db, sqlite3_stmt *st, int rc, const char *what, clinic_err *e) {
  sqlite3_finalize(st);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? CLINIC_E_OK : clinic_err_db(e, db, what);
}

int clinic_sql_exec_pid(sqlite3 *db, const char *sql, int64_t pid, clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db, sql, e);
  if (!st) return CLINIC_E_IO;
  sqlite3_bind_int64(st, 1, pid);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? CLINIC_E_OK : clinic_err_db(e, db, "changing a patient's records");
}

static int pragma_int(sqlite3 *db, const char *sql, int *out, clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db, sql, e);
  if (!st) return CLINIC_E_IO;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) *out = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? CLINIC_E_OK : clinic_err_db(e, db, sql);
}

int clinic_store_version(sqlite3 *db, int *version, clinic_err *e) {
  *version = -1;
  return pragma_int(db, "PRAGMA user_version", version, e);
}

/* Set a pragma of the file to a number (the schema version, the application id). */
static int set_pragma(sqlite3 *db, const char *name, int value, clinic_err *e) {
  char sql[64];
  snprintf(sql, sizeof sql, "PRAGMA %s = %d", name, value);
  return clinic_sql_exec(db, sql, e);
}

int clinic_store_migrate(sqlite3 *db, int target, clinic_err *e) {
  int v = -1, rc = clinic_sql_begin(db, e);
  if (rc) return rc;
  if ((rc = pragma_int(db, "PRAGMA user_version", &v, e)) == CLINIC_E_OK && v > CLINIC_SCHEMA_VERSION)
    rc = clinic_err_set(e, CLINIC_E_IO, "database %s has schema version %d, newer than the %d this nmod knows; use a newer nmod",
                        sqlite3_db_filename(db, "main"), v, CLINIC_SCHEMA_VERSION);
  for (int n = v + 1; !rc && n <= target; n++) {
    rc = clinic_sql_exec(db, migrations[n - 1], e);
    /* The cache of version 3 (and the state of version 6) is computed from the data it
     * caches, in C. */
    if (!rc && (n == 3 || n == 6)) rc = clinic_sums_rebuild(db, e);
    if (!rc) rc = set_pragma(db, "user_version", n, e);
  }
  if (!rc && v == 0) rc = set_pragma(db, "application_id", CLINIC_APP_ID, e);
  if (!rc) rc = clinic_sql_commit(db, e);
  if (rc) clinic_rollback(db);
  return rc;
}

/* Close a connection to a file found damaged without the checkpoint that would copy a left-over
 * WAL into it. */
static void close_untouched(sqlite3 *db) {
  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
  sqlite3_close(db);
}

void clinic_open_notes_print(FILE *f, const clinic_open_notes *notes) {
  for (int i = 0; i < notes->n; i++) fprintf(f, "nmod clinic: %s\n", notes->line[i]);
}

void clinic_open_note(clinic_open_notes *notes, const char *fmt, ...) {
  if (notes->n >= CLINIC_OPEN_NOTES) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(notes->line[notes->n++], sizeof notes->line[0], fmt, ap);
  va_end(ap);
}

/* The checks of an open file before its first write: SQLite's own recovery of what an unclean
 * close left behind and then the whole-file check, the schema, the per-table check. */
static int open_checks(sqlite3 *db, const char *path, clinic_open_mode mode, clinic_open_notes *notes, clinic_err *e) {
  int app = 0, ver = 0, tables = 0, rc;
  /* The first read also runs SQLite's own recovery of a hot journal or a left-over WAL; a
   * failure here is not a database at all ("file is not a database"), or unreadable. */
  if ((rc = pragma_int(db, "PRAGMA application_id", &app, e)) != CLINIC_E_OK ||
      (rc = pragma_int(db, "PRAGMA user_version", &ver, e)) != CLINIC_E_OK)
    return rc;
  if (app != CLINIC_APP_ID && !(app == 0 && ver == 0))
    return clinic_err_set(e, CLINIC_E_INPUT, "%s is an SQLite file of another program, not an nmod clinic database", path);
  /* An empty or new file must not already hold other tables. */
  if (app == 0 && (rc = pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables, e)) != CLINIC_E_OK) return rc;
  if (tables > 0) return clinic_err_set(e, CLINIC_E_INPUT, "%s already holds tables of another program; pick another --db", path);
  if (ver > CLINIC_SCHEMA_VERSION)
    return clinic_err_set(e, CLINIC_E_IO, "database %s has schema version %d, newer than the %d this nmod knows; use a newer nmod", path,
                          ver, CLINIC_SCHEMA_VERSION);
  if (mode == CLINIC_OPEN_CHECK) return CLINIC_E_OK; /* check-db reports; it neither refuses the schema nor changes anything */
  if (notes->unclean && (rc = clinic_db_quick_all(db, notes, e)) != CLINIC_E_OK) {
    clinic_db_mark(path, 1, e); /* e holds the damage already: the first failure is the one said */
    return rc;
  }
  if ((rc = clinic_db_schema_check(db, ver, e)) != CLINIC_E_OK) return rc;
  if ((mode == CLINIC_OPEN_WRITE || ver < CLINIC_SCHEMA_VERSION) && !notes->unclean) return clinic_db_quick_tables(db, e);
  return CLINIC_E_OK;
}

/* WAL, full sync, the page cache, and the migrations: the first writes. */
static int open_setup(sqlite3 *db, const char *path, clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db, "PRAGMA journal_mode=WAL", e);
  if (!st) return CLINIC_E_IO;
  int wal = sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
  sqlite3_finalize(st);
  if (!wal) return clinic_err_set(e, CLINIC_E_IO, "database %s: cannot switch to WAL mode (%s)", path, sqlite3_errmsg(db));
  /* FULL: a committed diary import survives a power cut, not just a crash. A 64 MiB page
   * cache: an import writes its rows and their audit rows in one transaction (547,500 diary
   * rows: 38.2 s with the default cache, 27.1 s with this one, release build). */
  int rc = clinic_sql_exec(db, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; PRAGMA cache_size=-65536;", e);
  return rc ? rc : clinic_store_migrate(db, CLINIC_SCHEMA_VERSION, e);
}

int clinic_store_open(const char *path, clinic_open_mode mode, sqlite3 **out, clinic_open_notes *notes, clinic_err *e) {
  sqlite3 *db = NULL;
  *out = NULL;
  memset(notes, 0, sizeof *notes);
  struct stat sb;
  if (mode == CLINIC_OPEN_CHECK && stat(path, &sb) != 0)
    return clinic_err_set(e, CLINIC_E_INPUT, "no database at %s to check (pass --db FILE)", path);
  int rc = mode == CLINIC_OPEN_CHECK ? CLINIC_E_OK : clinic_db_marked(path, e);
  if (!rc) rc = clinic_db_precheck(path, notes, e);
  if (rc) return rc;
  /* NOMUTEX: one thread uses a connection, so no mutex is taken around every call (each
   * sqlite3_column_* would take one in the default serialized mode). */
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
    rc = clinic_err_set(e, CLINIC_E_IO, "cannot open database %s: %s (pass --db FILE with a writable path)", path,
                        db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return rc;
  }
  sqlite3_busy_timeout(db, 10000);
  /* Every change through this connection is audited under the user who ran this process. */
  if (clinic_audit_attach_os(db) != 0) rc = clinic_err_db(e, db, "setting up the audit trail");
  if (!rc) rc = open_checks(db, path, mode, notes, e);
  if (rc) {
    close_untouched(db);
    return rc;
  }
  rc = mode == CLINIC_OPEN_CHECK ? clinic_sql_exec(db, "PRAGMA foreign_keys=ON", e) : open_setup(db, path, e);
  if (rc && mode != CLINIC_OPEN_CHECK) {
    sqlite3_close(db);
    return rc;
  }
  *out = db;
  return rc;
}

int clinic_store_setting(sqlite3 *db, const char *key, char *out, size_t cap, clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT value FROM setting WHERE key = ?", e);
  if (!st) return CLINIC_E_IO;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  out[0] = '\0';
  if (rc == SQLITE_ROW) snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? CLINIC_E_OK : clinic_err_db(e, db, "reading a setting");
}

/* ---- the SQLite forms (clinic_store.h) ------------------------------------------------ */

int clinic_store_replace_sql(char *out, size_t cap, const char *table, const char *cols) {
  int ncols = 1;
  for (const char *c = cols; *c; c++) ncols += *c == ',';
  int n = snprintf(out, cap, "INSERT OR REPLACE INTO %s(%s) VALUES (", table, cols);
  for (int i = 0; i < ncols && n > 0 && (size_t)n < cap; i++) n += snprintf(out + n, cap - (size_t)n, i ? ",?" : "?");
  if (n > 0 && (size_t)n < cap) n += snprintf(out + n, cap - (size_t)n, ")");
  return n > 0 && (size_t)n < cap ? 0 : -1;
}

int64_t clinic_store_last_id(sqlite3 *db) { return sqlite3_last_insert_rowid(db); }

int clinic_store_has_table(sqlite3 *db, const char *table, clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", e);
  if (!st) return -1;
  sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc == SQLITE_ROW) return 1;
  if (rc == SQLITE_DONE) return 0;
  clinic_err_db(e, db, "reading the schema");
  return -1;
}

void clinic_store_bulk(sqlite3 *db) {
  /* A bigger page cache keeps a large import from spilling pages early; a hint only. */
  sqlite3_exec(db, "PRAGMA cache_size=-65536", NULL, NULL, NULL);
}
