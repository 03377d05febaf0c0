/* clinic_diary.c: diary rows (SCS daily pain NRS, SNM bowel diary), their validation and the
 * all-or-nothing CSV import.
 *
 * An import runs in one transaction: every row is validated, every bad row is reported with
 * its line number and reason (the first CLINIC_IMPORT_MAX_REPORT of them, in the result), and on any error
 * the transaction is rolled back so that nothing of the file is stored. A kill -9 during the
 * import leaves the database as it was before, because SQLite never commits half of a
 * transaction (WAL mode: uncommitted frames are ignored when the file is next opened).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "clinic_diary.h"
#include "clinic_csv.h"
#include "clinic_err.h"
#include "clinic_eval.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_store.h"
#include "clinic_sums.h"
#include "clinic_window.h"
#include "hu_date.h"
#include "hu_dec.h"

int clinic_diary_pain_x2(const clinic_diary_row *r) {
  if (r->nrs >= 0) return r->nrs * 2;
  if (r->morning >= 0 && r->evening >= 0) return r->morning + r->evening;
  if (r->morning >= 0) return r->morning * 2;
  if (r->evening >= 0) return r->evening * 2;
  return -1;
}

const clinic_diary_field clinic_diary_fields[CLINIC_DIARY_NFIELDS] = {
    {"nrs", CLINIC_NRS_MAX},           {"morning", CLINIC_NRS_MAX}, {"evening", CLINIC_NRS_MAX},
    {"incontinence", CLINIC_EPISODES_MAX}, {"urgency", CLINIC_EPISODES_MAX}, {"pads", CLINIC_PADS_MAX},
};

int clinic_diary_field_of(int f, clinic_therapy t) { return (f < CLINIC_DIARY_INCONTINENCE) == (t == TH_SCS); }

int *clinic_diary_slot(clinic_diary_row *r, int f) {
  int *v[CLINIC_DIARY_NFIELDS] = {&r->nrs, &r->morning, &r->evening, &r->incontinence, &r->urgency, &r->pads};
  return v[f];
}

int clinic_diary_set_text(clinic_diary_row *r, int f, const char *text, char *msg, size_t cap) {
  long n;
  if (hu_dec_range(text, 0, 0, clinic_diary_fields[f].max, &n) != 0) {
    snprintf(msg, cap, "%s '%s' is not a whole number from 0 to %ld", clinic_diary_fields[f].name, text,
             clinic_diary_fields[f].max);
    return -1;
  }
  *clinic_diary_slot(r, f) = (int)n;
  return 0;
}

#define DIARY_INSERT_SQL \
  "INSERT INTO diary(pid, date, nrs, nrs_morning, nrs_evening, incontinence, urgency, pads) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)"
/* A corrected day is entered by hand now: it no longer comes from a file line. */
#define DIARY_UPDATE_SQL                                                                                              \
  "UPDATE diary SET nrs = ?3, nrs_morning = ?4, nrs_evening = ?5, incontinence = ?6, urgency = ?7, pads = ?8, " \
  "import_id = NULL, line = NULL WHERE pid = ?1 AND date = ?2"

/* Run sql (one of the two above) for r: SQLite's result code (-1: not prepared, the error in
 * e), and the rows it changed. */
static int run_row(sqlite3 *db, const char *sql, const clinic_patient *p, const clinic_diary_row *r, int *changed,
                   clinic_err *e) {
  *changed = 0;
  sqlite3_stmt *st = clinic_sql_prep(db, sql, e);
  if (!st) return -1;
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, r->date);
  clinic_diary_row v = *r;
  sqlite3_bind_int64(st, 1, p->pid);
  sqlite3_bind_text(st, 2, ds, -1, SQLITE_STATIC);
  for (int i = 0; i < CLINIC_DIARY_NFIELDS; i++) {
    int x = *clinic_diary_slot(&v, i);
    if (x >= 0)
      sqlite3_bind_int(st, 3 + i, x);
    else
      sqlite3_bind_null(st, 3 + i);
  }
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  *changed = rc == SQLITE_DONE ? sqlite3_changes(db) : 0;
  return rc;
}

/* Store r (valid) for p: CLINIC_E_OK, CLINIC_E_RULE (the day exists, mode NEW), or the
 * database's error in e. */
