/* clinic_path_rec.c: the path's view and the writes on it (clinic_path_rec.h); the command
 * line and the renderers are clinic_cmd_path.c. */
#include <string.h>

#include "clinic_path_rec.h"
#include "clinic_csv.h"
#include "clinic_err.h"
#include "clinic_store.h"
#include "clinic_sums.h"
#include "clinic_window.h"
#include "hu_date.h"

void clinic_path_view_free(clinic_path_view *v) {
  for (int i = 0; i < v->nwarn; i++) clinic_buf_free(&v->warn[i]);
  for (int i = 0; i < v->ntreat; i++) {
    clinic_buf_free(&v->treat_kind[i]);
    clinic_buf_free(&v->treat_detail[i]);
  }
  v->nwarn = v->ntreat = 0;
}

/* The earlier treatments recorded with the referral, in the order entered. */
static int read_treatments(sqlite3 *db, int64_t pid, clinic_path_view *v, clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT kind, detail FROM earlier_treatment WHERE pid = ? ORDER BY id", e);
  if (!st) return e->code;
  sqlite3_bind_int64(st, 1, pid);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW && v->ntreat < CLINIC_VIEW_MAX_TREAT) {
    const unsigned char *k = sqlite3_column_text(st, 0), *d = sqlite3_column_text(st, 1);
    int n = v->ntreat++;
    memset(&v->treat_kind[n], 0, sizeof v->treat_kind[n]);
    memset(&v->treat_detail[n], 0, sizeof v->treat_detail[n]);
    clinic_buf_puts(&v->treat_kind[n], k ? (const char *)k : "");
    clinic_buf_puts(&v->treat_detail[n], d ? (const char *)d : "");
  }
  return clinic_sql_end(db, st, rc, "reading earlier treatments", e);
}

int clinic_path_view_read(sqlite3 *db, const clinic_patient *p, int32_t today, clinic_path_view *v, clinic_err *e) {
  memset(v, 0, sizeof *v);
  clinic_cfg cfg;
  int rc = clinic_path_read(db, p, &v->path, e);
  if (!rc) rc = clinic_cfg_read(db, NULL, &cfg, e);
  if (rc) return rc;
  v->nwarn = clinic_trial_warnings(&v->path, &cfg, today, v->warn, 0, CLINIC_VIEW_MAX_WARN);
  if ((rc = read_treatments(db, p->pid, v, e)) != CLINIC_E_OK) clinic_path_view_free(v);
  return rc;
}

int clinic_path_record(sqlite3 *db, int32_t today, const clinic_patient *p, const clinic_step_req *req,
                       clinic_path *path, clinic_err *e) {
  int rc = clinic_sql_begin(db, e);
  if (rc) return rc;
  clinic_stepper sp;
  if ((rc = clinic_stepper_open(db, today, &sp, e)) != CLINIC_E_OK) {
    clinic_rollback(db);
    return rc;
  }
  rc = clinic_path_read_st(sp.sums.path, p, path, e);
  if (!rc) rc = clinic_step_apply(&sp, p, path, req, NULL, 0, e);
  if (!rc) rc = clinic_sums_refresh(&sp.sums, p, e);
  clinic_stepper_close(&sp);
  if (!rc) rc = clinic_sql_commit(db, e);
  if (rc) clinic_rollback(db);
  return rc;
}

