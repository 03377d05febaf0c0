/* clinic_lead.c: the response to the test current when the SNM lead is placed (seed 004:
 * "Controle van de juiste ligging is zichtbaar door samentrekking van de spieren in de regio
 * van de bekkenbodem (anus) of van de grote teen"): per contact, the response seen (anal
 * bellows contraction, big-toe flexion, both, or none) and the lowest current that gave it.
 * Command: lead-response add|list. Recorded on the day of stage 1 or of the definitive
 * stage 2, when the lead is tested again. */
#include <limits.h>
#include <string.h>

#include "clinic_lead.h"
#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_store.h"
#include "clinic_util.h"
#include "hu_contact.h"
#include "hu_date.h"
#include "hu_dec.h"
#include "hu_fmt.h"
#include "json.h"
#include "nmod/limits.h"

static const char *const responses[] = {"bellows", "toe", "both", "none"};

static const char *response_text(const char *r) {
  return strcmp(r, "bellows") == 0 ? "anal bellows contraction"
         : strcmp(r, "toe") == 0   ? "big-toe flexion"
         : strcmp(r, "both") == 0  ? "anal bellows contraction and big-toe flexion"
                                   : "no response";
}

static int cmd_lead_add(clinic_ctx *c, clinic_args *a) {
  const char *contact = clinic_opt_get(a, "contact"), *resp = clinic_opt_get(a, "response"),
             *thr = clinic_opt_get(a, "threshold-ma"), *date = clinic_opt_get(a, "date"), *note = clinic_opt_get(a, "note");
  int rc = clinic_args_done(a, "lead-response add");
  if (rc) return rc;
  if (a->npos != 3 || !contact || !resp)
    return clinic_fail(CL_USAGE, "usage: nmod clinic lead-response add PATIENT --contact E0..E%d --response "
                                 "bellows|toe|both|none [--threshold-ma MA] [--date YYYY-MM-DD] [--note TEXT]",
                       NM_MAX_CONTACTS - 1);
  int ct = hu_contact_parse(contact, HU_CONTACT_NO_CASE);
  if (ct < 0) return clinic_fail(CL_USAGE, "--contact '%s' is not a contact: use E0 to E%d", contact, NM_MAX_CONTACTS - 1);
  int ok = 0;
  for (size_t i = 0; i < sizeof responses / sizeof responses[0]; i++) ok |= strcmp(resp, responses[i]) == 0;
  if (!ok)
    return clinic_fail(CL_USAGE, "--response '%s' is not known: use bellows (anal bellows contraction), toe (big-toe "
                                 "flexion), both or none", resp);
  int64_t ua = -1;
  if (thr) {
    /* mA with up to 2 decimals, 0.01 .. the stimulator's maximum. */
    int64_t c10;
    if (hu_dec_range(thr, 2, INT64_MIN, INT64_MAX, &c10) != 0 || c10 < 1 || c10 * 10 > NM_AMP_MAX_UA)
    {
      char mx[HU_FIXED_LEN];
      return clinic_fail(CL_USAGE, "--threshold-ma '%s' is not a current from 0.01 to %s mA (up to 2 decimals)", thr,
                         hu_fmt_fixed(mx, sizeof mx, NM_AMP_MAX_UA / 10, 2, 2));
    }
    ua = c10 * 10;
  } else if (strcmp(resp, "none") != 0) {
    return clinic_fail(CL_USAGE, "--threshold-ma is needed: the lowest current that gave the %s", response_text(resp));
  }
  if (note && strlen(note) > 200) return clinic_fail(CL_USAGE, "--note is longer than 200 characters");
  int32_t d = INT32_MIN;
  if (date && (rc = clinic_date_arg("--date", date, &d)) != CL_OK) return rc;
  clinic_err e = {0};
  clinic_patient p;
  clinic_lead_rec r = {INT32_MIN, ct, resp, ua, note};
  if (clinic_patient_lookup(c->db, a->pos[2], &p, &e) != CLINIC_E_OK || clinic_lead_add(c->db, &p, d, &r, &e) != CLINIC_E_OK)
    return clinic_report(&e);
  char ds[11], ma[HU_FIXED_LEN], text[300];
  hu_date_fmt(ds, HU_DATE_LEN, r.date);
  snprintf(text, sizeof text, "%s: E%d on %s: %s%s%s%s", p.code, ct, ds, response_text(resp), ua >= 0 ? " at " : "",
           ua >= 0 ? hu_fmt_fixed(ma, sizeof ma, ua / 10, 2, 2) : "", ua >= 0 ? " mA" : "");
  clinic_ack ack = {NULL, NULL, text};
  clinic_ack_render(clinic_stdout(), c->json, &ack);
  return CL_OK;
}

