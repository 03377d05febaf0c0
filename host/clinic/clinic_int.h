/* clinic_int.h: every clinic module's header at once, for the programs and tests that reach
 * into the clinic library (host/console, tests/clinic). The clinic's own sources include
 * only the module headers they use.
 *
 * Dates are whole days counted from 1970-01-01 (int32_t, "day numbers", hu_date.h); the database stores
 * them as ISO text (YYYY-MM-DD) so that the file stays readable with the sqlite3 tool.
 * Errors are values (clinic_err.h); exit codes are the ones documented in clinic.h.
 */
#ifndef NMOD_CLINIC_INT_H
#define NMOD_CLINIC_INT_H

#include "clinic_err.h"
#include "hu_contact.h"
#include "hu_dec.h"
#include "hu_fmt.h"
#include "clinic_util.h"
#include "clinic_args.h"
#include "clinic_store.h"
#include "clinic_csv.h"
#include "clinic_patient.h"
#include "clinic_path.h"
#include "clinic_diary.h"
#include "clinic_window.h"
#include "clinic_link.h"
#include "clinic_score.h"
#include "clinic_eval.h"
#include "clinic_state.h"
#include "clinic_sums.h"
#include "clinic_plan.h"
#include "clinic_ids.h"
#include "clinic_ics.h"
#include "clinic_rules.h"
#include "clinic_leaflet.h"
#include "clinic_triage.h"
#include "clinic_step.h"
#include "clinic_visit.h"
#include "clinic_fhir.h"
#include "clinic_cmd.h"

#endif
