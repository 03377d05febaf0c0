/* clinic_path_rec.h: the path's library calls behind `path show|step|undo|import`: what a
 * patient's path looks like (the view the renderers draw), and recording on it, each in one
 * transaction (an import all or nothing). Errors as values (clinic_err.h); nothing prints. */
#ifndef NMOD_CLINIC_PATH_REC_H
#define NMOD_CLINIC_PATH_REC_H

#include <sqlite3.h>
#include <stdint.h>

#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_step.h"
#include "clinic_util.h"

#define CLINIC_VIEW_MAX_WARN 4
#define CLINIC_VIEW_MAX_TREAT 16
/* A patient's path as `path show` shows it: the steps, the trial's warnings, and the earlier
 * treatments recorded with the referral (heap texts: clinic_path_view_free). */
typedef struct {
  clinic_path path;
  clinic_buf warn[CLINIC_VIEW_MAX_WARN];
  int nwarn;
  clinic_buf treat_kind[CLINIC_VIEW_MAX_TREAT], treat_detail[CLINIC_VIEW_MAX_TREAT];
  int ntreat;
} clinic_path_view;
/* CLINIC_E_OK with v filled, or CLINIC_E_IO (v then holds nothing to free). */
int clinic_path_view_read(sqlite3 *db, const clinic_patient *p, int32_t today, clinic_path_view *v, clinic_err *e);
void clinic_path_view_free(clinic_path_view *v);

/* Record req for p (its rules: clinic_step_apply) and refresh p's cached sums, in one
 * transaction; path gets the path as it is after the step. CLINIC_E_OK, or the rule's or the
 * database's error (nothing stored). */
int clinic_path_record(sqlite3 *db, int32_t today, const clinic_patient *p, const clinic_step_req *req,
                       clinic_path *path, clinic_err *e);
/* Remove p's last recorded step (done or planned; with the referral, the earlier treatments
 * too) in one transaction: *idx gets its index and *date its date. CLINIC_E_RULE when p has no
 * step recorded. */
int clinic_path_undo(sqlite3 *db, const clinic_patient *p, int *idx, int32_t *date, clinic_err *e);
/* Import FILE.csv (patient,step,date[,planned][,outcome][,note][,override]
 * [,earlier_treatments]) row by row through clinic_step_apply. On return a transaction is open
 * when it was begun (sqlite3_get_autocommit says): the caller commits it on CLINIC_E_OK
 * (*rows imported) or rolls it back. Errors name the file and line. */
int clinic_path_import(sqlite3 *db, const char *file, int32_t today, long *rows, clinic_err *e);

#endif
