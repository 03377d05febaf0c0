/* clinic_plan.c: the follow-up plan from the recorded (done or planned) path dates.
 *
 * SCS (pain clinic brochure): pre-operative screening 1-2 weeks before the trial, admission
 * call about 1 week before, trial visits twice a week during the 2-week trial, wound check 2
 * weeks after the definitive implant, controls 1, 3 (medication tapering), 6, 9 and 12
 * months after it, then yearly with pain diary and questionnaires beforehand.
 * SNM (surgery brochure): stage 2 three to four weeks after stage 1, 1 or 2 programming
 * visits at the start. Offsets the brochures do not give are ours (docs/CLINIC.md).
 * Months are calendar months clamped to the month's end (hu_add_months).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "clinic_plan.h"
#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_err.h"
#include "clinic_ics.h"
#include "clinic_ids.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_util.h"
#include "hu_date.h"
#include "hu_dec.h"
#include "json.h"

/* key: what the item is, whatever its date ("scs-trial-check-2"); calendar UIDs are made from
 * it, so that an item keeps its UID when its date moves. Out of memory: pl->oom is set and the
 * item goes to pl->spare, so the builders need not check each call (clinic_plan_build does). */
static clinic_plan_item *add(clinic_plan *pl, const char *key, int32_t date, int32_t date_to, const char *kind, const char *what) {
  clinic_plan_item *it = &pl->spare;
  if (pl->n == pl->cap) {
    int cap = pl->cap ? pl->cap * 2 : 32;
    clinic_plan_item *v = pl->oom ? NULL : realloc(pl->items, (size_t)cap * sizeof *v);
    if (v) {
      pl->items = v;
      pl->cap = cap;
    } else {
      pl->oom = 1;
    }
  }
  if (pl->n < pl->cap) it = &pl->items[pl->n++];
  memset(it, 0, sizeof *it);
  it->date = date;
  it->date_to = date_to;
  it->kind = kind;
  snprintf(it->key, sizeof it->key, "%s", key);
  snprintf(it->what, sizeof it->what, "%s", what);
  return it;
}

/* The items of STAGE in clinic_plan_rel.tsv, each with its time in words. */
static void add_rel_rows(clinic_plan *pl, const char *stage) {
  for (const clinic_plan_rel *r = clinic_plan_rel_rows; r->stage; r++) {
    if (strcmp(r->stage, stage) != 0) continue;
    clinic_plan_item *it = add(pl, "relative", INT32_MIN, INT32_MIN, r->kind, r->what);
    snprintf(it->when_text, sizeof it->when_text, "%s", r->when);
  }
}

static void definitive_scs(clinic_plan *pl, int32_t im, int years) {
  char what[160], key[32];
  if (im == INT32_MIN) {
    add_rel_rows(pl, "scs-before-implant");
    return;
  }
  add(pl, "scs-implant", im, INT32_MIN, "operation", "operation 2: definitive stimulator implanted (no shower for 3 days)");
  add(pl, "scs-wound-check", im + 14, INT32_MIN, "visit", "wound check at the pain clinic (2 weeks after operation 2)");
  add(pl, "scs-lifestyle-end", im + 42, INT32_MIN, "task", "end of the 6 weeks of lifestyle rules after operation 2");
  static const int months[5] = {1, 3, 6, 9, 12};
  for (int i = 0; i < 5; i++) {
    snprintf(what, sizeof what, "control at the pain clinic, %d month%s after the implant%s", months[i],
             months[i] > 1 ? "s" : "", months[i] == 3 ? "; tapering of pain medication discussed" : "");
    snprintf(key, sizeof key, "scs-control-m%d", months[i]);
    add(pl, key, hu_add_months(im, months[i]), INT32_MIN, "visit", what);
  }
  for (int y = 2; y <= years; y++) {
    int32_t d = hu_add_months(im, 12 * y);
    snprintf(what, sizeof what, "keep the pain diary and fill in the questionnaires for the yearly control");
    snprintf(key, sizeof key, "scs-yearly-diary-y%d", y);
    add(pl, key, d - 14, d - 1, "task", what);
    snprintf(what, sizeof what, "yearly control at the pain clinic (year %d): read-out and settings", y);
    snprintf(key, sizeof key, "scs-yearly-y%d", y);
    add(pl, key, d, INT32_MIN, "visit", what);
  }
}