static int put_row(sqlite3 *db, const clinic_patient *p, const clinic_diary_row *r, clinic_diary_mode mode,
                   int *replaced, clinic_err *e) {
  int changed = 0, rc = SQLITE_DONE;
  if (mode == CLINIC_DIARY_SET) rc = run_row(db, DIARY_UPDATE_SQL, p, r, &changed, e);
  if (replaced) *replaced = changed == 1;
  if (rc == SQLITE_DONE && changed == 0) rc = run_row(db, DIARY_INSERT_SQL, p, r, &changed, e);
  if (rc == SQLITE_CONSTRAINT && mode == CLINIC_DIARY_NEW) {
    char ds[11];
    hu_date_fmt(ds, HU_DATE_LEN, r->date);
    return clinic_err_set(e, CLINIC_E_RULE, "%s already has a diary entry for %s", p->code, ds);
  }
  if (rc == -1) return CLINIC_E_IO;
  return rc == SQLITE_DONE ? CLINIC_E_OK : clinic_err_db(e, db, "storing a diary day");
}

int clinic_diary_put(sqlite3 *db, const clinic_patient *p, const clinic_diary_row *r, clinic_diary_mode mode,
                     int32_t today, int *replaced, clinic_err *e) {
  if (replaced) *replaced = 0;
  int rc = clinic_sql_begin(db, e);
  if (rc) return rc;
  clinic_path path;
  char msg[400];
  if ((rc = clinic_path_read(db, p, &path, e)) == CLINIC_E_OK &&
      clinic_diary_validate(p, clinic_path_done(&path, "referral"), r, today, msg, sizeof msg) != 0)
    rc = clinic_err_set(e, CLINIC_E_INPUT, "%s", msg);
  if (!rc) rc = put_row(db, p, r, mode, replaced, e);
  if (rc) {
    clinic_rollback(db);
    return rc;
  }
  return clinic_sums_commit(db, p, e);
}

int clinic_diary_validate(const clinic_patient *p, int32_t referral, const clinic_diary_row *r, int32_t today,
                          char *msg, size_t cap) {
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, r->date);
  if (r->date > today) {
    snprintf(msg, cap, "date %s is in the future", ds);
    return -1;
  }
  if (r->date < p->birth) {
    snprintf(msg, cap, "date %s is before the birth date of %s", ds, p->code);
    return -1;
  }
  /* A diary belongs to the path: nothing from before the referral may count or be stored. */
  if (referral == INT32_MIN) {
    snprintf(msg, cap, "%s has no referral recorded: a diary starts after the referral (record it first: nmod clinic path "
             "step %s referral --date YYYY-MM-DD)", p->code, p->code);
    return -1;
  }
  if (r->date < referral) {
    char rd[11];
    hu_date_fmt(rd, HU_DATE_LEN, referral);
    snprintf(msg, cap, "date %s is before the referral of %s on %s: a diary starts after the referral", ds, p->code, rd);
    return -1;
  }
  if (p->therapy == TH_SCS) {
    if (r->incontinence >= 0 || r->urgency >= 0 || r->pads >= 0) {
      snprintf(msg, cap, "%s is an SCS patient: a pain diary has nrs, morning, evening, not bowel counts",
               p->code);
      return -1;
    }
    if (clinic_diary_pain_x2(r) < 0) {
      snprintf(msg, cap, "no pain score: give nrs, or morning and/or evening (0-10)");
      return -1;
    }
  } else {
    if (r->nrs >= 0 || r->morning >= 0 || r->evening >= 0) {
      snprintf(msg, cap, "%s is an SNM patient: a bowel diary has incontinence, urgency, pads, not pain scores",
               p->code);
      return -1;
    }
    if (r->incontinence < 0) {
      snprintf(msg, cap, "the number of incontinence episodes is missing (0-%d)", CLINIC_EPISODES_MAX);
      return -1;
    }
  }
  return 0;
}

/* Column roles in a diary file. */
enum { DC_PATIENT, DC_DATE, DC_NRS, DC_MORNING, DC_EVENING, DC_INC, DC_URG, DC_PADS, DC_N };
static const char *const dc_names[DC_N] = {"patient", "date", "nrs", "morning", "evening",
                                           "incontinence", "urgency", "pads"};

/* A patient of the file: the referral (the rule), the cached windows (to add the file's days
 * to the cached sums) and the sums of the days added so far. */