int clinic_path_undo(sqlite3 *db, const clinic_patient *p, int *idx, int32_t *date, clinic_err *e) {
  clinic_path path;
  int rc = clinic_path_read(db, p, &path, e);
  if (rc) return rc;
  int last = -1;
  for (int i = 0; i < path.nsteps; i++)
    if (path.rec[i].recorded) last = i;
  if (last < 0) return clinic_err_set(e, CLINIC_E_RULE, "%s: no step recorded, nothing to undo", p->code);
  *idx = last;
  *date = path.rec[last].date;
  if ((rc = clinic_sql_begin(db, e)) != CLINIC_E_OK) return rc;
  sqlite3_stmt *st = clinic_sql_prep(db, "DELETE FROM path_step WHERE pid = ? AND step = ?", e);
  if (st) {
    sqlite3_bind_int64(st, 1, p->pid);
    sqlite3_bind_text(st, 2, path.def[last].id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) clinic_err_db(e, db, "undoing a step");
    sqlite3_finalize(st);
  }
  /* The earlier treatments were recorded with the referral and go with it. */
  if (!e->code && last == 0) clinic_sql_exec_pid(db, "DELETE FROM earlier_treatment WHERE pid = ?", p->pid, e);
  if (e->code) {
    clinic_rollback(db);
    return e->code;
  }
  return clinic_sums_commit(db, p, e);
}

/* ---- path import ---------------------------------------------------------------------- */

enum { PC_PATIENT, PC_STEP, PC_DATE, PC_PLANNED, PC_OUTCOME, PC_NOTE, PC_OVERRIDE, PC_TREAT, PC_N };
static const char *const pc_names[PC_N] = {"patient", "step", "date", "planned", "outcome", "note", "override",
                                           "earlier_treatments"};

/* The header: which column holds what (-1: absent); the first three are required. */
static int import_header(clinic_csv *csv, const char *file, int col[PC_N], clinic_err *e) {
  char msg[512];
  for (int j = 0; j < PC_N; j++) col[j] = -1;
  int r = clinic_csv_next(csv, msg, sizeof msg);
  if (r != 1)
    return clinic_err_set(e, CLINIC_E_INPUT, "%s line 1: %s; nothing was stored", file,
                          r == 0 ? "empty file, expected the header patient,step,date" : msg);
  for (int i = 0; i < csv->nfields; i++) {
    int k = -1;
    for (int j = 0; j < PC_N; j++)
      if (strcmp(csv->field[i], pc_names[j]) == 0) k = j;
    if (k < 0 || col[k] >= 0)
      return clinic_err_set(e, CLINIC_E_INPUT, "%s line 1: column '%s' is unknown or repeated (expected patient,step,date"
                            "[,planned,outcome,note,override,earlier_treatments])", file, csv->field[i]);
    col[k] = i;
  }
  for (int j = 0; j < 3; j++)
    if (col[j] < 0) return clinic_err_set(e, CLINIC_E_INPUT, "%s line 1: column '%s' is missing", file, pc_names[j]);
  return CLINIC_E_OK;
}

/* One row's request (the patient is looked up by the caller); errors name the line. */
static int import_req(clinic_csv *csv, const char *file, const int col[PC_N], const clinic_patient *p,
                      clinic_step_req *req, clinic_err *e) {
  memset(req, 0, sizeof *req);
  req->idx = clinic_path_index(p->therapy, csv->field[col[PC_STEP]]);
  if (req->idx < 0)
    return clinic_err_set(e, CLINIC_E_INPUT, "%s line %ld: '%.40s' is no step of the %s path", file, csv->line,
                          csv->field[col[PC_STEP]], clinic_therapy_name(p->therapy));
  int drc = hu_date_parse(csv->field[col[PC_DATE]], &req->date);
  if (drc != 0) {
    char m[160];
    return clinic_err_set(e, CLINIC_E_INPUT, "%s line %ld: %s", file, csv->line,
                          hu_date_msg(m, sizeof m, "date", csv->field[col[PC_DATE]], drc, HU_FORM_DATE));
  }
  if (col[PC_PLANNED] >= 0) {
    const char *pl = csv->field[col[PC_PLANNED]];
    if (strcmp(pl, "1") == 0 || strcmp(pl, "yes") == 0)
      req->planned = 1;
    else if (*pl && strcmp(pl, "0") != 0 && strcmp(pl, "no") != 0)
      return clinic_err_set(e, CLINIC_E_INPUT, "%s line %ld: planned '%.40s' is not yes/no/1/0", file, csv->line, pl);
  }
  req->outcome = col[PC_OUTCOME] >= 0 ? csv->field[col[PC_OUTCOME]] : NULL;
  req->note = col[PC_NOTE] >= 0 ? csv->field[col[PC_NOTE]] : NULL;
  req->override = col[PC_OVERRIDE] >= 0 ? csv->field[col[PC_OVERRIDE]] : NULL;
  char msg[512];
  if (col[PC_TREAT] >= 0 && clinic_step_split_treatments(csv->field[col[PC_TREAT]], req, msg, sizeof msg) != 0)
    return clinic_err_set(e, CLINIC_E_INPUT, "%s line %ld: %s", file, csv->line, msg);
  return CLINIC_E_OK;
}

