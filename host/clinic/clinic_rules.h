/* clinic_rules.h: brochure rules: anticoagulants, vaccination windows, phases. */
#ifndef NMOD_CLINIC_RULES_H
#define NMOD_CLINIC_RULES_H

#include <stdint.h>

#include "clinic_path.h"
#include "clinic_patient.h"

/* NULL when the name is no known anticoagulant, else the generic name it matched. */
const char *clinic_anticoagulant(const char *name);
/* 1 when a vaccination on vday of kind (flu != 0) falls in the window of an operation on
 * oday: flu 2 days before to 2 days after; others 14 days before to 14 days after. */
int clinic_vacc_conflict(int flu, int32_t vday, int32_t oday);
typedef enum { PH_PRE = 0, PH_TRIAL, PH_EARLY, PH_LONG, PH_REMOVED } clinic_phase;
const char *clinic_phase_name(clinic_phase ph);
int clinic_phase_parse(const char *s, clinic_phase *ph);
clinic_phase clinic_phase_of(const clinic_patient *p, const clinic_path *path, int32_t today);
/* The same, with the last day of that phase in *until (INT32_MAX: it lasts) and the phase
 * after it in *next. */
clinic_phase clinic_phase_at(const clinic_patient *p, const clinic_path *path, int32_t today, int32_t *until,
                             clinic_phase *next);

#endif