typedef struct {
  char code[64];
  clinic_patient p;
  int32_t referral;
  clinic_windows win;    /* from the cache */
  clinic_phase_sum add[2]; /* what this file adds: baseline, trial */
  int touched;
} pat_entry;

static int pat_cmp(const void *a, const void *b) {
  return strcmp(((const pat_entry *)a)->code, ((const pat_entry *)b)->code);
}

/* The patients of the import, sorted by code: one (code) or all (code NULL). */
static int load_patients(sqlite3 *db, const char *code, pat_entry **out, size_t *n, clinic_err *err) {
#define LOAD_SQL                                                                                       \
  "SELECT p.pid, p.code, p.therapy, p.birth_date, r.date, c.pid, " CLINIC_SUMS_COLS " FROM patient p "    \
  "LEFT JOIN eval_cache c ON c.pid = p.pid LEFT JOIN path_step r ON r.pid = p.pid AND r.step = 'referral' " \
  "AND r.planned = 0 "
  sqlite3_stmt *st = clinic_sql_prep(db, code ? LOAD_SQL "WHERE p.code = ?" : LOAD_SQL "ORDER BY p.code", err);
#undef LOAD_SQL
  if (!st) return CLINIC_E_IO;
  if (code) sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
  size_t cap = 64, k = 0;
  pat_entry *v = malloc(cap * sizeof *v);
  if (!v) {
    sqlite3_finalize(st);
    return clinic_err_set(err, CLINIC_E_IO, "out of memory");
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (k == cap) {
      pat_entry *nv = realloc(v, 2 * cap * sizeof *v);
      if (!nv) {
        sqlite3_finalize(st);
        free(v);
        return clinic_err_set(err, CLINIC_E_IO, "out of memory");
      }
      cap *= 2;
      v = nv;
    }
    pat_entry *e = &v[k];
    memset(e, 0, sizeof *e);
    e->p.pid = sqlite3_column_int64(st, 0);
    snprintf(e->code, sizeof e->code, "%s", (const char *)sqlite3_column_text(st, 1));
    memcpy(e->p.code, e->code, sizeof e->code);
    e->p.therapy = strcmp((const char *)sqlite3_column_text(st, 2), "scs") == 0 ? TH_SCS : TH_SNM;
    if (hu_date_parse((const char *)sqlite3_column_text(st, 3), &e->p.birth) != 0) e->p.birth = 0;
    const unsigned char *rd = sqlite3_column_text(st, 4);
    if (!rd || hu_date_parse((const char *)rd, &e->referral) != 0) e->referral = INT32_MIN;
    if (sqlite3_column_type(st, 5) == SQLITE_NULL) {
      rc = clinic_err_set(err, CLINIC_E_IO,
                          "database %s: patient %s has no evaluation sums (the database is damaged or was changed "
                          "by another program)",
                          sqlite3_db_filename(db, "main"), e->code);
      sqlite3_finalize(st);
      free(v);
      return rc;
    }
    clinic_eval cached;
    memset(&cached, 0, sizeof cached);
    clinic_sums_read_row(st, 6, &cached);
    e->win = cached.win;
    k++;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    free(v);
    return clinic_err_db(err, db, "reading patients");
  }
  /* ORDER BY code uses SQLite's binary collation, the same order as strcmp. */
  *out = v;
  *n = k;
  return CLINIC_E_OK;
}

/* Add what the file brought to each patient's cached sums (same transaction). */
static int store_added(sqlite3 *db, pat_entry *pats, size_t n, clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db,
                                     "UPDATE eval_cache SET b_sum = b_sum + ?, b_days = b_days + ?, b_sum2 = b_sum2 + ?, "
                                     "b_days2 = b_days2 + ?, b_sum3 = b_sum3 + ?, b_days3 = b_days3 + ?, "
                                     "t_sum = t_sum + ?, t_days = t_days + ?, t_sum2 = t_sum2 + ?, "
                                     "t_days2 = t_days2 + ?, t_sum3 = t_sum3 + ?, t_days3 = t_days3 + ? WHERE pid = ?",
                                     e);
  if (!st) return CLINIC_E_IO;
  int rc = CLINIC_E_OK;
  for (size_t i = 0; i < n && !rc; i++) {
    if (!pats[i].touched) continue;
    const clinic_phase_sum *ph[2] = {&pats[i].add[0], &pats[i].add[1]};
    for (int k = 0; k < 2; k++) {
      int64_t v[6] = {ph[k]->sum, ph[k]->days, ph[k]->sum2, ph[k]->days2, ph[k]->sum3, ph[k]->days3};
      for (int j = 0; j < 6; j++) sqlite3_bind_int64(st, 1 + 6 * k + j, v[j]);
    }
    sqlite3_bind_int64(st, 13, pats[i].p.pid);
    if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(db) != 1) rc = clinic_err_db(e, db, "updating the evaluation sums");
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  return rc;
}

