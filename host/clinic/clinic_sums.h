/* clinic_sums.h: the evaluation cache (table eval_cache), kept up to date on every write. */
#ifndef NMOD_CLINIC_SUMS_H
#define NMOD_CLINIC_SUMS_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "clinic_err.h"
#include "clinic_eval.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_state.h"
#include "clinic_window.h"

/* The cache: one row per patient (table eval_cache) with the windows, the phase sums and
 * the scores an evaluation needs, kept up to date in the same transaction as every change
 * of the diary, the path, the scores or a window setting. Statements are prepared once per
 * command (clinic_sums_open) and reused for every patient. */
typedef struct {
  sqlite3 *db;
  clinic_cfg cfg;
  sqlite3_stmt *path, *diary, *scores, *store, *load;
  clinic_state_st state; /* kept with the sums: every change that moves one can move the other */
} clinic_sums;
/* Errors as values (clinic_err.h): CLINIC_E_OK, or CLINIC_E_IO / CLINIC_E_INPUT in e. */
int clinic_sums_open(sqlite3 *db, clinic_sums *s, clinic_err *e);
void clinic_sums_close(clinic_sums *s);
/* Everything but the verdict, from the diary and scores, for `path` (which may be a path
 * as it would be after a step: the implant check). days: NULL or filled. */
int clinic_sums_compute(clinic_sums *s, const clinic_patient *p, const clinic_path *path, clinic_eval *e,
                        clinic_days *days, clinic_err *err);
int clinic_sums_store(clinic_sums *s, int64_t pid, const clinic_eval *e, clinic_err *err);
/* Recompute one patient from the database and store it. */
int clinic_sums_refresh(clinic_sums *s, const clinic_patient *p, clinic_err *e);
/* Refresh one patient and commit the open transaction (rolled back on any failure). */
int clinic_sums_commit(sqlite3 *db, const clinic_patient *p, clinic_err *e);
/* Recompute every patient (a window setting changed, or the migration that made the cache). */
int clinic_sums_rebuild(sqlite3 *db, clinic_err *e);
/* The cached columns of one row, starting at column `col` (CLINIC_SUMS_COLS names them). */
#define CLINIC_SUMS_COLS                                                                       \
  "referral, base_from, base_to, trial_day, trial_to, closed_to, limit_to, extended, over_limit, ext_reason, " \
  "b_sum, b_days, b_sum2, b_days2, b_sum3, b_days3, t_sum, t_days, t_sum2, t_days2, t_sum3, t_days3, "     \
  "sb0_date, sb0, sb1_date, sb1, sb2_date, sb2, sa0_date, sa0, sa1_date, sa1, sa2_date, sa2"
void clinic_sums_read_row(sqlite3_stmt *st, int col, clinic_eval *e);
/* Recompute every patient and compare with the cache, without writing: how many were checked,
 * how many differ, and the first CLINIC_SUMS_CHECK_FIRST of those (the patient, the first
 * field that differs). CLINIC_E_OK (also with mismatches), or an error in e. */
#define CLINIC_SUMS_CHECK_FIRST 10
typedef struct {
  long checked, mismatched;
  struct {
    char code[64];
    const char *what; /* "windows", "trial sums", ...: a static string */
  } first[CLINIC_SUMS_CHECK_FIRST];
} clinic_sums_check;
int clinic_sums_verify(sqlite3 *db, clinic_sums_check *r, clinic_err *e);

#endif
