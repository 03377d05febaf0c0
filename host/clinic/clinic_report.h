/* clinic_report.h: the clinic report: what it shows, computed by one library call
 * (clinic_report_load, clinic_report_data.c), and its HTML renderer (clinic_report.c). */
#ifndef NMOD_CLINIC_REPORT_H
#define NMOD_CLINIC_REPORT_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "clinic_err.h"
#include "clinic_eval.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_plan.h"
#include "clinic_score.h"

/* One diary day of the plot. */
typedef struct {
  int32_t date;
  int value_x2; /* SCS: pain in half points; SNM: incontinence episodes * 2 */
} clinic_report_point;

/* One visit, with its read-out when one was imported (serial non-NULL). Strings are heap
 * copies (clinic_report_free); a NULL is a column without a value. */
typedef struct {
  char *date, *kind, *note;
  char *serial, *battery_state;
  int has_battery;
  int64_t battery_pm;
  int impedance_alerts; /* -1: not stored */
  char *alerts, *thresholds; /* "E2 open, E3 short", "E1 0.8 mA" (NULL: none) */
} clinic_report_visit;

typedef struct {
  clinic_patient patient;
  int32_t today;
  char institution[256]; /* "" when not set */
  clinic_path path;
  clinic_eval eval;
  int threshold_bp, min_days;
  clinic_report_point *points; /* diary days in date order */
  int npoints;
  clinic_score_rec *scores;
  int nscores;
  clinic_report_visit *visits;
  int nvisits;
  clinic_plan plan;
} clinic_report_data;

/* Everything the report of p shows, as of today, read in the caller's transaction (if any):
 * CLINIC_E_OK (d filled; free it with clinic_report_free), or an error in e (d holds nothing
 * to free). */
int clinic_report_load(sqlite3 *db, const clinic_patient *p, int32_t today, clinic_report_data *d, clinic_err *e);
void clinic_report_free(clinic_report_data *d);

/* The renderer: d as one self-contained HTML page into f, produced by `by`. */
void clinic_report_html(FILE *f, const clinic_report_data *d, const char *by);

#endif