/* Why a diary day already exists: an earlier line of this file, another import, or a command. */
static void duplicate_reason(sqlite3 *db, int64_t pid, const char *date, int64_t import_id,
                             char *out, size_t cap) {
  sqlite3_stmt *st = clinic_sql_prep(
      db, "SELECT d.import_id, d.line, i.file FROM diary d LEFT JOIN diary_import i ON i.id = d.import_id "
          "WHERE d.pid = ? AND d.date = ?", NULL);
  snprintf(out, cap, "already in the database");
  if (!st) return;
  sqlite3_bind_int64(st, 1, pid);
  sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) {
    if (sqlite3_column_type(st, 0) == SQLITE_NULL)
      snprintf(out, cap, "already in the database (entered with diary add)");
    else if (sqlite3_column_int64(st, 0) == import_id)
      snprintf(out, cap, "the same day is on line %lld of this file", (long long)sqlite3_column_int64(st, 1));
    else
      snprintf(out, cap, "already in the database (imported from %s)", (const char *)sqlite3_column_text(st, 2));
  }
  sqlite3_finalize(st);
}

/* One import as it runs: the file, its columns, its patients, the statements. */
typedef struct {
  sqlite3 *db;
  const char *patient, *path;
  int32_t today;
  clinic_csv csv;
  int col[DC_N], ncols;
  pat_entry *pats, *cur;
  size_t npats;
  sqlite3_stmt *ins;
  clinic_diary_import_result *res;
} importer;

/* The header line: which column is what. */
static int import_header(importer *im, clinic_err *e) {
  char msg[512];
  const char *path = im->path;
  for (int i = 0; i < DC_N; i++) im->col[i] = -1;
  int r = clinic_csv_next(&im->csv, msg, sizeof msg);
  if (r != 1)
    return clinic_err_set(e, CLINIC_E_INPUT, "%s line %ld: %s; nothing of %s was stored", path, im->csv.line ? im->csv.line : 1,
                          r == 0 ? "empty file, expected a header such as date,nrs or date,incontinence,urgency,pads" : msg,
                          path);
  for (int i = 0; i < im->csv.nfields; i++) {
    int k = -1;
    for (int j = 0; j < DC_N; j++)
      if (strcmp(im->csv.field[i], dc_names[j]) == 0) k = j;
    if (k < 0)
      return clinic_err_set(e, CLINIC_E_INPUT,
                            "%s line 1: unknown column '%s' (known: patient, date, nrs, morning, evening, incontinence, urgency, pads); nothing of %s was stored",
                            path, im->csv.field[i], path);
    if (im->col[k] >= 0)
      return clinic_err_set(e, CLINIC_E_INPUT, "%s line 1: column '%s' appears twice; nothing of %s was stored", path,
                            im->csv.field[i], path);
    im->col[k] = i;
  }
  if (im->col[DC_DATE] < 0)
    return clinic_err_set(e, CLINIC_E_INPUT, "%s line 1: no 'date' column (is the header line missing?); nothing of %s was stored",
                          path, path);
  if (!im->patient && im->col[DC_PATIENT] < 0)
    return clinic_err_set(e, CLINIC_E_INPUT, "%s has no 'patient' column: name the patient (nmod clinic diary import PATIENT FILE)",
                          path);
  im->ncols = im->csv.nfields;
  return CLINIC_E_OK;
}

