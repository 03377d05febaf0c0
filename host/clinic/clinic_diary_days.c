/* clinic_diary_days.c: a patient's diary days as `diary list` shows them, and removing one
 * (clinic_diary_days.h). */
#include <string.h>

#include "clinic_diary_days.h"
#include "clinic_path.h"
#include "clinic_store.h"
#include "clinic_sums.h"
#include "hu_date.h"

int clinic_diary_each_day(sqlite3 *db, const clinic_patient *p, int32_t from, int32_t to,
                          int (*fn)(void *ctx, const clinic_diary_day *d), void *ctx, clinic_err *e) {
  clinic_path path;
  clinic_cfg cfg;
  int rc = clinic_path_read(db, p, &path, e);
  if (!rc) rc = clinic_cfg_read(db, NULL, &cfg, e);
  if (rc) return rc;
  clinic_windows win;
  clinic_windows_of(&path, &cfg, &win);
  char fs[11], ts[11];
  hu_date_fmt(fs, HU_DATE_LEN, from);
  hu_date_fmt(ts, HU_DATE_LEN, to);
  sqlite3_stmt *st = clinic_sql_prep(db,
                                     "SELECT date, nrs, nrs_morning, nrs_evening, incontinence, urgency, pads FROM diary "
                                     "WHERE pid = ? AND date BETWEEN ? AND ? ORDER BY date", e);
  if (!st) return e->code;
  sqlite3_bind_int64(st, 1, p->pid);
  sqlite3_bind_text(st, 2, fs, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, ts, -1, SQLITE_STATIC);
  int r = 0;
  while (!r && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    clinic_diary_day d;
    d.date = (const char *)sqlite3_column_text(st, 0);
    d.row.date = 0;
    hu_date_parse(d.date, &d.row.date);
    int *v[6] = {&d.row.nrs, &d.row.morning, &d.row.evening, &d.row.incontinence, &d.row.urgency, &d.row.pads};
    for (int k = 0; k < 6; k++) *v[k] = sqlite3_column_type(st, 1 + k) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 1 + k);
    d.phase = clinic_day_phase_of(&win, d.row.date);
    d.used = d.phase == DP_BASELINE || d.phase == DP_TRIAL;
    r = fn(ctx, &d);
  }
  if (!r && rc != SQLITE_DONE) clinic_err_db(e, db, "listing the diary");
  sqlite3_finalize(st);
  return e->code ? e->code : r;
}

int clinic_diary_delete(sqlite3 *db, const clinic_patient *p, const char *date, clinic_err *e) {
  int rc = clinic_sql_begin(db, e);
  if (rc) return rc;
  sqlite3_stmt *st = clinic_sql_prep(db, "DELETE FROM diary WHERE pid = ? AND date = ?", e);
  if (st) {
    sqlite3_bind_int64(st, 1, p->pid);
    sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
      clinic_err_db(e, db, "deleting a diary day");
    else if (sqlite3_changes(db) == 0)
      clinic_err_set(e, CLINIC_E_INPUT, "%s has no diary entry for %s", p->code, date);
    sqlite3_finalize(st);
  }
  if (e->code) {
    clinic_rollback(db);
    return e->code;
  }
  return clinic_sums_commit(db, p, e);
}
