/* clinic_visit.h: visits and stored read-outs. */
#ifndef NMOD_CLINIC_VISIT_H
#define NMOD_CLINIC_VISIT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "readout.h"
#include "clinic_util.h"

#include "clinic_err.h"
#include "clinic_patient.h"

/* Read-outs: 0 when a stored document decodes with the codec. */
int clinic_readout_stored_ok(const char *doc, size_t len);
/* The stored read-out `interrogation_id` decoded: CLINIC_E_OK, CLINIC_E_NOT_FOUND (an older,
 * undecoded import), or CLINIC_E_IO (the database, or a document that no longer decodes). */
int clinic_readout_read(sqlite3 *db, int64_t interrogation_id, ro_readout_t *ro, clinic_err *e);
/* Its lead alerts ("E2 open, E3 short") and test thresholds ("E1 0.8 mA") as text appended to
 * the buffers. */
int clinic_readout_texts(sqlite3 *db, int64_t iid, clinic_buf *alerts, clinic_buf *thresholds, clinic_err *e);
/* Read FILE.json with the programmer's codec into ro and store it with p's visit of `day` (a
 * new read-out visit when there is none), with its rows, in one transaction; *vid gets the
 * visit. CLINIC_E_INPUT for a file that does not decode or belongs to the other therapy. */
int clinic_readout_import(sqlite3 *db, const clinic_patient *p, int32_t day, const char *file, ro_readout_t *ro,
                          int64_t *vid, clinic_err *e);

/* A visit (kind one of the visit kinds, note NULL or at most 500 bytes, day not in the
 * future: the command checks them) stored with the patient list's state; *vid its id. */
int clinic_visit_add(sqlite3 *db, const clinic_patient *p, int32_t day, const char *kind, const char *note, int64_t *vid,
                     clinic_err *e);
/* A visit as `visit list` shows it, with its read-out when it has one (serial not NULL). The
 * texts live until fn returns. */
typedef struct {
  const char *date, *kind, *note;
  const char *serial, *battery_state;
  int have_battery;
  int64_t battery_pm;
  int have[3];
  int64_t num[3]; /* programs, max_amplitude_ua, impedance alerts */
  clinic_buf alerts, thresholds;
  const ro_readout_t *readout; /* decoded document (decode != 0 and stored as nmod-readout/1), else NULL */
} clinic_visit_row;
/* p's visits in date order; fn's non-zero return stops and is returned. */
int clinic_visit_each(sqlite3 *db, const clinic_patient *p, int decode, int (*fn)(void *ctx, const clinic_visit_row *v),
                      void *ctx, clinic_err *e);

#endif
