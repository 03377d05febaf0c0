/* clinic_state.c: what the patient list shows and filters on, kept per patient in table
 * patient_state (migration 6) in the same transaction as every change that moves it, like
 * eval_cache: where the patient stands on the path, the next steps, the leaflet phase and the
 * day it changes, and the days from which the patient needs attention. The list compares those
 * days with today in SQL, so a request evaluates no patient (docs/CLINIC.md "Patient list").
 *
 * Needs attention, each from a day stored here or in eval_cache:
 *   trial-over-window  the trial is open past the day its end may be recorded without an
 *                      override (clinic_trial_overdue_from);
 *   control-overdue    a visit of the plan fell before today and no visit (nor a path step)
 *                      was recorded on or after its day;
 *   diary-missing      the baseline or the trial runs (not yet closed) and days before today
 *                      in its window have no diary entry (the cached day counts);
 *   awaiting-implant   the trial has ended (SCS: trial-end done; SNM: its window is over) and
 *                      neither the implant nor the explant is recorded.
 */
#include <limits.h>
#include <string.h>

#include "clinic_state.h"
#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_plan.h"
#include "clinic_rules.h"
#include "clinic_store.h"
#include "clinic_util.h"
#include "clinic_window.h"
#include "hu_date.h"
#include "json.h"

#define STATE_COLS                                                                              \
  "status, last_step, last_date, next_step, next_alt, phase, phase_until, phase_next, overdue_from, " \
  "awaiting_from, control_due"

int clinic_state_open(sqlite3 *db, clinic_state_st *st, clinic_err *e) {
  memset(st, 0, sizeof *st);
  /* Before migration 6 (the migrations that rebuild the sums run before it) there is none. */
  int have = clinic_store_has_table(db, "patient_state", e);
  if (have < 0) return e->code;
  if (!have) return CLINIC_E_OK;
  char put[512];
  clinic_store_replace_sql(put, sizeof put, "patient_state", "pid, " STATE_COLS);
  st->store = clinic_sql_prep(db, put, e);
  st->visit = clinic_sql_prep(db, "SELECT max(date) FROM visit WHERE pid = ?", e);
  if (!st->store || !st->visit) {
    clinic_state_close(st);
    return CLINIC_E_IO;
  }
  return CLINIC_E_OK;
}

void clinic_state_close(clinic_state_st *st) {
  sqlite3_finalize(st->store);
  sqlite3_finalize(st->visit);
  memset(st, 0, sizeof *st);
}

static void bind_day(sqlite3_stmt *st, int i, int32_t d) {
  if (d == INT32_MIN || d == INT32_MAX)
    sqlite3_bind_null(st, i);
  else
    sqlite3_bind_int(st, i, d);
}

/* The first visit of the plan after the last recorded visit or done step: due on its day. */
static int control_due(clinic_state_st *st, const clinic_patient *p, const clinic_path *path, int32_t today,
                       int32_t *due, clinic_err *e) {
  *due = INT32_MAX;
  sqlite3_reset(st->visit);
  sqlite3_bind_int64(st->visit, 1, p->pid);
  int rc = sqlite3_step(st->visit);
  int32_t last = INT32_MIN;
  if (rc == SQLITE_ROW && sqlite3_column_type(st->visit, 0) != SQLITE_NULL &&
      hu_date_parse((const char *)sqlite3_column_text(st->visit, 0), &last) != 0)
    last = INT32_MIN;
  sqlite3_reset(st->visit);
  if (rc != SQLITE_ROW) return clinic_err_db(e, sqlite3_db_handle(st->visit), "reading the last visit");
  /* A done path step is a visit too (the screening, an operation): the patient was seen. */
  for (int i = 0; i < path->nsteps; i++)
    if (path->rec[i].recorded && !path->rec[i].planned && path->rec[i].date > last) last = path->rec[i].date;
  clinic_plan pl;
  if (clinic_plan_build(p, path, today, 1, &pl) != 0) return clinic_err_set(e, CLINIC_E_IO, "out of memory");
  for (int i = 0; i < pl.n && *due == INT32_MAX; i++) {
    const clinic_plan_item *it = &pl.items[i];
    if (strcmp(it->kind, "visit") == 0 && it->date != INT32_MIN && it->date > last) *due = it->date;
  }
  clinic_plan_free(&pl);
  return CLINIC_E_OK;
}

