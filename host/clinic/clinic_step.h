/* clinic_step.h: recording a step: every rule, for path step and path import. */
#ifndef NMOD_CLINIC_STEP_H
#define NMOD_CLINIC_STEP_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_sums.h"

#define CLINIC_MAX_TREATMENTS 16
typedef struct {
  int idx;                  /* step index in the therapy's table */
  int32_t date;
  int planned;
  const char *outcome;      /* NULL or "" for the default */
  const char *note;         /* NULL or "" for none */
  const char *override;     /* the stated reason, NULL or "" for none */
  /* Earlier treatments, at the referral only: "KIND" or "KIND:DETAIL". */
  const char *treatments[CLINIC_MAX_TREATMENTS];
  int ntreatments;
} clinic_step_req;
typedef struct {
  sqlite3 *db;
  int32_t today;
  clinic_sums sums; /* evaluation for the implant check, and the cache */
  sqlite3_stmt *del_alt, *ins_step, *ins_treat;
} clinic_stepper;
int clinic_stepper_open(sqlite3 *db, int32_t today, clinic_stepper *s, clinic_err *e);
void clinic_stepper_close(clinic_stepper *s);
/* Check every rule for recording req on patient p with path `path` (order, dates, outcome,
 * the trial length, the implant's evaluation, the override, earlier treatments) and record
 * it; else refuse with one line in e naming the reason (prefixed "FILE line N: " when line > 0
 * and file != NULL). Updates `path`. The caller owns the transaction and refreshes the
 * patient's cached sums (clinic_sums_refresh) before it commits. */
int clinic_step_apply(clinic_stepper *s, const clinic_patient *p, clinic_path *path,
                      const clinic_step_req *req, const char *file, long line, clinic_err *e);
/* Split "KIND[:DETAIL];KIND..." (an import's earlier_treatments field) in place into req. */
int clinic_step_split_treatments(char *field, clinic_step_req *req, char *msg, size_t cap);

#endif
