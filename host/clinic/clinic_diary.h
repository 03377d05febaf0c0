/* clinic_diary.h: diary rows: validation, storing a day, the all-or-nothing import. */
#ifndef NMOD_CLINIC_DIARY_H
#define NMOD_CLINIC_DIARY_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "clinic_err.h"
#include "clinic_patient.h"

#define CLINIC_NRS_MAX 10
#define CLINIC_EPISODES_MAX 99
#define CLINIC_PADS_MAX 50
/* A diary value absent: -1. */
typedef struct {
  int32_t date;
  int nrs, morning, evening;           /* SCS */
  int incontinence, urgency, pads;     /* SNM */
} clinic_diary_row;
/* Validate a row for a therapy (ranges, required values, future dates, a day before the
 * done referral `referral`, INT32_MIN when none is recorded). 0 ok or -1 with a reason. */
int clinic_diary_validate(const clinic_patient *p, int32_t referral, const clinic_diary_row *r,
                          int32_t today, char *msg, size_t cap);
/* The value fields of a row, in the row's order, with their ranges (0..max): the one list
 * the CLI's options, the import's columns and the console's diary page read. The first three
 * are an SCS pain diary's, the last three an SNM bowel diary's (clinic_diary_field_of). */
enum { CLINIC_DIARY_NRS, CLINIC_DIARY_MORNING, CLINIC_DIARY_EVENING, CLINIC_DIARY_INCONTINENCE, CLINIC_DIARY_URGENCY,
       CLINIC_DIARY_PADS, CLINIC_DIARY_NFIELDS };
typedef struct {
  const char *name; /* "nrs", "morning", ... as option, column and JSON member */
  long max;
} clinic_diary_field;
extern const clinic_diary_field clinic_diary_fields[CLINIC_DIARY_NFIELDS];
/* 1 when field f belongs to therapy t's diary. */
int clinic_diary_field_of(int f, clinic_therapy t);
/* The value of field f in r. */
int *clinic_diary_slot(clinic_diary_row *r, int f);
/* Parse text as field f's value into r: 0, or -1 with "NAME 'TEXT' is not a whole number from
 * 0 to MAX" in msg. */
int clinic_diary_set_text(clinic_diary_row *r, int f, const char *text, char *msg, size_t cap);
typedef enum {
  CLINIC_DIARY_NEW, /* a day not yet stored */
  CLINIC_DIARY_SET  /* a new day, or replace the stored one (its values, entered by hand now) */
} clinic_diary_mode;
/* Validate r for p (clinic_diary_validate, against p's done referral) and store it, in one
 * transaction with p's cached sums. Returns CLINIC_E_OK (*replaced, when not NULL: 1 when a
 * stored day was replaced); else the error in e: CLINIC_E_INPUT, the row is not valid;
 * CLINIC_E_RULE, the day is stored already (mode NEW: "P already has a diary entry for D");
 * CLINIC_E_IO, the database failed. Nothing is stored unless CLINIC_E_OK. `diary add` and the
 * console's diary page both store through here. */
int clinic_diary_put(sqlite3 *db, const clinic_patient *p, const clinic_diary_row *r, clinic_diary_mode mode,
                     int32_t today, int *replaced, clinic_err *e);
/* What a diary import did: the import's id and the rows stored, or the bad rows (the first
 * CLINIC_IMPORT_MAX_REPORT of them as "FILE line N: why"). */
#define CLINIC_IMPORT_MAX_REPORT 10
typedef struct {
  int64_t import_id;
  long rows, bad;
  int nreported;
  char reported[CLINIC_IMPORT_MAX_REPORT][640];
} clinic_diary_import_result;
/* Import a CSV file all or nothing, in one transaction (committed on CLINIC_E_OK, else rolled
 * back). patient may be NULL when the file has a patient column. Bad rows: CLINIC_E_INPUT (or
 * CLINIC_E_RULE when every bad row is a day stored already) with the summary in e. */
int clinic_diary_import(sqlite3 *db, const char *patient, const char *path, int32_t today, clinic_diary_import_result *res,
                        clinic_err *e);
/* A day's pain in half points (0..20): nrs * 2, else morning + evening, else 2 * the one
 * given; -1 when the row has no pain value. */
int clinic_diary_pain_x2(const clinic_diary_row *r);

#endif
