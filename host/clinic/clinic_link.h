/* clinic_link.h: the patients' diary links. */
#ifndef NMOD_CLINIC_LINK_H
#define NMOD_CLINIC_LINK_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "clinic_err.h"
#include "clinic_patient.h"

/* A link's token: 32 random bytes (libsodium), base64url without padding. Only its SHA-256
 * is stored; the token is shown once, when it is issued. */
#define CLINIC_LINK_TOKEN_CHARS 43
typedef enum {
  LINK_VALID,    /* today is in the link's days */
  LINK_UNKNOWN,  /* no such token (or link) */
  LINK_REVOKED,
  LINK_NOT_YET,  /* the baseline has not started */
  LINK_ENDED     /* the trial ended, or the path was closed */
} clinic_link_state;
typedef struct {
  int64_t id;
  clinic_patient p;
  char issued_at[24], issued_by[100], revoked_at[24]; /* revoked_at "" while open */
  int32_t from, to; /* its days: the first baseline day (INT32_MAX: not started) to the last
                       trial day (INT32_MAX: no trial recorded yet) */
  clinic_link_state state; /* today */
} clinic_link;
/* Errors as values: CLINIC_E_OK, or the error in e. */
/* The days a link of p is valid, from p's path: *from the first baseline day, *to the last day
 * of the trial (its recorded end, else the window and its tolerance), INT32_MIN when the path
 * is closed. */
int clinic_link_window(sqlite3 *db, const clinic_patient *p, int32_t *from, int32_t *to, clinic_err *e);
/* Issue a link for p: token[CLINIC_LINK_TOKEN_CHARS + 1] gets its token, l the link. The
 * patient's earlier open links are revoked in the same transaction (one valid link a patient:
 * a lost phone is a new link). CLINIC_E_RULE: the trial is over. */
int clinic_link_new(sqlite3 *db, const clinic_patient *p, int32_t today, char *token, clinic_link *l, clinic_err *e);
/* Revoke p's link id, or every open link of p (id 0): *n gets how many. CLINIC_E_NOT_FOUND: no
 * such open link. */
int clinic_link_end(sqlite3 *db, const clinic_patient *p, int64_t id, int *n, clinic_err *e);
/* p's links, newest first, into fn (stops at a non-zero return). */
int clinic_link_list(sqlite3 *db, const clinic_patient *p, int32_t today, int (*fn)(void *ctx, const clinic_link *l), void *ctx,
                     clinic_err *e);
/* The link of a token (id 0) or of id (token NULL), with its state today in l->state
 * (CLINIC_E_OK in any state; LINK_UNKNOWN when none). */
int clinic_link_read(sqlite3 *db, const char *token, int64_t id, int32_t today, clinic_link *l, clinic_err *e);

/* The link's days as JSON members "valid_from" and "valid_to" (a date or null) and "state". */
void clinic_link_json(js_w *w, const clinic_link *l);
const char *clinic_link_state_name(clinic_link_state s);

#endif
