/* clinic_store.h: the store: opening, checking and migrating the SQLite file, the SQL helpers, settings (clinic_db.c, clinic_dbcheck.c). */
#ifndef NMOD_CLINIC_STORE_H
#define NMOD_CLINIC_STORE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "clinic_err.h"

#define CLINIC_SCHEMA_VERSION 7
/* Default path: $NMOD_CLINIC_DB, else $XDG_DATA_HOME/nmod/clinic.db, else
 * $HOME/.local/share/nmod/clinic.db. Creates the folder. Writes into out[cap]. */
int clinic_db_default_path(char *out, size_t cap);
typedef enum {
  CLINIC_OPEN_READ,  /* a command that only reads */
  CLINIC_OPEN_WRITE, /* a command that may write: also the cheap per-table check */
  CLINIC_OPEN_CHECK  /* check-db: no refusal of a damaged schema, no migration, no write */
} clinic_open_mode;
/* Open (create) the file after the checks of clinic_dbcheck.c, set WAL, foreign keys, busy
 * timeout, and migrate to the current schema version. Returns CL_OK or an exit code (message
 * printed); a damaged file is closed without any write. */
int clinic_db_open(const char *path, clinic_open_mode mode, sqlite3 **db);
/* Before SQLite opens path: the header, the size, and whether the last session closed
 * cleanly (*unclean = 1 and what was left behind in why when not). CL_OK or CL_IO (printed). */
int clinic_db_precheck(const char *path, int *unclean, char *why, size_t cap);
/* PATH.damaged: CL_IO (printed) while it exists; clinic_db_mark sets or clears it. */
int clinic_db_marked(const char *path);
void clinic_db_mark(const char *path, int damaged);
/* The schema of db equals what migrations 1..version build. CL_OK or CL_IO (printed;
 * clinic_db_schema_diff says what differs in msg instead, or "ok"). */
int clinic_db_schema_check(sqlite3 *db, int version);
int clinic_db_schema_diff(sqlite3 *db, int version, char *msg, size_t cap);
/* PRAGMA quick_check of every table but the big ones (cheap), or of the whole file. */
int clinic_db_quick_tables(sqlite3 *db);
/* After an unclean close: the whole-file check; a line on stderr either way. */
int clinic_db_quick_all(sqlite3 *db, const char *left_behind);
/* A consistency check that `clinic check-db` runs after SQLite's own: 0 ok, 1 problems found
 * (the first described in msg), -1 the check could not run (why in msg). Add yours to
 * clinic_db_checks[] in clinic_dbcheck.c. */
typedef struct {
  const char *name;
  int (*fn)(sqlite3 *db, char *msg, size_t cap);
} clinic_db_check;
extern const clinic_db_check clinic_db_checks[];
/* Migrate to `target` (1..CLINIC_SCHEMA_VERSION); used by tests to build old files. */
int clinic_db_migrate(sqlite3 *db, int target);
int clinic_db_version(sqlite3 *db);
/* SQL helpers with errors as values (CLINIC_E_OK or CLINIC_E_IO in e). */
int clinic_sql_exec(sqlite3 *db, const char *sql, clinic_err *e);
int clinic_sql_begin(sqlite3 *db, clinic_err *e); /* BEGIN IMMEDIATE */
int clinic_sql_commit(sqlite3 *db, clinic_err *e);
sqlite3_stmt *clinic_sql_prep(sqlite3 *db, const char *sql, clinic_err *e);
int clinic_sql_exec_pid(sqlite3 *db, const char *sql, int64_t pid, clinic_err *e);
/* The reporting forms of the same (clinic_report on failure; exit codes), for command entries
 * and the modules not yet converted. */
int clinic_exec(sqlite3 *db, const char *sql);
int clinic_begin(sqlite3 *db);  /* BEGIN IMMEDIATE */
int clinic_commit(sqlite3 *db);
void clinic_rollback(sqlite3 *db);
/* Run a statement with one parameter, a patient's pid. */
int clinic_exec_pid(sqlite3 *db, const char *sql, int64_t pid);
/* Prepare or fail with a database message (NULL). */
sqlite3_stmt *clinic_prep(sqlite3 *db, const char *sql);
/* A setting (table setting) as text, or the default. */
int clinic_setting_get(sqlite3 *db, const char *key, char *out, size_t cap);

#endif
