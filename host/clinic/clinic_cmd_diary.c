/* clinic_cmd_diary.c: `diary add|import|list|delete`. One diary entry per patient and day. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_diary.h"
#include "clinic_diary_days.h"
#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_store.h"
#include "clinic_sums.h"
#include "clinic_util.h"
#include "clinic_window.h"
#include "hu_date.h"
#include "json.h"

static int cmd_diary_count_opt(clinic_args *a, int f, clinic_diary_row *r) {
  const char *v = clinic_opt_get(a, clinic_diary_fields[f].name);
  char msg[200];
  if (v && clinic_diary_set_text(r, f, v, msg, sizeof msg) != 0) return clinic_fail(CL_USAGE, "--%s", msg);
  return CL_OK;
}

static int cmd_diary_add(clinic_ctx *c, clinic_args *a) {
  clinic_diary_row r = {0, -1, -1, -1, -1, -1, -1};
  const char *date = clinic_opt_get(a, "date");
  int rc;
  for (int f = 0; f < CLINIC_DIARY_NFIELDS; f++)
    if ((rc = cmd_diary_count_opt(a, f, &r)) != CL_OK) return rc;
  if ((rc = clinic_args_done(a, "diary add")) != CL_OK) return rc;
  if (a->npos != 3 || !date)
    return clinic_fail(CL_USAGE, "usage: nmod clinic diary add PATIENT --date YYYY-MM-DD (--nrs N | --morning N --evening N | --incontinence N [--urgency N] [--pads N])");
  if ((rc = clinic_date_arg("--date", date, &r.date)) != CL_OK) return rc;
  clinic_err e = {0};
  clinic_patient p;
  if (clinic_patient_lookup(c->db, a->pos[2], &p, &e) != CLINIC_E_OK) return clinic_report(&e);
  rc = clinic_diary_put(c->db, &p, &r, CLINIC_DIARY_NEW, c->today, NULL, &e);
  if (rc == CLINIC_E_RULE) {
    size_t n = strlen(e.msg);
    snprintf(e.msg + n, sizeof e.msg - n, " (one per day; remove it first with nmod clinic diary delete %s --date %s)", p.code,
             date);
  }
  if (rc) return clinic_report(&e);
  char text[300];
  snprintf(text, sizeof text, "%s: diary %s stored", p.code, date);
  clinic_ack ack = {p.code, date, text};
  clinic_ack_render(clinic_stdout(), c->json, &ack);
  return CL_OK;
}

typedef struct {
  FILE *f;
  int json;
  js_w w;
  clinic_therapy therapy;
} days_out;

/* A value, or null (JSON) / "-" (text) when the day has none. */
static void jw_kv_count(js_w *w, const char *k, int v) { jw_kv_int_opt(w, k, v >= 0, v); }

static int day_row(void *ctx, const clinic_diary_day *d) {
  days_out *o = ctx;
  const clinic_diary_row *r = &d->row;
  const char *phase = clinic_day_phase_name(d->phase);
  int scs = o->therapy == TH_SCS;
  int vals[3] = {scs ? r->nrs : r->incontinence, scs ? r->morning : r->urgency, scs ? r->evening : r->pads};
  if (o->json) {
    static const char *const keys[2][3] = {{"nrs", "morning", "evening"}, {"incontinence", "urgency", "pads"}};
    jw_obj(&o->w);
    jw_kv_str(&o->w, "date", d->date);
    jw_kv_str(&o->w, "phase", phase);
    jw_kv_bool(&o->w, "used", d->used);
    for (int k = 0; k < 3; k++) jw_kv_count(&o->w, keys[!scs][k], vals[k]);
    if (scs) {
      /* The day's pain as the evaluation counts it (clinic_diary_pain_x2), for charts. */
      int x2 = clinic_diary_pain_x2(r);
      jw_kv_fixed_opt(&o->w, "pain", x2 >= 0, x2 * 5, 1);
    }
    jw_obj_end(&o->w);
    return 0;
  }
  char cell[3][12];
  for (int i = 0; i < 3; i++) {
    if (vals[i] < 0)
      snprintf(cell[i], sizeof cell[i], "-");
    else
      snprintf(cell[i], sizeof cell[i], "%d", vals[i]);
  }
  /* Days that no evaluation uses are marked; before the referral they should not exist. */
  const char *mark = d->phase == DP_BEFORE_REFERRAL ? "  ! before the referral: never used" : d->used ? "" : "  (not used)";
  fprintf(o->f, scs ? "%s  %-15s %4s %7s %7s%s\n" : "%s  %-15s %12s %7s %4s%s\n", d->date, phase, cell[0], cell[1],
          cell[2], mark);
  return 0;
}