/* A record read (r: clinic_csv_next's answer) as a diary row of im->cur: 0, or -1 with why in msg. */
static int import_parse(importer *im, int r, clinic_diary_row *row, char *msg, size_t cap) {
  const clinic_csv *csv = &im->csv;
  if (r != 1) return -1;
  if (csv->nfields != im->ncols) {
    snprintf(msg, cap, "%d fields, the header has %d", csv->nfields, im->ncols);
    return -1;
  }
  const char *code = im->col[DC_PATIENT] >= 0 ? csv->field[im->col[DC_PATIENT]] : NULL;
  if (im->patient) {
    if (code && strcmp(code, im->patient) != 0) {
      snprintf(msg, cap, "patient '%s' differs from the patient %s named on the command line", code, im->patient);
      return -1;
    }
  } else if (!im->cur || strcmp(im->cur->p.code, code) != 0) {
    pat_entry key;
    snprintf(key.code, sizeof key.code, "%s", code);
    pat_entry *hit = strlen(code) < sizeof key.code ? bsearch(&key, im->pats, im->npats, sizeof *im->pats, pat_cmp) : NULL;
    if (!hit) {
      snprintf(msg, cap, "unknown patient '%.60s' (add it first with nmod clinic patient add)", code);
      return -1;
    }
    im->cur = hit;
  }
  int drc = hu_date_parse(csv->field[im->col[DC_DATE]], &row->date);
  if (drc != 0) {
    hu_date_msg(msg, cap, "date", csv->field[im->col[DC_DATE]], drc, HU_FORM_DATE);
    return -1;
  }
  for (int j = DC_NRS; j < DC_N; j++) {
    if (im->col[j] < 0 || csv->field[im->col[j]][0] == '\0') continue;
    long v;
    long max = clinic_diary_fields[j - DC_NRS].max;
    if (hu_dec_range(csv->field[im->col[j]], 0, 0, max, &v) != 0) {
      snprintf(msg, cap, "%s '%.40s' is not a whole number from 0 to %ld", dc_names[j], csv->field[im->col[j]], max);
      return -1;
    }
    *clinic_diary_slot(row, j - DC_NRS) = (int)v;
  }
  return clinic_diary_validate(&im->cur->p, im->cur->referral, row, im->today, msg, cap);
}

/* Store a valid row and add it to its patient's sums: CLINIC_E_OK; CLINIC_E_RULE, the day is
 * stored already (why in msg); CLINIC_E_IO (in e). */
static int import_store(importer *im, const clinic_diary_row *row, char *msg, size_t cap, clinic_err *e) {
  pat_entry *cur = im->cur;
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, row->date);
  sqlite3_stmt *ins = im->ins;
  sqlite3_reset(ins);
  sqlite3_bind_int64(ins, 1, cur->p.pid);
  sqlite3_bind_text(ins, 2, ds, -1, SQLITE_TRANSIENT);
  clinic_diary_row v = *row;
  for (int j = 0; j < CLINIC_DIARY_NFIELDS; j++) {
    int x = *clinic_diary_slot(&v, j);
    if (x >= 0)
      sqlite3_bind_int(ins, 3 + j, x);
    else
      sqlite3_bind_null(ins, 3 + j);
  }
  sqlite3_bind_int64(ins, 9, im->res->import_id);
  sqlite3_bind_int64(ins, 10, im->csv.line);
  int s = sqlite3_step(ins);
  if (s == SQLITE_CONSTRAINT) {
    char why[300];
    sqlite3_reset(ins);
    duplicate_reason(im->db, cur->p.pid, ds, im->res->import_id, why, sizeof why);
    snprintf(msg, cap, "%s already has a diary entry for %s: %s (one entry per day)", cur->p.code, ds, why);
    return CLINIC_E_RULE;
  }
  if (s != SQLITE_DONE) return clinic_err_db(e, im->db, "storing a diary row");
  im->res->rows++;
  clinic_day_phase ph = clinic_day_phase_of(&cur->win, row->date);
  if (ph == DP_BASELINE || ph == DP_TRIAL) {
    clinic_phase_add(&cur->add[ph == DP_TRIAL], cur->p.therapy, row);
    cur->touched = 1;
  }
  return CLINIC_E_OK;
}

