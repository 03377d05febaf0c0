/* clinic_score.h: scores (Wexner, Vaizey, NRS). */
#ifndef NMOD_CLINIC_SCORE_H
#define NMOD_CLINIC_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "clinic_err.h"
#include "clinic_patient.h"

typedef enum { SC_WEXNER = 0, SC_VAIZEY = 1, SC_NRS = 2 } clinic_score_kind;
int clinic_score_kind_parse(const char *s, clinic_score_kind *k);
const char *clinic_score_kind_name(clinic_score_kind k);
/* Compute a total from "item=answer" strings. 0 ok (total, canonical items text in
 * items_out), -1 with a reason. */
int clinic_score_compute(clinic_score_kind k, const char *const *answers, int n, int *total,
                         char *items_out, size_t items_cap, char *msg, size_t cap);
int clinic_score_max(clinic_score_kind k);
/* Item i of a score (0, 1, ... until NULL); *yes_points 0 for a 0-4 item (0-10 for nrs), else
 * the points of its "yes". */
const char *clinic_score_item(clinic_score_kind k, int i, int *yes_points);

/* A stored score. */
typedef struct {
  clinic_score_kind kind;
  int32_t date;
  int total;
  char items[256]; /* the answers as stored, canonical ("solid=1 liquid=0 ...") */
} clinic_score_rec;
/* Compute a score from answers and store it for p on date (not after today), with p's cached
 * sums, in one transaction: CLINIC_E_OK (out filled), CLINIC_E_INPUT (an answer or the date),
 * CLINIC_E_RULE (a score of that kind on that day exists), CLINIC_E_IO. */
int clinic_score_add(sqlite3 *db, const clinic_patient *p, clinic_score_kind k, int32_t date, int32_t today,
                     const char *const *answers, int n, clinic_score_rec *out, clinic_err *e);
/* p's scores by date and kind into fn (stops at a non-zero return). */
int clinic_score_each(sqlite3 *db, const clinic_patient *p, int (*fn)(void *ctx, const clinic_score_rec *r), void *ctx,
                      clinic_err *e);

#endif
