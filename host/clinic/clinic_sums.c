/* clinic_sums.c: the per-patient evaluation cache (table eval_cache).
 *
 * `evaluate --all` reads one row per patient instead of every diary day: the windows, the
 * baseline and trial sums and the scores before and after the trial. Each command that
 * changes what a row depends on (a diary day, a path step, a score, a window setting)
 * updates the row in its own transaction, so the cache never disagrees with a committed
 * database; clinic_sums_verify recomputes every row to prove it. A patient's row is
 * recomputed from scratch (one patient's diary is a few hundred rows); only a diary import
 * adds its rows incrementally, with the same clinic_phase_add, to keep large imports fast.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "clinic_sums.h"
#include "clinic_diary.h"
#include "clinic_err.h"
#include "clinic_eval.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_score.h"
#include "clinic_state.h"
#include "clinic_store.h"
#include "clinic_window.h"
#include "hu_date.h"

int clinic_sums_open(sqlite3 *db, clinic_sums *s, clinic_err *e) {
  memset(s, 0, sizeof *s);
  s->db = db;
  int rc = clinic_cfg_read(db, NULL, &s->cfg, e);
  if (rc) return rc;
  s->path = clinic_sql_prep(db, CLINIC_PATH_LOAD_SQL, e);
  s->diary = clinic_sql_prep(db, "SELECT date, nrs, nrs_morning, nrs_evening, incontinence, urgency, pads FROM diary "
                                 "WHERE pid = ? ORDER BY date", e);
  s->scores = clinic_sql_prep(db, "SELECT kind, date, total FROM score WHERE pid = ? ORDER BY date", e);
  char put[1024];
  clinic_store_replace_sql(put, sizeof put, "eval_cache", "pid, " CLINIC_SUMS_COLS);
  s->store = clinic_sql_prep(db, put, e);
  s->load = clinic_sql_prep(db, "SELECT " CLINIC_SUMS_COLS " FROM eval_cache WHERE pid = ?", e);
  if (!s->path || !s->diary || !s->scores || !s->store || !s->load || clinic_state_open(db, &s->state, e) != CLINIC_E_OK) {
    clinic_sums_close(s);
    return clinic_err_set(e, CLINIC_E_IO, "database: preparing the evaluation sums failed");
  }
  return CLINIC_E_OK;
}

void clinic_sums_close(clinic_sums *s) {
  sqlite3_finalize(s->path);
  sqlite3_finalize(s->diary);
  sqlite3_finalize(s->scores);
  sqlite3_finalize(s->store);
  sqlite3_finalize(s->load);
  clinic_state_close(&s->state);
  memset(s, 0, sizeof *s);
}

void clinic_days_free(clinic_days *d) {
  for (int i = 0; i < 2; i++) free(d->used[i]);
  memset(d, 0, sizeof *d);
}

/* 0, or -1 out of memory (d unchanged). */
static int days_use(clinic_days *d, int which, int32_t day) {
  int n = d->nused[which];
  if (n > 0 && d->used[which][n - 1].to == day - 1) {
    d->used[which][n - 1].to = day;
    return 0;
  }
  if (n == d->capused[which]) {
    int cap = d->capused[which] ? 2 * d->capused[which] : 16;
    clinic_range *v = realloc(d->used[which], (size_t)cap * sizeof *v);
    if (!v) return -1;
    d->used[which] = v;
    d->capused[which] = cap;
  }
  d->used[which][n].from = d->used[which][n].to = day;
  d->nused[which]++;
  return 0;
}

/* The phase sums carry the window, so that a cached row and a recomputed one are alike. */
static void set_phase_windows(clinic_eval *e) {
  e->base.from = e->win.base_from;
  e->base.to = e->win.base_to;
  e->trial.from = e->win.trial_day;
  e->trial.to = e->win.trial_to;
}