int clinic_lead_add(sqlite3 *db, const clinic_patient *p, int32_t day, clinic_lead_rec *r, clinic_err *e) {
  if (p->therapy != TH_SNM)
    return clinic_err_set(e, CLINIC_E_INPUT, "%s is an SCS patient: lead-placement responses (anal bellows, big toe) are "
                          "recorded for SNM", p->code);
  clinic_path path;
  int rc = clinic_path_read(db, p, &path, e);
  if (rc) return rc;
  int32_t s1 = clinic_path_done(&path, "trial"), s2 = clinic_path_done(&path, "implant");
  if (s1 == INT32_MIN) return clinic_err_set(e, CLINIC_E_RULE, "%s: stage 1 (the lead placement) is not recorded yet", p->code);
  int32_t d = day == INT32_MIN ? s1 : day;
  if (d != s1 && d != s2) {
    char a1[11], a2[11];
    hu_date_fmt(a1, HU_DATE_LEN, s1);
    if (s2 != INT32_MIN) hu_date_fmt(a2, HU_DATE_LEN, s2);
    return clinic_err_set(e, CLINIC_E_RULE, "%s: a lead-placement response is recorded on the day of stage 1 (%s)%s%s%s",
                          p->code, a1, s2 != INT32_MIN ? " or of stage 2 (" : "", s2 != INT32_MIN ? a2 : "",
                          s2 != INT32_MIN ? ")" : "");
  }
  r->date = d;
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, d);
  sqlite3_stmt *st = clinic_sql_prep(
      db, "INSERT INTO lead_response(pid, date, contact, response, threshold_ua, note) VALUES (?,?,?,?,?,?)", e);
  if (!st) return e->code;
  sqlite3_bind_int64(st, 1, p->pid);
  sqlite3_bind_text(st, 2, ds, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 3, r->contact);
  sqlite3_bind_text(st, 4, r->response, -1, SQLITE_STATIC);
  if (r->threshold_ua >= 0) sqlite3_bind_int64(st, 5, r->threshold_ua); else sqlite3_bind_null(st, 5);
  if (r->note && *r->note) sqlite3_bind_text(st, 6, r->note, -1, SQLITE_STATIC); else sqlite3_bind_null(st, 6);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc == SQLITE_CONSTRAINT)
    return clinic_err_set(e, CLINIC_E_RULE, "%s already has a response of contact E%d on %s (one per contact and day)",
                          p->code, r->contact, ds);
  if (rc != SQLITE_DONE) return clinic_err_db(e, db, "storing a lead-placement response");
  return CLINIC_E_OK;
}

int clinic_lead_each(sqlite3 *db, const clinic_patient *p, int (*fn)(void *ctx, const clinic_lead_rec *r), void *ctx,
                     clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT date, contact, response, threshold_ua, note FROM lead_response WHERE pid = ? "
                                         "ORDER BY date, contact", e);
  if (!st) return e->code;
  sqlite3_bind_int64(st, 1, p->pid);
  int rc, r = 0;
  while (!r && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    clinic_lead_rec x;
    if (hu_date_parse((const char *)sqlite3_column_text(st, 0), &x.date) != 0) x.date = INT32_MIN;
    x.contact = sqlite3_column_int(st, 1);
    x.response = (const char *)sqlite3_column_text(st, 2);
    x.threshold_ua = sqlite3_column_type(st, 3) != SQLITE_NULL ? sqlite3_column_int64(st, 3) : -1;
    x.note = (const char *)sqlite3_column_text(st, 4);
    r = fn(ctx, &x);
  }
  if (!r && rc != SQLITE_DONE) clinic_err_db(e, db, "listing lead-placement responses");
  sqlite3_finalize(st);
  return e->code ? e->code : r;
}

typedef struct {
  FILE *f;
  int json;
  js_w w;
  int n;
} lead_out;

static int lead_row(void *ctx, const clinic_lead_rec *r) {
  lead_out *o = ctx;
  char contact[HU_CONTACT_LEN], ds[11], ma[HU_FIXED_LEN];
  hu_contact_name(contact, sizeof contact, (unsigned)r->contact);
  hu_date_fmt(ds, HU_DATE_LEN, r->date);
  int has = r->threshold_ua >= 0;
  o->n++;
  if (o->json) {
    jw_obj(&o->w);
    jw_kv_str(&o->w, "date", ds);
    jw_kv_str(&o->w, "contact", contact);
    jw_kv_str(&o->w, "response", r->response);
    jw_kv_fixed_opt(&o->w, "threshold_ma", has, r->threshold_ua / 10, 2);
    if (r->note) jw_kv_str(&o->w, "note", r->note);
    jw_obj_end(&o->w);
  } else {
    fprintf(o->f, "%s  %-3s %-45s", ds, contact, response_text(r->response));
    if (has) fprintf(o->f, " %s mA", hu_fmt_fixed(ma, sizeof ma, r->threshold_ua / 10, 2, 2));
    fprintf(o->f, "%s%s\n", r->note ? "  " : "", r->note ? r->note : "");
  }
  return 0;
}

static int cmd_lead_list(clinic_ctx *c, clinic_args *a) {
  int rc = clinic_args_done(a, "lead-response list");
  if (rc) return rc;
  if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic lead-response list PATIENT");
  clinic_err e = {0};
  clinic_patient p;
  if (clinic_patient_lookup(c->db, a->pos[2], &p, &e) != CLINIC_E_OK) return clinic_report(&e);
  lead_out o = {.f = clinic_stdout(), .json = c->json};
  if (c->json) clinic_json_list_begin(&o.w, o.f, p.code, "responses");
  if (clinic_lead_each(c->db, &p, lead_row, &o, &e) != CLINIC_E_OK) return clinic_report(&e);
  if (c->json)
    clinic_json_list_end(&o.w);
  else if (!o.n)
    fprintf(o.f, "%s: no lead-placement responses recorded\n", p.code);
  return CL_OK;
}

int clinic_cmd_lead(clinic_ctx *c, clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : "";
  if (strcmp(sub, "add") == 0) return cmd_lead_add(c, a);
  if (strcmp(sub, "list") == 0) return cmd_lead_list(c, a);
  return clinic_fail(CL_USAGE, "usage: nmod clinic lead-response add|list ...");
}
