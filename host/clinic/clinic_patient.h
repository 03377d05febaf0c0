/* clinic_patient.h: patients: code, therapy, name, birth date. */
#ifndef NMOD_CLINIC_PATIENT_H
#define NMOD_CLINIC_PATIENT_H

#include <sqlite3.h>
#include <stdint.h>

#include "clinic_err.h"

typedef enum { TH_SCS = 0, TH_SNM = 1 } clinic_therapy;
typedef struct {
  int64_t pid;
  char code[64];
  clinic_therapy therapy;
  char name[128];
  int32_t birth;
} clinic_patient;
/* The columns of a patient row, in the order clinic_patient_from_row reads them from `col`. */
#define CLINIC_PATIENT_COLS "pid, code, therapy, name, birth_date"
void clinic_patient_from_row(sqlite3_stmt *st, int col, clinic_patient *p);
/* Look up by code: CLINIC_E_OK, CLINIC_E_NOT_FOUND ("unknown patient ..."), CLINIC_E_IO. */
int clinic_patient_lookup(sqlite3 *db, const char *code, clinic_patient *p, clinic_err *e);
const char *clinic_therapy_name(clinic_therapy t);
/* A new patient as given (text, validated by clinic_patient_add). */
typedef struct {
  const char *code, *therapy, *name, *birth;
} clinic_patient_in;
/* Validate and insert with `ins` (prepared from CLINIC_PATIENT_INSERT_SQL, or NULL to prepare
 * one here): CLINIC_E_OK, CLINIC_E_INPUT (not valid), CLINIC_E_RULE (exists), CLINIC_E_IO. */
#define CLINIC_PATIENT_INSERT_SQL "INSERT INTO patient(code, therapy, name, birth_date, created_at) VALUES (?,?,?,?,?)"
int clinic_patient_add(sqlite3 *db, sqlite3_stmt *ins, const clinic_patient_in *in, int32_t today, clinic_err *e);
/* Every patient, ordered by code, into fn (stops at a non-zero return). */
int clinic_patient_each(sqlite3 *db, int (*fn)(void *ctx, const clinic_patient *p), void *ctx, clinic_err *e);
/* Import a CSV file (id,therapy,name,birth_date) inside a transaction this opens: on
 * CLINIC_E_OK *rows were inserted and the caller commits (clinic_import_end); on failure
 * the caller rolls back. */
int clinic_patient_import(sqlite3 *db, const char *file, int32_t today, long *rows, clinic_err *e);

#endif
