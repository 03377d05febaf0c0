/* clinic_fhir.h: the FHIR R4 export. */
#ifndef NMOD_CLINIC_FHIR_H
#define NMOD_CLINIC_FHIR_H

#include <sqlite3.h>
#include <stdio.h>

#include "clinic_patient.h"

/* The patient as a FHIR R4 Bundle, inside the caller's read transaction. */
int clinic_fhir_write(sqlite3 *db, const clinic_patient *p, FILE *f);

#endif