int clinic_state_of(clinic_state_st *st, const clinic_cfg *cfg, const clinic_patient *p, const clinic_path *path,
                    const clinic_windows *w, int32_t today, clinic_state_row *row, clinic_err *e) {
  memset(row, 0, sizeof *row);
  int last = -1;
  for (int i = 0; i < path->nsteps; i++)
    if (path->rec[i].recorded && !path->rec[i].planned) last = i;
  snprintf(row->status, sizeof row->status, "%s", clinic_path_status(path));
  row->last_date = INT32_MAX;
  if (last >= 0) {
    snprintf(row->last_step, sizeof row->last_step, "%s", path->def[last].id);
    row->last_date = path->rec[last].date;
  }
  int nx[2];
  int nn = clinic_path_next(path, nx);
  if (nn > 0) snprintf(row->next_step, sizeof row->next_step, "%s", path->def[nx[0]].id);
  if (nn > 1) snprintf(row->next_alt, sizeof row->next_alt, "%s", path->def[nx[1]].id);
  clinic_phase next;
  clinic_phase ph = clinic_phase_at(p, path, today, &row->phase_until, &next);
  snprintf(row->phase, sizeof row->phase, "%s", clinic_phase_name(ph));
  snprintf(row->phase_next, sizeof row->phase_next, "%s", clinic_phase_name(next));
  row->overdue_from = clinic_trial_overdue_from(w, p->therapy);
  /* Awaiting the implant or explant: the next step is one of them, once the trial ended. */
  row->awaiting_from = INT32_MAX;
  if (nn > 0 && strcmp(path->def[nx[0]].id, "implant") == 0) {
    if (p->therapy == TH_SCS)
      row->awaiting_from = clinic_path_done(path, "trial-end");
    else if (w->trial_day != INT32_MIN)
      row->awaiting_from = w->trial_day + cfg->trial_days[TH_SNM]; /* stage 2 comes N days after stage 1 */
  }
  /* No day: NULL in the table, INT32_MAX here (either sentinel). */
  int32_t *days[4] = {&row->phase_until, &row->overdue_from, &row->awaiting_from, &row->control_due};
  int rc = control_due(st, p, path, today, &row->control_due, e);
  for (int i = 0; i < 4; i++)
    if (*days[i] == INT32_MIN) *days[i] = INT32_MAX;
  return rc;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *t) {
  if (*t)
    sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, i);
}

int clinic_state_store(clinic_state_st *st, const clinic_cfg *cfg, const clinic_patient *p, const clinic_path *path,
                       const clinic_windows *w, int32_t today, clinic_err *e) {
  if (!st->store) return CLINIC_E_OK;
  clinic_state_row row;
  int rc = clinic_state_of(st, cfg, p, path, w, today, &row, e);
  if (rc) return rc;
  sqlite3_stmt *s = st->store;
  sqlite3_reset(s);
  sqlite3_bind_int64(s, 1, p->pid);
  sqlite3_bind_text(s, 2, row.status, -1, SQLITE_STATIC);
  bind_text_or_null(s, 3, row.last_step);
  bind_day(s, 4, row.last_date);
  bind_text_or_null(s, 5, row.next_step);
  bind_text_or_null(s, 6, row.next_alt);
  sqlite3_bind_text(s, 7, row.phase, -1, SQLITE_STATIC);
  bind_day(s, 8, row.phase_until);
  sqlite3_bind_text(s, 9, row.phase_next, -1, SQLITE_STATIC);
  bind_day(s, 10, row.overdue_from);
  bind_day(s, 11, row.awaiting_from);
  bind_day(s, 12, row.control_due);
  rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) return clinic_err_db(e, sqlite3_db_handle(s), "storing the patient's state");
  return CLINIC_E_OK;
}

/* ---- check-db: the stored state against a recomputation ------------------------------ */

static void col_text(sqlite3_stmt *st, int col, char *out, size_t cap) {
  const unsigned char *t = sqlite3_column_text(st, col);
  snprintf(out, cap, "%s", t ? (const char *)t : "");
}

static int32_t col_day(sqlite3_stmt *st, int col) {
  return sqlite3_column_type(st, col) == SQLITE_NULL ? INT32_MAX : sqlite3_column_int(st, col);
}

static void day_text(int32_t d, char out[HU_DATE_LEN + 2]) {
  if (d == INT32_MAX)
    snprintf(out, HU_DATE_LEN + 2, "none");
  else
    hu_date_fmt(out, HU_DATE_LEN, d);
}

/* The first column where the stored row disagrees with the recomputed one, as "COLUMN is
 * 'STORED' in the table, 'RECOMPUTED' recomputed" in msg; 0 when none does. The phase is
 * compared as the list reads it today (the stored phase, or the next one past its last day):
 * a stored phase is true on the day it was written, not on every later day. */
