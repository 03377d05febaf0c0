/* clinic_plan.h: the follow-up plan. */
#ifndef NMOD_CLINIC_PLAN_H
#define NMOD_CLINIC_PLAN_H

#include <sqlite3.h>
#include <stdint.h>

#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"

/* One row of clinic_plan_rel.tsv: an item of the plan before its date is known. */
typedef struct {
  const char *stage, *kind, *what, *when;
} clinic_plan_rel;
/* The table, generated from clinic_plan_rel.tsv; ends with a row of zeros. */
extern const clinic_plan_rel clinic_plan_rel_rows[];
typedef struct {
  int32_t date;          /* INT32_MIN when not yet known */
  int32_t date_to;       /* end of a window, or INT32_MIN */
  const char *kind;      /* "visit", "operation", "task", "window" */
  char key[32];          /* what the item is, stable when its date moves ("scs-trial-check-2") */
  char what[160];
  char when_text[96];    /* relative description when date is unknown */
  int done;              /* in the past or recorded */
} clinic_plan_item;
typedef struct {
  clinic_plan_item *items;
  int n, cap;
  int oom;               /* building ran out of memory (clinic_plan_build then fails) */
  clinic_plan_item spare; /* where an item goes that found no room */
} clinic_plan;
/* p's plan from its path as of today, `years` of yearly controls: 0, or -1 out of memory (the
 * plan empty). clinic_plan_free after. */
int clinic_plan_build(const clinic_patient *p, const clinic_path *path, int32_t today,
                      int years, clinic_plan *plan);
void clinic_plan_free(clinic_plan *plan);
/* p's plan from its stored path (*closed: the path is closed); clinic_plan_free after. */
int clinic_plan_read(sqlite3 *db, const clinic_patient *p, int32_t today, int years, clinic_plan *pl, int *closed,
                     clinic_err *e);
/* The plan's dated items as an iCalendar file, written whole or not at all (clinic_outfile);
 * CLINIC_E_RULE when no item is dated yet. */
int clinic_plan_ics(sqlite3 *db, const clinic_patient *p, const clinic_plan *pl, int32_t today, const char *file,
                    clinic_err *e);

#endif
