/* clinic_ids.h: ids that leave the database (UUIDs). */
#ifndef NMOD_CLINIC_IDS_H
#define NMOD_CLINIC_IDS_H

#include <sqlite3.h>

#include "clinic_err.h"

typedef struct {
  unsigned char key[32]; /* setting export_id_key */
} clinic_ids;
/* The export id key of db into ids: CLINIC_E_OK or CLINIC_E_IO (in e). */
int clinic_ids_load(sqlite3 *db, clinic_ids *ids, clinic_err *e);
/* A version-8 UUID ("xxxxxxxx-xxxx-8xxx-[89ab]xxx-xxxxxxxxxxxx") from SHA-256 over the key and
 * the length-prefixed parts. */
void clinic_uuid8(const clinic_ids *ids, const char *const *parts, int n, char out[37]);

#endif