static void plan_scs(const clinic_path *path, int years, clinic_plan *pl) {
  int32_t tr = clinic_path_any(path, "trial");
  int32_t te = clinic_path_any(path, "trial-end");
  int32_t im = clinic_path_any(path, "implant");
  int32_t ex = clinic_path_done(path, "explant");
  if (tr == INT32_MIN) {
    add_rel_rows(pl, "scs-before-trial");
    definitive_scs(pl, INT32_MIN, years);
    return;
  }
  int32_t sc = clinic_path_any(path, "screening");
  if (sc != INT32_MIN)
    add(pl, "scs-screening", sc, INT32_MIN, "visit", "pre-operative screening (medication, anticoagulants, anaesthesia)");
  else
    add(pl, "scs-screening", tr - 14, tr - 7, "window", "pre-operative screening (medication, anticoagulants, anaesthesia)");
  add(pl, "scs-admission-call", tr - 7, INT32_MIN, "task", "the admission office calls about the date, time and ward (about 1 week before)");
  add(pl, "scs-trial", tr, INT32_MIN, "operation", "operation 1: trial lead and external stimulator (lie flat for 4 hours)");
  /* Twice a week for the 2 weeks: days 3-4 and 7 of each week, on clinic days (the pain
   * clinic is open Monday to Friday: a Saturday moves to Friday, a Sunday to Monday). */
  static const int visits[4] = {3, 7, 10, 14};
  for (int i = 0; i < 4; i++) {
    char what[160], key[32];
    int32_t d = tr + visits[i];
    if (hu_weekday(d) == 5) d -= 1;
    else if (hu_weekday(d) == 6) d += 1;
    snprintf(what, sizeof what, "trial check %d of 4 at the pain clinic: wound and effect, settings", i + 1);
    snprintf(key, sizeof key, "scs-trial-check-%d", i + 1);
    add(pl, key, d, INT32_MIN, "visit", what);
  }
  add(pl, "scs-trial-end", te != INT32_MIN ? te : tr + 14, INT32_MIN, "task",
      "end of the 2-week trial: evaluate the pain diary (nmod clinic evaluate)");
  if (ex != INT32_MIN) {
    add(pl, "scs-explant", ex, INT32_MIN, "operation", "operation 2: system removed; no stimulator controls follow");
    return;
  }
  definitive_scs(pl, im, years);
}

