/* clinic_eval.h: the trial evaluation and its renderers. */
#ifndef NMOD_CLINIC_EVAL_H
#define NMOD_CLINIC_EVAL_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "clinic_err.h"
#include "clinic_diary.h"
#include "clinic_patient.h"
#include "clinic_window.h"

typedef enum { EV_SUCCESS, EV_FAILURE, EV_INSUFFICIENT } clinic_verdict;
typedef struct {
  int64_t sum;    /* SCS: half points; SNM: episodes */
  int64_t days;
  int64_t sum2, days2; /* SNM urgency episodes; SCS morning NRS */
  int64_t sum3, days3; /* SNM pads; SCS evening NRS */
  int32_t from, to;    /* window, INT32_MIN when none, INT32_MAX when open */
} clinic_phase_sum;
typedef struct {
  int have;
  int32_t date;
  int total;
} clinic_score_pt;
typedef struct {
  clinic_therapy therapy;
  clinic_verdict verdict;
  const char *reason;         /* why, for people */
  int threshold_bp;           /* success threshold in basis points (5000 = 50 %) */
  int min_days;
  clinic_windows win;
  char ext_reason[256];       /* the override that extended the trial window, or "" */
  clinic_phase_sum base, trial;
  int has_reduction;
  int64_t reduction_bp;       /* floor of the exact reduction, basis points */
  int64_t base_mean_c, trial_mean_c; /* means in 1/100 units (NRS or episodes/week) */
  clinic_score_pt score_before[3], score_after[3];
} clinic_eval;
/* Days actually used, as runs of consecutive days, and the days left out by phase. */
typedef struct {
  int32_t from, to;
} clinic_range;
typedef struct {
  clinic_range *used[2]; /* [0] baseline, [1] trial (heap; clinic_days_free) */
  int nused[2], capused[2];
  long by_phase[DP_COUNT];
} clinic_days;
void clinic_days_free(clinic_days *d);
const char *clinic_verdict_name(clinic_verdict v);
/* The pure rule: fill verdict and reduction from the phase sums. */
void clinic_eval_decide(clinic_eval *e);
/* Add one diary row to a phase's sums (the only place a row becomes numbers). */
void clinic_phase_add(clinic_phase_sum *ph, clinic_therapy t, const clinic_diary_row *r);
/* Evaluate p from its diary, path and scores under cfg (threshold and minimum days included):
 * CLINIC_E_OK with ev filled (and days, when not NULL: the days used, freed by the caller with
 * clinic_days_free), else CLINIC_E_IO in e (days then holds nothing to free). */
int clinic_eval_run(sqlite3 *db, const clinic_patient *p, const clinic_cfg *cfg, clinic_eval *ev, clinic_days *days,
                    clinic_err *e);
/* The evaluation of every patient from the cached sums (one read of eval_cache inside a read
 * transaction, never of the diary), in code order: fn for each (a non-zero return stops), and
 * the verdicts counted in count[EV_SUCCESS..EV_INSUFFICIENT]. A patient without a cached row is
 * a damaged database (CLINIC_E_IO). */
int clinic_eval_each(sqlite3 *db, const clinic_cfg *cfg, int (*fn)(void *ctx, const clinic_patient *p, const clinic_eval *ev),
                     void *ctx, long count[3], clinic_err *e);
/* Store setting key = value after clinic_cfg_validate (CLINIC_E_INPUT when it is not valid);
 * a window setting that changes rebuilds every cached sum in the same transaction. */
int clinic_cfg_set(sqlite3 *db, const char *key, const char *value, clinic_err *e);
/* today: for the flag of an open trial past its window. days: NULL, or the days used. */
void clinic_eval_json(js_w *w, const clinic_patient *p, const clinic_eval *e, const clinic_cfg *cfg,
                      int32_t today, const clinic_days *days);
void clinic_eval_text(FILE *f, const clinic_patient *p, const clinic_eval *e, const clinic_cfg *cfg,
                      int32_t today, const clinic_days *days);

#endif
