/* clinic_entry.c: the reporting forms of the library's calls, for command entries, the console
 * (host/console reaches the clinic through these and clinic_call) and the modules not yet
 * converted to clinic_err: each runs the call and reports its error once (clinic_report),
 * returning the exit code. */
#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"

int clinic_patient_get(sqlite3 *db, const char *code, clinic_patient *p) {
  clinic_err e = {0};
  clinic_patient_lookup(db, code, p, &e);
  return clinic_report(&e);
}

int clinic_patient_find(sqlite3 *db, const char *code, clinic_patient *p) {
  clinic_err e = {0};
  int rc = clinic_patient_lookup(db, code, p, &e);
  if (rc == CLINIC_E_NOT_FOUND) return CL_USAGE;
  return clinic_report(&e);
}

int clinic_path_load(sqlite3 *db, const clinic_patient *p, clinic_path *path) {
  clinic_err e = {0};
  clinic_path_read(db, p, path, &e);
  return clinic_report(&e);
}