static void plan_snm(const clinic_path *path, int years, clinic_plan *pl) {
  int32_t tr = clinic_path_any(path, "trial");
  int32_t im = clinic_path_any(path, "implant");
  int32_t ex = clinic_path_any(path, "explant");
  char what[160], key[32];
  if (tr == INT32_MIN) {
    add_rel_rows(pl, "snm-before-trial");
    return;
  }
  add(pl, "snm-stage1", tr, INT32_MIN, "operation", "stage 1: trial lead and external modulator (about 60 minutes)");
  add(pl, "snm-connect", tr, tr + 1, "visit", "external modulator connected and activated (afternoon on the ward or next morning)");
  int32_t s2 = im != INT32_MIN ? im : ex;
  int32_t diary_end = s2 != INT32_MIN ? s2 - 1 : tr + 20;
  add(pl, "snm-diary", tr + 1, diary_end, "task", "keep the bowel diary every day of the trial; no bath or shower");
  add(pl, "snm-scores", diary_end - 6 > tr ? diary_end - 6 : tr + 1, diary_end, "task",
      "functional scores (Wexner, St Mark's) after the trial");
  if (s2 == INT32_MIN) {
    add(pl, "snm-stage2-window", tr + 21, tr + 28, "window",
        "stage 2 (3-4 weeks after stage 1): definitive modulator if the trial succeeded, else removal");
    add_rel_rows(pl, "snm-before-stage2");
    return;
  }
  if (im == INT32_MIN) {
    add(pl, "snm-removal", ex, INT32_MIN, "operation", "stage 2: lead and extension removed (about 20 minutes)");
    add(pl, "snm-removal-control", ex + 42, INT32_MIN, "visit", "control visit at the surgical clinic and possible further path");
    return;
  }
  add(pl, "snm-implant", im, INT32_MIN, "operation",
      "stage 2: definitive modulator placed (about 25 minutes); activated and programmed that afternoon");
  add(pl, "snm-shower", im + 1, INT32_MIN, "task", "showering allowed again (no bath until the wound has closed)");
  add(pl, "snm-programming-1", im + 14, INT32_MIN, "visit", "programming visit 1; end of the 2 extra weeks of movement rules");
  add(pl, "snm-programming-2", im + 42, INT32_MIN, "visit", "programming visit 2 (if needed)");
  for (int y = 1; y <= years; y++) {
    snprintf(what, sizeof what, "yearly control (year %d): read-out, battery and settings", y);
    snprintf(key, sizeof key, "snm-yearly-y%d", y);
    add(pl, key, hu_add_months(im, 12 * y), INT32_MIN, "visit", what);
  }
}

int clinic_plan_build(const clinic_patient *p, const clinic_path *path, int32_t today, int years,
                      clinic_plan *plan) {
  memset(plan, 0, sizeof *plan);
  if (clinic_path_closed(path)) return CL_OK;
  if (p->therapy == TH_SCS)
    plan_scs(path, years, plan);
  else
    plan_snm(path, years, plan);
  if (plan->oom) {
    clinic_plan_free(plan);
    return -1;
  }
  /* Stable insertion sort by date; items without a date keep their order at the end. */
  for (int i = 1; i < plan->n; i++) {
    clinic_plan_item x = plan->items[i];
    int j = i - 1;
    int32_t kx = x.date == INT32_MIN ? INT32_MAX : x.date;
    while (j >= 0 && (plan->items[j].date == INT32_MIN ? INT32_MAX : plan->items[j].date) > kx) {
      plan->items[j + 1] = plan->items[j];
      j--;
    }
    plan->items[j + 1] = x;
  }
  for (int i = 0; i < plan->n; i++) {
    clinic_plan_item *it = &plan->items[i];
    int32_t last = it->date_to != INT32_MIN ? it->date_to : it->date;
    it->done = it->date != INT32_MIN && last < today;
  }
  return CL_OK;
}

void clinic_plan_free(clinic_plan *plan) {
  free(plan->items);
  memset(plan, 0, sizeof *plan);
}

int clinic_plan_read(sqlite3 *db, const clinic_patient *p, int32_t today, int years, clinic_plan *pl, int *closed,
                     clinic_err *e) {
  clinic_path path;
  int rc = clinic_path_read(db, p, &path, e);
  if (rc) return rc;
  *closed = clinic_path_closed(&path);
  if (clinic_plan_build(p, &path, today, years, pl) != 0) return clinic_err_set(e, CLINIC_E_IO, "out of memory");
  return CLINIC_E_OK;
}

int clinic_plan_ics(sqlite3 *db, const clinic_patient *p, const clinic_plan *pl, int32_t today, const char *file,
                    clinic_err *e) {
  if (clinic_ics_dated(pl) == 0)
    return clinic_err_set(e, CLINIC_E_RULE, "the plan of %s has no dated items yet (record or plan the trial operation "
                          "first); no calendar written to %s", p->code, file);
  clinic_ids ids;
  int rc = clinic_ids_load(db, &ids, e);
  if (rc) return rc;
  clinic_outfile of;
  if ((rc = clinic_out_begin(&of, file, e)) != CLINIC_E_OK) return rc;
  int wr = clinic_ics_write(of.f, &ids, p, pl, today);
  if (wr) clinic_err_set(e, CLINIC_E_IO, "writing %s failed (disk full?)", file);
  return clinic_out_end(&of, e->code, e);
}

