/* clinic_path.h: the path's steps and their order (the state machine). */
#ifndef NMOD_CLINIC_PATH_H
#define NMOD_CLINIC_PATH_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "clinic_err.h"
#include "clinic_patient.h"

typedef struct {
  clinic_therapy therapy;
  const char *id;      /* step name used on the command line */
  const char *title;   /* for people */
  int alt_group;       /* steps with the same non-zero group are alternatives */
  int procedure;       /* an operation (vaccination windows apply) */
} clinic_step_def;
/* Every therapy's steps in order, a therapy's together (clinic_path_steps.tsv); ends with a
 * row of zeros. */
extern const clinic_step_def clinic_path_table[];
typedef struct {
  int recorded;
  int planned;          /* scheduled, not yet done */
  int32_t date;
  char outcome[16];
  char note[256];
  char override[256];      /* the stated reason when a rule was overridden, else "" */
  char override_rule[512]; /* which rule it overrode (written by clinic_step_apply) */
} clinic_step_rec;
#define CLINIC_MAX_STEPS 16
typedef struct {
  clinic_therapy therapy;
  int nsteps;
  const clinic_step_def *def;
  clinic_step_rec rec[CLINIC_MAX_STEPS];
} clinic_path;
/* The step table of a therapy; *n gets its length. */
const clinic_step_def *clinic_path_steps(clinic_therapy t, int *n);
/* Index of a step name (aliases: stage1 = trial, stage2-implant = implant, removal =
 * explant) or -1. */
int clinic_path_index(clinic_therapy t, const char *name);
/* p's recorded and planned steps: CLINIC_E_OK or CLINIC_E_IO. */
int clinic_path_read(sqlite3 *db, const clinic_patient *p, clinic_path *path, clinic_err *e);
/* The same with a statement prepared once from CLINIC_PATH_LOAD_SQL (reset here). */
#define CLINIC_PATH_LOAD_SQL "SELECT step, date, planned, outcome, note, override, override_rule FROM path_step WHERE pid = ?"
int clinic_path_read_st(sqlite3_stmt *st, const clinic_patient *p, clinic_path *path, clinic_err *e);
/* Check that step `idx` may be recorded at `date` (planned or done), given the path so far.
 * Returns CL_OK, or CL_RULE with a message in msg naming the missing step. */
int clinic_path_check(const clinic_path *path, int idx, int32_t date, int planned,
                      const char *outcome, int32_t today, char *msg, size_t cap);
/* Date of a done (not planned) step, or INT32_MIN. */
int32_t clinic_path_done(const clinic_path *path, const char *id);
/* Date of a step, planned or done, or INT32_MIN. */
int32_t clinic_path_any(const clinic_path *path, const char *id);
/* 1 when the path ended (team said stop, or explant recorded). */
int clinic_path_closed(const clinic_path *path);
/* Indexes of the next steps (one, or a pair of alternatives) into out; returns how many. */
int clinic_path_next(const clinic_path *path, int out[2]);
/* "open", "closed", or "follow-up" (every step done, the path not closed). */
const char *clinic_path_status(const clinic_path *path);

#endif