int clinic_sums_compute(clinic_sums *s, const clinic_patient *p, const clinic_path *path, clinic_eval *e,
                        clinic_days *days, clinic_err *err) {
  memset(e, 0, sizeof *e);
  if (days) memset(days, 0, sizeof *days);
  e->therapy = p->therapy;
  e->threshold_bp = s->cfg.threshold_bp;
  e->min_days = s->cfg.min_days;
  clinic_windows_of(path, &s->cfg, &e->win);
  if (e->win.extended) {
    int k = clinic_trial_closing_step(path);
    snprintf(e->ext_reason, sizeof e->ext_reason, "%s", path->rec[k].override);
  }
  set_phase_windows(e);
  sqlite3_stmt *st = s->diary;
  sqlite3_reset(st);
  sqlite3_bind_int64(st, 1, p->pid);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    clinic_diary_row r;
    if (hu_date_parse((const char *)sqlite3_column_text(st, 0), &r.date) != 0) continue;
    int *v[6] = {&r.nrs, &r.morning, &r.evening, &r.incontinence, &r.urgency, &r.pads};
    for (int i = 0; i < 6; i++) *v[i] = sqlite3_column_type(st, 1 + i) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 1 + i);
    clinic_day_phase ph = clinic_day_phase_of(&e->win, r.date);
    if (days) days->by_phase[ph]++;
    clinic_phase_sum *sum = ph == DP_BASELINE ? &e->base : ph == DP_TRIAL ? &e->trial : NULL;
    if (!sum) continue;
    int64_t before = sum->days;
    clinic_phase_add(sum, p->therapy, &r);
    if (days && sum->days > before && days_use(days, sum == &e->trial, r.date) != 0) {
      sqlite3_reset(st);
      return clinic_err_set(err, CLINIC_E_IO, "out of memory");
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return clinic_err_db(err, s->db, "reading the diary");
  /* Scores: the latest of each kind from the referral to the day before the trial, and the
   * latest after the trial operation up to the day after the trial's last day (the day of
   * stage 2 or of the evaluation visit). */
  const clinic_windows *w = &e->win;
  int32_t score_end = w->trial_to == INT32_MIN || w->trial_to == INT32_MAX ? w->trial_to : w->trial_to + 1;
  st = s->scores;
  sqlite3_reset(st);
  sqlite3_bind_int64(st, 1, p->pid);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    clinic_score_kind k;
    int32_t d;
    if (clinic_score_kind_parse((const char *)sqlite3_column_text(st, 0), &k) != 0) continue;
    if (hu_date_parse((const char *)sqlite3_column_text(st, 1), &d) != 0) continue;
    if (w->referral == INT32_MIN || d < w->referral) continue;
    clinic_score_pt pt = {1, d, sqlite3_column_int(st, 2)};
    if (w->trial_day == INT32_MIN || d < w->trial_day)
      e->score_before[k] = pt;
    else if (d > w->trial_day && d <= score_end)
      e->score_after[k] = pt;
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return clinic_err_db(err, s->db, "reading scores");
  return CLINIC_E_OK;
}

/* A day column: NULL stands for the field's sentinel (none, or open). */
static void bind_day(sqlite3_stmt *st, int i, int32_t v, int32_t sentinel) {
  if (v == sentinel)
    sqlite3_bind_null(st, i);
  else
    sqlite3_bind_int(st, i, v);
}

static int32_t col_day(sqlite3_stmt *st, int i, int32_t sentinel) {
  return sqlite3_column_type(st, i) == SQLITE_NULL ? sentinel : (int32_t)sqlite3_column_int(st, i);
}

static void bind_sum(sqlite3_stmt *st, int i, const clinic_phase_sum *ph) {
  sqlite3_bind_int64(st, i, ph->sum);
  sqlite3_bind_int64(st, i + 1, ph->days);
  sqlite3_bind_int64(st, i + 2, ph->sum2);
  sqlite3_bind_int64(st, i + 3, ph->days2);
  sqlite3_bind_int64(st, i + 4, ph->sum3);
  sqlite3_bind_int64(st, i + 5, ph->days3);
}

static void col_sum(sqlite3_stmt *st, int i, clinic_phase_sum *ph) {
  ph->sum = sqlite3_column_int64(st, i);
  ph->days = sqlite3_column_int64(st, i + 1);
  ph->sum2 = sqlite3_column_int64(st, i + 2);
  ph->days2 = sqlite3_column_int64(st, i + 3);
  ph->sum3 = sqlite3_column_int64(st, i + 4);
  ph->days3 = sqlite3_column_int64(st, i + 5);
}

