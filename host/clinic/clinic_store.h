/* clinic_store.h: the store: the SQLite file (opening, checking, the schema and its migrations),
 * the SQL helpers, settings, and the statements whose form is SQLite's own (clinic_store.c,
 * clinic_dbcheck.c, and the audit triggers of clinic_audit.c / clinic_audit_sql.h).
 *
 * The other modules write only SQL that PostgreSQL reads the same way, through these helpers;
 * what is SQLite's own stays here, so that a PostgreSQL store implements the same functions:
 *   - the file itself: PRAGMA user_version (the schema version), application_id, journal_mode,
 *     foreign_keys, quick_check / integrity_check / foreign_key_check, sqlite_master, dbstat
 *     and INDEXED BY in the page probes of clinic_dbcheck.c: a server has none of these;
 *   - the schema's types (INTEGER PRIMARY KEY as the row id, TEXT dates) and its triggers,
 *     including the audit triggers with PRAGMA recursive_triggers (clinic_audit.c);
 *   - BEGIN IMMEDIATE (clinic_sql_begin): PostgreSQL takes its locks per row;
 *   - INSERT OR REPLACE (clinic_store_replace_sql): a delete and an insert, which is what the
 *     audit trail records; PostgreSQL: DELETE then INSERT in the same transaction;
 *   - the last inserted row id (clinic_store_last_id): PostgreSQL: INSERT ... RETURNING id;
 *   - the time of day in SQL (CLINIC_SQL_NOW);
 *   - the table test (clinic_store_has_table) and the bulk hint (clinic_store_bulk).
 * Left in the modules' SQL and to translate in a PostgreSQL store's prepare: the numbered
 * parameters ?NNN (PostgreSQL: $NNN) and plain ? (numbered in order), and the C API itself
 * (sqlite3_stmt and its bind/step/column calls) that every module still calls directly.
 */
#ifndef NMOD_CLINIC_STORE_H
#define NMOD_CLINIC_STORE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "clinic_err.h"
#include "clinic_util.h"

#define CLINIC_SCHEMA_VERSION 7
/* Default path: $NMOD_CLINIC_DB, else $XDG_DATA_HOME/nmod/clinic.db, else
 * $HOME/.local/share/nmod/clinic.db. Creates the folder. Writes into out[cap]. CLINIC_E_OK,
 * CLINIC_E_INPUT or CLINIC_E_IO (in e). */
int clinic_store_default_path(char *out, size_t cap, clinic_err *e);
typedef enum {
  CLINIC_OPEN_READ,  /* a command that only reads */
  CLINIC_OPEN_WRITE, /* a command that may write: also the cheap per-table check */
  CLINIC_OPEN_CHECK  /* check-db: no refusal of a damaged schema, no migration, no write */
} clinic_open_mode;
/* What an open has to say besides an error (a warning, "not closed cleanly: checked, ok"), for
 * the caller to show; and whether the last session closed cleanly. */