static int state_differs(const clinic_state_row *have, const clinic_state_row *want, int32_t today, char *msg, size_t cap) {
  const struct {
    const char *col, *a, *b;
  } texts[] = {
      {"status", have->status, want->status},
      {"last_step", have->last_step, want->last_step},
      {"next_step", have->next_step, want->next_step},
      {"next_alt", have->next_alt, want->next_alt},
      {"phase", have->phase_until != INT32_MAX && today > have->phase_until ? have->phase_next : have->phase, want->phase},
  };
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
    if (strcmp(texts[i].a, texts[i].b) != 0) {
      snprintf(msg, cap, "%s is '%s' in the table, '%s' recomputed", texts[i].col, *texts[i].a ? texts[i].a : "none",
               *texts[i].b ? texts[i].b : "none");
      return 1;
    }
  const struct {
    const char *col;
    int32_t a, b;
  } days[] = {
      {"last_date", have->last_date, want->last_date},
      {"overdue_from", have->overdue_from, want->overdue_from},
      {"awaiting_from", have->awaiting_from, want->awaiting_from},
      {"control_due", have->control_due, want->control_due},
  };
  for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
    if (days[i].a != days[i].b) {
      char a[HU_DATE_LEN + 2], b[HU_DATE_LEN + 2];
      day_text(days[i].a, a);
      day_text(days[i].b, b);
      snprintf(msg, cap, "%s is %s in the table, %s recomputed", days[i].col, a, b);
      return 1;
    }
  return 0;
}

int clinic_state_verify(sqlite3 *db, int32_t today, char *msg, size_t cap) {
  clinic_state_st st;
  clinic_cfg cfg;
  clinic_err e = {0};
  if (clinic_state_open(db, &st, &e) != CLINIC_E_OK || clinic_cfg_read(db, NULL, &cfg, &e) != CLINIC_E_OK) {
    clinic_state_close(&st);
    snprintf(msg, cap, "could not read the patients' state: %s", e.msg);
    return -1;
  }
  if (!st.store) {
    snprintf(msg, cap, "ok (no table before schema version 6)");
    return 0;
  }
  sqlite3_stmt *q = clinic_sql_prep(db, "SELECT p.pid, p.code, p.therapy, p.name, p.birth_date, s.pid, s.status, s.last_step, "
                                    "s.last_date, s.next_step, s.next_alt, s.phase, s.phase_until, s.phase_next, "
                                    "s.overdue_from, s.awaiting_from, s.control_due FROM patient p "
                                    "LEFT JOIN patient_state s ON s.pid = p.pid ORDER BY p.code", &e);
  sqlite3_stmt *path_st = clinic_sql_prep(db, CLINIC_PATH_LOAD_SQL, &e);
  long n = 0, bad = 0;
  int r = SQLITE_DONE, failed = !q || !path_st;
  char first[400] = "";
  while (!failed && (r = sqlite3_step(q)) == SQLITE_ROW) {
    clinic_patient p;
    clinic_patient_from_row(q, 0, &p);
    clinic_path path;
    if (clinic_path_read_st(path_st, &p, &path, &e) != CLINIC_E_OK) {
      failed = 1;
      break;
    }
    clinic_windows w;
    clinic_windows_of(&path, &cfg, &w);
    clinic_state_row want, have;
    if (clinic_state_of(&st, &cfg, &p, &path, &w, today, &want, &e) != CLINIC_E_OK) {
      failed = 1;
      break;
    }
    n++;
    char why[300];
    int differs;
    if (sqlite3_column_type(q, 5) == SQLITE_NULL) {
      snprintf(why, sizeof why, "has no row");
      differs = 1;
    } else {
      memset(&have, 0, sizeof have);
      col_text(q, 6, have.status, sizeof have.status);
      col_text(q, 7, have.last_step, sizeof have.last_step);
      have.last_date = col_day(q, 8);
      col_text(q, 9, have.next_step, sizeof have.next_step);
      col_text(q, 10, have.next_alt, sizeof have.next_alt);
      col_text(q, 11, have.phase, sizeof have.phase);
      have.phase_until = col_day(q, 12);
      col_text(q, 13, have.phase_next, sizeof have.phase_next);
      have.overdue_from = col_day(q, 14);
      have.awaiting_from = col_day(q, 15);
      have.control_due = col_day(q, 16);
      differs = state_differs(&have, &want, today, why, sizeof why);
    }
    if (differs && bad++ == 0) snprintf(first, sizeof first, "patient %s: %s", p.code, why);
  }
  sqlite3_finalize(q);
  sqlite3_finalize(path_st);
  clinic_state_close(&st);
  if (failed || r != SQLITE_DONE) {
    snprintf(msg, cap, "could not read the patients' state: %s", e.msg[0] ? e.msg : sqlite3_errmsg(db));
    return -1;
  }
  if (bad) {
    snprintf(msg, cap, "%ld of %ld patients disagree with a recomputation; first: %s", bad,
             n, first);
    return 1;
  }
  snprintf(msg, cap, "ok (%ld patients)", n);
  return 0;
}