int clinic_sums_store(clinic_sums *s, int64_t pid, const clinic_eval *e, clinic_err *err) {
  sqlite3_stmt *st = s->store;
  const clinic_windows *w = &e->win;
  sqlite3_reset(st);
  sqlite3_bind_int64(st, 1, pid);
  bind_day(st, 2, w->referral, INT32_MIN);
  bind_day(st, 3, w->base_from, INT32_MAX);
  bind_day(st, 4, w->base_to, INT32_MAX);
  bind_day(st, 5, w->trial_day, INT32_MIN);
  bind_day(st, 6, w->trial_to, INT32_MIN);
  bind_day(st, 7, w->closed_to, INT32_MAX);
  bind_day(st, 8, w->limit_to, INT32_MIN);
  sqlite3_bind_int(st, 9, w->extended);
  sqlite3_bind_int(st, 10, w->over_limit);
  if (e->ext_reason[0])
    sqlite3_bind_text(st, 11, e->ext_reason, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, 11);
  bind_sum(st, 12, &e->base);
  bind_sum(st, 18, &e->trial);
  for (int k = 0; k < 3; k++) {
    const clinic_score_pt *b = &e->score_before[k], *a = &e->score_after[k];
    bind_day(st, 24 + 2 * k, b->have ? b->date : INT32_MIN, INT32_MIN);
    if (b->have) sqlite3_bind_int(st, 25 + 2 * k, b->total); else sqlite3_bind_null(st, 25 + 2 * k);
    bind_day(st, 30 + 2 * k, a->have ? a->date : INT32_MIN, INT32_MIN);
    if (a->have) sqlite3_bind_int(st, 31 + 2 * k, a->total); else sqlite3_bind_null(st, 31 + 2 * k);
  }
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return clinic_err_db(err, s->db, "storing the evaluation sums");
  return CLINIC_E_OK;
}

void clinic_sums_read_row(sqlite3_stmt *st, int c, clinic_eval *e) {
  clinic_windows *w = &e->win;
  w->referral = col_day(st, c, INT32_MIN);
  w->base_from = col_day(st, c + 1, INT32_MAX);
  w->base_to = col_day(st, c + 2, INT32_MAX);
  w->trial_day = col_day(st, c + 3, INT32_MIN);
  w->trial_to = col_day(st, c + 4, INT32_MIN);
  w->closed_to = col_day(st, c + 5, INT32_MAX);
  w->limit_to = col_day(st, c + 6, INT32_MIN);
  w->extended = sqlite3_column_int(st, c + 7);
  w->over_limit = sqlite3_column_int(st, c + 8);
  const unsigned char *r = sqlite3_column_text(st, c + 9);
  snprintf(e->ext_reason, sizeof e->ext_reason, "%s", r ? (const char *)r : "");
  col_sum(st, c + 10, &e->base);
  col_sum(st, c + 16, &e->trial);
  for (int k = 0; k < 3; k++) {
    clinic_score_pt *b = &e->score_before[k], *a = &e->score_after[k];
    b->have = sqlite3_column_type(st, c + 22 + 2 * k) != SQLITE_NULL;
    b->date = b->have ? sqlite3_column_int(st, c + 22 + 2 * k) : 0;
    b->total = b->have ? sqlite3_column_int(st, c + 23 + 2 * k) : 0;
    a->have = sqlite3_column_type(st, c + 28 + 2 * k) != SQLITE_NULL;
    a->date = a->have ? sqlite3_column_int(st, c + 28 + 2 * k) : 0;
    a->total = a->have ? sqlite3_column_int(st, c + 29 + 2 * k) : 0;
  }
  set_phase_windows(e);
}

int clinic_sums_refresh(clinic_sums *s, const clinic_patient *p, clinic_err *err) {
  clinic_path path;
  clinic_eval e;
  int rc = clinic_path_read_st(s->path, p, &path, err);
  if (!rc) rc = clinic_sums_compute(s, p, &path, &e, NULL, err);
  if (!rc) rc = clinic_sums_store(s, p->pid, &e, err);
  if (!rc) rc = clinic_state_store(&s->state, &s->cfg, p, &path, &e.win, hu_today(), err);
  return rc;
}

int clinic_sums_commit(sqlite3 *db, const clinic_patient *p, clinic_err *e) {
  clinic_sums s;
  int rc = clinic_sums_open(db, &s, e);
  if (!rc) {
    rc = clinic_sums_refresh(&s, p, e);
    clinic_sums_close(&s);
  }
  if (!rc) rc = clinic_sql_commit(db, e);
  if (rc) clinic_rollback(db);
  return rc;
}

