/* clinic_eval.c: the decision after the trial.
 *
 * Main measure: SCS the mean daily pain (NRS), SNM incontinence episodes per week, in the
 * baseline and in the trial window (clinic_window.c). Reduction = 1 - trial/baseline. The verdict is decided in
 * exact integer arithmetic: with sums Sb, St over nb, nt days, the reduction is
 * (Sb*nt - St*nb) / (Sb*nt), and success means (Sb*nt - St*nb) * 10000 >= threshold_bp *
 * Sb*nt; no rounding can turn 50 % into 49.999 %. SCS days are summed in half points so that
 * a day of morning 3 / evening 4 counts 3.5 exactly. `evaluate PATIENT` recomputes from the
 * diary and lists the days used; `evaluate --all` reads the cached sums (clinic_sums.c).
 */
#include <limits.h>
#include <string.h>

#include "clinic_eval.h"
#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_diary.h"
#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_score.h"
#include "clinic_store.h"
#include "clinic_sums.h"
#include "clinic_util.h"
#include "clinic_window.h"
#include "hu_date.h"
#include "hu_fmt.h"
#include "json.h"

const char *clinic_verdict_name(clinic_verdict v) {
  return v == EV_SUCCESS ? "success" : v == EV_FAILURE ? "failure" : "insufficient-data";
}

static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
/* Round a non-negative a/b to the nearest integer, halves up. */
static int64_t round_div(int64_t a, int64_t b) { return (2 * a + b) / (2 * b); }

void clinic_eval_decide(clinic_eval *e) {
  const clinic_phase_sum *b = &e->base, *t = &e->trial;
  e->has_reduction = 0;
  e->reduction_bp = 0;
  int scs = e->therapy == TH_SCS;
  e->base_mean_c = b->days ? (scs ? round_div(b->sum * 100, 2 * b->days) : round_div(b->sum * 700, b->days)) : -1;
  e->trial_mean_c = t->days ? (scs ? round_div(t->sum * 100, 2 * t->days) : round_div(t->sum * 700, t->days)) : -1;
  if (e->trial.from == INT32_MIN) {
    e->verdict = EV_INSUFFICIENT;
    e->reason = "no trial operation recorded yet";
    return;
  }
  if (b->days < e->min_days) {
    e->verdict = EV_INSUFFICIENT;
    e->reason = "the baseline has fewer diary days than required";
    return;
  }
  if (t->days < e->min_days) {
    e->verdict = EV_INSUFFICIENT;
    e->reason = "the trial has fewer diary days than required";
    return;
  }
  if (b->sum == 0) {
    e->verdict = EV_INSUFFICIENT;
    e->reason = "the baseline is zero: there is nothing to reduce";
    return;
  }
  /* Sums are at most 20 * 84000 half points or 99 * 84000 episodes, days at most 84000: the
   * products below stay far inside int64. */
  int64_t den = b->sum * t->days;
  int64_t num = den - t->sum * b->days;
  e->has_reduction = 1;
  e->reduction_bp = floor_div(num * 10000, den);
  if (num * 10000 >= (int64_t)e->threshold_bp * den) {
    e->verdict = EV_SUCCESS;
    e->reason = "the reduction reaches the threshold";
  } else {
    e->verdict = EV_FAILURE;
    e->reason = "the reduction stays below the threshold";
  }
}

void clinic_phase_add(clinic_phase_sum *ph, clinic_therapy t, const clinic_diary_row *r) {
  if (t == TH_SCS) {
    int x2 = clinic_diary_pain_x2(r);
    if (x2 < 0) return;
    ph->sum += x2;
    ph->days++;
    if (r->morning >= 0) ph->sum2 += r->morning, ph->days2++;
    if (r->evening >= 0) ph->sum3 += r->evening, ph->days3++;
  } else {
    if (r->incontinence < 0) return;
    ph->sum += r->incontinence;
    ph->days++;
    if (r->urgency >= 0) ph->sum2 += r->urgency, ph->days2++;
    if (r->pads >= 0) ph->sum3 += r->pads, ph->days3++;
  }
}

