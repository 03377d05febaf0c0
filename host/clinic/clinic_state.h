/* clinic_state.h: the patient list's state (table patient_state) and the list. */
#ifndef NMOD_CLINIC_STATE_H
#define NMOD_CLINIC_STATE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_window.h"

/* The patient list's state (clinic_state.c, table patient_state): statements prepared once;
 * store is NULL on a file older than migration 6. */
typedef struct {
  sqlite3_stmt *store, *visit;
} clinic_state_st;
int clinic_state_open(sqlite3 *db, clinic_state_st *st, clinic_err *e);
void clinic_state_close(clinic_state_st *st);
/* A patient's row of patient_state: computed (clinic_state_of, the one computation the store
 * and check-db share) or read back. Texts "" and days INT32_MAX where the table has NULL. */
typedef struct {
  char status[16], last_step[32], next_step[32], next_alt[32], phase[24], phase_next[24];
  int32_t last_date, phase_until, overdue_from, awaiting_from, control_due;
} clinic_state_row;
int clinic_state_of(clinic_state_st *st, const clinic_cfg *cfg, const clinic_patient *p, const clinic_path *path,
                    const clinic_windows *w, int32_t today, clinic_state_row *row, clinic_err *e);
/* check-db: recompute every patient's row and compare it with the table, without writing:
 * 0 all agree, 1 some disagree (how many, and the first as one line, in msg), -1 could not run. */
int clinic_state_verify(sqlite3 *db, int32_t today, char *msg, size_t cap);
/* Store the state of p from its path and windows (a no-op without the table). */
int clinic_state_store(clinic_state_st *st, const clinic_cfg *cfg, const clinic_patient *p, const clinic_path *path,
                       const clinic_windows *w, int32_t today, clinic_err *e);
/* The patient list: a page of the patients matching every given filter (NULL or 0: any),
 * ordered by code, as {"total","offset","limit","patients":[...]} (docs/CONSOLE.md). */
typedef struct {
  const char *search;  /* part of the code or name, any ASCII case; at most 128 bytes */
  const char *therapy; /* "scs" or "snm" */
  const char *phase;   /* a clinic_phase_name */
  int attention;       /* only the patients who need attention */
  int64_t limit, offset;
} clinic_list_query;
/* Written to w as it is read (a library call, not a renderer: it queries). CLINIC_E_OK, or the
 * error in e: CLINIC_E_INPUT for an unknown therapy or phase, CLINIC_E_IO. */
int clinic_list_write(sqlite3 *db, const clinic_list_query *q, int32_t today, js_w *w, clinic_err *e);

#endif