/* Calls fn for every patient in pid order, with the statements of s. */
static int each_patient(clinic_sums *s, int (*fn)(clinic_sums *, const clinic_patient *, void *, clinic_err *),
                        void *arg, clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(s->db, "SELECT " CLINIC_PATIENT_COLS " FROM patient ORDER BY pid", e);
  if (!st) return e->code;
  int rc, r = CLINIC_E_OK;
  while (r == CLINIC_E_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    clinic_patient p;
    clinic_patient_from_row(st, 0, &p);
    r = fn(s, &p, arg, e);
  }
  sqlite3_finalize(st);
  if (r) return r;
  if (rc != SQLITE_DONE) return clinic_err_db(e, s->db, "listing patients");
  return CLINIC_E_OK;
}

static int refresh_one(clinic_sums *s, const clinic_patient *p, void *arg, clinic_err *e) {
  (void)arg;
  return clinic_sums_refresh(s, p, e);
}

int clinic_sums_rebuild(sqlite3 *db, clinic_err *e) {
  clinic_sums s;
  int rc = clinic_sums_open(db, &s, e);
  if (rc) return rc;
  rc = each_patient(&s, refresh_one, NULL, e);
  clinic_sums_close(&s);
  return rc;
}

/* The first field in which a cached row differs from a recomputed one, or NULL. */
static const char *differs(const clinic_eval *a, const clinic_eval *b) {
  if (memcmp(&a->win, &b->win, sizeof a->win) != 0) return "windows";
  if (strcmp(a->ext_reason, b->ext_reason) != 0) return "extension reason";
  const clinic_phase_sum *pa[2] = {&a->base, &a->trial}, *pb[2] = {&b->base, &b->trial};
  for (int i = 0; i < 2; i++)
    if (pa[i]->sum != pb[i]->sum || pa[i]->days != pb[i]->days || pa[i]->sum2 != pb[i]->sum2 ||
        pa[i]->days2 != pb[i]->days2 || pa[i]->sum3 != pb[i]->sum3 || pa[i]->days3 != pb[i]->days3)
      return i ? "trial sums" : "baseline sums";
  for (int k = 0; k < 3; k++) {
    const clinic_score_pt *x[2] = {&a->score_before[k], &a->score_after[k]}, *y[2] = {&b->score_before[k], &b->score_after[k]};
    for (int j = 0; j < 2; j++)
      if (x[j]->have != y[j]->have || (x[j]->have && (x[j]->date != y[j]->date || x[j]->total != y[j]->total)))
        return "scores";
  }
  return NULL;
}

typedef struct {
  clinic_sums_check *r;
} verify_state;

static int verify_one(clinic_sums *s, const clinic_patient *p, void *arg, clinic_err *e) {
  verify_state *v = arg;
  clinic_path path;
  clinic_eval fresh, cached;
  int rc = clinic_path_read_st(s->path, p, &path, e);
  if (!rc) rc = clinic_sums_compute(s, p, &path, &fresh, NULL, e);
  if (rc) return rc;
  memset(&cached, 0, sizeof cached);
  sqlite3_reset(s->load);
  sqlite3_bind_int64(s->load, 1, p->pid);
  rc = sqlite3_step(s->load);
  const char *what = "no cached row";
  if (rc == SQLITE_ROW) {
    clinic_sums_read_row(s->load, 0, &cached);
    what = differs(&cached, &fresh);
  } else if (rc != SQLITE_DONE) {
    sqlite3_reset(s->load);
    return clinic_err_db(e, s->db, "reading the evaluation sums");
  }
  sqlite3_reset(s->load);
  v->r->checked++;
  if (what) {
    if (v->r->mismatched < CLINIC_SUMS_CHECK_FIRST) {
      snprintf(v->r->first[v->r->mismatched].code, sizeof v->r->first[0].code, "%s", p->code);
      v->r->first[v->r->mismatched].what = what;
    }
    v->r->mismatched++;
  }
  return CLINIC_E_OK;
}

int clinic_sums_verify(sqlite3 *db, clinic_sums_check *r, clinic_err *e) {
  clinic_sums s;
  verify_state v = {r};
  memset(r, 0, sizeof *r);
  int rc = clinic_sums_open(db, &s, e);
  if (!rc) {
    rc = each_patient(&s, verify_one, &v, e);
    clinic_sums_close(&s);
  }
  return rc;
}
