/* clinic_fhir.h: the FHIR R4 export. */
#ifndef NMOD_CLINIC_FHIR_H
#define NMOD_CLINIC_FHIR_H

#include <sqlite3.h>
#include <stdio.h>

#include "clinic_err.h"
#include "clinic_patient.h"

/* The patient as a FHIR R4 Bundle into f, inside the caller's read transaction: CLINIC_E_OK or
 * the error in e (what was written is then incomplete: write into a clinic_outfile). */
int clinic_fhir_bundle(sqlite3 *db, const clinic_patient *p, FILE *f, clinic_err *e);

#endif
