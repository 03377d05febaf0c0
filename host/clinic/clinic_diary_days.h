/* clinic_diary_days.h: reading and removing a patient's diary days, for `diary list|delete`
 * (clinic_diary_days.c); storing them is clinic_diary.c. Errors as values; nothing prints. */
#ifndef NMOD_CLINIC_DIARY_DAYS_H
#define NMOD_CLINIC_DIARY_DAYS_H

#include <sqlite3.h>
#include <stdint.h>

#include "clinic_diary.h"
#include "clinic_err.h"
#include "clinic_patient.h"
#include "clinic_window.h"

/* A stored day: its values (-1: not given), the date as stored, and where it falls for the
 * evaluation (only baseline and trial days are used). */
typedef struct {
  const char *date;
  clinic_diary_row row;
  clinic_day_phase phase;
  int used;
} clinic_diary_day;
/* p's days from `from` to `to` (day numbers, inclusive) in date order; fn's non-zero return
 * stops and is returned. */
int clinic_diary_each_day(sqlite3 *db, const clinic_patient *p, int32_t from, int32_t to,
                          int (*fn)(void *ctx, const clinic_diary_day *d), void *ctx, clinic_err *e);
/* Remove p's day `date` (YYYY-MM-DD) and refresh the cached sums, in one transaction;
 * CLINIC_E_INPUT when p has no entry that day. */
int clinic_diary_delete(sqlite3 *db, const clinic_patient *p, const char *date, clinic_err *e);

#endif