#define CLINIC_OPEN_NOTES 4
typedef struct {
  int unclean;   /* the last session did not close cleanly */
  char why[64];  /* what it left behind ("a write-ahead log") */
  int n;
  char line[CLINIC_OPEN_NOTES][600];
} clinic_open_notes;
void clinic_open_note(clinic_open_notes *notes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Their renderer: a line "nmod clinic: NOTE" each, to f (stderr, at a command's entry). */
void clinic_open_notes_print(FILE *f, const clinic_open_notes *notes);
/* Open (create) the file after the checks of clinic_dbcheck.c, set WAL, foreign keys, busy
 * timeout, and migrate to the current schema version: CLINIC_E_OK (*db open), or an error in e
 * (a damaged file is closed without any write; with CLINIC_OPEN_CHECK *db may still be open).
 * What the open has to say besides an error comes back in notes, for the caller to render. */
int clinic_store_open(const char *path, clinic_open_mode mode, sqlite3 **db, clinic_open_notes *notes, clinic_err *e);
/* Before SQLite opens path: the header, the size, and whether the last session closed
 * cleanly (notes->unclean, and what was left behind in notes->why). */
int clinic_db_precheck(const char *path, clinic_open_notes *notes, clinic_err *e);
/* PATH.damaged: CLINIC_E_IO while it exists; clinic_db_mark sets or clears it (CLINIC_E_OK, or
 * CLINIC_E_IO in e when the mark cannot be written or removed; e may be NULL). */
int clinic_db_marked(const char *path, clinic_err *e);
int clinic_db_mark(const char *path, int damaged, clinic_err *e);
/* The schema of db equals what migrations 1..version build: CLINIC_E_OK or CLINIC_E_IO
 * (clinic_db_schema_diff says what differs in msg instead, or "ok"; CL_OK or CL_IO). */
int clinic_db_schema_check(sqlite3 *db, int version, clinic_err *e);
int clinic_db_schema_diff(sqlite3 *db, int version, char *msg, size_t cap);
/* PRAGMA quick_check of every table but the big ones (cheap), or of the whole file (after an
 * unclean close; its "checked, ok" in notes). */
int clinic_db_quick_tables(sqlite3 *db, clinic_err *e);
int clinic_db_quick_all(sqlite3 *db, clinic_open_notes *notes, clinic_err *e);
/* A consistency check that `clinic check-db` runs after SQLite's own: 0 ok, 1 problems found
 * (the first described in msg), -1 the check could not run (why in msg). Add yours to
 * clinic_db_checks[] in clinic_dbcheck.c. */
typedef struct {
  const char *name;
  int (*fn)(sqlite3 *db, char *msg, size_t cap);
} clinic_db_check;
extern const clinic_db_check clinic_db_checks[];
/* check-db's result: every check with its verdict and message (clinic_store_check). */
#define CLINIC_DBCHECK_MAX 16
typedef struct {
  const char *name;
  int result; /* 0 ok, 1 problems, -1 could not run */
  char msg[512];
} clinic_dbcheck_row;
typedef struct {
  clinic_dbcheck_row rows[CLINIC_DBCHECK_MAX];
  int n, ok;
  clinic_buf problems; /* every problem line of SQLite's check ("  LINE\n" each) */
} clinic_dbcheck_result;
/* Run every check (integrity_check with full, else quick_check) on db: returns r->ok. Free r
 * with clinic_store_check_free. */
int clinic_store_check(sqlite3 *db, int full, clinic_dbcheck_result *r);
void clinic_store_check_free(clinic_dbcheck_result *r);
/* Migrate to `target` (1..CLINIC_SCHEMA_VERSION) in one transaction; also used by tests to
 * build old files. */
int clinic_store_migrate(sqlite3 *db, int target, clinic_err *e);
/* The file's schema version (PRAGMA user_version) into *version (-1 on failure). */
int clinic_store_version(sqlite3 *db, int *version, clinic_err *e);
/* SQL helpers with errors as values (CLINIC_E_OK or CLINIC_E_IO in e). */
int clinic_sql_exec(sqlite3 *db, const char *sql, clinic_err *e);
int clinic_sql_begin(sqlite3 *db, clinic_err *e); /* BEGIN IMMEDIATE */
int clinic_sql_commit(sqlite3 *db, clinic_err *e);
sqlite3_stmt *clinic_sql_prep(sqlite3 *db, const char *sql, clinic_err *e);
/* Finalize ST, last stepped to RC: CLINIC_E_OK when the query ended (SQLITE_DONE) or its
 * reader stopped on a row (SQLITE_ROW: a full result or a callback's stop), else the
 * database's error while WHAT. */
int clinic_sql_end(sqlite3 *db, sqlite3_stmt *st, int rc, const char *what, clinic_err *e);
int clinic_sql_exec_pid(sqlite3 *db, const char *sql, int64_t pid, clinic_err *e);
/* Roll back the open transaction, if any (its error is of no use: the cause is reported). */
void clinic_rollback(sqlite3 *db);
/* A setting (table setting) as text into out[cap], "" when not set: CLINIC_E_OK or
 * CLINIC_E_IO (in e). */
int clinic_store_setting(sqlite3 *db, const char *key, char *out, size_t cap, clinic_err *e);


/* ---- SQLite's own forms (see the top of this file) --------------------------------------- */

/* The current UTC time as ISO text "YYYY-MM-DDTHH:MM:SSZ", inside a statement. */
#define CLINIC_SQL_NOW "strftime('%Y-%m-%dT%H:%M:%SZ','now')"
/* The statement that stores a whole row, replacing the row with the same key: cols is the
 * column list ("pid, a, b"), one ? each. 0, or -1 when out[cap] is too small. */
int clinic_store_replace_sql(char *out, size_t cap, const char *table, const char *cols);
/* The id of the row the last INSERT on db made. */
int64_t clinic_store_last_id(sqlite3 *db);
/* 1 when the table exists, 0 when not, -1 (in e) when the schema cannot be read. */
int clinic_store_has_table(sqlite3 *db, const char *table, clinic_err *e);
/* Before a large write (an import): a hint, never an error. */
void clinic_store_bulk(sqlite3 *db);

#endif
