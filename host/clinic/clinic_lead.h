/* clinic_lead.h: the SNM lead-placement responses (clinic_lead.c). */
#ifndef NMOD_CLINIC_LEAD_H
#define NMOD_CLINIC_LEAD_H

#include <sqlite3.h>
#include <stdint.h>

#include "clinic_err.h"
#include "clinic_patient.h"

/* One response: the contact (0..NM_MAX_CONTACTS-1), bellows|toe|both|none, the lowest current
 * that gave it (-1: none) and a note (NULL: none). */
typedef struct {
  int32_t date;
  int contact;
  const char *response;
  int64_t threshold_ua;
  const char *note;
} clinic_lead_rec;
/* Store r (its values checked by the command line) for SNM patient p on `day`, which must be
 * the day of stage 1 or of the definitive stage 2 (INT32_MIN: stage 1); r->date gets the day.
 * CLINIC_E_RULE for another day, no stage 1 yet, or a response stored already. */
int clinic_lead_add(sqlite3 *db, const clinic_patient *p, int32_t day, clinic_lead_rec *r, clinic_err *e);
/* p's responses by date and contact; fn's non-zero return stops and is returned. */
int clinic_lead_each(sqlite3 *db, const clinic_patient *p, int (*fn)(void *ctx, const clinic_lead_rec *r), void *ctx,
                     clinic_err *e);

#endif
