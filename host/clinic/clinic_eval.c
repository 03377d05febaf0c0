/* clinic_eval.c: the decision after the trial.
 *
 * Main measure: SCS the mean daily pain (NRS), SNM incontinence episodes per week, in the
 * baseline (diary days before the trial operation) and in the trial (days after the
 * operation up to the trial's end). Reduction = 1 - trial/baseline. The verdict is decided in
 * exact integer arithmetic: with sums Sb, St over nb, nt days, the reduction is
 * (Sb*nt - St*nb) / (Sb*nt), and success means (Sb*nt - St*nb) * 10000 >= threshold_bp *
 * Sb*nt; no rounding can turn 50 % into 49.999 %. SCS days are summed in half points so that
 * a day of morning 3 / evening 4 counts 3.5 exactly.
 */
#include <limits.h>
#include <string.h>

#include "clinic_int.h"

const char *clinic_verdict_name(clinic_verdict v) {
  return v == EV_SUCCESS ? "success" : v == EV_FAILURE ? "failure" : "insufficient-data";
}

void clinic_eval_windows(const clinic_path *path, int32_t *start, int32_t *end) {
  *start = clinic_path_done(path, "trial");
  *end = INT32_MAX;
  if (*start == INT32_MIN) return;
  int32_t closing = INT32_MIN;
  if (path->therapy == TH_SCS) {
    int32_t te = clinic_path_done(path, "trial-end");
    if (te != INT32_MIN) {
      *end = te;
      return;
    }
  }
  int32_t im = clinic_path_done(path, "implant"), ex = clinic_path_done(path, "explant");
  closing = im != INT32_MIN ? im : ex;
  if (closing != INT32_MIN) *end = closing - 1;
}

const char *clinic_eval_phase(int32_t start, int32_t end, int32_t day) {
  if (start == INT32_MIN || day < start) return "baseline";
  if (day == start) return "operation";
  if (day <= end) return "trial";
  return "after";
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

static int load_scores(sqlite3 *db, int64_t pid, int32_t start, int32_t end, clinic_eval *e) {
  sqlite3_stmt *st = clinic_prep(db, "SELECT kind, date, total FROM score WHERE pid = ? ORDER BY date");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, pid);
  int32_t score_end = end == INT32_MAX ? INT32_MAX : end + 1;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    clinic_score_kind k;
    int32_t d;
    if (clinic_score_kind_parse((const char *)sqlite3_column_text(st, 0), &k) != 0) continue;
    if (clinic_date_parse((const char *)sqlite3_column_text(st, 1), &d) != 0) continue;
    clinic_score_pt pt = {1, d, sqlite3_column_int(st, 2)};
    if (start == INT32_MIN || d < start)
      e->score_before[k] = pt; /* the latest one before the trial */
    else if (d > start && d <= score_end)
      e->score_after[k] = pt; /* the latest one of the trial */
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_dbfail(db, "reading scores");
  return CL_OK;
}

int clinic_eval_patient(sqlite3 *db, const clinic_patient *p, int threshold_bp, int min_days,
                        clinic_eval *e) {
  memset(e, 0, sizeof *e);
  e->therapy = p->therapy;
  e->threshold_bp = threshold_bp;
  e->min_days = min_days;
  clinic_path path;
  int rc = clinic_path_load(db, p, &path);
  if (rc) return rc;
  int32_t start, end;
  clinic_eval_windows(&path, &start, &end);
  e->base.from = INT32_MIN;
  e->base.to = start == INT32_MIN ? INT32_MAX : start - 1;
  e->trial.from = start;
  e->trial.to = end;
  sqlite3_stmt *st = clinic_prep(db,
                                 "SELECT date, nrs, nrs_morning, nrs_evening, incontinence, urgency, pads FROM diary "
                                 "WHERE pid = ? ORDER BY date");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, p->pid);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int32_t d;
    if (clinic_date_parse((const char *)sqlite3_column_text(st, 0), &d) != 0) continue;
    clinic_phase_sum *ph;
    if (start == INT32_MIN || d < start)
      ph = &e->base;
    else if (d > start && d <= end)
      ph = &e->trial;
    else
      continue;
    int v[6];
    for (int i = 0; i < 6; i++) v[i] = sqlite3_column_type(st, 1 + i) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 1 + i);
    if (ph->days == 0 && ph == &e->base) ph->from = d;
    if (p->therapy == TH_SCS) {
      clinic_diary_row r = {d, v[0], v[1], v[2], -1, -1, -1};
      int x2 = clinic_diary_pain_x2(&r);
      if (x2 < 0) continue;
      ph->sum += x2;
      ph->days++;
      if (v[1] >= 0) ph->sum2 += v[1], ph->days2++;
      if (v[2] >= 0) ph->sum3 += v[2], ph->days3++;
    } else {
      if (v[3] < 0) continue;
      ph->sum += v[3];
      ph->days++;
      if (v[4] >= 0) ph->sum2 += v[4], ph->days2++;
      if (v[5] >= 0) ph->sum3 += v[5], ph->days3++;
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_dbfail(db, "reading the diary");
  if ((rc = load_scores(db, p->pid, start, end, e)) != CL_OK) return rc;
  clinic_eval_decide(e);
  return CL_OK;
}

