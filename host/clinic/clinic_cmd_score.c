/* clinic_cmd_score.c: `score add|list`: the command line, and the text and JSON renderers of
 * clinic_score_rec (the computation is clinic_score.c). */
#include <string.h>

#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_err.h"
#include "clinic_patient.h"
#include "clinic_score.h"
#include "clinic_util.h"
#include "hu_date.h"
#include "json.h"

/* The members of a score, as both commands write them (add adds "patient" before, "max"). */
static void score_json(js_w *w, const clinic_score_rec *r, int with_max) {
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, r->date);
  if (with_max) {
    jw_kv_str(w, "kind", clinic_score_kind_name(r->kind));
    jw_kv_str(w, "date", ds);
  } else {
    jw_kv_str(w, "date", ds);
    jw_kv_str(w, "kind", clinic_score_kind_name(r->kind));
  }
  jw_kv_int(w, "total", r->total);
  if (with_max) jw_kv_int(w, "max", clinic_score_max(r->kind));
  jw_kv_str(w, "items", r->items);
}

static int cmd_score_add(clinic_ctx *c, clinic_args *a) {
  const char *date = clinic_opt_get(a, "date");
  int rc;
  if ((rc = clinic_args_done(a, "score add")) != CL_OK) return rc;
  if (a->npos < 4)
    return clinic_fail(CL_USAGE, "usage: nmod clinic score add PATIENT wexner|vaizey|nrs [--date YYYY-MM-DD] ITEM=ANSWER...");
  clinic_score_kind k;
  if (clinic_score_kind_parse(a->pos[3], &k) != 0)
    return clinic_fail(CL_USAGE, "score '%s' is not known: use wexner, vaizey (St Mark's) or nrs", a->pos[3]);
  int32_t d = c->today;
  if (date && (rc = clinic_date_arg("--date", date, &d)) != CL_OK) return rc;
  clinic_err e = {0};
  clinic_patient p;
  clinic_score_rec r;
  if (d > c->today) return clinic_fail(CL_USAGE, "--date %s is in the future", date);
  if (clinic_patient_lookup(c->db, a->pos[2], &p, &e) != CLINIC_E_OK ||
      clinic_score_add(c->db, &p, k, d, c->today, (const char *const *)a->pos + 4, a->npos - 4, &r, &e) != CLINIC_E_OK)
    return clinic_report(&e);
  if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_kv_str(&w, "patient", p.code);
    score_json(&w, &r, 1);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    char ds[11];
    hu_date_fmt(ds, HU_DATE_LEN, r.date);
    fprintf(clinic_stdout(), "%s: %s score %d/%d on %s (%s)\n", p.code, clinic_score_kind_name(k), r.total, clinic_score_max(k), ds, r.items);
  }
  return CL_OK;
}

typedef struct {
  const clinic_ctx *c;
  js_w w;
} list_out;

static int score_row_text(void *ctx, const clinic_score_rec *r) {
  list_out *o = ctx;
  if (o->c->json) {
    jw_obj(&o->w);
    score_json(&o->w, r, 0);
    jw_obj_end(&o->w);
  } else {
    char ds[11];
    hu_date_fmt(ds, HU_DATE_LEN, r->date);
    fprintf(clinic_stdout(), "%s  %-7s %2d  %s\n", ds, clinic_score_kind_name(r->kind), r->total, r->items);
  }
  return 0;
}

static int cmd_score_list(clinic_ctx *c, clinic_args *a) {
  int rc;
  if ((rc = clinic_args_done(a, "score list")) != CL_OK) return rc;
  if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic score list PATIENT");
  clinic_err e = {0};
  clinic_patient p;
  if (clinic_patient_lookup(c->db, a->pos[2], &p, &e) != CLINIC_E_OK) return clinic_report(&e);
  list_out o = {.c = c};
  if (c->json) {
    jw_init(&o.w, clinic_stdout());
    jw_obj(&o.w);
    jw_kv_str(&o.w, "patient", p.code);
    jw_key(&o.w, "scores");
    jw_arr(&o.w);
  }
  if (clinic_score_each(c->db, &p, score_row_text, &o, &e) != CLINIC_E_OK) return clinic_report(&e);
  if (c->json) {
    jw_arr_end(&o.w);
    jw_obj_end(&o.w);
    jw_end(&o.w);
  }
  return CL_OK;
}

int clinic_cmd_score(clinic_ctx *c, clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : "";
  if (strcmp(sub, "add") == 0) return cmd_score_add(c, a);
  if (strcmp(sub, "list") == 0) return cmd_score_list(c, a);
  return clinic_fail(CL_USAGE, "usage: nmod clinic score add|list ...");
}