int clinic_eval_run(sqlite3 *db, const clinic_patient *p, const clinic_cfg *cfg, clinic_eval *ev, clinic_days *days,
                    clinic_err *e) {
  clinic_sums s;
  clinic_path path;
  if (days) memset(days, 0, sizeof *days);
  int rc = clinic_sums_open(db, &s, e);
  if (rc) return rc;
  rc = clinic_path_read_st(s.path, p, &path, e);
  if (!rc) rc = clinic_sums_compute(&s, p, &path, ev, days, e);
  clinic_sums_close(&s);
  if (rc) {
    if (days) clinic_days_free(days);
    return rc;
  }
  ev->threshold_bp = cfg->threshold_bp;
  ev->min_days = cfg->min_days;
  clinic_eval_decide(ev);
  return CLINIC_E_OK;
}


int clinic_eval_each(sqlite3 *db, const clinic_cfg *cfg, int (*fn)(void *ctx, const clinic_patient *p, const clinic_eval *ev),
                     void *ctx, long count[3], clinic_err *e) {
  count[0] = count[1] = count[2] = 0;
  int rc;
  if ((rc = clinic_sql_exec(db, "BEGIN", e)) != CLINIC_E_OK) return rc;
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT p.code, p.therapy, c.pid, " CLINIC_SUMS_COLS " FROM patient p "
                                         "LEFT JOIN eval_cache c ON c.pid = p.pid ORDER BY p.code", e);
  if (!st) {
    clinic_rollback(db);
    return e->code;
  }
  clinic_patient p;
  memset(&p, 0, sizeof p);
  clinic_eval ev;
  int r = 0;
  while (!r && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    snprintf(p.code, sizeof p.code, "%s", (const char *)sqlite3_column_text(st, 0));
    p.therapy = strcmp((const char *)sqlite3_column_text(st, 1), "scs") == 0 ? TH_SCS : TH_SNM;
    if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
      sqlite3_finalize(st);
      clinic_rollback(db);
      return clinic_err_set(e, CLINIC_E_IO, "database %s: patient %s has no evaluation sums (the database is damaged or was "
                            "changed by another program)", sqlite3_db_filename(db, "main"), p.code);
    }
    memset(&ev, 0, sizeof ev);
    ev.therapy = p.therapy;
    ev.threshold_bp = cfg->threshold_bp;
    ev.min_days = cfg->min_days;
    clinic_sums_read_row(st, 3, &ev);
    clinic_eval_decide(&ev);
    count[ev.verdict]++;
    r = fn(ctx, &p, &ev);
  }
  if (!r && rc != SQLITE_DONE) clinic_err_db(e, db, "listing patients");
  sqlite3_finalize(st);
  clinic_rollback(db);
  return e->code ? e->code : r;
}

int clinic_cfg_set(sqlite3 *db, const char *key, const char *value, clinic_err *e) {
  char msg[400], old[64];
  if (clinic_cfg_validate(key, value, msg, sizeof msg) != 0) return clinic_err_set(e, CLINIC_E_INPUT, "%s", msg);
  /* The setting and, for a window setting, every cached sum: one transaction. */
  int rc = clinic_sql_begin(db, e);
  if (rc) return rc;
  rc = clinic_store_setting(db, key, old, sizeof old, e);
  char put[128];
  clinic_store_replace_sql(put, sizeof put, "setting", "key, value");
  sqlite3_stmt *st = rc ? NULL : clinic_sql_prep(db, put, e);
  if (st) {
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) clinic_err_db(e, db, "storing a setting");
    sqlite3_finalize(st);
  }
  if (!e->code && clinic_cfg_is_window_key(key) && strcmp(old, value) != 0) clinic_sums_rebuild(db, e);
  if (!e->code) clinic_sql_commit(db, e);
  if (e->code) clinic_rollback(db);
  return e->code;
}

void clinic_json_date(js_w *w, int32_t d) {
  if (d == INT32_MIN || d == INT32_MAX) {
    jw_null(w);
    return;
  }
  char ds[HU_DATE_LEN];
  hu_date_fmt(ds, sizeof ds, d);
  jw_str(w, ds);
}

