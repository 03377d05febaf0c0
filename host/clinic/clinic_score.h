/* clinic_score.h: scores (Wexner, Vaizey, NRS). */
#ifndef NMOD_CLINIC_SCORE_H
#define NMOD_CLINIC_SCORE_H

#include <stddef.h>

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

#endif
