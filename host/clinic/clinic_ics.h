/* clinic_ics.h: the plan as a calendar (RFC 5545). */
#ifndef NMOD_CLINIC_ICS_H
#define NMOD_CLINIC_ICS_H

#include <stdint.h>
#include <stdio.h>

#include "clinic_ids.h"
#include "clinic_patient.h"
#include "clinic_plan.h"

/* The plan's dated items as all-day VEVENTs (RFC 5545, CRLF, folded lines); 0 or -1 (write
 * error). clinic_ics_dated: how many items have a date (a calendar needs at least one). */
int clinic_ics_dated(const clinic_plan *plan);
int clinic_ics_write(FILE *f, const clinic_ids *ids, const clinic_patient *p, const clinic_plan *plan, int32_t today);

#endif
