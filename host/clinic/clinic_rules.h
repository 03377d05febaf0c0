/* clinic_rules.h: brochure rules: anticoagulants, vaccination windows, phases. */
#ifndef NMOD_CLINIC_RULES_H
#define NMOD_CLINIC_RULES_H

#include <sqlite3.h>
#include <stdint.h>

#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_util.h"

/* NULL when the name is no known anticoagulant, else the generic name it matched. */
const char *clinic_anticoagulant(const char *name);
/* 1 when a vaccination on vday of kind (flu != 0) falls in the window of an operation on
 * oday: flu 2 days before to 2 days after; others 14 days before to 14 days after. */
int clinic_vacc_conflict(int flu, int32_t vday, int32_t oday);
/* Store a vaccination (date YYYY-MM-DD, kind flu|other, name NULL or at most 100 bytes) and a
 * medication (1-100 bytes; CLINIC_E_RULE when p has it already). */
int clinic_vacc_valid(const char *date, const char *kind, const char *name, clinic_err *e);
int clinic_med_valid(const char *name, clinic_err *e);
int clinic_vacc_add(sqlite3 *db, const clinic_patient *p, const char *date, const char *kind, const char *name,
                    clinic_err *e);
int clinic_med_add(sqlite3 *db, const clinic_patient *p, const char *name, clinic_err *e);
/* `check PATIENT`: the vaccination, timing and trial-length warnings (heap texts:
 * clinic_check_free), the anticoagulants among the medications, and when to discuss them. */
#define CLINIC_CHECK_MAX 64
typedef struct {
  clinic_buf warn[CLINIC_CHECK_MAX];
  int nwarn;
  char med[CLINIC_CHECK_MAX][104];
  const char *generic[CLINIC_CHECK_MAX];
  int nmeds;
  const char *discuss;
} clinic_check;
int clinic_check_run(sqlite3 *db, const clinic_patient *p, int32_t today, clinic_check *k, clinic_err *e);
void clinic_check_free(clinic_check *k);
typedef enum { PH_PRE = 0, PH_TRIAL, PH_EARLY, PH_LONG, PH_REMOVED } clinic_phase;
const char *clinic_phase_name(clinic_phase ph);
int clinic_phase_parse(const char *s, clinic_phase *ph);
clinic_phase clinic_phase_of(const clinic_patient *p, const clinic_path *path, int32_t today);
/* The same, with the last day of that phase in *until (INT32_MAX: it lasts) and the phase
 * after it in *next. */
clinic_phase clinic_phase_at(const clinic_patient *p, const clinic_path *path, int32_t today, int32_t *until,
                             clinic_phase *next);

#endif