/* ---- the list ------------------------------------------------------------------------ */

/* The list's SQL is portable (PostgreSQL reads it the same way): no two-argument min/max, no
 * column alias in WHERE (the reasons are computed in a subquery), LIKE on lower() on both sides
 * (SQLite's LIKE ignores ASCII case, PostgreSQL's does not). */
/* max(0, x), NULL when x is NULL. */
#define SQL_MAX0(x) "(CASE WHEN (" x ") IS NULL THEN NULL WHEN (" x ") > 0 THEN (" x ") ELSE 0 END)"
/* The days without a diary entry in the baseline and in the trial, up to yesterday (?1 - 1). */
#define BASE_MISSING                                                                                  \
  "CASE WHEN c.base_from IS NULL THEN 0 "                                                             \
  "ELSE (CASE WHEN c.base_to < ?1 - 1 THEN c.base_to ELSE ?1 - 1 END) - c.base_from + 1 END - c.b_days"
#define TRIAL_MISSING                                                                                              \
  "CASE WHEN c.trial_day IS NULL THEN 0 "                                                                          \
  "ELSE (CASE WHEN c.trial_to IS NULL THEN NULL WHEN c.trial_to < ?1 - 1 THEN c.trial_to ELSE ?1 - 1 END) - c.trial_day " \
  "END - c.t_days"

/* ?1 today. Each reason is 0 or 1; diary_missing the number of days. */
#define LIST_EXPR                                                                                             \
  "(CASE WHEN s.overdue_from IS NOT NULL AND s.overdue_from <= ?1 THEN 1 ELSE 0 END) AS r_over, "             \
  "(CASE WHEN s.control_due IS NOT NULL AND s.control_due < ?1 THEN 1 ELSE 0 END) AS r_control, "             \
  "(CASE WHEN c.closed_to IS NOT NULL THEN 0 ELSE " SQL_MAX0(BASE_MISSING) " + " SQL_MAX0(TRIAL_MISSING)     \
  " END) AS r_diary, "                                                                                        \
  "(CASE WHEN s.awaiting_from IS NOT NULL AND s.awaiting_from <= ?1 THEN 1 ELSE 0 END) AS r_await, "          \
  "(CASE WHEN s.phase_until IS NOT NULL AND ?1 > s.phase_until THEN s.phase_next ELSE s.phase END) AS r_phase"

/* The rows of the list: columns 0-8 the patient and its stand, 9-12 the reasons, 13 the phase. */
#define LIST_ROWS                                                                                          \
  "(SELECT p.code AS code, p.name AS name, p.therapy AS therapy, p.birth_date AS birth_date, s.status AS status, " \
  "s.last_step AS last_step, s.last_date AS last_date, s.next_step AS next_step, s.next_alt AS next_alt, "      \
  LIST_EXPR " FROM patient p JOIN patient_state s ON s.pid = p.pid JOIN eval_cache c ON c.pid = p.pid) t"

/* ?2 the search as a LIKE pattern (%text%, any ASCII case) or NULL, ?3 therapy or NULL, ?4 phase or NULL, ?5 attention only. */
#define LIST_WHERE                                                                                              \
  " WHERE (?2 IS NULL OR lower(t.code) LIKE lower(?2) ESCAPE '\\' OR lower(t.name) LIKE lower(?2) ESCAPE '\\')" \
  " AND (?3 IS NULL OR t.therapy = ?3) AND (?4 IS NULL OR t.r_phase = ?4)"                                      \
  " AND (?5 = 0 OR t.r_over = 1 OR t.r_control = 1 OR t.r_diary > 0 OR t.r_await = 1)"

/* "%TEXT%" with LIKE's own characters (% _ \) escaped by a backslash: the text matches as it is. */
static void like_pattern(const char *s, char *out, size_t cap) {
  size_t n = 0;
  out[n++] = '%';
  for (; *s && n + 3 < cap; s++) {
    if (*s == '%' || *s == '_' || *s == '\\') out[n++] = '\\';
    out[n++] = *s;
  }
  out[n++] = '%';
  out[n] = '\0';
}

