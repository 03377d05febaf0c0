/* console_api_views.c: the patient's documents and one-off answers over the API: the leaflet,
 * triage, the HTML report, the FHIR export, the plan as a calendar, and the patient's audit.
 * Each is the clinic library's own output (clinic_call; clinic_report_load rendered by
 * clinic_report_html, clinic_fhir_bundle, clinic_plan_read and clinic_ics_write);
 * the files come as downloads (Content-Disposition: attachment), never cached. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "clinic_int.h"
#include "clinic_report.h"
#include "console_api.h"
#include "console_api_clinic.h"
#include "console_srv.h"

static void api_leaflet(console_req *rq, console_resp *rs) {
  const char *code = console_patient_code(rq, rs);
  if (!code) return;
  const char *phase = console_query(rq, "phase"), *lang = console_query(rq, "lang");
  const char *argv[6] = {"leaflet", code};
  int argc = 2;
  if (lang && *lang) argv[argc++] = "--lang", argv[argc++] = lang;
  if (phase && *phase) argv[argc++] = "--phase", argv[argc++] = phase;
  console_clinic_json(rq, rs, argc, argv, 200);
}

/* ?temp=C&symptoms=a,b&now=YYYY-MM-DD HH:MM&bed_rest_days=N: the clinic's triage for this
 * patient (their therapy and the date of their last operation). */
static void api_triage(console_req *rq, console_resp *rs) {
  const char *code = console_patient_code(rq, rs);
  if (!code) return;
  const char *temp = console_query(rq, "temp"), *syms = console_query(rq, "symptoms");
  const char *now = console_query(rq, "now"), *rest = console_query(rq, "bed_rest_days");
  const char *argv[32] = {"triage", "--patient", code};
  int argc = 3;
  if (temp && *temp) argv[argc++] = "--temp", argv[argc++] = temp;
  if (now && *now) argv[argc++] = "--now", argv[argc++] = now;
  if (rest && *rest) argv[argc++] = "--bed-rest-days", argv[argc++] = rest;
  char buf[512];
  snprintf(buf, sizeof buf, "%s", syms ? syms : "");
  if (syms && strlen(syms) >= sizeof buf) {
    console_fail(rs, 400, "bad_query", "?symptoms= is too long");
    return;
  }
  for (char *save = NULL, *s = strtok_r(buf, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
    if (argc + 2 > 32) {
      console_fail(rs, 400, "bad_query", "?symptoms= names too many symptoms");
      return;
    }
    argv[argc++] = "--symptom";
    argv[argc++] = s;
  }
  console_clinic_json(rq, rs, argc, argv, 200);
}

static void api_symptoms(console_req *rq, console_resp *rs) {
  (void)rq;
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  jw_obj(&w);
  jw_key(&w, "symptoms");
  jw_arr(&w);
  int th;
  const char *s;
  for (int i = 0; (s = clinic_triage_symptom(i, &th)) != NULL; i++) {
    jw_obj(&w);
    jw_key(&w, "symptom");
    jw_str(&w, s);
    jw_key(&w, "therapies");
    jw_arr(&w);
    if (th & 1) jw_str(&w, "scs");
    if (th & 2) jw_str(&w, "snm");
    jw_arr_end(&w);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_obj_end(&w);
  console_json_close(rs, &w, 200);
}

/* A file for the browser to save: type, name "CODE-what.ext". */
static void attach(console_resp *rs, const char *type, const char *code, const char *what) {
  char v[128];
  snprintf(v, sizeof v, "attachment; filename=\"%.63s-%s\"", code, what);
  rs->type = type;
  console_resp_header(rs, "Content-Disposition", v);
}

/* Write one document with fn into rs (the stream of a JSON body, reused): CLINIC_E_OK, or the
 * error in e. */
typedef int (*doc_fn)(sqlite3 *db, const clinic_patient *p, const console_req *rq, FILE *f, clinic_err *e);

static void document(console_req *rq, console_resp *rs, doc_fn fn, const char *type, const char *what) {
  const char *code = console_patient_code(rq, rs);
  if (!code) return;
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  clinic_err err = {0};
  sqlite3 *db = console_db_take(&rq->srv->db, rq->who->user);
  clinic_patient p;
  int rc = clinic_patient_lookup(db, code, &p, &err);
  if (!rc) rc = fn(db, &p, rq, rs->mem, &err);
  if (!sqlite3_get_autocommit(db)) clinic_rollback(db);
  console_db_give(&rq->srv->db);
  console_json_close(rs, &w, 200);
  if (rc)
    console_clinic_fail(rs, clinic_exit_code(rc), &err);
  else
    attach(rs, type, code, what);
}

static int report(sqlite3 *db, const clinic_patient *p, const console_req *rq, FILE *f, clinic_err *e) {
  char by[96];
  snprintf(by, sizeof by, "%s (nmod console)", rq->who->user);
  clinic_report_data d;
  int rc = clinic_report_load(db, p, hu_today(), &d, e);
  if (rc) return rc;
  clinic_report_html(f, &d, by);
  clinic_report_free(&d);
  return CLINIC_E_OK;
}

static int fhir(sqlite3 *db, const clinic_patient *p, const console_req *rq, FILE *f, clinic_err *e) {
  (void)rq;
  int rc = clinic_sql_exec(db, "BEGIN", e); /* one snapshot, as export does */
  return rc ? rc : clinic_fhir_bundle(db, p, f, e);
}

static int ics(sqlite3 *db, const clinic_patient *p, const console_req *rq, FILE *f, clinic_err *e) {
  (void)rq;
  clinic_plan pl;
  int closed;
  int32_t today = hu_today();
  int rc = clinic_plan_read(db, p, today, 5, &pl, &closed, e);
  if (rc) return rc;
  clinic_ids ids;
  if (clinic_ics_dated(&pl) == 0)
    rc = clinic_err_set(e, CLINIC_E_RULE, "the plan of %s has no dated items yet (record or plan the trial operation first)",
                        p->code);
  else if ((rc = clinic_ids_load(db, &ids, e)) == CLINIC_E_OK && clinic_ics_write(f, &ids, p, &pl, today) != 0)
    rc = clinic_err_set(e, CLINIC_E_IO, "writing the calendar failed");
  clinic_plan_free(&pl);
  return rc;
}

static void api_report(console_req *rq, console_resp *rs) { document(rq, rs, report, "text/html; charset=utf-8", "report.html"); }
static void api_fhir(console_req *rq, console_resp *rs) { document(rq, rs, fhir, "application/fhir+json", "fhir.json"); }
static void api_ics(console_req *rq, console_resp *rs) { document(rq, rs, ics, "text/calendar; charset=utf-8", "plan.ics"); }

const console_route console_routes_views[CONSOLE_ROUTES_VIEWS_N] = {
    {"GET", "/api/v1/patients/{code}/leaflet", CP_PATIENT_READ, 0, api_leaflet},
    {"GET", "/api/v1/patients/{code}/triage", CP_PATIENT_READ, 0, api_triage},
    {"GET", "/api/v1/triage/symptoms", CP_PATIENT_READ, 0, api_symptoms},
    {"GET", "/api/v1/patients/{code}/report", CP_PATIENT_READ, 0, api_report},
    {"GET", "/api/v1/patients/{code}/fhir", CP_PATIENT_READ, 0, api_fhir},
    {"GET", "/api/v1/patients/{code}/plan.ics", CP_PATIENT_READ, 0, api_ics},
};
