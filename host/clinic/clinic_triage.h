/* clinic_triage.h: triage of symptoms. */
#ifndef NMOD_CLINIC_TRIAGE_H
#define NMOD_CLINIC_TRIAGE_H

#include <sqlite3.h>
#include <stdint.h>

#include "clinic_err.h"

typedef enum { TR_SELF = 0, TR_WEEKDAY = 1, TR_IMMEDIATE = 2 } clinic_urgency;
const char *clinic_urgency_name(clinic_urgency u);
/* One row of clinic_triage_rules.tsv: a symptom, the therapies it belongs to (1 SCS, 2 SNM,
 * 3 both), its urgency and the reason the patient is told. */
typedef struct {
  const char *symptom;
  int therapies;
  clinic_urgency urgency;
  const char *reason;
} clinic_symptom_rule;
/* The table, generated from clinic_triage_rules.tsv; ends with a row of zeros. */
extern const clinic_symptom_rule clinic_symptom_rules[];
/* The symptoms triage knows, i = 0, 1, ... until NULL; *therapies: 1 SCS, 2 SNM, 3 both. */
const char *clinic_triage_symptom(int i, int *therapies);

/* What triage is asked: a temperature and symptoms (the command line's texts), the therapy
 * (1 SCS, 2 SNM, 3 not known), the time (minutes since 1970, hu_date.h) and how long since the
 * discharge (0 not known, 1 within 24 hours, 2 after). */
#define CLINIC_TRIAGE_MAX_SYM 16
#define CLINIC_TRIAGE_MAX (CLINIC_TRIAGE_MAX_SYM + 1)
typedef struct {
  const char *temp, *bed_rest;
  const char *sym[CLINIC_TRIAGE_MAX_SYM];
  int nsym;
  int therapy;
  int64_t now;
  int since;
} clinic_triage_in;
typedef struct {
  const char *symptom;
  clinic_urgency urgency;
  char text[200];
} clinic_triage_reason;
/* The answer: the most urgent reason decides; every reason with its own urgency. */
typedef struct {
  clinic_urgency urgency;
  const char *action, *contact; /* contact NULL for self-care */
  int therapy, office, since;
  int64_t now;
  clinic_triage_reason why[CLINIC_TRIAGE_MAX];
  int nwhy;
} clinic_triage;
/* Decide (no database): CLINIC_E_INPUT for a value or symptom that is not known or belongs to
 * the other therapy. */
int clinic_triage_decide(const clinic_triage_in *in, clinic_triage *t, clinic_err *e);
/* For --patient: the patient's therapy, and *since from the day of the last operation when it
 * is not known (a day treatment: discharged that day). */
int clinic_triage_of_patient(sqlite3 *db, const char *code, int64_t now, int *therapy, int *since, clinic_err *e);

#endif