static void bind_list(sqlite3_stmt *st, const clinic_list_query *q, int32_t today) {
  sqlite3_bind_int(st, 1, today);
  if (q->search && *q->search) {
    char pat[300];
    like_pattern(q->search, pat, sizeof pat);
    sqlite3_bind_text(st, 2, pat, -1, SQLITE_TRANSIENT);
  }
  if (q->therapy) sqlite3_bind_text(st, 3, q->therapy, -1, SQLITE_STATIC);
  if (q->phase) sqlite3_bind_text(st, 4, q->phase, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 5, q->attention);
}

static void json_day(js_w *w, sqlite3_stmt *st, int col) {
  clinic_json_date(w, sqlite3_column_type(st, col) == SQLITE_NULL ? INT32_MIN : sqlite3_column_int(st, col));
}

static void json_text(js_w *w, sqlite3_stmt *st, int col) {
  const unsigned char *t = sqlite3_column_text(st, col);
  if (t)
    jw_str(w, (const char *)t);
  else
    jw_null(w);
}

int clinic_list_write(sqlite3 *db, const clinic_list_query *q, int32_t today, js_w *w, clinic_err *e) {
  if (q->therapy && strcmp(q->therapy, "scs") != 0 && strcmp(q->therapy, "snm") != 0)
    return clinic_err_set(e, CLINIC_E_INPUT, "therapy '%s' is not known: use scs or snm", q->therapy);
  clinic_phase ph;
  if (q->phase && clinic_phase_parse(q->phase, &ph) != 0)
    return clinic_err_set(e, CLINIC_E_INPUT, "phase '%s' is not known: use before-trial, trial, early-implant, implanted or removed",
                          q->phase);
  sqlite3_stmt *cnt = clinic_sql_prep(db, "SELECT count(*) FROM " LIST_ROWS LIST_WHERE, e);
  sqlite3_stmt *st = cnt ? clinic_sql_prep(db, "SELECT * FROM " LIST_ROWS LIST_WHERE " ORDER BY t.code LIMIT ?6 OFFSET ?7", e) : NULL;
  if (!cnt || !st) {
    sqlite3_finalize(cnt);
    sqlite3_finalize(st);
    return CLINIC_E_IO;
  }
  bind_list(cnt, q, today);
  int rc = sqlite3_step(cnt);
  int64_t total = rc == SQLITE_ROW ? sqlite3_column_int64(cnt, 0) : 0;
  sqlite3_finalize(cnt);
  if (rc != SQLITE_ROW) {
    sqlite3_finalize(st);
    return clinic_err_db(e, db, "counting patients");
  }
  bind_list(st, q, today);
  sqlite3_bind_int64(st, 6, q->limit);
  sqlite3_bind_int64(st, 7, q->offset);
  jw_obj(w);
  jw_key(w, "total");
  jw_int(w, total);
  jw_key(w, "offset");
  jw_int(w, q->offset);
  jw_key(w, "limit");
  jw_int(w, q->limit);
  jw_key(w, "patients");
  jw_arr(w);
  static const char *const reasons[] = {"trial-over-window", "control-overdue", "diary-missing", "awaiting-implant"};
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    jw_obj(w);
    jw_key(w, "code");
    json_text(w, st, 0);
    jw_key(w, "name");
    json_text(w, st, 1);
    jw_key(w, "therapy");
    json_text(w, st, 2);
    jw_key(w, "birth_date");
    json_text(w, st, 3);
    jw_key(w, "status");
    json_text(w, st, 4);
    jw_key(w, "stands");
    if (sqlite3_column_type(st, 5) == SQLITE_NULL) {
      jw_null(w);
    } else {
      jw_obj(w);
      jw_key(w, "step");
      json_text(w, st, 5);
      jw_key(w, "date");
      json_day(w, st, 6);
      jw_obj_end(w);
    }
    jw_key(w, "next");
    jw_arr(w);
    for (int k = 7; k <= 8; k++)
      if (sqlite3_column_type(st, k) != SQLITE_NULL) json_text(w, st, k);
    jw_arr_end(w);
    jw_key(w, "phase");
    json_text(w, st, 13);
    jw_key(w, "attention");
    jw_arr(w);
    for (int k = 0; k < 4; k++)
      if (sqlite3_column_int64(st, 9 + k) > 0) jw_str(w, reasons[k]);
    jw_arr_end(w);
    jw_key(w, "diary_days_missing");
    jw_int(w, sqlite3_column_int64(st, 11));
    jw_obj_end(w);
  }
  sqlite3_finalize(st);
  jw_arr_end(w);
  jw_obj_end(w);
  if (rc != SQLITE_DONE) return clinic_err_db(e, db, "listing patients");
  return CLINIC_E_OK;
}