/* The rows, in file order, inside the open transaction; statements prepared once. */
static int import_rows(sqlite3 *db, clinic_csv *csv, const char *file, const int col[PC_N], clinic_stepper *sp,
                       long *rows, clinic_err *e) {
  sqlite3_stmt *find = clinic_sql_prep(db, "SELECT " CLINIC_PATIENT_COLS " FROM patient WHERE code = ?", e);
  if (!find) return e->code;
  int ncols = csv->nfields, have = 0, r, rc = CLINIC_E_OK;
  clinic_patient p = {0};
  clinic_path path;
  char msg[512];
  while (!rc && (r = clinic_csv_next(csv, msg, sizeof msg)) == 1) {
    if (csv->nfields != ncols) {
      rc = clinic_err_set(e, CLINIC_E_INPUT, "%s line %ld: %d fields, expected %d", file, csv->line, csv->nfields, ncols);
      break;
    }
    const char *code = csv->field[col[PC_PATIENT]];
    if (!have || strcmp(code, p.code) != 0) {
      /* The previous patient is complete: bring its cached sums up to date. */
      if (have && (rc = clinic_sums_refresh(&sp->sums, &p, e)) != CLINIC_E_OK) break;
      sqlite3_reset(find);
      sqlite3_bind_text(find, 1, code, -1, SQLITE_TRANSIENT);
      int s = sqlite3_step(find);
      if (s != SQLITE_ROW) {
        sqlite3_reset(find);
        have = 0;
        rc = s == SQLITE_DONE
                 ? clinic_err_set(e, CLINIC_E_INPUT, "%s line %ld: unknown patient '%.63s'", file, csv->line, code)
                 : clinic_err_db(e, db, "reading a patient");
        break;
      }
      clinic_patient_from_row(find, 0, &p);
      sqlite3_reset(find);
      if ((rc = clinic_path_read_st(sp->sums.path, &p, &path, e)) != CLINIC_E_OK) break;
      have = 1;
    }
    clinic_step_req req;
    rc = import_req(csv, file, col, &p, &req, e);
    if (!rc) rc = clinic_step_apply(sp, &p, &path, &req, file, csv->line, e);
    if (!rc) (*rows)++;
  }
  if (!rc && r < 0) rc = clinic_err_set(e, CLINIC_E_INPUT, "%s line %ld: %s", file, csv->line, msg);
  if (!rc && have) rc = clinic_sums_refresh(&sp->sums, &p, e);
  sqlite3_finalize(find);
  return rc;
}

int clinic_path_import(sqlite3 *db, const char *file, int32_t today, long *rows, clinic_err *e) {
  *rows = 0;
  clinic_csv csv;
  if (clinic_csv_open(&csv, file) != 0)
    return clinic_err_set(e, CLINIC_E_INPUT, "cannot read %s: no such file or not readable", file);
  int col[PC_N];
  int rc = import_header(&csv, file, col, e);
  if (!rc) rc = clinic_sql_begin(db, e);
  if (!rc) {
    clinic_stepper sp;
    rc = clinic_stepper_open(db, today, &sp, e);
    if (!rc) {
      rc = import_rows(db, &csv, file, col, &sp, rows, e);
      clinic_stepper_close(&sp);
    }
  }
  clinic_csv_close(&csv);
  return rc;
}
