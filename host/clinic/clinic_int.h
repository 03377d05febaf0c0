/* clinic_int.h: what the clinic modules share. Not a public API: only host/clinic/ sources and the
 * clinic tests include it.
 *
 * Dates are whole days counted from 1970-01-01 (int32_t, "day numbers", hu_date.h); the database stores
 * them as ISO text (YYYY-MM-DD) so that the file stays readable with the sqlite3 tool.
 * Exit codes are the ones documented in clinic.h (CL_OK, CL_IO, CL_USAGE, CL_RULE).
 */
#ifndef NMOD_CLINIC_INT_H
#define NMOD_CLINIC_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "hu_args.h"
#include "hu_contact.h"
#include "hu_date.h"
#include "hu_dec.h"
#include "hu_fmt.h"
#include "json.h"
#include "nmod_exit.h"
#include "readout.h"

#include "clinic_err.h"

/* ---- errors and small helpers (clinic_util.c) ---------------------------------------- */

/* A growable, NUL-terminated string buffer (heap). */
typedef struct {
  char *s;
  size_t len, cap;
} clinic_buf;
void clinic_buf_add(clinic_buf *b, const char *s, size_t n);
void clinic_buf_puts(clinic_buf *b, const char *s);
void clinic_buf_printf(clinic_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void clinic_buf_free(clinic_buf *b);

/* An output file with patient data (report, export, calendar), written whole or not at all:
 * a temporary file beside the target, created 0600 (mkstemp), renamed over the target when
 * everything was written and synced. A target that existed keeps its old content on failure. */
typedef struct {
  FILE *f;
  const char *path;
  char tmp[4200];
} clinic_outfile;
int clinic_out_open(clinic_outfile *o, const char *path); /* CL_OK or an exit code (printed) */
/* rc == CL_OK: commit (returns CL_OK or CL_IO, printed); else discard and return rc. */
int clinic_out_close(clinic_outfile *o, int rc);

/* ---- command-line arguments (clinic_args.c) ------------------------------------------ */

/* The one argument parser (hu_args.h) with an open table: every command takes the options it
 * knows and clinic_args_done refuses the rest. a->pos[0..npos) are the positionals (the
 * command's name first); a->help is set by --help or -h. */
typedef hu_args clinic_args;

/* Split argv into positionals and --options. Flags (no value) are the names in `flags`
 * (a NULL-terminated list); every other --name takes the next argument (or --name=value).
 * Returns CL_OK or CL_USAGE (message printed). */
int clinic_args_parse(clinic_args *a, int argc, char **argv, const char *const *flags);
/* Value of the last --name, or NULL; marks it used. */
const char *clinic_opt_get(clinic_args *a, const char *name);
int clinic_opt_flag(clinic_args *a, const char *name);
/* Refuse options that the command did not read: returns CL_USAGE naming the first one and
 * the command's help ('nmod clinic CMD --help'). */
int clinic_args_done(clinic_args *a, const char *cmd);

/* ---- dates: hu_date.h (day numbers, strict YYYY-MM-DD in 1900..2199, hu_today, hu_now_minutes) */

/* Parse a date given as `what` ("--date", "--from"): 0, or CL_USAGE after one line
 * "WHAT 'S' <why>" (hu_date_why: the one reason for that text everywhere). */
int clinic_date_arg(const char *what, const char *s, int32_t *day);

/* ---- database (clinic_db.c) ---------------------------------------------------------- */

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

/* ---- CSV reading (clinic_csv.c) ------------------------------------------------------ */

#define CLINIC_CSV_MAX_FIELDS 16
typedef struct {
  FILE *f;
  long line;            /* line number of the record just read (1-based) */
  char *buf;            /* record text, fields point into it */
  size_t cap;
  char *field[CLINIC_CSV_MAX_FIELDS];
  int nfields;
} clinic_csv;
/* 0 ok, -1 could not open (errno set). */
int clinic_csv_open(clinic_csv *c, const char *path);
/* Next record: 1 got one, 0 end of file, -1 malformed (msg filled). Skips empty lines.
 * Handles "quoted, fields" with "" escapes, CRLF, and a UTF-8 byte-order mark. */
int clinic_csv_next(clinic_csv *c, char *msg, size_t msgcap);
void clinic_csv_close(clinic_csv *c);

/* ---- patients (clinic_patient.c) ----------------------------------------------------- */

typedef enum { TH_SCS = 0, TH_SNM = 1 } clinic_therapy;
typedef struct {
  int64_t pid;
  char code[64];
  clinic_therapy therapy;
  char name[128];
  int32_t birth;
} clinic_patient;
/* The columns of a patient row, in the order clinic_patient_from_row reads them from `col`. */
#define CLINIC_PATIENT_COLS "pid, code, therapy, name, birth_date"
void clinic_patient_from_row(sqlite3_stmt *st, int col, clinic_patient *p);
/* Look up by code: CLINIC_E_OK, CLINIC_E_NOT_FOUND ("unknown patient ..."), CLINIC_E_IO. */
int clinic_patient_lookup(sqlite3 *db, const char *code, clinic_patient *p, clinic_err *e);
/* Reporting forms for command entries and the console: _get reports the error and returns its
 * exit code; _find says nothing of an unknown patient (CL_USAGE), reports a database failure. */
int clinic_patient_get(sqlite3 *db, const char *code, clinic_patient *p);
int clinic_patient_find(sqlite3 *db, const char *code, clinic_patient *p);
const char *clinic_therapy_name(clinic_therapy t);
/* A new patient as given (text, validated by clinic_patient_add). */
typedef struct {
  const char *code, *therapy, *name, *birth;
} clinic_patient_in;
/* Validate and insert with `ins` (prepared from CLINIC_PATIENT_INSERT_SQL, or NULL to prepare
 * one here): CLINIC_E_OK, CLINIC_E_INPUT (not valid), CLINIC_E_RULE (exists), CLINIC_E_IO. */
#define CLINIC_PATIENT_INSERT_SQL "INSERT INTO patient(code, therapy, name, birth_date, created_at) VALUES (?,?,?,?,?)"
int clinic_patient_add(sqlite3 *db, sqlite3_stmt *ins, const clinic_patient_in *in, int32_t today, clinic_err *e);
/* Every patient, ordered by code, into fn (stops at a non-zero return). */
int clinic_patient_each(sqlite3 *db, int (*fn)(void *ctx, const clinic_patient *p), void *ctx, clinic_err *e);
/* Import a CSV file (id,therapy,name,birth_date) inside a transaction this opens: on
 * CLINIC_E_OK *rows were inserted and the caller commits (clinic_import_finish); on failure
 * the caller rolls back. */
int clinic_patient_import(sqlite3 *db, const char *file, int32_t today, long *rows, clinic_err *e);

/* ---- path state machine (clinic_path.c) ---------------------------------------------- */

typedef struct {
  const char *id;      /* step name used on the command line */
  const char *title;   /* for people */
  int alt_group;       /* steps with the same non-zero group are alternatives */
  int procedure;       /* an operation (vaccination windows apply) */
} clinic_step_def;
typedef struct {
  int recorded;
  int planned;          /* scheduled, not yet done */
  int32_t date;
  char outcome[16];
  char note[256];
  char override[256];      /* the stated reason when a rule was overridden, else "" */
  char override_rule[512]; /* which rule it overrode (written by clinic_step_apply) */
} clinic_step_rec;
#define CLINIC_MAX_STEPS 16
typedef struct {
  clinic_therapy therapy;
  int nsteps;
  const clinic_step_def *def;
  clinic_step_rec rec[CLINIC_MAX_STEPS];
} clinic_path;
/* The step table of a therapy; *n gets its length. */
const clinic_step_def *clinic_path_steps(clinic_therapy t, int *n);
/* Index of a step name (aliases: stage1 = trial, stage2-implant = implant, removal =
 * explant) or -1. */
int clinic_path_index(clinic_therapy t, const char *name);
/* p's recorded and planned steps: CLINIC_E_OK or CLINIC_E_IO. */
int clinic_path_read(sqlite3 *db, const clinic_patient *p, clinic_path *path, clinic_err *e);
/* The same with a statement prepared once from CLINIC_PATH_LOAD_SQL (reset here). */
#define CLINIC_PATH_LOAD_SQL "SELECT step, date, planned, outcome, note, override, override_rule FROM path_step WHERE pid = ?"
int clinic_path_read_st(sqlite3_stmt *st, const clinic_patient *p, clinic_path *path, clinic_err *e);
/* Reporting forms of the two (exit codes), for command entries, the console and the modules not
 * yet converted. */
int clinic_path_load(sqlite3 *db, const clinic_patient *p, clinic_path *path);
int clinic_path_load_st(sqlite3_stmt *st, const clinic_patient *p, clinic_path *path);
/* Check that step `idx` may be recorded at `date` (planned or done), given the path so far.
 * Returns CL_OK, or CL_RULE with a message in msg naming the missing step. */
int clinic_path_check(const clinic_path *path, int idx, int32_t date, int planned,
                      const char *outcome, int32_t today, char *msg, size_t cap);
/* Date of a done (not planned) step, or INT32_MIN. */
int32_t clinic_path_done(const clinic_path *path, const char *id);
/* Date of a step, planned or done, or INT32_MIN. */
int32_t clinic_path_any(const clinic_path *path, const char *id);
/* 1 when the path ended (team said stop, or explant recorded). */
int clinic_path_closed(const clinic_path *path);
/* Indexes of the next steps (one, or a pair of alternatives) into out; returns how many. */
int clinic_path_next(const clinic_path *path, int out[2]);
/* "open", "closed", or "follow-up" (every step done, the path not closed). */
const char *clinic_path_status(const clinic_path *path);


/* ---- diary (clinic_diary.c) ---------------------------------------------------------- */

#define CLINIC_NRS_MAX 10
#define CLINIC_EPISODES_MAX 99
#define CLINIC_PADS_MAX 50
/* A diary value absent: -1. */
typedef struct {
  int32_t date;
  int nrs, morning, evening;           /* SCS */
  int incontinence, urgency, pads;     /* SNM */
} clinic_diary_row;
/* Validate a row for a therapy (ranges, required values, future dates, a day before the
 * done referral `referral`, INT32_MIN when none is recorded). 0 ok or -1 with a reason. */
int clinic_diary_validate(const clinic_patient *p, int32_t referral, const clinic_diary_row *r,
                          int32_t today, char *msg, size_t cap);
/* The value fields of a row, in the row's order, with their ranges (0..max): the one list
 * the CLI's options, the import's columns and the console's diary page read. The first three
 * are an SCS pain diary's, the last three an SNM bowel diary's (clinic_diary_field_of). */
enum { CLINIC_DIARY_NRS, CLINIC_DIARY_MORNING, CLINIC_DIARY_EVENING, CLINIC_DIARY_INCONTINENCE, CLINIC_DIARY_URGENCY,
       CLINIC_DIARY_PADS, CLINIC_DIARY_NFIELDS };
typedef struct {
  const char *name; /* "nrs", "morning", ... as option, column and JSON member */
  long max;
} clinic_diary_field;
extern const clinic_diary_field clinic_diary_fields[CLINIC_DIARY_NFIELDS];
/* 1 when field f belongs to therapy t's diary. */
int clinic_diary_field_of(int f, clinic_therapy t);
/* The value of field f in r. */
int *clinic_diary_slot(clinic_diary_row *r, int f);
/* Parse text as field f's value into r: 0, or -1 with "NAME 'TEXT' is not a whole number from
 * 0 to MAX" in msg. */
int clinic_diary_set_text(clinic_diary_row *r, int f, const char *text, char *msg, size_t cap);
typedef enum {
  CLINIC_DIARY_NEW, /* a day not yet stored */
  CLINIC_DIARY_SET  /* a new day, or replace the stored one (its values, entered by hand now) */
} clinic_diary_mode;
/* Validate r for p (clinic_diary_validate, against p's done referral) and store it, in one
 * transaction with p's cached sums. Returns CL_OK (*replaced, when not NULL: 1 when a stored
 * day was replaced); CL_USAGE, the row is not valid, or CL_RULE, the day is stored already
 * (mode NEW: "P already has a diary entry for D"), with the reason in msg and nothing printed;
 * CL_IO, the database failed (on stderr, as clinic_dbfail says, and in msg). Nothing is
 * stored unless CL_OK. `diary add` and the console's diary page both store through here. */
int clinic_diary_put(sqlite3 *db, const clinic_patient *p, const clinic_diary_row *r, clinic_diary_mode mode,
                     int32_t today, int *replaced, char *msg, size_t cap);
/* What a diary import did: the import's id and the rows stored, or the bad rows (the first
 * CLINIC_IMPORT_MAX_REPORT of them as "FILE line N: why"). */
#define CLINIC_IMPORT_MAX_REPORT 10
typedef struct {
  int64_t import_id;
  long rows, bad;
  int nreported;
  char reported[CLINIC_IMPORT_MAX_REPORT][640];
} clinic_diary_import_result;
/* Import a CSV file all or nothing, in one transaction (committed on CLINIC_E_OK, else rolled
 * back). patient may be NULL when the file has a patient column. Bad rows: CLINIC_E_INPUT (or
 * CLINIC_E_RULE when every bad row is a day stored already) with the summary in e. */
int clinic_diary_import(sqlite3 *db, const char *patient, const char *path, int32_t today, clinic_diary_import_result *res,
                        clinic_err *e);
/* A day's pain in half points (0..20): nrs * 2, else morning + evening, else 2 * the one
 * given; -1 when the row has no pain value. */
int clinic_diary_pain_x2(const clinic_diary_row *r);

/* ---- the patients' diary links (clinic_link.c) ----------------------------------------- */

/* A link's token: 32 random bytes (libsodium), base64url without padding. Only its SHA-256
 * is stored; the token is shown once, when it is issued. */
#define CLINIC_LINK_TOKEN_CHARS 43
typedef enum {
  LINK_VALID,    /* today is in the link's days */
  LINK_UNKNOWN,  /* no such token (or link) */
  LINK_REVOKED,
  LINK_NOT_YET,  /* the baseline has not started */
  LINK_ENDED     /* the trial ended, or the path was closed */
} clinic_link_state;
typedef struct {
  int64_t id;
  clinic_patient p;
  char issued_at[24], issued_by[100], revoked_at[24]; /* revoked_at "" while open */
  int32_t from, to; /* its days: the first baseline day (INT32_MAX: not started) to the last
                       trial day (INT32_MAX: no trial recorded yet) */
  clinic_link_state state; /* today */
} clinic_link;
/* The days a link of p is valid, from p's path: *from the first baseline day, *to the last day
 * of the trial (its recorded end, else the window and its tolerance), INT32_MIN when the path
 * is closed. CL_OK or CL_IO (printed). */
int clinic_link_days(sqlite3 *db, const clinic_patient *p, int32_t *from, int32_t *to);
/* Issue a link for p: token[CLINIC_LINK_TOKEN_CHARS + 1] gets its token, l the link. The
 * patient's earlier open links are revoked in the same transaction (one valid link a patient:
 * a lost phone is a new link). CL_OK; CL_RULE, the trial is over (msg); CL_IO (printed). */
int clinic_link_issue(sqlite3 *db, const clinic_patient *p, int32_t today, char *token, clinic_link *l, char *msg,
                      size_t cap);
/* Revoke p's link id, or every open link of p (id 0): *n gets how many. CL_OK; CL_USAGE, no such
 * open link (msg); CL_IO (printed). */
int clinic_link_revoke(sqlite3 *db, const clinic_patient *p, int64_t id, int *n, char *msg, size_t cap);
/* p's links, newest first, into fn (stops at a non-zero return). CL_OK or CL_IO (printed). */
int clinic_link_each(sqlite3 *db, const clinic_patient *p, int32_t today, int (*fn)(void *ctx, const clinic_link *l),
                     void *ctx);
/* The link of a token (id 0) or of id (token NULL), with its state today in l->state. CL_OK
 * (any state; LINK_UNKNOWN when none) or CL_IO (printed). */
int clinic_link_find(sqlite3 *db, const char *token, int64_t id, int32_t today, clinic_link *l);
/* The link's days as JSON members "valid_from" and "valid_to" (a date or null) and "state". */
void clinic_link_json(js_w *w, const clinic_link *l);
const char *clinic_link_state_name(clinic_link_state s);
/* Day d as "YYYY-MM-DD", or null for the sentinels INT32_MIN and INT32_MAX (clinic_eval.c);
 * clinic_json_day writes it as member `key`. */
void clinic_json_date(js_w *w, int32_t d);
void clinic_json_day(js_w *w, const char *key, int32_t d);

/* ---- scores (clinic_score.c) --------------------------------------------------------- */

typedef enum { SC_WEXNER = 0, SC_VAIZEY = 1, SC_NRS = 2 } clinic_score_kind;
int clinic_score_kind_parse(const char *s, clinic_score_kind *k);
const char *clinic_score_kind_name(clinic_score_kind k);
/* Compute a total from "item=answer" strings. 0 ok (total, canonical items text in
 * items_out), -1 with a reason. */
int clinic_score_compute(clinic_score_kind k, const char *const *answers, int n, int *total,
                         char *items_out, size_t items_cap, char *msg, size_t cap);
int clinic_score_max(clinic_score_kind k);
/* Item i of a score (0, 1, ... until NULL); *yes_points 0 for a 0-4 item (0-10 for nrs), else
 * the points of its "yes". */
const char *clinic_score_item(clinic_score_kind k, int i, int *yes_points);

/* ---- evaluation settings and windows (clinic_window.c) ------------------------------ */

/* The evaluation settings (table setting; defaults and sources in docs/CLINIC.md). */
typedef struct {
  int threshold_bp;      /* success threshold in basis points (5000 = 50 %) */
  int min_days;          /* diary days needed in each phase */
  int baseline_max_days; /* the baseline is at most this many days, ending before the trial */
  int trial_days[2];     /* nominal trial length by therapy: SCS 14 (seed 000), SNM 28 (seed 004) */
  int tolerance_days;    /* a trial may run this much longer without an override */
} clinic_cfg;
/* Read the settings; threshold_opt (a --threshold value) overrides the stored threshold. */
int clinic_cfg_load(sqlite3 *db, const char *threshold_opt, clinic_cfg *cfg);
/* The settings `config` shows and sets, in order; *n gets their number. */
const char *const *clinic_cfg_keys(int *n);
/* Validate a value for a setting: 0 ok; -1 with a message (unknown key or bad value). */
int clinic_cfg_validate(const char *key, const char *value, char *msg, size_t cap);
/* 1 for the settings that shape the windows: changing one rebuilds every cached sum. */
int clinic_cfg_is_window_key(const char *key);

/* Where a diary day falls. Only baseline and trial days count in an evaluation. */
typedef enum {
  DP_BEFORE_REFERRAL = 0, /* before the done referral (or none recorded): kept, flagged, never used */
  DP_BEFORE_BASELINE,     /* after the referral, before the baseline window */
  DP_BASELINE,
  DP_OPERATION,           /* the trial operation day itself */
  DP_TRIAL,
  DP_PAST_WINDOW,         /* after the trial window while the trial is open or ran over */
  DP_AFTER,               /* after the recorded end of the trial */
  DP_COUNT
} clinic_day_phase;
const char *clinic_day_phase_name(clinic_day_phase ph);

/* The windows of a patient's evaluation, from the path and the settings. Day numbers;
 * the sentinels are stored as NULL in the cache. */
typedef struct {
  int32_t referral;  /* the done referral, INT32_MIN when none */
  int32_t base_from; /* first baseline day; INT32_MAX while the baseline has not started */
  int32_t base_to;   /* last baseline day (the day before the trial); INT32_MAX without a trial */
  int32_t trial_day; /* the trial operation (SCS operation 1, SNM stage 1); INT32_MIN when none */
  int32_t trial_to;  /* last trial day that counts; INT32_MIN without a trial */
  int32_t closed_to; /* last trial day as recorded (trial-end, day before stage 2); INT32_MAX open */
  int32_t limit_to;  /* last trial day without an override (window + tolerance); INT32_MIN none */
  int extended;      /* closed past limit_to with an override: every day up to closed_to counts */
  int over_limit;    /* closed past limit_to without an override (recorded before schema 3) */
} clinic_windows;
/* Windows of `path`; the override of the step that closed the trial extends the window. */
void clinic_windows_of(const clinic_path *path, const clinic_cfg *cfg, clinic_windows *w);
clinic_day_phase clinic_day_phase_of(const clinic_windows *w, int32_t day);
/* The step that closes the trial (SCS trial-end; SNM implant or explant) and is done, or -1. */
int clinic_trial_closing_step(const clinic_path *path);
/* 1 when step idx is the one that closes the trial for this therapy. */
int clinic_step_closes_trial(const clinic_path *path, int idx);
/* 1 when the trial is open and past the day its end may be recorded without an override. */
int clinic_trial_overdue(const clinic_windows *w, clinic_therapy t, int32_t today);
/* The first day clinic_trial_overdue holds, INT32_MAX when it never will (no open trial). */
int32_t clinic_trial_overdue_from(const clinic_windows *w, clinic_therapy t);
/* Warnings about the trial's length for check and path show, appended to out[] (at most
 * max, each a heap buffer the caller frees); returns the new count. */
int clinic_trial_warnings(const clinic_path *path, const clinic_cfg *cfg, int32_t today,
                          clinic_buf *out, int n, int max);

/* ---- evaluation (clinic_eval.c) and its cached sums (clinic_sums.c) ------------------ */

typedef enum { EV_SUCCESS, EV_FAILURE, EV_INSUFFICIENT } clinic_verdict;
typedef struct {
  int64_t sum;    /* SCS: half points; SNM: episodes */
  int64_t days;
  int64_t sum2, days2; /* SNM urgency episodes; SCS morning NRS */
  int64_t sum3, days3; /* SNM pads; SCS evening NRS */
  int32_t from, to;    /* window, INT32_MIN when none, INT32_MAX when open */
} clinic_phase_sum;
typedef struct {
  int have;
  int32_t date;
  int total;
} clinic_score_pt;
typedef struct {
  clinic_therapy therapy;
  clinic_verdict verdict;
  const char *reason;         /* why, for people */
  int threshold_bp;           /* success threshold in basis points (5000 = 50 %) */
  int min_days;
  clinic_windows win;
  char ext_reason[256];       /* the override that extended the trial window, or "" */
  clinic_phase_sum base, trial;
  int has_reduction;
  int64_t reduction_bp;       /* floor of the exact reduction, basis points */
  int64_t base_mean_c, trial_mean_c; /* means in 1/100 units (NRS or episodes/week) */
  clinic_score_pt score_before[3], score_after[3];
} clinic_eval;
/* Days actually used, as runs of consecutive days, and the days left out by phase. */
typedef struct {
  int32_t from, to;
} clinic_range;
typedef struct {
  clinic_range *used[2]; /* [0] baseline, [1] trial (heap; clinic_days_free) */
  int nused[2], capused[2];
  long by_phase[DP_COUNT];
} clinic_days;
void clinic_days_free(clinic_days *d);
const char *clinic_verdict_name(clinic_verdict v);
/* The pure rule: fill verdict and reduction from the phase sums. */
void clinic_eval_decide(clinic_eval *e);
/* Add one diary row to a phase's sums (the only place a row becomes numbers). */
void clinic_phase_add(clinic_phase_sum *ph, clinic_therapy t, const clinic_diary_row *r);
int clinic_eval_patient(sqlite3 *db, const clinic_patient *p, int threshold_bp, int min_days,
                        clinic_eval *e);
/* today: for the flag of an open trial past its window. days: NULL, or the days used. */
void clinic_eval_json(js_w *w, const clinic_patient *p, const clinic_eval *e, const clinic_cfg *cfg,
                      int32_t today, const clinic_days *days);
void clinic_eval_text(FILE *f, const clinic_patient *p, const clinic_eval *e, const clinic_cfg *cfg,
                      int32_t today, const clinic_days *days);
/* Threshold and minimum days from settings and an optional --threshold value. */
int clinic_eval_config(sqlite3 *db, const char *threshold_opt, int *threshold_bp, int *min_days);

/* The cache: one row per patient (table eval_cache) with the windows, the phase sums and
 * the scores an evaluation needs, kept up to date in the same transaction as every change
 * of the diary, the path, the scores or a window setting. Statements are prepared once per
 * command (clinic_sums_open) and reused for every patient. */
/* The patient list's state (clinic_state.c, table patient_state): statements prepared once;
 * store is NULL on a file older than migration 6. */
typedef struct {
  sqlite3_stmt *store, *visit;
} clinic_state_st;
int clinic_state_open(sqlite3 *db, clinic_state_st *st);
void clinic_state_close(clinic_state_st *st);
/* A patient's row of patient_state: computed (clinic_state_of, the one computation the store
 * and check-db share) or read back. Texts "" and days INT32_MAX where the table has NULL. */
typedef struct {
  char status[16], last_step[32], next_step[32], next_alt[32], phase[24], phase_next[24];
  int32_t last_date, phase_until, overdue_from, awaiting_from, control_due;
} clinic_state_row;
int clinic_state_of(clinic_state_st *st, const clinic_cfg *cfg, const clinic_patient *p, const clinic_path *path,
                    const clinic_windows *w, int32_t today, clinic_state_row *row);
/* check-db: recompute every patient's row and compare it with the table, without writing:
 * 0 all agree, 1 some disagree (how many, and the first as one line, in msg), -1 could not run. */
int clinic_state_verify(sqlite3 *db, int32_t today, char *msg, size_t cap);
/* Store the state of p from its path and windows (a no-op without the table). */
int clinic_state_store(clinic_state_st *st, const clinic_cfg *cfg, const clinic_patient *p, const clinic_path *path,
                       const clinic_windows *w, int32_t today);
/* The patient list: a page of the patients matching every given filter (NULL or 0: any),
 * ordered by code, as {"total","offset","limit","patients":[...]} (docs/CONSOLE.md). */
typedef struct {
  const char *search;  /* part of the code or name, any ASCII case; at most 128 bytes */
  const char *therapy; /* "scs" or "snm" */
  const char *phase;   /* a clinic_phase_name */
  int attention;       /* only the patients who need attention */
  int64_t limit, offset;
} clinic_list_query;
int clinic_list_json(sqlite3 *db, const clinic_list_query *q, int32_t today, js_w *w);

typedef struct {
  sqlite3 *db;
  clinic_cfg cfg;
  sqlite3_stmt *path, *diary, *scores, *store, *load;
  clinic_state_st state; /* kept with the sums: every change that moves one can move the other */
} clinic_sums;
int clinic_sums_open(sqlite3 *db, clinic_sums *s);
void clinic_sums_close(clinic_sums *s);
/* Everything but the verdict, from the diary and scores, for `path` (which may be a path
 * as it would be after a step: the implant check). days: NULL or filled. */
int clinic_sums_compute(clinic_sums *s, const clinic_patient *p, const clinic_path *path, clinic_eval *e,
                        clinic_days *days);
int clinic_sums_store(clinic_sums *s, int64_t pid, const clinic_eval *e);
/* Recompute one patient from the database and store it. */
int clinic_sums_refresh(clinic_sums *s, const clinic_patient *p);
/* Refresh one patient and commit the open transaction (rolled back on any failure). */
int clinic_sums_commit_patient(sqlite3 *db, const clinic_patient *p);
/* Recompute every patient (a window setting changed, or the migration that made the cache). */
int clinic_sums_rebuild_all(sqlite3 *db);
/* The cached columns of one row, starting at column `col` (CLINIC_SUMS_COLS names them). */
#define CLINIC_SUMS_COLS                                                                       \
  "referral, base_from, base_to, trial_day, trial_to, closed_to, limit_to, extended, over_limit, ext_reason, " \
  "b_sum, b_days, b_sum2, b_days2, b_sum3, b_days3, t_sum, t_days, t_sum2, t_days2, t_sum3, t_days3, "     \
  "sb0_date, sb0, sb1_date, sb1, sb2_date, sb2, sa0_date, sa0, sa1_date, sa1, sa2_date, sa2"
void clinic_sums_read_row(sqlite3_stmt *st, int col, clinic_eval *e);
/* Recompute every patient and compare with the cache, without writing. Mismatches are
 * reported on `report` (the first 10). Returns CL_OK (also with mismatches) or CL_IO. */
int clinic_sums_verify(sqlite3 *db, FILE *report, long *checked, long *mismatched);

/* ---- follow-up plan (clinic_plan.c) and calendar (clinic_ics.c) --------------------- */

typedef struct {
  int32_t date;          /* INT32_MIN when not yet known */
  int32_t date_to;       /* end of a window, or INT32_MIN */
  const char *kind;      /* "visit", "operation", "task", "window" */
  char key[32];          /* what the item is, stable when its date moves ("scs-trial-check-2") */
  char what[160];
  char when_text[96];    /* relative description when date is unknown */
  int done;              /* in the past or recorded */
} clinic_plan_item;
typedef struct {
  clinic_plan_item *items;
  int n, cap;
} clinic_plan;
int clinic_plan_build(const clinic_patient *p, const clinic_path *path, int32_t today,
                      int years, clinic_plan *plan);
void clinic_plan_free(clinic_plan *plan);


/* ---- ids that leave the database (clinic_ids.c) -------------------------------------- */

typedef struct {
  unsigned char key[32]; /* setting export_id_key */
} clinic_ids;
int clinic_ids_init(sqlite3 *db, clinic_ids *ids);
/* A version-8 UUID ("xxxxxxxx-xxxx-8xxx-[89ab]xxx-xxxxxxxxxxxx") from SHA-256 over the key and
 * the length-prefixed parts. */
void clinic_uuid8(const clinic_ids *ids, const char *const *parts, int n, char out[37]);

/* The plan's dated items as all-day VEVENTs (RFC 5545, CRLF, folded lines); 0 or -1 (write
 * error). clinic_ics_dated: how many items have a date (a calendar needs at least one). */
int clinic_ics_dated(const clinic_plan *plan);
int clinic_ics_write(FILE *f, const clinic_ids *ids, const clinic_patient *p, const clinic_plan *plan, int32_t today);

/* ---- rules, leaflet, triage (clinic_rules.c, clinic_leaflet.c, clinic_triage.c) ------ */

/* NULL when the name is no known anticoagulant, else the generic name it matched. */
const char *clinic_anticoagulant(const char *name);
/* 1 when a vaccination on vday of kind (flu != 0) falls in the window of an operation on
 * oday: flu 2 days before to 2 days after; others 14 days before to 14 days after. */
int clinic_vacc_conflict(int flu, int32_t vday, int32_t oday);
typedef enum { PH_PRE = 0, PH_TRIAL, PH_EARLY, PH_LONG, PH_REMOVED } clinic_phase;
const char *clinic_phase_name(clinic_phase ph);
int clinic_phase_parse(const char *s, clinic_phase *ph);
clinic_phase clinic_phase_of(const clinic_patient *p, const clinic_path *path, int32_t today);
/* The same, with the last day of that phase in *until (INT32_MAX: it lasts) and the phase
 * after it in *next. */
clinic_phase clinic_phase_at(const clinic_patient *p, const clinic_path *path, int32_t today, int32_t *until,
                             clinic_phase *next);
/* nl: in Dutch (the brochures' language), else English. */
void clinic_leaflet_print(FILE *f, clinic_therapy t, clinic_phase ph, int json, int nl);

typedef enum { TR_SELF = 0, TR_WEEKDAY = 1, TR_IMMEDIATE = 2 } clinic_urgency;
const char *clinic_urgency_name(clinic_urgency u);
/* The symptoms triage knows, i = 0, 1, ... until NULL; *therapies: 1 SCS, 2 SNM, 3 both. */
const char *clinic_triage_symptom(int i, int *therapies);

/* ---- recording a step: every rule, for path step and path import (clinic_step.c) ---- */

#define CLINIC_MAX_TREATMENTS 16
typedef struct {
  int idx;                  /* step index in the therapy's table */
  int32_t date;
  int planned;
  const char *outcome;      /* NULL or "" for the default */
  const char *note;         /* NULL or "" for none */
  const char *override;     /* the stated reason, NULL or "" for none */
  /* Earlier treatments, at the referral only: "KIND" or "KIND:DETAIL". */
  const char *treatments[CLINIC_MAX_TREATMENTS];
  int ntreatments;
} clinic_step_req;
typedef struct {
  sqlite3 *db;
  int32_t today;
  clinic_sums sums; /* evaluation for the implant check, and the cache */
  sqlite3_stmt *del_alt, *ins_step, *ins_treat;
} clinic_stepper;
int clinic_stepper_open(sqlite3 *db, int32_t today, clinic_stepper *s, clinic_err *e);
void clinic_stepper_close(clinic_stepper *s);
/* Check every rule for recording req on patient p with path `path` (order, dates, outcome,
 * the trial length, the implant's evaluation, the override, earlier treatments) and record
 * it; else refuse with one line in e naming the reason (prefixed "FILE line N: " when line > 0
 * and file != NULL). Updates `path`. The caller owns the transaction and refreshes the
 * patient's cached sums (clinic_sums_refresh) before it commits. */
int clinic_step_apply(clinic_stepper *s, const clinic_patient *p, clinic_path *path,
                      const clinic_step_req *req, const char *file, long line, clinic_err *e);
/* Split "KIND[:DETAIL];KIND..." (an import's earlier_treatments field) in place into req. */
int clinic_step_split_treatments(char *field, clinic_step_req *req, char *msg, size_t cap);

/* ---- commands (one file each group) -------------------------------------------------- */

typedef struct {
  sqlite3 *db;
  const char *db_path;
  int json;
  int32_t today;
} clinic_ctx;

/* The end of an all-or-nothing CSV import inside an open transaction: on rc != 0 roll back
 * and say nothing of `file` was stored; else commit and report `rows` `noun` imported
 * (text, or {"imported": rows} with --json). Returns the exit code. */
int clinic_import_finish(clinic_ctx *c, int rc, const char *file, long rows, const char *noun);

/* Run one command on an open database as `nmod clinic ARGV... --json` would, with its JSON
 * into out and its error (if any) into err; argv[0] is the command ("check", "path", ...).
 * The one place another program (the console) reaches the commands: it renders the same
 * results the CLI prints. Returns the exit code. */
int clinic_call(sqlite3 *db, int argc, const char *const *argv, FILE *out, clinic_err *err);
/* The report as one HTML page into f, produced by `by` (clinic_report.c). */
int clinic_report_write(clinic_ctx *c, const clinic_patient *p, const char *by, FILE *f);

int clinic_cmd_patient(clinic_ctx *c, clinic_args *a);
int clinic_cmd_path(clinic_ctx *c, clinic_args *a);
int clinic_cmd_diary(clinic_ctx *c, clinic_args *a);
int clinic_cmd_link(clinic_ctx *c, clinic_args *a);
int clinic_cmd_score(clinic_ctx *c, clinic_args *a);
int clinic_cmd_evaluate(clinic_ctx *c, clinic_args *a);
int clinic_cmd_config(clinic_ctx *c, clinic_args *a);
int clinic_cmd_plan(clinic_ctx *c, clinic_args *a);
int clinic_cmd_vaccination(clinic_ctx *c, clinic_args *a);
int clinic_cmd_medication(clinic_ctx *c, clinic_args *a);
int clinic_cmd_check(clinic_ctx *c, clinic_args *a);
int clinic_cmd_leaflet(clinic_ctx *c, clinic_args *a);
int clinic_cmd_triage(clinic_ctx *c, clinic_args *a);
int clinic_cmd_visit(clinic_ctx *c, clinic_args *a);
/* Read-outs (clinic_visit.c): 0 when a stored document decodes with the codec; the stored
 * read-out `interrogation_id` decoded (CL_USAGE when it is an older, undecoded import); its
 * lead alerts and test thresholds as text appended to the buffers. */
int clinic_readout_stored_ok(const char *doc, size_t len);
int clinic_readout_load(sqlite3 *db, int64_t interrogation_id, ro_readout_t *ro);
int clinic_readout_rows(sqlite3 *db, int64_t iid, clinic_buf *alerts, clinic_buf *thresholds);
int clinic_cmd_interrogation(clinic_ctx *c, clinic_args *a);
int clinic_cmd_report(clinic_ctx *c, clinic_args *a);
int clinic_cmd_export(clinic_ctx *c, clinic_args *a);
int clinic_cmd_lead(clinic_ctx *c, clinic_args *a);

/* JSON on stdout for the list commands: {"patient": CODE, "KEY": [ ... ]} and a one-key
 * answer {"KEY": true|false}. */
void clinic_json_list_begin(js_w *w, const char *code, const char *key);
/* A member written once: "key": value (clinic_kv_opt_int: null unless have). */
void clinic_kv_str(js_w *w, const char *key, const char *s);
void clinic_kv_int(js_w *w, const char *key, int64_t v);
void clinic_kv_bool(js_w *w, const char *key, int v);
void clinic_kv_opt_int(js_w *w, const char *key, int have, int64_t v);
void clinic_json_list_end(js_w *w);
void clinic_json_flag(const char *key, int v);
int clinic_cmd_checkdb(clinic_ctx *c, clinic_args *a);
/* The patient as a FHIR R4 Bundle (clinic_fhir.c), inside the caller's read transaction. */
int clinic_fhir_write(sqlite3 *db, const clinic_patient *p, FILE *f);

#endif