void clinic_json_day(js_w *w, const char *key, int32_t d) {
  jw_key(w, key);
  clinic_json_date(w, d);
}

/* A mean in two decimals: sum * scale_num / days, rounded; null without days. */
static void jw_kv_mean(js_w *w, const char *k, int64_t sum, int64_t days, int64_t scale_num) {
  jw_kv_fixed_opt(w, k, days != 0, days ? round_div(sum * scale_num * 100, days) : 0, 2);
}

static void jw_from_to(js_w *w, int32_t from, int32_t to) {
  clinic_json_day(w, "from", from);
  clinic_json_day(w, "to", to);
}

static void jw_ranges(js_w *w, const char *k, const clinic_range *r, int n) {
  jw_kv_arr(w, k);
  for (int i = 0; i < n; i++) {
    jw_obj(w);
    jw_from_to(w, r[i].from, r[i].to);
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

/* The diary days an evaluation does not use, by why (both renderers list them in this order). */
static const clinic_day_phase unused_phases[] = {DP_BEFORE_REFERRAL, DP_BEFORE_BASELINE, DP_OPERATION, DP_PAST_WINDOW,
                                                 DP_AFTER};
#define N_UNUSED (sizeof unused_phases / sizeof unused_phases[0])

/* The windows: which days the evaluation may use, and whether the trial ran over. */
static void jw_windows(js_w *w, const clinic_eval *e, const clinic_cfg *cfg, int32_t today, const clinic_days *days) {
  const clinic_windows *x = &e->win;
  jw_kv_obj(w, "baseline_window");
  jw_from_to(w, x->base_from, x->base_to);
  jw_kv_int(w, "max_days", cfg->baseline_max_days);
  jw_obj_end(w);
  jw_kv_obj(w, "trial_window");
  jw_from_to(w, x->trial_day == INT32_MIN ? INT32_MIN : x->trial_day + 1, x->trial_to);
  clinic_json_day(w, "recorded_to", x->closed_to);
  clinic_json_day(w, "limit_to", x->limit_to);
  jw_kv_int(w, "nominal_days", cfg->trial_days[e->therapy]);
  jw_kv_int(w, "tolerance_days", cfg->tolerance_days);
  jw_kv_bool(w, "open", x->trial_day != INT32_MIN && x->closed_to == INT32_MAX);
  jw_kv_bool(w, "past_window", clinic_trial_overdue(x, e->therapy, today));
  jw_kv_str_opt(w, "extended", x->extended ? e->ext_reason : NULL);
  jw_kv_bool(w, "over_limit_without_override", x->over_limit);
  jw_obj_end(w);
  if (!days) return;
  jw_kv_obj(w, "days_used");
  jw_ranges(w, "baseline", days->used[0], days->nused[0]);
  jw_ranges(w, "trial", days->used[1], days->nused[1]);
  jw_obj_end(w);
  jw_kv_obj(w, "days_not_used");
  for (size_t i = 0; i < N_UNUSED; i++) {
    char key[32];
    snprintf(key, sizeof key, "%s", clinic_day_phase_name(unused_phases[i]));
    for (char *k = key; *k; k++)
      if (*k == '-') *k = '_';
    jw_kv_int(w, key, days->by_phase[unused_phases[i]]);
  }
  jw_obj_end(w);
}

/* The secondary measures of a therapy: the JSON keys and the scale of each sum (per day, or
 * per week: 7); the text renderer names them the same way. */
typedef struct {
  const char *base_key, *trial_key;
  int which; /* 2: sum2/days2, 3: sum3/days3 */
  int64_t scale;
} secondary_def;
static const secondary_def secondary[2][2] = {
    [TH_SCS] = {{"baseline_morning_mean", "trial_morning_mean", 2, 1},
                {"baseline_evening_mean", "trial_evening_mean", 3, 1}},
    [TH_SNM] = {{"baseline_urgency_per_week", "trial_urgency_per_week", 2, 7},
                {"baseline_pads_per_day", "trial_pads_per_day", 3, 1}},
};

static int64_t sec_sum(const clinic_phase_sum *ph, int which) { return which == 2 ? ph->sum2 : ph->sum3; }
static int64_t sec_days(const clinic_phase_sum *ph, int which) { return which == 2 ? ph->days2 : ph->days3; }

void clinic_eval_json(js_w *w, const clinic_patient *p, const clinic_eval *e, const clinic_cfg *cfg, int32_t today,
                      const clinic_days *days) {
  int scs = e->therapy == TH_SCS;
  jw_obj(w);
  jw_kv_str(w, "patient", p->code);
  jw_kv_str(w, "therapy", clinic_therapy_name(e->therapy));
  jw_kv_str(w, "measure", scs ? "mean daily pain NRS" : "incontinence episodes per week");
  jw_kv_str(w, "verdict", clinic_verdict_name(e->verdict));
  jw_kv_str(w, "reason", e->reason);
  jw_kv_fixed(w, "threshold_pct", e->threshold_bp, 2);
  jw_kv_int(w, "min_days", e->min_days);
  jw_kv_fixed_opt(w, "baseline_mean", e->base_mean_c >= 0, e->base_mean_c, 2);
  jw_kv_fixed_opt(w, "trial_mean", e->trial_mean_c >= 0, e->trial_mean_c, 2);
  jw_kv_fixed_opt(w, "reduction_pct", e->has_reduction, e->reduction_bp, 2);
  /* The trial mean at which the reduction reaches the threshold (the chart's 50 % line). */
  jw_kv_fixed_opt(w, "target_mean", e->base_mean_c >= 0, floor_div(e->base_mean_c * (10000 - e->threshold_bp), 10000), 2);
  jw_kv_int(w, "baseline_days", e->base.days);
  jw_kv_int(w, "trial_days", e->trial.days);
  clinic_json_day(w, "trial_start", e->trial.from);
  clinic_json_day(w, "trial_end", e->trial.to);
  jw_windows(w, e, cfg, today, days);
  jw_kv_obj(w, "secondary");
  for (int i = 0; i < 2; i++) {
    const secondary_def *d = &secondary[e->therapy][i];
    jw_kv_mean(w, d->base_key, sec_sum(&e->base, d->which), sec_days(&e->base, d->which), d->scale);
    jw_kv_mean(w, d->trial_key, sec_sum(&e->trial, d->which), sec_days(&e->trial, d->which), d->scale);
  }
  jw_kv_obj(w, "scores");
  for (int k = 0; k < 3; k++) {
    const clinic_score_pt *b = &e->score_before[k], *a = &e->score_after[k];
    if (!b->have && !a->have) continue;
    jw_kv_obj(w, clinic_score_kind_name((clinic_score_kind)k));
    jw_kv_int_opt(w, "baseline", b->have, b->total);
    clinic_json_day(w, "baseline_date", b->have ? b->date : INT32_MIN);
    jw_kv_int_opt(w, "trial", a->have, a->total);
    clinic_json_day(w, "trial_date", a->have ? a->date : INT32_MIN);
    jw_kv_int_opt(w, "change", a->have && b->have, a->total - b->total);
    jw_obj_end(w);
  }
  jw_obj_end(w);
  jw_obj_end(w);
  jw_obj_end(w);
}

static void fmt_c(char *out, size_t cap, int64_t c) {
  if (c < 0)
    snprintf(out, cap, "-");
  else
    hu_fmt_fixed(out, cap, c, 2, 2);
}

static void fmt_mean(char *out, size_t cap, int64_t sum, int64_t days, int64_t scale) {
  fmt_c(out, cap, days ? round_div(sum * scale * 100, days) : -1);
}

static void print_ranges(FILE *f, const clinic_range *r, int n) {
  if (!n) fputs(" none", f);
  for (int i = 0; i < n; i++) {
    char a[11], b[11];
    hu_date_fmt(a, HU_DATE_LEN, r[i].from);
    hu_date_fmt(b, HU_DATE_LEN, r[i].to);
    if (r[i].from == r[i].to)
      fprintf(f, "%s %s", i ? "," : "", a);
    else
      fprintf(f, "%s %s..%s", i ? "," : "", a, b);
  }
}

/* Which days were used and why others were not. */
static void text_windows(FILE *f, const clinic_eval *e, const clinic_cfg *cfg, int32_t today, const clinic_days *days) {
  const clinic_windows *x = &e->win;
  char a[11], b[11];
  if (x->base_from == INT32_MAX) {
    fprintf(f, "  baseline: not started (it starts with the %s step)\n",
            e->therapy == TH_SCS ? "questionnaires" : "scores");
  } else {
    hu_date_fmt(a, HU_DATE_LEN, x->base_from);
    if (x->base_to == INT32_MAX)
      fprintf(f, "  baseline: from %s (up to %d days before the trial, once it is recorded)", a, cfg->baseline_max_days);
    else {
      hu_date_fmt(b, HU_DATE_LEN, x->base_to);
      fprintf(f, "  baseline window %s to %s (at most %d days before the trial)", a, b, cfg->baseline_max_days);
    }
    if (days) {
      fputs("; days used:", f);
      print_ranges(f, days->used[0], days->nused[0]);
    }
    fputc('\n', f);
  }
  if (x->trial_day != INT32_MIN) {
    hu_date_fmt(a, HU_DATE_LEN, x->trial_day + 1);
    hu_date_fmt(b, HU_DATE_LEN, x->trial_to);
    int nominal = cfg->trial_days[e->therapy];
    fprintf(f, "  trial window %s to %s", a, b);
    if (x->extended)
      fprintf(f, " (extended past the %d-day window and %d days' tolerance by override: %s)", nominal, cfg->tolerance_days,
              e->ext_reason);
    else if (x->over_limit) {
      char c[11];
      hu_date_fmt(c, HU_DATE_LEN, x->closed_to);
      fprintf(f, " (the trial was recorded to %s, past its %d-day window and %d days' tolerance, without an override: "
              "the later days are not used)", c, nominal, cfg->tolerance_days);
    } else if (x->closed_to == INT32_MAX)
      fprintf(f, " (open: %d-day window and %d days' tolerance%s)", nominal, cfg->tolerance_days,
              clinic_trial_overdue(x, e->therapy, today) ? "; PAST ITS WINDOW: record the end of the trial" : "");
    else
      fprintf(f, " (as recorded; %d-day window, %d days' tolerance)", nominal, cfg->tolerance_days);
    if (days) {
      fputs("; days used:", f);
      print_ranges(f, days->used[1], days->nused[1]);
    }
    fputc('\n', f);
  }
  if (!days) return;
  int any = 0;
  for (size_t i = 0; i < N_UNUSED; i++) {
    long n = days->by_phase[unused_phases[i]];
    if (!n) continue;
    fprintf(f, "%s %ld %s", any ? "," : "  diary days not used:", n, clinic_day_phase_name(unused_phases[i]));
    any = 1;
  }
  if (any) fputc('\n', f);
}

void clinic_eval_text(FILE *f, const clinic_patient *p, const clinic_eval *e, const clinic_cfg *cfg, int32_t today,
                      const clinic_days *days) {
  int scs = e->therapy == TH_SCS;
  char bm[32], tm[32], a[11], b[11], thr[32];
  fmt_c(bm, sizeof bm, e->base_mean_c);
  fmt_c(tm, sizeof tm, e->trial_mean_c);
  fmt_c(thr, sizeof thr, e->threshold_bp);
  fprintf(f, "%s (%s) trial evaluation: %s (%s)\n", p->code, scs ? "SCS" : "SNM", clinic_verdict_name(e->verdict),
          e->reason);
  fprintf(f, "  %s: baseline %s over %lld days", scs ? "mean daily pain (NRS)" : "incontinence episodes per week", bm,
          (long long)e->base.days);
  if (e->trial.from != INT32_MIN) {
    hu_date_fmt(a, HU_DATE_LEN, e->trial.from);
    fprintf(f, ", trial %s over %lld days (operation %s", tm, (long long)e->trial.days, a);
    if (e->trial.to != INT32_MAX) {
      hu_date_fmt(b, HU_DATE_LEN, e->trial.to);
      fprintf(f, ", trial to %s", b);
    }
    fprintf(f, ")");
  }
  fprintf(f, "\n");
  if (e->has_reduction) {
    char r[32];
    hu_fmt_fixed(r, sizeof r, e->reduction_bp, 2, 2);
    fprintf(f, "  reduction %s %% (success at >= %s %%)\n", r, thr);
  } else {
    fprintf(f, "  reduction: not computed (needs %d diary days in each phase and a non-zero baseline; success at >= %s %%)\n",
            e->min_days, thr);
  }
  text_windows(f, e, cfg, today, days);
  char m[4][32];
  for (int i = 0; i < 2; i++) {
    const secondary_def *d = &secondary[e->therapy][i];
    fmt_mean(m[2 * i], sizeof m[0], sec_sum(&e->base, d->which), sec_days(&e->base, d->which), d->scale);
    fmt_mean(m[2 * i + 1], sizeof m[0], sec_sum(&e->trial, d->which), sec_days(&e->trial, d->which), d->scale);
  }
  fprintf(f, scs ? "  morning NRS %s -> %s; evening NRS %s -> %s\n"
                 : "  urgency episodes per week %s -> %s; pads per day %s -> %s\n", m[0], m[1], m[2], m[3]);
  for (int k = 0; k < 3; k++) {
    const clinic_score_pt *sb = &e->score_before[k], *sa = &e->score_after[k];
    if (!sb->have && !sa->have) continue;
    fprintf(f, "  %s score:", clinic_score_kind_name((clinic_score_kind)k));
    if (sb->have) {
      hu_date_fmt(a, HU_DATE_LEN, sb->date);
      fprintf(f, " baseline %d (%s)", sb->total, a);
    } else {
      fprintf(f, " no baseline score");
    }
    if (sa->have) {
      hu_date_fmt(b, HU_DATE_LEN, sa->date);
      fprintf(f, ", trial %d (%s)", sa->total, b);
      if (sb->have) fprintf(f, ", change %+d", sa->total - sb->total);
    } else {
      fprintf(f, ", no score after the trial yet");
    }
    fprintf(f, "\n");
  }
}

/* evaluate --all, one line a patient, and the counts at the end. */
typedef struct {
  FILE *f;
  js_w w;
  int json;
  int32_t today;
  const clinic_cfg *cfg;
} all_out;

static int all_row(void *ctx, const clinic_patient *p, const clinic_eval *e) {
  all_out *o = ctx;
  if (o->json) {
    clinic_eval_json(&o->w, p, e, o->cfg, o->today, NULL);
    return 0;
  }
  char r1[32] = "-";
  if (e->has_reduction) {
    char x[HU_FIXED_LEN];
    snprintf(r1, sizeof r1, "%s %%", hu_fmt_fixed(x, sizeof x, e->reduction_bp, 2, 2));
  }
  const char *flag = e->win.extended ? "  (trial window extended)"
                     : e->win.over_limit ? "  (trial recorded past its window)"
                     : clinic_trial_overdue(&e->win, e->therapy, o->today) ? "  (open trial past its window)"
                                                                          : "";
  fprintf(o->f, "%-12s %s %-17s %s%s\n", p->code, clinic_therapy_name(p->therapy), clinic_verdict_name(e->verdict), r1,
          flag);
  return 0;
}

static void all_end(all_out *o, const long count[3]) {
  long n = count[0] + count[1] + count[2];
  if (!o->json) {
    fprintf(o->f, "%ld patients: %ld success, %ld failure, %ld insufficient-data\n", n, count[EV_SUCCESS],
            count[EV_FAILURE], count[EV_INSUFFICIENT]);
    return;
  }
  jw_arr_end(&o->w);
  jw_kv_int(&o->w, "count", n);
  jw_kv_int(&o->w, "success", count[EV_SUCCESS]);
  jw_kv_int(&o->w, "failure", count[EV_FAILURE]);
  jw_kv_int(&o->w, "insufficient_data", count[EV_INSUFFICIENT]);
  jw_obj_end(&o->w);
  jw_end(&o->w);
}

/* evaluate PATIENT (recomputed from the diary, with the days used listed), or --all (one
 * read of the cache, one row per patient, never of the diary). */
int clinic_cmd_evaluate(clinic_ctx *c, clinic_args *a) {
  const char *thr_opt = clinic_opt_get(a, "threshold");
  int all = clinic_opt_flag(a, "all");
  int rc = clinic_args_done(a, "evaluate");
  if (rc) return rc;
  if ((all && a->npos != 1) || (!all && a->npos != 2))
    return clinic_fail(CL_USAGE, "usage: nmod clinic evaluate PATIENT|--all [--threshold PCT] [--json]");
  clinic_err e = {0};
  clinic_cfg cfg;
  if (clinic_cfg_read(c->db, thr_opt, &cfg, &e) != CLINIC_E_OK) return clinic_report(&e);
  if (all) {
    all_out o = {.f = clinic_stdout(), .json = c->json, .today = c->today, .cfg = &cfg};
    if (c->json) {
      jw_init(&o.w, o.f);
      jw_obj(&o.w);
      jw_kv_arr(&o.w, "patients");
    }
    long count[3];
    if (clinic_eval_each(c->db, &cfg, all_row, &o, count, &e) != CLINIC_E_OK) return clinic_report(&e);
    all_end(&o, count);
    return CL_OK;
  }
  clinic_patient p;
  clinic_eval ev;
  clinic_days days;
  if (clinic_patient_lookup(c->db, a->pos[1], &p, &e) != CLINIC_E_OK ||
      clinic_eval_run(c->db, &p, &cfg, &ev, &days, &e) != CLINIC_E_OK)
    return clinic_report(&e);
  if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    clinic_eval_json(&w, &p, &ev, &cfg, c->today, &days);
    jw_end(&w);
  } else {
    clinic_eval_text(clinic_stdout(), &p, &ev, &cfg, c->today, &days);
  }
  clinic_days_free(&days);
  return CL_OK;
}

/* config: the settings, as "key = value" lines or one JSON object. */
static void config_render(FILE *f, int json, const char *const *keys, char (*vals)[256], int n) {
  js_w w;
  if (json) {
    jw_init(&w, f);
    jw_obj(&w);
  }
  for (int i = 0; i < n; i++) {
    if (json)
      jw_kv_str(&w, keys[i], vals[i]);
    else
      fprintf(f, "%s = %s\n", keys[i], vals[i]);
  }
  if (json) {
    jw_obj_end(&w);
    jw_end(&w);
  }
}

int clinic_cmd_config(clinic_ctx *c, clinic_args *a) {
  int rc = clinic_args_done(a, "config");
  if (rc) return rc;
  int nkeys;
  const char *const *keys = clinic_cfg_keys(&nkeys);
  if (a->npos == 3) {
    clinic_err e = {0};
    if (clinic_cfg_set(c->db, a->pos[1], a->pos[2], &e) != CLINIC_E_OK) return clinic_report(&e);
  } else if (a->npos != 1) {
    clinic_buf b = {0};
    for (int i = 0; i < nkeys; i++) clinic_buf_printf(&b, "%s%s VALUE", i ? " | " : "", keys[i]);
    rc = clinic_fail(CL_USAGE, "usage: nmod clinic config [%s]", b.s);
    clinic_buf_free(&b);
    return rc;
  }
  char vals[16][256];
  if (nkeys > 16) nkeys = 16;
  clinic_err e = {0};
  for (int i = 0; i < nkeys; i++)
    if (clinic_store_setting(c->db, keys[i], vals[i], sizeof vals[i], &e) != CLINIC_E_OK) return clinic_report(&e);
  config_render(clinic_stdout(), c->json, keys, vals, nkeys);
  return CL_OK;
}
