/* clinic_export.c: `export ID --fhir|--csv [--out FILE]`.
 *   FHIR R4 JSON: clinic_fhir.c.
 *   CSV: the diary in the same format `diary import` reads, with a patient column.
 */
#include <limits.h>
#include <string.h>

#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_err.h"
#include "clinic_fhir.h"
#include "clinic_patient.h"
#include "clinic_store.h"
#include "clinic_util.h"
#include "json.h"

static void csv_field(FILE *f, const char *s) {
  if (strpbrk(s, ",\"\r\n")) {
    fputc('"', f);
    for (; *s; s++) {
      if (*s == '"') fputc('"', f);
      fputc(*s, f);
    }
    fputc('"', f);
  } else {
    fputs(s, f);
  }
}

/* The diary of p as CSV into f (the renderer reads the rows as it writes them). */
static int csv(sqlite3 *db, const clinic_patient *p, FILE *f, clinic_err *e) {
  fputs(p->therapy == TH_SCS ? "patient,date,nrs,morning,evening\n" : "patient,date,incontinence,urgency,pads\n", f);
  sqlite3_stmt *st = clinic_sql_prep(db, p->therapy == TH_SCS
                                            ? "SELECT date, nrs, nrs_morning, nrs_evening FROM diary WHERE pid = ? ORDER BY date"
                                            : "SELECT date, incontinence, urgency, pads FROM diary WHERE pid = ? ORDER BY date", e);
  if (!st) return CLINIC_E_IO;
  sqlite3_bind_int64(st, 1, p->pid);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    csv_field(f, p->code);
    fprintf(f, ",%s", (const char *)sqlite3_column_text(st, 0));
    for (int i = 1; i <= 3; i++) {
      if (sqlite3_column_type(st, i) == SQLITE_NULL)
        fputs(",", f);
      else
        fprintf(f, ",%d", sqlite3_column_int(st, i));
    }
    fputc('\n', f);
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? CLINIC_E_OK : clinic_err_db(e, db, "reading the diary");
}

int clinic_cmd_export(clinic_ctx *c, clinic_args *a) {
  int want_fhir = clinic_opt_flag(a, "fhir"), want_csv = clinic_opt_flag(a, "csv");
  const char *out = clinic_opt_get(a, "out");
  int rc = clinic_args_done(a, "export");
  if (rc) return rc;
  if (a->npos != 2 || want_fhir == want_csv)
    return clinic_fail(CL_USAGE, "usage: nmod clinic export PATIENT --fhir|--csv [--out FILE]");
  clinic_patient p;
  clinic_err e = {0};
  if (clinic_patient_lookup(c->db, a->pos[1], &p, &e) != CLINIC_E_OK) return clinic_report(&e);
  FILE *f = clinic_stdout();
  clinic_outfile of;
  if (out) {
    if (clinic_out_begin(&of, out, &e) != CLINIC_E_OK) return clinic_report(&e);
    f = of.f;
  }
  /* One read transaction: the export is one consistent snapshot. */
  if (clinic_sql_exec(c->db, "BEGIN", &e) == CLINIC_E_OK) {
    if (want_fhir)
      clinic_fhir_bundle(c->db, &p, f, &e);
    else
      csv(c->db, &p, f, &e);
    clinic_rollback(c->db);
  }
  if (out) clinic_out_end(&of, e.code, &e);
  rc = clinic_report(&e);
  if (out) {
    if (!rc && !c->json) fprintf(stderr, "nmod clinic: %s export of %s written to %s\n", want_fhir ? "FHIR" : "CSV", p.code, out);
    if (!rc && c->json) {
      js_w w;
      jw_init(&w, clinic_stdout());
      jw_obj(&w);
      jw_kv_str(&w, "patient", p.code);
      jw_kv_str(&w, "format", want_fhir ? "fhir" : "csv");
      jw_kv_str(&w, "file", out);
      jw_obj_end(&w);
      jw_end(&w);
    }
  }
  return rc;
}
