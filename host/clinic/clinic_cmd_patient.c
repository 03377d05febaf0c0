/* clinic_cmd_patient.c: `patient add|show|list|import`: the command line, and the text and
 * JSON renderers of clinic_patient (the computation is clinic_patient.c). */
#include <string.h>

#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_err.h"
#include "clinic_patient.h"
#include "clinic_util.h"
#include "hu_date.h"
#include "json.h"

/* The JSON members of a patient, as every renderer of one writes them. */
static void patient_json(js_w *w, const clinic_patient *p) {
  char bd[11];
  hu_date_fmt(bd, HU_DATE_LEN, p->birth);
  jw_kv_str(w, "id", p->code);
  jw_kv_str(w, "therapy", clinic_therapy_name(p->therapy));
  jw_kv_str(w, "name", p->name);
  jw_kv_str(w, "birth_date", bd);
}

static void patient_render(const clinic_ctx *c, const clinic_patient *p) {
  if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    patient_json(&w, p);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    char bd[11];
    hu_date_fmt(bd, HU_DATE_LEN, p->birth);
    fprintf(clinic_stdout(), "%s  %s  %s  born %s\n", p->code, clinic_therapy_name(p->therapy), p->name, bd);
  }
}

typedef struct {
  const clinic_ctx *c;
  js_w w;
} list_out;

static int patient_row_text(void *ctx, const clinic_patient *p) {
  list_out *o = ctx;
  if (o->c->json) {
    jw_obj(&o->w);
    patient_json(&o->w, p);
    jw_obj_end(&o->w);
  } else {
    char bd[11];
    hu_date_fmt(bd, HU_DATE_LEN, p->birth);
    fprintf(clinic_stdout(), "%-12s %s  %s  born %s\n", p->code, clinic_therapy_name(p->therapy), p->name, bd);
  }
  return 0;
}

static int cmd_patient_list(clinic_ctx *c) {
  list_out o = {.c = c};
  if (c->json) {
    jw_init(&o.w, clinic_stdout());
    jw_obj(&o.w);
    jw_key(&o.w, "patients");
    jw_arr(&o.w);
  }
  clinic_err e = {0};
  if (clinic_patient_each(c->db, patient_row_text, &o, &e) != CLINIC_E_OK) return clinic_report(&e);
  if (c->json) {
    jw_arr_end(&o.w);
    jw_obj_end(&o.w);
    jw_end(&o.w);
  }
  return CL_OK;
}

int clinic_cmd_patient(clinic_ctx *c, clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : NULL;
  clinic_err e = {0};
  clinic_patient p;
  int rc;
  if (sub && strcmp(sub, "add") == 0) {
    clinic_patient_in in = {NULL, clinic_opt_get(a, "therapy"), clinic_opt_get(a, "name"), clinic_opt_get(a, "birth")};
    if ((rc = clinic_args_done(a, "patient add")) != CL_OK) return rc;
    if (a->npos != 3)
      return clinic_fail(CL_USAGE, "usage: nmod clinic patient add ID --therapy scs|snm --name NAME --birth YYYY-MM-DD");
    in.code = a->pos[2];
    if (clinic_patient_add(c->db, NULL, &in, c->today, &e) != CLINIC_E_OK) return clinic_report(&e);
    if (c->json) {
      if (clinic_patient_lookup(c->db, in.code, &p, &e) != CLINIC_E_OK) return clinic_report(&e);
      patient_render(c, &p);
    } else {
      fprintf(clinic_stdout(), "added patient %s (%s); next: nmod clinic path step %s referral --date YYYY-MM-DD\n", in.code, in.therapy,
             in.code);
    }
    return CL_OK;
  }
  if (sub && strcmp(sub, "show") == 0) {
    if ((rc = clinic_args_done(a, "patient show")) != CL_OK) return rc;
    if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic patient show ID");
    if (clinic_patient_lookup(c->db, a->pos[2], &p, &e) != CLINIC_E_OK) return clinic_report(&e);
    patient_render(c, &p);
    return CL_OK;
  }
  if (sub && strcmp(sub, "list") == 0) {
    if ((rc = clinic_args_done(a, "patient list")) != CL_OK) return rc;
    return cmd_patient_list(c);
  }
  if (sub && strcmp(sub, "import") == 0) {
    if ((rc = clinic_args_done(a, "patient import")) != CL_OK) return rc;
    if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic patient import FILE.csv");
    long rows = 0;
    clinic_patient_import(c->db, a->pos[2], c->today, &rows, &e);
    /* A failure inside the import's transaction: rolled back, and said so. */
    return clinic_import_render(c, clinic_import_end(c->db, &e), &e, a->pos[2], rows, "patients");
  }
  return clinic_fail(CL_USAGE, "usage: nmod clinic patient add|show|list|import ...");
}
