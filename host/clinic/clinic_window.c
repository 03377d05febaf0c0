/* clinic_window.c: the evaluation settings and the windows they give: which diary days are
 * the baseline, which the trial, and whether a trial ran over its length.
 *
 * Baseline: from the step that hands out the diary (SCS questionnaires, SNM scores) up to
 * the day before the trial operation, at most baseline_max_days days. Nothing before the
 * done referral ever counts. Trial: the days after the trial operation up to its recorded
 * end (SCS trial-end; SNM the day before stage 2), at most the nominal length plus the
 * tolerance unless the step that ended it carries an override; an open trial counts up to
 * that limit. Sources and the Dutch sentences: docs/CLINIC.md.
 */
#include <limits.h>
#include <string.h>

#include "clinic_window.h"
#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_store.h"
#include "clinic_util.h"
#include "hu_date.h"
#include "hu_dec.h"

/* The settings, their ranges and defaults. The defaults are also written by migration 2
 * and 3 (clinic_store.c), so a database shows them with `config`. */
typedef struct {
  const char *key;
  int decimals; /* 2: a percentage with up to 2 decimals; 0: whole days; -1: one line of text */
  long lo, hi;  /* in units of 10^-decimals */
  long def;
  int window;   /* shapes the windows: a change rebuilds the cached sums */
} setting_def;

static const setting_def settings[] = {
    {"success_threshold_pct", 2, 1, 10000, 5000, 0},
    {"min_diary_days", 0, 1, 365, 7, 0},
    {"baseline_max_days", 0, 1, 365, 28, 1},
    {"scs_trial_days", 0, 1, 365, 14, 1},
    {"snm_trial_days", 0, 1, 365, 28, 1},
    {"trial_tolerance_days", 0, 0, 60, 3, 1},
    {"institution", -1, 0, 200, 0, 0}, /* the name printed on every report page */
};
#define NSETTINGS ((int)(sizeof settings / sizeof settings[0]))

const char *const *clinic_cfg_keys(int *n) {
  static const char *keys[NSETTINGS];
  for (int i = 0; i < NSETTINGS; i++) keys[i] = settings[i].key;
  *n = NSETTINGS;
  return keys;
}

static const setting_def *setting_of(const char *key) {
  for (int i = 0; i < NSETTINGS; i++)
    if (strcmp(settings[i].key, key) == 0) return &settings[i];
  return NULL;
}

/* The value in units, or -1 when it is not valid for the setting. */
static long setting_value(const setting_def *d, const char *v) {
  int64_t x;
  long n;
  if (d->decimals < 0) return strlen(v) <= (size_t)d->hi && !strpbrk(v, "\r\n") ? 0 : -1;
  if (d->decimals) {
    if (hu_dec_range(v, (unsigned)d->decimals, INT64_MIN, INT64_MAX, &x) != 0 || x < d->lo || x > d->hi) return -1;
    return (long)x;
  }
  if (hu_dec_range(v, 0, d->lo, d->hi, &n) != 0) return -1;
  return n;
}

int clinic_cfg_validate(const char *key, const char *value, char *msg, size_t cap) {
  const setting_def *d = setting_of(key);
  if (!d) {
    clinic_buf b = {0};
    for (int i = 0; i < NSETTINGS; i++) clinic_buf_printf(&b, "%s%s", i ? ", " : "", settings[i].key);
    snprintf(msg, cap, "setting '%s' is not known: use %s", key, b.s);
    clinic_buf_free(&b);
    return -1;
  }
  if (setting_value(d, value) < 0) {
    if (d->decimals < 0)
      snprintf(msg, cap, "%s: one line of at most %ld characters", key, d->hi);
    else if (d->decimals)
      snprintf(msg, cap, "%s '%s' is not a percentage from 0.01 to 100", key, value);
    else
      snprintf(msg, cap, "%s '%s' is not a whole number from %ld to %ld", key, value, d->lo, d->hi);
    return -1;
  }
  return 0;
}

int clinic_cfg_is_window_key(const char *key) {
  const setting_def *d = setting_of(key);
  return d && d->window;
}