static int cmd_diary_list(clinic_ctx *c, clinic_args *a) {
  const char *from = clinic_opt_get(a, "from"), *to = clinic_opt_get(a, "to");
  int rc = clinic_args_done(a, "diary list");
  if (rc) return rc;
  if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic diary list PATIENT [--from YYYY-MM-DD] [--to YYYY-MM-DD]");
  int32_t f = HU_DAY_MIN, t = HU_DAY_MAX;
  if (from && (rc = clinic_date_arg("--from", from, &f)) != CL_OK) return rc;
  if (to && (rc = clinic_date_arg("--to", to, &t)) != CL_OK) return rc;
  clinic_err e = {0};
  clinic_patient p;
  if (clinic_patient_lookup(c->db, a->pos[2], &p, &e) != CLINIC_E_OK) return clinic_report(&e);
  days_out o = {.f = clinic_stdout(), .json = c->json, .therapy = p.therapy};
  if (c->json)
    clinic_json_list_begin(&o.w, o.f, p.code, "days");
  else
    fprintf(o.f, p.therapy == TH_SCS ? "date        phase            nrs morning evening\n"
                                     : "date        phase            incontinence urgency pads\n");
  if (clinic_diary_each_day(c->db, &p, f, t, day_row, &o, &e) != CLINIC_E_OK) return clinic_report(&e);
  if (c->json) clinic_json_list_end(&o.w);
  return CL_OK;
}

static int cmd_diary_delete(clinic_ctx *c, clinic_args *a) {
  const char *date = clinic_opt_get(a, "date");
  int rc = clinic_args_done(a, "diary delete");
  if (rc) return rc;
  int32_t d;
  if (a->npos != 3 || !date) return clinic_fail(CL_USAGE, "usage: nmod clinic diary delete PATIENT --date YYYY-MM-DD");
  if ((rc = clinic_date_arg("--date", date, &d)) != CL_OK) return rc;
  clinic_err e = {0};
  clinic_patient p;
  if (clinic_patient_lookup(c->db, a->pos[2], &p, &e) != CLINIC_E_OK || clinic_diary_delete(c->db, &p, date, &e) != CLINIC_E_OK)
    return clinic_report(&e);
  if (!c->json) {
    fprintf(clinic_stdout(), "%s: diary %s deleted\n", p.code, date);
  } else {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_kv_int(&w, "deleted", 1);
    clinic_json_end(&w);
  }
  return CL_OK;
}

/* diary import: the result as text or JSON; the bad rows, then the one error. */
static int cmd_diary_import(clinic_ctx *c, const char *patient, const char *file) {
  clinic_diary_import_result *res = malloc(sizeof *res);
  if (!res) return clinic_fail(CL_IO, "out of memory");
  clinic_err e;
  clinic_err_clear(&e);
  int rc = CL_OK;
  if (clinic_diary_import(c->db, patient, file, c->today, res, &e) != CLINIC_E_OK) {
    for (int i = 0; i < res->nreported; i++) fprintf(stderr, "nmod clinic: %s\n", res->reported[i]);
    rc = clinic_report(&e);
  } else if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_kv_str(&w, "file", file);
    jw_kv_int(&w, "import_id", res->import_id);
    jw_kv_int(&w, "rows", res->rows);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    fprintf(clinic_stdout(), "imported %ld diary days from %s\n", res->rows, file);
  }
  free(res);
  return rc;
}

int clinic_cmd_diary(clinic_ctx *c, clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : "";
  if (strcmp(sub, "add") == 0) return cmd_diary_add(c, a);
  if (strcmp(sub, "list") == 0) return cmd_diary_list(c, a);
  if (strcmp(sub, "delete") == 0) return cmd_diary_delete(c, a);
  if (strcmp(sub, "import") == 0) {
    int rc = clinic_args_done(a, "diary import");
    if (rc) return rc;
    if (a->npos != 3 && a->npos != 4) return clinic_fail(CL_USAGE, "usage: nmod clinic diary import [PATIENT] FILE.csv");
    return cmd_diary_import(c, a->npos == 4 ? a->pos[2] : NULL, a->pos[a->npos - 1]);
  }
  return clinic_fail(CL_USAGE, "usage: nmod clinic diary add|import|list|delete ...");
}
