/* clinic_visit.h: visits and stored read-outs. */
#ifndef NMOD_CLINIC_VISIT_H
#define NMOD_CLINIC_VISIT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "readout.h"
#include "clinic_util.h"

/* Read-outs: 0 when a stored document decodes with the codec; the stored
 * read-out `interrogation_id` decoded (CL_USAGE when it is an older, undecoded import); its
 * lead alerts and test thresholds as text appended to the buffers. */
int clinic_readout_stored_ok(const char *doc, size_t len);
int clinic_readout_load(sqlite3 *db, int64_t interrogation_id, ro_readout_t *ro);
int clinic_readout_rows(sqlite3 *db, int64_t iid, clinic_buf *alerts, clinic_buf *thresholds);

#endif