int clinic_cfg_read(sqlite3 *db, const char *threshold_opt, clinic_cfg *cfg, clinic_err *e) {
  long v[NSETTINGS];
  for (int i = 0; i < NSETTINGS; i++) v[i] = settings[i].def;
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT key, value FROM setting", e);
  if (!st) return e->code;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *k = (const char *)sqlite3_column_text(st, 0), *val = (const char *)sqlite3_column_text(st, 1);
    for (int i = 0; i < NSETTINGS; i++) {
      if (!k || !val || strcmp(k, settings[i].key) != 0 || settings[i].decimals < 0) continue;
      long x = setting_value(&settings[i], val);
      if (x >= 0) v[i] = x; /* a damaged value falls back to the default */
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_err_db(e, db, "reading the settings");
  if (threshold_opt) {
    long x = setting_value(&settings[0], threshold_opt);
    if (x < 0)
      return clinic_err_set(e, CLINIC_E_INPUT, "--threshold '%s' is not a percentage from 0.01 to 100", threshold_opt);
    v[0] = x;
  }
  cfg->threshold_bp = (int)v[0];
  cfg->min_days = (int)v[1];
  cfg->baseline_max_days = (int)v[2];
  cfg->trial_days[TH_SCS] = (int)v[3];
  cfg->trial_days[TH_SNM] = (int)v[4];
  cfg->tolerance_days = (int)v[5];
  return CLINIC_E_OK;
}

const char *clinic_day_phase_name(clinic_day_phase ph) {
  static const char *const n[DP_COUNT] = {"before-referral", "before-baseline", "baseline", "operation",
                                          "trial",           "past-window",     "after"};
  return n[ph];
}

int clinic_step_closes_trial(const clinic_path *path, int idx) {
  const char *id = path->def[idx].id;
  if (path->therapy == TH_SCS) return strcmp(id, "trial-end") == 0;
  return strcmp(id, "implant") == 0 || strcmp(id, "explant") == 0;
}

int clinic_trial_closing_step(const clinic_path *path) {
  int fallback = -1;
  for (int i = 0; i < path->nsteps; i++) {
    const clinic_step_rec *r = &path->rec[i];
    if (!r->recorded || r->planned) continue;
    if (clinic_step_closes_trial(path, i)) return i;
    /* SCS data without a trial-end (the path always records one first): operation 2. */
    if (path->therapy == TH_SCS && fallback < 0 &&
        (strcmp(path->def[i].id, "implant") == 0 || strcmp(path->def[i].id, "explant") == 0))
      fallback = i;
  }
  return fallback;
}

void clinic_windows_of(const clinic_path *path, const clinic_cfg *cfg, clinic_windows *w) {
  memset(w, 0, sizeof *w);
  w->referral = clinic_path_done(path, "referral");
  int32_t start = clinic_path_done(path, path->therapy == TH_SCS ? "questionnaires" : "scores");
  int32_t t = clinic_path_done(path, "trial");
  w->trial_day = t;
  w->closed_to = INT32_MAX;
  if (t == INT32_MIN) {
    w->base_from = start != INT32_MIN ? start : INT32_MAX;
    w->base_to = INT32_MAX;
    w->trial_to = w->limit_to = INT32_MIN;
    return;
  }
  /* A trial always follows the diary step on the path; without one, the referral. */
  if (start == INT32_MIN) start = w->referral;
  int32_t lo = t - cfg->baseline_max_days;
  w->base_from = start == INT32_MIN || start < lo ? lo : start;
  w->base_to = t - 1;
  /* SCS: the trial lasts N days after operation 1, trial-end is its last day. SNM: stage 2
   * comes N days after stage 1, the trial's last day is the day before. */
  int32_t n = cfg->trial_days[path->therapy] + cfg->tolerance_days;
  w->limit_to = path->therapy == TH_SCS ? t + n : t + n - 1;
  int k = clinic_trial_closing_step(path);
  if (k < 0) {
    w->trial_to = w->limit_to;
    return;
  }
  const clinic_step_rec *r = &path->rec[k];
  w->closed_to = strcmp(path->def[k].id, "trial-end") == 0 ? r->date : r->date - 1;
  if (w->closed_to <= w->limit_to) {
    w->trial_to = w->closed_to;
  } else if (r->override[0]) {
    w->trial_to = w->closed_to;
    w->extended = 1;
  } else {
    w->trial_to = w->limit_to;
    w->over_limit = 1;
  }
}

clinic_day_phase clinic_day_phase_of(const clinic_windows *w, int32_t d) {
  if (w->referral == INT32_MIN || d < w->referral) return DP_BEFORE_REFERRAL;
  if (w->trial_day == INT32_MIN || d < w->trial_day) return d >= w->base_from ? DP_BASELINE : DP_BEFORE_BASELINE;
  if (d == w->trial_day) return DP_OPERATION;
  if (d <= w->trial_to) return DP_TRIAL;
  if (d <= w->closed_to) return DP_PAST_WINDOW; /* open (closed_to = INT32_MAX) or over the limit */
  return DP_AFTER;
}

int32_t clinic_trial_overdue_from(const clinic_windows *w, clinic_therapy t) {
  /* The last day the closing step may carry without an override: SCS trial-end on limit_to,
   * SNM stage 2 on the day after it. */
  if (w->trial_day == INT32_MIN || w->closed_to != INT32_MAX) return INT32_MAX;
  return w->limit_to + (t == TH_SCS ? 1 : 2);
}

int clinic_trial_overdue(const clinic_windows *w, clinic_therapy t, int32_t today) {
  return today >= clinic_trial_overdue_from(w, t);
}

int clinic_trial_warnings(const clinic_path *path, const clinic_cfg *cfg, int32_t today, clinic_buf *out, int n,
                          int max) {
  clinic_windows w;
  clinic_windows_of(path, cfg, &w);
  if (w.trial_day == INT32_MIN || n >= max) return n;
  int scs = path->therapy == TH_SCS;
  int nominal = cfg->trial_days[path->therapy], tol = cfg->tolerance_days;
  const char *op = scs ? "operation 1" : "stage 1";
  char t[11], lim[11], cl[11];
  hu_date_fmt(t, HU_DATE_LEN, w.trial_day);
  hu_date_fmt(lim, HU_DATE_LEN, w.limit_to);
  int k = clinic_trial_closing_step(path);
  if (k >= 0) {
    const clinic_step_rec *r = &path->rec[k];
    hu_date_fmt(cl, HU_DATE_LEN, r->date);
    /* SCS: days from operation 1 to trial-end; SNM: from stage 1 to stage 2. */
    int len = (int)(r->date - w.trial_day);
    if (len <= nominal) return n;
    if (w.extended)
      clinic_buf_printf(&out[n++], "the trial lasted %d days (%s on %s, %s on %s), past its %d-day window and the %d days' "
                        "tolerance: extended by override: %s", len, op, t, path->def[k].id, cl, nominal, tol, r->override);
    else if (w.over_limit)
      clinic_buf_printf(&out[n++], "the trial lasted %d days (%s on %s, %s on %s), past its %d-day window and the %d days' "
                        "tolerance, recorded without an override: diary days after %s are not used (undo the step and "
                        "record it again with --override REASON to use them)", len, op, t, path->def[k].id, cl, nominal,
                        tol, lim);
    else
      clinic_buf_printf(&out[n++], "the trial lasted %d days (%s on %s, %s on %s), longer than its %d-day window, within "
                        "the %d days' tolerance", len, op, t, path->def[k].id, cl, nominal, tol);
    return n;
  }
  /* A planned end of the trial that lies past the window. */
  for (int i = 0; i < path->nsteps && n < max; i++) {
    const clinic_step_rec *r = &path->rec[i];
    if (!r->recorded || !r->planned || !clinic_step_closes_trial(path, i)) continue;
    int len = (int)(r->date - w.trial_day);
    if (len <= nominal) continue;
    hu_date_fmt(cl, HU_DATE_LEN, r->date);
    int past = len > nominal + tol;
    clinic_buf_printf(&out[n++], "%s is planned on %s, %d days after %s on %s: past its %d-day window%s", path->def[i].id,
                      cl, len, op, t, nominal,
                      past ? " and the tolerance: recording it will need --override REASON" : ", within the tolerance");
  }
  int elapsed = (int)(today - w.trial_day);
  if (elapsed <= nominal || n >= max) return n;
  const char *close = scs ? "record trial-end" : "record stage 2 (implant or explant)";
  if (clinic_trial_overdue(&w, path->therapy, today))
    clinic_buf_printf(&out[n++], "the trial is still open %d days after %s on %s: past its %d-day window and the %d days' "
                      "tolerance; %s (diary days after %s count only with --override REASON)", elapsed, op, t, nominal,
                      tol, close, lim);
  else
    clinic_buf_printf(&out[n++], "the trial is still open %d days after %s on %s, past its %d-day window (%d days' "
                      "tolerance left); %s", elapsed, op, t, nominal, (int)(w.limit_to + (scs ? 0 : 1) - today), close);
  return n;
}