int clinic_eval_config(sqlite3 *db, const char *threshold_opt, int *threshold_bp, int *min_days) {
  char v[64];
  int64_t bp;
  int rc;
  if (threshold_opt) {
    if (clinic_parse_fixed(threshold_opt, 2, &bp) != 0 || bp < 1 || bp > 10000)
      return clinic_fail(CL_USAGE, "--threshold '%s' is not a percentage from 0.01 to 100", threshold_opt);
  } else {
    if ((rc = clinic_setting_get(db, "success_threshold_pct", v, sizeof v)) != CL_OK) return rc;
    if (clinic_parse_fixed(v[0] ? v : "50", 2, &bp) != 0 || bp < 1 || bp > 10000) bp = 5000;
  }
  *threshold_bp = (int)bp;
  if ((rc = clinic_setting_get(db, "min_diary_days", v, sizeof v)) != CL_OK) return rc;
  long md;
  *min_days = clinic_parse_int(v, 1, 365, &md) == 0 ? (int)md : 7;
  return CL_OK;
}

static void jw_date_or_null(js_w *w, int32_t d) {
  if (d == INT32_MIN || d == INT32_MAX) {
    jw_null(w);
    return;
  }
  char ds[11];
  clinic_date_fmt(d, ds);
  jw_str(w, ds);
}

static void jw_mean(js_w *w, int64_t sum, int64_t days, int64_t scale_num) {
  /* A mean in two decimals: sum * scale_num / days, rounded. */
  if (!days)
    jw_null(w);
  else
    jw_fixed(w, round_div(sum * scale_num * 100, days), 2);
}

void clinic_eval_json(js_w *w, const clinic_patient *p, const clinic_eval *e) {
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
  jw_key(w, "baseline_days");
  jw_int(w, e->base.days);
  jw_key(w, "trial_days");
  jw_int(w, e->trial.days);
  jw_key(w, "trial_start");
  jw_date_or_null(w, e->trial.from);
  jw_key(w, "trial_end");
  jw_date_or_null(w, e->trial.to);
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
    jw_date_or_null(w, b->have ? b->date : INT32_MIN);
    jw_key(w, "trial");
    if (a->have) jw_int(w, a->total); else jw_null(w);
    jw_key(w, "trial_date");
    jw_date_or_null(w, a->have ? a->date : INT32_MIN);
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
    snprintf(out, cap, "%lld.%02lld", (long long)(c / 100), (long long)(c % 100));
}

static void fmt_mean(char *out, size_t cap, int64_t sum, int64_t days, int64_t scale) {
  fmt_c(out, cap, days ? round_div(sum * scale * 100, days) : -1);
}

void clinic_eval_text(FILE *f, const clinic_patient *p, const clinic_eval *e) {
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
    clinic_date_fmt(e->trial.from, a);
    fprintf(f, ", trial %s over %lld days (operation %s", tm, (long long)e->trial.days, a);
    if (e->trial.to != INT32_MAX) {
      clinic_date_fmt(e->trial.to, b);
      fprintf(f, ", trial to %s", b);
    }
    fprintf(f, ")");
  }
  fprintf(f, "\n");
  if (e->has_reduction) {
    char r[32];
    int64_t bp = e->reduction_bp;
    if (bp < 0)
      snprintf(r, sizeof r, "-%lld.%02lld", (long long)(-bp / 100), (long long)(-bp % 100));
    else
      fmt_c(r, sizeof r, bp);
    fprintf(f, "  reduction %s %% (success at >= %s %%)\n", r, thr);
  } else {
    fprintf(f, "  reduction: not computed (needs %d diary days in each phase and a non-zero baseline; success at >= %s %%)\n",
            e->min_days, thr);
  }
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
      clinic_date_fmt(sb->date, a);
      fprintf(f, " baseline %d (%s)", sb->total, a);
    } else {
      fprintf(f, " no baseline score");
    }
    if (sa->have) {
      clinic_date_fmt(sa->date, b);
      fprintf(f, ", trial %d (%s)", sa->total, b);
      if (sb->have) fprintf(f, ", change %+d", sa->total - sb->total);
    } else {
      fprintf(f, ", no score after the trial yet");
    }
    fprintf(f, "\n");
  }
}