/* Every record of the file after the header, inside the open transaction. */
static int import_rows(importer *im, clinic_err *e) {
  clinic_diary_import_result *res = im->res;
  const char *path = im->path;
  char msg[512];
  int worst = CLINIC_E_OK;
  for (;;) {
    int r = clinic_csv_next(&im->csv, msg, sizeof msg);
    if (r == 0) break;
    clinic_diary_row row = {0, -1, -1, -1, -1, -1, -1};
    int row_rc = CLINIC_E_INPUT;
    int ok = import_parse(im, r, &row, msg, sizeof msg) == 0;
    if (ok && !res->bad) {
      row_rc = import_store(im, &row, msg, sizeof msg, e);
      if (row_rc == CLINIC_E_IO) return CLINIC_E_IO;
      ok = row_rc == CLINIC_E_OK;
    }
    if (!ok) {
      res->bad++;
      if (row_rc == CLINIC_E_INPUT || worst == CLINIC_E_OK) worst = row_rc;
      if (res->nreported < CLINIC_IMPORT_MAX_REPORT)
        snprintf(res->reported[res->nreported++], sizeof res->reported[0], "%s line %ld: %s", path, im->csv.line, msg);
      /* Keep reading to report further bad rows, but store nothing more. */
    }
  }
  if (res->bad)
    return clinic_err_set(e, worst, "%ld bad row%s%s; nothing of %s was stored: fix the file and import it again", res->bad,
                          res->bad == 1 ? "" : "s", res->bad > res->nreported ? " (first ones shown)" : "", path);
  if (res->rows == 0) return clinic_err_set(e, CLINIC_E_INPUT, "%s has a header but no diary rows; nothing stored", path);
  if (store_added(im->db, im->pats, im->npats, e) != CLINIC_E_OK) return CLINIC_E_IO;
  sqlite3_stmt *up = clinic_sql_prep(im->db, "UPDATE diary_import SET rows = ? WHERE id = ?", e);
  if (!up) return CLINIC_E_IO;
  sqlite3_bind_int64(up, 1, res->rows);
  sqlite3_bind_int64(up, 2, res->import_id);
  int s = sqlite3_step(up);
  sqlite3_finalize(up);
  return s == SQLITE_DONE ? CLINIC_E_OK : clinic_err_db(e, im->db, "finishing the import");
}

/* The transaction's part: the patients, the import's row, the rows, the sums. */
static int import_run(importer *im, clinic_err *e) {
  sqlite3 *db = im->db;
  /* Inside the write transaction: the windows cannot change while the file is added. */
  if (load_patients(db, im->patient, &im->pats, &im->npats, e) != CLINIC_E_OK) return CLINIC_E_IO;
  if (im->patient && im->npats != 1) return clinic_err_set(e, CLINIC_E_NOT_FOUND, "unknown patient '%s'", im->patient);
  im->cur = im->patient ? &im->pats[0] : NULL;
  clinic_store_bulk(db);
  char td[11];
  hu_date_fmt(td, HU_DATE_LEN, im->today);
  sqlite3_stmt *imp = clinic_sql_prep(db, "INSERT INTO diary_import(file, rows, at) VALUES (?, 0, ?)", e);
  if (!imp) return CLINIC_E_IO;
  sqlite3_bind_text(imp, 1, im->path, -1, SQLITE_STATIC);
  sqlite3_bind_text(imp, 2, td, -1, SQLITE_STATIC);
  int s = sqlite3_step(imp);
  sqlite3_finalize(imp);
  if (s != SQLITE_DONE) return clinic_err_db(e, db, "starting the import");
  im->res->import_id = clinic_store_last_id(db);
  im->ins = clinic_sql_prep(
      db, "INSERT INTO diary(pid, date, nrs, nrs_morning, nrs_evening, incontinence, urgency, pads, import_id, line) "
          "VALUES (?,?,?,?,?,?,?,?,?,?)", e);
  if (!im->ins) return CLINIC_E_IO;
  return import_rows(im, e);
}

int clinic_diary_import(sqlite3 *db, const char *patient, const char *path, int32_t today, clinic_diary_import_result *res,
                        clinic_err *e) {
  memset(res, 0, sizeof *res);
  importer im = {.db = db, .patient = patient, .path = path, .today = today, .res = res};
  clinic_patient single;
  /* The named patient must exist (and gets the usual message when it does not). */
  if (patient && clinic_patient_lookup(db, patient, &single, e) != CLINIC_E_OK) return e->code;
  if (clinic_csv_open(&im.csv, path) != 0)
    return clinic_err_set(e, CLINIC_E_INPUT, "cannot read %s: no such file or not readable", path);
  int rc = import_header(&im, e);
  if (!rc) rc = clinic_sql_begin(db, e);
  if (!rc) {
    rc = import_run(&im, e);
    sqlite3_finalize(im.ins);
    if (!rc) rc = clinic_sql_commit(db, e);
    if (rc) clinic_rollback(db);
  }
  free(im.pats);
  clinic_csv_close(&im.csv);
  return rc;
}
