/* console_api_clinic.h: what the clinic's API files share (console_api_patients.c,
 * console_api_views.c): running a clinic command for a request and mapping its exit code. */
#ifndef NMOD_CONSOLE_API_CLINIC_H
#define NMOD_CONSOLE_API_CLINIC_H

#include "clinic_int.h"
#include "console_http.h"

/* A clinic failure as the API's error: CL_RULE 409 refused, an unknown patient 404, other
 * bad input 400, the rest 500; the message is the clinic's one line. */
void console_clinic_fail(console_resp *rs, int rc, const clinic_err *err);
/* Run the command argv (as `nmod clinic ARGV --json`) for the signed-in user (changes are
 * audited as console:USER) and answer its JSON with status, or its error. 0 or -1. */
int console_clinic_json(console_req *rq, console_resp *rs, int argc, const char *const *argv, int status);
/* The {code} of the path, or NULL with a 404 in rs. */
const char *console_patient_code(const console_req *rq, console_resp *rs);
/* The patient of code: CLINIC_E_OK, or the error in rs. */
int console_patient_find(sqlite3 *db, const char *code, clinic_patient *p, console_resp *rs);

/* The {code} of a change and its JSON body (js_free it), or NULL with the error in rs. */
js_val *console_patient_body(const console_req *rq, console_resp *rs, const char **code);
/* Optional member key of o: NULL when absent or null; a string of at most max bytes; else
 * NULL with *bad set and a 400 in rs. */
const char *console_body_opt(const js_val *o, const char *key, size_t max, console_resp *rs, int *bad);

/* The route tables, sized here so that console_api.c can list them. */
#define CONSOLE_ROUTES_PATIENTS_N 9
#define CONSOLE_ROUTES_VIEWS_N 6
#define CONSOLE_ROUTES_ENTRY_N 4
extern const console_route console_routes_patients[CONSOLE_ROUTES_PATIENTS_N];
extern const console_route console_routes_views[CONSOLE_ROUTES_VIEWS_N];
extern const console_route console_routes_entry[CONSOLE_ROUTES_ENTRY_N];

#endif
