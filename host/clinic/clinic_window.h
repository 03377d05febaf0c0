/* clinic_window.h: evaluation settings, and the windows of an evaluation. */
#ifndef NMOD_CLINIC_WINDOW_H
#define NMOD_CLINIC_WINDOW_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_err.h"
#include "clinic_util.h"

/* The evaluation settings (table setting; defaults and sources in docs/CLINIC.md). */
typedef struct {
  int threshold_bp;      /* success threshold in basis points (5000 = 50 %) */
  int min_days;          /* diary days needed in each phase */
  int baseline_max_days; /* the baseline is at most this many days, ending before the trial */
  int trial_days[2];     /* nominal trial length by therapy: SCS 14 (seed 000), SNM 28 (seed 004) */
  int tolerance_days;    /* a trial may run this much longer without an override */
} clinic_cfg;
/* Read the settings; threshold_opt (a --threshold value) overrides the stored threshold.
 * CLINIC_E_OK, CLINIC_E_INPUT (a bad --threshold) or CLINIC_E_IO, in e. */
int clinic_cfg_read(sqlite3 *db, const char *threshold_opt, clinic_cfg *cfg, clinic_err *e);
/* The settings `config` shows and sets, in order; *n gets their number. */
const char *const *clinic_cfg_keys(int *n);
/* Validate a value for a setting: 0 ok; -1 with a message (unknown key or bad value). */
int clinic_cfg_validate(const char *key, const char *value, char *msg, size_t cap);
/* 1 for the settings that shape the windows: changing one rebuilds every cached sum. */
int clinic_cfg_is_window_key(const char *key);

/* Where a diary day falls. Only baseline and trial days count in an evaluation. */
typedef enum {
  DP_BEFORE_REFERRAL = 0, /* before the done referral (or none recorded): kept, flagged, never used */
  DP_BEFORE_BASELINE,     /* after the referral, before the baseline window */
  DP_BASELINE,
  DP_OPERATION,           /* the trial operation day itself */
  DP_TRIAL,
  DP_PAST_WINDOW,         /* after the trial window while the trial is open or ran over */
  DP_AFTER,               /* after the recorded end of the trial */
  DP_COUNT
} clinic_day_phase;
const char *clinic_day_phase_name(clinic_day_phase ph);

/* The windows of a patient's evaluation, from the path and the settings. Day numbers;
 * the sentinels are stored as NULL in the cache. */
typedef struct {
  int32_t referral;  /* the done referral, INT32_MIN when none */
  int32_t base_from; /* first baseline day; INT32_MAX while the baseline has not started */
  int32_t base_to;   /* last baseline day (the day before the trial); INT32_MAX without a trial */
  int32_t trial_day; /* the trial operation (SCS operation 1, SNM stage 1); INT32_MIN when none */
  int32_t trial_to;  /* last trial day that counts; INT32_MIN without a trial */
  int32_t closed_to; /* last trial day as recorded (trial-end, day before stage 2); INT32_MAX open */
  int32_t limit_to;  /* last trial day without an override (window + tolerance); INT32_MIN none */
  int extended;      /* closed past limit_to with an override: every day up to closed_to counts */
  int over_limit;    /* closed past limit_to without an override (recorded before schema 3) */
} clinic_windows;
/* Windows of `path`; the override of the step that closed the trial extends the window. */
void clinic_windows_of(const clinic_path *path, const clinic_cfg *cfg, clinic_windows *w);
clinic_day_phase clinic_day_phase_of(const clinic_windows *w, int32_t day);
/* The step that closes the trial (SCS trial-end; SNM implant or explant) and is done, or -1. */
int clinic_trial_closing_step(const clinic_path *path);
/* 1 when step idx is the one that closes the trial for this therapy. */
int clinic_step_closes_trial(const clinic_path *path, int idx);
/* 1 when the trial is open and past the day its end may be recorded without an override. */
int clinic_trial_overdue(const clinic_windows *w, clinic_therapy t, int32_t today);
/* The first day clinic_trial_overdue holds, INT32_MAX when it never will (no open trial). */
int32_t clinic_trial_overdue_from(const clinic_windows *w, clinic_therapy t);
/* Warnings about the trial's length for check and path show, appended to out[] (at most
 * max, each a heap buffer the caller frees); returns the new count. */
int clinic_trial_warnings(const clinic_path *path, const clinic_cfg *cfg, int32_t today,
                          clinic_buf *out, int n, int max);

#endif