int clinic_cmd_evaluate(clinic_ctx *c, clinic_args *a) {
  const char *thr_opt = clinic_opt_get(a, "threshold");
  int all = clinic_opt_flag(a, "all");
  int rc = clinic_args_done(a, "evaluate");
  if (rc) return rc;
  if ((all && a->npos != 1) || (!all && a->npos != 2))
    return clinic_fail(CL_USAGE, "usage: nmod clinic evaluate PATIENT|--all [--threshold PCT] [--json]");
  int thr, mind;
  if ((rc = clinic_eval_config(c->db, thr_opt, &thr, &mind)) != CL_OK) return rc;
  clinic_eval e;
  if (!all) {
    clinic_patient p;
    if ((rc = clinic_patient_get(c->db, a->pos[1], &p)) != CL_OK) return rc;
    if ((rc = clinic_eval_patient(c->db, &p, thr, mind, &e)) != CL_OK) return rc;
    if (c->json) {
      js_w w;
      jw_init(&w, stdout);
      clinic_eval_json(&w, &p, &e);
      jw_end(&w);
    } else {
      clinic_eval_text(stdout, &p, &e);
    }
    return CL_OK;
  }
  /* Every patient, in one read transaction so that the numbers are one consistent view. */
  if ((rc = clinic_exec(c->db, "BEGIN")) != CL_OK) return rc;
  sqlite3_stmt *st = clinic_prep(c->db, "SELECT code FROM patient ORDER BY code");
  if (!st) {
    clinic_rollback(c->db);
    return CL_IO;
  }
  long count[3] = {0, 0, 0};
  js_w w;
  if (c->json) {
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "patients");
    jw_arr(&w);
  }
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    clinic_patient p;
    int r = clinic_patient_get(c->db, (const char *)sqlite3_column_text(st, 0), &p);
    if (!r) r = clinic_eval_patient(c->db, &p, thr, mind, &e);
    if (r) {
      sqlite3_finalize(st);
      clinic_rollback(c->db);
      return r;
    }
    count[e.verdict]++;
    if (c->json)
      clinic_eval_json(&w, &p, &e);
    else {
      char r1[32];
      if (e.has_reduction) {
        int64_t bp = e.reduction_bp;
        snprintf(r1, sizeof r1, "%s%lld.%02lld %%", bp < 0 ? "-" : "", (long long)((bp < 0 ? -bp : bp) / 100),
                 (long long)((bp < 0 ? -bp : bp) % 100));
      } else {
        snprintf(r1, sizeof r1, "-");
      }
      printf("%-12s %s %-17s %s\n", p.code, clinic_therapy_name(p.therapy), clinic_verdict_name(e.verdict), r1);
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

int clinic_cmd_config(clinic_ctx *c, clinic_args *a) {
  int rc = clinic_args_done(a, "config");
  if (rc) return rc;
  static const char *const keys[3] = {"success_threshold_pct", "min_diary_days", "institution"};
  if (a->npos == 3) {
    int k = -1;
    for (int i = 0; i < 3; i++)
      if (strcmp(a->pos[1], keys[i]) == 0) k = i;
    if (k < 0)
      return clinic_fail(CL_USAGE, "setting '%s' is not known: use success_threshold_pct, min_diary_days or institution", a->pos[1]);
    /* institution: the name printed on every report page. */
    if (k == 2 && (strlen(a->pos[2]) > 200 || strpbrk(a->pos[2], "\r\n")))
      return clinic_fail(CL_USAGE, "institution: one line of at most 200 characters");
    int64_t v;
    long n;
    if (k == 0 && (clinic_parse_fixed(a->pos[2], 2, &v) != 0 || v < 1 || v > 10000))
      return clinic_fail(CL_USAGE, "success_threshold_pct '%s' is not a percentage from 0.01 to 100", a->pos[2]);
    if (k == 1 && clinic_parse_int(a->pos[2], 1, 365, &n) != 0)
      return clinic_fail(CL_USAGE, "min_diary_days '%s' is not a whole number from 1 to 365", a->pos[2]);
    sqlite3_stmt *st = clinic_prep(c->db, "INSERT OR REPLACE INTO setting(key, value) VALUES (?, ?)");
    if (!st) return CL_IO;
    sqlite3_bind_text(st, 1, keys[k], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->pos[2], -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return clinic_dbfail(c->db, "storing a setting");
  } else if (a->npos != 1) {
    return clinic_fail(CL_USAGE, "usage: nmod clinic config [success_threshold_pct PCT | min_diary_days N | institution NAME]");
  }
  char v[3][256];
  for (int i = 0; i < 3; i++)
    if ((rc = clinic_setting_get(c->db, keys[i], v[i], sizeof v[i])) != CL_OK) return rc;
  if (c->json) {
    js_w w;
    jw_init(&w, stdout);
    jw_obj(&w);
    for (int i = 0; i < 3; i++) {
      jw_key(&w, keys[i]);
      jw_str(&w, v[i]);
    }
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    for (int i = 0; i < 3; i++) printf("%s = %s\n", keys[i], v[i]);
  }
  return CL_OK;
}
