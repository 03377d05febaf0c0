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

int clinic_eval_patient(sqlite3 *db, const clinic_patient *p, int threshold_bp, int min_days,
                        clinic_eval *e) {
  clinic_sums s;
  clinic_path path;
  int rc = clinic_sums_open(db, &s);
  if (rc) return rc;
  rc = clinic_path_load_st(s.path, p, &path);
  if (!rc) rc = clinic_sums_compute(&s, p, &path, e, NULL);
  clinic_sums_close(&s);
  if (rc) return rc;
  e->threshold_bp = threshold_bp;
  e->min_days = min_days;
  clinic_eval_decide(e);
  return CL_OK;
}

int clinic_eval_config(sqlite3 *db, const char *threshold_opt, int *threshold_bp, int *min_days) {
  clinic_cfg cfg;
  int rc = clinic_cfg_load(db, threshold_opt, &cfg);
  if (rc) return rc;
  *threshold_bp = cfg.threshold_bp;
  *min_days = cfg.min_days;
  return CL_OK;
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

static void jw_mean(js_w *w, int64_t sum, int64_t days, int64_t scale_num) {
  /* A mean in two decimals: sum * scale_num / days, rounded. */
  if (!days)
    jw_null(w);
  else
    jw_fixed(w, round_div(sum * scale_num * 100, days), 2);
}

static void jw_from_to(js_w *w, int32_t from, int32_t to) {
  jw_key(w, "from");
  clinic_json_date(w, from);
  jw_key(w, "to");
  clinic_json_date(w, to);
}

static void jw_ranges(js_w *w, const clinic_range *r, int n) {
  jw_arr(w);
  for (int i = 0; i < n; i++) {
    jw_obj(w);
    jw_from_to(w, r[i].from, r[i].to);
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

/* The windows: which days the evaluation may use, and whether the trial ran over. */
static void jw_windows(js_w *w, const clinic_eval *e, const clinic_cfg *cfg, int32_t today, const clinic_days *days) {
  const clinic_windows *x = &e->win;
  jw_key(w, "baseline_window");
  jw_obj(w);
  jw_from_to(w, x->base_from, x->base_to);
  jw_key(w, "max_days");
  jw_int(w, cfg->baseline_max_days);
  jw_obj_end(w);
  jw_key(w, "trial_window");
  jw_obj(w);
  jw_from_to(w, x->trial_day == INT32_MIN ? INT32_MIN : x->trial_day + 1, x->trial_to);
  jw_key(w, "recorded_to");
  clinic_json_date(w, x->closed_to);
  jw_key(w, "limit_to");
  clinic_json_date(w, x->limit_to);
  jw_key(w, "nominal_days");
  jw_int(w, cfg->trial_days[e->therapy]);
  jw_key(w, "tolerance_days");
  jw_int(w, cfg->tolerance_days);
  jw_key(w, "open");
  jw_bool(w, x->trial_day != INT32_MIN && x->closed_to == INT32_MAX);
  jw_key(w, "past_window");
  jw_bool(w, clinic_trial_overdue(x, e->therapy, today));
  jw_key(w, "extended");
  if (x->extended) jw_str(w, e->ext_reason); else jw_null(w);
  jw_key(w, "over_limit_without_override");
  jw_bool(w, x->over_limit);
  jw_obj_end(w);
  if (!days) return;
  jw_key(w, "days_used");
  jw_obj(w);
  jw_key(w, "baseline");
  jw_ranges(w, days->used[0], days->nused[0]);
  jw_key(w, "trial");
  jw_ranges(w, days->used[1], days->nused[1]);
  jw_obj_end(w);
  jw_key(w, "days_not_used");
  jw_obj(w);
  static const clinic_day_phase unused[] = {DP_BEFORE_REFERRAL, DP_BEFORE_BASELINE, DP_OPERATION, DP_PAST_WINDOW, DP_AFTER};
  for (size_t i = 0; i < sizeof unused / sizeof unused[0]; i++) {
    char key[32];
    snprintf(key, sizeof key, "%s", clinic_day_phase_name(unused[i]));
    for (char *k = key; *k; k++)
      if (*k == '-') *k = '_';
    jw_key(w, key);
    jw_int(w, days->by_phase[unused[i]]);
  }
  jw_obj_end(w);
}

void clinic_eval_json(js_w *w, const clinic_patient *p, const clinic_eval *e, const clinic_cfg *cfg, int32_t today,
                      const clinic_days *days) {
  int scs = e->therapy == TH_SCS;
  jw_obj(w);
  jw_key(w, "patient");
  jw_str(w, p->code);
  jw_key(w, "therapy");
  jw_str(w, clinic_therapy_name(e->therapy));
  jw_key(w, "measure");
  jw_str(w, scs ? "mean daily pain NRS" : "incontinence episodes per week");
  jw_key(w, "verdict");
  jw_str(w, clinic_verdict_name(e->verdict));
  jw_key(w, "reason");
  jw_str(w, e->reason);
  jw_key(w, "threshold_pct");
  jw_fixed(w, e->threshold_bp, 2);
  jw_key(w, "min_days");
  jw_int(w, e->min_days);
  jw_key(w, "baseline_mean");
  if (e->base_mean_c < 0) jw_null(w); else jw_fixed(w, e->base_mean_c, 2);
  jw_key(w, "trial_mean");
  if (e->trial_mean_c < 0) jw_null(w); else jw_fixed(w, e->trial_mean_c, 2);
  jw_key(w, "reduction_pct");
  if (e->has_reduction) jw_fixed(w, e->reduction_bp, 2); else jw_null(w);
  /* The trial mean at which the reduction reaches the threshold (the chart's 50 % line). */
  jw_key(w, "target_mean");
  if (e->base_mean_c < 0) jw_null(w); else jw_fixed(w, floor_div(e->base_mean_c * (10000 - e->threshold_bp), 10000), 2);
  jw_key(w, "baseline_days");
  jw_int(w, e->base.days);
  jw_key(w, "trial_days");
  jw_int(w, e->trial.days);
  jw_key(w, "trial_start");
  clinic_json_date(w, e->trial.from);
  jw_key(w, "trial_end");
  clinic_json_date(w, e->trial.to);
  jw_windows(w, e, cfg, today, days);
  jw_key(w, "secondary");
  jw_obj(w);
  if (scs) {
    jw_key(w, "baseline_morning_mean");
    jw_mean(w, e->base.sum2, e->base.days2, 1);
    jw_key(w, "trial_morning_mean");
    jw_mean(w, e->trial.sum2, e->trial.days2, 1);
    jw_key(w, "baseline_evening_mean");
    jw_mean(w, e->base.sum3, e->base.days3, 1);
    jw_key(w, "trial_evening_mean");
    jw_mean(w, e->trial.sum3, e->trial.days3, 1);
  } else {
    jw_key(w, "baseline_urgency_per_week");
    jw_mean(w, e->base.sum2, e->base.days2, 7);
    jw_key(w, "trial_urgency_per_week");
    jw_mean(w, e->trial.sum2, e->trial.days2, 7);
    jw_key(w, "baseline_pads_per_day");
    jw_mean(w, e->base.sum3, e->base.days3, 1);
    jw_key(w, "trial_pads_per_day");
    jw_mean(w, e->trial.sum3, e->trial.days3, 1);
  }
  jw_key(w, "scores");
  jw_obj(w);
  for (int k = 0; k < 3; k++) {
    const clinic_score_pt *b = &e->score_before[k], *a = &e->score_after[k];
    if (!b->have && !a->have) continue;
    jw_key(w, clinic_score_kind_name((clinic_score_kind)k));
    jw_obj(w);
    jw_key(w, "baseline");
    if (b->have) jw_int(w, b->total); else jw_null(w);
    jw_key(w, "baseline_date");
    clinic_json_date(w, b->have ? b->date : INT32_MIN);
    jw_key(w, "trial");
    if (a->have) jw_int(w, a->total); else jw_null(w);
    jw_key(w, "trial_date");
    clinic_json_date(w, a->have ? a->date : INT32_MIN);
    jw_key(w, "change");
    if (a->have && b->have) jw_int(w, a->total - b->total); else jw_null(w);
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
  static const clinic_day_phase unused[] = {DP_BEFORE_REFERRAL, DP_BEFORE_BASELINE, DP_OPERATION, DP_PAST_WINDOW, DP_AFTER};
  int any = 0;
  for (size_t i = 0; i < sizeof unused / sizeof unused[0]; i++) {
    long n = days->by_phase[unused[i]];
    if (!n) continue;
    fprintf(f, "%s %ld %s", any ? "," : "  diary days not used:", n, clinic_day_phase_name(unused[i]));
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
  char x1[32], x2[32], y1[32], y2[32];
  if (scs) {
    fmt_mean(x1, sizeof x1, e->base.sum2, e->base.days2, 1);
    fmt_mean(x2, sizeof x2, e->trial.sum2, e->trial.days2, 1);
    fmt_mean(y1, sizeof y1, e->base.sum3, e->base.days3, 1);
    fmt_mean(y2, sizeof y2, e->trial.sum3, e->trial.days3, 1);
    fprintf(f, "  morning NRS %s -> %s; evening NRS %s -> %s\n", x1, x2, y1, y2);
  } else {
    fmt_mean(x1, sizeof x1, e->base.sum2, e->base.days2, 7);
    fmt_mean(x2, sizeof x2, e->trial.sum2, e->trial.days2, 7);
    fmt_mean(y1, sizeof y1, e->base.sum3, e->base.days3, 1);
    fmt_mean(y2, sizeof y2, e->trial.sum3, e->trial.days3, 1);
    fprintf(f, "  urgency episodes per week %s -> %s; pads per day %s -> %s\n", x1, x2, y1, y2);
  }
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

/* evaluate PATIENT: recomputed from the diary, with the days used listed. */
static int evaluate_one(clinic_ctx *c, const char *code, const clinic_cfg *cfg) {
  clinic_patient p;
  int rc = clinic_patient_get(c->db, code, &p);
  if (rc) return rc;
  clinic_sums s;
  if ((rc = clinic_sums_open(c->db, &s)) != CL_OK) return rc;
  clinic_path path;
  clinic_eval e;
  clinic_days days;
  memset(&days, 0, sizeof days);
  rc = clinic_path_load_st(s.path, &p, &path);
  if (!rc) rc = clinic_sums_compute(&s, &p, &path, &e, &days);
  clinic_sums_close(&s);
  if (!rc) {
    e.threshold_bp = cfg->threshold_bp;
    e.min_days = cfg->min_days;
    clinic_eval_decide(&e);
    if (c->json) {
      js_w w;
      jw_init(&w, clinic_stdout());
      clinic_eval_json(&w, &p, &e, cfg, c->today, &days);
      jw_end(&w);
    } else {
      clinic_eval_text(stdout, &p, &e, cfg, c->today, &days);
    }
  }
  clinic_days_free(&days);
  return rc;
}

/* evaluate --all: one read of the cache (one row per patient), never of the diary. */
static int evaluate_all(clinic_ctx *c, const clinic_cfg *cfg) {
  int rc;
  if ((rc = clinic_exec(c->db, "BEGIN")) != CL_OK) return rc;
  sqlite3_stmt *st = clinic_prep(c->db, "SELECT p.code, p.therapy, c.pid, " CLINIC_SUMS_COLS " FROM patient p "
                                        "LEFT JOIN eval_cache c ON c.pid = p.pid ORDER BY p.code");
  if (!st) {
    clinic_rollback(c->db);
    return CL_IO;
  }
  long count[3] = {0, 0, 0};
  js_w w;
  if (c->json) {
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_key(&w, "patients");
    jw_arr(&w);
  }
  clinic_patient p;
  memset(&p, 0, sizeof p);
  clinic_eval e;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    snprintf(p.code, sizeof p.code, "%s", (const char *)sqlite3_column_text(st, 0));
    p.therapy = strcmp((const char *)sqlite3_column_text(st, 1), "scs") == 0 ? TH_SCS : TH_SNM;
    if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
      sqlite3_finalize(st);
      clinic_rollback(c->db);
      return clinic_fail(CL_IO, "database %s: patient %s has no evaluation sums (the database is damaged or was "
                         "changed by another program)", c->db_path, p.code);
    }
    memset(&e, 0, sizeof e);
    e.therapy = p.therapy;
    e.threshold_bp = cfg->threshold_bp;
    e.min_days = cfg->min_days;
    clinic_sums_read_row(st, 3, &e);
    clinic_eval_decide(&e);
    count[e.verdict]++;
    if (c->json) {
      clinic_eval_json(&w, &p, &e, cfg, c->today, NULL);
    } else {
      char r1[32];
      if (e.has_reduction) {
        char x[HU_FIXED_LEN];
        snprintf(r1, sizeof r1, "%s %%", hu_fmt_fixed(x, sizeof x, e.reduction_bp, 2, 2));
      } else {
        snprintf(r1, sizeof r1, "-");
      }
      const char *flag = e.win.extended ? "  (trial window extended)"
                         : e.win.over_limit ? "  (trial recorded past its window)"
                         : clinic_trial_overdue(&e.win, e.therapy, c->today) ? "  (open trial past its window)"
                                                                             : "";
      printf("%-12s %s %-17s %s%s\n", p.code, clinic_therapy_name(p.therapy), clinic_verdict_name(e.verdict), r1, flag);
    }
  }
  sqlite3_finalize(st);
  clinic_rollback(c->db);
  if (rc != SQLITE_DONE) return clinic_dbfail(c->db, "listing patients");
  if (c->json) {
    jw_arr_end(&w);
    jw_key(&w, "count");
    jw_int(&w, count[0] + count[1] + count[2]);
    jw_key(&w, "success");
    jw_int(&w, count[EV_SUCCESS]);
    jw_key(&w, "failure");
    jw_int(&w, count[EV_FAILURE]);
    jw_key(&w, "insufficient_data");
    jw_int(&w, count[EV_INSUFFICIENT]);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    printf("%ld patients: %ld success, %ld failure, %ld insufficient-data\n", count[0] + count[1] + count[2],
           count[EV_SUCCESS], count[EV_FAILURE], count[EV_INSUFFICIENT]);
  }
  return CL_OK;
}

int clinic_cmd_evaluate(clinic_ctx *c, clinic_args *a) {
  const char *thr_opt = clinic_opt_get(a, "threshold");
  int all = clinic_opt_flag(a, "all");
  int rc = clinic_args_done(a, "evaluate");
  if (rc) return rc;
  if ((all && a->npos != 1) || (!all && a->npos != 2))
    return clinic_fail(CL_USAGE, "usage: nmod clinic evaluate PATIENT|--all [--threshold PCT] [--json]");
  clinic_cfg cfg;
  if ((rc = clinic_cfg_load(c->db, thr_opt, &cfg)) != CL_OK) return rc;
  return all ? evaluate_all(c, &cfg) : evaluate_one(c, a->pos[1], &cfg);
}

int clinic_cmd_config(clinic_ctx *c, clinic_args *a) {
  int rc = clinic_args_done(a, "config");
  if (rc) return rc;
  int nkeys;
  const char *const *keys = clinic_cfg_keys(&nkeys);
  if (a->npos == 3) {
    char msg[400], old[64];
    if (clinic_cfg_validate(a->pos[1], a->pos[2], msg, sizeof msg) != 0) return clinic_fail(CL_USAGE, "%s", msg);
    /* The setting and, for a window setting, every cached sum: one transaction. */
    if ((rc = clinic_begin(c->db)) != CL_OK) return rc;
    rc = clinic_setting_get(c->db, a->pos[1], old, sizeof old);
    char put[128];
    clinic_store_replace_sql(put, sizeof put, "setting", "key, value");
    sqlite3_stmt *st = rc ? NULL : clinic_prep(c->db, put);
    if (st) {
      sqlite3_bind_text(st, 1, a->pos[1], -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 2, a->pos[2], -1, SQLITE_STATIC);
      rc = sqlite3_step(st) == SQLITE_DONE ? CL_OK : clinic_dbfail(c->db, "storing a setting");
      sqlite3_finalize(st);
    } else if (!rc) {
      rc = CL_IO;
    }
    if (!rc && clinic_cfg_is_window_key(a->pos[1]) && strcmp(old, a->pos[2]) != 0) rc = clinic_sums_rebuild_all(c->db);
    if (!rc) rc = clinic_commit(c->db);
    if (rc) {
      clinic_rollback(c->db);
      return rc;
    }
  } else if (a->npos != 1) {
    clinic_buf b = {0};
    for (int i = 0; i < nkeys; i++) clinic_buf_printf(&b, "%s%s VALUE", i ? " | " : "", keys[i]);
    rc = clinic_fail(CL_USAGE, "usage: nmod clinic config [%s]", b.s);
    clinic_buf_free(&b);
    return rc;
  }
  js_w w;
  if (c->json) {
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
  }
  for (int i = 0; i < nkeys; i++) {
    char v[256];
    if ((rc = clinic_setting_get(c->db, keys[i], v, sizeof v)) != CL_OK) return rc;
    if (c->json) {
      jw_key(&w, keys[i]);
      jw_str(&w, v);
    } else {
      printf("%s = %s\n", keys[i], v);
    }
  }
  if (c->json) {
    jw_obj_end(&w);
    jw_end(&w);
  }
  return CL_OK;
}