static void plan_json(FILE *f, const clinic_patient *p, const clinic_plan *pl, int closed, const char *ics) {
  js_w w;
  clinic_json_patient(&w, f, p->code);
  jw_kv_str(&w, "therapy", clinic_therapy_name(p->therapy));
  jw_kv_bool(&w, "closed", closed);
  jw_kv_arr(&w, "items");
  for (int i = 0; i < pl->n; i++) {
    const clinic_plan_item *it = &pl->items[i];
    jw_obj(&w);
    clinic_json_day(&w, "date", it->date);
    if (it->date_to != INT32_MIN) clinic_json_day(&w, "date_to", it->date_to);
    if (it->when_text[0]) jw_kv_str(&w, "when", it->when_text);
    jw_kv_str(&w, "kind", it->kind);
    jw_kv_str(&w, "what", it->what);
    jw_kv_bool(&w, "past", it->done);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  if (ics) jw_kv_str(&w, "ics", ics);
  clinic_json_end(&w);
}

static void plan_text(FILE *f, const clinic_patient *p, const clinic_plan *pl, int closed, const char *ics) {
  char d1[11], d2[11];
  fprintf(f, "Follow-up plan for %s (%s, %s)\n", p->code, p->name, p->therapy == TH_SCS ? "SCS" : "SNM");
  if (closed) fprintf(f, "  the path is closed: no plan\n");
  for (int i = 0; i < pl->n; i++) {
    const clinic_plan_item *it = &pl->items[i];
    if (it->date == INT32_MIN) {
      fprintf(f, "  %-38s %-9s %s\n", it->when_text, it->kind, it->what);
      continue;
    }
    hu_date_fmt(d1, HU_DATE_LEN, it->date);
    char when[64];
    if (it->date_to != INT32_MIN) {
      hu_date_fmt(d2, HU_DATE_LEN, it->date_to);
      snprintf(when, sizeof when, "%s %s..%s", hu_weekday_name(it->date), d1, d2);
    } else {
      snprintf(when, sizeof when, "%s %s", hu_weekday_name(it->date), d1);
    }
    fprintf(f, "  %-38s %-9s %s%s\n", when, it->kind, it->what, it->done ? "  (past)" : "");
  }
  if (ics) fprintf(f, "calendar written to %s\n", ics);
}

int clinic_cmd_plan(clinic_ctx *c, clinic_args *a) {
  const char *ics = clinic_opt_get(a, "ics"), *yrs = clinic_opt_get(a, "years");
  int rc = clinic_args_done(a, "plan");
  if (rc) return rc;
  if (a->npos != 2) return clinic_fail(CL_USAGE, "usage: nmod clinic plan PATIENT [--years N] [--ics FILE] [--json]");
  long years = 5;
  if (yrs && hu_dec_range(yrs, 0, 1, 50, &years) != 0)
    return clinic_fail(CL_USAGE, "--years '%s' is not a whole number from 1 to 50", yrs);
  clinic_err e = {0};
  clinic_patient p;
  clinic_plan pl;
  int closed = 0;
  if (clinic_patient_lookup(c->db, a->pos[1], &p, &e) != CLINIC_E_OK ||
      clinic_plan_read(c->db, &p, c->today, (int)years, &pl, &closed, &e) != CLINIC_E_OK)
    return clinic_report(&e);
  if (ics && clinic_plan_ics(c->db, &p, &pl, c->today, ics, &e) != CLINIC_E_OK) {
    clinic_plan_free(&pl);
    return clinic_report(&e);
  }
  if (c->json)
    plan_json(clinic_stdout(), &p, &pl, closed, ics);
  else
    plan_text(clinic_stdout(), &p, &pl, closed, ics);
  clinic_plan_free(&pl);
  return CL_OK;
}
