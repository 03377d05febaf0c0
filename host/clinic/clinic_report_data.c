/* clinic_report_data.c: what the report shows (clinic_report_data), read and computed in one
 * call; never prints (the HTML is clinic_report.c's). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "clinic_report.h"
#include "clinic_store.h"
#include "clinic_util.h"
#include "clinic_visit.h"
#include "hu_date.h"

static int no_memory(clinic_err *e, const clinic_patient *p) {
  return clinic_err_set(e, CLINIC_E_IO, "out of memory while reading the report of %s", p->code);
}

/* Room for one more element of size `size` in *v (n used of *cap): 0, or -1 out of memory. */
static int grow(void **v, int *cap, int n, size_t size) {
  if (n < *cap) return 0;
  int nc = *cap ? *cap * 2 : 16;
  void *nv = realloc(*v, (size_t)nc * size);
  if (!nv) return -1;
  *v = nv;
  *cap = nc;
  return 0;
}

static int load_points(sqlite3 *db, clinic_report_data *d, clinic_err *e) {
  const clinic_patient *p = &d->patient;
  sqlite3_stmt *st =
      clinic_sql_prep(db, "SELECT date, nrs, nrs_morning, nrs_evening, incontinence FROM diary WHERE pid = ? ORDER BY date", e);
  if (!st) return CLINIC_E_IO;
  sqlite3_bind_int64(st, 1, p->pid);
  int cap = 0, rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    clinic_diary_row r = {0, -1, -1, -1, -1, -1, -1};
    if (hu_date_parse((const char *)sqlite3_column_text(st, 0), &r.date) != 0) continue;
    int *f[4] = {&r.nrs, &r.morning, &r.evening, &r.incontinence};
    for (int i = 0; i < 4; i++)
      if (sqlite3_column_type(st, 1 + i) != SQLITE_NULL) *f[i] = sqlite3_column_int(st, 1 + i);
    int x2 = p->therapy == TH_SCS ? clinic_diary_pain_x2(&r) : r.incontinence >= 0 ? 2 * r.incontinence : -1;
    if (x2 < 0) continue;
    if (grow((void **)&d->points, &cap, d->npoints, sizeof *d->points) != 0) {
      sqlite3_finalize(st);
      return no_memory(e, p);
    }
    d->points[d->npoints].date = r.date;
    d->points[d->npoints].value_x2 = x2;
    d->npoints++;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? CLINIC_E_OK : clinic_err_db(e, db, "reading the diary");
}

typedef struct {
  clinic_report_data *d;
  int cap, oom;
} score_acc;

static int add_score(void *ctx, const clinic_score_rec *r) {
  score_acc *a = ctx;
  if (grow((void **)&a->d->scores, &a->cap, a->d->nscores, sizeof *a->d->scores) != 0) {
    a->oom = 1;
    return 1;
  }
  a->d->scores[a->d->nscores++] = *r;
  return 0;
}

/* A copy of column i, or NULL for SQL NULL; -1 out of memory. */
static int col_dup(sqlite3_stmt *st, int i, char **out) {
  *out = NULL;
  if (sqlite3_column_type(st, i) == SQLITE_NULL) return 0;
  const char *s = (const char *)sqlite3_column_text(st, i);
  *out = strdup(s ? s : "");
  return *out ? 0 : -1;
}

static int load_visits(sqlite3 *db, clinic_report_data *d, clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db,
                                     "SELECT v.date, v.kind, v.note, i.serial, i.battery_pm, i.battery_state, i.impedance_alerts, i.id "
                                     "FROM visit v LEFT JOIN interrogation i ON i.visit_id = v.id WHERE v.pid = ? ORDER BY v.date, v.id, i.id",
                                     e);
  if (!st) return CLINIC_E_IO;
  sqlite3_bind_int64(st, 1, d->patient.pid);
  int cap = 0, rc = CLINIC_E_OK, step;
  while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
    if (grow((void **)&d->visits, &cap, d->nvisits, sizeof *d->visits) != 0) {
      rc = no_memory(e, &d->patient);
      break;
    }
    clinic_report_visit *v = &d->visits[d->nvisits++];
    memset(v, 0, sizeof *v);
    v->impedance_alerts = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 6);
    v->has_battery = sqlite3_column_type(st, 4) != SQLITE_NULL;
    v->battery_pm = sqlite3_column_int64(st, 4);
    if (col_dup(st, 0, &v->date) || col_dup(st, 1, &v->kind) || col_dup(st, 2, &v->note) || col_dup(st, 3, &v->serial) ||
        col_dup(st, 5, &v->battery_state)) {
      rc = no_memory(e, &d->patient);
      break;
    }
    if (!v->serial) continue;
    clinic_buf alerts = {0}, thr = {0};
    rc = clinic_readout_texts(db, sqlite3_column_int64(st, 7), &alerts, &thr, e);
    v->alerts = alerts.len ? alerts.s : NULL;
    v->thresholds = thr.len ? thr.s : NULL;
    if (!alerts.len) clinic_buf_free(&alerts);
    if (!thr.len) clinic_buf_free(&thr);
  }
  sqlite3_finalize(st);
  if (rc) return rc;
  return step == SQLITE_DONE ? CLINIC_E_OK : clinic_err_db(e, db, "reading visits");
}

int clinic_report_load(sqlite3 *db, const clinic_patient *p, int32_t today, clinic_report_data *d, clinic_err *e) {
  memset(d, 0, sizeof *d);
  d->patient = *p;
  d->today = today;
  int rc;
  if ((rc = clinic_path_read(db, p, &d->path, e)) != CLINIC_E_OK) return rc;
  clinic_cfg cfg;
  if ((rc = clinic_cfg_read(db, NULL, &cfg, e)) != CLINIC_E_OK || (rc = clinic_eval_run(db, p, &cfg, &d->eval, NULL, e)) != CLINIC_E_OK)
    return rc;
  d->threshold_bp = cfg.threshold_bp;
  d->min_days = cfg.min_days;
  if ((rc = clinic_store_setting(db, "institution", d->institution, sizeof d->institution, e)) != CLINIC_E_OK) return rc;
  score_acc sa = {.d = d};
  if ((rc = load_points(db, d, e)) == CLINIC_E_OK && (rc = clinic_score_each(db, p, add_score, &sa, e)) == CLINIC_E_OK) {
    if (sa.oom) rc = no_memory(e, p);
    else rc = load_visits(db, d, e);
  }
  if (rc == CLINIC_E_OK && clinic_plan_build(p, &d->path, today, 5, &d->plan) != 0) rc = no_memory(e, p);
  if (rc) clinic_report_free(d);
  return rc;
}

void clinic_report_free(clinic_report_data *d) {
  for (int i = 0; i < d->nvisits; i++) {
    clinic_report_visit *v = &d->visits[i];
    char *s[] = {v->date, v->kind, v->note, v->serial, v->battery_state, v->alerts, v->thresholds};
    for (size_t k = 0; k < sizeof s / sizeof s[0]; k++) free(s[k]);
  }
  free(d->visits);
  free(d->points);
  free(d->scores);
  clinic_plan_free(&d->plan);
  memset(d, 0, sizeof *d);
}
